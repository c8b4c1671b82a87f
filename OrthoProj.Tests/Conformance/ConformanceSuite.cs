using System.Numerics;
using OrthoProj.Bench.Demo;
using OrthoProj.Tests.Support;

namespace OrthoProj.Tests.Conformance;

/// <summary>
/// The conformance suite, written once and bound to each backend by a subclass. References are
/// independent of the code under test: central finite differences in float64 for every backward,
/// algebraic identities for every forward, looped single matrices for batches, and float64 results
/// for float32 (tolerances scaled by float32's eps and the test matrices' conditioning). The
/// pseudo-inverse's part is in ConformanceSuite.Pinv.cs.
/// </summary>
public abstract partial class ConformanceSuite
{
    /// <summary>Tall, square, wide, 1 x 1, single column and single row.</summary>
    private static readonly (int M, int N)[] AllShapes = [(7, 4), (5, 5), (3, 6), (1, 1), (6, 1), (1, 4)];

    /// <summary>Shapes the QR-method projector accepts (m &gt;= n).</summary>
    private static readonly (int M, int N)[] TallShapes = [(7, 4), (5, 5), (1, 1), (6, 1)];

    private const double DoubleTol = 1e-10;
    private const double GradTol = 1e-8;      // central differences with h = 1e-6: truncation ~h^2, rounding ~eps/h = 1e-10
    private const double FloatTol = 2e-4;     // ~ 1700 eps32: random matrices here have condition numbers below ~100

    /// <summary>The backend under test; throws AssertInconclusiveException (skipped) when absent.</summary>
    protected abstract Backend Backend { get; }

    /// <summary>Reports the whole class as skipped, with the reason, where the backend is absent.</summary>
    [TestInitialize]
    public void RequireBackend() => _ = Backend;

    // ---------------------------------------------------------------- QR

    [TestMethod]
    public void Qr_Reduced_ReconstructsAndIsOrthonormal()
    {
        foreach (var (m, n) in AllShapes)
        {
            HostMatrixBatch<double> a = TestData.Random<double>(m, n, 3, seed: (m * 31) + n);
            using QrResult<double> qr = Backend.Qr(Up(a));
            int k = Math.Min(m, n);
            Assert.AreEqual($"3 x ({m} x {k})", qr.Q.Shape);
            Assert.AreEqual($"3 x ({k} x {n})", qr.R.Shape);
            CheckQr(a, qr.Q.ToHost(), qr.R.ToHost(), DoubleTol, $"{m}x{n}");
        }
    }

    [TestMethod]
    public void Qr_Complete_ReconstructsWithSquareQ()
    {
        foreach (var (m, n) in AllShapes)
        {
            HostMatrixBatch<double> a = TestData.Random<double>(m, n, 2, seed: (m * 17) + n);
            using QrResult<double> qr = Backend.Qr(Up(a), QrMode.Complete);
            Assert.AreEqual($"2 x ({m} x {m})", qr.Q.Shape);
            Assert.AreEqual($"2 x ({m} x {n})", qr.R.Shape);
            CheckQr(a, qr.Q.ToHost(), qr.R.ToHost(), DoubleTol, $"{m}x{n} complete");
        }
    }

    [TestMethod]
    public void Qr_Float32_WithinEpsScaledTolerance()
    {
        foreach (var (m, n) in AllShapes)
        {
            HostMatrixBatch<float> a = TestData.Random<float>(m, n, 2, seed: m + (n * 7));
            using QrResult<float> qr = Backend.Qr(Up(a));
            CheckQr(TestData.ToDouble(a), TestData.ToDouble(qr.Q.ToHost()), TestData.ToDouble(qr.R.ToHost()), FloatTol, $"{m}x{n} float32");
        }
    }

