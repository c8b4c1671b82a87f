// The TorchSharp peer of OrthoProj.Bench (the "TorchSharp" and "OrthoProj.TorchSharp" columns).
// It speaks bench/torch_peer.py's protocol: the request (threads, seed, rep policy, cases) as JSON on
// stdin, one JSON line on stdout. For each case it times, in this process on libtorch (TorchSharp):
//   - libtorch's own route, exactly as torch_peer.py times PyTorch's (torch.linalg.qr + matmuls,
//     torch.linalg.pinv, autograd.grad with retain_graph for the backward workloads), and
//   - the same work through OrthoProj.TorchSharp's TorchLinalg (the result's "adapter" object), whose
//     backward workloads build a fresh graph outside the timed region before each timed
//     autograd.grad (the adapter releases its factors after a backward).
// The adapter's result is compared once with libtorch's (relative max difference, in the note), and
// the bare OrthoProj call behind it is timed interleaved with it (BareRoutes.cs): the overhead.
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using OrthoProj;
using OrthoProj.TorchSharp;
using TorchSharp;
using static TorchSharp.torch;

// Debian 12: OrthoProj.TorchSharp's build target has prepared this peer's own copy of
// libLibTorchSharp.so; the public call finds it done (or does it, if the target was turned off) and
// says which, for the report.
string elf = LibTorchSharpLoader.PrepareForThisSystem(AppContext.BaseDirectory).Message;
JsonObject request = JsonNode.Parse(Console.In.ReadToEnd())!.AsObject();
int threads = (int)request["threads"]!;
int seed = (int)request["seed"]!;
var policy = new Policy(
    (int)request["warmup"]!,
    (int)request["min_reps"]!,
    (int)request["max_reps"]!,
    (double)request["budget_s"]!,
    (double?)request["single_shot_above_s"] ?? double.PositiveInfinity,
    (double?)request["case_cap_s"] ?? double.PositiveInfinity);

torch.set_num_threads(threads);
// The adapter computes on Linalg.HostBackend: the bench's own OrthoProj column's backend, same threads.
CpuBackend backend = CpuBackend.TryCreateNative(out CpuBackend? native, out _, threads) ? native! : CpuBackend.CreateManaged(threads);
Linalg.HostBackend = backend;

var results = new JsonArray();
foreach (JsonNode? node in request["cases"]!.AsArray())
{
    results.Add(Cases.Run(node!.AsObject(), seed, policy));
}

string libtorch = typeof(Cases).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "LibTorchVersion")?.Value ?? "?";
var reply = new JsonObject
{
    ["torch"] = $"libtorch {libtorch} (TorchSharp {typeof(torch).Assembly.GetName().Version})",
    ["cuda"] = null,
    ["cuda_device"] = null,
    ["threads"] = torch.get_num_threads(),
    ["blas"] = null,
    ["adapter_backend"] = backend.Description,
    ["loader"] = elf,
    ["results"] = results,
};
Console.Out.WriteLine(reply.ToJsonString());
return 0;

/// <summary>The bench's repetition rule (OrthoProj.Bench's Sampler, torch_peer.py's loop).</summary>
internal sealed record Policy(int Warmup, int MinReps, int MaxReps, double BudgetSeconds, double SingleShotAboveSeconds, double CaseCapSeconds)
{
    /// <summary>
    /// Warm-up calls, then timed calls; <paramref name="timed"/> returns the seconds of its timed part.
    /// With <paramref name="bare"/>, the bare OrthoProj call runs right after each call of
    /// <paramref name="timed"/> (warm-ups included) and its samples come as "bare_samples_s": both are
    /// measured under the same conditions, so their difference is the adapter's overhead, not drift.
    /// </summary>
    public JsonObject Sample(Func<double> timed, string note, Func<double>? bare = null)
    {
        int warmup = 0;
        while (warmup < Warmup)
        {
            warmup++;
            double s = timed();
            bare?.Invoke();
            if (s > SingleShotAboveSeconds)
            {
                break;
            }
        }

        var samples = new List<double>();
        var bareSamples = new List<double>();
        double total = 0;
        while (samples.Count < MaxReps && (samples.Count < MinReps || total < BudgetSeconds) && (samples.Count == 0 || total + samples[^1] <= CaseCapSeconds))
        {
            double s = timed();
            samples.Add(s);
            total += s;
            if (bare is not null)
            {
                bareSamples.Add(bare());
            }
        }

        var result = new JsonObject
        {
            ["status"] = "ok",
            ["samples_s"] = new JsonArray([.. samples.Select(s => (JsonNode)s)]),
            ["warmup"] = warmup,
            ["note"] = note,
        };
        if (bare is not null)
        {
            result["bare_samples_s"] = new JsonArray([.. bareSamples.Select(s => (JsonNode)s)]);
        }

        return result;
    }
}

