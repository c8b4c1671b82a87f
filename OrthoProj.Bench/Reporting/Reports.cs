using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using OrthoProj.Bench.Harness;
using OrthoProj.Bench.Targets;
using Spectre.Console;

namespace OrthoProj.Bench.Reporting;

/// <summary>The console table, the JSON file, the Markdown report and the chart, from one report.</summary>
public static class Reports
{
    /// <summary>JSON file name in the output folder.</summary>
    public const string JsonName = "bench.json";

    /// <summary>Markdown file name.</summary>
    public const string MarkdownName = "bench.md";

    /// <summary>Chart file name.</summary>
    public const string ChartName = "time-vs-batch.png";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Prints the table and writes the three files.</summary>
    public static void WriteAll(BenchReport report, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(console);
        console.Write(ConsoleTable(report));
        if (TorchSharpTable(report) is { } torchSharp)
        {
            console.Write(torchSharp);
        }

        foreach (string note in Notes(report))
        {
            console.MarkupLine("[grey]" + Markup.Escape(note) + "[/]");
        }

        Directory.CreateDirectory(report.Options.OutDir);
        string json = Path.Combine(report.Options.OutDir, JsonName);
        string md = Path.Combine(report.Options.OutDir, MarkdownName);
        string png = Path.Combine(report.Options.OutDir, ChartName);
        report.Files.AddRange([json, md, png]);
        Chart.Write(report, png);
        File.WriteAllText(md, Markdown(report));
        File.WriteAllText(json, ToJson(report).ToJsonString(Json.Indented));
        console.MarkupLine(Markup.Escape($"Wrote {json}, {md}, {png}; whole run {report.WallSeconds:0.0} s (until the reports)."));
    }

    /// <summary>The console's compact columns: medians and ratios only, within 100 columns (bench.md has every column; "x M.NET": over Math.NET).</summary>
    public static IReadOnlyList<string> CompactHeaders { get; } =
        ["workload", "shape", "dtype", "dev", "OrthoProj", "x floor", "x M.NET", "x PyTorch", "x JAX", "check"];

    /// <summary>The column headers of the full table (Markdown).</summary>
    public static IReadOnlyList<string> Headers { get; } =
        ["workload", "shape", "dtype", "dev", "OrthoProj", "rate (% peak)", "floor", "vs floor", "Math.NET", "vs Math.NET", "PyTorch", "vs PyTorch", "JAX", "vs JAX", "TorchSharp", "vs TorchSharp", "OrthoProj.TorchSharp", "adapter overhead", "check"];

    /// <summary>The table's cells, one row per case.</summary>
    public static IEnumerable<string[]> Cells(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        foreach (CaseResult r in report.Results)
        {
            BenchCase c = r.Case;
            ResultRow? o = r.Row(Implementations.OrthoProj);
            ResultRow? f = r.Row(Implementations.Floor);
            ResultRow? mn = r.Row(Implementations.MathNet);
            ResultRow? pt = r.Row(Implementations.PyTorch);
            ResultRow? jx = r.Row(Implementations.Jax);
            ResultRow? ts = r.Row(Implementations.TorchSharp);
            ResultRow? ad = r.Row(Implementations.Adapter);
            yield return
            [
                c.Workload.Name(),
                c.ShapeLabel,
                c.Dtype.Name(),
                c.Device.Name(),
                Time(o),
                Rate(report, c, o),
                Time(f) + (f?.Status == RowStatus.Ok ? " " + Floors.Routine(c.Workload, c.Dtype) : string.Empty),
                Ratio(o, f),
                Time(mn),
                Ratio(o, mn),
                Time(pt),
                Ratio(o, pt),
                Time(jx),
                Ratio(o, jx),
                Time(ts),
                Ratio(o, ts),
                Time(ad),
                Overhead(o, ad),
                o?.Validated switch { true => "ok", false => "FAILED", _ => "-" },
            ];
        }
    }

