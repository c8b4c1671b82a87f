using OrthoProj.Tests.Conformance;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// The conformance suite on the CUDA backend (device 0). Where no usable device and libraries are
/// found, every test is reported skipped ([RequiresCudaDevice]); CudaAvailabilityTests gives the reason once.
/// </summary>
[TestClass]
[RequiresCudaDevice]
public sealed class CudaConformance : ConformanceSuite
{
    protected override Backend Backend =>
        CudaBackend.Default ?? throw new AssertInconclusiveException("No usable CUDA device: " + CudaBackend.DefaultUnavailableReason);
}
