using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using OrthoProj.Bench.Harness;

namespace OrthoProj.Bench.Targets;

/// <summary>
/// The JSON protocol of the bench's peers (bench/torch_peer.py, bench/TorchSharpPeer): the request
/// carries the threads, the seed, the rep policy and every case; the reply is one JSON object with
/// the peer's description and a result per case id: status ok/absent/failed, samples_s, warmup,
/// note, and optionally an "adapter" object of the same form (the TorchSharp peer's second route,
/// OrthoProj.TorchSharp on the same case).
/// </summary>
public static class PeerProtocol
{
    /// <summary>
    /// The request for <paramref name="cases"/>. With <paramref name="deadlineSeconds"/> the peer
    /// starts no case once that many seconds have passed since it read the request, and reports the
    /// rest absent ("deadline_s" in the JSON), so a time-limited peer still returns what it measured.
    /// </summary>
    public static JsonObject Request(IReadOnlyList<BenchCase> cases, RepPolicy policy, int seed, int threads, double? deadlineSeconds = null)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(policy);
        return new JsonObject
        {
            ["threads"] = threads,
            ["seed"] = seed,
            ["warmup"] = policy.Warmup,
            ["min_reps"] = policy.MinReps,
            ["max_reps"] = policy.MaxReps,
            ["budget_s"] = policy.BudgetSeconds,
            ["single_shot_above_s"] = double.IsFinite(policy.SingleShotAboveSeconds) ? policy.SingleShotAboveSeconds : null,
            ["case_cap_s"] = double.IsFinite(policy.CaseCapSeconds) ? policy.CaseCapSeconds : null,
            ["deadline_s"] = deadlineSeconds,
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
    }

    /// <summary>
    /// The rows of a reply: one per case for <paramref name="implementation"/>, and, when
    /// <paramref name="adapterImplementation"/> is given, one per case from the results' "adapter"
    /// objects (absent where a result has none). The reply is the last line of <paramref name="stdout"/>
    /// that starts with '{' (a native library may print before it). Info: the reply without its results.
    /// </summary>
    /// <exception cref="FormatException">No JSON object in <paramref name="stdout"/>.</exception>
    public static (IReadOnlyList<ResultRow> Rows, JsonObject Info) Parse(string stdout, IReadOnlyList<BenchCase> cases, int threads, string implementation, string? adapterImplementation)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(cases);
        string line = stdout.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith('{'))
            ?? throw new FormatException("the peer wrote no JSON object: " + stdout.Trim().Split('\n').LastOrDefault());
        JsonObject reply = JsonNode.Parse(line)!.AsObject();
        reply.Remove("results", out JsonNode? resultsNode);
        var byId = (resultsNode?.AsArray() ?? []).Select(r => r!.AsObject()).ToDictionary(r => (string)r["id"]!, StringComparer.Ordinal);
        var rows = new List<ResultRow>();
        foreach (BenchCase c in cases)
        {
            if (!byId.TryGetValue(c.Id, out JsonObject? r))
            {
                rows.Add(ResultRow.Failed(c, implementation, "no result from the peer"));
                if (adapterImplementation is not null)
                {
                    rows.Add(ResultRow.Failed(c, adapterImplementation, "no result from the peer"));
                }

                continue;
            }

            rows.Add(Row(c, implementation, r, threads));
            if (adapterImplementation is not null)
            {
                rows.Add(r["adapter"] is JsonObject adapter
                    ? Row(c, adapterImplementation, adapter, threads)
                    : ResultRow.Absent(c, adapterImplementation, "the peer did not run the adapter"));
            }
        }

        return (rows, reply);
    }

    private static ResultRow Row(BenchCase c, string implementation, JsonObject r, int threads)
    {
        string status = (string?)r["status"] ?? "failed";
        string note = (string?)r["note"] ?? string.Empty;
        return status switch
        {
            "ok" => new ResultRow
            {
                CaseId = c.Id,
                Implementation = implementation,
                Status = RowStatus.Ok,
                Note = note,
                SamplesSeconds = r["samples_s"]!.AsArray().Select(s => (double)s!).ToList(),
                BareSamplesSeconds = r["bare_samples_s"]?.AsArray().Select(s => (double)s!).ToList() ?? [],
                Warmup = (int)r["warmup"]!,
                Threads = threads,
            },
            "absent" => ResultRow.Absent(c, implementation, note),
            _ => ResultRow.Failed(c, implementation, note),
        };
    }

    /// <summary>Runs a peer with the bench's thread count in the BLAS environment variables; rc -1: not found, -2: timed out.</summary>
    public static (int Rc, string Stdout, string Stderr) RunProcess(string file, string[] args, string? stdin, int timeoutSeconds, int threads)
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