    /// <summary>The compact table's cells: the full table's without the rate and the times of the baselines.</summary>
    public static IEnumerable<string[]> CompactCells(BenchReport report) =>
        Cells(report).Select(full => new[] { full[0], full[1], full[2], full[3], full[4].Split(" ±")[0], full[7], full[9], full[11], full[13], full[18] });

    /// <summary>The TorchSharp console table's columns: OrthoProj bare, the ratio to libtorch, the adapter and its overhead.</summary>
    public static IReadOnlyList<string> TorchSharpHeaders { get; } =
        ["workload", "shape", "dtype", "OrthoProj", "x TorchSharp", "adapter", "overhead"];

    /// <summary>The TorchSharp console table's cells: the CPU cases the peer measured (none when it is absent).</summary>
    public static IEnumerable<string[]> TorchSharpCells(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        foreach (CaseResult r in report.Results.Where(r => r.Case.Device == BenchDevice.Cpu))
        {
            ResultRow? o = r.Row(Implementations.OrthoProj), ts = r.Row(Implementations.TorchSharp), ad = r.Row(Implementations.Adapter);
            if (ts?.Status == RowStatus.Ok || ad?.Status == RowStatus.Ok)
            {
                yield return [r.Case.Workload.Name(), r.Case.ShapeLabel, r.Case.Dtype.Name(), Time(o).Split(" ±")[0], Ratio(o, ts), Time(ad).Split(" ±")[0], Overhead(o, ad)];
            }
        }
    }

    /// <summary>
    /// The adapter's time over the bare OrthoProj call: "+0.36 ms (+56%)". The bare median is the one
    /// the peer timed interleaved with the adapter when it has one, else the bench's own OrthoProj row.
    /// </summary>
    public static string Overhead(ResultRow? bare, ResultRow? adapter)
    {
        if (adapter?.Status != RowStatus.Ok || (bare?.Status != RowStatus.Ok && adapter.BareSamplesSeconds.Count == 0))
        {
            return "-";
        }

        double bareMedian = adapter.BareSamplesSeconds.Count > 0 ? new TimingStats(adapter.BareSamplesSeconds, 0).Median : bare!.Median;
        double ms = (adapter.Median - bareMedian) * 1e3, pct = 100 * (adapter.Median - bareMedian) / bareMedian;
        string f = Math.Abs(ms) >= 10 ? "0" : Math.Abs(ms) >= 1 ? "0.0" : "0.000";
        // Rounded first, so that a small negative figure reads 0, never "-+0".
        double shownMs = Math.Round(ms, f.Length > 2 ? f.Length - 2 : 0);
        long shownPct = (long)Math.Round(pct);
        return shownMs.ToString("+" + f + ";-" + f + ";0", Inv) + " ms (" + shownPct.ToString("+0;-0;0", Inv) + "%)";
    }

    /// <summary>Median in ms with the relative spread, or the status.</summary>
    public static string Time(ResultRow? row)
    {
        if (row is null)
        {
            return "-";
        }

        return row.Status switch
        {
            RowStatus.Ok => FormatMs(row.Median) + " ±" + (row.Stats!.RelativeMad * 100).ToString("0", Inv) + "%",
            RowStatus.Absent => "absent",
            RowStatus.Skipped => "skipped",
            _ => "FAILED",
        };
    }

    private static string FormatMs(double seconds)
    {
        double ms = seconds * 1e3;
        string f = ms >= 100 ? "0" : ms >= 10 ? "0.0" : ms >= 1 ? "0.00" : "0.000";
        return ms.ToString(f, Inv) + " ms";
    }

    /// <summary>Baseline median / OrthoProj median: above 1 means OrthoProj is faster.</summary>
    public static string Ratio(ResultRow? ortho, ResultRow? baseline) =>
        ortho?.Status == RowStatus.Ok && baseline?.Status == RowStatus.Ok
            ? (baseline.Median / ortho.Median).ToString(baseline.Median / ortho.Median >= 10 ? "0" : "0.0#", Inv) + "x"
            : "-";

