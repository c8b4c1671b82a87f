using System.Runtime.InteropServices;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// The caller's current context survives an OrthoProj call (pushed over and popped), and a thread
/// that keeps using one device makes it current once. Emulation only: it sets a made-up foreign
/// context, which a real driver would reject; inconclusive elsewhere.
/// </summary>
[TestClass]
[RequiresCudaDevice]
public sealed unsafe class CudaContextTests
{
    [TestMethod]
    public void ACallersOtherContext_IsCurrentAgainAfterTheCall()
    {
        (nint setExport, nint getExport) = Driver();
        var set = (delegate* unmanaged<nint, int>)setExport;
        var get = (delegate* unmanaged<nint*, int>)getExport;
        using CudaBackend cuda = CudaBackend.Create(0, new CudaBackendOptions());
        using MatrixBatch<double> a = cuda.FromHost<double>([3, 4, 0, 1, 2, 5], 3, 2, 1);
        using Projector<double> p = cuda.Projector(a);

        nint ours;
        Assert.AreEqual(0, get(&ours));
        Assert.AreNotEqual((nint)0, ours, "no other context was current: ours was made current and left so");

        nint foreign = 0x4242000;
        Assert.AreEqual(0, set(foreign));
        using (MatrixBatch<double> z = p.Project(a))
        {
            nint after;
            Assert.AreEqual(0, get(&after));
            Assert.AreEqual(foreign, after, "the caller's context is restored after Project");
            CollectionAssert.AreEqual(new double[] { 3, 4, 0, 1, 2, 5 }.Select(v => Math.Round(v, 9)).ToArray(), z.ToArray().Select(v => Math.Round(v, 9)).ToArray());
            Assert.AreEqual(0, get(&after));
            Assert.AreEqual(foreign, after, "and after a copy to the host");
        }

        Assert.AreEqual(0, set(ours));
    }

    private static (nint Set, nint Get) Driver()
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("ORTHOPROJ_CUDA_PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (NativeLibrary.TryLoad(Path.Combine(folder, "libcuda.so.1"), out nint handle) && NativeLibrary.TryGetExport(handle, "fakecuda_counters", out _))
            {
                return (NativeLibrary.GetExport(handle, "cuCtxSetCurrent"), NativeLibrary.GetExport(handle, "cuCtxGetCurrent"));
            }
        }

        throw new AssertInconclusiveException("Needs the host emulation (a made-up foreign context is set current).");
    }
}
