using System.Numerics;
using OrthoProj.Native;
using static OrthoProj.Tests.Support.ComplexArrays;

namespace OrthoProj.Tests.Native;

/// <summary>
/// The c and z bindings of <see cref="Lapack"/> (geqrf, ungqr, unmqr, unm2r, gesdd, gemm, trsm) for
/// <see cref="Complex64"/> and <see cref="Complex"/>, against naive references written here (plain
/// loops over <see cref="Complex"/>), never against LAPACK itself; and the argument rules that
/// differ between real and complex (the adjoint 'C' for every T, 'T' illegal for unmqr).
/// Inconclusive, with the probe trace, where no native LAPACK loads.
/// </summary>
[TestClass]
public sealed class ComplexLapackTests
{
    // ------------------------------------------------------------------ QR

    [TestMethod]
    [DataRow(true, 7, 4)]
    [DataRow(false, 7, 4)]
    [DataRow(true, 5, 5)]
    [DataRow(false, 5, 5)]
    [DataRow(true, 3, 6)]
    [DataRow(false, 3, 6)]
    [DataRow(true, 160, 140)]
    [DataRow(false, 160, 140)]
    public void GeqrfAndUngqr_QRIsA_QIsUnitary_RDiagonalReal(bool single, int m, int n)
    {
        RequireLapack();
        if (single)
        {
            GeqrfAndUngqr<Complex64>(m, n);
        }
        else
        {
            GeqrfAndUngqr<Complex>(m, n);
        }
    }

    [TestMethod]
    [DataRow(true, false, 9, 5, 3)]
    [DataRow(false, false, 9, 5, 3)]
    [DataRow(true, true, 9, 5, 3)]
    [DataRow(false, true, 9, 5, 3)]
    [DataRow(true, false, 150, 140, 40)]
    [DataRow(false, false, 150, 140, 40)]
    public void UnmqrAndUnm2r_MatchTheExplicitQ(bool single, bool unblocked, int m, int k, int cols)
    {
        RequireLapack();
        if (single)
        {
            ApplyQ<Complex64>(unblocked, m, k, cols);
        }
        else
        {
            ApplyQ<Complex>(unblocked, m, k, cols);
        }
    }