/// <summary>One case: inputs, libtorch's route, the adapter's route.</summary>
internal static class Cases
{
    public static JsonObject Run(JsonObject c, int seed, Policy policy)
    {
        string id = (string)c["id"]!;
        if ((string)c["device"]! != "cpu")
        {
            return Absent(id, "the TorchSharp peer runs libtorch's CPU build (libtorch-cpu-linux-x64)");
        }

        using var scope = torch.NewDisposeScope();
        try
        {
            var route = Routes.Create(c, seed);
            JsonObject result = Guard(() => policy.Sample(route.Torch, route.TorchNote));
            result["id"] = id;
            JsonObject adapter = Guard(() =>
            {
                string agreement = route.Agreement();
                return agreement.StartsWith("FAILED", StringComparison.Ordinal)
                    ? new JsonObject { ["status"] = "failed", ["note"] = agreement }
                    : policy.Sample(route.Adapter, route.AdapterNote + "; " + agreement, route.Bare);
            });
            result["adapter"] = adapter;
            return result;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new JsonObject { ["id"] = id, ["status"] = "failed", ["note"] = $"{ex.GetType().Name}: {ex.Message}" };
        }
    }

    private static JsonObject Guard(Func<JsonObject> body)
    {
        try
        {
            return body();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new JsonObject { ["status"] = "failed", ["note"] = $"{ex.GetType().Name}: {ex.Message}" };
        }
    }

    private static JsonObject Absent(string id, string why) => new()
    {
        ["id"] = id,
        ["status"] = "absent",
        ["note"] = why,
        ["adapter"] = new JsonObject { ["status"] = "absent", ["note"] = why },
    };
}

/// <summary>Both routes of one case: timed calls (returning seconds) and their results for the agreement check.</summary>
internal sealed class Routes
{
    public required Func<double> Torch { get; init; }

    public required string TorchNote { get; init; }

    public required Func<double> Adapter { get; init; }

    public required string AdapterNote { get; init; }

    /// <summary>The bare OrthoProj call behind the adapter (<see cref="BareRoutes"/>), timed beside it.</summary>
    public Func<double>? Bare { get; private set; }

    /// <summary>libtorch's and the adapter's results (values or gradients) of the same work, once.</summary>
    public required Func<(Tensor[] Torch, Tensor[] Adapter)> Results { get; init; }

    public required bool IsFloat32 { get; init; }

    /// <summary>max |adapter - libtorch| / max |libtorch| over the results, with a verdict.</summary>
    public string Agreement()
    {
        using var scope = torch.NewDisposeScope();
        var (t, a) = Results();
        double worst = 0;
        for (int i = 0; i < t.Length; i++)
        {
            double scale = Math.Max(t[i].abs().max().to_type(ScalarType.Float64).item<double>(), double.Epsilon);
            worst = Math.Max(worst, (a[i] - t[i]).abs().max().to_type(ScalarType.Float64).item<double>() / scale);
        }

        double tol = IsFloat32 ? 1e-3 : 1e-8;
        string s = string.Create(CultureInfo.InvariantCulture, $"vs libtorch: rel. max diff {worst:0.0e+0}");
        return worst <= tol ? s : $"FAILED {s} (tol {tol:0e+0})";
    }

