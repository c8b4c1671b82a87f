using System.Diagnostics;
using OrthoProj.Bench.Targets;
using Spectre.Console;

namespace OrthoProj.Bench.Harness;

/// <summary>Everything one run produced.</summary>
public sealed class BenchReport
{
    /// <summary>What was asked for.</summary>
    public required BenchOptions Options { get; init; }

    /// <summary>The suite run.</summary>
    public required Suite Suite { get; init; }

    /// <summary>The machine and its measured peaks.</summary>
    public required MachineInfo Machine { get; init; }

    /// <summary>Component versions and providers, name to value.</summary>
    public required IReadOnlyDictionary<string, string> Versions { get; init; }

    /// <summary>Per case, every implementation's row.</summary>
    public required IReadOnlyList<CaseResult> Results { get; init; }

    /// <summary>UTC start.</summary>
    public required DateTime StartedUtc { get; init; }

    /// <summary>Wall time of the whole run in seconds (filled at the end).</summary>
    public double WallSeconds { get; set; }

    /// <summary>Files written.</summary>
    public List<string> Files { get; } = [];
}

/// <summary>Runs a suite: OrthoProj, the floor, Math.NET and PyTorch on every case.</summary>
public static class BenchRunner
{
    /// <summary>Runs, reports to the console and writes the files.</summary>
    public static BenchReport Run(BenchOptions options, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(console);
        long start = Stopwatch.GetTimestamp();
        DateTime startedUtc = DateTime.UtcNow;
        NativeThreads.Limit(options.Threads);
        Suite suite = Suite.Create(options);

        console.MarkupLine($"[bold]OrthoProj.Bench[/] suite [bold]{suite.Name}[/]: {suite.Cases.Count} cases, {options.Threads} thread(s) for every implementation, seed {options.Seed}");
        MachineInfo machine = MachineInfo.Measure(options.Threads);
        console.MarkupLine(Markup.Escape($"Machine: {machine.Cpu}, {machine.Cores} cores, {machine.Simd}; measured peak on {options.Threads} thread(s): {machine.PeakGflopsF64:0.#} GFLOP/s f64, {machine.PeakGflopsF32:0.#} GFLOP/s f32, {machine.PeakBandwidthGBs:0.#} GB/s copy; CUDA: {CudaProbe.ForConsole(machine.CudaNote, machine.CudaPresent)}"));

        // OrthoProj on the CPU: native LAPACK when present (the library's default), else managed.
        CpuBackend cpu = CpuBackend.TryCreateNative(out CpuBackend? native, out IReadOnlyList<string> trace, options.Threads)
            ? native!
            : CpuBackend.CreateManaged(options.Threads);
        string cpuNote = cpu.IsNative ? cpu.ProviderName : "Math.NET managed provider (no native LAPACK" + (trace.Count > 0 ? ": " + trace[^1] : string.Empty) + ")";
        var orthoCpu = new OrthoProjTarget(cpu, HostClock.Instance, cpu, options.Threads);
        IFloor? cpuFloor = Floors.TryCreateCpu(options.Threads, out string cpuFloorWhy);
        // GPU rows: OrthoProj's CUDA backend timed with events on its own stream (results are
        // validated on the host against the CPU backend in float64), and a session for the floor
        // (device 0, a stream, cuSOLVER on it), when a device opens.
        bool wantGpu = machine.CudaPresent && suite.Cases.Any(c => c.Device == BenchDevice.Cuda);
        string gpuOpenWhy = machine.CudaNote;
        using CudaSession? gpu = wantGpu ? CudaSession.TryOpen(out gpuOpenWhy) : null;
        IFloor? gpuFloor = Floors.TryCreateCuda(gpu, gpuOpenWhy, out string gpuFloorWhy);
        string gpuWhy = machine.CudaNote;
        CudaBackend? cuda = null;
        if (wantGpu && !CudaBackend.TryCreate(0, out cuda, out gpuWhy))
        {
            gpuWhy = "OrthoProj CUDA backend unavailable: " + gpuWhy.Split('\n')[0];
        }

        using CudaBackend? cudaOwned = cuda;
        OrthoProjTarget? orthoGpu = cuda is null ? null : new OrthoProjTarget(cuda, new CudaEventClock(cuda.CudaDevice, cuda.Stream), cpu, 1);
        var mathNet = new MathNetTarget(options.Threads);
        PythonPeer? torch = null;
        string torchWhy = "disabled by --no-torch";
        if (!options.NoTorch)
        {
            torch = PythonPeer.TryFindTorch(out torchWhy);
        }

        PythonPeer? jax = null;
        string jaxWhy = "disabled by --no-jax";
        if (!options.NoJax)
        {
            jax = PythonPeer.TryFindJax(out jaxWhy);
        }

        TorchSharpPeer? torchSharp = null;
        string torchSharpWhy = "disabled by --no-torchsharp";
        if (!options.NoTorchSharp)
        {
            if (options.BuildTorchSharp)
            {
                string? root = TorchSharpPeer.FindRepositoryRoot();
                int rc = root is null ? -1 : TorchSharpPeer.BuildProject(Path.Combine(root, TorchSharpPeer.ProjectFolder), line => console.WriteLine(line));
                torchSharpWhy = root is null ? $"{TorchSharpPeer.ProjectFolder} not found above the executable or the working directory" : $"building {TorchSharpPeer.ProjectFolder} failed (exit {rc})";
                torchSharp = rc == 0 ? TorchSharpPeer.TryFind(out torchSharpWhy) : null;
            }
            else
            {
                torchSharp = TorchSharpPeer.TryFind(out torchSharpWhy);
            }
        }

        var versions = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["OrthoProj"] = typeof(Backend).Assembly.GetName().Version?.ToString() ?? "?",
            ["OrthoProj CPU provider"] = cpuNote,
            ["floor (CPU)"] = cpuFloor?.Description ?? "absent: " + cpuFloorWhy,
            // The driver's reason is in the Machine line just above; not again here.
            ["floor (GPU)"] = gpuFloor?.Description ?? "absent: " + (gpuFloorWhy == machine.CudaNote ? CudaProbe.NoDeviceSeeAbove : gpuFloorWhy),
            ["OrthoProj CUDA"] = cuda is null ? "absent: " + (gpuWhy == machine.CudaNote ? CudaProbe.NoDeviceSeeAbove : gpuWhy) : cuda.Description,
            ["Math.NET Numerics"] = MathNetTarget.Version + " (managed provider)",
            ["PyTorch"] = torch is null ? "absent: " + torchWhy : $"{torch.Version} ({torch.Python})",
            ["JAX"] = jax is null ? "absent: " + jaxWhy : $"{jax.Version} ({jax.Python})",
            ["TorchSharp"] = torchSharp is null ? "absent: " + torchSharpWhy : torchSharp.Executable,
            ["OrthoProj.TorchSharp"] = torchSharp is null ? "absent: " + torchSharpWhy : "TorchLinalg in the TorchSharp peer",
            [".NET"] = machine.Runtime,
            ["OS"] = machine.Os,
            ["timing"] = HostClock.Instance.Method + " (CPU); CUDA events + synchronize (GPU)",
        };
        foreach (var (k, v) in versions)
        {
            console.MarkupLine(Markup.Escape($"  {k}: {v}"));
        }