    // ------------------------------------------------------------------ gemm, trsm

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void Gemm_EveryPairOfNTC_MatchesTheNaiveProduct(bool single)
    {
        RequireLapack();
        if (single)
        {
            Gemm<Complex64>();
        }
        else
        {
            Gemm<Complex>();
        }
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void Trsm_LeftRight_NTC_SolvesTheSystem(bool single)
    {
        RequireLapack();
        if (single)
        {
            Trsm<Complex64>();
        }
        else
        {
            Trsm<Complex>();
        }
    }

    // ------------------------------------------------------------------ gesdd

    [TestMethod]
    [DataRow(true, 7, 4)]
    [DataRow(false, 7, 4)]
    [DataRow(true, 4, 7)]
    [DataRow(false, 4, 7)]
    [DataRow(true, 30, 30)]
    [DataRow(false, 30, 30)]
    public void Gesdd_UDiagSVHIsA_SRealDescending_UUnitary(bool single, int m, int n)
    {
        RequireLapack();
        if (single)
        {
            Gesdd<Complex64, float>(m, n);
        }
        else
        {
            Gesdd<Complex, double>(m, n);
        }
    }

    [TestMethod]
    public void Gesdd_TRealNotTheRealTypeOfT_ThrowsBeforeTheCall()
    {
        var a = new Complex[4];
        Assert.ThrowsExactly<ArgumentException>(() => Lapack.Gesdd<Complex, float>('N', 2, 2, a, 2, new float[2], [], 1, [], 1));
        Assert.ThrowsExactly<ArgumentException>(() => Lapack.Gesdd<Complex, Complex>('N', 2, 2, a, 2, new Complex[2], [], 1, [], 1));
        Assert.ThrowsExactly<ArgumentException>(() => Lapack.Gesdd<Complex64, double>('N', 2, 2, new Complex64[4], 2, new double[2], [], 1, [], 1));
        Assert.ThrowsExactly<ArgumentException>(() => Lapack.Gesdd<float, double>('N', 2, 2, new float[4], 2, new double[2], [], 1, [], 1));
    }

    // ------------------------------------------------------------------ argument rules

    [TestMethod]
    public void UnmqrAndUnm2r_RejectTranspose_WithInfoMinus2()
    {
        var a = new Complex[9];
        var tau = new Complex[2];
        var c = new Complex[6];
        var e = Assert.ThrowsExactly<LapackException>(() => Lapack.Ormqr<Complex>('L', 'T', 3, 2, 2, a, 3, tau, c, 3));
        Assert.AreEqual("zunmqr", e.Routine);
        Assert.AreEqual(-2, e.Info);

        var e2 = Assert.ThrowsExactly<LapackException>(() => Lapack.Orm2r<Complex>('R', 't', 3, 3, 2, a, 3, tau, new Complex[9], 3));
        Assert.AreEqual("zunm2r", e2.Routine);
        Assert.AreEqual(-2, e2.Info);

        var e3 = Assert.ThrowsExactly<LapackException>(() => Lapack.Ormqr<Complex64>('L', 'T', 3, 2, 2, new Complex64[9], 3, new Complex64[2], new Complex64[6], 3));
        Assert.AreEqual("cunmqr", e3.Routine);
        Assert.AreEqual(-2, e3.Info);

        var e4 = Assert.ThrowsExactly<LapackException>(() => Lapack.Orm2r<Complex64>('L', 'X', 3, 2, 2, new Complex64[9], 3, new Complex64[2], new Complex64[6], 3));
        Assert.AreEqual("cunm2r", e4.Routine);
        Assert.AreEqual(-2, e4.Info);
    }

    [TestMethod]
    public void RoutineNamesAreTheUnitaryOnesForComplex()
    {
        Assert.AreEqual("zungqr", Assert.ThrowsExactly<LapackException>(() => Lapack.Orgqr<Complex>(-1, 0, 0, [], 1, [])).Routine);
        Assert.AreEqual("cungqr", Assert.ThrowsExactly<LapackException>(() => Lapack.Orgqr<Complex64>(-1, 0, 0, [], 1, [])).Routine);
        Assert.AreEqual("zgeqrf", Assert.ThrowsExactly<LapackException>(() => Lapack.Geqrf<Complex>(-1, 0, [], 1, [])).Routine);
        Assert.AreEqual("cgesdd", Assert.ThrowsExactly<LapackException>(() => Lapack.Gesdd<Complex64, float>('X', 1, 1, new Complex64[1], 1, new float[1], [], 1, [], 1)).Routine);
        Assert.AreEqual("zgemm", Assert.ThrowsExactly<LapackException>(() => Lapack.Gemm<Complex>('X', 'N', 1, 1, 1, Complex.One, new Complex[1], 1, new Complex[1], 1, Complex.Zero, new Complex[1], 1)).Routine);
        var t = Assert.ThrowsExactly<LapackException>(() => Lapack.Trsm<Complex64>('L', 'U', 'X', 'N', 1, 1, Complex64.One, new Complex64[1], 1, new Complex64[1], 1));
        Assert.AreEqual("ctrsm", t.Routine);
        Assert.AreEqual(-3, t.Info);
    }

    [TestMethod]
    public void WrongLengthSpansThrowBeforeTheCall()
    {
        Assert.ThrowsExactly<ArgumentException>(() => Lapack.Geqrf<Complex>(3, 2, new Complex[5], 3, new Complex[2]));
        Assert.ThrowsExactly<ArgumentException>(() => Lapack.Geqrf<Complex64>(3, 2, new Complex64[6], 3, new Complex64[1]));
        Assert.ThrowsExactly<ArgumentException>(() => Lapack.Orgqr<Complex>(3, 3, 2, new Complex[8], 3, new Complex[2]));
        Assert.ThrowsExactly<ArgumentException>(() => Lapack.Ormqr<Complex>('L', 'C', 3, 2, 2, new Complex[6], 3, new Complex[2], new Complex[5], 3));
        Assert.ThrowsExactly<ArgumentException>(() => Lapack.Orm2r<Complex64>('R', 'N', 2, 3, 2, new Complex64[5], 3, new Complex64[2], new Complex64[6], 2));
        Assert.ThrowsExactly<ArgumentException>(() => Lapack.Gemm<Complex>('C', 'N', 2, 2, 3, Complex.One, new Complex[5], 3, new Complex[6], 3, Complex.Zero, new Complex[4], 2));
        Assert.ThrowsExactly<ArgumentException>(() => Lapack.Trsm<Complex64>('R', 'U', 'C', 'N', 2, 3, Complex64.One, new Complex64[8], 3, new Complex64[6], 2));
        Assert.ThrowsExactly<ArgumentException>(() => Lapack.Gesdd<Complex, double>('S', 3, 2, new Complex[6], 3, new double[1], new Complex[6], 3, new Complex[4], 2));
        Assert.ThrowsExactly<ArgumentException>(() => Lapack.Gesdd<Complex64, float>('S', 3, 2, new Complex64[6], 3, new float[2], new Complex64[5], 3, new Complex64[4], 2));
    }

    [TestMethod]
    public void UnsupportedElementTypeThrowsNotSupported()
    {
        Assert.ThrowsExactly<NotSupportedException>(() => Lapack.Geqrf<int>(1, 1, new int[1], 1, new int[1]));
        Assert.ThrowsExactly<NotSupportedException>(() => Lapack.Gemm<Half>('N', 'N', 1, 1, 1, Half.One, new Half[1], 1, new Half[1], 1, Half.Zero, new Half[1], 1));
        Assert.ThrowsExactly<NotSupportedException>(() => Lapack.Gesdd<decimal, decimal>('N', 1, 1, new decimal[1], 1, new decimal[1], [], 1, [], 1));
    }

    [TestMethod]
    public void RealRoutinesAcceptCAsTheTranspose()
    {
        RequireLapack();
        const int m = 6, k = 3, cols = 4;
        var rng = new Random(11);
        double[] a = [.. Enumerable.Range(0, m * k).Select(_ => (rng.NextDouble() * 2) - 1)];
        double[] c0 = [.. Enumerable.Range(0, m * cols).Select(_ => (rng.NextDouble() * 2) - 1)];
        var tau = new double[k];
        Lapack.Geqrf<double>(m, k, a, m, tau);
        foreach (bool unblocked in (bool[])[false, true])
        {
            double[] ct = (double[])c0.Clone(), cc = (double[])c0.Clone();
            ApplyQ(unblocked, 'L', 'T', m, cols, k, a, m, tau, ct, m);
            ApplyQ(unblocked, 'L', 'c', m, cols, k, a, m, tau, cc, m);
            CollectionAssert.AreEqual(ct, cc, "ormqr/orm2r 'C' = 'T' for real T");
            CollectionAssert.AreNotEqual(c0, cc, "Q^T was applied");
        }

        float[] af = [.. a.Select(x => (float)x)], bf = [.. c0.Select(x => (float)x)];
        var gt = new float[k * cols];
        var gc = new float[k * cols];
        Lapack.Gemm<float>('T', 'N', k, cols, m, 1f, af, m, bf, m, 0f, gt, k);
        Lapack.Gemm<float>('C', 'n', k, cols, m, 1f, af, m, bf, m, 0f, gc, k);
        CollectionAssert.AreEqual(gt, gc, "sgemm 'C' = 'T'");

        double[] r = [.. Enumerable.Range(0, m * m).Select(i => i % (m + 1) == 0 ? 4.0 : 0.5)];
        double[] xt = (double[])c0.Clone(), xc = (double[])c0.Clone();
        Lapack.Trsm<double>('L', 'U', 'T', 'N', m, cols, 1.0, r, m, xt, m);
        Lapack.Trsm<double>('L', 'U', 'C', 'N', m, cols, 1.0, r, m, xc, m);
        CollectionAssert.AreEqual(xt, xc, "dtrsm 'C' = 'T'");
    }

    // ------------------------------------------------------------------ generic bodies

    private static void GeqrfAndUngqr<T>(int m, int n)
        where T : unmanaged, INumberBase<T>
    {
        int k = Math.Min(m, n);
        Complex[] a = Random(m, n, 1);
        T[] f = From<T>(a);
        var tau = new T[k];
        Lapack.Geqrf(m, n, f, m, tau);

        // R: the upper triangle (m x n); its diagonal is real exactly, as larfg makes beta.
        var r = new Complex[m * n];
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i <= Math.Min(j, m - 1); i++)
            {
                r[(j * m) + i] = To(f[(j * m) + i]);
            }
        }