    /// <summary>GFLOP/s (large single matrices) or GB/s (batched small) with the share of the measured peak.</summary>
    public static string Rate(BenchReport report, BenchCase c, ResultRow? row)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(c);
        if (row?.Status != RowStatus.Ok || c.Device != BenchDevice.Cpu)
        {
            return "-";
        }

        double g = c.Flops / row.Median / 1e9;
        // Complex flops are counted as real ones (the model times 4), so the real type's peak applies.
        double peak = c.Dtype.Real() == Dtype.F32 ? report.Machine.PeakGflopsF32 : report.Machine.PeakGflopsF64;
        string flops = string.Create(Inv, $"{g:0.#} GF/s ({Share(g, peak, "0")})");
        if (c.ComputeBound)
        {
            return flops;
        }

        // Batched small matrices: both roofs, the copy bandwidth's (compulsory traffic) and the FMA peak's.
        double gb = c.Bytes / row.Median / 1e9;
        return string.Create(Inv, $"{gb:G3} GB/s ({Share(gb, report.Machine.PeakBandwidthGBs, "G2")}), {flops}");

        // Above the measured peak, the peak measurement (not the rate) is what is wrong: say so.
        static string Share(double rate, double peak, string format) =>
            rate > peak ? "peak unreliable" : (100 * rate / peak).ToString(format, Inv) + "%";
    }

    /// <summary>Distinct reasons behind absent, skipped and failed cells, and how to read the table.</summary>
    public static IEnumerable<string> Notes(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        yield return $"Times: median of the timed calls ± median absolute deviation; {report.Options.Threads} thread(s) everywhere{(report.Results.Any(r => r.Case.Threads > 0) ? " but the rows marked 'Nt' (OrthoProj alone at N threads: its scaling)" : string.Empty)}; 'x X' (console) or 'vs X' (bench.md) = X's median / OrthoProj's (above 1: OrthoProj faster). Floor: LAPACK/cuSOLVER geqrf+orgqr for qr.fwd, geqrf alone for the others (the factorization every method needs at least).";
        yield return "Rate (bench.md, with every time and spread): model flops / median against the measured FMA peak, and for batched small matrices first compulsory bytes / median against the measured copy bandwidth; 'peak unreliable' where a rate exceeds the measured peak.";
        if (report.Results.Any(r => r.Case.Dtype.IsComplex()))
        {
            yield return "Complex rows (c64, c128): model flops are real flops, the real model times 4 (a complex multiply-add is 4 real multiply-adds), against the real type's peak (f32 for c64, f64 for c128); OrthoProj runs them on the " + Targets.OrthoProjTarget.ComplexPathNote + ".";
        }
        if (report.Results.Any(r => r.Row(Implementations.Adapter)?.Status == RowStatus.Ok))
        {
            yield return "TorchSharp: libtorch's own ops in the peer bench/TorchSharpPeer; OrthoProj.TorchSharp ('adapter'): the same work through TorchLinalg with autograd, in that peer; overhead = adapter's median - the median of the bare OrthoProj call timed interleaved with it in the peer.";
        }

        foreach (var g in report.Results.SelectMany(r => r.Rows.Where(row => !(row.Implementation == Implementations.Adapter && row.Status == RowStatus.Absent
                         && r.Row(Implementations.TorchSharp) is { Status: RowStatus.Absent } t && t.Note == row.Note)))
                     .Where(r => r.Status != RowStatus.Ok)
                     .GroupBy(r => (r.Implementation, r.Status, Text: r.Status == RowStatus.Failed ? r.Note + " " + r.Validation
                         : !report.Machine.CudaPresent && r.Note == report.Machine.CudaNote ? CudaProbe.NoDeviceSeeAbove : r.Note)))
        {
            yield return $"{g.Key.Implementation} {g.Key.Status.ToString().ToLowerInvariant()} ({g.Count()} case(s)): {g.Key.Text.Trim()}";
        }
    }

    private static Table ConsoleTable(BenchReport report)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"OrthoProj vs floor, Math.NET, PyTorch, JAX — suite {report.Suite.Name}, {report.Options.Threads} thread(s)");
        foreach (string h in CompactHeaders)
        {
            table.AddColumn(new TableColumn(h).RightAligned());
        }

        foreach (string[] row in CompactCells(report))
        {
            table.AddRow(row.Select(cell => cell switch
            {
                "FAILED" => "[red]FAILED[/]",
                "absent" or "skipped" => $"[grey]{cell}[/]",
                _ => Markup.Escape(cell),
            }).ToArray());
        }

        return table;
    }

    private static Table? TorchSharpTable(BenchReport report)
    {
        List<string[]> rows = [.. TorchSharpCells(report)];
        if (rows.Count == 0)
        {
            return null;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("TorchSharp (libtorch, in process) and the adapter's overhead");
        foreach (string h in TorchSharpHeaders)
        {
            table.AddColumn(new TableColumn(h).RightAligned());
        }

        foreach (string[] row in rows)
        {
            table.AddRow(row.Select(cell => cell is "FAILED" ? "[red]FAILED[/]" : Markup.Escape(cell)).ToArray());
        }

        return table;
    }

    /// <summary>The Markdown report: header, table, notes.</summary>
    public static string Markdown(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        MachineInfo m = report.Machine;
        sb.AppendLine(Inv, $"# OrthoProj.Bench — suite `{report.Suite.Name}`");
        sb.AppendLine();
        sb.AppendLine(Inv, $"{report.StartedUtc:yyyy-MM-dd HH:mm} UTC, {m.Cpu}, {m.Cores} cores ({m.Simd}), {report.Options.Threads} thread(s) for every implementation, seed {report.Options.Seed}, whole run {report.WallSeconds:0.0} s.");
        sb.AppendLine(Inv, $"Measured peak on {m.PeakThreads} thread(s): {m.PeakGflopsF64:0.#} GFLOP/s f64, {m.PeakGflopsF32:0.#} GFLOP/s f32 (FMA), {m.PeakBandwidthGBs:0.#} GB/s (copy). CUDA: {m.CudaNote}.");
        sb.AppendLine();
        foreach (var (k, v) in report.Versions)
        {
            sb.AppendLine(Inv, $"- {k}: {v}");
        }

        sb.AppendLine();
        sb.AppendLine("| " + string.Join(" | ", Headers) + " |");
        sb.AppendLine("|" + string.Concat(Enumerable.Repeat("---|", Headers.Count)));
        foreach (string[] row in Cells(report))
        {
            sb.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        sb.AppendLine();
        foreach (string note in Notes(report))
        {
            sb.AppendLine("- " + note);
        }

        sb.AppendLine();
        sb.AppendLine(Inv, $"![time versus batch size]({ChartName})");
        return sb.ToString();
    }

    /// <summary>Marker lines around the table a README shows (see <see cref="UpdateReadme"/>).</summary>
    public const string ReadmeStart = "<!-- bench:latest-table:start -->";

    /// <summary>End marker.</summary>
    public const string ReadmeEnd = "<!-- bench:latest-table:end -->";

    /// <summary>
    /// Replaces what lies between <see cref="ReadmeStart"/> and <see cref="ReadmeEnd"/> in
    /// <paramref name="readmePath"/> with this run's header, table and notes, so the README shows
    /// the latest table from the machine it was run on. Returns false when the markers are missing.
    /// </summary>
    public static bool UpdateReadme(BenchReport report, string readmePath)
    {
        ArgumentNullException.ThrowIfNull(report);
        string text = File.ReadAllText(readmePath);
        int start = text.IndexOf(ReadmeStart, StringComparison.Ordinal);
        int end = text.IndexOf(ReadmeEnd, StringComparison.Ordinal);
        if (start < 0 || end < start)
        {
            return false;
        }

        string md = Markdown(report);
        string body = md[(md.IndexOf('\n', StringComparison.Ordinal) + 1)..].Replace($"![time versus batch size]({ChartName})", string.Empty, StringComparison.Ordinal).Trim();
        string updated = text[..(start + ReadmeStart.Length)] + "\n" + body + "\n" + text[end..];
        File.WriteAllText(readmePath, updated);
        return true;
    }

    /// <summary>Every raw figure, the machine and the versions.</summary>
    public static JsonObject ToJson(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        MachineInfo m = report.Machine;
        RepPolicy p = report.Suite.Policy;
        return new JsonObject
        {
            ["schema"] = "orthoproj-bench/1",
            ["started_utc"] = report.StartedUtc.ToString("O", Inv),
            ["wall_seconds"] = report.WallSeconds,
            ["suite"] = report.Suite.Name,
            ["threads"] = report.Options.Threads,
            ["seed"] = report.Options.Seed,
            ["inputs"] = "every entry uniform in [-1, 1) from the seed; PyTorch draws the same distribution with its own generator (not the same values)",
            ["policy"] = new JsonObject { ["warmup"] = p.Warmup, ["min_reps"] = p.MinReps, ["max_reps"] = p.MaxReps, ["budget_s"] = p.BudgetSeconds, ["single_shot_above_s"] = double.IsFinite(p.SingleShotAboveSeconds) ? p.SingleShotAboveSeconds : null, ["case_cap_s"] = double.IsFinite(p.CaseCapSeconds) ? p.CaseCapSeconds : null },
            ["machine"] = new JsonObject
            {
                ["cpu"] = m.Cpu,
                ["cores"] = m.Cores,
                ["simd"] = m.Simd,
                ["os"] = m.Os,
                ["runtime"] = m.Runtime,
                ["peak_gflops_f64"] = m.PeakGflopsF64,
                ["peak_gflops_f32"] = m.PeakGflopsF32,
                ["peak_copy_gbs"] = m.PeakBandwidthGBs,
                ["peak_threads"] = m.PeakThreads,
                ["cuda_present"] = m.CudaPresent,
                ["cuda"] = m.CudaNote,
            },
            ["versions"] = new JsonObject(report.Versions.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["cases"] = new JsonArray(report.Results.Select(r => (JsonNode)new JsonObject
            {
                ["id"] = r.Case.Id,
                ["workload"] = r.Case.Workload.Name(),
                ["device"] = r.Case.Device.Name(),
                ["count"] = r.Case.Shape.Count,
                ["m"] = r.Case.Shape.M,
                ["n"] = r.Case.Shape.N,
                ["p"] = r.Case.Shape.P,
                ["threads"] = r.Case.Threads > 0 ? r.Case.Threads : report.Options.Threads,
                ["dtype"] = r.Case.Dtype.Name(),
                ["model_flops"] = r.Case.Flops,
                ["compulsory_bytes"] = r.Case.Bytes,
                ["floor_routine"] = Floors.Routine(r.Case.Workload, r.Case.Dtype),
                ["rows"] = new JsonArray(r.Rows.Select(row => (JsonNode)RowJson(row)).ToArray()),
            }).ToArray()),
        };
    }

    private static JsonObject RowJson(ResultRow row)
    {
        var o = new JsonObject
        {
            ["implementation"] = row.Implementation,
            ["status"] = row.Status.ToString().ToLowerInvariant(),
            ["note"] = row.Note,
            ["threads"] = row.Threads,
            ["warmup"] = row.Warmup,
            ["samples_s"] = new JsonArray(row.SamplesSeconds.Select(s => (JsonNode)s).ToArray()),
        };
        if (row.Stats is { } s)
        {
            o["median_s"] = s.Median;
            o["min_s"] = s.Min;
            o["max_s"] = s.Max;
            o["q1_s"] = s.Q1;
            o["q3_s"] = s.Q3;
            o["rel_mad"] = s.RelativeMad;
        }

        if (row.Validated is { } v)
        {
            o["validated"] = v;
            o["validation"] = row.Validation;
        }

        return o;
    }
}
