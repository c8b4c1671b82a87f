using System.Text.Json;
using OrthoProj.Bench;
using OrthoProj.Bench.Harness;
using OrthoProj.Bench.Targets;
using Spectre.Console;

namespace OrthoProj.Tests.Bench;

/// <summary>
/// The benchmark's smallest suite end to end, in process: it must write the JSON, the Markdown and
/// the PNG, and every OrthoProj row must have been validated against its reference. Correctness of
/// the harness, never timing.
/// </summary>
[TestClass]
public sealed class BenchSmokeTests
{
    private static string outDir = string.Empty;
    private static int exitCode;
    private static string consoleText = string.Empty;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static void RunSmokeSuite(TestContext context)
    {
        _ = context;
        outDir = Path.Combine(Path.GetTempPath(), "orthoproj-bench-smoke-" + Guid.NewGuid().ToString("N"));
        var writer = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        exitCode = BenchCli.Run(["run", "--suite", "smoke", "--out", outDir], console);
        consoleText = writer.ToString();
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Directory.Exists(outDir))
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    [TestMethod]
    public void ConsoleTable_FitsOneHundredColumns()
    {
        string[] table = [.. consoleText.Split('\n').Where(line => line.Length > 0 && "╭│├╰".Contains(line[0], StringComparison.Ordinal))];
        Assert.IsNotEmpty(table, "the table was printed");
        foreach (string line in table)
        {
            Assert.IsLessThanOrEqualTo(100, line.TrimEnd().Length, line);
        }
    }

    [TestMethod]
    public void Chart_DrawsItsTextWithTheBundledTypeface()
    {
        // The chart never asks the system for a font (a machine without fonts drew it blank before):
        // DejaVu Sans comes from Fonts/ beside the executable, and the title band holds its glyphs.
        Assert.IsTrue(OrthoProj.Bench.Reporting.Chart.UsesBundledFont, "Fonts/DejaVuSans.ttf travels beside the executable");
        using SkiaSharp.SKTypeface face = ScottPlot.Fonts.GetTypeface(OrthoProj.Bench.Reporting.Chart.FontName, false, false);
        Assert.AreEqual("DejaVu Sans", face.FamilyName);
        using SkiaSharp.SKBitmap png = SkiaSharp.SKBitmap.Decode(Path.Combine(outDir, "time-vs-batch.png"));
        int dark = 0;
        for (int y = 0; y < 40; y++)
        {
            for (int x = 0; x < png.Width; x++)
            {
                dark += png.GetPixel(x, y).Red < 128 ? 1 : 0;
            }
        }

        Assert.IsGreaterThan(100, dark, "the title's glyphs");
    }

    [TestMethod]
    public void ExitsWithZeroAndPrintsTheTable()
    {
        Assert.AreEqual(0, exitCode, consoleText);
        StringAssert.Contains(consoleText, "OrthoProj");
        StringAssert.Contains(consoleText, "PyTorch");
        StringAssert.Contains(consoleText, "Math.NET");
        StringAssert.Contains(consoleText, "floor");
    }

