using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OrthoProj.Bench.Harness;

/// <summary>The machine, its measured peaks and the CUDA device, for the report's header.</summary>
public sealed record MachineInfo(
    string Cpu,
    int Cores,
    string Os,
    string Runtime,
    string Simd,
    double PeakGflopsF64,
    double PeakGflopsF32,
    double PeakBandwidthGBs,
    int PeakThreads,
    bool CudaPresent,
    string CudaNote)
{
    /// <summary>Measures (about half a second) and probes.</summary>
    public static MachineInfo Measure(int threads)
    {
        bool cuda = CudaProbe.TryFindDevice(out string cudaNote);
        return new MachineInfo(
            CpuName(),
            Environment.ProcessorCount,
            RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription,
            Vector512.IsHardwareAccelerated ? "AVX-512" : Vector256.IsHardwareAccelerated ? "AVX2" : "SSE/NEON",
            Peaks.FmaGflops<double>(threads),
            Peaks.FmaGflops<float>(threads),
            Peaks.CopyBandwidth(threads),
            threads,
            cuda,
            cudaNote);
    }

    private static string CpuName()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }
}

/// <summary>
/// The machine's measured peaks for the thread count of the run: FMA throughput on independent
/// SIMD accumulators held in registers (what dense LAPACK kernels approach), and the bandwidth of a
/// large array copy (counted as read plus write).
/// </summary>
public static class Peaks
{
    /// <summary>GFLOP/s of fused multiply-adds on <paramref name="threads"/> threads (best of 3), at the widest vector the processor runs natively.</summary>
    public static double FmaGflops<T>(int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int Iterations = 2_000_000;
        bool wide = Vector512.IsHardwareAccelerated;
        int lanes = wide ? Vector512<T>.Count : Vector256<T>.Count;
        double best = 0;
        for (int trial = 0; trial < 3; trial++)
        {
            long start = Stopwatch.GetTimestamp();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Fma<T>(Iterations, wide));
            double s = Stopwatch.GetElapsedTime(start).TotalSeconds;
            double flops = 2.0 * Chains * lanes * (double)Iterations * threads;
            best = Math.Max(best, flops / s / 1e9);
        }

        return best;
    }

    /// <summary>GB/s of a 64 MiB array copy per thread (read + write bytes), best of 3.</summary>
    public static double CopyBandwidth(int threads)
    {
        const int Length = 8 << 20;
        var src = new double[threads][];
        var dst = new double[threads][];
        for (int t = 0; t < threads; t++)
        {
            src[t] = new double[Length];
            dst[t] = new double[Length];
            src[t].AsSpan().Fill(1.0);
            dst[t].AsSpan().Fill(0.0);
        }

        double best = 0;
        for (int trial = 0; trial < 3; trial++)
        {
            long start = Stopwatch.GetTimestamp();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t => src[t].AsSpan().CopyTo(dst[t]));
            double s = Stopwatch.GetElapsedTime(start).TotalSeconds;
            best = Math.Max(best, 2.0 * 8 * Length * threads / s / 1e9);
        }

        return best;
    }

    /// <summary>
    /// Independent accumulator chains: enough to hide the FMA latency on two FMA ports (4 to 5 cycles
    /// each: 8 to 10 in flight) and few enough to stay in the 16 registers of AVX2.
    /// </summary>
    private const int Chains = 12;

    // Vector512 where the processor has AVX-512; else Vector256. Vector512 on an AVX2 machine runs
    // as two halves through memory and measured half the peak (46 against 99 GFLOP/s float on the
    // development machine), which made every share of it twice what it was.
    private static object Fma<T>(int iterations, bool wide)
        where T : unmanaged, IFloatingPointIeee754<T> => (typeof(T) == typeof(double), wide) switch
    {
        (true, true) => Run<Vector512<double>>(iterations, Vector512.Create(1.0)),
        (true, false) => Run<Vector256<double>>(iterations, Vector256.Create(1.0)),
        (false, true) => Run<Vector512<float>>(iterations, Vector512.Create(1.0f)),
        (false, false) => Run<Vector256<float>>(iterations, Vector256.Create(1.0f)),
    };

    // Twelve chains of x = x * 1 + 0 (the values stay bounded).
    private static TV Run<TV>(int iterations, TV one)
        where TV : struct
    {
        TV zero = default;
        TV c0 = one, c1 = one, c2 = one, c3 = one, c4 = one, c5 = one, c6 = one, c7 = one, c8 = one, c9 = one, c10 = one, c11 = one;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Fma(c0, one, zero);
            c1 = Fma(c1, one, zero);
            c2 = Fma(c2, one, zero);
            c3 = Fma(c3, one, zero);
            c4 = Fma(c4, one, zero);
            c5 = Fma(c5, one, zero);
            c6 = Fma(c6, one, zero);
            c7 = Fma(c7, one, zero);
            c8 = Fma(c8, one, zero);
            c9 = Fma(c9, one, zero);
            c10 = Fma(c10, one, zero);
            c11 = Fma(c11, one, zero);
        }

        // Every chain is live: the sum keeps the JIT from dropping any.
        return Fma(Fma(Fma(c0, c1, c2), c3, Fma(c4, c5, c6)), Fma(c7, c8, c9), Fma(c10, c11, zero));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Fma<TV>(TV x, TV y, TV z)
        where TV : struct
    {
        if (typeof(TV) == typeof(Vector512<double>))
        {
            return (TV)(object)Vector512.FusedMultiplyAdd((Vector512<double>)(object)x, (Vector512<double>)(object)y, (Vector512<double>)(object)z);
        }

        if (typeof(TV) == typeof(Vector512<float>))
        {
            return (TV)(object)Vector512.FusedMultiplyAdd((Vector512<float>)(object)x, (Vector512<float>)(object)y, (Vector512<float>)(object)z);
        }

        if (typeof(TV) == typeof(Vector256<double>))
        {
            return (TV)(object)Vector256.FusedMultiplyAdd((Vector256<double>)(object)x, (Vector256<double>)(object)y, (Vector256<double>)(object)z);
        }

        return (TV)(object)Vector256.FusedMultiplyAdd((Vector256<float>)(object)x, (Vector256<float>)(object)y, (Vector256<float>)(object)z);
    }
}