    [TestMethod]
    public void QrBackward_MatchesFiniteDifferences()
    {
        foreach (var (m, n) in AllShapes)
        {
            int k = Math.Min(m, n);
            HostMatrixBatch<double> a = TestData.Random<double>(m, n, 2, seed: (m * 5) + n);
            HostMatrixBatch<double> gq = TestData.Random<double>(m, k, 2, seed: 100 + m);
            HostMatrixBatch<double> gr = TestData.Random<double>(k, n, 2, seed: 200 + n);
            foreach (var (useQ, useR) in new[] { (true, true), (true, false), (false, true) })
            {
                using QrResult<double> qr = Backend.Qr(Up(a));
                using MatrixBatch<double> ga = Backend.QrBackward(qr.Q, qr.R, useQ ? Up(gq) : null, useR ? Up(gr) : null);
                HostMatrixBatch<double> fd = FiniteDifferences.Gradient(a, x =>
                {
                    using QrResult<double> f = Backend.Qr(Up(x));
                    return (useQ ? TestData.Dot(f.Q.ToHost(), gq) : 0) + (useR ? TestData.Dot(f.R.ToHost(), gr) : 0);
                });
                TestData.AssertClose(ga.ToHost(), fd, GradTol, $"QrBackward {m}x{n} gQ={useQ} gR={useR}");
            }
        }
    }

    [TestMethod]
    public void QrBackward_Float32_MatchesFloat64()
    {
        foreach (var (m, n) in AllShapes)
        {
            int k = Math.Min(m, n);
            HostMatrixBatch<double> a = TestData.Random<double>(m, n, 2, seed: (m * 3) + n);
            HostMatrixBatch<double> gq = TestData.Random<double>(m, k, 2, seed: 300 + m);
            HostMatrixBatch<double> gr = TestData.Random<double>(k, n, 2, seed: 400 + n);
            using QrResult<double> qr64 = Backend.Qr(Up(a));
            using MatrixBatch<double> ga64 = Backend.QrBackward(qr64.Q, qr64.R, Up(gq), Up(gr));
            using QrResult<float> qr32 = Backend.Qr(Up(TestData.Convert<float>(a)));
            using MatrixBatch<float> ga32 = Backend.QrBackward(qr32.Q, qr32.R, Up(TestData.Convert<float>(gq)), Up(TestData.Convert<float>(gr)));
            TestData.AssertClose(ga32.ToHost(), ga64.ToHost(), FloatTol * 10, $"QrBackward float32 {m}x{n}");
        }
    }

    [TestMethod]
    public void QrBackward_RejectsCompleteModeForTallMatrices()
    {
        using var a = Up(TestData.Random<double>(5, 3, 1, seed: 1));
        using QrResult<double> qr = Backend.Qr(a, QrMode.Complete);
        using var gq = Backend.Zeros<double>(5, 5, 1);
        var e = Assert.ThrowsExactly<NotSupportedException>(() => Backend.QrBackward(qr.Q, qr.R, gq, null));
        StringAssert.Contains(e.Message, "complete");
    }

    // ---------------------------------------------------------------- projector forward

    [TestMethod]
    [DataRow(ProjectorMethod.Qr)]
    [DataRow(ProjectorMethod.Svd)]
    public void Projector_ForwardIdentities(ProjectorMethod method)
    {
        foreach (var (m, n) in method == ProjectorMethod.Qr ? TallShapes : AllShapes)
        {
            HostMatrixBatch<double> a = TestData.Random<double>(m, n, 3, seed: (m * 19) + n);
            HostMatrixBatch<double> y = TestData.Random<double>(m, 2, 3, seed: m + 77);
            using Projector<double> proj = Backend.Projector(Up(a), method);
            HostMatrixBatch<double> p = proj.Matrix().ToHost();
            string where = $"{method} {m}x{n}";
            TestData.AssertClose(TestData.Product(p, p), p, DoubleTol, $"P^2 = P, {where}");
            TestData.AssertClose(TestData.Transpose(p), p, DoubleTol, $"P^T = P, {where}");
            TestData.AssertClose(TestData.Product(p, a), a, DoubleTol, $"P A = A, {where}");
            TestData.AssertClose(proj.Project(Up(y)).ToHost(), TestData.Product(p, y), DoubleTol, $"Project = P y, {where}");
            HostMatrixBatch<double> e = proj.Residual(Up(y)).ToHost();
            TestData.AssertClose(e, Subtract(y, TestData.Product(p, y)), DoubleTol, $"Residual = y - P y, {where}");
            TestData.AssertClose(TestData.Product(a, e, transA: true), new HostMatrixBatch<double>(n, 2, 3), DoubleTol, $"A^T e = 0, {where}");
            using PinvResult<double> pinv = Backend.Pinv(Up(a));
            TestData.AssertClose(proj.Solve(Up(y)).ToHost(), TestData.Product(pinv.Pinv.ToHost(), y), DoubleTol, $"Solve = A+ y, {where}");
        }
    }

