using System.Numerics;
using OrthoProj.Cpu.Providers;

namespace OrthoProj.Cpu;

/// <summary>
/// Array-level helpers for the CPU's QR and pinv routines, over the backend's one LAPACK route
/// (<see cref="CpuLapack{T}"/>: native or Math.NET managed). Matrices are column-major arrays.
/// </summary>
internal sealed class HostLinalg<T>(CpuLapack<T> lapack)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>C = op(A) op(B), op(X) = X or X^T; A is ar x ac and B is br x bc as stored.</summary>
    public T[] Mul(T[] a, int ar, int ac, bool transA, T[] b, int br, int bc, bool transB)
    {
        int m = transA ? ac : ar, n = transB ? br : bc;
        var c = new T[m * n];
        MulAdd(T.One, a, ar, ac, transA, b, br, bc, transB, T.Zero, c);
        return c;
    }

    /// <summary>C = alpha op(A) op(B) + beta C (gemm).</summary>
    public void MulAdd(T alpha, T[] a, int ar, int ac, bool transA, T[] b, int br, int bc, bool transB, T beta, T[] c) =>
        lapack.Gemm(transA, transB, transA ? ac : ar, transB ? br : bc, transA ? ar : ac, alpha, a, b, beta, c);

    /// <summary>Thin QR of a tall m x n matrix: overwrites <paramref name="a"/> with Q (m x n) and returns R (n x n).</summary>
    public T[] ThinQr(T[] a, int m, int n)
    {
        var r = new T[n * n];
        lapack.ThinQr(a, m, n, r);
        return r;
    }

    /// <summary>Full QR: overwrites <paramref name="a"/> (m x n) with R (upper trapezoidal) and returns Q (m x m).</summary>
    public T[] FullQr(T[] a, int m, int n)
    {
        var q = new T[m * m];
        lapack.FullQr(a, m, n, q);
        return q;
    }

    /// <summary>
    /// Thin SVD A = U diag(s) V^T of an m x n matrix (destroyed), k = min(m, n): s has k values in
    /// decreasing order, U is m x k and V^T is k x n.
    /// </summary>
    public (T[] S, T[] U, T[] Vt) Svd(T[] a, int m, int n)
    {
        int k = Math.Min(m, n);
        var s = new T[k];
        var u = new T[m * k];
        var v = new T[n * k];
        lapack.ThinSvd(a, m, n, u, s, v);
        return (s, u, Transposed(v, n, k));
    }

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
}
