using System.Numerics;
using OrthoProj.Tests.Support;

namespace OrthoProj.Tests.Conformance;

/// <summary>
/// Row-major host batches (another library's C-ordered memory, read in place): every operation gives
/// bit for bit what it gives on the same matrices stored column-major, whether the inputs, the given
/// outputs or both are row-major. Written once, bound to each CPU path: the SIMD lanes read and write
/// row-major directly, the general path copies a row-major input into column-major once; the
/// arithmetic is the same either way, so equality is exact.
/// </summary>
public abstract class LayoutSuite
{
    /// <summary>Shapes across the lanes' limits: a partial SIMD group, several groups, the benchmark's 32 x 16, and one past the lanes (m &gt; 64).</summary>
    private static readonly (int M, int N, int Count)[] Shapes = [(7, 4, 3), (6, 3, 11), (32, 16, 9), (70, 5, 2)];

    /// <summary>The CPU backend under test.</summary>
    protected abstract CpuBackend Backend { get; }

    [TestMethod]
    public void RowMajorBatch_ReadsAsItsColumnMajorTwin()
    {
        HostMatrixBatch<double> columns = TestData.Random<double>(5, 3, 2, seed: 1);
        HostMatrixBatch<double> rows = RowMajor(columns);
        Assert.AreEqual(MatrixLayout.RowMajor, rows.Layout);
        CollectionAssert.AreEqual(columns.ToArray(), rows.ToArray(), "CopyTo is column-major whatever the layout");
        Assert.AreEqual(columns[1, 4, 2], rows[1, 4, 2]);
        Assert.AreEqual(columns[1, 4, 2], rows.Span[(1 * 15) + (4 * 3) + 2], "row-major storage: element (i, j) at i * cols + j");
    }

