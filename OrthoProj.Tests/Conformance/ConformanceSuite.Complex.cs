using System.Numerics;
using OrthoProj.Tests.Support;

namespace OrthoProj.Tests.Conformance;

/// <summary>
/// The suite's complex part (docs/complex.md): the same operations on complex64 and complex128
/// batches, against independent complex128 references. Finite differences perturb the real and
/// imaginary parts of each entry apart (the gradient is dL/dRe + i dL/dIm, torch's convention);
/// identities are the real ones with adjoints (Q^H Q = I, the Penrose conditions with ^H,
/// P = P^2 = P^H); complex64 is held to complex128 within float32 tolerances; batches equal their
/// matrices factored alone; powers of two scale every result exactly.
/// </summary>
public abstract partial class ConformanceSuite
{
    /// <summary>
    /// Why this binding's backend has no complex path, or null where it has one: the complex tests
    /// then report the binding as inconclusive with the reason. CUDA refuses complex batches until
    /// its C/Z path is built (<c>CudaBackend.CheckShape</c>; the refusal itself is tested in
    /// <c>Cuda/CudaWithoutDeviceTests</c>).
    /// </summary>
    protected virtual string? ComplexUnsupportedReason =>
        Backend.Device == DeviceKind.Cuda ? "CUDA has no complex path yet (cuBLAS/cuSOLVER C/Z and the complex kernels are issue 20's step 3): complex batches are refused there." : null;

    [TestMethod]
    public void Complex_Qr_ReconstructsWithUnitaryQAndRealDiagonal()
    {
        RequireComplex();
        foreach (QrMode mode in new[] { QrMode.Reduced, QrMode.Complete })
        {
            foreach (var (m, n) in AllShapes)
            {
                HostMatrixBatch<Complex> a = ComplexTestData.Random(m, n, 3, seed: (m * 31) + n);
                CheckComplexQr<Complex>(a, mode, DoubleTol, $"complex128 {m}x{n} {mode}");
                CheckComplexQr<Complex64>(a, mode, FloatTol, $"complex64 {m}x{n} {mode}");
            }
        }
    }

    [TestMethod]
    public void Complex_Qr_Complex64MatchesComplex128()
    {
        RequireComplex();
        foreach (var (m, n) in AllShapes)
        {
            HostMatrixBatch<Complex> a = ComplexTestData.Random(m, n, 2, seed: m + (n * 7));
            using QrResult<Complex> wide = Backend.Qr(Up(a));
            using QrResult<Complex64> narrow = Backend.Qr(Up(ComplexTestData.Convert<Complex64>(a)));
            ComplexTestData.AssertClose(ComplexTestData.ToComplex128(narrow.Q), ComplexTestData.ToComplex128(wide.Q), FloatTol, $"{m}x{n} Q");
            ComplexTestData.AssertClose(ComplexTestData.ToComplex128(narrow.R), ComplexTestData.ToComplex128(wide.R), FloatTol, $"{m}x{n} R");
        }
    }

    [TestMethod]
    public void Complex_QrBackward_MatchesFiniteDifferences()
    {
        RequireComplex();
        foreach (var (m, n) in AllShapes)
        {
            int k = Math.Min(m, n);
            HostMatrixBatch<Complex> a = ComplexTestData.Random(m, n, 2, seed: (m * 5) + n);
            HostMatrixBatch<Complex> wq = ComplexTestData.Random(m, k, 2, seed: 100 + m), wr = ComplexTestData.Random(k, n, 2, seed: 200 + n);
            using QrResult<Complex> qr = Backend.Qr(Up(a));
            using MatrixBatch<Complex> ga = Backend.QrBackward(qr.Q, qr.R, Up(wq), Up(wr));
            HostMatrixBatch<Complex> expected = ComplexTestData.Gradient(a, x =>
            {
                using QrResult<Complex> f = Backend.Qr(Up(x));
                return ComplexTestData.Inner(wq, f.Q.ToHost()) + ComplexTestData.Inner(wr, f.R.ToHost());
            });
            ComplexTestData.AssertClose(ga.ToHost(), expected, GradTol, $"{m}x{n} gA");

            // Either cotangent alone (the other null) is the same rule with a zero in its place.
            using MatrixBatch<Complex> onlyQ = Backend.QrBackward(qr.Q, qr.R, Up(wq), null);
            using MatrixBatch<Complex> onlyR = Backend.QrBackward(qr.Q, qr.R, null, Up(wr));
            HostMatrixBatch<Complex> sum = onlyQ.ToHost();
            for (int i = 0; i < sum.Span.Length; i++)
            {
                sum.Span[i] += onlyR.ToHost().Span[i];
            }

            ComplexTestData.AssertClose(sum, ga.ToHost(), DoubleTol, $"{m}x{n} gQ alone + gR alone");
        }
    }

