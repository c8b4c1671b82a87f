using System.Numerics;
using OrthoProj.Cpu.Batched;
using OrthoProj.Tests.Conformance;

namespace OrthoProj.Tests.Cpu;

/// <summary>
/// <see cref="SmallMatrixPolicySuite"/> on the SIMD lanes of the CPU (<see cref="SmallMatrixPath.Always"/>,
/// Math.NET's managed provider), against the general per-matrix path.
/// </summary>
[TestClass]
public sealed class BatchedLanesPolicyTests : SmallMatrixPolicySuite
{
    private static readonly CpuBackend Lanes = CpuBackend.CreateManaged(smallMatrixPath: SmallMatrixPath.Always);
    private static readonly CpuBackend PerMatrix = CpuBackend.CreateManaged(smallMatrixPath: SmallMatrixPath.Never);

    protected override Backend Specialised => Lanes;

    protected override Backend General => PerMatrix;

    protected override void AssertSpecialised<T>(Projector<T> projector) =>
        Assert.IsInstanceOfType<BatchedQrProjector<T>>(projector);
}
