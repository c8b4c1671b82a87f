using OrthoProj.Tests.Conformance;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// The conformance suite on the CUDA backend (device 0). Where no usable device and libraries are
/// found, every test is reported as skipped (inconclusive) with the probe trace as the reason.
/// </summary>
[TestClass]
public sealed class CudaConformance : ConformanceSuite
{
    protected override Backend Backend =>
        CudaBackend.Default ?? throw new AssertInconclusiveException("No usable CUDA device: " + CudaBackend.DefaultUnavailableReason);
}
