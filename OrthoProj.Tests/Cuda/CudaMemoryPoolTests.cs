using OrthoProj.Native;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// The CUDA backend's memory pool under memory pressure: when cuMemAlloc is out of memory, a
/// result's allocation and the workspace's wait for the stream, free the cache and try once more,
/// and only then raise the error, saying what was asked for and cached. The driver's refusal is
/// made through the pool's allocation seam (<c>CudaMemoryPool.DriverAllocate</c>): here, "the
/// device is full while the cache holds anything". Needs a device or the host emulation.
/// </summary>
[TestClass]
[RequiresCudaDevice]
public sealed class CudaMemoryPoolTests
{
    [TestMethod]
    public void OutOfMemory_FreesTheCacheAndRetriesOnce()
    {
        using CudaBackend cuda = CudaBackend.Create(0, new CudaBackendOptions());
        global::OrthoProj.Cuda.CudaMemoryPool pool = cuda.MemoryPool;
        int refused = 0;
        Func<long, DeviceBuffer<byte>> driver = pool.DriverAllocate;
        pool.DriverAllocate = bytes => pool.CachedBytes > 0 ? throw OutOfMemory(ref refused) : driver(bytes);

        // A result of another size than the cached one: refused once, then served after the trim.
        Cache(cuda);
        using (MatrixBatch<double> z = cuda.Zeros<double>(7, 3, 5))
        {
            Assert.AreEqual(1, refused);
            Assert.AreEqual(0L, cuda.PooledBytes, "the cache was freed");
            CollectionAssert.AreEqual(new double[7 * 3 * 5], z.ToArray());
        }

        // The workspace: a first general-path projector takes new scratch slots.
        cuda.SmallMatrixPath = SmallMatrixPath.Never;
        using MatrixBatch<double> a = cuda.FromHost<double>([3, 4, 0, 1, 2, 5], 3, 2, 1);
        Cache(cuda);
        refused = 0;
        using Projector<double> p = cuda.Projector(a);
        Assert.IsGreaterThanOrEqualTo(1, refused);
        using MatrixBatch<double> projected = p.Project(a);
        double[] host = projected.ToArray();
        CollectionAssert.AreEqual(new double[] { 3, 4, 0, 1, 2, 5 }, host.Select(v => Math.Round(v, 9)).ToArray());
    }

    [TestMethod]
    public void OutOfMemory_AfterTheRetry_SaysWhatWasAskedForAndCached()
    {
        using CudaBackend cuda = CudaBackend.Create(0, new CudaBackendOptions());
        global::OrthoProj.Cuda.CudaMemoryPool pool = cuda.MemoryPool;
        Cache(cuda);
        long cached = cuda.PooledBytes;
        int refused = 0;
        pool.DriverAllocate = _ => throw OutOfMemory(ref refused);

        var e = Assert.ThrowsExactly<CudaException>(() => cuda.Zeros<double>(64, 64, 2));
        Assert.AreEqual(2, refused, "tried twice: before and after freeing the cache");
        Assert.AreEqual("CUDA_ERROR_OUT_OF_MEMORY", e.StatusName);
        StringAssert.Contains(e.Message, $"{64 * 64 * 2 * sizeof(double)} bytes asked for");
        StringAssert.Contains(e.Message, $"held {cached} bytes");
        Assert.AreEqual(0L, cuda.PooledBytes);
    }

    /// <summary>Leaves one result's block in the pool's cache.</summary>
    private static void Cache(CudaBackend cuda)
    {
        cuda.Zeros<double>(61, 67, 3).Dispose();   // a size no other result here takes
        Assert.IsGreaterThan(0L, cuda.PooledBytes);
    }

    private static CudaException OutOfMemory(ref int refused)
    {
        refused++;
        return new CudaException(CudaComponent.Driver, "cuMemAlloc_v2", 2, "CUDA_ERROR_OUT_OF_MEMORY");
    }
}
