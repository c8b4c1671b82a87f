namespace OrthoProj;

/// <summary>How much of Q and R <see cref="Backend.Qr{T}"/> returns, as in torch.linalg.qr.</summary>
public enum QrMode
{
    /// <summary>Q is m x k and R is k x n with k = min(m, n) (LAPACK geqrf + orgqr with k columns).</summary>
    Reduced,

    /// <summary>
    /// Q is m x m and R is m x n. For m &gt; n the last m - n columns of Q are not determined by A,
    /// so the gradient through them is undefined: <see cref="Backend.QrBackward{T}"/> rejects a complete
    /// Q with m &gt; n, as PyTorch and TensorFlow do. For m &lt;= n this equals <see cref="Reduced"/>.
    /// </summary>
    Complete,
}

/// <summary>How a <see cref="Projector{T}"/> factors A.</summary>
public enum ProjectorMethod
{
    /// <summary>
    /// Householder QR (LAPACK geqrf). Needs m &gt;= n and full column rank; a rank-deficient
    /// matrix raises <see cref="RankDeficientException"/>. The default: fastest and stable.
    /// </summary>
    Qr,

    /// <summary>
    /// Singular value decomposition with the tolerance of torch.linalg.pinv: rank-revealing, safe for
    /// rank-deficient and wide A. P = U_r U_r^T and A+ = V_r S_r^-1 U_r^T over the kept singular values.
    /// </summary>
    Svd,
}

/// <summary>The reduced or complete QR factorization of each matrix of a batch: A = Q R.</summary>
/// <param name="Q">Orthonormal columns: m x k (reduced) or m x m (complete).</param>
/// <param name="R">Upper triangular (trapezoidal when wide): k x n or m x n.</param>
public sealed record QrResult<T>(MatrixBatch<T> Q, MatrixBatch<T> R) : IDisposable
    where T : unmanaged, INumberBase<T>
{
    /// <summary>Q is a batch the caller gave <see cref="Backend.Qr{T}"/>: it stays the caller's.</summary>
    internal bool KeepsQ { get; init; }

    /// <summary>R is a batch the caller gave: it stays the caller's.</summary>
    internal bool KeepsR { get; init; }

    /// <summary>
    /// Disposes the factors the operation allocated; a batch the caller gave (the q or r output
    /// parameters) is left to the caller, who owns it.
    /// </summary>
    public void Dispose()
    {
        if (!KeepsQ)
        {
            Q.Dispose();
        }

        if (!KeepsR)
        {
            R.Dispose();
        }
    }
}

/// <summary>The pseudo-inverse of each matrix of a batch, with the numerical rank used for it.</summary>
/// <param name="Pinv">A+ : n x m for each m x n matrix A.</param>
/// <param name="Rank">Per matrix, the number of singular values kept (above max(atol, rtol * s_max)).</param>
public sealed record PinvResult<T>(MatrixBatch<T> Pinv, IReadOnlyList<int> Rank) : IDisposable
    where T : unmanaged, INumberBase<T>
{
    /// <summary>Pinv is a batch the caller gave <see cref="Backend.Pinv{T}"/>: it stays the caller's.</summary>
    internal bool KeepsPinv { get; init; }

    /// <summary>Disposes the pseudo-inverse when the operation allocated it; a batch the caller gave is left to the caller.</summary>
    public void Dispose()
    {
        if (!KeepsPinv)
        {
            Pinv.Dispose();
        }
    }
}

/// <summary>The gradients of a projector operation with respect to A and to its right-hand side Y.</summary>
/// <param name="GradA">dL/dA, m x n per matrix.</param>
/// <param name="GradY">dL/dY, m x p per matrix.</param>
public sealed record ProjectorGradients<T>(MatrixBatch<T> GradA, MatrixBatch<T> GradY) : IDisposable
    where T : unmanaged, INumberBase<T>
{
    /// <summary>GradA is a batch the caller gave the backward pass: it stays the caller's.</summary>
    internal bool KeepsGradA { get; init; }

    /// <summary>GradY is a batch the caller gave the backward pass: it stays the caller's.</summary>
    internal bool KeepsGradY { get; init; }

    /// <summary>
    /// Disposes the gradients the operation allocated; a batch the caller gave (the gradA or gradY
    /// output parameters) is left to the caller, who owns it, as in <see cref="QrResult{T}"/>.
    /// </summary>
    public void Dispose()
    {
        if (!KeepsGradA)
        {
            GradA.Dispose();
        }

        if (!KeepsGradY)
        {
            GradY.Dispose();
        }
    }
}

