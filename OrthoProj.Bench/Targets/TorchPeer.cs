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
        string? script = FindScript("torch_peer.py");
        if (script is null)
        {
            reason = "bench/torch_peer.py not found next to the executable or above the working directory";
            return null;
        }

        foreach (string python in PythonCandidates())
        {
            var (rc, stdout, stderr) = PeerProtocol.RunProcess(python, ["-c", "import torch; print(torch.__version__)"], null, 60, 1);
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

    /// <summary>Runs every case in one peer process of at most <paramref name="timeoutSeconds"/>; returns a row per case (failed rows if the peer fails or times out).</summary>
    public IReadOnlyList<ResultRow> Run(IReadOnlyList<BenchCase> cases, RepPolicy policy, int seed, int threads, int timeoutSeconds = 1800)
    {
        if (cases.Count == 0)
        {
            return [];
        }

        var (rc, stdout, stderr) = PeerProtocol.RunProcess(Python, [Script], PeerProtocol.Request(cases, policy, seed, threads, deadlineSeconds: 0.8 * timeoutSeconds).ToJsonString(), timeoutSeconds, threads);
        if (rc != 0)
        {
            string why = $"torch_peer.py exited {rc}: {stderr.Trim().Split('\n').LastOrDefault()}";
            return cases.Select(c => ResultRow.Failed(c, Implementations.PyTorch, why)).ToList();
        }

        var (rows, info) = PeerProtocol.Parse(stdout, cases, threads, Implementations.PyTorch, adapterImplementation: null);
        Info = info;
        return rows;
    }

    /// <summary>The interpreters a peer tries, in order: ORTHOPROJ_PYTHON, python3 on PATH, /usr/bin/python3.</summary>
    internal static IEnumerable<string> PythonCandidates()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("ORTHOPROJ_PYTHON") is { Length: > 0 } env)
        {
            candidates.Add(env);
        }

        candidates.Add("python3");
        candidates.Add("/usr/bin/python3");
        return candidates.Distinct(StringComparer.Ordinal);
    }

    /// <summary>bench/<paramref name="name"/> next to the executable, or in a bench folder above the working directory.</summary>
    internal static string? FindScript(string name)
    {
        string beside = Path.Combine(AppContext.BaseDirectory, "bench", name);
        if (File.Exists(beside))
        {
            return beside;
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "bench", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>JSON options shared by the reports.</summary>
internal static class Json
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
