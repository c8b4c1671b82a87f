using System.Numerics;
using OrthoProj.Tests.Support;

namespace OrthoProj.Tests.Conformance;

/// <summary>
/// Given outputs, on every binding: Qr, Pinv, their backward passes and the projector's eight
/// operations write into the caller's batches (column-major, and row-major on the host) and return
/// them; the values equal the allocated path's; no result is allocated and copied in
/// (<see cref="Backend.ResultAllocations"/>, <see cref="Backend.DeliveredCopies"/>); bad outputs are
/// refused by name before anything runs.
/// </summary>
public abstract partial class ConformanceSuite
{
    private const double OutputTol = 1e-13;

    /// <summary>The layouts an output can have here: row-major batches exist on the host only.</summary>
    private MatrixLayout[] OutputLayouts => Backend.Device == DeviceKind.Cpu ? [MatrixLayout.ColumnMajor, MatrixLayout.RowMajor] : [MatrixLayout.ColumnMajor];

    /// <summary>Whether the backend is one of OrthoProj's own (a test's wrapping backend may copy through Deliver).</summary>
    private bool CountsOwnResults => Backend is CpuBackend or CudaBackend;

    [TestMethod]
    public void QrPinvAndBackwards_GivenOutputsOfEitherLayout_AreReturnedAndHoldTheResults()
    {
        foreach (var (m, n) in new[] { (7, 4), (5, 5), (3, 6) })
        {
            int k = Math.Min(m, n);
            MatrixBatch<double> a = Up(FullRankData.Random<double>(m, n, 3, seed: (m * 13) + n));
            foreach (QrMode mode in new[] { QrMode.Reduced, QrMode.Complete })
            {
                int c = mode == QrMode.Reduced ? k : m;
                Given(2, () => Backend.Qr(a, mode) is var qr ? [qr.Q, qr.R] : [], o =>
                {
                    QrResult<double> qr = Backend.Qr(a, mode, o[0], o[1]);
                    return [qr.Q, qr.R];
                }, [(m, c), (c, n)], $"Qr {m}x{n} {mode}");
            }

            using QrResult<double> factors = Backend.Qr(a);
            MatrixBatch<double> gq = Up(TestData.Random<double>(m, k, 3, seed: 5)), gr = Up(TestData.Random<double>(k, n, 3, seed: 6));
            Given(1, () => [Backend.QrBackward(factors.Q, factors.R, gq, gr)], o => [Backend.QrBackward(factors.Q, factors.R, gq, gr, o[0])], [(m, n)], $"QrBackward {m}x{n}");

            Given(1, () => [Backend.Pinv(a).Pinv], o => [Backend.Pinv(a, output: o[0]).Pinv], [(n, m)], $"Pinv {m}x{n}");
            using PinvResult<double> x = Backend.Pinv(a);
            MatrixBatch<double> gx = Up(TestData.Random<double>(n, m, 3, seed: 7));
            Given(1, () => [Backend.PinvBackward(a, x.Pinv, gx)], o => [Backend.PinvBackward(a, x.Pinv, gx, o[0])], [(m, n)], $"PinvBackward {m}x{n}");
        }
    }

    [TestMethod]
    public void ProjectorOperationsAndBackwards_GivenOutputsOfEitherLayout_AreReturnedAndHoldTheResults()
    {
        foreach (ProjectorMethod method in new[] { ProjectorMethod.Qr, ProjectorMethod.Svd })
        {
            const int m = 7, n = 4, p = 2;
            using Projector<double> proj = Backend.Projector(Up(FullRankData.Random<double>(m, n, 3, seed: 21)), method);
            MatrixBatch<double> y = Up(TestData.Random<double>(m, p, 3, seed: 22)), g = Up(TestData.Random<double>(m, p, 3, seed: 23));
            MatrixBatch<double> gx = Up(TestData.Random<double>(n, p, 3, seed: 24)), gp = Up(TestData.Random<double>(m, m, 3, seed: 25));
            string s = $", {method}";
            Given(1, () => [proj.Project(y)], o => [proj.Project(y, o[0])], [(m, p)], "Project" + s);
            Given(1, () => [proj.Residual(y)], o => [proj.Residual(y, o[0])], [(m, p)], "Residual" + s);
            Given(1, () => [proj.Solve(y)], o => [proj.Solve(y, o[0])], [(n, p)], "Solve" + s);
            Given(1, () => [proj.Matrix()], o => [proj.Matrix(o[0])], [(m, m)], "Matrix" + s);
            Given(1, () => [proj.MatrixBackward(gp)], o => [proj.MatrixBackward(gp, o[0])], [(m, n)], "MatrixBackward" + s);
            Given(2, () => Pair(proj.ProjectBackward(y, g)), o => Pair(proj.ProjectBackward(y, g, o[0], o[1])), [(m, n), (m, p)], "ProjectBackward" + s);
            Given(2, () => Pair(proj.ResidualBackward(y, g)), o => Pair(proj.ResidualBackward(y, g, o[0], o[1])), [(m, n), (m, p)], "ResidualBackward" + s);
            Given(2, () => Pair(proj.SolveBackward(y, gx)), o => Pair(proj.SolveBackward(y, gx, o[0], o[1])), [(m, n), (m, p)], "SolveBackward" + s);

            // Y without columns: gA is zero, written into a given output that held something else.
            MatrixBatch<double> y0 = Backend.Zeros<double>(m, 0, 3);
            using MatrixBatch<double> ga = Up(TestData.Random<double>(m, n, 3, seed: 26));
            Assert.AreSame(ga, proj.ProjectBackward(y0, y0, gradA: ga).GradA);
            Assert.IsTrue(ga.ToArray().All(v => v == 0), "gA for p = 0 into a given output is zero" + s);
        }

        static MatrixBatch<double>[] Pair(ProjectorGradients<double> gr) => [gr.GradA, gr.GradY];
    }

