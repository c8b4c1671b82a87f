namespace OrthoProj;

/// <summary>The dispatch rule of <see cref="CudaBackend.SmallMatrixPath"/>, for callers that want to see the choice.</summary>
public static class CudaFusedPath
{
    /// <summary>Whether <paramref name="backend"/> (under its current <see cref="CudaBackend.SmallMatrixPath"/>) builds this projector on the fused path.</summary>
    public static bool Chooses(CudaBackend backend, ProjectorMethod method, int rows, int cols, int count)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return SmallMatrixPolicy.Chooses(backend.SmallMatrixPath, method, rows, cols, count, minimumAutoCount: 1);
    }
}
