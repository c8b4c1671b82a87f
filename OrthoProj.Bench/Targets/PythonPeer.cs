using System.Text.Json.Nodes;
using OrthoProj.Bench.Harness;

namespace OrthoProj.Bench.Targets;

/// <summary>
/// A Python baseline run through its script in bench/ (torch_peer.py for PyTorch, jax_peer.py for
/// JAX): finds a python3 that can import the framework (ORTHOPROJ_PYTHON, then python3 on PATH, then
/// /usr/bin/python3), sends it all cases at once as JSON (<see cref="PeerProtocol"/>: the same rep
/// policy, seeds and thread count) and reads the samples back. Where no interpreter imports it the
/// column is reported absent with what was tried, at the cost of the failed imports only. JAX 0.10+
/// runs batched QR of matrices up to 128 x 128 with its own Householder kernels on the GPU: the
/// public anchor for the fused small-matrix path.
/// </summary>
public sealed class PythonPeer
{
    private PythonPeer(string implementation, string python, string script, string version)
    {
        Implementation = implementation;
        Python = python;
        Script = script;
        Version = version;
    }

    /// <summary>The implementation's name in the results (<see cref="Implementations"/>).</summary>
    public string Implementation { get; }

    /// <summary>The interpreter used.</summary>
    public string Python { get; }

    /// <summary>The peer script's path.</summary>
    public string Script { get; }

    /// <summary>The framework's __version__.</summary>
    public string Version { get; }

    /// <summary>What the peer reported about itself (versions, backend, GPU, threads, BLAS).</summary>
    public JsonObject? Info { get; private set; }

    /// <summary>PyTorch through bench/torch_peer.py, or null with what was tried.</summary>
    public static PythonPeer? TryFindTorch(out string reason) =>
        TryFind(Implementations.PyTorch, "torch", "torch_peer.py", "on Debian: apt-get install python3-torch, or set ORTHOPROJ_PYTHON", out reason);

    /// <summary>JAX through bench/jax_peer.py, or null with what was tried.</summary>
    public static PythonPeer? TryFindJax(out string reason) =>
        TryFind(Implementations.Jax, "jax", "jax_peer.py", "set ORTHOPROJ_PYTHON to one that has it", out reason);

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
            string why = $"{Path.GetFileName(Script)} exited {rc}: {stderr.Trim().Split('\n').LastOrDefault()}";
            return cases.Select(c => ResultRow.Failed(c, Implementation, why)).ToList();
        }

        try
        {
            var (rows, info) = PeerProtocol.Parse(stdout, cases, threads, Implementation, adapterImplementation: null);
            Info = info;
            return rows;
        }
        catch (FormatException e)
        {
            return cases.Select(c => ResultRow.Failed(c, Implementation, e.Message)).ToList();
        }
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

    private static PythonPeer? TryFind(string implementation, string module, string scriptName, string hint, out string reason)
    {
        string? script = FindScript(scriptName);
        if (script is null)
        {
            reason = $"bench/{scriptName} not found next to the executable or above the working directory";
            return null;
        }

        var tried = new List<string>();
        foreach (string python in PythonCandidates())
        {
            var (rc, stdout, stderr) = PeerProtocol.RunProcess(python, ["-c", $"import {module}; print({module}.__version__)"], null, 60, 1);
            if (rc == 0 && stdout.Trim().Length > 0)
            {
                reason = string.Empty;
                return new PythonPeer(implementation, python, script, stdout.Trim().Split('\n')[^1].Trim());
            }

            string last = (stderr.Trim().Split('\n').LastOrDefault() ?? string.Empty).Trim();
            tried.Add($"{python}: {(rc == -1 ? "not found" : last.Length > 0 ? last : $"exit {rc}")}");
        }

        reason = $"no python3 with {module} (tried {string.Join("; ", tried)}); {hint}";
        return null;
    }

    /// <summary>The interpreters tried, in order: ORTHOPROJ_PYTHON, python3 on PATH, /usr/bin/python3.</summary>
    private static IEnumerable<string> PythonCandidates()
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
}
