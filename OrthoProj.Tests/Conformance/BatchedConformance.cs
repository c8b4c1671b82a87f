using MathNet.Numerics.Providers.LinearAlgebra;
using OrthoProj.Cpu;
using OrthoProj.Cpu.Batched;
using OrthoProj.Tests.Support;

namespace OrthoProj.Tests.Conformance;

/// <summary>
/// The conformance suite on the CPU with <see cref="SmallMatrixPath.Always"/>: every QR-method
/// projector, Qr and QrBackward whose shape fits (1 &lt;= n &lt;= m &lt;= 64, n &lt;= 32) runs on the SIMD
/// batched path, whatever its count; pinv, the SVD method and wide or larger shapes fall back to the
/// general path over Math.NET's managed provider, as <see cref="SmallMatrixPath.Always"/> documents.
/// </summary>
/// <remarks>
/// The suite's QR-method projectors use batches of 1 to 4 matrices, so they fill at most one SIMD
/// group, mostly partially (lanes padded with [I; 0]); full groups, several groups and chunked
/// storage are covered by <see cref="Cpu.BatchedProjectorTests"/>, <see cref="Cpu.BatchedQrTests"/> and
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

    /// <summary>
    /// The suite's Qr and QrBackward run where it claims: its tall shapes (m &gt;= n) on the lanes, in
    /// both QR modes and both precisions, and its wide shapes on the general path (counted on a fresh
    /// backend of the same setting, which no other test touches).
    /// </summary>
    [TestMethod]
    public void SuiteQrShapesTakeTheLanesAndWideOnesFallBack()
    {
        var cpu = (CpuBackend)Backend;
        foreach ((int m, int n) in new[] { (7, 4), (5, 5), (1, 1), (6, 1) })
        {
            foreach (QrMode mode in new[] { QrMode.Reduced, QrMode.Complete })
            {
                long before = cpu.LanesQrCalls;
                using QrResult<double> qr = Backend.Qr(Up(TestData.Random<double>(m, n, 3, seed: m + n)), mode);
                Assert.IsGreaterThan(before, cpu.LanesQrCalls, $"Qr {m} x {n} {mode}");
            }

            long f32 = cpu.LanesQrCalls;
            using QrResult<float> qr32 = Backend.Qr(Up(TestData.Random<float>(m, n, 2, seed: m)));
            Assert.IsGreaterThan(f32, cpu.LanesQrCalls, $"Qr float32 {m} x {n}");

            using QrResult<double> reduced = Backend.Qr(Up(TestData.Random<double>(m, n, 2, seed: m * n)));
            long backward = cpu.LanesQrBackwardCalls;
            using MatrixBatch<double> ga = Backend.QrBackward(reduced.Q, reduced.R, reduced.Q, null);
            Assert.IsGreaterThan(backward, cpu.LanesQrBackwardCalls, $"QrBackward {m} x {n}");
        }

        var fresh = CpuBackend.CreateManaged(smallMatrixPath: SmallMatrixPath.Always);
        foreach ((int m, int n) in new[] { (3, 6), (1, 4) })
        {
            using QrResult<double> qr = fresh.Qr(TestData.Random<double>(m, n, 2, seed: m + n));
            using MatrixBatch<double> ga = fresh.QrBackward(qr.Q, qr.R, qr.Q, qr.R);
        }

        Assert.AreEqual(0, fresh.LanesQrCalls + fresh.LanesQrBackwardCalls, "wide shapes take the general path");
    }

    /// <summary>
    /// Pinv (and its backward) of the suite's tall full-rank shapes is answered in the lanes; rank-deficient and wide
    /// batches, and one a hair over the threshold, are not (the lanes cannot prove their rank: the SVD
    /// decides), and give the rank the rule says.
    /// </summary>
    [TestMethod]
    public void SuitePinvTallFullRankShapesTakeTheLanesAndTheRestFallsBack()
    {
        var cpu = CpuBackend.CreateManaged(smallMatrixPath: SmallMatrixPath.Always);
        foreach ((int m, int n) in new[] { (7, 4), (5, 5), (1, 1), (6, 1), (32, 16) })
        {
            long before = cpu.LanesPinvCalls;
            using PinvResult<double> p = cpu.Pinv(TestData.Random<double>(m, n, 3, seed: m + n));
            Assert.AreEqual(before + 1, cpu.LanesPinvCalls, $"Pinv {m} x {n}");
            using PinvResult<float> p32 = cpu.Pinv(TestData.Random<float>(m, n, 9, seed: m));
            Assert.AreEqual(before + 2, cpu.LanesPinvCalls, $"Pinv float32 {m} x {n}");
            long backward = cpu.LanesPinvBackwardCalls;
            using MatrixBatch<float> ga = cpu.PinvBackward(TestData.Random<float>(m, n, 9, seed: m), p32.Pinv, p32.Pinv);
            Assert.AreEqual(backward + 1, cpu.LanesPinvBackwardCalls, $"PinvBackward float32 {m} x {n}");
        }

        long general = cpu.LanesPinvCalls;
        using (PinvResult<double> low = cpu.Pinv(TestData.LowRank<double>(8, 5, rank: 2, count: 2, seed: 7)))
        {
            CollectionAssert.AreEqual(new[] { 2, 2 }, low.Rank.ToArray());
        }

        using (PinvResult<double> wide = cpu.Pinv(TestData.Random<double>(3, 6, 2, seed: 1)))
        {
            CollectionAssert.AreEqual(new[] { 3, 3 }, wide.Rank.ToArray());
        }

        Assert.AreEqual(general, cpu.LanesPinvCalls, "rank-deficient and wide batches take the general path");
    }

    /// <summary>
    /// PinvBackward in the lanes, where one group mixes matrices of full rank (whose third term the lanes
    /// leave out, X A = I proven by trace(X A)) with rank-2 ones (whose group keeps it), against Golub and
    /// Pereyra's three terms written out in Math.NET double matrices: an independent reference.
    /// </summary>
    [TestMethod]
    public void PinvBackward_GroupsMixingFullAndDeficientRank_MatchTheThreeTermFormula()
    {
        const int m = 8, n = 5, count = 11;
        HostMatrixBatch<double> full = TestData.Random<double>(m, n, count, seed: 3), low = TestData.LowRank<double>(m, n, rank: 2, count: count, seed: 4);
        var a = new HostMatrixBatch<double>(m, n, count);
        for (int k = 0; k < count; k++)
        {
            HostMatrixBatch<double> from = k % 3 == 1 ? low : full;
            for (int j = 0; j < n; j++)
            {
                for (int i = 0; i < m; i++)
                {
                    a[k, i, j] = from[k, i, j];
                }
            }
        }

        using PinvResult<double> p = Backend.Pinv(a);
        HostMatrixBatch<double> g = TestData.Random<double>(n, m, count, seed: 5);
        long before = Cpu.LanesPinvBackwardCalls;
        HostMatrixBatch<double> ga = Backend.PinvBackward(a, p.Pinv, g).ToHost();
        Assert.AreEqual(before + 1, Cpu.LanesPinvBackwardCalls, "the lanes answered");
        HostMatrixBatch<double> x = p.Pinv.ToHost();
        for (int k = 0; k < count; k++)
        {
            var am = a.ToMatrix(k);
            var xm = x.ToMatrix(k);
            var gm = g.ToMatrix(k);
            var im = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseIdentity(m);
            var inn = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseIdentity(n);
            var expected = (-xm.Transpose() * gm * xm.Transpose())
                + ((im - (am * xm)) * gm.Transpose() * xm * xm.Transpose())
                + (xm.Transpose() * xm * gm.Transpose() * (inn - (xm * am)));
            double error = (ga.ToMatrix(k) - expected).InfinityNorm() / expected.InfinityNorm();
            Assert.IsTrue(error < 1e-10, $"matrix {k} (rank {p.Rank[k]}): relative error {error:E2}");
        }
    }

    /// <summary>
    /// The lanes read a row-major batch (a tensor's layout) in place: Qr, QrBackward, Pinv and PinvBackward
    /// of one allocate far less than the 8 MB column-major copy each input used to cost. Allocations are
    /// counted on this thread, with one thread, after a warm-up call has filled the result pool.
    /// </summary>
    [TestMethod]
    public void RowMajorInputs_AreReadInPlace()
    {
        const int m = 32, n = 16, count = 4096;
        var cpu = CpuBackend.CreateManaged(maxDegreeOfParallelism: 1, smallMatrixPath: SmallMatrixPath.Always);
        HostMatrixBatch<float> a = HostMatrixBatch<float>.Wrap(TestData.Random<float>(m, n, count, seed: 3).ToArray().AsMemory(), m, n, count, MatrixLayout.RowMajor);
        HostMatrixBatch<float> rowQ = HostMatrixBatch<float>.Wrap(new float[m * n * count], m, n, count, MatrixLayout.RowMajor);
        HostMatrixBatch<float> rowX = HostMatrixBatch<float>.Wrap(new float[m * n * count], n, m, count, MatrixLayout.RowMajor);
        using (QrResult<float> qr = cpu.Qr(a))
        {
            qr.Q.CopyTo(rowQ.Span);     // any finite values will do as cotangents
        }

        using (PinvResult<float> p = cpu.Pinv(a))
        {
            p.Pinv.CopyTo(rowX.Span);
        }

        foreach ((string name, Action call) in new (string, Action)[]
        {
            ("Qr", () => cpu.Qr(a).Dispose()),
            ("QrBackward", () => { using QrResult<float> qr = cpu.Qr(a); cpu.QrBackward(qr.Q, qr.R, rowQ, null).Dispose(); }),
            ("Pinv", () => cpu.Pinv(a).Dispose()),
            ("PinvBackward", () => { using PinvResult<float> p = cpu.Pinv(a); cpu.PinvBackward(a, p.Pinv, rowX).Dispose(); }),
        })
        {
            call();
            long before = GC.GetAllocatedBytesForCurrentThread();
            call();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.IsLessThan(1 << 20, allocated, $"{name} of a row-major batch allocated {allocated} bytes; a column-major copy of one input is {m * n * count * sizeof(float)}");
        }
    }
}