    [TestMethod]
    public void Projector_Residual_IsAccurateForYNearlyInRange()
    {
        // y = A c + 1e-10 d with d orthogonal to range(A): one pass would lose the residual to cancellation.
        HostMatrixBatch<double> a = TestData.Random<double>(9, 3, 1, seed: 5);
        using Projector<double> proj = Backend.Projector(Up(a));
        HostMatrixBatch<double> d = proj.Residual(Up(TestData.Random<double>(9, 1, 1, seed: 6))).ToHost();
        HostMatrixBatch<double> y = TestData.Product(a, TestData.Random<double>(3, 1, 1, seed: 8));
        for (int i = 0; i < 9; i++)
        {
            y[0, i, 0] += 1e-10 * d[0, i, 0];
        }

        HostMatrixBatch<double> e = proj.Residual(Up(y)).ToHost();
        for (int i = 0; i < 9; i++)
        {
            Assert.AreEqual(1e-10 * d[0, i, 0], e[0, i, 0], 1e-15, $"residual entry {i}");
        }
    }

    [TestMethod]
    public void Projector_Svd_RankDeficient_ProjectsOntoRange()
    {
        HostMatrixBatch<double> a = TestData.LowRank<double>(7, 4, rank: 2, count: 2, seed: 31);
        using Projector<double> proj = Backend.Projector(Up(a), ProjectorMethod.Svd);
        CollectionAssert.AreEqual(new[] { 2, 2 }, proj.Rank.ToArray());
        HostMatrixBatch<double> p = proj.Matrix().ToHost();
        TestData.AssertClose(TestData.Product(p, a), a, 1e-9, "P A = A");
        TestData.AssertClose(TestData.Product(p, p), p, 1e-9, "P^2 = P");
    }

    [TestMethod]
    [DataRow(ProjectorMethod.Qr)]
    [DataRow(ProjectorMethod.Svd)]
    public void Projector_BatchedEqualsLooped(ProjectorMethod method)
    {
        HostMatrixBatch<double> a = TestData.Random<double>(6, 3, 4, seed: 90);
        HostMatrixBatch<double> y = TestData.Random<double>(6, 2, 4, seed: 91);
        HostMatrixBatch<double> g = TestData.Random<double>(6, 2, 4, seed: 92);
        using Projector<double> batched = Backend.Projector(Up(a), method);
        using ProjectorGradients<double> grads = batched.ProjectBackward(Up(y), Up(g));
        double[] z = batched.Project(Up(y)).ToArray(), ga = grads.GradA.ToArray();
        for (int b = 0; b < 4; b++)
        {
            using Projector<double> single = Backend.Projector(Up(Slice(a, b)), method);
            using ProjectorGradients<double> sg = single.ProjectBackward(Up(Slice(y, b)), Up(Slice(g, b)));
            // Equal to rounding, not bit for bit: a BLAS may pick other kernels for a batch than for one matrix.
            TestData.AssertClose(Slice(z, 6, 2, b), single.Project(Up(Slice(y, b))).ToHost(), 1e-13, $"Project, matrix {b}");
            TestData.AssertClose(Slice(ga, 6, 3, b), sg.GradA.ToHost(), 1e-13, $"gA, matrix {b}");
        }
    }