    private static double Time(Action call)
    {
        long start = Stopwatch.GetTimestamp();
        using (torch.NewDisposeScope())
        {
            call();
        }

        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static Tensor Uniform(long[] shape, Generator gen, ScalarType dtype) =>
        torch.rand(shape, dtype, generator: gen) * 2 - 1;

    private static Tensor TorchProject(Tensor a, Tensor y)
    {
        Tensor q = torch.linalg.qr(a).Q;
        return q.matmul(q.mT.matmul(y));
    }

    private static Tensor[] Grad(Tensor[] outputs, Tensor[] inputs, Tensor[] cotangents, bool retain) =>
        [.. torch.autograd.grad(outputs, inputs, cotangents, retain_graph: retain)];

    /// <summary>A backward's timed part only: the graph is built outside the timed region, fresh for each call.</summary>
    private static double TimeBackward(Func<(Tensor[] Outputs, Tensor[] Inputs, Tensor[] Cotangents)> build)
    {
        using var scope = torch.NewDisposeScope();
        var (o, i, g) = build();
        return Time(() => Grad(o, i, g, retain: false));
    }

    public static Routes Create(JsonObject c, int seed)
    {
        long b = (long)c["count"]!, m = (long)c["m"]!, n = (long)c["n"]!, p = (long)c["p"]!, k = Math.Min(m, n);
        bool f32 = (string)c["dtype"]! == "f32";
        ScalarType dt = f32 ? ScalarType.Float32 : ScalarType.Float64;
        var gen = new Generator((ulong)seed);
        Tensor a = Uniform([b, m, n], gen, dt), y = Uniform([b, m, p], gen, dt), gz = Uniform([b, m, p], gen, dt);
        Tensor gq = Uniform([b, m, k], gen, dt), gr = torch.triu(Uniform([b, k, n], gen, dt)), gx = Uniform([b, n, m], gen, dt);
        Tensor Leaf(Tensor t) => t.detach().requires_grad_(true);

        // Forward workloads: no graph (torch.no_grad), as torch_peer.py.
        Routes Forward(Func<Tensor> torchCall, string torchNote, Func<Tensor> adapterCall, string adapterNote) => new()
        {
            Torch = () => Time(() =>
            {
                using var ng = torch.no_grad();
                torchCall();
            }),
            TorchNote = torchNote,
            Adapter = () => Time(() =>
            {
                using var ng = torch.no_grad();
                adapterCall();
            }),
            AdapterNote = adapterNote,
            Results = () =>
            {
                using var ng = torch.no_grad();
                return ([torchCall()], [adapterCall()]);
            },
            IsFloat32 = f32,
        };

        // Backward workloads: libtorch's graph once, autograd.grad(retain_graph) timed (torch_peer.py);
        // the adapter's graph fresh for each call, outside the timed region.
        Routes Backward(Func<(Tensor[] O, Tensor[] I, Tensor[] G)> torchBuild, string torchNote, Func<(Tensor[] O, Tensor[] I, Tensor[] G)> adapterBuild, string adapterNote)
        {
            var (o, i, g) = torchBuild();     // owned by the case's dispose scope

            return new()
            {
                Torch = () => Time(() => Grad(o, i, g, retain: true)),
                TorchNote = torchNote,
                Adapter = () => TimeBackward(adapterBuild),
                AdapterNote = adapterNote,
                Results = () =>
                {
                    var (ao, ai, ag) = adapterBuild();
                    return (Grad(o, i, g, retain: true), Grad(ao, ai, ag, retain: false));
                },
                IsFloat32 = f32,
            };
        }

        string w = (string)c["workload"]!;
        Routes routes = w switch
        {
            "proj.fwd" => Forward(() => TorchProject(a, y), "torch.linalg.qr, Q (Q^T y)", () => TorchLinalg.Project(a, y), "TorchLinalg.Project"),
            "proj.both" => new()
            {
                Torch = () => Time(() =>
                {
                    Tensor a_ = Leaf(a), y_ = Leaf(y);
                    Grad([TorchProject(a_, y_)], [a_, y_], [gz], retain: false);
                }),
                TorchNote = "qr + Q (Q^T y), autograd.grad for gA, gy",
                Adapter = () => Time(() =>
                {
                    Tensor a_ = Leaf(a), y_ = Leaf(y);
                    Grad([TorchLinalg.Project(a_, y_)], [a_, y_], [gz], retain: false);
                }),
                AdapterNote = "TorchLinalg.Project + autograd.grad for gA, gy",
                Results = () =>
                {
                    Tensor a1 = Leaf(a), y1 = Leaf(y), a2 = Leaf(a), y2 = Leaf(y);
                    return (Grad([TorchProject(a1, y1)], [a1, y1], [gz], false), Grad([TorchLinalg.Project(a2, y2)], [a2, y2], [gz], false));
                },
                IsFloat32 = f32,
            },
            "proj.bwd" => Backward(
                () => { Tensor a_ = Leaf(a), y_ = Leaf(y); return ([TorchProject(a_, y_)], [a_, y_], [gz]); }, "autograd.grad through qr + matmuls",
                () => { Tensor a_ = Leaf(a), y_ = Leaf(y); return ([TorchLinalg.Project(a_, y_)], [a_, y_], [gz]); }, "autograd.grad of TorchLinalg.Project (graph built untimed)"),
            "qr.fwd" => Forward(() => torch.linalg.qr(a).Q, "torch.linalg.qr (reduced)", () => TorchLinalg.Qr(a).Q, "TorchLinalg.Qr"),
            "qr.bwd" => Backward(
                () => { Tensor a_ = Leaf(a); var (q, r) = torch.linalg.qr(a_); return ([q, r], [a_], [gq, gr]); }, "autograd.grad of linalg.qr",
                () => { Tensor a_ = Leaf(a); var (q, r) = TorchLinalg.Qr(a_); return ([q, r], [a_], [gq, gr]); }, "autograd.grad of TorchLinalg.Qr (graph built untimed)"),
            "pinv.fwd" => Forward(() => torch.linalg.pinv(a), "torch.linalg.pinv", () => TorchLinalg.Pinv(a), "TorchLinalg.Pinv"),
            "pinv.bwd" => Backward(
                () => { Tensor a_ = Leaf(a); return ([torch.linalg.pinv(a_)], [a_], [gx]); }, "autograd.grad of linalg.pinv",
                () => { Tensor a_ = Leaf(a); return ([TorchLinalg.Pinv(a_)], [a_], [gx]); }, "autograd.grad of TorchLinalg.Pinv (graph built untimed)"),
            "lstsq" => Forward(() => torch.linalg.lstsq(a, y).Solution, "torch.linalg.lstsq (TorchSharp: default driver, gelsy)", () => TorchLinalg.Lstsq(a, y), "TorchLinalg.Lstsq"),
            _ => throw new ArgumentException("unknown workload " + w),
        };
        routes.Bare = BareRoutes.Create(w, a, y, gz, gq, gr, gx);
        return routes;
    }
}
