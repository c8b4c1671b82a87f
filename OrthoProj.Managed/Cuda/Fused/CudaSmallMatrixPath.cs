namespace OrthoProj;

/// <summary>
/// Which path <see cref="CudaBackend"/> takes for a QR-method <see cref="Projector{T}"/> over a batch
/// of small matrices (see <see cref="CudaBackend.SmallMatrixPath"/>).
/// </summary>
/// <remarks>
/// The fused path (cuda/fused_qr.cu) runs one warp per matrix with the matrix in registers: a
/// Householder QR kernel, then one kernel per operation that applies Q^T and Q through the reflectors
/// (Q is never formed) and R^-1 / R^-T by substitution, with the backward passes' direct gradients
/// computed in the same pass. It fits the QR method with 1 &lt;= n &lt;= m &lt;= 64 and n &lt;= 32; its
/// results equal the general path's to rounding. The general path is cuSOLVER geqrf + orgqr (one call
/// per matrix) and cuBLAS batched products. Named apart from the CPU backend's SmallMatrixPath, whose
/// members it mirrors.
/// </remarks>
public enum CudaSmallMatrixPath
{
    /// <summary>The fused path whenever the shape fits; otherwise the general path.</summary>
    Auto,

    /// <summary>
    /// The fused path whenever the shape fits; shapes that do not fit (SVD method, m &lt; n, m &gt; 64,
    /// n &gt; 32, an empty batch) silently take the general path. The same rule as <see cref="Auto"/>
    /// today; it stays fixed if Auto later learns a batch-size threshold from GPU timings.
    /// </summary>
    Always,

    /// <summary>Always the general path (cuSOLVER/cuBLAS).</summary>
    Never,
}

/// <summary>The dispatch rule of <see cref="CudaSmallMatrixPath"/>, for callers that want to see the choice.</summary>
public static class CudaFusedPath
{
    /// <summary>Most rows the fused kernels take (lane l of a warp holds rows l and l + 32).</summary>
    public const int MaxRows = 64;

    /// <summary>Most columns the fused kernels take (columns are held in registers and R's rows in lanes).</summary>
    public const int MaxCols = 32;

    /// <summary>Whether the fused kernels can take this projector: QR method, 1 &lt;= n &lt;= m &lt;= 64, n &lt;= 32, count &gt;= 1.</summary>
    public static bool Fits(ProjectorMethod method, int rows, int cols, int count) =>
        method == ProjectorMethod.Qr && cols >= 1 && rows >= cols && rows <= MaxRows && cols <= MaxCols && count >= 1;

    /// <summary>Whether <paramref name="backend"/> (under its current <see cref="CudaBackend.SmallMatrixPath"/>) builds this projector on the fused path.</summary>
    public static bool Chooses(CudaBackend backend, ProjectorMethod method, int rows, int cols, int count)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return Chooses(backend.SmallMatrixPath, method, rows, cols, count);
    }

    /// <summary>The rule itself: <see cref="CudaSmallMatrixPath.Never"/> never, otherwise whenever <see cref="Fits"/>.</summary>
    public static bool Chooses(CudaSmallMatrixPath path, ProjectorMethod method, int rows, int cols, int count) => path switch
    {
        CudaSmallMatrixPath.Never => false,
        CudaSmallMatrixPath.Always or CudaSmallMatrixPath.Auto => Fits(method, rows, cols, count),
        _ => throw new ArgumentOutOfRangeException(nameof(path), path, "Unknown small-matrix path."),
    };
}
