using System.CommandLine;
using OrthoProj.Bench.Demo;
using OrthoProj.Bench.Harness;
using OrthoProj.Bench.Targets;
using Spectre.Console;

namespace OrthoProj.Bench;

/// <summary>
/// The command line. No arguments: the demo, then the quick suite on the CPU (and the GPU when one
/// is present). <c>demo</c>: the demo alone. <c>run</c>: a suite, narrowed by workload, size, dtype
/// and backend. <c>list</c>: the names the options take.
/// </summary>
public static class BenchCli
{
    /// <summary>Parses and runs; returns the exit code.</summary>
    public static int Run(string[] args, IAnsiConsole? console = null)
    {
        IAnsiConsole con = console ?? AnsiConsole.Console;
        if (console is null && Console.IsOutputRedirected)
        {
            // Redirected output (a log, a pipe) would wrap the wide table at Spectre's default 80 columns.
            con.Profile.Width = 200;
        }
        var suite = new Option<string>("--suite", "-s") { Description = "smoke (tiny, 1 rep), quick (about a minute), full", DefaultValueFactory = _ => "quick" };
        suite.AcceptOnlyFromAmong([.. Suite.Names]);
        var backend = new Option<string>("--backend", "-b") { Description = "cpu, cuda or all (cuda cases report absent without a device)", DefaultValueFactory = _ => "all" };
        backend.AcceptOnlyFromAmong("cpu", "cuda", "all");
        var dtype = new Option<string>("--dtype", "-d") { Description = "f32, f64, c64 (complex64), c128 (complex128) or all (default: the suite's rows)", DefaultValueFactory = _ => "all" };
        dtype.AcceptOnlyFromAmong("f32", "f64", "c64", "c128", "all");
        var workload = new Option<string[]>("--workload", "-w") { Description = "workloads or families: " + string.Join(", ", Workloads.All.Select(w => w.Name())) + ", proj, qr, pinv", AllowMultipleArgumentsPerToken = true };
        var size = new Option<string[]>("--size") { Description = "count x m x n, e.g. 4096x32x16 or 2048x512 (replaces the suite's shapes)", AllowMultipleArgumentsPerToken = true };
        var threads = new Option<int>("--threads", "-t") { Description = "threads for every implementation (OrthoProj, LAPACK, Math.NET, PyTorch)", DefaultValueFactory = _ => 1 };
        var outDir = new Option<string>("--out", "-o") { Description = "folder for bench.json, bench.md and time-vs-batch.png", DefaultValueFactory = _ => "bench-results" };
        var seed = new Option<int>("--seed") { Description = "seed of every input", DefaultValueFactory = _ => 1234 };
        var noTorch = new Option<bool>("--no-torch") { Description = "leave PyTorch out (reported absent)" };
        var noJax = new Option<bool>("--no-jax") { Description = "leave JAX out (reported absent; it runs only where python3 imports jax)" };
        var peerTimeout = new Option<int>("--peer-timeout") { Description = "seconds each Python peer (PyTorch, JAX) may run; past it its rows are reported failed", DefaultValueFactory = _ => 1800 };
        var noTorchSharp = new Option<bool>("--no-torchsharp") { Description = "leave the TorchSharp peer out (its columns reported absent)" };
        var buildTorchSharp = new Option<bool>("--torchsharp") { Description = "build bench/TorchSharpPeer first (restores libtorch once) so that the TorchSharp and adapter columns are measured" };
        var noMathNet = new Option<bool>("--no-mathnet") { Description = "leave Math.NET out (reported absent)" };
        var updateReadme = new Option<string?>("--update-readme") { Description = "replace the marked table section of this README with the run's table (e.g. OrthoProj.Bench/README.md)" };
        Option[] runOptions = [suite, backend, dtype, workload, size, threads, outDir, seed, noTorch, noJax, peerTimeout, noTorchSharp, buildTorchSharp, noMathNet, updateReadme];

        BenchOptions Options(ParseResult p)
        {
            int t = p.GetValue(threads);
            if (t < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(args), t, "--threads must be at least 1.");
            }

            string d = p.GetValue(dtype)!;
            string[] ws = p.GetValue(workload) ?? [];
            string[] sz = p.GetValue(size) ?? [];
            return new BenchOptions
            {
                Suite = p.GetValue(suite)!,
                Backend = p.GetValue(backend)!,
                Dtypes = d == "all" ? null : [Workloads.ParseDtype(d)],
                Workloads = ws.Length == 0 ? null : ws.SelectMany(w => w.Split(',', StringSplitOptions.RemoveEmptyEntries)).SelectMany(Workloads.Parse).Distinct().ToList(),
                Sizes = sz.Length == 0 ? null : sz.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(BatchShape.Parse).ToList(),
                Threads = t,
                OutDir = p.GetValue(outDir)!,
                Seed = p.GetValue(seed),
                NoTorch = p.GetValue(noTorch),
                NoJax = p.GetValue(noJax),
                PeerTimeoutSeconds = Math.Max(1, p.GetValue(peerTimeout)),
                NoMathNet = p.GetValue(noMathNet),
                NoTorchSharp = p.GetValue(noTorchSharp),
                BuildTorchSharp = p.GetValue(buildTorchSharp),
                UpdateReadme = p.GetValue(updateReadme),
            };
        }

