using System.Runtime.InteropServices;
using System.Text;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// The host emulation's hazard log (Emulation/hazards.cpp), seen from the tests: every test of the
/// assembly fails when the emulated driver recorded a hazard while it ran (a free of memory queued
/// work still uses, an unordered cross-stream access, a host read before its copy, a context left
/// changed, a read of never-written memory, a broken API contract). It finds the emulation's
/// exports in the libcuda.so.1 of ORTHOPROJ_CUDA_PATH, the library the backend loads (the loader
/// hands out the one mapping); a real driver lacks them, and then this does nothing.
/// </summary>
[TestClass]
public sealed unsafe class EmulationHazards
{
    private static readonly Lazy<Exports?> Instance = new(Find);

    /// <summary>Whether the CUDA driver in use is the host emulation (with its hazard log).</summary>
    public static bool Available => Instance.Value is not null;

    /// <summary>The made-up foreign context the emulation accepts as current (a caller's own).</summary>
    public static nint ForeignContext => Require().Foreign();

    /// <summary>The hazards recorded since the last reset, one per line, and their count.</summary>
    public static (int Count, string Text) Read()
    {
        Exports? e = Instance.Value;
        if (e is null)
        {
            return (0, string.Empty);
        }

        byte[] buffer = new byte[1 << 16];
        int count;
        fixed (byte* p = buffer)
        {
            count = e.Hazards(p, buffer.Length);
        }

        int length = Array.IndexOf(buffer, (byte)0);
        return (count, Encoding.UTF8.GetString(buffer, 0, length < 0 ? buffer.Length : length));
    }

    /// <summary>Brackets one call of the code under test: a hazard when it leaves another context current than it found.</summary>
    public static IDisposable Call(string what)
    {
        Exports e = Require();
        byte[] name = Encoding.UTF8.GetBytes(what + "\0");
        fixed (byte* p = name)
        {
            e.CallBegin(p);
        }

        return new Bracket(e);
    }

    /// <summary>Before every test: an empty log.</summary>
    [GlobalTestInitialize]
    public static void Reset(TestContext context)
    {
        Exports? e = Instance.Value;
        if (e is not null)
        {
            e.Drain();
            e.Reset();
        }
    }

    /// <summary>After every test: its queued work is run (not synchronized) so that its hazards show here, and any hazard fails it.</summary>
    [GlobalTestCleanup]
    public static void FailOnHazards(TestContext context)
    {
        Exports? e = Instance.Value;
        if (e is null)
        {
            return;
        }

        e.Drain();
        (int count, string text) = Read();
        e.Reset();
        if (count > 0)
        {
            throw new AssertFailedException($"The CUDA emulation recorded {count} hazard(s) during {context.TestName}:\n{text}");
        }
    }

    private static Exports Require() =>
        Instance.Value ?? throw new AssertInconclusiveException("Needs the host emulation of CUDA (its libcuda.so.1 in ORTHOPROJ_CUDA_PATH).");

    private static Exports? Find()
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("ORTHOPROJ_CUDA_PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            // The same path the backend's probe loads (CudaLibraries), so the same library and log.
            if (NativeLibrary.TryLoad(Path.Combine(folder, "libcuda.so.1"), out nint handle)
                && NativeLibrary.TryGetExport(handle, "fakecuda_hazards", out nint hazards)
                && NativeLibrary.TryGetExport(handle, "fakecuda_reset_hazards", out nint reset)
                && NativeLibrary.TryGetExport(handle, "fakecuda_drain", out nint drain)
                && NativeLibrary.TryGetExport(handle, "fakecuda_foreign_context", out nint foreign)
                && NativeLibrary.TryGetExport(handle, "fakecuda_call_begin", out nint begin)
                && NativeLibrary.TryGetExport(handle, "fakecuda_call_end", out nint end))
            {
                return new Exports(
                    (delegate* unmanaged<byte*, int, int>)hazards,
                    (delegate* unmanaged<void>)reset,
                    (delegate* unmanaged<void>)drain,
                    (delegate* unmanaged<nint>)foreign,
                    (delegate* unmanaged<byte*, void>)begin,
                    (delegate* unmanaged<void>)end);
            }
        }

        return null;
    }

    private sealed class Exports(
        delegate* unmanaged<byte*, int, int> hazards,
        delegate* unmanaged<void> reset,
        delegate* unmanaged<void> drain,
        delegate* unmanaged<nint> foreign,
        delegate* unmanaged<byte*, void> begin,
        delegate* unmanaged<void> end)
    {
        public int Hazards(byte* buffer, int capacity) => hazards(buffer, capacity);

        public void Reset() => reset();

        public void Drain() => drain();

        public nint Foreign() => foreign();

        public void CallBegin(byte* what) => begin(what);

        public void CallEnd() => end();
    }

    private sealed class Bracket(Exports exports) : IDisposable
    {
        private bool done;

        public void Dispose()
        {
            if (!done)
            {
                done = true;
                exports.CallEnd();
            }
        }
    }
}
