using System.Numerics;
using OrthoProj.Cuda;
using OrthoProj.Cuda.Fused;
using OrthoProj.Tests.Support;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// The fused small-matrix path against the general CUDA path (and finite differences) at and around
/// every size boundary of the kernels: one row slot (m = 32) and two (m = 33, 64), the column tiers
/// (n = 16, 17, 32), the smallest shapes, on batches of 1, 3 and 9 matrices (4 matrices per block, so
/// the last block is partly empty), float32 and float64; and rank-deficient input (a clear error under
/// QR naming the lowest bad matrix, correct results under SVD). These need a device (or the host
/// emulation of scripts/gpu-check.sh emulate) and are skipped with the reason otherwise.
/// </summary>
[TestClass]
[RequiresCudaDevice]
public sealed class FusedPathTests
{
    private const int P = 2;   // columns of Y: the second one exercises the accumulation of gA

    private static readonly (int M, int N)[] BoundaryShapes = [(1, 1), (2, 1), (32, 16), (32, 32), (33, 17), (64, 32), (64, 1)];

    private static readonly int[] Counts = [1, 3, 9];

    public static IEnumerable<object[]> Cases =>
        from s in BoundaryShapes from c in Counts from single in new[] { false, true } select new object[] { s.M, s.N, c, single };

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Fused_EqualsGeneralPath(int m, int n, int count, bool single)
    {
        if (single)
        {
            Compare<float>(m, n, count, 5e-4);
        }
        else
        {
            Compare<double>(m, n, count, 1e-10);
        }
    }

    [TestMethod]
    public void Dispatch_FollowsSmallMatrixPath()
    {
        CudaBackend fused = FusedTestBackends.Fused, general = FusedTestBackends.General;
        using MatrixBatch<double> a = fused.FromHost<double>(Conditioned<double>(33, 17, 2, 5).Span, 33, 17, 2);
        using (Projector<double> p = fused.Projector(a))
        {
            Assert.IsInstanceOfType<CudaFusedQrProjector<double>>(p);
            Assert.IsTrue(fused.UsesFusedPath(ProjectorMethod.Qr, 33, 17, 2));
        }

        using (Projector<double> p = fused.Projector(a, ProjectorMethod.Svd))
        {
            Assert.IsNotInstanceOfType<CudaFusedQrProjector<double>>(p, "the SVD method takes the general path (gesvdjBatched for m, n <= 32, gesvd above)");
        }

        using (Projector<double> p = general.Projector(a))
        {
            Assert.IsNotInstanceOfType<CudaFusedQrProjector<double>>(p);
            Assert.IsFalse(general.UsesFusedPath(ProjectorMethod.Qr, 33, 17, 2));
        }

        SmallMatrixPath saved = general.SmallMatrixPath;
        try
        {
            general.SmallMatrixPath = SmallMatrixPath.Auto;
            using Projector<double> p = general.Projector(a);
            Assert.IsInstanceOfType<CudaFusedQrProjector<double>>(p, "Auto takes the fused path where the shape fits");
        }
        finally
        {
            general.SmallMatrixPath = saved;
        }
    }

    [TestMethod]
    [DataRow(33, 17, 9, 1, 0, false)]
    [DataRow(33, 17, 9, 3, 2, false)]
    [DataRow(33, 17, 9, 9, 4, false)]
    [DataRow(33, 17, 9, 9, 8, true)]
    [DataRow(33, 17, 9, 3, 1, true)]
    [DataRow(64, 32, 20, 9, 5, false)]
    [DataRow(64, 32, 20, 3, 0, true)]
    [DataRow(32, 16, 15, 9, 3, true)]
    [DataRow(2, 1, 0, 3, 1, false)]
    [DataRow(64, 1, 0, 9, 7, true)]
    public void RankDeficient_UnderQr_NamesTheLowestBadMatrix_AndSvdHandlesIt(int m, int n, int rank, int count, int bad, bool single)
    {
        if (single)
        {
            RankDeficient<float>(m, n, rank, count, bad);
        }
        else
        {
            RankDeficient<double>(m, n, rank, count, bad);
        }
    }

