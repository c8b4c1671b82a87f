using MathNet.Numerics.Providers.LinearAlgebra;
using OrthoProj.Cpu;
using OrthoProj.Cpu.Batched;
using OrthoProj.Tests.Support;

namespace OrthoProj.Tests.Conformance;

/// <summary>
/// The conformance suite on the CPU with <see cref="SmallMatrixPath.Always"/>: every QR-method
/// projector whose shape fits (1 &lt;= n &lt;= m &lt;= 64, n &lt;= 32) runs on the SIMD batched path,
/// whatever its count; QR, pinv, the SVD method and wide or larger shapes fall back to the general
/// path over Math.NET's managed provider, as <see cref="SmallMatrixPath.Always"/> documents.
/// </summary>
/// <remarks>
/// The suite's QR-method projectors use batches of 1 to 4 matrices, so they fill at most one SIMD
/// group, mostly partially (lanes padded with [I; 0]); full groups, several groups and chunked
/// storage are covered by <see cref="Cpu.BatchedProjectorTests"/> and
/// <see cref="Cpu.BatchedLaneStorageTests"/>.
/// </remarks>
[TestClass]
public sealed class BatchedConformance : ConformanceSuite
{
    private static readonly CpuBackend Cpu = CpuBackend.CreateManaged(smallMatrixPath: SmallMatrixPath.Always);

    protected override Backend Backend => Cpu;

    /// <summary>
    /// The binding is what it claims: the suite's QR-method projector shapes take the lanes, and what
    /// the batched path rejects (SVD method, wide, m &gt; 64, n &gt; 32) takes the general path.
    /// </summary>
    [TestMethod]
    public void SuiteShapesTakeTheLanesAndTheRestFallsBack()
    {
        foreach ((int m, int n, int count) in new[] { (7, 4, 3), (5, 5, 3), (1, 1, 3), (6, 1, 3), (9, 3, 1), (6, 3, 4), (10, 4, 3), (12, 5, 3), (32, 16, 1) })
        {
            using Projector<double> p = Backend.Projector(Up(TestData.Random<double>(m, n, count, seed: m + n)));
            Assert.IsInstanceOfType<BatchedQrProjector<double>>(p, $"{count} x ({m} x {n})");
        }

        using (Projector<double> svd = Backend.Projector(Up(TestData.Random<double>(7, 4, 3, seed: 1)), ProjectorMethod.Svd))
        {
            Assert.IsInstanceOfType<OrthoProj.Projection.BatchedProjector<double>>(svd, "SVD method");
        }

        foreach ((int m, int n) in new[] { (3, 6), (1, 4), (65, 3), (40, 33) })
        {
            using Projector<double> p = Backend.Projector(Up(TestData.Random<double>(m, n, 2, seed: 2)), ProjectorMethod.Svd);
            Assert.IsInstanceOfType<OrthoProj.Projection.BatchedProjector<double>>(p, $"{m} x {n}");
        }

        foreach ((int m, int n) in new[] { (65, 3), (40, 33) })
        {
            using Projector<double> p = Backend.Projector(Up(TestData.Random<double>(m, n, 2, seed: 3)));
            Assert.IsInstanceOfType<OrthoProj.Projection.BatchedProjector<double>>(p, $"QR {m} x {n}");
        }
    }
}
