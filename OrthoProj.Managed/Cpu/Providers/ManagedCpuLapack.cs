using MathNet.Numerics.Providers.LinearAlgebra;

namespace OrthoProj.Cpu.Providers;

/// <summary>
/// The managed route, no native library needed: products and the SVD through Math.NET Numerics'
/// managed provider (which works on whole arrays, so each call copies its operands once), QR through
/// <see cref="Householder{T}"/> (LAPACK's algorithm and signs). It has no reflector interface
/// (<see cref="CpuLapack{T}.SupportsReflectors"/> is false): Q comes explicit.
/// </summary>
internal sealed class ManagedCpuLapack<T> : CpuLapack<T>
    where T : unmanaged, INumberBase<T>
{
    private static readonly ManagedLinearAlgebraProvider Provider = ManagedLinearAlgebraProvider.Instance;

    public override string Name => "Math.NET managed";

    public override bool SupportsReflectors => false;

    protected override void GemmCore(bool transA, bool transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, ReadOnlySpan<T> b, T beta, Span<T> c)
    {
        Span<T> cc = c[..(m * n)];
        T[] result = cc.ToArray();
        var ta = transA ? Transpose.Transpose : Transpose.DontTranspose;
        var tb = transB ? Transpose.Transpose : Transpose.DontTranspose;
        int ar = transA ? k : m, ac = transA ? m : k, br = transB ? n : k, bc = transB ? k : n;
        if (typeof(T) == typeof(double))
        {
            Provider.MatrixMultiplyWithUpdate(ta, tb, double.CreateTruncating(alpha), Array<double>(a, ar * ac), ar, ac, Array<double>(b, br * bc), br, bc, double.CreateTruncating(beta), (double[])(object)result);
        }
        else
        {
            Provider.MatrixMultiplyWithUpdate(ta, tb, float.CreateTruncating(alpha), Array<float>(a, ar * ac), ar, ac, Array<float>(b, br * bc), br, bc, float.CreateTruncating(beta), (float[])(object)result);
        }

        result.CopyTo(cc);
    }

    public override void SolveUpper(ReadOnlySpan<T> r, int n, bool transpose, bool right, Span<T> b, int rows, int cols)
    {
        if (!right)
        {
            // op(R) x = b per column of b: back substitution for R, forward for R^T.
            for (int col = 0; col < cols; col++)
            {
                Span<T> x = b.Slice(col * n, n);
                for (int step = 0; step < n; step++)
                {
                    int i = transpose ? step : n - 1 - step;
                    T sum = x[i];
                    for (int j = transpose ? 0 : i + 1; j < (transpose ? i : n); j++)
                    {
                        sum -= (transpose ? r[(i * n) + j] : r[(j * n) + i]) * x[j];
                    }

                    x[i] = sum / r[(i * n) + i];
                }
            }

            return;
        }

        // X op(R) = B by columns of X: column j of X R is sum_{l <= j} X[:, l] R[l, j] (solved
        // first to last), of X R^T it is sum_{l >= j} X[:, l] R[j, l] (last to first).
        for (int step = 0; step < n; step++)
        {
            int j = transpose ? n - 1 - step : step;
            Span<T> xj = b.Slice(j * rows, rows);
            for (int l = transpose ? j + 1 : 0; l < (transpose ? n : j); l++)
            {
                T coefficient = transpose ? r[(l * n) + j] : r[(j * n) + l];
                ReadOnlySpan<T> xl = b.Slice(l * rows, rows);
                for (int i = 0; i < rows; i++)
                {
                    xj[i] -= xl[i] * coefficient;
                }
            }

            T d = r[(j * n) + j];
            for (int i = 0; i < rows; i++)
            {
                xj[i] /= d;
            }
        }
    }

    public override void ThinQr(Span<T> a, int m, int n, Span<T> r)
    {
        T[] tau = Householder<T>.Geqr2(a, m, n);
        CopyUpper(a, m, n, r);

        Householder<T>.Org2r(a, m, n, n, tau);
    }

    public override void FullQr(Span<T> a, int m, int n, Span<T> q)
    {
        int k = Math.Min(m, n);
        T[] tau = Householder<T>.Geqr2(a, m, n);
        q.Clear();
        a[..(m * k)].CopyTo(q);
        Householder<T>.Org2r(q, m, m, k, tau);
        NativeCpuLapack<T>.ZeroBelowDiagonal(a, m, n);
    }

    public override void ThinSvd(Span<T> a, int m, int n, Span<T> u, Span<T> s, Span<T> v)
    {
        int k = Math.Min(m, n);
        if (k == 0)
        {
            return;
        }

        // Math.NET computes the full SVD: keep U's first k columns (a prefix) and V^T's first k rows.
        T[] full = a[..(m * n)].ToArray(), ss = new T[k], uu = new T[m * m], vt = new T[n * n];
        if (typeof(T) == typeof(double))
        {
            Provider.SingularValueDecomposition(true, (double[])(object)full, m, n, (double[])(object)ss, (double[])(object)uu, (double[])(object)vt);
        }
        else
        {
            Provider.SingularValueDecomposition(true, (float[])(object)full, m, n, (float[])(object)ss, (float[])(object)uu, (float[])(object)vt);
        }

        ss.CopyTo(s);
        uu.AsSpan(0, m * k).CopyTo(u);
        TransposeVt(vt, n, n, k, v);
    }

    private static TElement[] Array<TElement>(ReadOnlySpan<T> x, int length) =>
        (TElement[])(object)x[..length].ToArray();
}