/// <summary>
/// Whether a CUDA device is present, through OrthoProj.Native's driver probe (libcuda.so.1 by
/// versioned name, ORTHOPROJ_CUDA_PATH honoured), so that the report can say "absent: no CUDA
/// device" with the driver's reason.
/// </summary>
public static class CudaProbe
{
    /// <summary>
    /// What later mentions say instead of the driver's whole reason, which is printed once (see
    /// <see cref="ForConsole"/>): on a machine without a GPU it is a paragraph.
    /// </summary>
    public const string NoDeviceSeeAbove = "no CUDA device (the reason is printed above)";

    private static int reasonPrinted;

    /// <summary>
    /// <paramref name="note"/> as the console should show it: the whole reason the first time this
    /// process prints one (the demo's CUDA line, or the benchmark's Machine line when it runs alone),
    /// <see cref="NoDeviceSeeAbove"/> after that.
    /// </summary>
    public static string ForConsole(string note, bool present) =>
        present || Interlocked.Exchange(ref reasonPrinted, 1) == 0 ? note : NoDeviceSeeAbove;

    /// <summary>True when the driver loads and reports at least one device.</summary>
    public static bool TryFindDevice(out string note)
    {
        if (Native.CudaDevice.TryGetDeviceCount(out int count, out string reason) && count > 0)
        {
            note = $"{count} CUDA device(s)";
            return true;
        }

        // The driver's reason may carry the whole probe trace: its first and last lines say enough.
        string[] lines = (reason ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string why = lines.Length switch
        {
            0 => string.Empty,
            1 => lines[0],
            _ => lines[0].TrimEnd(':', ' ') + ": " + lines[^1],
        };
        note = "no CUDA device" + (why.Length > 0 ? " (" + why + ")" : string.Empty);
        return false;
    }
}

/// <summary>Thread control for native BLAS loaded later in this process.</summary>
public static partial class NativeThreads
{
    /// <summary>
    /// Sets OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS in the C environment (setenv),
    /// before LAPACK is loaded: Environment.SetEnvironmentVariable does not reach native getenv on Unix.
    /// The bench's --threads is authoritative, so it overwrites what the shell set.
    /// </summary>
    public static void Limit(int threads)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        string t = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (string name in new[] { "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS" })
        {
            _ = SetEnv(name, t, 1);
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