    // ---------------------------------------------------------------- projector backward

    [TestMethod]
    [DataRow(ProjectorMethod.Qr)]
    [DataRow(ProjectorMethod.Svd)]
    public void ProjectorBackward_MatchesFiniteDifferences(ProjectorMethod method)
    {
        foreach (var (m, n) in method == ProjectorMethod.Qr ? TallShapes : AllShapes)
        {
            if (m == n && method == ProjectorMethod.Qr && m > 1)
            {
                continue; // P = I for square full-rank A: every gradient is zero; (1, 1) keeps the square case.
            }

            const int p = 2;
            HostMatrixBatch<double> a = TestData.Random<double>(m, n, 2, seed: (m * 23) + n);
            HostMatrixBatch<double> y = TestData.Random<double>(m, p, 2, seed: 600 + m);
            HostMatrixBatch<double> gm = TestData.Random<double>(m, p, 2, seed: 700 + m);
            HostMatrixBatch<double> gn = TestData.Random<double>(n, p, 2, seed: 800 + n);
            HostMatrixBatch<double> gpm = TestData.Random<double>(m, m, 2, seed: 900 + m);
            string where = $"{method} {m}x{n}";
            CheckProjectorGradients(a, y, gm, gn, gpm, method, where);
        }
    }

    [TestMethod]
    public void ProjectorBackward_Svd_RankDeficient_MatchesFiniteDifferencesAlongRankPreservingPaths()
    {
        HostMatrixBatch<double> b = TestData.Random<double>(6, 2, 1, seed: 41);
        HostMatrixBatch<double> c = TestData.Random<double>(2, 4, 1, seed: 42);
        HostMatrixBatch<double> y = TestData.Random<double>(6, 2, 1, seed: 43);
        HostMatrixBatch<double> gy = TestData.Random<double>(6, 2, 1, seed: 44);
        HostMatrixBatch<double> gx = TestData.Random<double>(4, 2, 1, seed: 45);
        HostMatrixBatch<double> a = TestData.Product(b, c);
        using Projector<double> proj = Backend.Projector(Up(a), ProjectorMethod.Svd);
        var cases = new (string Name, Func<Projector<double>, MatrixBatch<double>> Forward, HostMatrixBatch<double> G, MatrixBatch<double> GradA)[]
        {
            ("Project", pr => pr.Project(Up(y)), gy, proj.ProjectBackward(Up(y), Up(gy)).GradA),
            ("Residual", pr => pr.Residual(Up(y)), gy, proj.ResidualBackward(Up(y), Up(gy)).GradA),
            ("Solve", pr => pr.Solve(Up(y)), gx, proj.SolveBackward(Up(y), Up(gx)).GradA),
        };
        foreach (var (name, forward, g, gradA) in cases)
        {
            double Loss(HostMatrixBatch<double> bb, HostMatrixBatch<double> cc)
            {
                using Projector<double> f = Backend.Projector(Up(TestData.Product(bb, cc)), ProjectorMethod.Svd);
                Assert.AreEqual(2, f.Rank[0]);
                return TestData.Dot(forward(f).ToHost(), g);
            }

            HostMatrixBatch<double> ga = gradA.ToHost();
            TestData.AssertClose(TestData.Product(ga, c, transB: true), FiniteDifferences.Gradient(b, bb => Loss(bb, c)), GradTol, $"{name} dL/dB");
            TestData.AssertClose(TestData.Product(b, ga, transA: true), FiniteDifferences.Gradient(c, cc => Loss(b, cc)), GradTol, $"{name} dL/dC");
        }
    }

