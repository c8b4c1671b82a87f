using OrthoProj.Tests.Conformance;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// The conformance suite on a CUDA backend with the fused small-matrix path forced
/// (<see cref="SmallMatrixPath.Always"/>): every QR-method projector of the suite (all its shapes
/// fit, m &lt;= 64, n &lt;= 32) runs on cuda/fused_qr.cu; the rest of the suite runs the general path.
/// Skipped where no usable device is found ([RequiresCudaDevice]; CudaAvailabilityTests gives the reason once).
/// </summary>
[TestClass]
[RequiresCudaDevice]
public sealed class CudaFusedConformance : ConformanceSuite
{
    protected override Backend Backend => FusedTestBackends.Fused;
}

/// <summary>
/// The conformance suite on a CUDA backend with the fused path off
/// (<see cref="SmallMatrixPath.Never"/>): since <see cref="SmallMatrixPath.Auto"/> sends the
/// suite's small QR projectors to the fused kernels, this keeps the general cuSOLVER/cuBLAS projector
/// under the whole suite. Skipped, with the reason, where no usable device is found.
/// </summary>
[TestClass]
[RequiresCudaDevice]
public sealed class CudaGeneralPathConformance : ConformanceSuite
{
    protected override Backend Backend => FusedTestBackends.General;
}
