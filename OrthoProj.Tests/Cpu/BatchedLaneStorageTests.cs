using MathNet.Numerics.Providers.LinearAlgebra;
using OrthoProj.Cpu.Batched;
using OrthoProj.Tests.Support;

namespace OrthoProj.Tests.Cpu;

/// <summary>
/// The lane storage of the SIMD batched path (<see cref="GroupStorage{TV}"/>): batches split over
/// several native chunks give the results of one buffer, native memory is released on dispose and
/// when construction fails, and a batch whose lanes exceed one .NET array (a million float32 32 x 16
/// matrices: 2 GB of input, about 2.2 GB of factors) works.
/// </summary>
[TestClass]
public sealed class BatchedLaneStorageTests
{
    private static readonly CpuBackend General = CpuBackend.CreateManaged(smallMatrixPath: SmallMatrixPath.Never);
    private static readonly CpuBackend Batched = CpuBackend.CreateManaged(smallMatrixPath: SmallMatrixPath.Always);

    [TestMethod]
    public void MillionFloatMatricesFactorBeyondOneArray()
    {
        const int m = 32, n = 16, count = 1_000_000;

        // About 5 GB at the peak (input, lanes, right-hand sides, results).
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available < 8L << 30)
        {
            Assert.Inconclusive($"Needs about 8 GB of memory; {available >> 20} MB available.");
        }

        // A block of distinct random matrices repeated over the batch. The block length is not a
        // multiple of any lane width, so a group addressed in the wrong chunk or at the wrong offset
        // meets other matrices than its own and breaks P a_0 = a_0 below.
        const int block = 4099;
        var a = new HostMatrixBatch<float>(m, n, count);
        Span<float> all = a.Span;
        HostMatrixBatch<float> seed = FullRankData.Random<float>(m, n, block, seed: 2026);
        seed.Span.CopyTo(all);
        for (int filled = block * m * n; filled < all.Length; filled *= 2)
        {
            all[..Math.Min(filled, all.Length - filled)].CopyTo(all[filled..]);
        }

        // y: column 0 is a_0 (so P y = y in every matrix, checked over the whole batch); column 1 is
        // a generic vector, checked against the general path on sampled matrices.
        var y = new HostMatrixBatch<float>(m, 2, count);
        Span<float> ys = y.Span;
        for (int b = 0; b < count; b++)
        {
            all.Slice(b * m * n, m).CopyTo(ys.Slice(b * 2 * m, m));
            for (int i = 0; i < m; i++)
            {
                ys[(b * 2 * m) + m + i] = ((i * 7) + b) % 11 - 5;
            }
        }

        long before = NativeLaneMemory.LiveBytes;
        using Projector<float> proj = Batched.Projector(a);
        Assert.IsInstanceOfType<BatchedQrProjector<float>>(proj);
        Assert.IsGreaterThan((long)Array.MaxLength, NativeLaneMemory.LiveBytes - before, "the lanes exceed one array and live in native chunks");
        float[] z = proj.Project(y).ToArray();

        double worst = 0;
        int worstIndex = -1;
        for (int b = 0; b < count; b++)
        {
            for (int i = 0; i < m; i++)
            {
                float expected = ys[(b * 2 * m) + i];
                double err = Math.Abs(z[(b * 2 * m) + i] - expected) / (1 + Math.Abs(expected));
                if (!(err <= worst))
                {
                    worst = err;
                    worstIndex = b;
                }
            }
        }

        Assert.IsLessThanOrEqualTo(1e-4, worst, $"P a_0 = a_0 fails worst at matrix {worstIndex}: relative error {worst:G3}");