/// <summary>
/// The rank tolerance used by <see cref="Backend.Pinv{T}"/> and <see cref="Backend.Projector{T}"/>,
/// with the semantics of torch.linalg.pinv: singular values (or |R_jj| under the QR method) at or
/// below max(<see cref="Atol"/>, <see cref="Rtol"/> * s_max) count as zero.
/// </summary>
/// <param name="Atol">Absolute tolerance; null means 0.</param>
/// <param name="Rtol">
/// Relative tolerance; null means eps * max(m, n) when <paramref name="Atol"/> is null or zero, and 0
/// when a positive <paramref name="Atol"/> is given (torch.linalg.pinv's rule).
/// </param>
public readonly record struct RankTolerance(double? Atol = null, double? Rtol = null)
{
    /// <summary>
    /// The threshold below which a singular value counts as zero, for an m x n matrix of element type
    /// T whose factor was computed from 2^<paramref name="scaleExponent"/> A (see
    /// <see cref="PowerOfTwoScaling"/>): atol is scaled with the matrix, rtol is scale-free.
    /// </summary>
    internal double Threshold<T>(int m, int n, double sMax, int scaleExponent = 0)
    {
        (double atol, double rtol) = Resolve<T>(m, n);
        return Math.Max(Math.ScaleB(atol, scaleExponent), rtol * sMax);
    }

    /// <summary>
    /// atol and rtol as torch.linalg.pinv resolves them for an m x n matrix of element type T: the
    /// one place of the defaults (kernels that compare on the device receive these two numbers).
    /// </summary>
    internal (double Atol, double Rtol) Resolve<T>(int m, int n)
    {
        double atol = Atol ?? 0.0;
        double rtol = Rtol ?? (atol > 0 ? 0.0 : ElementType.Epsilon<T>() * Math.Max(m, n));
        return (atol, rtol);
    }

    /// <summary>
    /// The QR method's rank rule: the number of |R_jj| above max(atol, rtol * max_j |R_jj|), for an
    /// m x n matrix whose R diagonal element j is at <c>diagonal[j * stride]</c> (stride ld + 1 for a
    /// column-major R). <paramref name="detail"/> names the first column that fails, or is empty.
    /// Every backend applies this rule, so they agree on which matrix is rank-deficient.
    /// </summary>
    internal int QrRank<T>(ReadOnlySpan<T> diagonal, int stride, int m, int n, out string detail, int scaleExponent = 0)
        where T : unmanaged, INumberBase<T>
    {
        double maxDiag = 0;
        for (int j = 0; j < n; j++)
        {
            maxDiag = Math.Max(maxDiag, Element<T>.Abs(diagonal[j * stride]));
        }

        double threshold = Threshold<T>(m, n, maxDiag, scaleExponent);
        int rank = 0;
        detail = string.Empty;
        for (int j = 0; j < n; j++)
        {
            double d = Element<T>.Abs(diagonal[j * stride]);
            if (d > threshold)
            {
                rank++;
            }
            else if (detail.Length == 0)
            {
                // Reported unscaled, in the user's units.
                detail = FormattableString.Invariant($"|R[{j},{j}]| = {Math.ScaleB(d, -scaleExponent):G3} <= tolerance {Math.ScaleB(threshold, -scaleExponent):G3}");
            }
        }

        return rank;
    }

    /// <summary>
    /// Whether an m x n matrix (m &gt;= n) with R factor R' (of 2^<paramref name="scaleExponent"/> A)
    /// is proven of full rank n under this rule without its singular values: s_min(R) &gt;= 1 / ||R^-1||_F
    /// and s_max(R) &lt;= ||R||_F, so 1 / ||R^-1||_F &gt; max(atol, rtol ||R||_F) puts every singular value
    /// above the threshold. The computed R^-1 is that of R + dR with ||dR|| up to a few n eps ||R||,
    /// so the bound is lowered by 4 n eps ||R||_F before the comparison: a matrix that close to the
    /// threshold is left to the SVD, which decides, as does any matrix whose R^-1 overflowed.
    /// </summary>
    internal bool ProvesFullRank<T>(int m, int n, double normR, double normRInverse, int scaleExponent)
    {
        (double atol, double rtol) = Resolve<T>(m, n);
        double sMinBound = (1 / normRInverse) - (4 * n * ElementType.Epsilon<T>() * normR);
        return double.IsFinite(normRInverse) && normRInverse > 0 && sMinBound > Math.Max(Math.ScaleB(atol, scaleExponent), rtol * normR);
    }

    /// <exception cref="ArgumentOutOfRangeException">A tolerance is negative or not finite.</exception>
    internal void Validate()
    {
        if (Atol is { } a && (!double.IsFinite(a) || a < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(Atol), a, "atol must be a finite number >= 0.");
        }

        if (Rtol is { } r && (!double.IsFinite(r) || r < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(Rtol), r, "rtol must be a finite number >= 0.");
        }
    }
}
