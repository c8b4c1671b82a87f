namespace OrthoProj;

/// <summary>
/// Which path <see cref="CpuBackend"/> takes for a QR-method <see cref="Projector{T}"/> over a batch
/// of small matrices (see <see cref="CpuBackend.SmallMatrixPath"/>).
/// </summary>
/// <remarks>
/// The batched path stores W matrices side by side in SIMD lanes (W = 16 floats or 8 doubles with
/// AVX-512, 8 or 4 with AVX2, 4 or 2 with SSE/NEON, 1 without SIMD), factors them by Householder QR in
/// lock-step and applies Q and R^-1 without forming Q, all within one pass per group of W matrices.
/// It fits the QR method with m &gt;= n, m &lt;= 64 and n &lt;= 32; results equal the general path's
/// to rounding.
/// </remarks>
public enum SmallMatrixPath
{
    /// <summary>
    /// The batched path when the shape fits (QR method, m &gt;= n, m &lt;= 64, n &lt;= 32) and the batch
    /// fills at least one group (Count &gt;= W); otherwise the general per-matrix path.
    /// </summary>
    Auto,

    /// <summary>
    /// The batched path whenever the shape fits, whatever the count; shapes that do not fit (SVD method,
    /// m &gt; 64, n &gt; 32) silently take the general path.
    /// </summary>
    Always,

    /// <summary>Always the general per-matrix path (one Math.NET/LAPACK factorization per matrix).</summary>
    Never,
}