    [TestMethod]
    public void DisposingAResult_ReleasesWhatTheOperationAllocated_AndLeavesGivenOutputsToTheCaller()
    {
        const int m = 7, n = 4, p = 2;
        MatrixBatch<double> a = Up(FullRankData.Random<double>(m, n, 2, seed: 31));
        MatrixBatch<double> y = Up(TestData.Random<double>(m, p, 2, seed: 32));
        using MatrixBatch<double> q = NaNs(m, n, 2, MatrixLayout.ColumnMajor), ga = NaNs(m, n, 2, MatrixLayout.ColumnMajor), x = NaNs(n, m, 2, MatrixLayout.ColumnMajor);

        QrResult<double> qr = Backend.Qr(a, q: q);
        qr.Dispose();
        Assert.IsFalse(q.IsDisposed, "Qr: the given Q");
        Assert.IsTrue(qr.R.IsDisposed, "Qr: the R it allocated");

        PinvResult<double> pinv = Backend.Pinv(a, output: x);
        pinv.Dispose();
        Assert.IsFalse(x.IsDisposed, "Pinv: the given output");

        using Projector<double> proj = Backend.Projector(a);
        ProjectorGradients<double> gradients = proj.ProjectBackward(y, y, gradA: ga);
        gradients.Dispose();
        Assert.IsFalse(ga.IsDisposed, "ProjectBackward: the given gA");
        Assert.IsTrue(gradients.GradY.IsDisposed, "ProjectBackward: the gy it allocated");
    }

