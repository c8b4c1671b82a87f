namespace OrthoProj;

/// <summary>
/// Which path a backend takes for a QR-method <see cref="Projector{T}"/> over a batch of small
/// matrices (m &gt;= n, m &lt;= 64, n &lt;= 32), and on the CPU also for <see cref="Backend.Qr{T}"/> and
/// <see cref="Backend.QrBackward{T}"/> of such matrices: the batched path that factors many matrices at once
/// without calling LAPACK or cuSOLVER per matrix, or the general per-matrix path. Results are equal
/// to rounding; the choice exists for speed, for tests and for the benchmark.
/// </summary>
/// <remarks>
/// <see cref="CpuBackend.SmallMatrixPath"/>: W matrices side by side in SIMD lanes (W = 16 floats or
/// 8 doubles with AVX-512, 8 or 4 with AVX2, 4 or 2 with SSE/NEON, 1 without SIMD), Householder QR
/// in lock-step, Q and R^-1 applied without forming Q, one pass per group of W matrices; Qr forms
/// Q in the lanes and QrBackward computes its gradient there (Cpu/Batched/BatchedQr.cs).
/// <see cref="CudaBackend.SmallMatrixPath"/>: one warp per matrix with the matrix in registers
/// (cuda/fused_qr.cu), a QR kernel then one kernel per operation, see <see cref="CudaBackend.UsesFusedPath"/>.
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

/// <summary>
/// The small-matrix path's shape limits and the <see cref="SmallMatrixPath"/> dispatch rule, shared by
/// the CPU lanes and the CUDA fused kernels (one warp per matrix: lane l holds rows l and l + 32, the
/// columns sit in registers).
/// </summary>
internal static class SmallMatrixPolicy
{
    /// <summary>The largest m the small-matrix path takes.</summary>
    public const int MaxRows = 64;

    /// <summary>The largest n the small-matrix path takes.</summary>
    public const int MaxCols = 32;

    /// <summary>
    /// Whether the small-matrix path can take a QR of this shape (1 &lt;= n &lt;= m &lt;= 64, n &lt;= 32,
    /// count &gt;= 1): a QR-method projector, and on the CPU <see cref="Backend.Qr{T}"/> (reduced or
    /// complete) and <see cref="Backend.QrBackward{T}"/> (m x n the shape of A).
    /// </summary>
    public static bool Fits(int m, int n, int count) =>
        n >= 1 && m >= n && m <= MaxRows && n <= MaxCols && count >= 1;

    /// <summary>Whether the small-matrix path can take this projector: QR method and a shape that <see cref="Fits(int, int, int)"/>.</summary>
    public static bool Fits(ProjectorMethod method, int m, int n, int count) =>
        method == ProjectorMethod.Qr && Fits(m, n, count);

    /// <summary>
    /// Whether <paramref name="path"/> takes the small-matrix path for a QR of an m x n batch: never under
    /// <see cref="SmallMatrixPath.Never"/>; otherwise where it <see cref="Fits(int, int, int)"/>, and under
    /// <see cref="SmallMatrixPath.Auto"/> only for at least <paramref name="minimumAutoCount"/> matrices
    /// (the CPU's lane width, 1 on CUDA).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="path"/> is not a defined value.</exception>
    public static bool Chooses(SmallMatrixPath path, int m, int n, int count, int minimumAutoCount) => path switch
    {
        SmallMatrixPath.Never => false,
        SmallMatrixPath.Always => Fits(m, n, count),
        SmallMatrixPath.Auto => Fits(m, n, count) && count >= minimumAutoCount,
        _ => throw new ArgumentOutOfRangeException(nameof(path), path, "Unknown small-matrix path."),
    };

    /// <summary>The same rule for a projector: <see cref="Chooses(SmallMatrixPath, int, int, int, int)"/> under the QR method, never under SVD.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="path"/> is not a defined value.</exception>
    public static bool Chooses(SmallMatrixPath path, ProjectorMethod method, int m, int n, int count, int minimumAutoCount) =>
        Chooses(path, m, n, count, minimumAutoCount) && method == ProjectorMethod.Qr;
}