    [TestMethod]
    [DataRow(ProjectorMethod.Qr)]
    [DataRow(ProjectorMethod.Svd)]
    public void ProjectBackward_GradientIsOrthogonalToRange(ProjectorMethod method)
    {
        HostMatrixBatch<double> a = TestData.Random<double>(10, 4, 3, seed: 51);
        using Projector<double> proj = Backend.Projector(Up(a), method);
        using ProjectorGradients<double> g = proj.ProjectBackward(Up(TestData.Random<double>(10, 3, 3, seed: 52)), Up(TestData.Random<double>(10, 3, 3, seed: 53)));
        TestData.AssertClose(TestData.Product(a, g.GradA.ToHost(), transA: true), new HostMatrixBatch<double>(4, 4, 3), DoubleTol, "A^T gA = 0");
    }

    [TestMethod]
    [DataRow(ProjectorMethod.Qr)]
    [DataRow(ProjectorMethod.Svd)]
    public void ProjectorBackward_Float32_MatchesFloat64(ProjectorMethod method)
    {
        HostMatrixBatch<double> a = TestData.Random<double>(12, 5, 3, seed: 61);
        HostMatrixBatch<double> y = TestData.Random<double>(12, 2, 3, seed: 62);
        HostMatrixBatch<double> g = TestData.Random<double>(12, 2, 3, seed: 63);
        using Projector<double> p64 = Backend.Projector(Up(a), method);
        using Projector<float> p32 = Backend.Projector(Up(TestData.Convert<float>(a)), method);
        using ProjectorGradients<double> g64 = p64.ProjectBackward(Up(y), Up(g));
        using ProjectorGradients<float> g32 = p32.ProjectBackward(Up(TestData.Convert<float>(y)), Up(TestData.Convert<float>(g)));
        TestData.AssertClose(p32.Project(Up(TestData.Convert<float>(y))).ToHost(), p64.Project(Up(y)).ToHost(), FloatTol, "Project float32");
        TestData.AssertClose(g32.GradA.ToHost(), g64.GradA.ToHost(), FloatTol, "gA float32");
        TestData.AssertClose(g32.GradY.ToHost(), g64.GradY.ToHost(), FloatTol, "gY float32");
    }

    [TestMethod]
    public void Projector_GivenOutputs_ReceiveExactlyTheResults()
    {
        foreach (ProjectorMethod method in new[] { ProjectorMethod.Qr, ProjectorMethod.Svd })
        {
            HostMatrixBatch<double> a = TestData.Random<double>(7, 4, 3, seed: 11);
            MatrixBatch<double> y = Up(TestData.Random<double>(7, 2, 3, seed: 12)), gx = Up(TestData.Random<double>(4, 2, 3, seed: 13));
            using Projector<double> p = Backend.Projector(Up(a), method);
            Into(p.Project(y), o => p.Project(y, o), $"Project, {method}");
            Into(p.Residual(y), o => p.Residual(y, o), $"Residual, {method}");
            Into(p.Solve(y), o => p.Solve(y, o), $"Solve, {method}");
            Into(p.Matrix(), o => p.Matrix(o), $"Matrix, {method}");
            using MatrixBatch<double> gp = p.Matrix();
            Into(p.MatrixBackward(gp), o => p.MatrixBackward(gp, o), $"MatrixBackward, {method}");
            using ProjectorGradients<double> expected = p.SolveBackward(y, gx);
            Into(expected.GradA, o => p.SolveBackward(y, gx, gradA: o).GradA, $"SolveBackward gA, {method}");
            Into(expected.GradY, o => p.SolveBackward(y, gx, gradY: o).GradY, $"SolveBackward gy, {method}");
            using ProjectorGradients<double> pb = p.ProjectBackward(y, y);
            Into(pb.GradA, o => p.ProjectBackward(y, y, gradA: o).GradA, $"ProjectBackward gA, {method}");
        }

        void Into(MatrixBatch<double> expected, Func<MatrixBatch<double>, MatrixBatch<double>> op, string what)
        {
            using MatrixBatch<double> output = Backend.Zeros<double>(expected.Rows, expected.Cols, expected.Count);
            Assert.AreSame(output, op(output), $"{what}: the given output is returned");
            CollectionAssert.AreEqual(expected.ToArray(), output.ToArray(), what);
        }
    }

    // ---------------------------------------------------------------- the original report

