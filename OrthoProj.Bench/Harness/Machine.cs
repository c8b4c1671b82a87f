using System.Diagnostics;
using System.Numerics;
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
    /// <summary>GFLOP/s of fused multiply-adds on <paramref name="threads"/> threads (best of 3).</summary>
    public static double FmaGflops<T>(int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int Iterations = 2_000_000;
        double best = 0;
        for (int trial = 0; trial < 3; trial++)
        {
            long start = Stopwatch.GetTimestamp();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Fma<T>(Iterations));
            double s = Stopwatch.GetElapsedTime(start).TotalSeconds;
            double flops = 2.0 * 8 * Vector512<T>.Count * (double)Iterations * threads;
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

    private static object Fma<T>(int iterations)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(double) ? FmaDouble(iterations) : FmaSingle(iterations);

    // Eight independent chains hide the FMA latency; the values stay bounded (x * 1 + 0).
    private static double FmaDouble(int iterations)
    {
        Vector512<double> a = Vector512.Create(1.0), b = Vector512<double>.Zero;
        Vector512<double> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, a, b);
            c1 = Vector512.FusedMultiplyAdd(c1, a, b);
            c2 = Vector512.FusedMultiplyAdd(c2, a, b);
            c3 = Vector512.FusedMultiplyAdd(c3, a, b);
            c4 = Vector512.FusedMultiplyAdd(c4, a, b);
            c5 = Vector512.FusedMultiplyAdd(c5, a, b);
            c6 = Vector512.FusedMultiplyAdd(c6, a, b);
            c7 = Vector512.FusedMultiplyAdd(c7, a, b);
        }

        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7);
    }

    private static float FmaSingle(int iterations)
    {
        Vector512<float> a = Vector512.Create(1.0f), b = Vector512<float>.Zero;
        Vector512<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, a, b);
            c1 = Vector512.FusedMultiplyAdd(c1, a, b);
            c2 = Vector512.FusedMultiplyAdd(c2, a, b);
            c3 = Vector512.FusedMultiplyAdd(c3, a, b);
            c4 = Vector512.FusedMultiplyAdd(c4, a, b);
            c5 = Vector512.FusedMultiplyAdd(c5, a, b);
            c6 = Vector512.FusedMultiplyAdd(c6, a, b);
            c7 = Vector512.FusedMultiplyAdd(c7, a, b);
        }

        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7);
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