    [TestMethod]
    public void WritesJsonWithEveryCaseAndAllFourImplementations()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "bench.json")));
        JsonElement root = doc.RootElement;
        Assert.AreEqual("smoke", root.GetProperty("suite").GetString());
        Assert.AreEqual(1, root.GetProperty("threads").GetInt32());
        Assert.IsTrue(root.GetProperty("machine").GetProperty("peak_gflops_f64").GetDouble() > 0);
        JsonElement cases = root.GetProperty("cases");
        Assert.IsTrue(cases.GetArrayLength() >= Workloads.All.Count, "every workload is in the smoke suite");
        foreach (JsonElement c in cases.EnumerateArray())
        {
            var impls = c.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("implementation").GetString()).ToList();
            CollectionAssert.AreEquivalent(Implementations.All.ToList(), impls, c.GetProperty("id").GetString());
            foreach (JsonElement row in c.GetProperty("rows").EnumerateArray())
            {
                string status = row.GetProperty("status").GetString()!;
                int samples = row.GetProperty("samples_s").GetArrayLength();
                if (status == "ok")
                {
                    Assert.IsTrue(samples >= 1, "a measured row has samples");
                    Assert.IsTrue(row.GetProperty("samples_s").EnumerateArray().All(s => s.GetDouble() > 0));
                }
                else
                {
                    Assert.AreEqual(0, samples, "an absent, skipped or failed row has no figure");
                    Assert.IsFalse(string.IsNullOrWhiteSpace(row.GetProperty("note").GetString()), "a missing figure says why");
                }
            }
        }
    }

    [TestMethod]
    public void EveryMeasuredOrthoProjRowWasValidated()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "bench.json")));
        int measured = 0;
        foreach (JsonElement c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            JsonElement row = c.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("implementation").GetString() == Implementations.OrthoProj);
            if (c.GetProperty("device").GetString() == "cpu")
            {
                Assert.AreEqual("ok", row.GetProperty("status").GetString(), c.GetProperty("id").GetString() + ": " + row.GetProperty("note").GetString());
                Assert.IsTrue(row.GetProperty("validated").GetBoolean(), row.GetProperty("validation").GetString());
                measured++;
            }
        }

        Assert.IsTrue(measured >= Workloads.All.Count);
    }

    [TestMethod]
    public void WritesMarkdownWithTheTable()
    {
        string md = File.ReadAllText(Path.Combine(outDir, "bench.md"));
        StringAssert.Contains(md, "| workload | shape | dtype |");
        StringAssert.Contains(md, "proj.both");
        StringAssert.Contains(md, "time-vs-batch.png");
    }

    [TestMethod]
    public void WritesAPng()
    {
        byte[] png = File.ReadAllBytes(Path.Combine(outDir, "time-vs-batch.png"));
        Assert.IsTrue(png.Length > 1000);
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png.Take(4).ToArray());
    }

    [TestMethod]
    public void OptionsParse()
    {
        var stats = Sampler.Run(HostClock.Instance, new RepPolicy(1, 3, 3, 0), () => { });
        Assert.AreEqual(3, stats.Samples.Count);
        Assert.AreEqual(1, stats.Warmup);
        Assert.ThrowsExactly<ArgumentException>(() => Workloads.Parse("nope").ToList());
        CollectionAssert.AreEqual(new[] { Workload.QrForward, Workload.QrBackward }, Workloads.Parse("qr").ToArray());
        Assert.AreEqual(new BatchShape(1, 2048, 512), BatchShape.Parse("2048x512"));
    }

    [TestMethod]
    [DataRow(Workload.QrForward)]
    [DataRow(Workload.QrBackward)]
    [DataRow(Workload.PinvForward)]
    [DataRow(Workload.PinvBackward)]
    public void ValidationRejectsAWrongResult(Workload workload)
    {
        // A backend whose results are slightly off must produce a failed row, never a timing.
        var broken = new SkewedBackend(CpuBackend.CreateManaged(1));
        var target = new OrthoProjTarget(broken, HostClock.Instance, CpuBackend.CreateManaged(1), 1);
        ResultRow row = target.Run(new BenchCase(workload, new BatchShape(4, 12, 6), Dtype.F64, BenchDevice.Cpu), new RepPolicy(0, 1, 1, 0), 5);
        Assert.AreEqual(RowStatus.Failed, row.Status, row.Validation);
        Assert.IsFalse(row.Validated);
        Assert.AreEqual(0, row.SamplesSeconds.Count);

        ResultRow good = new OrthoProjTarget(CpuBackend.CreateManaged(1), HostClock.Instance, CpuBackend.CreateManaged(1), 1)
            .Run(new BenchCase(workload, new BatchShape(4, 12, 6), Dtype.F64, BenchDevice.Cpu), new RepPolicy(0, 1, 1, 0), 5);
        Assert.AreEqual(RowStatus.Ok, good.Status, good.Validation + good.Note);
        Assert.IsTrue(good.Validated);
    }

    /// <summary>The CPU backend with Q, R, pinv and the backward results scaled by 1.001: plausible-looking and wrong.</summary>
    private sealed class SkewedBackend(CpuBackend inner) : Backend
    {
        public override string Name => "skewed";

        public override DeviceKind Device => DeviceKind.Cpu;

        public override string Description => "skewed CPU (test double)";

        public override MatrixBatch<T> Zeros<T>(int rows, int cols, int count) => inner.Zeros<T>(rows, cols, count);

        public override MatrixBatch<T> FromHost<T>(ReadOnlySpan<T> data, int rows, int cols, int count) => inner.FromHost(data, rows, cols, count);

        protected override bool AcceptsStorageOf<T>(MatrixBatch<T> x) => x is HostMatrixBatch<T>;

        protected internal override bool TryFindNonFinite<T>(MatrixBatch<T> x, out int index, out double value)
        {
            index = -1;
            value = 0;
            return false;
        }

        protected override QrResult<T> QrCore<T>(MatrixBatch<T> a, QrMode mode, MatrixBatch<T>? q, MatrixBatch<T>? r)
        {
            using QrResult<T> qr = inner.Qr(a, mode);
            return new QrResult<T>(Skew(qr.Q), Skew(qr.R));
        }

        protected override MatrixBatch<T> QrBackwardCore<T>(MatrixBatch<T> q, MatrixBatch<T> r, MatrixBatch<T>? gradQ, MatrixBatch<T>? gradR, MatrixBatch<T>? output)
        {
            using MatrixBatch<T> g = inner.QrBackward(q, r, gradQ, gradR);
            return Skew(g);
        }

        protected override PinvResult<T> PinvCore<T>(MatrixBatch<T> a, RankTolerance tolerance, MatrixBatch<T>? output)
        {
            using PinvResult<T> p = inner.Pinv(a, tolerance);
            return new PinvResult<T>(Skew(p.Pinv), p.Rank);
        }

        protected override MatrixBatch<T> PinvBackwardCore<T>(MatrixBatch<T> a, MatrixBatch<T> pinv, MatrixBatch<T> gradPinv, MatrixBatch<T>? output)
        {
            using MatrixBatch<T> g = inner.PinvBackward(a, pinv, gradPinv);
            return Skew(g);
        }

        protected override Projector<T> ProjectorCore<T>(MatrixBatch<T> a, ProjectorMethod method, RankTolerance tolerance) =>
            inner.Projector(a, method, tolerance);

        private static HostMatrixBatch<T> Skew<T>(MatrixBatch<T> x)
            where T : unmanaged, System.Numerics.INumberBase<T>
        {
            T[] data = x.ToArray();
            for (int i = 0; i < data.Length; i++)
            {
                data[i] *= T.CreateTruncating(1.001);
            }

            return HostMatrixBatch<T>.FromArray(data, x.Rows, x.Cols, x.Count);
        }
    }
}