    [TestMethod]
    public void Complex_Pinv_SatisfiesThePenroseConditions()
    {
        RequireComplex();
        var cases = AllShapes.Select(s => (s.M, s.N, ComplexTestData.Random(s.M, s.N, 2, seed: s.M + (9 * s.N)), Math.Min(s.M, s.N)))
            .Append((6, 4, ComplexTestData.LowRank(6, 4, 2, 2, seed: 5), 2))
            .Append((3, 5, ComplexTestData.LowRank(3, 5, 1, 2, seed: 6), 1));
        foreach ((int m, int n, HostMatrixBatch<Complex> a, int rank) in cases)
        {
            using PinvResult<Complex> pinv = Backend.Pinv(Up(a));
            CollectionAssert.AreEqual(Enumerable.Repeat(rank, 2).ToArray(), pinv.Rank.ToArray(), $"{m}x{n} rank");
            CheckPenrose(a, pinv.Pinv.ToHost(), DoubleTol, $"complex128 {m}x{n} rank {rank}");
            using PinvResult<Complex64> narrow = Backend.Pinv(Up(ComplexTestData.Convert<Complex64>(a)));
            ComplexTestData.AssertClose(ComplexTestData.ToComplex128(narrow.Pinv), pinv.Pinv.ToHost(), 10 * FloatTol, $"complex64 {m}x{n} rank {rank}");
        }
    }

    [TestMethod]
    public void Complex_PinvBackward_MatchesFiniteDifferences()
    {
        RequireComplex();
        foreach (var (m, n) in AllShapes)
        {
            HostMatrixBatch<Complex> a = ComplexTestData.Random(m, n, 2, seed: (m * 13) + n);
            HostMatrixBatch<Complex> w = ComplexTestData.Random(n, m, 2, seed: 300 + m + n);
            using PinvResult<Complex> pinv = Backend.Pinv(Up(a));
            using MatrixBatch<Complex> ga = Backend.PinvBackward(Up(a), pinv.Pinv, Up(w));
            HostMatrixBatch<Complex> expected = ComplexTestData.Gradient(a, x =>
            {
                using PinvResult<Complex> f = Backend.Pinv(Up(x));
                return ComplexTestData.Inner(w, f.Pinv.ToHost());
            });
            ComplexTestData.AssertClose(ga.ToHost(), expected, GradTol, $"{m}x{n} gA");
        }
    }

    [TestMethod]
    public void Complex_Projector_IsTheHermitianProjectorOntoRangeA()
    {
        RequireComplex();
        foreach (ProjectorMethod method in new[] { ProjectorMethod.Qr, ProjectorMethod.Svd })
        {
            foreach (var (m, n) in method == ProjectorMethod.Qr ? TallShapes : AllShapes)
            {
                HostMatrixBatch<Complex> a = ComplexTestData.Random(m, n, 2, seed: (m * 3) + n), y = ComplexTestData.Random(m, 3, 2, seed: m + 40);
                string where = $"{method} {m}x{n}";
                using Projector<Complex> p = Backend.Projector(Up(a), method);
                HostMatrixBatch<Complex> pm = p.Matrix().ToHost();
                ComplexTestData.AssertClose(ComplexTestData.Product(pm, pm), pm, DoubleTol, where + " P^2 = P");
                ComplexTestData.AssertClose(ComplexTestData.Adjoint(pm), pm, DoubleTol, where + " P^H = P");
                ComplexTestData.AssertClose(ComplexTestData.Product(pm, a), a, DoubleTol, where + " P A = A");
                HostMatrixBatch<Complex> z = p.Project(Up(y)).ToHost(), e = p.Residual(Up(y)).ToHost();
                ComplexTestData.AssertClose(z, ComplexTestData.Product(pm, y), DoubleTol, where + " Project = P y");
                for (int i = 0; i < z.Span.Length; i++)
                {
                    z.Span[i] += e.Span[i];
                }

                ComplexTestData.AssertClose(z, y, DoubleTol, where + " Project + Residual = y");
                using PinvResult<Complex> pinv = Backend.Pinv(Up(a));
                ComplexTestData.AssertClose(p.Solve(Up(y)).ToHost(), ComplexTestData.Product(pinv.Pinv.ToHost(), y), DoubleTol, where + " Solve = A+ y");

                using Projector<Complex64> narrow = Backend.Projector(Up(ComplexTestData.Convert<Complex64>(a)), method);
                ComplexTestData.AssertClose(ComplexTestData.ToComplex128(narrow.Project(Up(ComplexTestData.Convert<Complex64>(y)))), ComplexTestData.Product(pm, y), FloatTol, where + " complex64 Project");
            }
        }
    }

