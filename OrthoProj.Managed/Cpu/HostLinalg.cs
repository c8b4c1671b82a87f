using System.Numerics;
using MathNet.Numerics.Providers.LinearAlgebra;
using OrthoProj.Native;

namespace OrthoProj.Cpu;

/// <summary>
/// The dense kernels the CPU backend builds on, for one element type, over one Math.NET linear
/// algebra provider (the managed one, or <see cref="NativeLapackProvider"/>). Matrices are
/// column-major arrays with the leading dimension equal to the row count, as Math.NET's provider
/// interface takes them. What the provider interface lacks (triangular solves) is written here.
/// </summary>
internal sealed class HostLinalg<T>(ILinearAlgebraProvider provider)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public ILinearAlgebraProvider Provider { get; } = provider;

    /// <summary>C = op(A) op(B), op(X) = X or X^T; A is ar x ac and B is br x bc as stored.</summary>
    public T[] Mul(T[] a, int ar, int ac, bool transA, T[] b, int br, int bc, bool transB)
    {
        int m = transA ? ac : ar, n = transB ? br : bc;
        var c = new T[m * n];
        MulAdd(T.One, a, ar, ac, transA, b, br, bc, transB, T.Zero, c);
        return c;
    }

    /// <summary>C = alpha op(A) op(B) + beta C (BLAS gemm through the provider).</summary>
    public void MulAdd(T alpha, T[] a, int ar, int ac, bool transA, T[] b, int br, int bc, bool transB, T beta, T[] c)
    {
        int inner = transA ? ar : ac;
        if (inner == 0 || c.Length == 0)
        {
            // Providers differ on empty inner dimensions; the product is then beta C.
            for (int i = 0; i < c.Length; i++)
            {
                c[i] = beta == T.Zero ? T.Zero : beta * c[i];
            }

            return;
        }

        var ta = transA ? Transpose.Transpose : Transpose.DontTranspose;
        var tb = transB ? Transpose.Transpose : Transpose.DontTranspose;
        if (typeof(T) == typeof(double))
        {
            Provider.MatrixMultiplyWithUpdate(ta, tb, double.CreateTruncating(alpha), (double[])(object)a, ar, ac, (double[])(object)b, br, bc, double.CreateTruncating(beta), (double[])(object)c);
        }
        else
        {
            Provider.MatrixMultiplyWithUpdate(ta, tb, float.CreateTruncating(alpha), (float[])(object)a, ar, ac, (float[])(object)b, br, bc, float.CreateTruncating(beta), (float[])(object)c);
        }
    }

    /// <summary>
    /// Thin Householder QR of a tall m x n matrix (m &gt;= n): overwrites <paramref name="a"/> with Q
    /// (m x n) and returns R (n x n). Native: geqrf + orgqr; managed: <see cref="Geqr2"/> +
    /// <see cref="Org2r"/>, the same reflectors and signs as LAPACK's.
    /// </summary>
    public T[] ThinQr(T[] a, int m, int n)
    {
        var r = new T[n * n];
        if (!IsNative)
        {
            // Math.NET's managed QR flips the last column of Q (and row of R) of square and wide
            // matrices against LAPACK's convention; ours keeps LAPACK's on every provider.
            T[] reflectorScalars = Geqr2(a, m, n);
            for (int j = 0; j < n; j++)
            {
                a.AsSpan(j * m, j + 1).CopyTo(r.AsSpan(j * n, j + 1));
            }

            Org2r(a, m, n, n, reflectorScalars);
            return r;
        }

        var tau = new T[n];
        if (typeof(T) == typeof(double))
        {
            Provider.ThinQRFactor((double[])(object)a, m, n, (double[])(object)r, (double[])(object)tau);
        }
        else
        {
            Provider.ThinQRFactor((float[])(object)a, m, n, (float[])(object)r, (float[])(object)tau);
        }

        return r;
    }

    /// <summary>
    /// Full QR: overwrites <paramref name="a"/> (m x n) with R (m x n, upper trapezoidal) and
    /// returns Q (m x m).
    /// </summary>
    public T[] FullQr(T[] a, int m, int n)
    {
        var q = new T[m * m];
        if (!IsNative)
        {
            int k = Math.Min(m, n);
            T[] reflectorScalars = Geqr2(a, m, n);
            a.AsSpan(0, m * k).CopyTo(q);
            Org2r(q, m, m, k, reflectorScalars);
            for (int j = 0; j < n; j++)
            {
                a.AsSpan((j * m) + Math.Min(j + 1, m), m - Math.Min(j + 1, m)).Clear();
            }

            return q;
        }

        var tau = new T[Math.Min(m, n)];
        if (typeof(T) == typeof(double))
        {
            Provider.QRFactor((double[])(object)a, m, n, (double[])(object)q, (double[])(object)tau);
        }
        else
        {
            Provider.QRFactor((float[])(object)a, m, n, (float[])(object)q, (float[])(object)tau);
        }

        return q;
    }

    /// <summary>
    /// Unblocked Householder QR with LAPACK's conventions (dgeqr2 over dlarfg): overwrites
    /// <paramref name="a"/> (m x n) with R on and above the diagonal and the reflectors v (v_0 = 1
    /// implicit) below it, and returns tau (min(m, n)). Column j's reflector gives
    /// R_jj = beta = -sign(alpha) * ||(alpha, x)|| and tau = (beta - alpha) / beta; when nothing
    /// below the diagonal is nonzero (always for the last column of a square or wide matrix) the
    /// reflector is the identity: tau = 0 and R_jj = alpha, unchanged.
    /// </summary>
    public static T[] Geqr2(Span<T> a, int m, int n)
    {
        int k = Math.Min(m, n);
        var tau = new T[k];
        for (int j = 0; j < k; j++)
        {
            Span<T> v = a.Slice((j * m) + j, m - j);
            tau[j] = Larfg(v);
            if (tau[j] == T.Zero)
            {
                continue;
            }

            for (int c = j + 1; c < n; c++)
            {
                ApplyReflector(v, tau[j], a.Slice((c * m) + j, m - j));
            }
        }

        return tau;
    }

    /// <summary>
    /// Forms the first <paramref name="cols"/> columns of Q = H(0) ... H(k-1) in place from the k
    /// reflectors in the first k columns of <paramref name="q"/> (m x cols, cols &gt;= k), LAPACK dorg2r.
    /// </summary>
    public static void Org2r(Span<T> q, int m, int cols, int k, ReadOnlySpan<T> tau)
    {
        for (int j = k; j < cols; j++)
        {
            Span<T> c = q.Slice(j * m, m);
            c.Clear();
            c[j] = T.One;
        }

        for (int i = k - 1; i >= 0; i--)
        {
            Span<T> v = q.Slice((i * m) + i, m - i);
            if (i < cols - 1)
            {
                v[0] = T.One;
                for (int c = i + 1; c < cols; c++)
                {
                    ApplyReflector(v, tau[i], q.Slice((c * m) + i, m - i));
                }
            }

            for (int l = 1; l < v.Length; l++)
            {
                v[l] *= -tau[i];
            }

            v[0] = T.One - tau[i];
            q.Slice(i * m, i).Clear();
        }
    }

    /// <summary>
    /// LAPACK dlarfg on x = (alpha, x_1..): returns tau and leaves (beta, v_1..) in x, with
    /// H = I - tau (1, v) (1, v)^T and H x = beta e_1. Tiny beta is rescaled as dlarfg does.
    /// </summary>
    private static T Larfg(Span<T> x)
    {
        if (x.Length <= 1)
        {
            return T.Zero;
        }

        Span<T> tail = x[1..];
        T xnorm = Norm(tail);
        if (xnorm == T.Zero)
        {
            return T.Zero;
        }

        T alpha = x[0];
        T beta = T.Hypot(alpha, xnorm);
        beta = T.IsNegative(alpha) ? beta : -beta;
        // dlamch('S') / dlamch('E'), with LAPACK's eps = 2^-24 (2^-53), the unit roundoff.
        T safmin = T.CreateTruncating(typeof(T) == typeof(float) ? Math.ScaleB(1.0, -102) : Math.ScaleB(1.0, -969));
        int knt = 0;
        if (T.Abs(beta) < safmin)
        {
            T rsafmn = T.One / safmin;
            do
            {
                knt++;
                for (int i = 0; i < tail.Length; i++)
                {
                    tail[i] *= rsafmn;
                }

                beta *= rsafmn;
                alpha *= rsafmn;
            }
            while (T.Abs(beta) < safmin && knt < 20);

            xnorm = Norm(tail);
            beta = T.Hypot(alpha, xnorm);
            beta = T.IsNegative(alpha) ? beta : -beta;
        }

        T tau = (beta - alpha) / beta;
        T scale = T.One / (alpha - beta);
        for (int i = 0; i < tail.Length; i++)
        {
            tail[i] *= scale;
        }

        for (int j = 0; j < knt; j++)
        {
            beta *= safmin;
        }

        x[0] = beta;
        return tau;
    }

    /// <summary>c = (I - tau v v^T) c with v_0 = 1 (whatever is stored there), LAPACK dlarf on one column.</summary>
    private static void ApplyReflector(ReadOnlySpan<T> v, T tau, Span<T> c)
    {
        T w = c[0];
        for (int i = 1; i < v.Length; i++)
        {
            w += v[i] * c[i];
        }

        w *= tau;
        c[0] -= w;
        for (int i = 1; i < v.Length; i++)
        {
            c[i] -= w * v[i];
        }
    }

    /// <summary>The 2-norm without overflow or harmful underflow (scaled by the largest magnitude, as dnrm2).</summary>
    private static T Norm(ReadOnlySpan<T> x)
    {
        T max = T.Zero;
        foreach (T v in x)
        {
            max = T.MaxMagnitudeNumber(max, v);
        }

        max = T.Abs(max);
        if (max == T.Zero)
        {
            return T.Zero;
        }

        // Accumulate in double for both types, scaled by 2^-ilogb(max) (exact): no overflow, and
        // no underflow of the squares that matter.
        int exponent = double.ILogB(double.CreateTruncating(max));
        double sum = 0;
        foreach (T v in x)
        {
            double d = Math.ScaleB(double.CreateTruncating(v), -exponent);
            sum += d * d;
        }

        return T.CreateTruncating(Math.ScaleB(Math.Sqrt(sum), exponent));
    }

    /// <summary>
    /// Thin SVD A = U diag(s) V^T of an m x n matrix (destroyed), k = min(m, n): s has k values in
    /// decreasing order, U is m x k and V^T is k x n. Native: gesdd with jobz = 'S' (only the k
    /// singular vectors the pseudo-inverse needs); managed: Math.NET's full SVD, truncated.
    /// </summary>
    public (T[] S, T[] U, T[] Vt) Svd(T[] a, int m, int n)
    {
        int k = Math.Min(m, n);
        var s = new T[k];
        if (k == 0)
        {
            return (s, new T[0], new T[0]);
        }

        if (IsNative)
        {
            var thinU = new T[m * k];
            var thinVt = new T[k * n];
            Lapack.Gesdd<T>('S', m, n, a, m, s, thinU, m, thinVt, k);
            return (s, thinU, thinVt);
        }

        var u = new T[m * m];
        var vt = new T[n * n];
        if (typeof(T) == typeof(double))
        {
            Provider.SingularValueDecomposition(true, (double[])(object)a, m, n, (double[])(object)s, (double[])(object)u, (double[])(object)vt);
        }
        else
        {
            Provider.SingularValueDecomposition(true, (float[])(object)a, m, n, (float[])(object)s, (float[])(object)u, (float[])(object)vt);
        }

        // Keep U's first k columns (a prefix, column-major) and V^T's first k rows.
        var vtk = new T[k * n];
        for (int j = 0; j < n; j++)
        {
            vt.AsSpan(j * n, k).CopyTo(vtk.AsSpan(j * k, k));
        }

        return (s, u.AsSpan(0, m * k).ToArray(), vtk);
    }

    /// <summary>Whether <see cref="Provider"/> is native LAPACK, so that the LAPACK bindings below may be called.</summary>
    public bool IsNative => Provider is NativeLapackProvider;

    /// <summary>
    /// Householder QR without forming Q, LAPACK geqrf (native only): overwrites <paramref name="a"/>
    /// (m x n) with R on and above the diagonal and the reflectors below it; returns their scalars
    /// tau (min(m, n)).
    /// </summary>
    public static T[] Geqrf(T[] a, int m, int n)
    {
        var tau = new T[Math.Min(m, n)];
        Lapack.Geqrf(m, n, a, Math.Max(1, m), tau);
        return tau;
    }

    /// <summary>
    /// Right-hand sides up to which <see cref="Ormqr"/> calls the unblocked orm2r: below it,
    /// ormqr's per-call rebuild of each block's triangular factor (larft, about 32 m k flops for
    /// nb = 32) costs more than the blocked update saves over 4 m k p flops of level-2 BLAS.
    /// </summary>
    public const int UnblockedOrmqrColumns = 8;

    /// <summary>
    /// C = Q C or Q^T C in place for C m x p, Q = H(1) ... H(k) from <see cref="Geqrf"/>'s
    /// reflectors (m x k), LAPACK ormqr with side 'L' (orm2r, its unblocked kernel, for
    /// p &lt;= <see cref="UnblockedOrmqrColumns"/>; native only). The reflector array is restored
    /// bit for bit on exit but written during the call: serialize calls that share it.
    /// </summary>
    public static void Ormqr(bool transpose, T[] reflectors, int m, int k, T[] tau, T[] c, int p)
    {
        if (p <= UnblockedOrmqrColumns)
        {
            Lapack.Orm2r('L', transpose ? 'T' : 'N', m, p, k, reflectors, Math.Max(1, m), tau, c, Math.Max(1, m));
        }
        else
        {
            Lapack.Ormqr('L', transpose ? 'T' : 'N', m, p, k, reflectors, Math.Max(1, m), tau, c, Math.Max(1, m));
        }
    }

    /// <summary>
    /// Overwrites the first n columns of <paramref name="a"/> (m x n, holding k reflectors from
    /// <see cref="Geqrf"/>) with the first n columns of Q, LAPACK orgqr (native only).
    /// </summary>
    public static void Orgqr(T[] a, int m, int n, int k, T[] tau) =>
        Lapack.Orgqr(m, n, k, a, Math.Max(1, m), tau);

    /// <summary>
    /// Solves op(R) X = B in place, R upper triangular k x k with leading dimension
    /// <paramref name="ldr"/>, B k x p, BLAS trsm (native only); the native form of
    /// <see cref="SolveUpperLeft"/>.
    /// </summary>
    public static void TrsmUpperLeft(ReadOnlySpan<T> r, int ldr, int k, bool transR, Span<T> b, int p) =>
        Lapack.Trsm('L', 'U', transR ? 'T' : 'N', 'N', k, p, T.One, r, Math.Max(1, ldr), b, Math.Max(1, k));

    /// <summary>
    /// Solves op(R) X = B in place for X, R upper triangular k x k stored with leading dimension
    /// <paramref name="ldr"/>, B k x p (BLAS trsm, side = left).
    /// </summary>
    public static void SolveUpperLeft(ReadOnlySpan<T> r, int ldr, int k, bool transR, Span<T> b, int p)
    {
        for (int col = 0; col < p; col++)
        {
            Span<T> x = b.Slice(col * k, k);
            if (!transR)
            {
                // Back substitution: R x = b.
                for (int i = k - 1; i >= 0; i--)
                {
                    T sum = x[i];
                    for (int j = i + 1; j < k; j++)
                    {
                        sum -= r[(j * ldr) + i] * x[j];
                    }

                    x[i] = sum / r[(i * ldr) + i];
                }
            }
            else
            {
                // Forward substitution: R^T x = b; column i of R is row i of R^T.
                for (int i = 0; i < k; i++)
                {
                    T sum = x[i];
                    ReadOnlySpan<T> ri = r.Slice(i * ldr, i);
                    for (int j = 0; j < i; j++)
                    {
                        sum -= ri[j] * x[j];
                    }

                    x[i] = sum / r[(i * ldr) + i];
                }
            }
        }
    }

    /// <summary>
    /// Solves X R^T = B in place for X (= B R^-T), R upper triangular k x k (leading dimension
    /// <paramref name="ldr"/>), B m x k (BLAS trsm, side = right, trans = T).
    /// </summary>
    public static void SolveUpperTransposedRight(ReadOnlySpan<T> r, int ldr, int k, Span<T> b, int m)
    {
        // Column j of X R^T is sum_{l >= j} X[:, l] R[j, l]; solve from the last column down.
        for (int j = k - 1; j >= 0; j--)
        {
            Span<T> xj = b.Slice(j * m, m);
            for (int l = j + 1; l < k; l++)
            {
                T rjl = r[(l * ldr) + j];
                if (rjl == T.Zero)
                {
                    continue;
                }

                ReadOnlySpan<T> xl = b.Slice(l * m, m);
                for (int i = 0; i < m; i++)
                {
                    xj[i] -= xl[i] * rjl;
                }
            }

            T d = r[(j * ldr) + j];
            for (int i = 0; i < m; i++)
            {
                xj[i] /= d;
            }
        }
    }

    /// <summary>Returns the transpose of the rows x cols matrix <paramref name="a"/>.</summary>
    public static T[] Transposed(ReadOnlySpan<T> a, int rows, int cols)
    {
        var t = new T[a.Length];
        for (int j = 0; j < cols; j++)
        {
            for (int i = 0; i < rows; i++)
            {
                t[(i * cols) + j] = a[(j * rows) + i];
            }
        }

        return t;
    }

    /// <summary>Writes the n x n identity into <paramref name="a"/>.</summary>
    public static void SetIdentity(Span<T> a, int n)
    {
        a.Clear();
        for (int i = 0; i < n; i++)
        {
            a[(i * n) + i] = T.One;
        }
    }
}