    [TestMethod]
    public void Backward_AcrossBothBoundaries_MatchesFiniteDifferences()
    {
        // L(A) = <P y, w> + <A+ y, v> at m = 33 (two row slots), n = 17 (the 32-column tier), sampled
        // entries of A including row 32 and column 16; gA = ProjectBackward's + SolveBackward's.
        CudaBackend cuda = FusedTestBackends.Fused;
        const int m = 33, n = 17;
        HostMatrixBatch<double> a = Conditioned<double>(m, n, 1, 41);
        HostMatrixBatch<double> y = TestData.Random<double>(m, 1, 1, 42);
        HostMatrixBatch<double> w = TestData.Random<double>(m, 1, 1, 43);
        HostMatrixBatch<double> v = TestData.Random<double>(n, 1, 1, 44);
        double[] ga;
        using (MatrixBatch<double> ad = cuda.FromHost<double>(a.Span, m, n, 1), yd = cuda.FromHost<double>(y.Span, m, 1, 1))
        using (MatrixBatch<double> wd = cuda.FromHost<double>(w.Span, m, 1, 1), vd = cuda.FromHost<double>(v.Span, n, 1, 1))
        using (Projector<double> p = cuda.Projector(ad))
        using (ProjectorGradients<double> g1 = p.ProjectBackward(yd, wd))
        using (ProjectorGradients<double> g2 = p.SolveBackward(yd, vd))
        {
            Assert.IsInstanceOfType<CudaFusedQrProjector<double>>(p);
            double[] a1 = g1.GradA.ToArray(), a2 = g2.GradA.ToArray();
            ga = a1.Zip(a2, (x, z) => x + z).ToArray();
        }

        double Loss(double[] entries)
        {
            using MatrixBatch<double> ad = cuda.FromHost<double>(entries, m, n, 1);
            using MatrixBatch<double> yd = cuda.FromHost<double>(y.Span, m, 1, 1);
            using Projector<double> p = cuda.Projector(ad);
            double[] z = p.Project(yd).ToArray(), x = p.Solve(yd).ToArray();
            return z.Zip(w.ToArray(), (q, r) => q * r).Sum() + x.Zip(v.ToArray(), (q, r) => q * r).Sum();
        }

        double[] data = a.ToArray();
        foreach ((int i, int j) in new[] { (0, 0), (32, 0), (32, 16), (0, 16), (16, 15), (31, 8), (5, 16), (20, 3) })
        {
            int e = i + (j * m);
            double saved = data[e];
            data[e] = saved + FiniteDifferences.Step;
            double plus = Loss(data);
            data[e] = saved - FiniteDifferences.Step;
            double minus = Loss(data);
            data[e] = saved;
            double fd = (plus - minus) / (2 * FiniteDifferences.Step);
            Assert.AreEqual(fd, ga[e], 1e-6 * Math.Max(1, Math.Abs(fd)), $"dL/dA[{i},{j}]");
        }
    }

    /// <summary>Uniform [-1, 1) entries plus 2 on the diagonal: full column rank and small condition numbers at every shape.</summary>
    private static HostMatrixBatch<T> Conditioned<T>(int m, int n, int count, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        HostMatrixBatch<double> a = TestData.Random<double>(m, n, count, seed);
        for (int b = 0; b < count; b++)
        {
            for (int j = 0; j < n; j++)
            {
                a[b, j, j] += 2;
            }
        }

        return TestData.Convert<T>(a);
    }

    private static void Compare<T>(int m, int n, int count, double tol)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CudaBackend fused = FusedTestBackends.Fused, general = FusedTestBackends.General;
        int seed = (m * 1000) + (n * 10) + count;
        HostMatrixBatch<T> a = Conditioned<T>(m, n, count, seed);
        HostMatrixBatch<T> y = TestData.Random<T>(m, P, count, seed + 1);
        HostMatrixBatch<T> gm = TestData.Random<T>(m, P, count, seed + 2);
        HostMatrixBatch<T> gn = TestData.Random<T>(n, P, count, seed + 3);
        HostMatrixBatch<T> gp = TestData.Random<T>(m, m, count, seed + 4);
        string where = $"{typeof(T).Name} {count} x ({m} x {n})";

        using Projector<T> pf = fused.Projector(fused.FromHost<T>(a.Span, m, n, count));
        using Projector<T> pg = general.Projector(general.FromHost<T>(a.Span, m, n, count));
        Assert.IsInstanceOfType<CudaFusedQrProjector<T>>(pf, where);
        Assert.IsNotInstanceOfType<CudaFusedQrProjector<T>>(pg, where);
        CollectionAssert.AreEqual(pg.Rank.ToArray(), pf.Rank.ToArray(), $"ranks, {where}");

        MatrixBatch<T> F(HostMatrixBatch<T> x) => fused.FromHost<T>(x.Span, x.Rows, x.Cols, x.Count);
        MatrixBatch<T> G(HostMatrixBatch<T> x) => general.FromHost<T>(x.Span, x.Rows, x.Cols, x.Count);

