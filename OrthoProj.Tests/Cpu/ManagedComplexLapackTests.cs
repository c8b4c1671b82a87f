using System.Numerics;
using MathNet.Numerics;
using MathNet.Numerics.Providers.LinearAlgebra;
using OrthoProj.Cpu.Providers;
using static OrthoProj.Tests.Support.ComplexArrays;

namespace OrthoProj.Tests.Cpu;

/// <summary>
/// The managed LAPACK route (<see cref="ManagedCpuLapack{T}"/>, <see cref="Householder{T}"/>) on
/// complex elements, complex128 (<see cref="Complex"/>) and complex64 (<see cref="Complex64"/>),
/// against naive loops over <see cref="Complex"/>: QR with zgeqr2/zung2r's conventions (R's
/// diagonal real, R_00 = -sign(Re a_00) ||a_:0||), products with every adjoint flag, triangular
/// solves, the SVD A = U diag(s) V^H, empty shapes; and the two Math.NET conventions the route
/// relies on (ConjugateTranspose conjugates, the SVD's VT is V^H).
/// </summary>
[TestClass]
public sealed class ManagedComplexLapackTests
{
    private static readonly ManagedLinearAlgebraProvider Provider = ManagedLinearAlgebraProvider.Instance;

    // ------------------------------------------------------------------ Math.NET's conventions

    [TestMethod]
    public void MathNet_ConjugateTranspose_Conjugates()
    {
        // 2 x 3 a, 2 x 2 b: c (3 x 2) = a^H b, then a^H b^H in single precision.
        Complex[] a = Random(2, 3, 11), b = Random(2, 2, 12), c = new Complex[6];
        Provider.MatrixMultiplyWithUpdate(Transpose.ConjugateTranspose, Transpose.DontTranspose, Complex.One, a, 2, 3, b, 2, 2, Complex.Zero, c);
        AssertClose(Naive(true, false, 3, 2, 2, Complex.One, a, b, Complex.Zero, new Complex[6]), c, 1e-14, "Complex a^H b");

        Complex32[] a32 = [.. a.Select(z => new Complex32((float)z.Real, (float)z.Imaginary))], b32 = [.. b.Select(z => new Complex32((float)z.Real, (float)z.Imaginary))], c32 = new Complex32[6];
        Provider.MatrixMultiplyWithUpdate(Transpose.ConjugateTranspose, Transpose.ConjugateTranspose, Complex32.One, a32, 2, 3, b32, 2, 2, Complex32.Zero, c32);
        Complex[] expected = Naive(true, true, 3, 2, 2, Complex.One, [.. a32.Select(z => new Complex(z.Real, z.Imaginary))], [.. b32.Select(z => new Complex(z.Real, z.Imaginary))], Complex.Zero, new Complex[6]);
        AssertClose(expected, [.. c32.Select(z => new Complex(z.Real, z.Imaginary))], 1e-5, "Complex32 a^H b^H");
    }