        for (int i = 0; i < k; i++)
        {
            Assert.AreEqual(0.0, r[(i * m) + i].Imaginary, $"Im R[{i},{i}]");
        }

        // Q (m x m) from the k reflectors: copy them into a square array and form all of Q.
        var q = new T[m * m];
        for (int j = 0; j < k; j++)
        {
            f.AsSpan(j * m, m).CopyTo(q.AsSpan(j * m, m));
        }

        Lapack.Orgqr(m, m, k, q, m, tau);
        Complex[] qc = To(q);
        double tol = Tolerance<T>(Math.Max(m, n));
        AssertClose(Mul(qc, m, m, 'N', r, m, n, 'N'), a, tol, "Q R = A");
        AssertClose(Mul(qc, m, m, 'C', qc, m, m, 'N'), Identity(m), tol, "Q^H Q = I");

        // The thin Q (m x k) in place of the reflectors, as callers form it.
        if (m >= n)
        {
            T[] thin = (T[])f.Clone();
            Lapack.Orgqr(m, n, n, thin, m, tau);
            AssertClose(To(thin), qc[..(m * n)], tol, "thin Q = first n columns of Q");
        }
    }

    private static void ApplyQ<T>(bool unblocked, int m, int k, int cols)
        where T : unmanaged, INumberBase<T>
    {
        T[] a = From<T>(Random(m, k, 2));
        var tau = new T[k];
        Lapack.Geqrf(m, k, a, m, tau);
        var qt = new T[m * m];
        a.AsSpan().CopyTo(qt);
        Lapack.Orgqr(m, m, k, qt, m, tau);
        Complex[] q = To(qt);
        double tol = Tolerance<T>(m);
        string name = unblocked ? "unm2r" : "unmqr";

        foreach (char trans in (char[])['N', 'C', 'c', 'n'])
        {
            // Left: C (m x cols) = op(Q) C.
            Complex[] c = Random(m, cols, 3);
            T[] cl = From<T>(c);
            ApplyQ(unblocked, 'L', trans, m, cols, k, a, m, tau, cl, m);
            AssertClose(To(cl), Mul(q, m, m, char.ToUpperInvariant(trans), c, m, cols, 'N'), tol, $"{name} L {trans}");

            // Right: C (cols x m) = C op(Q).
            Complex[] d = Random(cols, m, 4);
            T[] cr = From<T>(d);
            ApplyQ(unblocked, 'r', trans, cols, m, k, a, m, tau, cr, cols);
            AssertClose(To(cr), Mul(d, cols, m, 'N', q, m, m, char.ToUpperInvariant(trans)), tol, $"{name} R {trans}");
        }
    }

    private static void ApplyQ<T>(bool unblocked, char side, char trans, int m, int n, int k, T[] a, int lda, T[] tau, T[] c, int ldc)
        where T : unmanaged, INumberBase<T>
    {
        if (unblocked)
        {
            Lapack.Orm2r(side, trans, m, n, k, a, lda, tau, c, ldc);
        }
        else
        {
            Lapack.Ormqr(side, trans, m, n, k, a, lda, tau, c, ldc);
        }
    }

    private static void Gemm<T>()
        where T : unmanaged, INumberBase<T>
    {
        const int m = 5, n = 4, k = 3;
        var alpha = new Complex(0.75, -1.25);
        var beta = new Complex(-0.5, 0.25);
        double tol = Tolerance<T>(k) * 4;
        foreach (char ta in (char[])['N', 'T', 'C'])
        {
            foreach (char tb in (char[])['N', 'T', 'C'])
            {
                int ra = ta == 'N' ? m : k, ca = ta == 'N' ? k : m, rb = tb == 'N' ? k : n, cb = tb == 'N' ? n : k;
                Complex[] a = Random(ra, ca, 5), b = Random(rb, cb, 6), c = Random(m, n, 7);

                // Leading dimensions above the row counts, so that lda/ldb/ldc are honored.
                int lda = ra + 1, ldb = rb + 2, ldc = m + 1;
                T[] fa = Pad<T>(a, ra, ca, lda), fb = Pad<T>(b, rb, cb, ldb), fc = Pad<T>(c, m, n, ldc);
                Lapack.Gemm(ta, char.ToLowerInvariant(tb), m, n, k, From<T>(alpha), fa, lda, fb, ldb, From<T>(beta), fc, ldc);

                Complex[] product = Mul(a, ra, ca, ta, b, rb, cb, tb);
                var expected = new Complex[m * n];
                for (int i = 0; i < expected.Length; i++)
                {
                    expected[i] = (alpha * product[i]) + (beta * c[i]);
                }

                AssertClose(Unpad(fc, m, n, ldc), expected, tol, $"gemm {ta}{tb}");
            }
        }
    }

    private static void Trsm<T>()
        where T : unmanaged, INumberBase<T>
    {
        const int m = 6, n = 4;
        var alpha = new Complex(1.5, 0.5);
        double tol = Tolerance<T>(m) * 4;
        foreach (char side in (char[])['L', 'R'])
        {
            foreach (char uplo in (char[])['U', 'L'])
            {
                foreach (char trans in (char[])['N', 'T', 'C'])
                {
                    int order = side == 'L' ? m : n;

                    // A well-conditioned triangle: random entries, a diagonal of modulus about 3.
                    Complex[] t = Random(order, order, 8);
                    for (int j = 0; j < order; j++)
                    {
                        for (int i = 0; i < order; i++)
                        {
                            if (uplo == 'U' ? i > j : i < j)
                            {
                                t[(j * order) + i] = Complex.Zero;
                            }
                        }

                        t[(j * order) + j] += new Complex(3, 1);
                    }

                    Complex[] b = Random(m, n, 9);
                    T[] x = From<T>(b);
                    Lapack.Trsm(side, uplo, trans, 'N', m, n, From<T>(alpha), From<T>(t), order, x, m);
                    Complex[] xc = To(x);

                    // op(A) X = alpha B (left) or X op(A) = alpha B (right).
                    Complex[] lhs = side == 'L' ? Mul(t, order, order, trans, xc, m, n, 'N') : Mul(xc, m, n, 'N', t, order, order, trans);
                    AssertClose(lhs, [.. b.Select(z => alpha * z)], tol, $"trsm {side}{uplo}{trans}");
                }
            }
        }
    }

    private static void Gesdd<T, TReal>(int m, int n)
        where T : unmanaged, INumberBase<T>
        where TReal : unmanaged, INumberBase<TReal>
    {
        int k = Math.Min(m, n);
        Complex[] a = Random(m, n, 10);
        T[] f = From<T>(a);
        var s = new TReal[k];
        var u = new T[m * k];
        var vt = new T[k * n];
        Lapack.Gesdd('S', m, n, f, m, s, u, m, vt, k);
        double[] sv = [.. s.Select(double.CreateTruncating)];
        Complex[] uc = To(u), vh = To(vt);
        double tol = Tolerance<T>(Math.Max(m, n)) * 2;

        for (int i = 0; i < k; i++)
        {
            Assert.IsGreaterThanOrEqualTo(0.0, sv[i], $"s[{i}] >= 0");
            if (i > 0)
            {
                Assert.IsLessThanOrEqualTo(sv[i - 1], sv[i], $"s[{i}] <= s[{i - 1}]");
            }
        }

        // U diag(s) V^H = A.
        var us = new Complex[m * k];
        for (int j = 0; j < k; j++)
        {
            for (int i = 0; i < m; i++)
            {
                us[(j * m) + i] = uc[(j * m) + i] * sv[j];
            }
        }

        AssertClose(Mul(us, m, k, 'N', vh, k, n, 'N'), a, tol, "U diag(s) V^H = A");
        AssertClose(Mul(uc, m, k, 'C', uc, m, k, 'N'), Identity(k), tol, "U^H U = I");
        AssertClose(Mul(vh, k, n, 'N', vh, k, n, 'C'), Identity(k), tol, "V^H V = I");

        // Values only ('N'): the same singular values.
        T[] g = From<T>(a);
        var s2 = new TReal[k];
        Lapack.Gesdd<T, TReal>('N', m, n, g, m, s2, [], 1, [], 1);
        for (int i = 0; i < k; i++)
        {
            Assert.AreEqual(sv[i], double.CreateTruncating(s2[i]), tol * sv[0], $"s[{i}] with JOBZ = 'N'");
        }

        // 'A': full U (m x m) and V^H (n x n), both unitary, and U[:, :k] diag(s) V^H[:k, :] = A.
        T[] h = From<T>(a);
        var s3 = new TReal[k];
        var ua = new T[m * m];
        var va = new T[n * n];
        Lapack.Gesdd('A', m, n, h, m, s3, ua, m, va, n);
        AssertClose(Mul(To(ua), m, m, 'C', To(ua), m, m, 'N'), Identity(m), tol, "U^H U = I ('A')");
        AssertClose(Mul(To(va), n, n, 'N', To(va), n, n, 'C'), Identity(n), tol, "V^H V = I ('A')");
    }

    // ------------------------------------------------------------------ naive references

    /// <summary>op(A) op(B), column-major, plain loops; op is 'N', 'T' or 'C' (conjugate transpose).</summary>
    private static Complex[] Mul(Complex[] a, int ra, int ca, char opA, Complex[] b, int rb, int cb, char opB)
    {
        Complex[] x = Op(a, ra, ca, opA), y = Op(b, rb, cb, opB);
        int m = opA == 'N' ? ra : ca, k = opA == 'N' ? ca : ra, n = opB == 'N' ? cb : rb;
        Assert.AreEqual(k, opB == 'N' ? rb : cb, "inner dimensions");
        var c = new Complex[m * n];
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < m; i++)
            {
                Complex sum = Complex.Zero;
                for (int p = 0; p < k; p++)
                {
                    sum += x[(p * m) + i] * y[(j * k) + p];
                }

                c[(j * m) + i] = sum;
            }
        }

        return c;
    }

    private static Complex[] Op(Complex[] a, int rows, int cols, char op)
    {
        if (op == 'N')
        {
            return a;
        }

        var t = new Complex[rows * cols];
        for (int j = 0; j < cols; j++)
        {
            for (int i = 0; i < rows; i++)
            {
                Complex z = a[(j * rows) + i];
                t[(i * cols) + j] = op == 'C' ? Complex.Conjugate(z) : z;
            }
        }

        return t;
    }

    // Max entrywise error relative to the larger of 1 and the expected matrix's largest modulus.
    private static void AssertClose(Complex[] actual, Complex[] expected, double tol, string what)
    {
        double worst = MaxError(actual, expected, what);
        double scale = Math.Max(1, expected.Max(z => z.Magnitude));

        Assert.IsLessThanOrEqualTo(tol * scale, worst, $"{what}: max error {worst:g3}, tolerance {tol * scale:g3}");
    }

    // 50 n eps, eps of the element's precision (complex64: float; complex128: double).
    private static double Tolerance<T>(int n) => 50 * n * (typeof(T) == typeof(Complex64) ? 6e-8 : 1.2e-16);

    // rows x cols into a column-major array with leading dimension ld; the padding holds a marker.
    private static T[] Pad<T>(Complex[] a, int rows, int cols, int ld)
    {
        var p = new T[(ld * (cols - 1)) + rows];
        Array.Fill(p, From<T>(new Complex(99, -99)));
        for (int j = 0; j < cols; j++)
        {
            for (int i = 0; i < rows; i++)
            {
                p[(j * ld) + i] = From<T>(a[(j * rows) + i]);
            }
        }

        return p;
    }

    private static Complex[] Unpad<T>(T[] p, int rows, int cols, int ld)
    {
        var a = new Complex[rows * cols];
        for (int j = 0; j < cols; j++)
        {
            for (int i = 0; i < rows; i++)
            {
                a[(j * rows) + i] = To(p[(j * ld) + i]);
            }

            if (j + 1 < cols)
            {
                for (int i = rows; i < ld; i++)
                {
                    Assert.AreEqual(new Complex(99, -99), To(p[(j * ld) + i]), "gemm wrote outside C's rows");
                }
            }
        }

        return a;
    }

    private static void RequireLapack()
    {
        var trace = new List<string>();
        if (!NativeLapack.TryVerify(trace))
        {
            Assert.Inconclusive("No native LAPACK: " + string.Join(" | ", trace));
        }
    }
}
