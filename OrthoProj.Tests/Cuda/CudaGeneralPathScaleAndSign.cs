using OrthoProj.Tests.Conformance;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// The scale and sign suite on the CUDA backend's general path (device 0; QR, pinv and their
/// backward passes never take the fused path). Skipped, with the probe trace, where no usable
/// device is found; the host emulation runs it (its name matches CudaEmulationTests' filter).
/// </summary>
[TestClass]
[RequiresCudaDevice]
public sealed class CudaGeneralPathScaleAndSign : ScaleAndSignSuite
{
    protected override Backend Backend =>
        CudaBackend.Default ?? throw new AssertInconclusiveException("No usable CUDA device: " + CudaBackend.DefaultUnavailableReason);
}