        foreach (int b in new[] { 0, 1, 15, 16, 4098, 123_457, 499_999, 500_000, 777_777, count - 17, count - 1 })
        {
            using Projector<float> single = General.Projector(HostMatrixBatch<float>.FromArray(a.GetMatrix(b), m, n));
            float[] expected = single.Project(HostMatrixBatch<float>.FromArray(y.GetMatrix(b), m, 2)).ToArray();
            for (int e = 0; e < expected.Length; e++)
            {
                Assert.AreEqual(expected[e], z[(b * 2 * m) + e], 1e-4f * (1 + Math.Abs(expected[e])), $"matrix {b}, element {e}");
            }
        }
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void ChunkedStorageMatchesOneBuffer(bool scalar)
    {
        LaneWidth width = scalar ? LaneWidth.Scalar : LaneWidth.Auto;
        // 37 x (33 x 17) float64 in chunks of at most three groups: several chunks, a partial last
        // chunk, a padded last group. Same arithmetic per group, so the results agree bit for bit.
        const int m = 33, n = 17, p = 2, count = 37;
        HostMatrixBatch<double> a = FullRankData.Random<double>(m, n, count, seed: 5);
        HostMatrixBatch<double> y = TestData.Random<double>(m, p, count, seed: 6);
        HostMatrixBatch<double> g = TestData.Random<double>(m, p, count, seed: 7);
        HostMatrixBatch<double> gp = TestData.Random<double>(m, m, count, seed: 8);
        long groupBytes = ((m * n) + (2 * n)) * sizeof(double) * (long)(scalar ? 1 : BatchedQrProjector<double>.DefaultWidth);
        var parallel = new ParallelOptions();
        long before = NativeLaneMemory.LiveBytes;
        using var whole = BatchedQrProjector<double>.Create(Batched, a, default, parallel, width);
        using var chunked = BatchedQrProjector<double>.Create(Batched, a, default, parallel, width, maxChunkBytes: 3 * groupBytes);
        Assert.IsGreaterThan(before, NativeLaneMemory.LiveBytes, "the chunked projector holds native chunks");
        CollectionAssert.AreEqual(whole.Project(y).ToArray(), chunked.Project(y).ToArray(), "Project");
        CollectionAssert.AreEqual(whole.Residual(y).ToArray(), chunked.Residual(y).ToArray(), "Residual");
        CollectionAssert.AreEqual(whole.Matrix().ToArray(), chunked.Matrix().ToArray(), "Matrix");
        CollectionAssert.AreEqual(whole.Solve(y).ToArray(), chunked.Solve(y).ToArray(), "Solve");
        CollectionAssert.AreEqual(whole.MatrixBackward(gp).ToArray(), chunked.MatrixBackward(gp).ToArray(), "MatrixBackward");
        using ProjectorGradients<double> gw = whole.ProjectBackward(y, g);
        using ProjectorGradients<double> gc = chunked.ProjectBackward(y, g);
        CollectionAssert.AreEqual(gw.GradA.ToArray(), gc.GradA.ToArray(), "ProjectBackward gA");
        CollectionAssert.AreEqual(gw.GradY.ToArray(), gc.GradY.ToArray(), "ProjectBackward gy");

        // And against the general path, so that equal-but-wrong cannot pass.
        using Projector<double> general = General.Projector(a);
        TestData.AssertClose(chunked.Project(y), general.Project(y), 1e-10, "chunked Project against the general path");
        chunked.Dispose();
        Assert.AreEqual(before, NativeLaneMemory.LiveBytes, "native chunks freed on dispose");
    }

    [TestMethod]
    public void NativeChunksAreFreedWhenFactorizationFails()
    {
        // A rank-deficient matrix in the last chunk: the constructor throws after every chunk was
        // allocated and factored, and must free them all.
        const int m = 8, n = 4, count = 50;
        HostMatrixBatch<float> a = FullRankData.Random<float>(m, n, count, seed: 9);
        a.GetMatrix(count - 2)[((n - 1) * m)..(n * m)].Clear();
        long before = NativeLaneMemory.LiveBytes;
        var ex = Assert.ThrowsExactly<RankDeficientException>(() => BatchedQrProjector<float>.Create(Batched, a, default, new ParallelOptions(), LaneWidth.Auto, maxChunkBytes: 4096));
        Assert.AreEqual(count - 2, ex.MatrixIndex);
        Assert.AreEqual(before, NativeLaneMemory.LiveBytes, "native chunks freed when the constructor throws");
    }

    [TestMethod]
    public void ChunkTooSmallForOneGroupIsRejected()
    {
        HostMatrixBatch<float> a = FullRankData.Random<float>(32, 16, 3, seed: 10);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BatchedQrProjector<float>.Create(Batched, a, default, new ParallelOptions(), LaneWidth.Auto, maxChunkBytes: 64));
        Assert.AreEqual("maxChunkBytes", ex.ParamName);
    }
}
