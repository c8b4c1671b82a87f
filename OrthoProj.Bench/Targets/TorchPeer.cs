using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrthoProj.Bench.Harness;

namespace OrthoProj.Bench.Targets;

/// <summary>
/// PyTorch through bench/torch_peer.py: finds a python3 that can import torch (ORTHOPROJ_PYTHON,
/// then python3 on PATH, then /usr/bin/python3), sends it all cases at once as JSON and reads the
/// samples back. The peer applies the same rep policy, seeds and thread count.
/// </summary>
public sealed class TorchPeer
{
    private TorchPeer(string python, string script, string version)
    {
        Python = python;
        Script = script;
        Version = version;
    }

    /// <summary>The interpreter used.</summary>
    public string Python { get; }

    /// <summary>The peer script's path.</summary>
    public string Script { get; }

    /// <summary>torch.__version__.</summary>
    public string Version { get; }

    /// <summary>What the peer reported about itself (version, CUDA, threads, BLAS).</summary>
    public JsonObject? Info { get; private set; }

    /// <summary>Finds python + torch + the script, or returns null with what was tried.</summary>
    public static TorchPeer? TryFind(out string reason)
    {
        var tried = new List<string>();
        string? script = FindScript();
        if (script is null)
        {
            reason = "bench/torch_peer.py not found next to the executable or above the working directory";
            return null;
        }

        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("ORTHOPROJ_PYTHON") is { Length: > 0 } env)
        {
            candidates.Add(env);
        }

        candidates.Add("python3");
        candidates.Add("/usr/bin/python3");
        foreach (string python in candidates.Distinct(StringComparer.Ordinal))
        {
            var (rc, stdout, stderr) = RunProcess(python, ["-c", "import torch; print(torch.__version__)"], null, 60, 1);
            if (rc == 0 && stdout.Trim().Length > 0)
            {
                reason = string.Empty;
                return new TorchPeer(python, script, stdout.Trim());
            }

            string last = (stderr.Trim().Split('\n').LastOrDefault() ?? string.Empty).Trim();
            tried.Add($"{python}: {(rc == -1 ? "not found" : last.Length > 0 ? last : $"exit {rc}")}");
        }

        reason = "no python3 with torch (tried " + string.Join("; ", tried) + "); on Debian: apt-get install python3-torch, or set ORTHOPROJ_PYTHON";
        return null;
    }

    /// <summary>Runs every case in one peer process; returns a row per case (failed rows if the peer fails).</summary>
    public IReadOnlyList<ResultRow> Run(IReadOnlyList<BenchCase> cases, RepPolicy policy, int seed, int threads)
    {
        if (cases.Count == 0)
        {
            return [];
        }

        var request = new JsonObject
        {
            ["threads"] = threads,
            ["seed"] = seed,
            ["warmup"] = policy.Warmup,
            ["min_reps"] = policy.MinReps,
            ["max_reps"] = policy.MaxReps,
            ["budget_s"] = policy.BudgetSeconds,
            ["single_shot_above_s"] = double.IsFinite(policy.SingleShotAboveSeconds) ? policy.SingleShotAboveSeconds : null,
            ["case_cap_s"] = double.IsFinite(policy.CaseCapSeconds) ? policy.CaseCapSeconds : null,
            ["cases"] = new JsonArray(cases.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id,
                ["workload"] = c.Workload.Name(),
                ["device"] = c.Device.Name(),
                ["count"] = c.Shape.Count,
                ["m"] = c.Shape.M,
                ["n"] = c.Shape.N,
                ["p"] = c.Shape.P,
                ["dtype"] = c.Dtype.Name(),
            }).ToArray()),
        };

        var (rc, stdout, stderr) = RunProcess(Python, [Script], request.ToJsonString(), 1800, threads);
        if (rc != 0)
        {
            string why = $"torch_peer.py exited {rc}: {stderr.Trim().Split('\n').LastOrDefault()}";
            return cases.Select(c => ResultRow.Failed(c, Implementations.PyTorch, why)).ToList();
        }

        JsonObject reply = JsonNode.Parse(stdout)!.AsObject();
        reply.Remove("results", out JsonNode? resultsNode);
        Info = reply;
        var byId = resultsNode!.AsArray().Select(r => r!.AsObject()).ToDictionary(r => (string)r["id"]!, StringComparer.Ordinal);
        var rows = new List<ResultRow>();
        foreach (BenchCase c in cases)
        {
            if (!byId.TryGetValue(c.Id, out JsonObject? r))
            {
                rows.Add(ResultRow.Failed(c, Implementations.PyTorch, "no result from the peer"));
                continue;
            }

            string status = (string)r["status"]!;
            string note = (string?)r["note"] ?? string.Empty;
            rows.Add(status switch
            {
                "ok" => new ResultRow
                {
                    CaseId = c.Id,
                    Implementation = Implementations.PyTorch,
                    Status = RowStatus.Ok,
                    Note = note,
                    SamplesSeconds = r["samples_s"]!.AsArray().Select(s => (double)s!).ToList(),
                    Warmup = (int)r["warmup"]!,
                    Threads = threads,
                },
                "absent" => ResultRow.Absent(c, Implementations.PyTorch, note),
                _ => ResultRow.Failed(c, Implementations.PyTorch, note),
            });
        }

        return rows;
    }

    private static string? FindScript()
    {
        string beside = Path.Combine(AppContext.BaseDirectory, "bench", "torch_peer.py");
        if (File.Exists(beside))
        {
            return beside;
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "bench", "torch_peer.py");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static (int Rc, string Stdout, string Stderr) RunProcess(string file, string[] args, string? stdin, int timeoutSeconds, int threads)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        // The BLAS under torch reads these at load time: the same thread count as OrthoProj.
        string t = threads.ToString(CultureInfo.InvariantCulture);
        psi.Environment["OPENBLAS_NUM_THREADS"] = t;
        psi.Environment["OMP_NUM_THREADS"] = t;
        psi.Environment["MKL_NUM_THREADS"] = t;
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (-1, string.Empty, "not found");
        }

        using (process)
        {
            Task<string> outTask = process.StandardOutput.ReadToEndAsync();
            Task<string> errTask = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
            {
                process.StandardInput.Write(stdin);
            }

            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
            {
                process.Kill(entireProcessTree: true);
                return (-2, string.Empty, $"timed out after {timeoutSeconds} s");
            }

            return (process.ExitCode, outTask.Result, errTask.Result);
        }
    }
}

/// <summary>JSON options shared by the reports.</summary>
internal static class Json
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