    [TestMethod]
    public void Complex_ProjectorBackward_MatchesFiniteDifferences()
    {
        RequireComplex();
        foreach (ProjectorMethod method in new[] { ProjectorMethod.Qr, ProjectorMethod.Svd })
        {
            foreach (var (m, n) in method == ProjectorMethod.Qr ? TallShapes : AllShapes)
            {
                HostMatrixBatch<Complex> a = ComplexTestData.Random(m, n, 2, seed: (m * 7) + n), y = ComplexTestData.Random(m, 2, 2, seed: m + 70);
                HostMatrixBatch<Complex> wm = ComplexTestData.Random(m, 2, 2, seed: 71), wn = ComplexTestData.Random(n, 2, 2, seed: 72), wp = ComplexTestData.Random(m, m, 2, seed: 73);
                string where = $"{method} {m}x{n}";
                using Projector<Complex> p = Backend.Projector(Up(a), method);
                CheckComplexGradients(a, y, wm, (pr, yy) => pr.Project(yy), p.ProjectBackward(Up(y), Up(wm)), method, where + " Project");
                CheckComplexGradients(a, y, wm, (pr, yy) => pr.Residual(yy), p.ResidualBackward(Up(y), Up(wm)), method, where + " Residual");
                CheckComplexGradients(a, y, wn, (pr, yy) => pr.Solve(yy), p.SolveBackward(Up(y), Up(wn)), method, where + " Solve");
                using MatrixBatch<Complex> gm = p.MatrixBackward(Up(wp));
                HostMatrixBatch<Complex> expected = ComplexTestData.Gradient(a, x =>
                {
                    using Projector<Complex> pr = Backend.Projector(Up(x), method);
                    return ComplexTestData.Inner(wp, pr.Matrix().ToHost());
                });
                ComplexTestData.AssertClose(gm.ToHost(), expected, GradTol, where + " Matrix gA");
            }
        }
    }

    [TestMethod]
    public void Complex_RankDeficientMatrices_AtTheThreshold()
    {
        RequireComplex();
        HostMatrixBatch<Complex> a = ComplexTestData.LowRank(6, 4, 2, 2, seed: 11);
        using (Projector<Complex> svd = Backend.Projector(Up(a), ProjectorMethod.Svd))
        {
            CollectionAssert.AreEqual(new[] { 2, 2 }, svd.Rank.ToArray(), "SVD projector rank");
            HostMatrixBatch<Complex> pm = svd.Matrix().ToHost();
            ComplexTestData.AssertClose(ComplexTestData.Product(pm, a), a, DoubleTol, "P A = A at rank 2");
        }

        RankDeficientException e = Assert.ThrowsExactly<RankDeficientException>(() => Backend.Projector(Up(a)));
        Assert.AreEqual(0, e.MatrixIndex);
        Assert.AreEqual(2, e.Rank);

        // A singular value just above and just below an absolute tolerance: kept, then dropped.
        HostMatrixBatch<Complex> d = new(3, 2, 1);
        d[0, 0, 0] = new Complex(0, 1);
        d[0, 1, 1] = new Complex(0.6, 0.8) * 1e-3;    // singular values 1 and 1e-3
        using PinvResult<Complex> kept = Backend.Pinv(Up(d), new RankTolerance(Atol: 0.999e-3));
        using PinvResult<Complex> dropped = Backend.Pinv(Up(d), new RankTolerance(Atol: 1.001e-3));
        Assert.AreEqual(2, kept.Rank[0], "s = 1e-3 above atol");
        Assert.AreEqual(1, dropped.Rank[0], "s = 1e-3 below atol");
        Assert.IsLessThan(1e-12, Complex.Abs((kept.Pinv.ToHost()[0, 1, 1] * d[0, 1, 1]) - 1), "A+ holds 1 / d for the kept value");
        Assert.AreEqual(Complex.Zero, dropped.Pinv.ToHost()[0, 1, 1], "and nothing for the dropped one");
    }