        var scaled = new Dictionary<int, OrthoProjTarget>();
        OrthoProjTarget OrthoCpuAt(int threads)
        {
            if (!scaled.TryGetValue(threads, out OrthoProjTarget? target))
            {
                CpuBackend backend = CpuBackend.TryCreateNative(out CpuBackend? b, out _, threads) ? b! : CpuBackend.CreateManaged(threads);
                scaled[threads] = target = new OrthoProjTarget(backend, HostClock.Instance, cpu, threads);
            }

            return target;
        }

        var rows = suite.Cases.ToDictionary(c => c, _ => new List<ResultRow>());
        void RunAll(Action<string, double> progress)
        {
            int done = 0;
            foreach (BenchCase c in suite.Cases)
            {
                progress(c.Id, done);
                List<ResultRow> r = rows[c];
                if (c.Device == BenchDevice.Cpu && c.Threads > 0)
                {
                    // OrthoProj's scaling: the same library at another thread count; the baselines stay at the run's.
                    r.Add(OrthoCpuAt(c.Threads).Run(c, suite.Policy, options.Seed));
                    string why = $"runs at the suite's {options.Threads} thread(s) only";
                    r.Add(ResultRow.Skipped(c, Implementations.Floor, why));
                    r.Add(ResultRow.Skipped(c, Implementations.MathNet, why));
                }
                else if (c.Device == BenchDevice.Cpu)
                {
                    r.Add(orthoCpu.Run(c, suite.Policy, options.Seed));
                    r.Add(cpuFloor?.Run(c, Floors.UsesOrgqr(c.Workload), suite.Policy, options.Seed)
                        ?? ResultRow.Absent(c, Implementations.Floor, cpuFloorWhy));
                    r.Add(options.NoMathNet
                        ? ResultRow.Absent(c, Implementations.MathNet, "disabled by --no-mathnet")
                        : mathNet.Run(c, suite.Policy, options.Seed, suite.MathNetMaxSeconds));
                }
                else
                {
                    r.Add(orthoGpu?.Run(c, suite.Policy, options.Seed) ?? ResultRow.Absent(c, Implementations.OrthoProj, gpuWhy));
                    r.Add(gpuFloor?.Run(c, Floors.UsesOrgqr(c.Workload), suite.Policy, options.Seed)
                        ?? ResultRow.Absent(c, Implementations.Floor, gpuFloorWhy));
                    r.Add(ResultRow.Absent(c, Implementations.MathNet, "Math.NET runs on the CPU only"));
                }

                done++;
            }

            // The Python peers (PyTorch, then JAX where python3 imports it): the same cases for both.
            var pythonCases = suite.Cases.Where(c => c.Threads == 0 && (c.Device == BenchDevice.Cpu || machine.CudaPresent)).ToList();
            foreach ((PythonPeer? peer, string implementation, string why) in new[] { (torch, Implementations.PyTorch, torchWhy), (jax, Implementations.Jax, jaxWhy) })
            {
                progress($"{implementation} peer ({pythonCases.Count} cases)", done);
                IReadOnlyList<ResultRow> peerRows = peer?.Run(pythonCases, suite.Policy, options.Seed, options.Threads, options.PeerTimeoutSeconds) ?? [];
                foreach (BenchCase c in suite.Cases)
                {
                    rows[c].Add(peerRows.FirstOrDefault(t => t.CaseId == c.Id)
                        ?? (c.Threads > 0 ? ResultRow.Skipped(c, implementation, $"runs at the suite's {options.Threads} thread(s) only")
                            : ResultRow.Absent(c, implementation, peer is null ? why : machine.CudaNote)));
                }
            }

            // The TorchSharp peer: libtorch's CPU build, so CPU cases only.
            var cpuCases = suite.Cases.Where(c => c.Device == BenchDevice.Cpu && c.Threads == 0 && !c.Dtype.IsComplex()).ToList();
            progress($"TorchSharp peer ({cpuCases.Count} cases)", done);
            IReadOnlyList<ResultRow> tsRows = torchSharp?.Run(cpuCases, suite.Policy, options.Seed, options.Threads) ?? [];
            foreach (BenchCase c in suite.Cases)
            {
                if (c.Dtype.IsComplex())
                {
                    rows[c].Add(ResultRow.Skipped(c, Implementations.TorchSharp, TorchSharpPeer.ComplexNote));
                    rows[c].Add(ResultRow.Skipped(c, Implementations.Adapter, TorchSharpPeer.ComplexNote));
                    continue;
                }

                string why = torchSharp is null ? torchSharpWhy : "the TorchSharp peer runs libtorch's CPU build (libtorch-cpu-linux-x64)";
                rows[c].Add(tsRows.FirstOrDefault(t => t.CaseId == c.Id && t.Implementation == Implementations.TorchSharp)
                    ?? ResultRow.Absent(c, Implementations.TorchSharp, why));
                rows[c].Add(tsRows.FirstOrDefault(t => t.CaseId == c.Id && t.Implementation == Implementations.Adapter)
                    ?? ResultRow.Absent(c, Implementations.Adapter, why));
            }

            progress("done", suite.Cases.Count + 1);
        }