    [TestMethod]
    public void OriginalReport_GradientOfSumPinv_MatchesFiniteDifferences()
    {
        // L = sum(pinv(V)), V = rand(32, 16) float32: gradient in float32, checked against float64 differences.
        HostMatrixBatch<float> v = OriginalReport.V();
        using PinvResult<float> p = Backend.Pinv(Up(v));
        using var ones = Up(Ones<float>(16, 32));
        HostMatrixBatch<float> grad = Backend.PinvBackward(Up(v), p.Pinv, ones).ToHost();
        TestData.AssertClose(OriginalReport.PinvLossGradient(Backend, v).ToHost(), grad, 0, "the demo's route");
        HostMatrixBatch<double> fd = FiniteDifferences.Gradient(TestData.ToDouble(v), x => OriginalReport.PinvLoss(Backend, x));
        TestData.AssertClose(grad, fd, 1e-3, "d sum(pinv(V)) / dV");
    }

    [TestMethod]
    public void OriginalReport_GradientOfQrLoss_MatchesProjectorAndFiniteDifferences()
    {
        // L = sum((Q^T y)^T Q^T) = 1^T Q Q^T y with y = e1: dL/dQ = 1 (Q^T y)^T + y (Q^T 1)^T through QrBackward,
        // and the same L = <1, P y> through the projector's direct gradient.
        HostMatrixBatch<float> v = OriginalReport.V();
        HostMatrixBatch<float> y = OriginalReport.E1();
        HostMatrixBatch<float> viaQr = OriginalReport.QrLossGradient(Backend, v, y).ToHost();
        using Projector<float> proj = Backend.Projector(Up(v));
        using ProjectorGradients<float> viaProjector = proj.ProjectBackward(Up(y), Up(Ones<float>(32, 1)));
        TestData.AssertClose(viaQr, viaProjector.GradA.ToHost(), 1e-4, "QR route = projector route");
        HostMatrixBatch<double> fd = FiniteDifferences.Gradient(TestData.ToDouble(v), x => OriginalReport.QrLoss(Backend, x, TestData.ToDouble(y)));
        TestData.AssertClose(viaQr, fd, 1e-4, "d sum((Q^T y)^T Q^T) / dV");
    }

    // ---------------------------------------------------------------- bad input

    [TestMethod]
    public void BadInput_NonFiniteValues_AreReportedWithTheirPosition()
    {
        HostMatrixBatch<double> a = TestData.Random<double>(4, 3, 2, seed: 1);
        a[1, 2, 1] = double.NaN;
        var e = Assert.ThrowsExactly<NonFiniteInputException>(() => Backend.Qr(Up(a)));
        Assert.AreEqual((1, 2, 1), (e.MatrixIndex, e.Row, e.Col));
        Assert.AreEqual("a", e.ParamName);
        a[1, 2, 1] = double.PositiveInfinity;
        Assert.ThrowsExactly<NonFiniteInputException>(() => Backend.Pinv(Up(a)));
        Assert.ThrowsExactly<NonFiniteInputException>(() => Backend.Projector(Up(a)));
        using Projector<double> proj = Backend.Projector(Up(TestData.Random<double>(4, 3, 2, seed: 2)));
        HostMatrixBatch<double> y = TestData.Random<double>(4, 1, 2, seed: 3);
        y[0, 3, 0] = double.NaN;
        Assert.AreEqual("y", Assert.ThrowsExactly<NonFiniteInputException>(() => proj.Project(Up(y))).ParamName);
    }