        int RunSuite(ParseResult p)
        {
            BenchReport report = BenchRunner.Run(Options(p), con);
            bool failed = report.Results.SelectMany(r => r.Rows).Any(r => r.Implementation == Implementations.OrthoProj && r.Status == RowStatus.Failed);
            return failed ? 2 : 0;
        }

        var root = new RootCommand("OrthoProj.Bench: the original report's demo, then OrthoProj next to the LAPACK/cuSOLVER floor, Math.NET and PyTorch. No arguments: demo + quick suite.");
        foreach (Option o in runOptions)
        {
            root.Options.Add(o);
        }

        root.SetAction(p =>
        {
            NativeThreads.Limit(p.GetValue(threads));
            int demo = DemoRunner.Run(con);
            int bench = RunSuite(p);
            return demo != 0 ? demo : bench;
        });

        var demoCommand = new Command("demo", "The original report: gradients of sum(pinv(V)) and sum((Q^T y)^T Q^T) for V = rand(32, 16), with a float64 finite-difference check.");
        demoCommand.SetAction(_ =>
        {
            NativeThreads.Limit(1);
            return DemoRunner.Run(con);
        });
        root.Subcommands.Add(demoCommand);

        var runCommand = new Command("run", "Run a suite (default quick), narrowed by the options.");
        foreach (Option o in runOptions)
        {
            runCommand.Options.Add(o);
        }

        runCommand.SetAction(RunSuite);
        root.Subcommands.Add(runCommand);

        var steps = new Argument<int>("steps") { Description = "Adam steps per route", DefaultValueFactory = _ => 300 };
        var trainCommand = new Command("train", "Train samples/TorchSharpTraining's network through OrthoProj.TorchSharp and through torch.linalg.qr (builds the sample on first use): losses, the first step's float64 gradient agreement, the median step time of both.");
        trainCommand.Arguments.Add(steps);
        trainCommand.SetAction(p => TrainingSample.Run(p.GetValue(steps), 1, line => con.WriteLine(line)));
        root.Subcommands.Add(trainCommand);

        var listCommand = new Command("list", "The workloads, suites, dtypes and shapes the options take.");
        listCommand.SetAction(_ =>
        {
            con.WriteLine("workloads: " + string.Join(", ", Workloads.All.Select(w => w.Name())));
            con.WriteLine("suites:    " + string.Join(", ", Suite.Names));
            con.WriteLine("dtypes:    " + string.Join(", ", Workloads.AllDtypes.Select(d => d.Name())) + " (c64 = complex64, c128 = complex128)");
            con.WriteLine("CPU sizes: " + string.Join(", ", Suite.CpuShapes));
            con.WriteLine("GPU sizes: " + string.Join(", ", Suite.GpuShapes));
            return 0;
        });
        root.Subcommands.Add(listCommand);

        return root.Parse(args).Invoke();
    }
}
