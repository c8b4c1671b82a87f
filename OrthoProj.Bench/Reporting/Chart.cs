using System.Globalization;
using OrthoProj.Bench.Harness;
using ScottPlot;

namespace OrthoProj.Bench.Reporting;

/// <summary>
/// Time versus batch size, one line per implementation, backend and workload, for every group of
/// cases that differ only in the batch count (log-log axes).
/// </summary>
public static class Chart
{
    /// <summary>The typeface every text of the chart uses: DejaVu Sans, shipped in Fonts/ beside the executable.</summary>
    public const string FontName = "DejaVu Sans (OrthoProj.Bench)";

    private static readonly Lazy<bool> FontLoaded = new(() =>
    {
        string file = Path.Combine(AppContext.BaseDirectory, "Fonts", "DejaVuSans.ttf");
        if (!File.Exists(file))
        {
            return false;
        }

        Fonts.AddFontFile(FontName, file);
        return true;
    });

    /// <summary>Whether the bundled typeface was found (false: the chart falls back to the system's fonts, and says so).</summary>
    public static bool UsesBundledFont => FontLoaded.Value;

    /// <summary>Renders the PNG (an empty chart with a note when no sweep was run).</summary>
    public static void Write(BenchReport report, string path)
    {
        ArgumentNullException.ThrowIfNull(report);
        var plot = new Plot();
        if (UsesBundledFont)
        {
            // The system's fonts are not used at all, so the text is the same on every machine.
            plot.Font.Set(FontName);
        }
        else
        {
            Console.Error.WriteLine($"warning: {Path.Combine(AppContext.BaseDirectory, "Fonts", "DejaVuSans.ttf")} is missing; the chart's text uses the system's fonts and is blank where there are none.");
        }

        int series = 0;
        var counts = new SortedSet<int>();
        var floorsDrawn = new HashSet<string>(StringComparer.Ordinal);
        var groups = report.Results
            .Where(r => r.Case.Threads == 0)
            .GroupBy(r => (r.Case.Workload, r.Case.Shape.M, r.Case.Shape.N, r.Case.Dtype, r.Case.Device))
            .Where(g => g.Select(r => r.Case.Shape.Count).Distinct().Count() >= 2);
        foreach (var g in groups)
        {
            foreach (string impl in Implementations.All)
            {
                var points = g.Select(r => (r.Case.Shape.Count, Row: r.Row(impl)))
                    .Where(p => p.Row?.Status == RowStatus.Ok)
                    .OrderBy(p => p.Count)
                    .ToList();
                string label = $"{impl} {g.Key.Device.Name()} {g.Key.Workload.Name()} {g.Key.M}x{g.Key.N} {g.Key.Dtype.Name()}";
                if (impl == Implementations.Floor)
                {
                    // The floor of proj.fwd and proj.both is the same geqrf: draw it once.
                    label = $"floor {Targets.Floors.Routine(g.Key.Workload, g.Key.Dtype)} {g.Key.Device.Name()} {g.Key.M}x{g.Key.N} {g.Key.Dtype.Name()}";
                    if (!floorsDrawn.Add(label))
                    {
                        continue;
                    }
                }

                if (points.Count < 2)
                {
                    continue;
                }

                var scatter = plot.Add.Scatter(
                    points.Select(p => Math.Log10(p.Count)).ToArray(),
                    points.Select(p => Math.Log10(p.Row!.Median * 1e3)).ToArray());
                scatter.LegendText = label;
                scatter.LineWidth = 2;
                scatter.MarkerSize = 7;
                series++;
                counts.UnionWith(points.Select(p => p.Count));
            }
        }

        static string Pow10(double v) => Math.Pow(10, v).ToString("G4", CultureInfo.InvariantCulture);
        if (counts.Count > 0)
        {
            // Ticks at the batch sizes measured: a sweep spans one or two decades only.
            plot.Axes.Bottom.SetTicks([.. counts.Select(n => Math.Log10(n))], [.. counts.Select(n => n.ToString(CultureInfo.InvariantCulture))]);
        }
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = Pow10, IntegerTicksOnly = true };
        plot.Title($"Time vs batch size ({report.Options.Threads} thread(s), suite {report.Suite.Name})");
        plot.XLabel("batch size (matrices)");
        plot.YLabel("median time per call (ms)");
        if (series > 0)
        {
            plot.ShowLegend(Alignment.UpperLeft);
        }
        else
        {
            plot.Add.Annotation("no batch sweep in this run");
        }

        plot.SavePng(path, 1000, 620);
    }
}
