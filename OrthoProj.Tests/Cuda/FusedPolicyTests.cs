using System.Numerics;
using OrthoProj.Cuda.Fused;
using OrthoProj.Tests.Conformance;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// <see cref="SmallMatrixPolicySuite"/> on the fused CUDA kernels (<see cref="SmallMatrixPath.Always"/>),
/// against the general CUDA path. Skipped, with the reason, where no usable device is found; the host
/// emulation runs it (its name matches CudaEmulationTests' filter).
/// </summary>
[TestClass]
[RequiresCudaDevice]
public sealed class CudaFusedPolicyTests : SmallMatrixPolicySuite
{
    protected override Backend Specialised => FusedTestBackends.Fused;

    protected override Backend General => FusedTestBackends.General;

    protected override void AssertSpecialised<T>(Projector<T> projector) =>
        Assert.IsInstanceOfType<CudaFusedQrProjector<T>>(projector);
}
