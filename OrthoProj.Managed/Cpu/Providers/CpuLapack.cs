namespace OrthoProj.Cpu.Providers;

/// <summary>
/// OrthoProj's one route into LAPACK and BLAS on the CPU, one matrix at a time over spans
/// (column-major, leading dimension = rows): <see cref="NativeCpuLapack{T}"/> calls the system's
/// LAPACK directly, <see cref="ManagedCpuLapack{T}"/> runs Math.NET's managed provider. The
/// <see cref="CpuBackend"/> chooses one; nothing above it asks which. T is float, double,
/// <see cref="Complex64"/> or <see cref="Complex"/>; every flag that names an operation on an
/// operand means its adjoint (conjugate transpose, ^H), which for real elements is the transpose.
/// </summary>
internal abstract class CpuLapack<T>
    where T : unmanaged, INumberBase<T>
{
    /// <summary>A name for reports, e.g. "OpenBLAS 0.3.21" or "Math.NET managed".</summary>
    public abstract string Name { get; }

    /// <summary>Whether geqrf/orgqr/ormqr exist (native LAPACK); otherwise QR comes as explicit Q.</summary>
    public abstract bool SupportsReflectors { get; }

    /// <summary>
    /// c (m x n) = alpha op(a) op(b) + beta c, with k the inner dimension; op(x) = x^H (the adjoint,
    /// x^T for real elements) where its flag is set, x otherwise.
    /// </summary>
    public void Gemm(bool adjointA, bool adjointB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, ReadOnlySpan<T> b, T beta, Span<T> c)
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            // BLAS implementations and Math.NET differ on an empty inner dimension; the product is then beta c.
            Span<T> cc = c[..(m * n)];
            for (int i = 0; i < cc.Length; i++)
            {
                cc[i] = beta == T.Zero ? T.Zero : beta * cc[i];
            }

            return;
        }

        GemmCore(adjointA, adjointB, m, n, k, alpha, a, b, beta, c);
    }

    /// <summary>
    /// b (rows x cols) = op(R)^-1 b, or b op(R)^-1 when <paramref name="right"/>, op(R) = R^H (the
    /// adjoint, R^T for real elements) when <paramref name="adjoint"/>, R otherwise; R upper
    /// triangular n x n, only its upper triangle read.
    /// </summary>
    public abstract void SolveUpper(ReadOnlySpan<T> r, int n, bool adjoint, bool right, Span<T> b, int rows, int cols);

    /// <summary>geqrf: a (m x n) in place, tau (min(m, n)).</summary>
    public virtual void Geqrf(Span<T> a, int m, int n, Span<T> tau) => throw NoReflectors();

    /// <summary>orgqr: Q's first n columns from k reflectors, in place.</summary>
    public virtual void Orgqr(Span<T> a, int m, int n, int k, ReadOnlySpan<T> tau) => throw NoReflectors();

    /// <summary>
    /// ormqr (unmqr) from the left: c (m x p) = Q c, or Q^H c when <paramref name="adjoint"/> (Q^T
    /// for real elements), Q from k reflectors of a (m x k).
    /// </summary>
    public virtual void Ormqr(bool adjoint, Span<T> a, int m, int k, ReadOnlySpan<T> tau, Span<T> c, int p) => throw NoReflectors();

    /// <summary>
    /// Thin QR with LAPACK's signs (geqrf/orgqr, complex: zgeqrf/zungqr, R's diagonal real): a
    /// (m x n, m &gt;= n) becomes Q, r (n x n) receives R.
    /// </summary>
    public abstract void ThinQr(Span<T> a, int m, int n, Span<T> r);

    /// <summary>
    /// Full QR with LAPACK's signs (complex: R's diagonal real): a (m x n) becomes R (upper
    /// trapezoidal), q (m x m) receives Q, unitary.
    /// </summary>
    public abstract void FullQr(Span<T> a, int m, int n, Span<T> q);

    /// <summary>
    /// Thin SVD A = U diag(s) V^H: u (m x k), s (k, real and descending; complex elements carry a
    /// zero imaginary part), v (n x k) = V (not V^H), k = min(m, n); a may be overwritten.
    /// </summary>
    public abstract void ThinSvd(Span<T> a, int m, int n, Span<T> u, Span<T> s, Span<T> v);

    /// <summary><see cref="Gemm"/> with m, n, k &gt;= 1.</summary>
    protected abstract void GemmCore(bool adjointA, bool adjointB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, ReadOnlySpan<T> b, T beta, Span<T> c);

    /// <summary>Clears the reflectors that geqrf leaves below R's diagonal (a m x n).</summary>
    protected static void ZeroBelowDiagonal(Span<T> a, int m, int n)
    {
        for (int j = 0; j < n && j + 1 < m; j++)
        {
            a.Slice((j * m) + j + 1, m - j - 1).Clear();
        }
    }

    /// <summary>R (n x n) from the upper triangle of a geqrf output (m x n), zeros below its diagonal.</summary>
    protected static void CopyUpper(ReadOnlySpan<T> a, int m, int n, Span<T> r)
    {
        for (int j = 0; j < n; j++)
        {
            a.Slice(j * m, j + 1).CopyTo(r.Slice(j * n, j + 1));
            r.Slice((j * n) + j + 1, n - j - 1).Clear();
        }
    }

    /// <summary>
    /// v (n x k) = vt^H (the conjugate transpose; vt^T for real elements) for vt k x n with leading
    /// dimension <paramref name="ldvt"/>: LAPACK's V^H into V.
    /// </summary>
    protected static void AdjointVt(ReadOnlySpan<T> vt, int ldvt, int n, int k, Span<T> v)
    {
        for (int j = 0; j < n; j++)
        {
            for (int l = 0; l < k; l++)
            {
                v[(l * n) + j] = Element<T>.Conjugate(vt[(j * ldvt) + l]);
            }
        }
    }

    private static NotSupportedException NoReflectors() =>
        new("This LAPACK route has no Householder reflector routines (geqrf/orgqr/ormqr); use ThinQr.");
}