        TestData.AssertClose(pf.Project(F(y)).ToHost(), pg.Project(G(y)).ToHost(), tol, $"Project, {where}");
        TestData.AssertClose(pf.Residual(F(y)).ToHost(), pg.Residual(G(y)).ToHost(), tol, $"Residual, {where}");
        TestData.AssertClose(pf.Solve(F(y)).ToHost(), pg.Solve(G(y)).ToHost(), tol, $"Solve, {where}");
        TestData.AssertClose(pf.Matrix().ToHost(), pg.Matrix().ToHost(), tol, $"Matrix, {where}");
        // For square A, P = I and the exact gradients are 0 (gA of every backward, and gy of the
        // residual's): both paths return rounding noise there, O(m eps |g| |x|) and amplified by R^-1,
        // which in float32 at 32 x 32 reaches 1.3e-3 against a scale of 1. Only those compare looser.
        double gradTol = typeof(T) == typeof(float) && m == n ? 8 * tol : tol;
        TestData.AssertClose(pf.MatrixBackward(F(gp)).ToHost(), pg.MatrixBackward(G(gp)).ToHost(), gradTol, $"MatrixBackward, {where}");
        CompareGradients(pf.ProjectBackward(F(y), F(gm)), pg.ProjectBackward(G(y), G(gm)), gradTol, $"ProjectBackward, {where}");
        CompareGradients(pf.ResidualBackward(F(y), F(gm)), pg.ResidualBackward(G(y), G(gm)), gradTol, $"ResidualBackward, {where}");
        CompareGradients(pf.SolveBackward(F(y), F(gn)), pg.SolveBackward(G(y), G(gn)), gradTol, $"SolveBackward, {where}");

        // The batch is the loop over its matrices: the last matrix alone gives the same bits.
        int last = count - 1;
        using Projector<T> single = fused.Projector(fused.FromHost<T>(a.GetMatrix(last), m, n, 1));
        T[] zAll = pf.Project(F(y)).ToArray();
        T[] zOne = single.Project(fused.FromHost<T>(y.GetMatrix(last), m, P, 1)).ToArray();
        CollectionAssert.AreEqual(zOne, zAll.AsSpan(last * m * P, m * P).ToArray(), $"batched equals single, {where}");
    }

    private static void CompareGradients<T>(ProjectorGradients<T> fused, ProjectorGradients<T> general, double tol, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using (fused)
        using (general)
        {
            TestData.AssertClose(fused.GradA.ToHost(), general.GradA.ToHost(), tol, $"gA of {what}");
            TestData.AssertClose(fused.GradY.ToHost(), general.GradY.ToHost(), tol, $"gy of {what}");
        }
    }

    /// <summary>Matrix <paramref name="bad"/> (and bad + 2, when it exists) of exact rank <paramref name="rank"/> (0: all zeros).</summary>
    private static void RankDeficient<T>(int m, int n, int rank, int count, int bad)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CudaBackend fused = FusedTestBackends.Fused;
        HostMatrixBatch<T> a = Conditioned<T>(m, n, count, 77);
        HostMatrixBatch<T> low = rank == 0 ? new HostMatrixBatch<T>(m, n, 1) : TestData.LowRank<T>(m, n, rank, count: 1, seed: 78);
        low.Span.CopyTo(a.GetMatrix(bad));
        if (bad + 2 < count)
        {
            low.Span.CopyTo(a.GetMatrix(bad + 2));   // a second bad matrix: the lowest index is reported
        }

        using MatrixBatch<T> ad = fused.FromHost<T>(a.Span, m, n, count);
        var e = Assert.ThrowsExactly<RankDeficientException>(() => fused.Projector(ad));
        Assert.AreEqual(bad, e.MatrixIndex, e.Message);
        Assert.IsLessThan(n, e.Rank);
        StringAssert.Contains(e.Message, "ProjectorMethod.Svd");
        StringAssert.Contains(e.Message, "|R[");

        using Projector<T> svd = fused.Projector(ad, ProjectorMethod.Svd);
        Assert.AreEqual(rank, svd.Rank[bad], "rank under SVD");
        using MatrixBatch<T> pm = svd.Matrix();
        HostMatrixBatch<double> p = TestData.ToDouble(pm);
        HostMatrixBatch<double> ah = TestData.ToDouble(a);
        TestData.AssertClose(TestData.Product(p, ah), ah, typeof(T) == typeof(float) ? 1e-3 : 1e-9, "P A = A under SVD");
    }
}