    [TestMethod]
    public void QrPinvAndBackwards_BadOutputs_AreRefusedByNameBeforeAnythingRuns()
    {
        const int m = 5, n = 3;
        MatrixBatch<double> a = Up(FullRankData.Random<double>(m, n, 2, seed: 31));
        using QrResult<double> qr = Backend.Qr(a);
        using PinvResult<double> x = Backend.Pinv(a);
        long copies = Backend.DeliveredCopies;

        // Wrong shape, wrong count.
        Refused<ArgumentException>("q", () => Backend.Qr(a, q: Backend.Zeros<double>(m, m, 2)));
        Refused<ArgumentException>("r", () => Backend.Qr(a, QrMode.Reduced, null, Backend.Zeros<double>(n, n, 3)));
        Refused<ArgumentException>("r", () => Backend.Qr(a, QrMode.Complete, Backend.Zeros<double>(m, m, 2), Backend.Zeros<double>(n, n, 2)));
        Refused<ArgumentException>("output", () => Backend.Pinv(a, output: Backend.Zeros<double>(m, n, 2)));
        Refused<ArgumentException>("output", () => Backend.QrBackward(qr.Q, qr.R, qr.Q, null, Backend.Zeros<double>(m, n, 1)));
        Refused<ArgumentException>("output", () => Backend.PinvBackward(a, x.Pinv, x.Pinv, Backend.Zeros<double>(n, m, 2)));

        // An input as the output, or one batch for both factors.
        Refused<ArgumentException>("output", () => Backend.PinvBackward(a, x.Pinv, x.Pinv, a));
        MatrixBatch<double> square = Up(FullRankData.Random<double>(n, n, 2, seed: 32));
        MatrixBatch<double> both = Backend.Zeros<double>(n, n, 2);
        Refused<ArgumentException>("q", () => Backend.Qr(square, QrMode.Reduced, both, both));
        Refused<ArgumentException>("q", () => Backend.Qr(square, QrMode.Reduced, square));

        // Disposed.
        MatrixBatch<double> disposed = Backend.Zeros<double>(n, m, 2);
        disposed.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => Backend.Pinv(a, output: disposed));
        MatrixBatch<double> disposedGa = Backend.Zeros<double>(m, n, 2);
        disposedGa.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => Backend.QrBackward(qr.Q, qr.R, qr.Q, null, disposedGa));
        Assert.ThrowsExactly<ObjectDisposedException>(() => Backend.PinvBackward(a, x.Pinv, x.Pinv, disposedGa));

        // Another backend's memory.
        var foreign = new ForeignBatch<double>(m, n, 2);
        Refused<ArgumentException>("output", () => Backend.PinvBackward(a, x.Pinv, x.Pinv, foreign));
        Refused<ArgumentException>("q", () => Backend.Qr(a, QrMode.Reduced, new ForeignBatch<double>(m, n, 2)));
        Refused<ArgumentException>("output", () => Backend.Pinv(a, output: new ForeignBatch<double>(n, m, 2)));
        Refused<ArgumentException>("output", () => Backend.QrBackward(qr.Q, qr.R, qr.Q, null, foreign));
        Assert.AreEqual(copies, Backend.DeliveredCopies, "nothing delivered");

        static void Refused<TException>(string name, Action call)
            where TException : ArgumentException => Assert.AreEqual(name, Assert.ThrowsExactly<TException>(call).ParamName);
    }

    /// <summary>
    /// Runs <paramref name="allocated"/> (new results) and <paramref name="given"/> with outputs of
    /// each layout: the given batches are the ones returned, their values equal the new results', and
    /// on OrthoProj's backends the call allocates exactly <paramref name="results"/> result batches
    /// fewer and copies none through Deliver.
    /// </summary>
    private void Given(int results, Func<MatrixBatch<double>[]> allocated, Func<MatrixBatch<double>[], MatrixBatch<double>[]> given, (int Rows, int Cols)[] shapes, string what)
    {
        long before = Backend.ResultAllocations;
        MatrixBatch<double>[] expected = allocated();
        long allocatedCount = Backend.ResultAllocations - before;
        int count = expected[0].Count;
        foreach (MatrixLayout layout in OutputLayouts)
        {
            // NaN everywhere: a result element the call did not write would show.
            MatrixBatch<double>[] outputs = shapes.Select(s => NaNs(s.Rows, s.Cols, count, layout)).ToArray();
            long copies = Backend.DeliveredCopies, allocations = Backend.ResultAllocations;
            MatrixBatch<double>[] returned = given(outputs);
            string how = $"{what}, outputs {layout}";
            for (int i = 0; i < results; i++)
            {
                Assert.AreSame(outputs[i], returned[i], $"{how}: output {i} is the batch returned");
                TestData.AssertClose(outputs[i].ToHost(), expected[i].ToHost(), OutputTol, $"{how}, output {i}");
            }

            if (CountsOwnResults)
            {
                Assert.AreEqual(copies, Backend.DeliveredCopies, $"{how}: no result copied into the outputs");
                Assert.AreEqual(allocatedCount - results, Backend.ResultAllocations - allocations, $"{how}: the outputs take the place of the {results} result allocation(s)");
            }

            foreach (MatrixBatch<double> o in outputs)
            {
                Assert.IsFalse(o.IsDisposed, $"{how}: a given output stays the caller's");
                o.Dispose();
            }
        }
    }

    /// <summary>A batch of this backend filled with NaN, in <paramref name="layout"/> (row-major: a host batch).</summary>
    private MatrixBatch<double> NaNs(int rows, int cols, int count, MatrixLayout layout)
    {
        double[] data = Enumerable.Repeat(double.NaN, rows * cols * count).ToArray();
        return layout == MatrixLayout.RowMajor
            ? HostMatrixBatch<double>.Wrap(data, rows, cols, count, layout)
            : Backend.FromHost<double>(data, rows, cols, count);
    }

    /// <summary>A batch of no backend under test: every backend refuses it as an output.</summary>
    private sealed class ForeignBatch<T>(int rows, int cols, int count) : MatrixBatch<T>(rows, cols, count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private static readonly Backend Other = CpuBackend.CreateManaged();

        public override DeviceKind Device => DeviceKind.Cpu;

        public override Backend Backend => Other;

        protected override void CopyToCore(Span<T> destination) => destination.Clear();

        internal override void Assign(MatrixBatch<T> source) => throw new InvalidOperationException("A foreign batch is never written.");
    }
}
