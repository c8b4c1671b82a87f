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
public sealed partial class NativeLapackProvider : ILinearAlgebraProvider
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
    /// <returns><c>true</c> when the provider was created; <c>false</c> when no complete native LAPACK/BLAS loads.</returns>
    public static bool TryCreate(out NativeLapackProvider? provider, out IReadOnlyList<string> probeTrace)
    {
        var trace = new List<string>();
        bool ok = NativeLapack.TryVerify(trace);
        probeTrace = trace;
        provider = ok ? new NativeLapackProvider() : null;
        return ok;
    }

    /// <summary>Whether a complete native LAPACK/BLAS loads in this process.</summary>
    /// <returns><c>true</c> when a complete native LAPACK/BLAS loads.</returns>
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
    /// <returns>The description, e.g. "native LAPACK (liblapack.so.3)".</returns>
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
                Lapack.Gesdd<T, T>('N', m, n, a, m, s, [], 1, [], 1);
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
}
