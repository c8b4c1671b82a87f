using System.Text.Json.Nodes;
using OrthoProj.Bench.Harness;

namespace OrthoProj.Bench.Targets;

/// <summary>
/// JAX through bench/jax_peer.py, the same way as <see cref="TorchPeer"/>: finds a python3 that can
/// import jax (ORTHOPROJ_PYTHON, then python3 on PATH, then /usr/bin/python3), sends it all cases at
/// once as JSON (<see cref="PeerProtocol"/>) and reads the samples back. Where no interpreter
/// imports jax the JAX column is reported absent with what was tried, at the cost of the failed
/// imports only. JAX 0.10+ runs batched QR of matrices up to 128 x 128 with its own Householder
/// kernels on the GPU: the public anchor for the fused small-matrix path.
/// </summary>
public sealed class JaxPeer
{
    private JaxPeer(string python, string script, string version)
    {
        Python = python;
        Script = script;
        Version = version;
    }

    /// <summary>The interpreter used.</summary>
    public string Python { get; }

    /// <summary>The peer script's path.</summary>
    public string Script { get; }

    /// <summary>jax.__version__.</summary>
    public string Version { get; }

    /// <summary>What the peer reported about itself (versions, backend, GPU, threads).</summary>
    public JsonObject? Info { get; private set; }

    /// <summary>Finds python + jax + the script, or returns null with what was tried.</summary>
    public static JaxPeer? TryFind(out string reason)
    {
        string? script = TorchPeer.FindScript("jax_peer.py");
        if (script is null)
        {
            reason = "bench/jax_peer.py not found next to the executable or above the working directory";
            return null;
        }

        var tried = new List<string>();
        foreach (string python in TorchPeer.PythonCandidates())
        {
            var (rc, stdout, stderr) = PeerProtocol.RunProcess(python, ["-c", "import jax; print(jax.__version__)"], null, 60, 1);
            if (rc == 0 && stdout.Trim().Length > 0)
            {
                reason = string.Empty;
                return new JaxPeer(python, script, stdout.Trim().Split('\n')[^1].Trim());
            }

            string last = (stderr.Trim().Split('\n').LastOrDefault() ?? string.Empty).Trim();
            tried.Add($"{python}: {(rc == -1 ? "not found" : last.Length > 0 ? last : $"exit {rc}")}");
        }

        reason = "no python3 with jax (tried " + string.Join("; ", tried) + "); set ORTHOPROJ_PYTHON to one that has it";
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
            string why = $"jax_peer.py exited {rc}: {stderr.Trim().Split('\n').LastOrDefault()}";
            return cases.Select(c => ResultRow.Failed(c, Implementations.Jax, why)).ToList();
        }

        try
        {
            var (rows, info) = PeerProtocol.Parse(stdout, cases, threads, Implementations.Jax, adapterImplementation: null);
            Info = info;
            return rows;
        }
        catch (FormatException e)
        {
            return cases.Select(c => ResultRow.Failed(c, Implementations.Jax, e.Message)).ToList();
        }
    }
}
