using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Providers.LinearAlgebra;
using OrthoProj.Native;

namespace OrthoProj.Tests.Cpu;

/// <summary>
/// The native LAPACK provider against Math.NET's managed provider: reconstructions and invariants
/// (A = QR, Q^T Q = I, R upper, equal singular values, U S V^T = A), never sign-dependent factors.
/// Inconclusive, with the probe trace, where no native LAPACK loads.
/// </summary>
[TestClass]
public sealed class NativeLapackProviderTests
{
    private static readonly ManagedLinearAlgebraProvider Managed = ManagedLinearAlgebraProvider.Instance;

    [TestMethod]
    [DataRow(7, 4)]
    [DataRow(5, 5)]
    [DataRow(3, 6)]
    [DataRow(60, 33)]
    public void QRFactorReconstructsInBothPrecisions(int m, int n)
    {
        NativeLapackProvider p = Provider();
        foreach (bool single in (bool[])[false, true])
        {
            double eps = single ? 6e-8 : 1.2e-16;
            double[] a = Random(m, n, 1);
            double[] r = (double[])a.Clone(), q = new double[m * m], tau = new double[Math.Min(m, n)];
            if (single)
            {
                float[] rf = ToFloat(r), qf = new float[m * m], tf = new float[tau.Length];
                p.QRFactor(rf, m, n, qf, tf);
                r = ToDouble(rf);
                q = ToDouble(qf);
            }
            else
            {
                p.QRFactor(r, m, n, q, tau);
            }

            double tol = 50 * Math.Max(m, n) * eps;
            AssertUpper(r, m, n);
            AssertClose(Mul(q, m, m, false, r, m, n, false), a, tol, "Q R = A");
            AssertClose(Mul(q, m, m, true, q, m, m, false), Identity(m), tol, "Q^T Q = I");

            double[] rm = (double[])a.Clone();
            Managed.QRFactor(rm, m, n, new double[m * m], new double[tau.Length]);
            for (int i = 0; i < Math.Min(m, n); i++)
            {
                Assert.AreEqual(Math.Abs(rm[(i * m) + i]), Math.Abs(r[(i * m) + i]), tol * Norm(a), $"|R[{i},{i}]| as managed");
            }
        }
    }

    [TestMethod]
    [DataRow(9, 4)]
    [DataRow(200, 50)]
    [DataRow(6, 6)]
    public void ThinQRFactorReconstructsInBothPrecisions(int m, int n)
    {
        NativeLapackProvider p = Provider();
        double[] a = Random(m, n, 2);

        double[] q = (double[])a.Clone(), r = new double[n * n];
        p.ThinQRFactor(q, m, n, r, new double[n]);
        double tol = 50 * m * 1.2e-16;
        AssertUpper(r, n, n);
        AssertClose(Mul(q, m, n, false, r, n, n, false), a, tol, "Q R = A (double)");
        AssertClose(Mul(q, m, n, true, q, m, n, false), Identity(n), tol, "Q^T Q = I (double)");

        float[] qf = ToFloat(a), rf = new float[n * n];
        p.ThinQRFactor(qf, m, n, rf, new float[n]);
        double tolf = 50 * m * 6e-8;
        AssertUpper(ToDouble(rf), n, n);
        AssertClose(Mul(ToDouble(qf), m, n, false, ToDouble(rf), n, n, false), a, tolf, "Q R = A (float)");
        AssertClose(Mul(ToDouble(qf), m, n, true, ToDouble(qf), m, n, false), Identity(n), tolf, "Q^T Q = I (float)");
    }

    [TestMethod]
    [DataRow(8, 5)]
    [DataRow(5, 8)]
    [DataRow(40, 40)]
    public void SvdMatchesManagedSingularValuesAndReconstructs(int m, int n)
    {
        NativeLapackProvider p = Provider();
        int k = Math.Min(m, n);
        double[] a = Random(m, n, 3);
        double[] s = new double[k], u = new double[m * m], vt = new double[n * n];
        p.SingularValueDecomposition(true, (double[])a.Clone(), m, n, s, u, vt);
        double[] sm = new double[k];
        Managed.SingularValueDecomposition(true, (double[])a.Clone(), m, n, sm, new double[m * m], new double[n * n]);
        double tol = 50 * Math.Max(m, n) * 1.2e-16;
        AssertClose(s, sm, tol, "singular values as managed");
        for (int i = 1; i < k; i++)
        {
            Assert.IsGreaterThanOrEqualTo(s[i], s[i - 1], "decreasing order");
        }

        double[] us = Mul(u, m, m, false, Diag(s, m, n), m, n, false);
        AssertClose(Mul(us, m, n, false, vt, n, n, false), a, tol, "U S V^T = A");
        AssertClose(Mul(u, m, m, true, u, m, m, false), Identity(m), tol, "U^T U = I");
        AssertClose(Mul(vt, n, n, false, vt, n, n, true), Identity(n), tol, "V^T V = I");

        double[] sOnly = new double[k];
        p.SingularValueDecomposition(false, (double[])a.Clone(), m, n, sOnly, new double[m * m], new double[n * n]);
        AssertClose(sOnly, sm, tol, "values only");

        float[] sf = new float[k];
        p.SingularValueDecomposition(true, ToFloat(a), m, n, sf, new float[m * m], new float[n * n]);
        AssertClose(ToDouble(sf), sm, 50 * Math.Max(m, n) * 6e-8, "float singular values");
    }