    [TestMethod]
    public void Complex_Batches_EqualTheirMatricesFactoredAlone()
    {
        RequireComplex();
        HostMatrixBatch<Complex> a = ComplexTestData.Random(7, 4, 5, seed: 21), y = ComplexTestData.Random(7, 2, 5, seed: 22);
        using QrResult<Complex> qr = Backend.Qr(Up(a));
        using Projector<Complex> p = Backend.Projector(Up(a));
        HostMatrixBatch<Complex> z = p.Project(Up(y)).ToHost();
        for (int b = 0; b < 5; b++)
        {
            using QrResult<Complex> one = Backend.Qr(Up(Slice(a, b)));
            CollectionAssert.AreEqual(one.Q.ToArray(), Slice(qr.Q.ToHost(), b).ToArray(), $"Q of matrix {b}");
            CollectionAssert.AreEqual(one.R.ToArray(), Slice(qr.R.ToHost(), b).ToArray(), $"R of matrix {b}");
            using Projector<Complex> alone = Backend.Projector(Up(Slice(a, b)));
            CollectionAssert.AreEqual(alone.Project(Up(Slice(y, b))).ToArray(), Slice(z, b).ToArray(), $"P y of matrix {b}");
        }
    }

    [TestMethod]
    public void Complex_PowersOfTwo_ScaleEveryResultExactly()
    {
        RequireComplex();
        HostMatrixBatch<Complex> a = ComplexTestData.Random(6, 3, 2, seed: 31), y = ComplexTestData.Random(6, 2, 2, seed: 32);
        using QrResult<Complex> qr = Backend.Qr(Up(a));
        using PinvResult<Complex> pinv = Backend.Pinv(Up(a));
        using Projector<Complex> p = Backend.Projector(Up(a));
        HostMatrixBatch<Complex> z = p.Project(Up(y)).ToHost();
        foreach (int k in new[] { 1000, -1000, 600, -600 })
        {
            // Near the top of the range the column norms overflow unless scaled first; near the bottom
            // their squares underflow. Results scale by the exact power of two, or are unchanged.
            HostMatrixBatch<Complex> scaled = ComplexTestData.ScaleB(a, k);
            using QrResult<Complex> sq = Backend.Qr(Up(scaled));
            CollectionAssert.AreEqual(qr.Q.ToArray(), sq.Q.ToArray(), $"Q at 2^{k}");
            CollectionAssert.AreEqual(ComplexTestData.ScaleB(qr.R.ToHost(), k).ToArray(), sq.R.ToArray(), $"R at 2^{k}");
            using PinvResult<Complex> sp = Backend.Pinv(Up(scaled));
            CollectionAssert.AreEqual(ComplexTestData.ScaleB(pinv.Pinv.ToHost(), -k).ToArray(), sp.Pinv.ToArray(), $"A+ at 2^{k}");
            using Projector<Complex> ps = Backend.Projector(Up(scaled));
            CollectionAssert.AreEqual(z.ToArray(), ps.Project(Up(y)).ToArray(), $"P y at 2^{k}");
        }
    }

    [TestMethod]
    public void Complex_NonFiniteInput_IsRefusedAndNamed()
    {
        RequireComplex();
        HostMatrixBatch<Complex> a = ComplexTestData.Random(5, 3, 3, seed: 41);
        a[1, 2, 0] = new Complex(0.5, double.NaN);
        NonFiniteInputException e = Assert.ThrowsExactly<NonFiniteInputException>(() => Backend.Qr(Up(a)));
        Assert.AreEqual((1, 2, 0), (e.MatrixIndex, e.Row, e.Col));
        StringAssert.Contains(e.Message, "NaN");

        HostMatrixBatch<Complex64> f = ComplexTestData.Convert<Complex64>(ComplexTestData.Random(5, 3, 2, seed: 42));
        f[1, 4, 2] = new Complex64(float.PositiveInfinity, 0);
        NonFiniteInputException g = Assert.ThrowsExactly<NonFiniteInputException>(() => Backend.Pinv(Up(f)));
        Assert.AreEqual((1, 4, 2), (g.MatrixIndex, g.Row, g.Col));
    }

