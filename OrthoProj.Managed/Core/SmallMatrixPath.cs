namespace OrthoProj;

/// <summary>
/// Which path a backend takes for a QR-method <see cref="Projector{T}"/> over a batch of small
/// matrices (m &gt;= n, m &lt;= 64, n &lt;= 32): the batched path that factors many matrices at once
/// without calling LAPACK or cuSOLVER per matrix, or the general per-matrix path. Results are equal
/// to rounding; the choice exists for speed, for tests and for the benchmark.
/// </summary>
/// <remarks>
/// <see cref="CpuBackend.SmallMatrixPath"/>: W matrices side by side in SIMD lanes (W = 16 floats or
/// 8 doubles with AVX-512, 8 or 4 with AVX2, 4 or 2 with SSE/NEON, 1 without SIMD), Householder QR
/// in lock-step, Q and R^-1 applied without forming Q, one pass per group of W matrices.
/// <see cref="CudaBackend.SmallMatrixPath"/>: one warp per matrix with the matrix in registers
/// (cuda/fused_qr.cu), a QR kernel then one kernel per operation, see <see cref="CudaFusedPath"/>.
/// </remarks>
public enum SmallMatrixPath
{
    /// <summary>
    /// The batched path when the shape fits and the batch is worth it (CPU: at least one full group of
    /// W matrices; CUDA: any non-empty batch); otherwise the general path.
    /// </summary>
    Auto,

    /// <summary>
    /// The batched path whenever the shape fits, whatever the count; shapes that do not fit (SVD method,
    /// m &lt; n, m &gt; 64, n &gt; 32) silently take the general path.
    /// </summary>
    Always,

    /// <summary>Always the general per-matrix path (LAPACK or cuSOLVER per matrix).</summary>
    Never,
}
