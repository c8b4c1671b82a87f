using System.Numerics;
using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra.Factorization;
using MathNet.Numerics.Providers.LinearAlgebra;
using OrthoProj.Native;
using Complex = System.Numerics.Complex;

namespace OrthoProj;

/// <summary>
/// A Math.NET Numerics linear algebra provider over the system's native LAPACK/BLAS (OpenBLAS, MKL
/// or reference LAPACK, found by <see cref="LapackLibraries"/>). For <see cref="float"/> and
/// <see cref="double"/> it computes matrix products (gemm), QR (geqrf + orgqr), least squares by
/// QR (geqrf + ormqr + trsm) and the SVD (gesdd) natively; every other member, and the complex
/// types, are forwarded to <see cref="ManagedLinearAlgebraProvider.Instance"/> (Math.NET's
/// managed provider is sealed, so this provider wraps it). Results follow the managed provider's
/// contract: same array shapes, same argument checks, factors equal up to the signs that any
/// Householder QR or SVD leaves free.
/// </summary>
/// <remarks>
/// Math.NET users can make it the process-wide provider:
/// <c>LinearAlgebraControl.Provider = provider;</c> (namespace
/// MathNet.Numerics.Providers.LinearAlgebra); <c>Matrix&lt;double&gt;.QR()</c>, <c>Svd()</c> and
/// products then run in native LAPACK. All methods are thread-safe: LAPACK routines keep no
/// state between calls.
/// </remarks>
public sealed class NativeLapackProvider : ILinearAlgebraProvider
{
    private static readonly ManagedLinearAlgebraProvider Managed = ManagedLinearAlgebraProvider.Instance;

    private NativeLapackProvider()
    {
    }

    /// <summary>
    /// Creates the provider when a native LAPACK/BLAS with every routine OrthoProj binds loads;
    /// otherwise returns <c>false</c>. Never throws for a missing or incomplete library.
    /// </summary>
    /// <param name="provider">The provider, or <c>null</c>.</param>
    /// <param name="probeTrace">Every file tried and the loader's answer, plus the reason on failure.</param>
    public static bool TryCreate(out NativeLapackProvider? provider, out IReadOnlyList<string> probeTrace)
    {
        var trace = new List<string>();
        bool ok = NativeLapack.TryVerify(trace);
        probeTrace = trace;
        provider = ok ? new NativeLapackProvider() : null;
        return ok;
    }

    /// <summary>Whether a complete native LAPACK/BLAS loads in this process.</summary>
    public bool IsAvailable() => NativeLapack.TryVerify([]);