    [TestMethod]
    public void MathNet_SvdVt_IsTheAdjointOfV()
    {
        const int m = 5, n = 3;
        Complex[] a = Random(m, n, 13), s = new Complex[n], u = new Complex[m * m], vt = new Complex[n * n];
        Provider.SingularValueDecomposition(true, (Complex[])a.Clone(), m, n, s, u, vt);

        // A = U S VT read as it comes, VT n x n: VT itself, not its conjugate or transpose, is V^H.
        var us = new Complex[m * n];
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < m; i++)
            {
                us[(j * m) + i] = u[(j * m) + i] * s[j];
            }
        }

        AssertClose(a, Naive(false, false, m, n, n, Complex.One, us, vt, Complex.Zero, new Complex[m * n]), 1e-13, "U S VT = A");
        AssertClose(Identity(n), Naive(false, true, n, n, n, Complex.One, vt, vt, Complex.Zero, new Complex[n * n]), 1e-13, "VT VT^H = I");
    }

    // ------------------------------------------------------------------ QR

    [TestMethod]
    [DataRow(7, 4)]
    [DataRow(5, 5)]
    [DataRow(1, 1)]
    [DataRow(6, 1)]
    [DataRow(40, 17)]
    public void ThinQr_Complex128(int m, int n) => ThinQr<Complex>(m, n);

    [TestMethod]
    [DataRow(7, 4)]
    [DataRow(5, 5)]
    [DataRow(1, 1)]
    [DataRow(6, 1)]
    [DataRow(40, 17)]
    public void ThinQr_Complex64(int m, int n) => ThinQr<Complex64>(m, n);

    [TestMethod]
    public void ThinQr_SignOfR00_OppositeToRePivot_Complex128() => SignOfR00<Complex>();

    [TestMethod]
    public void ThinQr_SignOfR00_OppositeToRePivot_Complex64() => SignOfR00<Complex64>();

    [TestMethod]
    public void ThinQr_LastReflectorOfSquare_MakesRRealAndQUnitary()
    {
        // A 1 x 1 complex a: zlarfg with x empty but alpha complex is a reflector, R = -sign(Re a) |a|, Q = a / R.
        var lapack = new ManagedCpuLapack<Complex>();
        Complex[] a = [new Complex(3, -4)], r = new Complex[1];
        lapack.ThinQr(a, 1, 1, r);
        Assert.AreEqual(new Complex(-5, 0), r[0]);
        AssertClose([new Complex(-0.6, 0.8)], a, 1e-15, "Q = a / R");
    }

    [TestMethod]
    [DataRow(7, 4)]
    [DataRow(4, 4)]
    [DataRow(3, 6)]
    [DataRow(1, 3)]
    [DataRow(3, 1)]
    public void FullQr_Complex128(int m, int n) => FullQr<Complex>(m, n);

    [TestMethod]
    [DataRow(7, 4)]
    [DataRow(4, 4)]
    [DataRow(3, 6)]
    [DataRow(1, 3)]
    [DataRow(3, 1)]
    public void FullQr_Complex64(int m, int n) => FullQr<Complex64>(m, n);

    // ------------------------------------------------------------------ products and solves

    [TestMethod]
    public void Gemm_EveryAdjointFlag_Complex128() => Gemm<Complex>();

    [TestMethod]
    public void Gemm_EveryAdjointFlag_Complex64() => Gemm<Complex64>();

    [TestMethod]
    public void SolveUpper_LeftRightAdjoint_Complex128() => SolveUpper<Complex>();

    [TestMethod]
    public void SolveUpper_LeftRightAdjoint_Complex64() => SolveUpper<Complex64>();

    // ------------------------------------------------------------------ SVD

    [TestMethod]
    [DataRow(7, 4)]
    [DataRow(4, 4)]
    [DataRow(3, 6)]
    [DataRow(1, 1)]
    public void ThinSvd_Complex128(int m, int n) => ThinSvd<Complex>(m, n);

    [TestMethod]
    [DataRow(7, 4)]
    [DataRow(4, 4)]
    [DataRow(3, 6)]
    [DataRow(1, 1)]
    public void ThinSvd_Complex64(int m, int n) => ThinSvd<Complex64>(m, n);

    // ------------------------------------------------------------------ empty shapes

    [TestMethod]
    public void EmptyShapes_DoNotThrow_Complex128() => EmptyShapes<Complex>();

    [TestMethod]
    public void EmptyShapes_DoNotThrow_Complex64() => EmptyShapes<Complex64>();

    // ------------------------------------------------------------------ cases

    private static void ThinQr<T>(int m, int n)
        where T : unmanaged, INumberBase<T>
    {
        Complex[] a = RandomMatrix<T>(m, n, 100 + m + n);
        T[] q = From<T>(a), r = new T[n * n];
        new ManagedCpuLapack<T>().ThinQr(q, m, n, r);
        Complex[] qc = To(q), rc = To(r);
        double tol = Tol<T>(m);

        AssertUpperWithRealDiagonal(rc, n, n);
        AssertClose(a, Naive(false, false, m, n, n, Complex.One, qc, rc, Complex.Zero, new Complex[m * n]), tol, "Q R = A");
        AssertClose(Identity(n), Naive(true, false, n, n, m, Complex.One, qc, qc, Complex.Zero, new Complex[n * n]), tol, "Q^H Q = I");
        AssertR00(a, m, rc[0], tol);
    }

    private static void SignOfR00<T>()
        where T : unmanaged, INumberBase<T>
    {
        const int m = 6, n = 3;
        foreach (double sign in (double[])[1, -1])
        {
            Complex[] a = RandomMatrix<T>(m, n, 7);
            a[0] = new Complex(sign * 0.75, 0.5);      // Re a_00 of either sign: R_00 has the other
            T[] q = From<T>(a), r = new T[n * n];
            new ManagedCpuLapack<T>().ThinQr(q, m, n, r);
            Complex r00 = To(r)[0];
            Assert.AreEqual(-sign, Math.Sign(r00.Real), $"sign of R_00 for Re a_00 = {a[0].Real}");
            AssertR00(a, m, r00, Tol<T>(m));
        }
    }

    private static void FullQr<T>(int m, int n)
        where T : unmanaged, INumberBase<T>
    {
        Complex[] a = RandomMatrix<T>(m, n, 200 + m + n);
        T[] r = From<T>(a), q = new T[m * m];
        new ManagedCpuLapack<T>().FullQr(r, m, n, q);
        Complex[] qc = To(q), rc = To(r);
        double tol = Tol<T>(Math.Max(m, n));

        AssertUpperWithRealDiagonal(rc, m, n);
        AssertClose(a, Naive(false, false, m, n, m, Complex.One, qc, rc, Complex.Zero, new Complex[m * n]), tol, "Q R = A");
        AssertClose(Identity(m), Naive(true, false, m, m, m, Complex.One, qc, qc, Complex.Zero, new Complex[m * m]), tol, "Q^H Q = I");
        AssertClose(Identity(m), Naive(false, true, m, m, m, Complex.One, qc, qc, Complex.Zero, new Complex[m * m]), tol, "Q Q^H = I");
        AssertR00(a, m, rc[0], tol);
    }

    private static void Gemm<T>()
        where T : unmanaged, INumberBase<T>
    {
        const int m = 3, n = 4, k = 5;
        var lapack = new ManagedCpuLapack<T>();
        Complex alpha = new(0.75, -1.25), beta = new(-0.5, 0.25);
        foreach (bool adjointA in (bool[])[false, true])
        {
            foreach (bool adjointB in (bool[])[false, true])
            {
                Complex[] a = RandomMatrix<T>(adjointA ? k : m, adjointA ? m : k, 31), b = RandomMatrix<T>(adjointB ? n : k, adjointB ? k : n, 32), c = RandomMatrix<T>(m, n, 33);
                T[] ct = From<T>(c);
                lapack.Gemm(adjointA, adjointB, m, n, k, From<T>(alpha), From<T>(a), From<T>(b), From<T>(beta), ct);
                AssertClose(Naive(adjointA, adjointB, m, n, k, alpha, a, b, beta, c), To(ct), Tol<T>(k), $"Gemm({adjointA}, {adjointB})");
            }
        }

        // k = 0: c = beta c.
        Complex[] c0 = RandomMatrix<T>(m, n, 34);
        T[] c0t = From<T>(c0);
        lapack.Gemm(false, true, m, n, 0, From<T>(alpha), [], [], From<T>(beta), c0t);
        AssertClose([.. c0.Select(z => beta * z)], To(c0t), Tol<T>(1), "Gemm with k = 0");
    }

    private static void SolveUpper<T>()
        where T : unmanaged, INumberBase<T>
    {
        const int n = 5, rows = 3;
        var lapack = new ManagedCpuLapack<T>();
        Complex[] r = RandomMatrix<T>(n, n, 41);
        for (int j = 0; j < n; j++)
        {
            r[(j * n) + j] += new Complex(3, 1);          // well conditioned
            for (int i = j + 1; i < n; i++)
            {
                r[(j * n) + i] = new Complex(double.NaN, double.NaN);    // below the diagonal: never read
            }
        }

        Complex[] rUpper = [.. r.Select((z, idx) => idx % n > idx / n ? Complex.Zero : z)];
        foreach (bool right in (bool[])[false, true])
        {
            foreach (bool adjoint in (bool[])[false, true])
            {
                // left: op(R) X = B, X n x rows; right: X op(R) = B, X rows x n.
                int br = right ? rows : n, bc = right ? n : rows;
                Complex[] b = RandomMatrix<T>(br, bc, 42);
                T[] x = From<T>(b);
                lapack.SolveUpper(From<T>(r), n, adjoint, right, x, br, bc);
                Complex[] xc = To(x);
                Complex[] product = right
                    ? Naive(false, adjoint, br, bc, n, Complex.One, xc, rUpper, Complex.Zero, new Complex[br * bc])
                    : Naive(adjoint, false, br, bc, n, Complex.One, rUpper, xc, Complex.Zero, new Complex[br * bc]);
                AssertClose(b, product, Tol<T>(n), $"SolveUpper(adjoint: {adjoint}, right: {right}) residual");
            }
        }
    }

    private static void ThinSvd<T>(int m, int n)
        where T : unmanaged, INumberBase<T>
    {
        int k = Math.Min(m, n);
        Complex[] a = RandomMatrix<T>(m, n, 300 + m + n);
        T[] u = new T[m * k], s = new T[k], v = new T[n * k];
        new ManagedCpuLapack<T>().ThinSvd(From<T>(a), m, n, u, s, v);
        Complex[] uc = To(u), sc = To(s), vc = To(v);
        double tol = Tol<T>(Math.Max(m, n));

        for (int i = 0; i < k; i++)
        {
            Assert.AreEqual(0.0, sc[i].Imaginary, $"Im s[{i}]");
            Assert.IsGreaterThanOrEqualTo(0.0, sc[i].Real, $"s[{i}] >= 0");
            if (i > 0)
            {
                Assert.IsLessThanOrEqualTo(sc[i - 1].Real, sc[i].Real, $"s[{i}] <= s[{i - 1}]");
            }
        }

        var us = new Complex[m * k];
        for (int j = 0; j < k; j++)
        {
            for (int i = 0; i < m; i++)
            {
                us[(j * m) + i] = uc[(j * m) + i] * sc[j];
            }
        }

        AssertClose(a, Naive(false, true, m, n, k, Complex.One, us, vc, Complex.Zero, new Complex[m * n]), tol, "U diag(s) V^H = A");
        AssertClose(Identity(k), Naive(true, false, k, k, m, Complex.One, uc, uc, Complex.Zero, new Complex[k * k]), tol, "U^H U = I");
        AssertClose(Identity(k), Naive(true, false, k, k, n, Complex.One, vc, vc, Complex.Zero, new Complex[k * k]), tol, "V^H V = I");
    }

    private static void EmptyShapes<T>()
        where T : unmanaged, INumberBase<T>
    {
        var lapack = new ManagedCpuLapack<T>();
        foreach ((int m, int n) in ((int, int)[])[(0, 0), (0, 3), (3, 0)])
        {
            int k = Math.Min(m, n);
            lapack.ThinSvd(new T[m * n], m, n, new T[m * k], new T[k], new T[n * k]);
            lapack.FullQr(new T[m * n], m, n, new T[m * m]);
            if (m >= n)
            {
                lapack.ThinQr(new T[m * n], m, n, new T[n * n]);
            }

            lapack.Gemm(false, true, m, n, 2, T.One, new T[m * 2], new T[n * 2], T.Zero, new T[m * n]);
            lapack.Gemm(true, false, 2, 2, m, T.One, new T[m * 2], new T[m * 2], T.Zero, new T[4]);
            lapack.SolveUpper([], 0, true, false, new T[0], 0, n);
            lapack.SolveUpper(new T[n * n], n, true, true, new T[0], 0, n);
        }

        // FullQr of 3 x 0: Q = I.
        T[] q = new T[9];
        lapack.FullQr([], 3, 0, q);
        AssertClose(Identity(3), To(q), 0, "Q of a 3 x 0 matrix");
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>R_00 = -sign(Re a_00) ||a_:0||, imaginary part exactly zero (zlarfg's beta).</summary>
    private static void AssertR00(Complex[] a, int m, Complex r00, double tol)
    {
        if (m == 0)
        {
            return;
        }

        double norm = Math.Sqrt(a.Take(m).Sum(z => (z.Real * z.Real) + (z.Imaginary * z.Imaginary)));
        double expected = a[0].Real < 0 ? norm : -norm;
        Assert.AreEqual(0.0, r00.Imaginary, "Im R_00");
        Assert.AreEqual(expected, r00.Real, tol * Math.Max(1, norm), "R_00 = -sign(Re a_00) ||a_:0||");
    }

    /// <summary>Zeros below the diagonal, and a diagonal whose imaginary parts are exactly zero.</summary>
    private static void AssertUpperWithRealDiagonal(Complex[] r, int rows, int cols)
    {
        for (int j = 0; j < cols; j++)
        {
            for (int i = j; i < rows; i++)
            {
                if (i == j)
                {
                    Assert.AreEqual(0.0, r[(j * rows) + i].Imaginary, $"Im R[{i},{i}]");
                }
                else
                {
                    Assert.AreEqual(Complex.Zero, r[(j * rows) + i], $"R[{i},{j}] below the diagonal");
                }
            }
        }
    }

    /// <summary>c (m x n) = alpha op(a) op(b) + beta c over <see cref="Complex"/>, op = adjoint when flagged; a new array.</summary>
    private static Complex[] Naive(bool adjointA, bool adjointB, int m, int n, int k, Complex alpha, Complex[] a, Complex[] b, Complex beta, Complex[] c)
    {
        var result = new Complex[m * n];
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < m; i++)
            {
                Complex sum = Complex.Zero;
                for (int l = 0; l < k; l++)
                {
                    Complex x = adjointA ? Complex.Conjugate(a[(i * k) + l]) : a[(l * m) + i];
                    Complex y = adjointB ? Complex.Conjugate(b[(l * n) + j]) : b[(j * k) + l];
                    sum += x * y;
                }

                result[(j * m) + i] = (alpha * sum) + (beta == Complex.Zero ? Complex.Zero : beta * c[(j * m) + i]);
            }
        }

        return result;
    }

    private static void AssertClose(Complex[] expected, Complex[] actual, double tol, string what)
    {
        double worst = MaxError(actual, expected, what);

        Assert.IsLessThanOrEqualTo(tol, worst, $"{what}: largest difference {worst:E3} over {tol:E3}");
    }

    /// <summary>50 n eps of the real type: about 1e-14 n for complex128, 6e-6 n for complex64.</summary>
    private static double Tol<T>(int n) =>
        50 * Math.Max(n, 1) * (typeof(T) == typeof(Complex64) ? Math.ScaleB(1.0, -23) : Math.ScaleB(1.0, -52));

    /// <summary>Standard uniform parts in [-1, 1), rounded to T's precision (so the Complex copy is exactly T's value).</summary>
    private static Complex[] RandomMatrix<T>(int rows, int cols, int seed)
        where T : unmanaged, INumberBase<T> => To(From<T>(Random(rows, cols, seed)));
}