    [TestMethod]
    public void MatrixMultiplyWithUpdateMatchesManagedForEveryTranspose()
    {
        NativeLapackProvider p = Provider();
        const int m = 7, n = 5, k = 4;
        foreach (bool ta in (bool[])[false, true])
        {
            foreach (bool tb in (bool[])[false, true])
            {
                int ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
                double[] a = Random(ar, ac, 4), b = Random(br, bc, 5), c = Random(m, n, 6);
                double[] cm = (double[])c.Clone();
                var tA = ta ? Transpose.Transpose : Transpose.DontTranspose;
                var tB = tb ? Transpose.Transpose : Transpose.DontTranspose;
                p.MatrixMultiplyWithUpdate(tA, tB, 0.7, a, ar, ac, b, br, bc, -1.3, c);
                Managed.MatrixMultiplyWithUpdate(tA, tB, 0.7, a, ar, ac, b, br, bc, -1.3, cm);
                AssertClose(c, cm, 1e-14, $"gemm {tA}/{tB}");

                float[] cf = ToFloat(Random(m, n, 6)), cfm = (float[])cf.Clone();
                p.MatrixMultiplyWithUpdate(tA, tB, 0.7f, ToFloat(a), ar, ac, ToFloat(b), br, bc, -1.3f, cf);
                Managed.MatrixMultiplyWithUpdate(tA, tB, 0.7f, ToFloat(a), ar, ac, ToFloat(b), br, bc, -1.3f, cfm);
                AssertClose(ToDouble(cf), ToDouble(cfm), 1e-5, $"sgemm {tA}/{tB}");
            }
        }

        double[] x = Random(3, 4, 7), y = Random(4, 2, 8), result = new double[6], expected = new double[6];
        p.MatrixMultiply(x, 3, 4, y, 4, 2, result);
        Managed.MatrixMultiply(x, 3, 4, y, 4, 2, expected);
        AssertClose(result, expected, 1e-14, "MatrixMultiply");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => p.MatrixMultiply(x, 3, 4, y, 3, 2, result));
    }

    [TestMethod]
    public void LeastSquaresSolvesMatchManaged()
    {
        NativeLapackProvider p = Provider();
        const int m = 30, n = 12, nb = 3;
        double[] a = Random(m, n, 9), b = Random(m, nb, 10), aCopy = (double[])a.Clone();
        double[] x = new double[n * nb], xm = new double[n * nb];
        p.QRSolve(a, m, n, b, nb, x);
        Managed.QRSolve(a, m, n, b, nb, xm);
        AssertClose(x, xm, 1e-12, "QRSolve");
        CollectionAssert.AreEqual(aCopy, a, "QRSolve leaves a unchanged");

        p.SvdSolve(a, m, n, b, nb, x);
        Managed.SvdSolve(a, m, n, b, nb, xm);
        AssertClose(x, xm, 1e-12, "SvdSolve");
    }

    [TestMethod]
    public void RegisteredInMathNetItServesMatrixFactorizations()
    {
        NativeLapackProvider p = Provider();
        ILinearAlgebraProvider previous = LinearAlgebraControl.Provider;
        try
        {
            LinearAlgebraControl.Provider = p;
            Assert.AreSame(p, LinearAlgebraControl.Provider);
            Matrix<double> a = Matrix<double>.Build.Dense(12, 5, Random(12, 5, 11));
            var qr = a.QR();
            Assert.IsLessThan(1e-13, (qr.Q * qr.R - a).FrobeniusNorm());
            var thin = a.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
            Assert.IsLessThan(1e-13, (thin.Q * thin.R - a).FrobeniusNorm());
            var svd = a.Svd();
            Assert.IsLessThan(1e-13, (svd.U * svd.W * svd.VT - a).FrobeniusNorm());
            Matrix<double> b = Matrix<double>.Build.Dense(12, 2, Random(12, 2, 12));
            Assert.IsLessThan(1e-12, (a.TransposeThisAndMultiply(a) * qr.Solve(b) - a.TransposeThisAndMultiply(b)).FrobeniusNorm());
            Assert.IsLessThan(1e-13, (a * Matrix<double>.Build.DenseIdentity(5) - a).FrobeniusNorm());
        }
        finally
        {
            LinearAlgebraControl.Provider = previous;
        }
    }

    [TestMethod]
    public void IllegalArgumentRaisesLapackExceptionBeforeTheCall()
    {
        Provider();
        var e = Assert.ThrowsExactly<LapackException>(() => Lapack.Geqrf<double>(3, 2, new double[6], 2, new double[2]));
        Assert.AreEqual("dgeqrf", e.Routine);
        Assert.AreEqual(-4, e.Info);
        Assert.AreEqual(4, e.IllegalArgument);
        StringAssert.Contains(e.Message, "argument 4");

        var g = Assert.ThrowsExactly<LapackException>(() => Lapack.Gemm<float>('X', 'N', 1, 1, 1, 1f, new float[1], 1, new float[1], 1, 0f, new float[1], 1));
        Assert.AreEqual("sgemm", g.Routine);
        Assert.AreEqual(-1, g.Info);
    }

    [TestMethod]
    public unsafe void InfoReportedByTheLibraryBecomesLapackException()
    {
        Provider();
        string path = LapackLibraries.LapackPath ?? string.Empty;
        if (!path.Contains("openblas", StringComparison.OrdinalIgnoreCase) && !path.Contains("mkl", StringComparison.OrdinalIgnoreCase))
        {
            // Reference LAPACK's XERBLA stops the process on an illegal argument.
            Assert.Inconclusive($"Only OpenBLAS and MKL return from XERBLA; LAPACK here is {path}.");
        }

        int m = 3, n = 2, lda = 1, lwork = 4, info = 0;
        double* a = stackalloc double[6];
        double* tau = stackalloc double[2];
        double* work = stackalloc double[4];
        LapackInterop.dgeqrf_(&m, &n, a, &lda, tau, work, &lwork, &info);
        Assert.AreEqual(-4, info);
        int reported = info;
        var e = Assert.ThrowsExactly<LapackException>(() => Lapack.Check("dgeqrf", reported));
        StringAssert.Contains(e.Meaning, "argument 4 had an illegal value");
    }

    [TestMethod]
    public void ThreadCountCanBeSetAndRead()
    {
        Provider();
        if (NativeLapack.ThreadControl is null)
        {
            Assert.Inconclusive($"{LapackLibraries.LapackPath} exposes no thread control.");
        }

        int before = NativeLapack.GetThreads() ?? 1;
        try
        {
            Assert.IsTrue(NativeLapack.SetThreads(1));
            Assert.AreEqual(1, NativeLapack.GetThreads());
        }
        finally
        {
            NativeLapack.SetThreads(before);
        }
    }

    [TestMethod]
    public void ToStringNamesTheLibrary()
    {
        NativeLapackProvider p = Provider();
        StringAssert.StartsWith(p.ToString(), "native LAPACK (");
        Assert.IsTrue(p.IsAvailable());
        p.InitializeVerify();
        Assert.IsTrue(CpuBackend.TryCreateNative(out CpuBackend? backend, out _));
        Assert.IsTrue(backend!.IsNative);
    }

    internal static NativeLapackProvider Provider()
    {
        if (!NativeLapackProvider.TryCreate(out NativeLapackProvider? provider, out IReadOnlyList<string> trace))
        {
            Assert.Inconclusive("No native LAPACK: " + string.Join(" | ", trace));
        }

        return provider!;
    }

    internal static double[] Random(int rows, int cols, int seed)
    {
        var rnd = new Random(seed);
        var a = new double[rows * cols];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = rnd.NextDouble() - 0.5;
        }

        return a;
    }

    internal static void AssertClose(double[] actual, double[] expected, double relTol, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        double diff = 0, norm = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            diff += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            norm += expected[i] * expected[i];
        }

        double rel = Math.Sqrt(diff) / Math.Max(Math.Sqrt(norm), double.Epsilon);
        Assert.IsLessThanOrEqualTo(relTol, rel, $"{what}: relative error {rel:G3} > {relTol:G3}");
    }

    private static double[] Mul(double[] a, int ar, int ac, bool ta, double[] b, int br, int bc, bool tb)
    {
        var c = new double[(ta ? ac : ar) * (tb ? br : bc)];
        Managed.MatrixMultiplyWithUpdate(ta ? Transpose.Transpose : Transpose.DontTranspose, tb ? Transpose.Transpose : Transpose.DontTranspose, 1.0, a, ar, ac, b, br, bc, 0.0, c);
        return c;
    }

    private static double[] Identity(int n)
    {
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            a[(i * n) + i] = 1;
        }

        return a;
    }

    private static double[] Diag(double[] s, int m, int n)
    {
        var d = new double[m * n];
        for (int i = 0; i < s.Length; i++)
        {
            d[(i * m) + i] = s[i];
        }

        return d;
    }

    private static void AssertUpper(double[] r, int m, int n)
    {
        for (int j = 0; j < n; j++)
        {
            for (int i = j + 1; i < m; i++)
            {
                Assert.AreEqual(0.0, r[(j * m) + i], $"R[{i},{j}] below the diagonal");
            }
        }
    }

    private static double Norm(double[] a) => Math.Sqrt(a.Sum(x => x * x));

    private static float[] ToFloat(double[] a) => Array.ConvertAll(a, x => (float)x);

    private static double[] ToDouble(float[] a) => Array.ConvertAll(a, x => (double)x);
}