    /// <summary>Checks that the native library is loaded and complete.</summary>
    /// <exception cref="NotSupportedException">No complete native LAPACK/BLAS loads; the message holds the probe trace.</exception>
    public void InitializeVerify()
    {
        var trace = new List<string>();
        if (!NativeLapack.TryVerify(trace))
        {
            throw new NotSupportedException("Native LAPACK is not available. Probe trace:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", trace));
        }
    }

    /// <summary>
    /// Releases nothing: the native library stays loaded for the process (it cannot be unloaded
    /// safely while bindings may still call it) and workspaces are rented per call.
    /// </summary>
    public void FreeResources()
    {
    }

    /// <summary>"native LAPACK (file)", naming the BLAS file too when it differs.</summary>
    public override string ToString() => NativeLapack.Description;

    // ---- double and float: native ----

    /// <summary>result = x y, BLAS dgemm (alpha = 1, beta = 0, no transposes).</summary>
    /// <inheritdoc cref="ILinearAlgebraProvider{T}.MatrixMultiply(T[], int, int, T[], int, int, T[])"/>
    public void MatrixMultiply(double[] x, int rowsX, int columnsX, double[] y, int rowsY, int columnsY, double[] result) =>
        Multiply(Transpose.DontTranspose, Transpose.DontTranspose, 1.0, x, rowsX, columnsX, y, rowsY, columnsY, 0.0, result);

    /// <summary>result = x y, BLAS sgemm (alpha = 1, beta = 0, no transposes).</summary>
    /// <inheritdoc cref="ILinearAlgebraProvider{T}.MatrixMultiply(T[], int, int, T[], int, int, T[])"/>
    public void MatrixMultiply(float[] x, int rowsX, int columnsX, float[] y, int rowsY, int columnsY, float[] result) =>
        Multiply(Transpose.DontTranspose, Transpose.DontTranspose, 1f, x, rowsX, columnsX, y, rowsY, columnsY, 0f, result);

    /// <summary>c = alpha op(a) op(b) + beta c, BLAS dgemm.</summary>
    /// <inheritdoc cref="ILinearAlgebraProvider{T}.MatrixMultiplyWithUpdate(Transpose, Transpose, T, T[], int, int, T[], int, int, T, T[])"/>
    public void MatrixMultiplyWithUpdate(Transpose transposeA, Transpose transposeB, double alpha, double[] a, int rowsA, int columnsA, double[] b, int rowsB, int columnsB, double beta, double[] c) =>
        Multiply(transposeA, transposeB, alpha, a, rowsA, columnsA, b, rowsB, columnsB, beta, c);

    /// <summary>c = alpha op(a) op(b) + beta c, BLAS sgemm.</summary>
    /// <inheritdoc cref="ILinearAlgebraProvider{T}.MatrixMultiplyWithUpdate(Transpose, Transpose, T, T[], int, int, T[], int, int, T, T[])"/>
    public void MatrixMultiplyWithUpdate(Transpose transposeA, Transpose transposeB, float alpha, float[] a, int rowsA, int columnsA, float[] b, int rowsB, int columnsB, float beta, float[] c) =>
        Multiply(transposeA, transposeB, alpha, a, rowsA, columnsA, b, rowsB, columnsB, beta, c);

    /// <summary>
    /// Full QR, LAPACK dgeqrf then dorgqr: <paramref name="a"/> (m x n) is overwritten with R
    /// (upper trapezoidal, zeros below the diagonal, as the managed provider leaves it),
    /// <paramref name="q"/> receives Q (m x m) and <paramref name="tau"/> geqrf's reflector scalars
    /// (the managed provider leaves it untouched; nothing in Math.NET reads it back).
    /// </summary>
    /// <inheritdoc cref="ILinearAlgebraProvider{T}.QRFactor(T[], int, int, T[], T[])"/>
    public void QRFactor(double[] a, int rowsA, int columnsA, double[] q, double[] tau) => FullQr(a, rowsA, columnsA, q, tau);

    /// <summary>Full QR, LAPACK sgeqrf then sorgqr; see the double overload.</summary>
    /// <inheritdoc cref="ILinearAlgebraProvider{T}.QRFactor(T[], int, int, T[], T[])"/>
    public void QRFactor(float[] a, int rowsA, int columnsA, float[] q, float[] tau) => FullQr(a, rowsA, columnsA, q, tau);

    /// <summary>
    /// Thin QR of a tall matrix (m &gt;= n), LAPACK dgeqrf then dorgqr: <paramref name="a"/> is
    /// overwritten with Q (m x n), <paramref name="r"/> receives R (n x n, zeros below the
    /// diagonal), <paramref name="tau"/> geqrf's reflector scalars.
    /// </summary>
    /// <inheritdoc cref="ILinearAlgebraProvider{T}.ThinQRFactor(T[], int, int, T[], T[])"/>
    public void ThinQRFactor(double[] a, int rowsA, int columnsA, double[] r, double[] tau) => ThinQr(a, rowsA, columnsA, r, tau);

    /// <summary>Thin QR, LAPACK sgeqrf then sorgqr; see the double overload.</summary>
    /// <inheritdoc cref="ILinearAlgebraProvider{T}.ThinQRFactor(T[], int, int, T[], T[])"/>
    public void ThinQRFactor(float[] a, int rowsA, int columnsA, float[] r, float[] tau) => ThinQr(a, rowsA, columnsA, r, tau);

    /// <summary>
    /// Least squares x = argmin |a x - b| for a tall full-rank a, LAPACK dgeqrf, dormqr (Q^T b)
    /// and dtrsm (R x = (Q^T b)[:n]); <paramref name="a"/> is not modified. Both methods give
    /// the same solution: Q is never formed.
    /// </summary>
    /// <inheritdoc cref="ILinearAlgebraProvider{T}.QRSolve(T[], int, int, T[], int, T[], QRMethod)"/>
    public void QRSolve(double[] a, int rows, int columns, double[] b, int columnsB, double[] x, QRMethod method = QRMethod.Full) =>
        SolveByQr(a, rows, columns, b, columnsB, x);

    /// <summary>Least squares by sgeqrf, sormqr and strsm; see the double overload.</summary>
    /// <inheritdoc cref="ILinearAlgebraProvider{T}.QRSolve(T[], int, int, T[], int, T[], QRMethod)"/>
    public void QRSolve(float[] a, int rows, int columns, float[] b, int columnsB, float[] x, QRMethod method = QRMethod.Full) =>
        SolveByQr(a, rows, columns, b, columnsB, x);

    /// <summary>
    /// SVD, LAPACK dgesdd (JOBZ = 'A', or 'N' without vectors): s receives the min(m, n)
    /// singular values in decreasing order, u (m x m) and vt (n x n) the singular vectors;
    /// <paramref name="a"/> is destroyed.
    /// </summary>
    /// <inheritdoc cref="ILinearAlgebraProvider{T}.SingularValueDecomposition(bool, T[], int, int, T[], T[], T[])"/>
    /// <exception cref="NonConvergenceException">gesdd did not converge (INFO &gt; 0; the inner exception is the <see cref="LapackException"/>).</exception>
    public void SingularValueDecomposition(bool computeVectors, double[] a, int rowsA, int columnsA, double[] s, double[] u, double[] vt) =>
        Svd(computeVectors, a, rowsA, columnsA, s, u, vt);

    /// <summary>SVD, LAPACK sgesdd; see the double overload.</summary>
    /// <inheritdoc cref="ILinearAlgebraProvider{T}.SingularValueDecomposition(bool, T[], int, int, T[], T[], T[])"/>
    /// <exception cref="NonConvergenceException">gesdd did not converge.</exception>
    public void SingularValueDecomposition(bool computeVectors, float[] a, int rowsA, int columnsA, float[] s, float[] u, float[] vt) =>
        Svd(computeVectors, a, rowsA, columnsA, s, u, vt);

    /// <summary>x = V S^-1 U^T b through <see cref="SingularValueDecomposition(bool, double[], int, int, double[], double[], double[])"/> (gesdd); a is not modified.</summary>
    /// <inheritdoc cref="ILinearAlgebraProvider{T}.SvdSolve(T[], int, int, T[], int, T[])"/>
    public void SvdSolve(double[] a, int rowsA, int columnsA, double[] b, int columnsB, double[] x)
    {
        CheckSolveArguments(a, rowsA, columnsA, b, columnsB, x);
        var s = new double[Math.Min(rowsA, columnsA)];
        var u = new double[rowsA * rowsA];
        var vt = new double[columnsA * columnsA];
        SingularValueDecomposition(true, (double[])a.Clone(), rowsA, columnsA, s, u, vt);
        Managed.SvdSolveFactored(rowsA, columnsA, s, u, vt, b, columnsB, x);
    }

    /// <summary>x = V S^-1 U^T b through sgesdd; a is not modified.</summary>
    /// <inheritdoc cref="ILinearAlgebraProvider{T}.SvdSolve(T[], int, int, T[], int, T[])"/>
    public void SvdSolve(float[] a, int rowsA, int columnsA, float[] b, int columnsB, float[] x)
    {
        CheckSolveArguments(a, rowsA, columnsA, b, columnsB, x);
        var s = new float[Math.Min(rowsA, columnsA)];
        var u = new float[rowsA * rowsA];
        var vt = new float[columnsA * columnsA];
        SingularValueDecomposition(true, (float[])a.Clone(), rowsA, columnsA, s, u, vt);
        Managed.SvdSolveFactored(rowsA, columnsA, s, u, vt, b, columnsB, x);
    }

    private static void Multiply<T>(Transpose transposeA, Transpose transposeB, T alpha, T[] a, int rowsA, int columnsA, T[] b, int rowsB, int columnsB, T beta, T[] c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(c);
        bool ta = transposeA != Transpose.DontTranspose, tb = transposeB != Transpose.DontTranspose;
        int m = ta ? columnsA : rowsA, k = ta ? rowsA : columnsA;
        int kb = tb ? columnsB : rowsB, n = tb ? rowsB : columnsB;
        if (k != kb)
        {
            throw new ArgumentOutOfRangeException($"{(ta ? "rowsA" : "columnsA")} ({k}) != {(tb ? "columnsB" : "rowsB")} ({kb})");
        }

        CheckLength(a, rowsA, columnsA, nameof(a));
        CheckLength(b, rowsB, columnsB, nameof(b));
        CheckLength(c, m, n, nameof(c));
        Lapack.Gemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, Math.Max(1, rowsA), b, Math.Max(1, rowsB), beta, c, Math.Max(1, m));
    }

    private static void FullQr<T>(T[] a, int m, int n, T[] q, T[] tau)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(tau);
        CheckLength(a, m, n, nameof(a));
        if (q.Length != m * m)
        {
            throw new ArgumentException("The given array has the wrong length. Should be rowsR * rowsR.", nameof(q));
        }

        int k = Math.Min(m, n);
        if (tau.Length < k)
        {
            throw new ArgumentException($"tau holds {tau.Length} elements; min(rows, columns) = {k} are needed.", nameof(tau));
        }

        // The reflectors (below the diagonal of the first k columns) are all orgqr reads; it sets
        // the other entries of Q itself, including the columns past k (to unit columns, then
        // transformed), so q's prior content does not matter.
        Lapack.Geqrf(m, n, a, Math.Max(1, m), tau);
        Array.Copy(a, q, m * k);
        Lapack.Orgqr(m, m, k, q, Math.Max(1, m), tau);
        ZeroBelowDiagonal(a, m, n);
    }

    private static void ThinQr<T>(T[] a, int m, int n, T[] r, T[] tau)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(tau);
        if (m < n)
        {
            throw new ArgumentException($"The thin QR needs rows >= columns; the matrix is {m} x {n}. Use QRFactor.", nameof(a));
        }

        CheckLength(a, m, n, nameof(a));
        if (r.Length != n * n)
        {
            throw new ArgumentException("The given array has the wrong length. Should be columnsR * columnsR.", nameof(r));
        }

        if (tau.Length < n)
        {
            throw new ArgumentException($"tau holds {tau.Length} elements; {n} are needed.", nameof(tau));
        }

        Lapack.Geqrf(m, n, a, Math.Max(1, m), tau);
        Array.Clear(r);
        for (int j = 0; j < n; j++)
        {
            Array.Copy(a, j * m, r, j * n, j + 1);
        }

        Lapack.Orgqr(m, n, n, a, Math.Max(1, m), tau);
    }

    private static void SolveByQr<T>(T[] a, int rows, int columns, T[] b, int columnsB, T[] x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSolveArguments(a, rows, columns, b, columnsB, x);
        if (rows < columns)
        {
            throw new ArgumentException($"QR least squares needs rows >= columns; the matrix is {rows} x {columns}.", nameof(a));
        }

        if (columns == 0 || columnsB == 0)
        {
            Array.Clear(x);
            return;
        }

        T[] f = (T[])a.Clone();
        var tau = new T[columns];
        T[] c = (T[])b.Clone();
        Lapack.Geqrf(rows, columns, f, rows, tau);
        Lapack.Ormqr('L', 'T', rows, columnsB, columns, f, rows, tau, c, rows);
        Lapack.Trsm('L', 'U', 'N', 'N', columns, columnsB, T.One, f, rows, c, rows);
        for (int j = 0; j < columnsB; j++)
        {
            Array.Copy(c, j * rows, x, j * columns, columns);
        }
    }

    private static void Svd<T>(bool computeVectors, T[] a, int m, int n, T[] s, T[] u, T[] vt)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(vt);
        CheckLength(a, m, n, nameof(a));
        if (s.Length != Math.Min(m, n))
        {
            throw new ArgumentException("The array arguments must have the same length.", nameof(s));
        }

        if (computeVectors)
        {
            if (u.Length != m * m)
            {
                throw new ArgumentException($"u holds {u.Length} elements; rows * rows = {m * m} are needed.", nameof(u));
            }

            if (vt.Length != n * n)
            {
                throw new ArgumentException($"vt holds {vt.Length} elements; columns * columns = {n * n} are needed.", nameof(vt));
            }
        }

        if (m == 0 || n == 0)
        {
            if (computeVectors)
            {
                SetIdentity(u, m);
                SetIdentity(vt, n);
            }

            return;
        }

        try
        {
            if (computeVectors)
            {
                Lapack.Gesdd('A', m, n, a, m, s, u, m, vt, n);
            }
            else
            {
                Lapack.Gesdd<T>('N', m, n, a, m, s, [], 1, [], 1);
            }
        }
        catch (LapackException e) when (e.Info > 0)
        {
            throw new NonConvergenceException($"The SVD did not converge ({e.Message})", e);
        }
    }

    private static void CheckSolveArguments<T>(T[] a, int rows, int columns, T[] b, int columnsB, T[] x)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(x);
        CheckLength(a, rows, columns, nameof(a));
        CheckLength(b, rows, columnsB, nameof(b));
        CheckLength(x, columns, columnsB, nameof(x));
    }

    private static void CheckLength<T>(T[] x, int rows, int cols, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        if (x.Length != (long)rows * cols)
        {
            throw new ArgumentException($"The array has the wrong length: {x.Length} elements for a {rows} x {cols} matrix.", name);
        }
    }

    private static void ZeroBelowDiagonal<T>(T[] a, int m, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int j = 0; j < n && j < m; j++)
        {
            Array.Clear(a, (j * m) + j + 1, m - j - 1);
        }
    }

    private static void SetIdentity<T>(T[] a, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Array.Clear(a);
        for (int i = 0; i < n; i++)
        {
            a[(i * n) + i] = T.One;
        }
    }

    // ---- double: forwarded to the managed provider ----

    /// <inheritdoc/>
    public void AddVectorToScaledVector(double[] y, double alpha, double[] x, double[] result) =>
        Managed.AddVectorToScaledVector(y, alpha, x, result);

    /// <inheritdoc/>
    public void ScaleArray(double alpha, double[] x, double[] result) =>
        Managed.ScaleArray(alpha, x, result);

    /// <inheritdoc/>
    public void ConjugateArray(double[] x, double[] result) =>
        Managed.ConjugateArray(x, result);

    /// <inheritdoc/>
    public double DotProduct(double[] x, double[] y) =>
        Managed.DotProduct(x, y);

    /// <inheritdoc/>
    public void AddArrays(double[] x, double[] y, double[] result) =>
        Managed.AddArrays(x, y, result);

    /// <inheritdoc/>
    public void SubtractArrays(double[] x, double[] y, double[] result) =>
        Managed.SubtractArrays(x, y, result);

    /// <inheritdoc/>
    public void PointWiseMultiplyArrays(double[] x, double[] y, double[] result) =>
        Managed.PointWiseMultiplyArrays(x, y, result);

    /// <inheritdoc/>
    public void PointWiseDivideArrays(double[] x, double[] y, double[] result) =>
        Managed.PointWiseDivideArrays(x, y, result);

    /// <inheritdoc/>
    public void PointWisePowerArrays(double[] x, double[] y, double[] result) =>
        Managed.PointWisePowerArrays(x, y, result);

    /// <inheritdoc/>
    public double MatrixNorm(Norm norm, int rows, int columns, double[] matrix) =>
        Managed.MatrixNorm(norm, rows, columns, matrix);

    /// <inheritdoc/>
    public void LUFactor(double[] data, int order, int[] ipiv) =>
        Managed.LUFactor(data, order, ipiv);

    /// <inheritdoc/>
    public void LUInverse(double[] a, int order) =>
        Managed.LUInverse(a, order);

    /// <inheritdoc/>
    public void LUInverseFactored(double[] a, int order, int[] ipiv) =>
        Managed.LUInverseFactored(a, order, ipiv);

    /// <inheritdoc/>
    public void LUSolve(int columnsOfB, double[] a, int order, double[] b) =>
        Managed.LUSolve(columnsOfB, a, order, b);

    /// <inheritdoc/>
    public void LUSolveFactored(int columnsOfB, double[] a, int order, int[] ipiv, double[] b) =>
        Managed.LUSolveFactored(columnsOfB, a, order, ipiv, b);

    /// <inheritdoc/>
    public void CholeskyFactor(double[] a, int order) =>
        Managed.CholeskyFactor(a, order);

    /// <inheritdoc/>
    public void CholeskySolve(double[] a, int orderA, double[] b, int columnsB) =>
        Managed.CholeskySolve(a, orderA, b, columnsB);

    /// <inheritdoc/>
    public void CholeskySolveFactored(double[] a, int orderA, double[] b, int columnsB) =>
        Managed.CholeskySolveFactored(a, orderA, b, columnsB);

    /// <inheritdoc/>
    public void QRSolveFactored(double[] q, double[] r, int rowsA, int columnsA, double[] tau, double[] b, int columnsB, double[] x, QRMethod method = QRMethod.Full) =>
        Managed.QRSolveFactored(q, r, rowsA, columnsA, tau, b, columnsB, x, method);

    /// <inheritdoc/>
    public void SvdSolveFactored(int rowsA, int columnsA, double[] s, double[] u, double[] vt, double[] b, int columnsB, double[] x) =>
        Managed.SvdSolveFactored(rowsA, columnsA, s, u, vt, b, columnsB, x);

    /// <inheritdoc/>
    public void EigenDecomp(bool isSymmetric, int order, double[] matrix, double[] matrixEv, Complex[] vectorEv, double[] matrixD) =>
        Managed.EigenDecomp(isSymmetric, order, matrix, matrixEv, vectorEv, matrixD);

    // ---- float: forwarded to the managed provider ----

    /// <inheritdoc/>
    public void AddVectorToScaledVector(float[] y, float alpha, float[] x, float[] result) =>
        Managed.AddVectorToScaledVector(y, alpha, x, result);

    /// <inheritdoc/>
    public void ScaleArray(float alpha, float[] x, float[] result) =>
        Managed.ScaleArray(alpha, x, result);

    /// <inheritdoc/>
    public void ConjugateArray(float[] x, float[] result) =>
        Managed.ConjugateArray(x, result);

    /// <inheritdoc/>
    public float DotProduct(float[] x, float[] y) =>
        Managed.DotProduct(x, y);

    /// <inheritdoc/>
    public void AddArrays(float[] x, float[] y, float[] result) =>
        Managed.AddArrays(x, y, result);

    /// <inheritdoc/>
    public void SubtractArrays(float[] x, float[] y, float[] result) =>
        Managed.SubtractArrays(x, y, result);

    /// <inheritdoc/>
    public void PointWiseMultiplyArrays(float[] x, float[] y, float[] result) =>
        Managed.PointWiseMultiplyArrays(x, y, result);

    /// <inheritdoc/>
    public void PointWiseDivideArrays(float[] x, float[] y, float[] result) =>
        Managed.PointWiseDivideArrays(x, y, result);

    /// <inheritdoc/>
    public void PointWisePowerArrays(float[] x, float[] y, float[] result) =>
        Managed.PointWisePowerArrays(x, y, result);

    /// <inheritdoc/>
    public double MatrixNorm(Norm norm, int rows, int columns, float[] matrix) =>
        Managed.MatrixNorm(norm, rows, columns, matrix);

    /// <inheritdoc/>
    public void LUFactor(float[] data, int order, int[] ipiv) =>
        Managed.LUFactor(data, order, ipiv);

    /// <inheritdoc/>
    public void LUInverse(float[] a, int order) =>
        Managed.LUInverse(a, order);

    /// <inheritdoc/>
    public void LUInverseFactored(float[] a, int order, int[] ipiv) =>
        Managed.LUInverseFactored(a, order, ipiv);

    /// <inheritdoc/>
    public void LUSolve(int columnsOfB, float[] a, int order, float[] b) =>
        Managed.LUSolve(columnsOfB, a, order, b);

    /// <inheritdoc/>
    public void LUSolveFactored(int columnsOfB, float[] a, int order, int[] ipiv, float[] b) =>
        Managed.LUSolveFactored(columnsOfB, a, order, ipiv, b);

    /// <inheritdoc/>
    public void CholeskyFactor(float[] a, int order) =>
        Managed.CholeskyFactor(a, order);

    /// <inheritdoc/>
    public void CholeskySolve(float[] a, int orderA, float[] b, int columnsB) =>
        Managed.CholeskySolve(a, orderA, b, columnsB);

    /// <inheritdoc/>
    public void CholeskySolveFactored(float[] a, int orderA, float[] b, int columnsB) =>
        Managed.CholeskySolveFactored(a, orderA, b, columnsB);

    /// <inheritdoc/>
    public void QRSolveFactored(float[] q, float[] r, int rowsA, int columnsA, float[] tau, float[] b, int columnsB, float[] x, QRMethod method = QRMethod.Full) =>
        Managed.QRSolveFactored(q, r, rowsA, columnsA, tau, b, columnsB, x, method);

    /// <inheritdoc/>
    public void SvdSolveFactored(int rowsA, int columnsA, float[] s, float[] u, float[] vt, float[] b, int columnsB, float[] x) =>
        Managed.SvdSolveFactored(rowsA, columnsA, s, u, vt, b, columnsB, x);

    /// <inheritdoc/>
    public void EigenDecomp(bool isSymmetric, int order, float[] matrix, float[] matrixEv, Complex[] vectorEv, float[] matrixD) =>
        Managed.EigenDecomp(isSymmetric, order, matrix, matrixEv, vectorEv, matrixD);

    // ---- Complex: forwarded to the managed provider ----

    /// <inheritdoc/>
    public void AddVectorToScaledVector(Complex[] y, Complex alpha, Complex[] x, Complex[] result) =>
        Managed.AddVectorToScaledVector(y, alpha, x, result);

    /// <inheritdoc/>
    public void ScaleArray(Complex alpha, Complex[] x, Complex[] result) =>
        Managed.ScaleArray(alpha, x, result);

    /// <inheritdoc/>
    public void ConjugateArray(Complex[] x, Complex[] result) =>
        Managed.ConjugateArray(x, result);

    /// <inheritdoc/>
    public Complex DotProduct(Complex[] x, Complex[] y) =>
        Managed.DotProduct(x, y);

    /// <inheritdoc/>
    public void AddArrays(Complex[] x, Complex[] y, Complex[] result) =>
        Managed.AddArrays(x, y, result);

    /// <inheritdoc/>
    public void SubtractArrays(Complex[] x, Complex[] y, Complex[] result) =>
        Managed.SubtractArrays(x, y, result);

    /// <inheritdoc/>
    public void PointWiseMultiplyArrays(Complex[] x, Complex[] y, Complex[] result) =>
        Managed.PointWiseMultiplyArrays(x, y, result);

    /// <inheritdoc/>
    public void PointWiseDivideArrays(Complex[] x, Complex[] y, Complex[] result) =>
        Managed.PointWiseDivideArrays(x, y, result);

    /// <inheritdoc/>
    public void PointWisePowerArrays(Complex[] x, Complex[] y, Complex[] result) =>
        Managed.PointWisePowerArrays(x, y, result);

    /// <inheritdoc/>
    public double MatrixNorm(Norm norm, int rows, int columns, Complex[] matrix) =>
        Managed.MatrixNorm(norm, rows, columns, matrix);

    /// <inheritdoc/>
    public void MatrixMultiply(Complex[] x, int rowsX, int columnsX, Complex[] y, int rowsY, int columnsY, Complex[] result) =>
        Managed.MatrixMultiply(x, rowsX, columnsX, y, rowsY, columnsY, result);

    /// <inheritdoc/>
    public void MatrixMultiplyWithUpdate(Transpose transposeA, Transpose transposeB, Complex alpha, Complex[] a, int rowsA, int columnsA, Complex[] b, int rowsB, int columnsB, Complex beta, Complex[] c) =>
        Managed.MatrixMultiplyWithUpdate(transposeA, transposeB, alpha, a, rowsA, columnsA, b, rowsB, columnsB, beta, c);

    /// <inheritdoc/>
    public void LUFactor(Complex[] data, int order, int[] ipiv) =>
        Managed.LUFactor(data, order, ipiv);

    /// <inheritdoc/>
    public void LUInverse(Complex[] a, int order) =>
        Managed.LUInverse(a, order);

    /// <inheritdoc/>
    public void LUInverseFactored(Complex[] a, int order, int[] ipiv) =>
        Managed.LUInverseFactored(a, order, ipiv);

    /// <inheritdoc/>
    public void LUSolve(int columnsOfB, Complex[] a, int order, Complex[] b) =>
        Managed.LUSolve(columnsOfB, a, order, b);

    /// <inheritdoc/>
    public void LUSolveFactored(int columnsOfB, Complex[] a, int order, int[] ipiv, Complex[] b) =>
        Managed.LUSolveFactored(columnsOfB, a, order, ipiv, b);

    /// <inheritdoc/>
    public void CholeskyFactor(Complex[] a, int order) =>
        Managed.CholeskyFactor(a, order);

    /// <inheritdoc/>
    public void CholeskySolve(Complex[] a, int orderA, Complex[] b, int columnsB) =>
        Managed.CholeskySolve(a, orderA, b, columnsB);

    /// <inheritdoc/>
    public void CholeskySolveFactored(Complex[] a, int orderA, Complex[] b, int columnsB) =>
        Managed.CholeskySolveFactored(a, orderA, b, columnsB);

    /// <inheritdoc/>
    public void QRFactor(Complex[] a, int rowsA, int columnsA, Complex[] q, Complex[] tau) =>
        Managed.QRFactor(a, rowsA, columnsA, q, tau);

    /// <inheritdoc/>
    public void ThinQRFactor(Complex[] a, int rowsA, int columnsA, Complex[] r, Complex[] tau) =>
        Managed.ThinQRFactor(a, rowsA, columnsA, r, tau);

    /// <inheritdoc/>
    public void QRSolve(Complex[] a, int rows, int columns, Complex[] b, int columnsB, Complex[] x, QRMethod method = QRMethod.Full) =>
        Managed.QRSolve(a, rows, columns, b, columnsB, x, method);

    /// <inheritdoc/>
    public void QRSolveFactored(Complex[] q, Complex[] r, int rowsA, int columnsA, Complex[] tau, Complex[] b, int columnsB, Complex[] x, QRMethod method = QRMethod.Full) =>
        Managed.QRSolveFactored(q, r, rowsA, columnsA, tau, b, columnsB, x, method);

    /// <inheritdoc/>
    public void SingularValueDecomposition(bool computeVectors, Complex[] a, int rowsA, int columnsA, Complex[] s, Complex[] u, Complex[] vt) =>
        Managed.SingularValueDecomposition(computeVectors, a, rowsA, columnsA, s, u, vt);

    /// <inheritdoc/>
    public void SvdSolve(Complex[] a, int rowsA, int columnsA, Complex[] b, int columnsB, Complex[] x) =>
        Managed.SvdSolve(a, rowsA, columnsA, b, columnsB, x);

    /// <inheritdoc/>
    public void SvdSolveFactored(int rowsA, int columnsA, Complex[] s, Complex[] u, Complex[] vt, Complex[] b, int columnsB, Complex[] x) =>
        Managed.SvdSolveFactored(rowsA, columnsA, s, u, vt, b, columnsB, x);

    /// <inheritdoc/>
    public void EigenDecomp(bool isSymmetric, int order, Complex[] matrix, Complex[] matrixEv, Complex[] vectorEv, Complex[] matrixD) =>
        Managed.EigenDecomp(isSymmetric, order, matrix, matrixEv, vectorEv, matrixD);

    // ---- Complex32: forwarded to the managed provider ----

    /// <inheritdoc/>
    public void AddVectorToScaledVector(Complex32[] y, Complex32 alpha, Complex32[] x, Complex32[] result) =>
        Managed.AddVectorToScaledVector(y, alpha, x, result);

    /// <inheritdoc/>
    public void ScaleArray(Complex32 alpha, Complex32[] x, Complex32[] result) =>
        Managed.ScaleArray(alpha, x, result);

    /// <inheritdoc/>
    public void ConjugateArray(Complex32[] x, Complex32[] result) =>
        Managed.ConjugateArray(x, result);

    /// <inheritdoc/>
    public Complex32 DotProduct(Complex32[] x, Complex32[] y) =>
        Managed.DotProduct(x, y);

    /// <inheritdoc/>
    public void AddArrays(Complex32[] x, Complex32[] y, Complex32[] result) =>
        Managed.AddArrays(x, y, result);

    /// <inheritdoc/>
    public void SubtractArrays(Complex32[] x, Complex32[] y, Complex32[] result) =>
        Managed.SubtractArrays(x, y, result);

    /// <inheritdoc/>
    public void PointWiseMultiplyArrays(Complex32[] x, Complex32[] y, Complex32[] result) =>
        Managed.PointWiseMultiplyArrays(x, y, result);

    /// <inheritdoc/>
    public void PointWiseDivideArrays(Complex32[] x, Complex32[] y, Complex32[] result) =>
        Managed.PointWiseDivideArrays(x, y, result);

    /// <inheritdoc/>
    public void PointWisePowerArrays(Complex32[] x, Complex32[] y, Complex32[] result) =>
        Managed.PointWisePowerArrays(x, y, result);

    /// <inheritdoc/>
    public double MatrixNorm(Norm norm, int rows, int columns, Complex32[] matrix) =>
        Managed.MatrixNorm(norm, rows, columns, matrix);

    /// <inheritdoc/>
    public void MatrixMultiply(Complex32[] x, int rowsX, int columnsX, Complex32[] y, int rowsY, int columnsY, Complex32[] result) =>
        Managed.MatrixMultiply(x, rowsX, columnsX, y, rowsY, columnsY, result);

    /// <inheritdoc/>
    public void MatrixMultiplyWithUpdate(Transpose transposeA, Transpose transposeB, Complex32 alpha, Complex32[] a, int rowsA, int columnsA, Complex32[] b, int rowsB, int columnsB, Complex32 beta, Complex32[] c) =>
        Managed.MatrixMultiplyWithUpdate(transposeA, transposeB, alpha, a, rowsA, columnsA, b, rowsB, columnsB, beta, c);

    /// <inheritdoc/>
    public void LUFactor(Complex32[] data, int order, int[] ipiv) =>
        Managed.LUFactor(data, order, ipiv);

    /// <inheritdoc/>
    public void LUInverse(Complex32[] a, int order) =>
        Managed.LUInverse(a, order);

    /// <inheritdoc/>
    public void LUInverseFactored(Complex32[] a, int order, int[] ipiv) =>
        Managed.LUInverseFactored(a, order, ipiv);

    /// <inheritdoc/>
    public void LUSolve(int columnsOfB, Complex32[] a, int order, Complex32[] b) =>
        Managed.LUSolve(columnsOfB, a, order, b);

    /// <inheritdoc/>
    public void LUSolveFactored(int columnsOfB, Complex32[] a, int order, int[] ipiv, Complex32[] b) =>
        Managed.LUSolveFactored(columnsOfB, a, order, ipiv, b);

    /// <inheritdoc/>
    public void CholeskyFactor(Complex32[] a, int order) =>
        Managed.CholeskyFactor(a, order);

    /// <inheritdoc/>
    public void CholeskySolve(Complex32[] a, int orderA, Complex32[] b, int columnsB) =>
        Managed.CholeskySolve(a, orderA, b, columnsB);

    /// <inheritdoc/>
    public void CholeskySolveFactored(Complex32[] a, int orderA, Complex32[] b, int columnsB) =>
        Managed.CholeskySolveFactored(a, orderA, b, columnsB);

    /// <inheritdoc/>
    public void QRFactor(Complex32[] a, int rowsA, int columnsA, Complex32[] q, Complex32[] tau) =>
        Managed.QRFactor(a, rowsA, columnsA, q, tau);

    /// <inheritdoc/>
    public void ThinQRFactor(Complex32[] a, int rowsA, int columnsA, Complex32[] r, Complex32[] tau) =>
        Managed.ThinQRFactor(a, rowsA, columnsA, r, tau);

    /// <inheritdoc/>
    public void QRSolve(Complex32[] a, int rows, int columns, Complex32[] b, int columnsB, Complex32[] x, QRMethod method = QRMethod.Full) =>
        Managed.QRSolve(a, rows, columns, b, columnsB, x, method);

    /// <inheritdoc/>
    public void QRSolveFactored(Complex32[] q, Complex32[] r, int rowsA, int columnsA, Complex32[] tau, Complex32[] b, int columnsB, Complex32[] x, QRMethod method = QRMethod.Full) =>
        Managed.QRSolveFactored(q, r, rowsA, columnsA, tau, b, columnsB, x, method);

    /// <inheritdoc/>
    public void SingularValueDecomposition(bool computeVectors, Complex32[] a, int rowsA, int columnsA, Complex32[] s, Complex32[] u, Complex32[] vt) =>
        Managed.SingularValueDecomposition(computeVectors, a, rowsA, columnsA, s, u, vt);

    /// <inheritdoc/>
    public void SvdSolve(Complex32[] a, int rowsA, int columnsA, Complex32[] b, int columnsB, Complex32[] x) =>
        Managed.SvdSolve(a, rowsA, columnsA, b, columnsB, x);

    /// <inheritdoc/>
    public void SvdSolveFactored(int rowsA, int columnsA, Complex32[] s, Complex32[] u, Complex32[] vt, Complex32[] b, int columnsB, Complex32[] x) =>
        Managed.SvdSolveFactored(rowsA, columnsA, s, u, vt, b, columnsB, x);

    /// <inheritdoc/>
    public void EigenDecomp(bool isSymmetric, int order, Complex32[] matrix, Complex32[] matrixEv, Complex[] vectorEv, Complex32[] matrixD) =>
        Managed.EigenDecomp(isSymmetric, order, matrix, matrixEv, vectorEv, matrixD);
}
