namespace OrthoProj;

/// <summary>The dispatch rule of <see cref="CudaBackend.SmallMatrixPath"/>, for callers that want to see the choice.</summary>
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

    /// <summary>The rule itself: <see cref="SmallMatrixPath.Never"/> never, otherwise whenever <see cref="Fits"/>.</summary>
    public static bool Chooses(SmallMatrixPath path, ProjectorMethod method, int rows, int cols, int count) => path switch
    {
        SmallMatrixPath.Never => false,
        SmallMatrixPath.Always or SmallMatrixPath.Auto => Fits(method, rows, cols, count),
        _ => throw new ArgumentOutOfRangeException(nameof(path), path, "Unknown small-matrix path."),
    };
}