    /// <summary>Inconclusive, with the reason, where the binding's backend has no complex path.</summary>
    private void RequireComplex()
    {
        if (ComplexUnsupportedReason is { } reason)
        {
            Assert.Inconclusive(reason);
        }
    }

    private void CheckComplexQr<T>(HostMatrixBatch<Complex> a, QrMode mode, double tolerance, string where)
        where T : unmanaged, INumberBase<T>
    {
        using QrResult<T> qr = Backend.Qr(Up(ComplexTestData.Convert<T>(a)), mode);
        HostMatrixBatch<Complex> q = ComplexTestData.ToComplex128(qr.Q), r = ComplexTestData.ToComplex128(qr.R);
        ComplexTestData.AssertClose(ComplexTestData.Product(q, r), a, tolerance, where + " Q R = A");
        ComplexTestData.AssertClose(ComplexTestData.Product(q, q, adjointA: true), ComplexTestData.Identity(q.Cols, q.Count), tolerance, where + " Q^H Q = I");
        for (int b = 0; b < r.Count; b++)
        {
            for (int j = 0; j < r.Cols; j++)
            {
                for (int i = 0; i < r.Rows; i++)
                {
                    if (i > j)
                    {
                        Assert.AreEqual(Complex.Zero, r[b, i, j], $"{where}: R[{i},{j}] below the diagonal");
                    }
                    else if (i == j)
                    {
                        Assert.AreEqual(0.0, r[b, i, j].Imaginary, $"{where}: R[{i},{i}] is real (LAPACK's reflectors)");
                    }
                }
            }
        }
    }

    /// <summary>The Penrose conditions with adjoints: A X A = A, X A X = X, (A X)^H = A X, (X A)^H = X A.</summary>
    private static void CheckPenrose(HostMatrixBatch<Complex> a, HostMatrixBatch<Complex> x, double tolerance, string where)
    {
        HostMatrixBatch<Complex> ax = ComplexTestData.Product(a, x), xa = ComplexTestData.Product(x, a);
        ComplexTestData.AssertClose(ComplexTestData.Product(ax, a), a, tolerance, where + " A X A = A");
        ComplexTestData.AssertClose(ComplexTestData.Product(xa, x), x, tolerance, where + " X A X = X");
        ComplexTestData.AssertClose(ComplexTestData.Adjoint(ax), ax, tolerance, where + " (A X)^H = A X");
        ComplexTestData.AssertClose(ComplexTestData.Adjoint(xa), xa, tolerance, where + " (X A)^H = X A");
    }

    /// <summary>A projector operation's gradients in A and y against finite differences of Re &lt;W, f(A, y)&gt;.</summary>
    private void CheckComplexGradients(
        HostMatrixBatch<Complex> a,
        HostMatrixBatch<Complex> y,
        HostMatrixBatch<Complex> w,
        Func<Projector<Complex>, MatrixBatch<Complex>, MatrixBatch<Complex>> f,
        ProjectorGradients<Complex> actual,
        ProjectorMethod method,
        string where)
    {
        using (actual)
        {
            double Loss(HostMatrixBatch<Complex> aa, HostMatrixBatch<Complex> yy)
            {
                using Projector<Complex> pr = Backend.Projector(Up(aa), method);
                using MatrixBatch<Complex> result = f(pr, Up(yy));
                return ComplexTestData.Inner(w, result.ToHost());
            }

            ComplexTestData.AssertClose(actual.GradA.ToHost(), ComplexTestData.Gradient(a, x => Loss(x, y)), GradTol, where + " gA");
            ComplexTestData.AssertClose(actual.GradY.ToHost(), ComplexTestData.Gradient(y, x => Loss(a, x)), GradTol, where + " gy");
        }
    }

    private static HostMatrixBatch<Complex> Slice(HostMatrixBatch<Complex> x, int b) =>
        HostMatrixBatch<Complex>.FromArray(x.ToArray().AsSpan(b * x.Rows * x.Cols, x.Rows * x.Cols), x.Rows, x.Cols, 1);
}