        if (console.Profile.Capabilities.Interactive)
        {
            console.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    ProgressTask task = ctx.AddTask("cases", maxValue: suite.Cases.Count + 1);
                    RunAll((what, value) =>
                    {
                        task.Description = Markup.Escape(what);
                        task.Value = value;
                    });
                });
        }
        else
        {
            RunAll((what, value) => console.WriteLine($"[{value}/{suite.Cases.Count + 1}] {what}"));
        }

        if (torch?.Info is { } info)
        {
            versions["PyTorch"] = $"{info["torch"]} ({torch.Python}; threads {info["threads"]}; {info["blas"]}; CUDA {info["cuda"] ?? "none"})";
        }

        if (jax?.Info is { } jaxInfo)
        {
            versions["JAX"] = $"{jaxInfo["jax"]} ({jax.Python}; jaxlib {jaxInfo["jaxlib"]}; backend {jaxInfo["backend"]}; GPU {jaxInfo["cuda_device"] ?? "none"}; threads {jaxInfo["threads"]})";
        }

        if (torchSharp?.Info is { } tsInfo)
        {
            versions["TorchSharp"] = $"{tsInfo["torch"]} in process (bench/TorchSharpPeer; threads {tsInfo["threads"]})";
            versions["OrthoProj.TorchSharp"] = $"TorchLinalg on {tsInfo["adapter_backend"]} (in the TorchSharp peer)";
        }

        var report = new BenchReport
        {
            Options = options,
            Suite = suite,
            Machine = machine,
            Versions = versions,
            Results = suite.Cases.Select(c => new CaseResult(c, rows[c])).ToList(),
            StartedUtc = startedUtc,
        };
        report.WallSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Reporting.Reports.WriteAll(report, console);
        if (options.UpdateReadme is { } readme)
        {
            console.MarkupLine(Markup.Escape(Reporting.Reports.UpdateReadme(report, readme)
                ? $"Updated the table in {readme}."
                : $"{readme} has no {Reporting.Reports.ReadmeStart} ... {Reporting.Reports.ReadmeEnd} section; not updated."));
        }

        return report;
    }
}
