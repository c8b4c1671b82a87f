using System.Runtime.InteropServices;
using OrthoProj.Native;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// The caller's current context survives an OrthoProj call (pushed over and popped), and a thread
/// that keeps using one device makes it current once; creating and disposing a backend, opening a
/// device and releasing a native handle leave the caller's context (or none) current, as they found
/// it. Emulation only: it sets a made-up foreign context, which a real driver would reject;
/// inconclusive elsewhere.
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

    [TestMethod]
    public void CreateAndDispose_LeaveTheCallersContextCurrent()
    {
        using var current = new CurrentContextProbe();
        foreach (nint callers in new nint[] { 0x4242000, 0 })
        {
            current.Set(callers);
            CudaBackend cuda = CudaBackend.Create(0, new CudaBackendOptions());
            Assert.AreEqual(callers, current.Get(), $"after Create, with 0x{callers:x} current before");
            using (MatrixBatch<double> a = cuda.FromHost<double>([3, 4, 0, 1, 2, 5], 3, 2, 1))
            {
                _ = a.ToArray();
            }

            current.Set(callers);
            cuda.Dispose();
            Assert.AreEqual(callers, current.Get(), $"after Dispose, with 0x{callers:x} current before");
        }
    }

    [TestMethod]
    public void TryOpen_LeavesTheCallersContextCurrent()
    {
        using var current = new CurrentContextProbe();
        foreach (nint callers in new nint[] { 0x4242000, 0 })
        {
            current.Set(callers);
            Assert.IsTrue(CudaDevice.TryOpen(0, out CudaDevice? device, out string reason), reason);
            Assert.AreEqual(callers, current.Get(), $"after TryOpen, with 0x{callers:x} current before");
            device!.Dispose();
            Assert.AreEqual(callers, current.Get(), $"after the device's Dispose, with 0x{callers:x} current before");
        }
    }

    [TestMethod]
    public void NativeHandleReleases_LeaveTheCallersContextCurrent()
    {
        using var current = new CurrentContextProbe();
        using CudaBackend cuda = CudaBackend.Create(0, new CudaBackendOptions());
        nint foreign = 0x4242000;

        // An event (as a cross-backend call disposes one), device memory, a stream: each released
        // with another framework's context current on the thread.
        CudaEvent recorded = cuda.RecordEvent();
        DeviceBuffer<float> memory = cuda.CudaDevice.Allocate<float>(64);
        CudaStream stream = cuda.CudaDevice.CreateStream();
        current.Set(foreign);
        recorded.Dispose();
        Assert.AreEqual(foreign, current.Get(), "after an event's release");
        memory.Dispose();
        Assert.AreEqual(foreign, current.Get(), "after cuMemFree");
        stream.Dispose();
        Assert.AreEqual(foreign, current.Get(), "after cuStreamDestroy");

        // A result given back beyond the pool's cap is freed, not cached.
        cuda.MemoryPool.MaxCachedBytes = 0;
        MatrixBatch<double> batch = cuda.Zeros<double>(4, 4, 2);
        current.Set(foreign);
        batch.Dispose();
        cuda.Synchronize();
        Assert.AreEqual(foreign, current.Get(), "after a pooled block over the cap is freed");
    }

    [TestMethod]
    public void ACallOnAnotherBackendsBatch_LeavesTheCallersContextCurrent()
    {
        using var current = new CurrentContextProbe();
        using CudaBackend owner = CudaBackend.Create(0, new CudaBackendOptions());
        using CudaBackend user = CudaBackend.Create(0, new CudaBackendOptions());
        using MatrixBatch<double> a = owner.FromHost<double>([3, 4, 0, 1, 2, 5], 3, 2, 1);
        nint foreign = 0x4242000;
        current.Set(foreign);
        using (Projector<double> p = user.Projector(a))
        {
            Assert.AreEqual(foreign, current.Get(), "after a call that orders two backends' streams with an event");
            using MatrixBatch<double> z = p.Project(a);
            Assert.AreEqual(foreign, current.Get(), "after Project");
        }

        Assert.AreEqual(foreign, current.Get(), "after the projector's release");
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

    /// <summary>The emulation's cuCtxSetCurrent / cuCtxGetCurrent; Dispose sets back what was current when it was made.</summary>
    private sealed class CurrentContextProbe : IDisposable
    {
        private readonly delegate* unmanaged<nint, int> set;
        private readonly delegate* unmanaged<nint*, int> get;
        private readonly nint before;

        public CurrentContextProbe()
        {
            (nint setExport, nint getExport) = Driver();
            set = (delegate* unmanaged<nint, int>)setExport;
            get = (delegate* unmanaged<nint*, int>)getExport;
            before = Get();
        }

        public void Set(nint context) => Assert.AreEqual(0, set(context));

        public nint Get()
        {
            nint current;
            Assert.AreEqual(0, get(&current));
            return current;
        }

        public void Dispose() => Set(before);
    }
}
