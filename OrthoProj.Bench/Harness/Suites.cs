namespace OrthoProj.Bench.Harness;

/// <summary>What to run, as the command line selected it.</summary>
public sealed record BenchOptions
{
    /// <summary>smoke, quick or full.</summary>
    public string Suite { get; init; } = "quick";

    /// <summary>cpu, cuda or all.</summary>
    public string Backend { get; init; } = "all";

    /// <summary>Only these dtypes (null: the suite's).</summary>
    public IReadOnlyList<Dtype>? Dtypes { get; init; }

    /// <summary>Only these workloads (null: the suite's).</summary>
    public IReadOnlyList<Workload>? Workloads { get; init; }

    /// <summary>These sizes instead of the suite's (null: the suite's).</summary>
    public IReadOnlyList<BatchShape>? Sizes { get; init; }

    /// <summary>Threads for every implementation (OrthoProj, LAPACK, Math.NET, PyTorch).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Where the JSON, Markdown and PNG go.</summary>
    public string OutDir { get; init; } = "bench-results";

    /// <summary>Seed of every input.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>Leave PyTorch out (reported absent: "disabled by --no-torch").</summary>
    public bool NoTorch { get; init; }

    /// <summary>Leave JAX out (reported absent: "disabled by --no-jax").</summary>
    public bool NoJax { get; init; }

    /// <summary>Seconds each peer process (PyTorch, JAX) may run before it is ended and its rows reported failed.</summary>
    public int PeerTimeoutSeconds { get; init; } = 1800;

    /// <summary>Leave the TorchSharp peer out (its two columns reported absent).</summary>
    public bool NoTorchSharp { get; init; }

    /// <summary>Build bench/TorchSharpPeer (Release) before the run, so that its columns are measured.</summary>
    public bool BuildTorchSharp { get; init; }

    /// <summary>Leave Math.NET out.</summary>
    public bool NoMathNet { get; init; }

    /// <summary>A README whose marked table section this run replaces (null: none).</summary>
    public string? UpdateReadme { get; init; }
}

/// <summary>A named set of cases with its repetition policy.</summary>
public sealed record Suite(string Name, IReadOnlyList<BenchCase> Cases, RepPolicy Policy, double MathNetMaxSeconds)
{
    /// <summary>The suite names the command line accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["smoke", "quick", "full"];

    /// <summary>The CPU shapes of the issue.</summary>
    public static readonly BatchShape[] CpuShapes = [new(4096, 32, 16), new(256, 64, 32), new(1, 2048, 512), new(1, 4096, 1024)];

    /// <summary>The GPU shapes of the issue.</summary>
    public static readonly BatchShape[] GpuShapes = [new(65536, 32, 16), new(1, 8192, 1024)];

    /// <summary>Builds the cases of <see cref="BenchOptions.Suite"/>, narrowed by the options.</summary>
    public static Suite Create(BenchOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var devices = o.Backend switch
        {
            "cpu" => new[] { BenchDevice.Cpu },
            "cuda" => [BenchDevice.Cuda],
            "all" => [BenchDevice.Cpu, BenchDevice.Cuda],
            _ => throw new ArgumentException($"Unknown backend '{o.Backend}' (cpu, cuda, all)."),
        };

        (List<BenchCase> cases, RepPolicy policy, double mathNetMax) = o.Suite switch
        {
            "smoke" => (Smoke(), new RepPolicy(0, 1, 1, 0), double.PositiveInfinity),
            "quick" => (Quick(), new RepPolicy(1, 3, 30, 0.25) { SingleShotAboveSeconds = 0.5, CaseCapSeconds = 1.5 }, 1.5),
            "full" => (Full(), new RepPolicy(2, 5, 100, 1.0) { SingleShotAboveSeconds = 5, CaseCapSeconds = 30 }, 60.0),
            _ => throw new ArgumentException($"Unknown suite '{o.Suite}' ({string.Join(", ", Names)})."),
        };

        if (o.Sizes is { Count: > 0 } sizes)
        {
            // Named sizes: every selected workload and dtype on them, for the selected devices
            // (no --dtype: f32 and f64; complex rows on named sizes take --dtype c64 or c128).
            var ws = o.Workloads ?? Harness.Workloads.All;
            var ds = o.Dtypes ?? [Dtype.F32, Dtype.F64];
            cases = [.. from d in devices from w in ws from s in sizes from t in ds select new BenchCase(w, s, t, d)];
        }
        else
        {
            cases = [.. cases.Where(c => devices.Contains(c.Device)
                && (o.Workloads is null || o.Workloads.Contains(c.Workload))
                && (o.Dtypes is null || o.Dtypes.Contains(c.Dtype)))];
        }

        return new Suite(o.Suite, cases.Distinct().ToList(), policy, mathNetMax);
    }

