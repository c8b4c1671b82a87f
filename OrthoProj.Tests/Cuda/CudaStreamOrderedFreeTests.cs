namespace OrthoProj.Tests.Cuda;

/// <summary>
/// Device memory the backend lets go of while queued work may still use it is not given to cuMemFree
/// at once (which may free it under that work, or stall the whole device where it waits): a block
/// returned beyond the pool's cap waits for the next host wait for the stream; the fused projector's
/// factor, tau and exponents and the general path's per-matrix ints (ranks, exponents) are blocks of
/// the pool, reused in stream order. Each scenario disposes while work that uses the memory is queued
/// (deferred error checking: nothing waits for the stream), and counts cuMemFree in the host
/// emulation; inconclusive without it.
/// </summary>
[TestClass]
[RequiresCudaDevice]
public sealed class CudaStreamOrderedFreeTests
{
    private const int M = 32, N = 16, Count = 8;

    [TestMethod]
    public void ABlockReturnedBeyondTheCap_IsFreedAtTheNextWait()
    {
        Func<long[]> counters = Counters();
        using CudaBackend cuda = CudaBackend.Create(0, new CudaBackendOptions { ErrorChecking = CudaErrorChecking.Deferred });
        using MatrixBatch<double> a = cuda.FromHost<double>(Matrices(M, N), M, N, Count);
        using Projector<double> p = cuda.Projector(a);
        cuda.MemoryPool.MaxCachedBytes = 0;

        MatrixBatch<double> y = cuda.FromHost<double>(Matrices(M, 2), M, 2, Count);
        long frees = counters()[1];
        using MatrixBatch<double> z = p.Project(y);   // queued, reads y
        y.Dispose();                                   // over the cap: not freed under the queued Project
        Assert.AreEqual(frees, counters()[1], "cuMemFree was called while the stream may still read the block");
        Assert.AreEqual(1, cuda.MemoryPool.DeferredFrees);

        cuda.Synchronize();
        Assert.AreEqual(0, cuda.MemoryPool.DeferredFrees);
        Assert.AreEqual(frees + 1, counters()[1], "freed once the stream was waited for");
    }

    [TestMethod]
    public void AFusedProjectorsFactor_GoesBackToThePool()
    {
        Func<long[]> counters = Counters();
        using CudaBackend cuda = CudaBackend.Create(0, new CudaBackendOptions { ErrorChecking = CudaErrorChecking.Deferred, SmallMatrixPath = SmallMatrixPath.Always });
        using MatrixBatch<float> a = cuda.FromHost<float>(Matrices(M, N).Select(v => (float)v).ToArray(), M, N, Count);
        using MatrixBatch<float> y = cuda.FromHost<float>(Matrices(M, 2).Select(v => (float)v).ToArray(), M, 2, Count);
        using (Projector<float> warm = cuda.Projector(a))
        {
            warm.Project(y).Dispose();   // warms the pool and the kernels
        }

        long[] before = counters();
        Projector<float> p = cuda.Projector(a);
        MatrixBatch<float> z = p.Project(y);   // queued, reads the factor
        p.Dispose();
        z.Dispose();
        long[] after = counters();
        Assert.AreEqual(before[1], after[1], "the factor, tau or exponents were given to cuMemFree with a kernel reading them queued");
        Assert.AreEqual(before[0], after[0], "a projector built again takes its blocks from the pool");
        cuda.Synchronize();
    }

    [TestMethod]
    public void TheGeneralPathsPerMatrixInts_GoBackToThePool()
    {
        Func<long[]> counters = Counters();
        using CudaBackend cuda = CudaBackend.Create(0, new CudaBackendOptions { ErrorChecking = CudaErrorChecking.Deferred, SmallMatrixPath = SmallMatrixPath.Never });
        using MatrixBatch<double> a = cuda.FromHost<double>(Matrices(M, N), M, N, Count);
        cuda.Projector(a).Dispose();   // warms the pool, the workspace and the kernels

        long[] before = counters();
        cuda.Projector(a).Dispose();   // exponents and ranks (DeviceBatchInts) taken and given back
        long[] after = counters();
        Assert.AreEqual(before[1], after[1], "per-matrix ints were given to cuMemFree with work reading them queued");
        Assert.AreEqual(before[0], after[0]);
    }

    private static Func<long[]> Counters() =>
        SteadyStateCountTests.Counters.Reader ?? throw new AssertInconclusiveException($"Needs the host emulation's counters: {SteadyStateCountTests.Counters.Why}.");

    private static double[] Matrices(int rows, int cols)
    {
        var random = new Random(rows * 31 + cols);
        return [.. Enumerable.Range(0, rows * cols * Count).Select(_ => random.NextDouble() - 0.5)];
    }
}
