namespace OrthoProj.Tests.Cuda;

/// <summary>
/// Two CUDA backends on device 0 for the fused-path tests: one with the fused small-matrix path
/// forced (<see cref="SmallMatrixPath.Always"/>), one with it off (the general cuSOLVER/cuBLAS
/// path), created at first use and never disposed (like <see cref="CudaBackend.Default"/>).
/// </summary>
internal static class FusedTestBackends
{
    private static readonly Lazy<(CudaBackend? Backend, string Reason)> FusedInstance = new(() => Create(SmallMatrixPath.Always));
    private static readonly Lazy<(CudaBackend? Backend, string Reason)> GeneralInstance = new(() => Create(SmallMatrixPath.Never));

    /// <summary>The backend with the fused path forced; skips the calling test (inconclusive, with the reason) without a device.</summary>
    public static CudaBackend Fused => FusedInstance.Value.Backend ?? throw new AssertInconclusiveException("No usable CUDA device: " + FusedInstance.Value.Reason);

    /// <summary>The backend with the fused path off.</summary>
    public static CudaBackend General => GeneralInstance.Value.Backend ?? throw new AssertInconclusiveException("No usable CUDA device: " + GeneralInstance.Value.Reason);

    private static (CudaBackend?, string) Create(SmallMatrixPath path)
    {
        if (!CudaBackend.TryCreate(0, out CudaBackend? backend, out string reason))
        {
            return (null, reason);
        }

        backend!.SmallMatrixPath = path;
        return (backend, string.Empty);
    }
}
