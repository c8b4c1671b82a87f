using OrthoProj.Native;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// A backend disposed on one thread while another allocates a result: the allocation runs under the
/// backend's lock, so Dispose waits for it (the rent and the stream-ordered memset see a live pool
/// and stream), and an allocation that starts after Dispose throws <see cref="ObjectDisposedException"/>.
/// Needs a device or the host emulation.
/// </summary>
[TestClass]
[RequiresCudaDevice]
public sealed class CudaDisposeRaceTests
{
    [TestMethod]
    public void DisposeDuringAnAllocation_WaitsForIt()
    {
        CudaBackend cuda = CudaBackend.Create(0, new CudaBackendOptions());
        global::OrthoProj.Cuda.CudaMemoryPool pool = cuda.MemoryPool;
        Func<long, DeviceBuffer<byte>> driver = pool.DriverAllocate;
        Task? disposing = null;
        bool disposedDuringRent = false;

        // Dispose starts on another thread between the rent and the memset, and gets up to a second
        // to finish there; under the lock it cannot until the allocation is done.
        pool.DriverAllocate = bytes =>
        {
            DeviceBuffer<byte> memory = driver(bytes);
            disposing ??= Task.Run(cuda.Dispose);
            disposedDuringRent = disposing.Wait(TimeSpan.FromSeconds(1));
            return memory;
        };

        using (MatrixBatch<double> z = cuda.Zeros<double>(5, 3, 2))
        {
            Assert.IsFalse(disposedDuringRent, "Dispose finished while the allocation was between its rent and its memset");
            Assert.IsNotNull(disposing);
        }

        disposing!.Wait();
        Assert.ThrowsExactly<ObjectDisposedException>(() => cuda.Zeros<double>(5, 3, 2));
    }

    [TestMethod]
    public void AllocationsRacingDispose_SucceedOrThrowObjectDisposed()
    {
        for (int round = 0; round < 20; round++)
        {
            CudaBackend cuda = CudaBackend.Create(0, new CudaBackendOptions());
            using var start = new Barrier(2);
            Exception? failure = null;
            Task allocating = Task.Run(() =>
            {
                start.SignalAndWait();
                try
                {
                    for (int i = 0; i < 1000; i++)
                    {
                        cuda.Zeros<float>(8, 8, 4).Dispose();
                    }
                }
                catch (ObjectDisposedException)
                {
                }
                catch (Exception e)
                {
                    failure = e;
                }
            });
            start.SignalAndWait();
            cuda.Dispose();
            allocating.Wait();
            Assert.IsNull(failure, $"round {round}: {failure}");
        }
    }
}
