namespace OrthoProj.Cpu.Providers;

/// <summary>
/// The system's LAPACK/BLAS (OpenBLAS, MKL or reference), found by OrthoProj.Native's probe: the s,
/// d, c and z routines, the adjoint as TRANS = 'C' (the transpose for real elements; for complex
/// ones geqrf's reflectors are applied and formed by unmqr and ungqr).
/// </summary>
internal sealed class NativeCpuLapack<T>(string name) : CpuLapack<T>
    where T : unmanaged, INumberBase<T>
{
    /// <summary>
    /// Up to this many right-hand sides ormqr runs unblocked (orm2r): the blocked routine's
    /// triangular factor costs more than it saves for a few columns.
    /// </summary>
    public const int UnblockedOrmqrColumns = 8;

    public override string Name => name;

    public override bool SupportsReflectors => true;

    protected override void GemmCore(bool adjointA, bool adjointB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, ReadOnlySpan<T> b, T beta, Span<T> c) =>
        Native.Lapack.Gemm(Op(adjointA), Op(adjointB), m, n, k, alpha, a, adjointA ? k : m, b, adjointB ? n : k, beta, c, m);

    public override void SolveUpper(ReadOnlySpan<T> r, int n, bool adjoint, bool right, Span<T> b, int rows, int cols)
    {
        if (rows > 0 && cols > 0)
        {
            Native.Lapack.Trsm(right ? 'R' : 'L', 'U', Op(adjoint), 'N', rows, cols, T.One, r, n, b, rows);
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

    public override void Ormqr(bool adjoint, Span<T> a, int m, int k, ReadOnlySpan<T> tau, Span<T> c, int p)
    {
        if (m == 0 || p == 0 || k == 0)
        {
            return;
        }

        if (p <= UnblockedOrmqrColumns)
        {
            Native.Lapack.Orm2r('L', Op(adjoint), m, p, k, a, m, tau, c, m);
        }
        else
        {
            Native.Lapack.Ormqr('L', Op(adjoint), m, p, k, a, m, tau, c, m);
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

        // gesdd gives V^H (k x n); V is its adjoint. Complex singular values come real: they are
        // held as T with no imaginary part, as the seam keeps them.
        var vt = new T[k * n];
        if (!Element<T>.IsComplex)
        {
            Native.Lapack.Gesdd<T, T>('S', m, n, a, m, s, u, m, vt, k);
        }
        else if (Element<T>.IsSingle)
        {
            var real = new float[k];
            Native.Lapack.Gesdd<T, float>('S', m, n, a, m, real, u, m, vt, k);
            AsElements(real, s);
        }
        else
        {
            var real = new double[k];
            Native.Lapack.Gesdd<T, double>('S', m, n, a, m, real, u, m, vt, k);
            AsElements(real, s);
        }

        AdjointVt(vt, k, n, k, v);
    }

    /// <summary>Real singular values into the T batch that holds them (no imaginary part).</summary>
    private static void AsElements<TReal>(ReadOnlySpan<TReal> real, Span<T> s)
        where TReal : INumberBase<TReal>
    {
        for (int l = 0; l < real.Length; l++)
        {
            s[l] = Element<T>.FromReal(double.CreateTruncating(real[l]));
        }
    }

    /// <summary>The TRANS argument for op(X) = X or X^H ('C' is the transpose to the real routines).</summary>
    private static char Op(bool adjoint) => adjoint ? 'C' : 'N';
}
