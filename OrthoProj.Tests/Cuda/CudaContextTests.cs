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

    /// <summary>
    /// With a caller's own (foreign) context current, every backend operation, from creating the
    /// backend to disposing it, leaves that context current (review finding 3: cuCtxSetCurrent
    /// without a restore in TryOpen, Dispose and the native handle releases). Each step is also
    /// bracketed for the emulation (EmulationHazards.Call), which records a "context" hazard naming
    /// it, and queuing work while the foreign context is current is a hazard of its own.
    /// </summary>
    [TestMethod]
    public void TheCallersForeignContext_IsCurrentAfterEveryBackendOperation()
    {
        (nint setExport, nint getExport) = Driver();
        var set = (delegate* unmanaged<nint, int>)setExport;
        var get = (delegate* unmanaged<nint*, int>)getExport;
        nint foreign = EmulationHazards.ForeignContext;
        nint before;
        Assert.AreEqual(0, get(&before));
        var changed = new List<string>();
        T Step<T>(string what, Func<T> action)
        {
            Assert.AreEqual(0, set(foreign));
            T result;
            using (EmulationHazards.Call(what))
            {
                result = action();
            }

            nint after;
            Assert.AreEqual(0, get(&after));
            if (after != foreign)
            {
                changed.Add($"{what} left 0x{after:x} current");
            }

            return result;
        }

        try
        {
            CudaBackend cuda = Step("CudaBackend.Create", () => CudaBackend.Create(0, new CudaBackendOptions()));
            MatrixBatch<double> a = Step("FromHost", () => cuda.FromHost<double>([3, 4, 0, 1, 2, 5, 1, 1, 1, 2, 0, 1], 3, 2, 2));
            Projector<double> p = Step("Projector", () => cuda.Projector(a));
            MatrixBatch<double> z = Step("Project", () => p.Project(a));
            double[] values = Step("ToArray", () => z.ToArray());
            Step("Solve", () => { using MatrixBatch<double> x = p.Solve(a); return x.ToArray(); });
            Step("Dispose (result)", () => { z.Dispose(); return 0; });
            Step("Dispose (projector)", () => { p.Dispose(); return 0; });
            Step("Dispose (input)", () => { a.Dispose(); return 0; });
            Step("CudaBackend.Dispose", () => { cuda.Dispose(); return 0; });
            CollectionAssert.AreEqual(new double[] { 3, 4, 0, 1, 2, 5, 1, 1, 1, 2, 0, 1 }, values.Select(v => Math.Round(v, 9)).ToArray());
        }
        finally
        {
            set(before);
        }

        Assert.AreEqual(0, changed.Count, "the caller's context must be current after each call: " + string.Join("; ", changed));
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