    [TestMethod]
    public void Projector_RowMajorInputsAndOutputs_GiveTheColumnMajorResults()
    {
        foreach ((int m, int n, int count) in Shapes)
        {
            Check<double>(m, n, count);
            Check<float>(m, n, count);
        }

        void Check<T>(int m, int n, int count)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            string where = $"{typeof(T).Name} {count} x ({m} x {n})";
            HostMatrixBatch<T> a = FullRankData.Random<T>(m, n, count, seed: m + n);
            HostMatrixBatch<T> y = TestData.Convert<T>(TestData.Random<double>(m, 2, count, seed: 7));
            HostMatrixBatch<T> gx = TestData.Convert<T>(TestData.Random<double>(n, 2, count, seed: 8));
            HostMatrixBatch<T> gp = TestData.Convert<T>(TestData.Random<double>(m, m, count, seed: 9));
            using Projector<T> reference = Backend.Projector(a);
            using Projector<T> fromRows = Backend.Projector(RowMajor(a));
            foreach (Projector<T> p in new[] { reference, fromRows })
            {
                string how = (ReferenceEquals(p, reference) ? "A column-major, " : "A row-major, ") + where;
                SameEverywhere(reference.Project(y), (yy, o) => p.Project(yy, o), y, $"Project, {how}");
                SameEverywhere(reference.Residual(y), (yy, o) => p.Residual(yy, o), y, $"Residual, {how}");
                SameEverywhere(reference.Solve(y), (yy, o) => p.Solve(yy, o), y, $"Solve, {how}");
                SameEverywhere(reference.MatrixBackward(gp), (g, o) => p.MatrixBackward(g, o), gp, $"MatrixBackward, {how}");
                Same(reference.Matrix(), p.Matrix(RowMajor(new HostMatrixBatch<T>(m, m, count))), $"Matrix, {how}");
                SameGradients(reference.ProjectBackward(y, y), (a1, g, ga, gy) => p.ProjectBackward(a1, g, ga, gy), y, y, n, $"ProjectBackward, {how}");
                SameGradients(reference.ResidualBackward(y, y), (a1, g, ga, gy) => p.ResidualBackward(a1, g, ga, gy), y, y, n, $"ResidualBackward, {how}");
                SameGradients(reference.SolveBackward(y, gx), (a1, g, ga, gy) => p.SolveBackward(a1, g, ga, gy), y, gx, n, $"SolveBackward, {how}");
            }
        }
    }

    [TestMethod]
    public void QrAndPinv_RowMajorInputs_GiveTheColumnMajorResults()
    {
        foreach ((int m, int n, int count) in Shapes)
        {
            string where = $"{count} x ({m} x {n})";
            HostMatrixBatch<double> a = FullRankData.Random<double>(m, n, count, seed: m * n);
            using QrResult<double> qr = Backend.Qr(a);
            using QrResult<double> qrRows = Backend.Qr(RowMajor(a));
            Same(qr.Q, qrRows.Q, $"Q, {where}");
            Same(qr.R, qrRows.R, $"R, {where}");
            HostMatrixBatch<double> gq = TestData.Random<double>(m, n, count, seed: 3), gr = TestData.Random<double>(n, n, count, seed: 4);
            Same(
                Backend.QrBackward(qr.Q, qr.R, gq, gr),
                Backend.QrBackward(RowMajor(qr.Q.ToHost()), RowMajor(qr.R.ToHost()), RowMajor(gq), RowMajor(gr)),
                $"QrBackward, {where}");

            using PinvResult<double> pinv = Backend.Pinv(a);
            using PinvResult<double> pinvRows = Backend.Pinv(RowMajor(a));
            Same(pinv.Pinv, pinvRows.Pinv, $"Pinv, {where}");
            HostMatrixBatch<double> g = TestData.Random<double>(n, m, count, seed: 5);
            Same(
                Backend.PinvBackward(a, pinv.Pinv, g),
                Backend.PinvBackward(RowMajor(a), RowMajor(pinv.Pinv.ToHost()), RowMajor(g)),
                $"PinvBackward, {where}");
        }
    }

    [TestMethod]
    public void NonFiniteInRowMajorInput_NamesItsMatrixRowAndColumn()
    {
        HostMatrixBatch<double> a = RowMajor(TestData.Random<double>(6, 3, 2, seed: 2));
        a[1, 4, 2] = double.NaN;
        var e = Assert.ThrowsExactly<NonFiniteInputException>(() => Backend.Projector(a));
        Assert.AreEqual((1, 4, 2), (e.MatrixIndex, e.Row, e.Col));
    }

    [TestMethod]
    public void Output_OfTheWrongShapeOrDisposed_IsRefusedBeforeAnythingIsWritten()
    {
        HostMatrixBatch<double> a = FullRankData.Random<double>(7, 4, 3, seed: 1);
        HostMatrixBatch<double> y = TestData.Random<double>(7, 2, 3, seed: 2);
        using Projector<double> p = Backend.Projector(a);
        var wrong = new HostMatrixBatch<double>(7, 3, 3);
        var e = Assert.ThrowsExactly<ArgumentException>(() => p.Project(y, wrong));
        Assert.AreEqual("output", e.ParamName);
        StringAssert.Contains(e.Message, "3 x (7 x 2)");
        Assert.IsTrue(wrong.ToArray().All(v => v == 0), "nothing written into a refused output");

        var gradY = new HostMatrixBatch<double>(7, 2, 2);
        Assert.AreEqual("gradY", Assert.ThrowsExactly<ArgumentException>(() => p.ProjectBackward(y, y, gradY: gradY)).ParamName);

        var disposed = new HostMatrixBatch<double>(7, 2, 3);
        disposed.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => p.Residual(y, disposed));

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => HostMatrixBatch<double>.Wrap(new double[4], 2, 2, 1, (MatrixLayout)7));
    }

    /// <summary>The row-major twin of <paramref name="x"/>: the same matrices, stored row after row.</summary>
    internal static HostMatrixBatch<T> RowMajor<T>(HostMatrixBatch<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var data = new T[x.Length];
        for (int b = 0; b < x.Count; b++)
        {
            for (int i = 0; i < x.Rows; i++)
            {
                for (int j = 0; j < x.Cols; j++)
                {
                    data[(b * x.MatrixLength) + (i * x.Cols) + j] = x[b, i, j];
                }
            }
        }

        return HostMatrixBatch<T>.Wrap(data, x.Rows, x.Cols, x.Count, MatrixLayout.RowMajor);
    }

    /// <summary>
    /// The operation on <paramref name="input"/> column-major and row-major, into a new batch and into
    /// given outputs of both layouts: each result equals <paramref name="expected"/> exactly, and a
    /// given output is the batch returned.
    /// </summary>
    private static void SameEverywhere<T>(MatrixBatch<T> expected, Func<MatrixBatch<T>, MatrixBatch<T>?, MatrixBatch<T>> op, HostMatrixBatch<T> input, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (HostMatrixBatch<T> x in new[] { input, RowMajor(input) })
        {
            string how = $"{what}, input {x.Layout}";
            Same(expected, op(x, null), how);
            foreach (MatrixLayout layout in new[] { MatrixLayout.ColumnMajor, MatrixLayout.RowMajor })
            {
                HostMatrixBatch<T> output = HostMatrixBatch<T>.Wrap(new T[expected.Length], expected.Rows, expected.Cols, expected.Count, layout);
                Assert.AreSame(output, op(x, output), $"{how}: the given output is returned");
                Same(expected, output, $"{how}, output {layout}");
            }
        }
    }

    private static void SameGradients<T>(ProjectorGradients<T> expected, Func<MatrixBatch<T>, MatrixBatch<T>, MatrixBatch<T>?, MatrixBatch<T>?, ProjectorGradients<T>> op, HostMatrixBatch<T> y, HostMatrixBatch<T> g, int n, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Same(expected.GradA, op(RowMajor(y), RowMajor(g), null, null).GradA, $"{what}, inputs row-major, gA");
        HostMatrixBatch<T> ga = RowMajor(new HostMatrixBatch<T>(y.Rows, n, y.Count)), gy = RowMajor(new HostMatrixBatch<T>(y.Rows, y.Cols, y.Count));
        ProjectorGradients<T> given = op(RowMajor(y), g, ga, gy);
        Assert.AreSame(ga, given.GradA, what);
        Assert.AreSame(gy, given.GradY, what);
        Same(expected.GradA, ga, $"{what}, gA into a row-major output");
        Same(expected.GradY, gy, $"{what}, gy into a row-major output");
        HostMatrixBatch<T> onlyA = new(y.Rows, n, y.Count);
        ProjectorGradients<T> half = op(y, RowMajor(g), onlyA, null);
        Same(expected.GradA, onlyA, $"{what}, gA into a column-major output");
        Same(expected.GradY, half.GradY, $"{what}, gy new");
    }

    private static void Same<T>(MatrixBatch<T> expected, MatrixBatch<T> actual, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.AreEqual(expected.Shape, actual.Shape, what);
        CollectionAssert.AreEqual(expected.ToArray(), actual.ToArray(), what);
    }
}

/// <summary><see cref="LayoutSuite"/> on the general path (Math.NET's managed provider, no SIMD lanes).</summary>
[TestClass]
public sealed class GeneralPathLayoutTests : LayoutSuite
{
    private static readonly CpuBackend Cpu = CpuBackend.CreateManaged(smallMatrixPath: SmallMatrixPath.Never);

    protected override CpuBackend Backend => Cpu;
}

/// <summary><see cref="LayoutSuite"/> with every QR-method projector that fits on the SIMD lanes.</summary>
[TestClass]
public sealed class LanesLayoutTests : LayoutSuite
{
    private static readonly CpuBackend Cpu = CpuBackend.CreateManaged(smallMatrixPath: SmallMatrixPath.Always);

    protected override CpuBackend Backend => Cpu;
}
