using System.Numerics;
using MathNet.Numerics.Providers.LinearAlgebra;
using OrthoProj.Cpu;
using OrthoProj.Cpu.Batched;
using OrthoProj.Tests.Support;

namespace OrthoProj.Tests.Cpu;

/// <summary>
/// What is specific to the lanes of the SIMD batched QR projector (<see cref="BatchedQrProjector{T}"/>),
/// against the general per-matrix path over Math.NET's managed provider: every lane width, shapes at
/// the path's limits and the kernels' remainder loops, the padded last group, the per-lane rescale at
/// tiny, huge and subnormal scales, the per-lane second residual pass, the rank check's lane-to-index
/// mapping, thread counts and pooled storage. The algebra itself (identities, finite differences, bad
/// input) runs on the lanes through <see cref="Conformance.BatchedConformance"/>.
/// </summary>
[TestClass]
public sealed class BatchedProjectorTests
{
    private const double DoubleTol = 1e-10;
    private const double FloatTol = 2e-4;

    private static readonly CpuBackend General = CpuBackend.CreateManaged(smallMatrixPath: SmallMatrixPath.Never);
    private static readonly CpuBackend Batched = CpuBackend.CreateManaged(smallMatrixPath: SmallMatrixPath.Always);

    /// <summary>
    /// n = 1, m = n, m and n off multiples of four (the kernels' remainder loops and the last partial
    /// block of four columns), n &gt;= 8 (the paired-reflector kernel), and the limits m = 64, n = 32.
    /// </summary>
    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(2, 2)]
    [DataRow(5, 3)]
    [DataRow(17, 16)]
    [DataRow(32, 16)]
    [DataRow(33, 17)]
    [DataRow(63, 32)]
    [DataRow(64, 31)]
    [DataRow(64, 1)]
    public void DoubleMatchesGeneralPath(int m, int n) => MatchesGeneralPath<double>(m, n, DoubleTol, seed: (m * 100) + n);

    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(2, 2)]
    [DataRow(5, 3)]
    [DataRow(17, 16)]
    [DataRow(32, 16)]
    [DataRow(33, 17)]
    [DataRow(63, 32)]
    [DataRow(64, 31)]
    [DataRow(64, 1)]
    public void SingleMatchesGeneralPath(int m, int n) => MatchesGeneralPath<float>(m, n, FloatTol, seed: (m * 100) + n + 7);

    [TestMethod]
    [DataRow(1)]
    [DataRow(128)]
    [DataRow(256)]
    [DataRow(512)]
    public void EveryLaneWidthMatchesGeneralPath(int bits)
    {
        // Software-emulated where the hardware lacks the width: slow, but the same arithmetic.
        LaneWidth width = bits switch { 128 => LaneWidth.Vector128, 256 => LaneWidth.Vector256, 512 => LaneWidth.Vector512, _ => LaneWidth.Scalar };
        int seed = bits;
        foreach ((int m, int n) in new[] { (5, 3), (33, 17), (64, 32) })
        {
            foreach (int count in new[] { 1, 7, 19 })
            {
                CompareAll(FullRankData.Random<double>(m, n, count, ++seed), 2, DoubleTol, ++seed, width);
                CompareAll(FullRankData.Random<float>(m, n, count, ++seed), 2, FloatTol, ++seed, width);
            }
        }
    }

    [TestMethod]
    public void DispatchFollowsSmallMatrixPath()
    {
        int w = BatchedQrProjector<double>.DefaultWidth;
        var auto = CpuBackend.CreateManaged();
        Assert.AreEqual(SmallMatrixPath.Auto, auto.SmallMatrixPath);

        // Auto: the lanes from one full group on; Always: from one matrix on; Never: never.
        using (Projector<double> p = auto.Projector(FullRankData.Random<double>(32, 16, w, seed: 1)))
        {
            Assert.IsInstanceOfType<BatchedQrProjector<double>>(p);
        }

        if (w > 1)
        {
            using Projector<double> p = auto.Projector(FullRankData.Random<double>(32, 16, w - 1, seed: 2));
            Assert.IsInstanceOfType<OrthoProj.Projection.BatchedProjector<double>>(p);
        }

        using (Projector<double> p = Batched.Projector(FullRankData.Random<double>(32, 16, 1, seed: 3)))
        {
            Assert.IsInstanceOfType<BatchedQrProjector<double>>(p);
        }

        using (Projector<double> p = General.Projector(FullRankData.Random<double>(8, 4, 2 * w, seed: 4)))
        {
            Assert.IsInstanceOfType<OrthoProj.Projection.BatchedProjector<double>>(p);
        }
    }

    [TestMethod]
    public void RankDeficientMatrixIsNamed()
    {
        RankDeficientIsNamed<double>();
        RankDeficientIsNamed<float>();
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    public void ResultsDoNotDependOnThreadCount(int threads)
    {
        // Each group is computed the same way on any thread: any thread count and all cores agree bit for bit.
        var fixedThreads = CpuBackend.CreateManaged(maxDegreeOfParallelism: threads, smallMatrixPath: SmallMatrixPath.Always);
        int count = (5 * BatchedQrProjector<float>.DefaultWidth) + 3;
        HostMatrixBatch<float> a = FullRankData.Random<float>(32, 16, count, seed: 8);
        HostMatrixBatch<float> y = TestData.Random<float>(32, 2, count, seed: 9);
        HostMatrixBatch<float> g = TestData.Random<float>(32, 2, count, seed: 10);
        using Projector<float> p1 = fixedThreads.Projector(a);
        using Projector<float> pn = Batched.Projector(a);
        Assert.IsInstanceOfType<BatchedQrProjector<float>>(p1);
        CollectionAssert.AreEqual(pn.Project(y).ToArray(), p1.Project(y).ToArray());
        CollectionAssert.AreEqual(pn.Matrix().ToArray(), p1.Matrix().ToArray());
        using ProjectorGradients<float> g1 = p1.ProjectBackward(y, g);
        using ProjectorGradients<float> gn = pn.ProjectBackward(y, g);
        CollectionAssert.AreEqual(gn.GradA.ToArray(), g1.GradA.ToArray());
        CollectionAssert.AreEqual(gn.GradY.ToArray(), g1.GradY.ToArray());
    }

    [TestMethod]
    public void PooledStorageDoesNotLeakOldFactors()
    {
        // The storage of a disposed projector goes back to the pool; the next projector of the same
        // size takes it and must see only its own factors.
        Projector<double> first = Batched.Projector(FullRankData.Random<double>(8, 4, 3, seed: 11));
        Assert.IsInstanceOfType<BatchedQrProjector<double>>(first);
        first.Dispose();
        HostMatrixBatch<double> a2 = FullRankData.Random<double>(8, 4, 3, seed: 12);
        using Projector<double> fresh = Batched.Projector(a2);
        using Projector<double> reference = General.Projector(a2);
        TestData.AssertClose(fresh.Matrix(), reference.Matrix(), DoubleTol, "Matrix after reuse");
    }

    /// <summary>
    /// Every matrix scaled by 2^e, near 1e-30 and 1e30 (2^-100, 2^100) and into the subnormals (2^-140,
    /// where the largest entry is ~1e-41 and small ones keep a few bits): without the lane rescale the
    /// column norms' sums of squares overflow or underflow.
    /// </summary>
    [TestMethod]
    [DataRow(-100)]
    [DataRow(100)]
    [DataRow(-140)]
    public void SingleExtremeScalesAreRescaled(int exponent) => Rescaled<float>([exponent], FloatTol);

    /// <summary>As <see cref="SingleExtremeScalesAreRescaled"/> near 1e-300 and 1e300 (2^-997, 2^997) and subnormal (2^-1060).</summary>
    [TestMethod]
    [DataRow(-997)]
    [DataRow(997)]
    [DataRow(-1060)]
    public void DoubleExtremeScalesAreRescaled(int exponent) => Rescaled<double>([exponent], DoubleTol);

    /// <summary>The rescale is per lane: one group mixes ordinary, tiny, huge and subnormal matrices.</summary>
    [TestMethod]
    public void MixedScalesInOneGroupAreRescaledPerLane()
    {
        Rescaled<float>([0, -100, 100, -140, 0, 30], FloatTol);
        Rescaled<double>([0, -997, 997, -1060, 0, 300], DoubleTol);
    }

    /// <summary>
    /// Matrix b of A is s_b A0_b, rounded to T, with s_b = 2^(exponents[b mod k]); its reference is that
    /// rounded matrix scaled back by 1 / s_b (exact: a power of two), factored on the general path. Then
    /// P and the residual are equal, A+ y and the projection gradient gA scale by 1 / s_b, gy is equal.
    /// Solve and gA are checked only where 1 / s_b A+ y stays in T's range.
    /// </summary>
    private static void Rescaled<T>(int[] exponents, double tol)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int m = 32, n = 16, p = 2;
        int count = (2 * BatchedQrProjector<T>.DefaultWidth) + 3;
        HostMatrixBatch<T> a0 = FullRankData.Random<T>(m, n, count, seed: 31 + exponents.Sum());
        var scaled = new HostMatrixBatch<T>(m, n, count);
        var reference = new HostMatrixBatch<T>(m, n, count);
        int maxExponent = typeof(T) == typeof(float) ? 127 : 1023;
        bool inverseFits = true;
        for (int b = 0; b < count; b++)
        {
            int e = exponents[b % exponents.Length];
            inverseFits &= -e < maxExponent - 8;
            Span<T> s = scaled.GetMatrix(b), r = reference.GetMatrix(b);
            ReadOnlySpan<T> x = a0.GetMatrix(b);
            for (int i = 0; i < x.Length; i++)
            {
                s[i] = T.ScaleB(x[i], e);
                r[i] = T.ScaleB(s[i], -e);
            }
        }

        HostMatrixBatch<T> y = TestData.Random<T>(m, p, count, seed: 41);
        HostMatrixBatch<T> g = TestData.Random<T>(m, p, count, seed: 42);
        string what = $"{typeof(T).Name}, scales 2^[{string.Join(", ", exponents)}]";
        using Projector<T> expected = General.Projector(reference);
        using Projector<T> actual = Batched.Projector(scaled);
        Assert.IsInstanceOfType<BatchedQrProjector<T>>(actual);
        TestData.AssertClose(actual.Project(y), expected.Project(y), tol, $"Project, {what}");
        TestData.AssertClose(actual.Residual(y), expected.Residual(y), tol, $"Residual, {what}");
        TestData.AssertClose(actual.Matrix(), expected.Matrix(), tol, $"Matrix, {what}");
        using ProjectorGradients<T> ge = expected.ProjectBackward(y, g);
        using ProjectorGradients<T> ga = actual.ProjectBackward(y, g);
        TestData.AssertClose(ga.GradY, ge.GradY, tol, $"ProjectBackward gy, {what}");
        if (!inverseFits)
        {
            return;
        }

        TestData.AssertClose(ScaleBack(actual.Solve(y), exponents), expected.Solve(y), tol, $"Solve, {what}");
        TestData.AssertClose(ScaleBack(ga.GradA, exponents), ge.GradA, tol, $"ProjectBackward gA, {what}");
    }

    /// <summary>Matrix b times 2^(exponents[b mod k]).</summary>
    private static HostMatrixBatch<T> ScaleBack<T>(MatrixBatch<T> x, int[] exponents)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var host = HostMatrixBatch<T>.FromArray(x.ToArray(), x.Rows, x.Cols, x.Count);
        for (int b = 0; b < host.Count; b++)
        {
            Span<T> s = host.GetMatrix(b);
            for (int i = 0; i < s.Length; i++)
            {
                s[i] = T.ScaleB(s[i], exponents[b % exponents.Length]);
            }
        }

        return host;
    }

    /// <summary>Counts that leave a padded last group: 1, W - 1, W + 1 and 3 W + 2.</summary>
    private static void MatchesGeneralPath<T>(int m, int n, double tol, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = BatchedQrProjector<T>.DefaultWidth;
        foreach (int count in new[] { 1, w - 1, w + 1, (3 * w) + 2 }.Where(c => c >= 1).Distinct())
        {
            foreach (int p in new[] { 1, 3 })
            {
                CompareAll(FullRankData.Random<T>(m, n, count, seed), p, tol, seed + 1, LaneWidth.Auto);
                seed += 2;
            }
        }
    }

    /// <summary>All eight operations, lanes against the general path.</summary>
    private static void CompareAll<T>(HostMatrixBatch<T> a, int p, double tol, int seed, LaneWidth width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = a.Rows, n = a.Cols, count = a.Count;
        using Projector<T> general = General.Projector(a);
        using Projector<T> batched = width == LaneWidth.Auto
            ? Batched.Projector(a)
            : BatchedQrProjector<T>.Create(Batched, a, default, new ParallelOptions(), width);
        Assert.IsInstanceOfType<OrthoProj.Projection.BatchedProjector<T>>(general);
        Assert.IsInstanceOfType<BatchedQrProjector<T>>(batched);

        // y: every other matrix has y nearly in range(A), which takes the residual's second pass in
        // those lanes only (decided per lane).
        HostMatrixBatch<T> y = TestData.Random<T>(m, p, count, seed);
        var rng = new Random(seed);
        for (int b = 0; b < count; b += 2)
        {
            Span<T> yb = y.GetMatrix(b);
            ReadOnlySpan<T> ab = a.GetMatrix(b);
            for (int c = 0; c < p; c++)
            {
                for (int i = 0; i < m; i++)
                {
                    double s = 0.01 * ((rng.NextDouble() * 2) - 1);
                    for (int j = 0; j < n; j++)
                    {
                        s += double.CreateTruncating(ab[(j * m) + i]) * (j + 1 + c);
                    }

                    yb[(c * m) + i] = T.CreateTruncating(s / Math.Sqrt(m * n));
                }
            }
        }

        HostMatrixBatch<T> g = TestData.Random<T>(m, p, count, seed + 1);
        HostMatrixBatch<T> gx = TestData.Random<T>(n, p, count, seed + 2);
        HostMatrixBatch<T> gp = TestData.Random<T>(m, m, count, seed + 3);
        string what = $"{typeof(T).Name} {count} x ({m} x {n}), p = {p}, {width}";
        TestData.AssertClose(batched.Project(y), general.Project(y), tol, $"Project {what}");
        TestData.AssertClose(batched.Residual(y), general.Residual(y), tol, $"Residual {what}");
        TestData.AssertClose(batched.Matrix(), general.Matrix(), tol, $"Matrix {what}");
        TestData.AssertClose(batched.Solve(y), general.Solve(y), tol, $"Solve {what}");
        TestData.AssertClose(batched.MatrixBackward(gp), general.MatrixBackward(gp), tol, $"MatrixBackward {what}");
        AssertGradients(batched.ProjectBackward(y, g), general.ProjectBackward(y, g), tol, $"ProjectBackward {what}");
        AssertGradients(batched.ResidualBackward(y, g), general.ResidualBackward(y, g), tol, $"ResidualBackward {what}");
        AssertGradients(batched.SolveBackward(y, gx), general.SolveBackward(y, gx), tol, $"SolveBackward {what}");
    }

    /// <summary>A deficient matrix in the first lane, the last lane of a group, the first of the next, and the last (padded) group.</summary>
    private static void RankDeficientIsNamed<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = BatchedQrProjector<T>.DefaultWidth;
        int count = (3 * w) + 2;
        foreach (int k in new[] { 0, w - 1, w, count - 1 }.Distinct())
        {
            foreach ((int m, int n) in new[] { (5, 3), (32, 16), (1, 1) })
            {
                HostMatrixBatch<T> a = FullRankData.Random<T>(m, n, count, seed: k + m);
                Span<T> ak = a.GetMatrix(k);
                for (int i = 0; i < m; i++)
                {
                    // The last column repeats the first (a zero column when n = 1).
                    ak[((n - 1) * m) + i] = n == 1 ? T.Zero : ak[i];
                }

                if (k + 1 < count)
                {
                    a.GetMatrix(count - 1).Clear();   // a later deficient matrix must not be the one named
                }

                var ex = Assert.ThrowsExactly<RankDeficientException>(() => Batched.Projector(a));
                Assert.AreEqual(k, ex.MatrixIndex, $"{typeof(T).Name} {m} x {n}");
                Assert.AreEqual(n - 1, ex.Rank, $"{typeof(T).Name} {m} x {n}");
            }
        }
    }

    private static void AssertGradients<T>(ProjectorGradients<T> actual, ProjectorGradients<T> expected, double tol, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using (actual)
        using (expected)
        {
            TestData.AssertClose(actual.GradA, expected.GradA, tol, what + " gA");
            TestData.AssertClose(actual.GradY, expected.GradY, tol, what + " gy");
        }
    }
}
