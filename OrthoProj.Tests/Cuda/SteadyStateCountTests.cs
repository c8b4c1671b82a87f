using System.Globalization;
using System.Runtime.InteropServices;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// What a training loop pays per call on the CUDA path, counted in the host emulation (no GPU can
/// be timed here, but allocations, host synchronizations and library calls can be counted): a
/// projector is built once, Project and ProjectBackward are called until the backend's workspace
/// and pool have warmed up, and then the emulation's counters (fake_cuda.cpp, fakecuda_counters)
/// are read around one more step. The fused path (4096 x 32 x 16) and the general path
/// (256 x 128 x 64), and the general path with Q kept as reflectors (8 x 512 x 128: m n = 65,536,
/// cuSOLVER ormqr per matrix), each in the default mode and the no-sync mode
/// (<see cref="CudaErrorChecking.Deferred"/>). Each case prints one line of the form
/// <c>steady state, fused 4096x32x16 f32, Project+ProjectBackward: A device allocations, S host
/// synchronizations, L library calls per call</c>, also appended to the file named by
/// ORTHOPROJ_STEADY_STATE_FILE (scripts/gpu-check.sh emulate prints that file last). Inconclusive
/// outside the emulation (a real driver has no counters).
/// </summary>
[TestClass]
[RequiresCudaDevice]
public sealed class SteadyStateCountTests
{
    private const int Warmup = 1;
    private const int Measured = 1;

    public TestContext TestContext { get; set; } = null!;

    /// <summary>
    /// The fused case's batch: 4096 (the issue's shape) unless ORTHOPROJ_STEADY_STATE_FUSED_COUNT
    /// says otherwise. The counts per call do not depend on it (one launch covers any batch), but
    /// the emulation runs a fused warp's 32 lanes as fibers, so 4096 matrices take minutes there:
    /// CudaEmulationTests sets 256 to stay well inside its time limit; scripts/gpu-check.sh
    /// emulate keeps 4096.
    /// </summary>
    public static IEnumerable<object[]> Cases =>
    [
        ["fused", int.TryParse(Environment.GetEnvironmentVariable("ORTHOPROJ_STEADY_STATE_FUSED_COUNT"), out int count) && count > 0 ? count : 4096, 32, 16],
        ["general", 256, 128, 64],
        ["reflectors", 8, 512, 128],
    ];

    /// <summary>
    /// One projector per path (the emulated fused factorization of 4096 matrices takes most of a
    /// minute), measured in the default mode and then in the no-sync mode on the same backend
    /// (<see cref="CudaBackend.ErrorChecking"/> may change between calls).
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void ProjectAndBackward_InSteadyState_AllocateNothingAndSynchronizeAtMostOnce(string path, int count, int m, int n)
    {
        Func<long[]> read = Counters.Reader ?? throw new AssertInconclusiveException("The counts need the host emulation (scripts/gpu-check.sh emulate): " + Counters.Why);
        using CudaBackend cuda = CudaBackend.Create(0, new CudaBackendOptions());
        Assert.AreEqual(path == "fused", cuda.UsesFusedPath(ProjectorMethod.Qr, m, n, count), "the shape takes the path it is reported under");

        var random = new Random(7);
        float[] aData = new float[(long)m * n * count], yData = new float[(long)m * count], gData = new float[(long)m * count];
        foreach (float[] data in new[] { aData, yData, gData })
        {
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = (float)(random.NextDouble() - 0.5);
            }
        }

        using MatrixBatch<float> a = cuda.FromHost<float>(aData, m, n, count);
        using MatrixBatch<float> y = cuda.FromHost<float>(yData, m, 1, count);
        using MatrixBatch<float> gz = cuda.FromHost<float>(gData, m, 1, count);
        using Projector<float> p = cuda.Projector(a);

        void Step()
        {
            using MatrixBatch<float> z = p.Project(y);
            ProjectorGradients<float> g = p.ProjectBackward(y, gz);
            g.GradA.Dispose();
            g.GradY.Dispose();
        }

        for (int i = 0; i < Warmup; i++)
        {
            Step();
        }

        var failures = new List<string>();
        foreach (bool noSync in new[] { false, true })
        {
            cuda.ErrorChecking = noSync ? CudaErrorChecking.Deferred : CudaErrorChecking.Synchronous;
            cuda.Synchronize();
            long[] before = read();
            for (int i = 0; i < Measured; i++)
            {
                Step();
            }

            long[] after = read();
            cuda.CheckErrors();

            double calls = 2.0 * Measured;
            double PerCall(int k) => (after[k] - before[k]) / calls;
            string label = string.Create(CultureInfo.InvariantCulture, $"{path} {count}x{m}x{n} f32{(noSync ? " no-sync" : string.Empty)}");
            string line = string.Create(
                CultureInfo.InvariantCulture,
                $"steady state, {label}, Project+ProjectBackward: {PerCall(0):0.##} device allocations, {PerCall(2):0.##} host synchronizations, {PerCall(3):0.##} library calls per call");
            string detail = string.Create(
                CultureInfo.InvariantCulture,
                $"  ({label}: {PerCall(1):0.##} device frees, {PerCall(4):0.##} kernel launches, {PerCall(5):0.##} context switches per call)");
            Report(line, detail);
            if (PerCall(0) != 0 || PerCall(1) != 0 || (noSync ? PerCall(2) != 0 : PerCall(2) > 1))
            {
                failures.Add(line + detail);
            }
        }

        Assert.IsEmpty(failures, string.Join(Environment.NewLine, failures));
    }

    private void Report(params string[] lines)
    {
        foreach (string line in lines)
        {
            TestContext.WriteLine(line);
            Console.WriteLine(line);
        }

        string? file = Environment.GetEnvironmentVariable("ORTHOPROJ_STEADY_STATE_FILE");
        if (!string.IsNullOrEmpty(file))
        {
            lock (typeof(SteadyStateCountTests))
            {
                File.AppendAllLines(file, lines);
            }
        }
    }

    /// <summary>The emulation's counters: allocations, frees, host synchronizations, library calls, kernel launches, context switches.</summary>
    internal static unsafe class Counters
    {
        private static readonly Lazy<(Func<long[]>? Reader, string Why)> Instance = new(Find);

        public static Func<long[]>? Reader => Instance.Value.Reader;

        public static string Why => Instance.Value.Why;

        private static (Func<long[]>?, string) Find()
        {
            foreach (string folder in (Environment.GetEnvironmentVariable("ORTHOPROJ_CUDA_PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                string driver = Path.Combine(folder, "libcuda.so.1");
                if (NativeLibrary.TryLoad(driver, out nint handle) && NativeLibrary.TryGetExport(handle, "fakecuda_counters", out nint export))
                {
                    var function = (delegate* unmanaged<long*, void>)export;
                    return (() =>
                    {
                        long[] values = new long[6];
                        fixed (long* p = values)
                        {
                            function(p);
                        }

                        return values;
                    }, string.Empty);
                }
            }

            return (null, "no libcuda.so.1 with fakecuda_counters in ORTHOPROJ_CUDA_PATH");
        }
    }
}
