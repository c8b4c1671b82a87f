using System.Numerics;
using MathNet.Numerics.Providers.LinearAlgebra;
using OrthoProj.Cpu;
using OrthoProj.Cpu.Batched;

namespace OrthoProj.Tests.Cpu;

/// <summary>
/// The SIMD batched QR projector (<see cref="BatchedQrProjector{T}"/>) against the general per-matrix
/// path over Math.NET's managed provider: all eight operations, shapes at and around the batched
/// path's limits, batch counts that leave a padded last group, every lane width, the rank check, and a
/// finite-difference check of ProjectBackward.
/// </summary>
[TestClass]
public sealed class BatchedProjectorTests
{
    private static readonly CpuBackend General = CpuBackend.CreateManaged(smallMatrixPath: SmallMatrixPath.Never);
    private static readonly CpuBackend Batched = CpuBackend.CreateManaged(smallMatrixPath: SmallMatrixPath.Always);

    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(2, 1)]
    [DataRow(2, 2)]
    [DataRow(5, 3)]
    [DataRow(16, 16)]
    [DataRow(17, 16)]
    [DataRow(32, 16)]
    [DataRow(32, 32)]
    [DataRow(33, 17)]
    [DataRow(63, 32)]
    [DataRow(64, 31)]
    [DataRow(64, 32)]
    [DataRow(64, 1)]
    public void DoubleMatchesGeneralPath(int m, int n) => MatchesGeneralPath<double>(m, n, 1e-10, seed: (m * 100) + n);

    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(2, 1)]
    [DataRow(2, 2)]
    [DataRow(5, 3)]
    [DataRow(16, 16)]
    [DataRow(17, 16)]
    [DataRow(32, 16)]
    [DataRow(32, 32)]
    [DataRow(33, 17)]
    [DataRow(63, 32)]
    [DataRow(64, 31)]
    [DataRow(64, 32)]
    [DataRow(64, 1)]
    public void SingleMatchesGeneralPath(int m, int n) => MatchesGeneralPath<float>(m, n, 2e-4, seed: (m * 100) + n + 7);

    [TestMethod]
    [DataRow(1)]
    [DataRow(128)]
    [DataRow(256)]
    [DataRow(512)]
    public void EveryLaneWidthMatchesGeneralPath(int bits)
    {
        // Software-emulated where the hardware lacks the width: slow, but the same arithmetic.
        LaneWidth width = bits switch { 128 => LaneWidth.Vector128, 256 => LaneWidth.Vector256, 512 => LaneWidth.Vector512, _ => LaneWidth.Scalar };
        var rng = new Random(42 + bits);
        foreach ((int m, int n) in new[] { (5, 3), (33, 17), (64, 32) })
        {
            foreach (int count in new[] { 1, 7, 19 })
            {
                CompareAll(RandomA<double>(rng, m, n, count), 2, 1e-10, rng, width);
                CompareAll(RandomA<float>(rng, m, n, count), 2, 2e-4, rng, width);
            }
        }
    }

    [TestMethod]
    public void DispatchFollowsSmallMatrixPath()
    {
        var rng = new Random(3);
        int w = BatchedQrProjector<double>.DefaultWidth;
        var auto = CpuBackend.CreateManaged();
        Assert.AreEqual(SmallMatrixPath.Auto, auto.SmallMatrixPath);

        using (Projector<double> p = auto.Projector(RandomA<double>(rng, 32, 16, w)))
        {
            Assert.IsInstanceOfType<BatchedQrProjector<double>>(p);
        }

        if (w > 1)
        {
            using Projector<double> p = auto.Projector(RandomA<double>(rng, 32, 16, w - 1));
            Assert.IsInstanceOfType<OrthoProj.Projection.BatchedProjector<double>>(p);
        }

        using (Projector<double> p = Batched.Projector(RandomA<double>(rng, 32, 16, 1)))
        {
            Assert.IsInstanceOfType<BatchedQrProjector<double>>(p);
        }

        // Shapes that do not fit fall back silently, also under Always.
        foreach ((int m, int n) in new[] { (65, 3), (40, 33), (70, 40) })
        {
            using Projector<double> p = Batched.Projector(RandomA<double>(rng, m, n, 2 * w));
            Assert.IsInstanceOfType<OrthoProj.Projection.BatchedProjector<double>>(p);
        }

        using (Projector<double> p = Batched.Projector(RandomA<double>(rng, 8, 4, 2 * w), ProjectorMethod.Svd))
        {
            Assert.IsInstanceOfType<OrthoProj.Projection.BatchedProjector<double>>(p);
        }

        using (Projector<double> p = General.Projector(RandomA<double>(rng, 8, 4, 2 * w)))
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
    public void ProjectBackwardMatchesFiniteDifferences()
    {
        // L(A, y) = sum(G .* (P y)); dL/dA and dL/dy by central differences (step 1e-6, float64).
        const int m = 5, n = 3, p = 2;
        int count = BatchedQrProjector<double>.DefaultWidth + 1;
        var rng = new Random(11);
        HostMatrixBatch<double> a = RandomA<double>(rng, m, n, count);
        HostMatrixBatch<double> y = RandomBatch<double>(rng, m, p, count);
        HostMatrixBatch<double> gz = RandomBatch<double>(rng, m, p, count);
        ProjectorGradients<double> grads;
        using (Projector<double> proj = Batched.Projector(a))
        {
            Assert.IsInstanceOfType<BatchedQrProjector<double>>(proj);
            grads = proj.ProjectBackward(y, gz);
        }

        double Loss()
        {
            using Projector<double> proj = Batched.Projector(a);
            double[] z = proj.Project(y).ToArray();
            double sum = 0;
            for (int i = 0; i < z.Length; i++)
            {
                sum += z[i] * gz.Span[i];
            }

            return sum;
        }

        const double h = 1e-6;
        double[] gA = grads.GradA.ToArray();
        double[] gY = grads.GradY.ToArray();
        CheckFd(a.Span, gA, Loss, h, "gA");
        CheckFd(y.Span, gY, Loss, h, "gy");

        static void CheckFd(Span<double> x, double[] analytic, Func<double> loss, double h, string what)
        {
            double scale = analytic.Max(Math.Abs);
            for (int i = 0; i < x.Length; i++)
            {
                double saved = x[i];
                x[i] = saved + h;
                double up = loss();
                x[i] = saved - h;
                double down = loss();
                x[i] = saved;
                double fd = (up - down) / (2 * h);
                Assert.IsLessThanOrEqualTo(1e-6 * Math.Max(1.0, scale), Math.Abs(fd - analytic[i]), $"{what}[{i}]: finite difference {fd}, analytic {analytic[i]}");
            }
        }
    }

    [TestMethod]
    public void ProjectGradientIsOrthogonalToA()
    {
        // A^T gA = 0 for the projection gradient (DESIGN.md section 3), on a batch with a padded group.
        const int m = 33, n = 17, p = 3;
        int count = BatchedQrProjector<double>.DefaultWidth + 3;
        var rng = new Random(21);
        HostMatrixBatch<double> a = RandomA<double>(rng, m, n, count);
        using Projector<double> proj = Batched.Projector(a);
        Assert.IsInstanceOfType<BatchedQrProjector<double>>(proj);
        using ProjectorGradients<double> grads = proj.ProjectBackward(RandomBatch<double>(rng, m, p, count), RandomBatch<double>(rng, m, p, count));
        var ga = (HostMatrixBatch<double>)grads.GradA;
        for (int b = 0; b < count; b++)
        {
            var product = a.ToMatrix(b).TransposeThisAndMultiply(ga.ToMatrix(b));
            Assert.IsLessThanOrEqualTo(1e-12 * ga.ToMatrix(b).FrobeniusNorm() * a.ToMatrix(b).FrobeniusNorm(), product.FrobeniusNorm(), $"matrix {b}");
        }
    }

    [TestMethod]
    public void ResultsDoNotDependOnThreadCount()
    {
        // Each group is computed the same way on any thread: one thread and all cores agree bit for bit.
        var one = CpuBackend.CreateManaged(maxDegreeOfParallelism: 1, smallMatrixPath: SmallMatrixPath.Always);
        var rng = new Random(8);
        int count = (5 * BatchedQrProjector<float>.DefaultWidth) + 3;
        HostMatrixBatch<float> a = RandomA<float>(rng, 32, 16, count);
        HostMatrixBatch<float> y = RandomBatch<float>(rng, 32, 2, count);
        HostMatrixBatch<float> g = RandomBatch<float>(rng, 32, 2, count);
        using Projector<float> p1 = one.Projector(a);
        using Projector<float> pn = Batched.Projector(a);
        CollectionAssert.AreEqual(p1.Project(y).ToArray(), pn.Project(y).ToArray());
        using ProjectorGradients<float> g1 = p1.ProjectBackward(y, g);
        using ProjectorGradients<float> gn = pn.ProjectBackward(y, g);
        CollectionAssert.AreEqual(g1.GradA.ToArray(), gn.GradA.ToArray());
        CollectionAssert.AreEqual(g1.GradY.ToArray(), gn.GradY.ToArray());
    }

    [TestMethod]
    public void DisposedProjectorThrowsAndDisposeIsIdempotent()
    {
        var rng = new Random(9);
        HostMatrixBatch<double> a = RandomA<double>(rng, 8, 4, 3);
        Projector<double> proj = Batched.Projector(a);
        Assert.IsInstanceOfType<BatchedQrProjector<double>>(proj);
        proj.Dispose();
        proj.Dispose();
        Assert.IsTrue(proj.IsDisposed);
        Assert.ThrowsExactly<ObjectDisposedException>(() => proj.Project(RandomBatch<double>(rng, 8, 1, 3)));
        Assert.ThrowsExactly<ObjectDisposedException>(() => proj.Matrix());

        // The pooled storage went back; a new projector over other data must not see the old factors.
        HostMatrixBatch<double> a2 = RandomA<double>(rng, 8, 4, 3);
        using Projector<double> fresh = Batched.Projector(a2);
        using Projector<double> reference = General.Projector(a2);
        AssertClose(reference.Matrix(), fresh.Matrix(), 1e-10, "Matrix after reuse");
    }

    [TestMethod]
    [DataRow(-70)]
    [DataRow(70)]
    public void SingleExtremeScalesAreRescaled(int exponent) => ScaleInvariance<float>(exponent, 1e-4);

    [TestMethod]
    [DataRow(-600)]
    [DataRow(600)]
    public void DoubleExtremeScalesAreRescaled(int exponent) => ScaleInvariance<double>(exponent, 1e-10);

    /// <summary>
    /// For A scaled by 2^e (sums of squares would underflow or overflow without rescaling):
    /// P(sA) = P(A), (sA)+ y = A+ y / s, and the projection gradient gA scales by 1 / s.
    /// </summary>
    private static void ScaleInvariance<T>(int exponent, double tol)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int m = 32, n = 16, p = 2;
        int count = BatchedQrProjector<T>.DefaultWidth + 2;
        var rng = new Random(31 + exponent);
        HostMatrixBatch<T> a = RandomA<T>(rng, m, n, count);
        T s = T.ScaleB(T.One, exponent);
        var scaled = HostMatrixBatch<T>.FromArray(a.ToArray().Select(v => v * s).ToArray(), m, n, count);
        HostMatrixBatch<T> y = RandomBatch<T>(rng, m, p, count);
        HostMatrixBatch<T> g = RandomBatch<T>(rng, m, p, count);
        using Projector<T> reference = Batched.Projector(a);
        using Projector<T> extreme = Batched.Projector(scaled);
        Assert.IsInstanceOfType<BatchedQrProjector<T>>(extreme);
        AssertClose(reference.Project(y), extreme.Project(y), tol, $"Project, scale 2^{exponent}");
        AssertClose(reference.Residual(y), extreme.Residual(y), tol, $"Residual, scale 2^{exponent}", scale: y);
        T[] x = extreme.Solve(y).ToArray().Select(v => v * s).ToArray();
        AssertClose(reference.Solve(y), HostMatrixBatch<T>.FromArray(x, n, p, count), tol, $"Solve, scale 2^{exponent}");
        using ProjectorGradients<T> gr = reference.ProjectBackward(y, g);
        using ProjectorGradients<T> ge = extreme.ProjectBackward(y, g);
        T[] gaScaled = ge.GradA.ToArray().Select(v => v * s).ToArray();
        AssertClose(gr.GradA, HostMatrixBatch<T>.FromArray(gaScaled, m, n, count), tol, $"ProjectBackward gA, scale 2^{exponent}");
        AssertClose(gr.GradY, ge.GradY, tol, $"ProjectBackward gy, scale 2^{exponent}", scale: g);
    }

    private static void MatchesGeneralPath<T>(int m, int n, double tol, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        int w = BatchedQrProjector<T>.DefaultWidth;
        foreach (int count in new[] { 1, w - 1, w + 1, (3 * w) + 2 }.Where(c => c >= 1).Distinct())
        {
            foreach (int p in new[] { 1, 3 })
            {
                CompareAll(RandomA<T>(rng, m, n, count), p, tol, rng, LaneWidth.Auto);
            }
        }
    }

    private static void CompareAll<T>(HostMatrixBatch<T> a, int p, double tol, Random rng, LaneWidth width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = a.Rows, n = a.Cols, count = a.Count;
        using Projector<T> general = General.Projector(a);
        using Projector<T> batched = width == LaneWidth.Auto
            ? Batched.Projector(a)
            : new BatchedQrProjector<T>(Batched, a, default, new ParallelOptions(), width);
        Assert.IsInstanceOfType<OrthoProj.Projection.BatchedProjector<T>>(general);
        Assert.IsInstanceOfType<BatchedQrProjector<T>>(batched);
        CollectionAssert.AreEqual(general.Rank.ToArray(), batched.Rank.ToArray());

        // y: every other matrix has y nearly in range(A), which takes the residual's second pass.
        HostMatrixBatch<T> y = RandomBatch<T>(rng, m, p, count);
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

                    yb[(c * m) + i] = T.CreateTruncating(s);
                }
            }
        }

        HostMatrixBatch<T> g = RandomBatch<T>(rng, m, p, count);
        HostMatrixBatch<T> gx = RandomBatch<T>(rng, n, p, count);
        HostMatrixBatch<T> gp = RandomBatch<T>(rng, m, m, count);
        string what = $"{typeof(T).Name} {count} x ({m} x {n}), p = {p}, {width}";
        AssertClose(general.Project(y), batched.Project(y), tol, $"Project {what}");
        AssertClose(general.Residual(y), batched.Residual(y), tol, $"Residual {what}", scale: y);
        AssertClose(general.Matrix(), batched.Matrix(), tol, $"Matrix {what}");
        AssertClose(general.Solve(y), batched.Solve(y), tol, $"Solve {what}");
        AssertClose(general.MatrixBackward(gp), batched.MatrixBackward(gp), tol, $"MatrixBackward {what}", scale: gp);
        AssertGradients(general.ProjectBackward(y, g), batched.ProjectBackward(y, g), tol, $"ProjectBackward {what}", g);
        AssertGradients(general.ResidualBackward(y, g), batched.ResidualBackward(y, g), tol, $"ResidualBackward {what}", g);
        AssertGradients(general.SolveBackward(y, gx), batched.SolveBackward(y, gx), tol, $"SolveBackward {what}", gx);
    }

    private static void RankDeficientIsNamed<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = BatchedQrProjector<T>.DefaultWidth;
        int count = (3 * w) + 2;
        var rng = new Random(5);
        foreach (int k in new[] { 0, w - 1, w, count - 1 }.Distinct())
        {
            foreach ((int m, int n) in new[] { (5, 3), (32, 16), (1, 1) })
            {
                HostMatrixBatch<T> a = RandomA<T>(rng, m, n, count);
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

    private static void AssertGradients<T>(ProjectorGradients<T> expected, ProjectorGradients<T> actual, double tol, string what, HostMatrixBatch<T> cotangent)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        AssertClose(expected.GradA, actual.GradA, tol, what + " gA", cotangent);
        AssertClose(expected.GradY, actual.GradY, tol, what + " gy", cotangent);
    }

    /// <summary>
    /// Per matrix: max |actual - expected| &lt;= tol * max(max |expected|, max |scale|). The scale is the
    /// input whose rounding bounds the error where the result cancels (a residual of y nearly in range(A)
    /// is small against y; (I - P) of a cotangent is small against the cotangent).
    /// </summary>
    private static void AssertClose<T>(MatrixBatch<T> expected, MatrixBatch<T> actual, double tol, string what, HostMatrixBatch<T>? scale = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.AreEqual(expected.Shape, actual.Shape, what);
        T[] e = expected.ToArray(), a = actual.ToArray();
        int len = expected.MatrixLength;
        for (int b = 0; b < expected.Count; b++)
        {
            double maxDiff = 0, maxRef = 0;
            if (scale is not null)
            {
                foreach (T v in scale.GetMatrix(b))
                {
                    maxRef = Math.Max(maxRef, Math.Abs(double.CreateTruncating(v)));
                }
            }

            for (int i = b * len; i < (b + 1) * len; i++)
            {
                double ei = double.CreateTruncating(e[i]);
                double ai = double.CreateTruncating(a[i]);
                Assert.IsTrue(double.IsFinite(ai), $"{what}: matrix {b} element {i - (b * len)} is {ai}");
                maxDiff = Math.Max(maxDiff, Math.Abs(ai - ei));
                maxRef = Math.Max(maxRef, Math.Abs(ei));
            }

            Assert.IsLessThanOrEqualTo(tol * Math.Max(maxRef, 1e-300), maxDiff, $"{what}: matrix {b}, max diff {maxDiff:G3} against max {maxRef:G3}");
        }
    }

    /// <summary>Uniform entries in [-1, 1] plus sqrt(m) on the diagonal: full rank with a modest condition number.</summary>
    private static HostMatrixBatch<T> RandomA<T>(Random rng, int m, int n, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        HostMatrixBatch<T> a = RandomBatch<T>(rng, m, n, count);
        for (int b = 0; b < count; b++)
        {
            for (int j = 0; j < n; j++)
            {
                a[b, j, j] += T.CreateTruncating(Math.Sqrt(m) * (rng.Next(2) == 0 ? -1 : 1));
            }
        }

        return a;
    }

    private static HostMatrixBatch<T> RandomBatch<T>(Random rng, int rows, int cols, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var batch = new HostMatrixBatch<T>(rows, cols, count);
        Span<T> s = batch.Span;
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = T.CreateTruncating((rng.NextDouble() * 2) - 1);
        }

        return batch;
    }
}
