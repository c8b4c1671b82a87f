namespace OrthoProj.Cpu.Providers;

/// <summary>The system's LAPACK/BLAS (OpenBLAS, MKL or reference), found by OrthoProj.Native's probe.</summary>
internal sealed class NativeCpuLapack<T>(string name) : CpuLapack<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Up to this many right-hand sides ormqr runs unblocked (orm2r): the blocked routine's
    /// triangular factor costs more than it saves for a few columns.
    /// </summary>
    public const int UnblockedOrmqrColumns = 8;

    public override string Name => name;

    public override bool SupportsReflectors => true;

    protected override void GemmCore(bool transA, bool transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, ReadOnlySpan<T> b, T beta, Span<T> c) =>
        Native.Lapack.Gemm(transA ? 'T' : 'N', transB ? 'T' : 'N', m, n, k, alpha, a, transA ? k : m, b, transB ? n : k, beta, c, m);

    public override void SolveUpper(ReadOnlySpan<T> r, int n, bool transpose, bool right, Span<T> b, int rows, int cols)
    {
        if (rows > 0 && cols > 0)
        {
            Native.Lapack.Trsm(right ? 'R' : 'L', 'U', transpose ? 'T' : 'N', 'N', rows, cols, T.One, r, n, b, rows);
        }
    }

    public override void Geqrf(Span<T> a, int m, int n, Span<T> tau)
    {
        if (m > 0 && n > 0)
        {
            Native.Lapack.Geqrf(m, n, a, m, tau);
        }
    }

    public override void Orgqr(Span<T> a, int m, int n, int k, ReadOnlySpan<T> tau)
    {
        if (m > 0 && n > 0)
        {
            Native.Lapack.Orgqr(m, n, k, a, m, tau);
        }
    }

    public override void Ormqr(bool transpose, Span<T> a, int m, int k, ReadOnlySpan<T> tau, Span<T> c, int p)
    {
        if (m == 0 || p == 0 || k == 0)
        {
            return;
        }

        if (p <= UnblockedOrmqrColumns)
        {
            Native.Lapack.Orm2r('L', transpose ? 'T' : 'N', m, p, k, a, m, tau, c, m);
        }
        else
        {
            Native.Lapack.Ormqr('L', transpose ? 'T' : 'N', m, p, k, a, m, tau, c, m);
        }
    }

    public override void ThinQr(Span<T> a, int m, int n, Span<T> r)
    {
        Span<T> tau = new T[n];
        Geqrf(a, m, n, tau);
        CopyUpper(a, m, n, r);

        Orgqr(a, m, n, n, tau);
    }

    public override void FullQr(Span<T> a, int m, int n, Span<T> q)
    {
        int k = Math.Min(m, n);
        Span<T> tau = new T[k];
        Geqrf(a, m, n, tau);
        q.Clear();
        a[..(m * k)].CopyTo(q);
        for (int i = k; i < m; i++)
        {
            q[(i * m) + i] = T.One;     // orgqr forms all m columns; the last m - k start as e_i
        }

        Orgqr(q, m, m, k, tau);
        ZeroBelowDiagonal(a, m, n);
    }

    public override void ThinSvd(Span<T> a, int m, int n, Span<T> u, Span<T> s, Span<T> v)
    {
        int k = Math.Min(m, n);
        if (k == 0)
        {
            return;
        }

        // gesdd gives V^T (k x n); V is its transpose.
        var vt = new T[k * n];
        Native.Lapack.Gesdd<T>('S', m, n, a, m, s, u, m, vt, k);
        AdjointVt(vt, k, n, k, v);
    }

    /// <summary>Clears the reflectors that geqrf leaves below R's diagonal.</summary>
    internal static void ZeroBelowDiagonal(Span<T> a, int m, int n)
    {
        for (int j = 0; j < n && j + 1 < m; j++)
        {
            a.Slice((j * m) + j + 1, m - j - 1).Clear();
        }
    }
}
