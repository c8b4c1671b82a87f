namespace OrthoProj.Bench.Harness;

/// <summary>What happened to one implementation on one case.</summary>
public enum RowStatus
{
    /// <summary>Measured.</summary>
    Ok,

    /// <summary>The implementation is not available here (library, device or script missing); no figure.</summary>
    Absent,

    /// <summary>Available but not run in this suite (e.g. too slow for the quick suite); the note says why.</summary>
    Skipped,

    /// <summary>It ran and threw, or its result failed validation.</summary>
    Failed,
}

/// <summary>The implementations side by side.</summary>
public static class Implementations
{
    /// <summary>OrthoProj itself.</summary>
    public const string OrthoProj = "OrthoProj";

    /// <summary>The raw library floor: LAPACK (CPU) or cuSOLVER (GPU) geqrf / geqrf+orgqr.</summary>
    public const string Floor = "floor";

    /// <summary>Math.NET Numerics with its managed provider, through its own API.</summary>
    public const string MathNet = "Math.NET managed";

    /// <summary>PyTorch through bench/torch_peer.py.</summary>
    public const string PyTorch = "PyTorch";

    /// <summary>JAX through bench/jax_peer.py (jit; where jax imports).</summary>
    public const string Jax = "JAX";

    /// <summary>libtorch's own ops through TorchSharp, in the peer bench/TorchSharpPeer.</summary>
    public const string TorchSharp = "TorchSharp";

    /// <summary>OrthoProj through its TorchSharp adapter (TorchLinalg), in the same peer: the adapter's overhead over <see cref="OrthoProj"/>.</summary>
    public const string Adapter = "OrthoProj.TorchSharp";

    /// <summary>All, in column order.</summary>
    public static IReadOnlyList<string> All { get; } = [OrthoProj, Floor, MathNet, PyTorch, Jax, TorchSharp, Adapter];
}

/// <summary>One measured (or absent) implementation on one case.</summary>
public sealed class ResultRow
{
    /// <summary>The case identifier (<see cref="BenchCase.Id"/>).</summary>
    public required string CaseId { get; init; }

    /// <summary>One of <see cref="Implementations"/>.</summary>
    public required string Implementation { get; init; }

    /// <summary>Measured, absent, skipped or failed.</summary>
    public required RowStatus Status { get; init; }

    /// <summary>Why absent/skipped/failed, or what exactly was timed (e.g. "geqrf+orgqr").</summary>
    public string Note { get; init; } = string.Empty;

    /// <summary>Timed samples in seconds (empty unless Ok).</summary>
    public IReadOnlyList<double> SamplesSeconds { get; init; } = [];

    /// <summary>Untimed warm-up calls before the samples.</summary>
    public int Warmup { get; init; }

    /// <summary>Threads the implementation was allowed.</summary>
    public int Threads { get; init; }

    /// <summary>For OrthoProj rows: whether the result was checked against a reference (and passed).</summary>
    public bool? Validated { get; init; }

    /// <summary>What the validation measured (relative errors) or why it failed.</summary>
    public string? Validation { get; init; }

    /// <summary>
    /// For adapter rows: the bare OrthoProj call behind the adapter, timed interleaved with it in the
    /// same process (empty when the peer did not time it).
    /// </summary>
    public IReadOnlyList<double> BareSamplesSeconds { get; init; } = [];

    /// <summary>Median in seconds, or NaN.</summary>
    public double Median => Stats?.Median ?? double.NaN;

    /// <summary>Statistics over <see cref="SamplesSeconds"/>, or null without samples.</summary>
    public TimingStats? Stats => SamplesSeconds.Count > 0 ? new TimingStats(SamplesSeconds, Warmup) : null;

    /// <summary>An absent row.</summary>
    public static ResultRow Absent(BenchCase c, string impl, string why) =>
        new() { CaseId = c.Id, Implementation = impl, Status = RowStatus.Absent, Note = why };

    /// <summary>A skipped row.</summary>
    public static ResultRow Skipped(BenchCase c, string impl, string why) =>
        new() { CaseId = c.Id, Implementation = impl, Status = RowStatus.Skipped, Note = why };

    /// <summary>A failed row.</summary>
    public static ResultRow Failed(BenchCase c, string impl, string why) =>
        new() { CaseId = c.Id, Implementation = impl, Status = RowStatus.Failed, Note = why };
}

/// <summary>Every row of one case.</summary>
public sealed record CaseResult(BenchCase Case, IReadOnlyList<ResultRow> Rows)
{
    /// <summary>The row of <paramref name="impl"/>, if any.</summary>
    public ResultRow? Row(string impl) => Rows.FirstOrDefault(r => r.Implementation == impl);
}