    [TestMethod]
    public void BadInput_ShapeMismatches_NameTheArgument()
    {
        using var a = Up(TestData.Random<double>(5, 3, 2, seed: 1));
        using Projector<double> proj = Backend.Projector(a);
        Assert.AreEqual("y", Assert.ThrowsExactly<ArgumentException>(() => proj.Project(Backend.Zeros<double>(4, 1, 2))).ParamName);
        Assert.AreEqual("y", Assert.ThrowsExactly<ArgumentException>(() => proj.Solve(Backend.Zeros<double>(5, 1, 3))).ParamName);
        Assert.AreEqual("gradZ", Assert.ThrowsExactly<ArgumentException>(() => proj.ProjectBackward(Backend.Zeros<double>(5, 1, 2), Backend.Zeros<double>(5, 2, 2))).ParamName);
        Assert.AreEqual("gradX", Assert.ThrowsExactly<ArgumentException>(() => proj.SolveBackward(Backend.Zeros<double>(5, 1, 2), Backend.Zeros<double>(5, 1, 2))).ParamName);
        Assert.AreEqual("gradP", Assert.ThrowsExactly<ArgumentException>(() => proj.MatrixBackward(Backend.Zeros<double>(5, 3, 2))).ParamName);
        using QrResult<double> qr = Backend.Qr(a);
        Assert.AreEqual("gradR", Assert.ThrowsExactly<ArgumentException>(() => Backend.QrBackward(qr.Q, qr.R, null, Backend.Zeros<double>(3, 3, 1))).ParamName);
        using PinvResult<double> p = Backend.Pinv(a);
        Assert.AreEqual("gradPinv", Assert.ThrowsExactly<ArgumentException>(() => Backend.PinvBackward(a, p.Pinv, Backend.Zeros<double>(5, 3, 2))).ParamName);
        Assert.AreEqual("a", Assert.ThrowsExactly<ArgumentException>(() => Backend.Projector(Up(TestData.Random<double>(3, 5, 1, seed: 2)))).ParamName);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Backend.Pinv(a, new RankTolerance(Atol: -1)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Backend.Pinv(a, new RankTolerance(Rtol: double.NaN)));
    }

    [TestMethod]
    public void BadInput_RankDeficientUnderQr_NamesMatrixAndRank()
    {
        HostMatrixBatch<double> a = TestData.Random<double>(6, 4, 3, seed: 1);
        HostMatrixBatch<double> bad = TestData.LowRank<double>(6, 4, rank: 2, count: 1, seed: 9);
        bad.Span.CopyTo(a.GetMatrix(2));
        var e = Assert.ThrowsExactly<RankDeficientException>(() => Backend.Projector(Up(a)));
        Assert.AreEqual(2, e.MatrixIndex);
        Assert.IsLessThan(4, e.Rank);
        StringAssert.Contains(e.Message, "ProjectorMethod.Svd");
        using Projector<double> svd = Backend.Projector(Up(a), ProjectorMethod.Svd);
        Assert.AreEqual(2, svd.Rank[2]);
    }

    [TestMethod]
    public void BadInput_DisposedObjects_Throw()
    {
        var a = Up(TestData.Random<double>(4, 2, 1, seed: 1));
        Projector<double> proj = Backend.Projector(a);
        proj.Dispose();
        proj.Dispose(); // idempotent
        Assert.ThrowsExactly<ObjectDisposedException>(() => proj.Matrix());
        a.Dispose();
        a.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => Backend.Qr(a));
        Assert.ThrowsExactly<ObjectDisposedException>(() => a.ToArray());
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>Copies a host batch to the backend.</summary>
    protected MatrixBatch<T> Up<T>(HostMatrixBatch<T> host)
        where T : unmanaged, INumberBase<T> => Backend.FromHost(host);