    private static List<BenchCase> Smoke()
    {
        var cases = new List<BenchCase>();
        foreach (Workload w in Harness.Workloads.All)
        {
            cases.Add(new BenchCase(w, new BatchShape(8, 12, 6), Dtype.F64, BenchDevice.Cpu));
        }

        cases.Add(new BenchCase(Workload.ProjectBoth, new BatchShape(32, 12, 6), Dtype.F64, BenchDevice.Cpu));
        cases.Add(new BenchCase(Workload.ProjectForward, new BatchShape(32, 12, 6), Dtype.F64, BenchDevice.Cpu));
        cases.Add(new BenchCase(Workload.ProjectBoth, new BatchShape(8, 12, 6), Dtype.F32, BenchDevice.Cpu));
        cases.Add(new BenchCase(Workload.ProjectBoth, new BatchShape(64, 32, 16), Dtype.F32, BenchDevice.Cuda));
        return cases;
    }

    /// <summary>docs/design.md section 3's rows, their QR forward (for the floor), QR backward of the small f32 batch, least squares, the two complex rows and a batch sweep for the chart.</summary>
    private static List<BenchCase> Quick()
    {
        BatchShape small32 = new(4096, 32, 16), small64 = new(256, 64, 32), large = new(1, 2048, 512);
        var c = new List<BenchCase>
        {
            new(Workload.ProjectBoth, small32, Dtype.F32, BenchDevice.Cpu),
            new(Workload.ProjectBoth, small64, Dtype.F64, BenchDevice.Cpu),
            new(Workload.ProjectBoth, large, Dtype.F64, BenchDevice.Cpu),
            new(Workload.PinvForward, large, Dtype.F64, BenchDevice.Cpu),
            new(Workload.PinvBackward, large, Dtype.F64, BenchDevice.Cpu),
            new(Workload.QrForward, small32, Dtype.F32, BenchDevice.Cpu),
            new(Workload.QrForward, small64, Dtype.F64, BenchDevice.Cpu),
            new(Workload.QrForward, large, Dtype.F64, BenchDevice.Cpu),
            new(Workload.QrBackward, small32, Dtype.F32, BenchDevice.Cpu),
            new(Workload.LeastSquares, small32, Dtype.F32, BenchDevice.Cpu),
            new(Workload.PinvForward, small32, Dtype.F32, BenchDevice.Cpu),
            new(Workload.PinvBackward, small32, Dtype.F32, BenchDevice.Cpu),
            new(Workload.ProjectBoth, small32, Dtype.F32, BenchDevice.Cpu, Threads: 2),     // scaling, next to the first row
        };
        c.AddRange(ComplexRows());
        foreach (int count in new[] { 256, 1024 })
        {
            c.Add(new(Workload.ProjectBoth, new BatchShape(count, 32, 16), Dtype.F32, BenchDevice.Cpu));
        }

        foreach (int count in new[] { 256, 1024, 4096 })
        {
            c.Add(new(Workload.ProjectForward, new BatchShape(count, 32, 16), Dtype.F32, BenchDevice.Cpu));
        }

        BatchShape gpuSmall = Suite.GpuShapes[0], gpuLarge = Suite.GpuShapes[1];
        c.Add(new(Workload.ProjectBoth, gpuSmall, Dtype.F32, BenchDevice.Cuda));
        c.Add(new(Workload.QrForward, gpuLarge, Dtype.F32, BenchDevice.Cuda));
        foreach (int count in new[] { 1024, 8192 })
        {
            c.Add(new(Workload.ProjectBoth, new BatchShape(count, 32, 16), Dtype.F32, BenchDevice.Cuda));
        }

        return c;
    }

    /// <summary>
    /// The complex rows of issue 20 (quick and full suites): proj.both 4096 x 32 x 16 in complex64 and
    /// qr.fwd 256 x 64 x 32 in complex128, on the CPU. OrthoProj runs them on its general path (LAPACK
    /// per matrix: c/z geqrf, ungqr, unmqr); the SIMD lanes and the fused CUDA kernels are real-only.
    /// </summary>
    public static IReadOnlyList<BenchCase> ComplexRows() =>
    [
        new(Workload.ProjectBoth, new BatchShape(4096, 32, 16), Dtype.C64, BenchDevice.Cpu),
        new(Workload.QrForward, new BatchShape(256, 64, 32), Dtype.C128, BenchDevice.Cpu),
    ];

    private static List<BenchCase> Full()
    {
        var c = new List<BenchCase>();
        foreach (var (shapes, device) in new[] { (CpuShapes, BenchDevice.Cpu), (GpuShapes, BenchDevice.Cuda) })
        {
            foreach (Workload w in Harness.Workloads.All)
            {
                foreach (BatchShape s in shapes)
                {
                    foreach (Dtype d in new[] { Dtype.F32, Dtype.F64 })
                    {
                        c.Add(new(w, s, d, device));
                    }
                }
            }
        }

        c.AddRange(ComplexRows());
        int[] sweep = [64, 256, 1024, 4096, 16384];
        foreach (int count in sweep)
        {
            c.Add(new(Workload.ProjectBoth, new BatchShape(count, 32, 16), Dtype.F32, BenchDevice.Cpu));
            c.Add(new(Workload.ProjectForward, new BatchShape(count, 32, 16), Dtype.F32, BenchDevice.Cpu));
            c.Add(new(Workload.ProjectBoth, new BatchShape(count * 4, 32, 16), Dtype.F32, BenchDevice.Cuda));
        }

        return c;
    }
}