    private void CheckProjectorGradients(HostMatrixBatch<double> a, HostMatrixBatch<double> y, HostMatrixBatch<double> gm, HostMatrixBatch<double> gn, HostMatrixBatch<double> gpm, ProjectorMethod method, string where)
    {
        using Projector<double> proj = Backend.Projector(Up(a), method);
        double Loss(HostMatrixBatch<double> aa, HostMatrixBatch<double> yy, Func<Projector<double>, MatrixBatch<double>, MatrixBatch<double>> f, HostMatrixBatch<double> g)
        {
            using Projector<double> pr = Backend.Projector(Up(aa), method);
            return TestData.Dot(f(pr, Up(yy)).ToHost(), g);
        }

        var ops = new (string Name, Func<Projector<double>, MatrixBatch<double>, MatrixBatch<double>> F, HostMatrixBatch<double> G, ProjectorGradients<double> Grads)[]
        {
            ("Project", (pr, yy) => pr.Project(yy), gm, proj.ProjectBackward(Up(y), Up(gm))),
            ("Residual", (pr, yy) => pr.Residual(yy), gm, proj.ResidualBackward(Up(y), Up(gm))),
            ("Solve", (pr, yy) => pr.Solve(yy), gn, proj.SolveBackward(Up(y), Up(gn))),
        };
        foreach (var (name, f, g, grads) in ops)
        {
            TestData.AssertClose(grads.GradA.ToHost(), FiniteDifferences.Gradient(a, aa => Loss(aa, y, f, g)), GradTol, $"{name} gA, {where}");
            TestData.AssertClose(grads.GradY.ToHost(), FiniteDifferences.Gradient(y, yy => Loss(a, yy, f, g)), GradTol, $"{name} gY, {where}");
        }

        HostMatrixBatch<double> gaP = proj.MatrixBackward(Up(gpm)).ToHost();
        HostMatrixBatch<double> fdP = FiniteDifferences.Gradient(a, aa =>
        {
            using Projector<double> pr = Backend.Projector(Up(aa), method);
            return TestData.Dot(pr.Matrix().ToHost(), gpm);
        });
        TestData.AssertClose(gaP, fdP, GradTol, $"Matrix gA, {where}");
    }

    private static void CheckQr(HostMatrixBatch<double> a, HostMatrixBatch<double> q, HostMatrixBatch<double> r, double tol, string where)
    {
        TestData.AssertClose(TestData.Product(q, r), a, tol, $"Q R = A, {where}");
        TestData.AssertClose(TestData.Product(q, q, transA: true), TestData.Identity(q.Cols, q.Count), tol, $"Q^T Q = I, {where}");
        for (int b = 0; b < r.Count; b++)
        {
            for (int j = 0; j < r.Cols; j++)
            {
                for (int i = j + 1; i < r.Rows; i++)
                {
                    Assert.AreEqual(0.0, r[b, i, j], $"R[{i},{j}] below the diagonal, {where}");
                }
            }
        }
    }

    private static void CheckPenrose(HostMatrixBatch<double> a, HostMatrixBatch<double> x, double tol, string where)
    {
        HostMatrixBatch<double> ax = TestData.Product(a, x), xa = TestData.Product(x, a);
        TestData.AssertClose(TestData.Product(ax, a), a, tol, $"A X A = A, {where}");
        TestData.AssertClose(TestData.Product(xa, x), x, tol, $"X A X = X, {where}");
        TestData.AssertClose(TestData.Transpose(ax), ax, tol, $"(A X)^T = A X, {where}");
        TestData.AssertClose(TestData.Transpose(xa), xa, tol, $"(X A)^T = X A, {where}");
    }

    private static HostMatrixBatch<double> Subtract(HostMatrixBatch<double> a, HostMatrixBatch<double> b)
    {
        double[] x = a.ToArray(), y = b.ToArray();
        for (int i = 0; i < x.Length; i++)
        {
            x[i] -= y[i];
        }

        return HostMatrixBatch<double>.FromArray(x, a.Rows, a.Cols, a.Count);
    }

    private static HostMatrixBatch<double> Slice(HostMatrixBatch<double> x, int index) =>
        HostMatrixBatch<double>.FromArray(x.GetMatrix(index), x.Rows, x.Cols);

    private static HostMatrixBatch<double> Slice(double[] batch, int rows, int cols, int index) =>
        HostMatrixBatch<double>.FromArray(batch.AsSpan(index * rows * cols, rows * cols), rows, cols);

    private static HostMatrixBatch<T> Ones<T>(int rows, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var ones = new HostMatrixBatch<T>(rows, cols);
        ones.Span.Fill(T.One);
        return ones;
    }
}
