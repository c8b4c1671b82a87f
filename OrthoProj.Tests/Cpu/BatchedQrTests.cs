using System.Numerics;
using OrthoProj.Cpu.Batched;
using OrthoProj.Tests.Support;

namespace OrthoProj.Tests.Cpu;

/// <summary>
/// <see cref="Backend.Qr{T}"/> and <see cref="Backend.QrBackward{T}"/> on the SIMD lanes
/// (<see cref="BatchedQr{T}"/>) against the general per-matrix path over Math.NET's managed provider:
/// full, partial and several groups, every lane width, float32 and float64, batched = looped, finite
/// differences, gQ or gR alone, the rank rule at its threshold, extreme scales and row-major inputs.
/// The conformance suites run on the lanes too (<see cref="Conformance.BatchedConformance"/>,
/// <see cref="Conformance.BatchedScaleAndSign"/>).
/// </summary>
[TestClass]
public sealed class BatchedQrTests
{
    private const double DoubleTol = 1e-10;
    private const double FloatTol = 2e-4;

    private static readonly CpuBackend General = CpuBackend.CreateManaged(smallMatrixPath: SmallMatrixPath.Never);
    private static readonly CpuBackend Lanes = CpuBackend.CreateManaged(smallMatrixPath: SmallMatrixPath.Always);

    /// <summary>n = 1, m = n, remainders of four, the paired-reflector kernel (n &gt;= 8) and the limits.</summary>
    private static readonly (int M, int N)[] Shapes = [(1, 1), (5, 3), (4, 4), (17, 16), (32, 16), (33, 17), (64, 32), (64, 1)];

    /// <summary>One full group, a partial one (count off a multiple of W), and several groups with a partial last one.</summary>
    private static int[] Counts<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = BatchedQrProjector<T>.DefaultWidth;
        return [w, w + 3, (3 * w) + 1];
    }

    [TestMethod]
    public void Qr_Double_MatchesGeneralPath() => QrMatchesGeneralPath<double>(DoubleTol);

    [TestMethod]
    public void Qr_Single_MatchesGeneralPath() => QrMatchesGeneralPath<float>(FloatTol);

    [TestMethod]
    public void QrBackward_Double_MatchesGeneralPath() => BackwardMatchesGeneralPath<double>(DoubleTol);

    [TestMethod]
    public void QrBackward_Single_MatchesGeneralPath() => BackwardMatchesGeneralPath<float>(FloatTol);

    [TestMethod]
    [DataRow(1)]
    [DataRow(128)]
    [DataRow(256)]
    [DataRow(512)]
    public void EveryLaneWidthMatchesGeneralPath(int bits)
    {
        // Software-emulated where the hardware lacks the width: slow, but the same arithmetic.
        LaneWidth width = bits switch { 128 => LaneWidth.Vector128, 256 => LaneWidth.Vector256, 512 => LaneWidth.Vector512, _ => LaneWidth.Scalar };
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 2 };
        int seed = bits;
        foreach ((int m, int n) in new[] { (5, 3), (33, 17), (64, 32) })
        {
            foreach (int count in new[] { 1, 9, 19 })
            {
                HostMatrixBatch<double> a = FullRankData.Random<double>(m, n, count, ++seed);
                string what = $"{bits} bits, {count} x ({m} x {n})";
                foreach (QrMode mode in new[] { QrMode.Reduced, QrMode.Complete })
                {
                    using QrResult<double> got = BatchedQr<double>.Factor(Lanes, a, mode, parallel, width);
                    using QrResult<double> expected = General.Qr(a, mode);
                    TestData.AssertClose(got.Q, expected.Q, DoubleTol, $"Q {mode}, {what}");
                    TestData.AssertClose(got.R, expected.R, DoubleTol, $"R {mode}, {what}");
                }

                using QrResult<double> qr = General.Qr(a);
                HostMatrixBatch<double> gq = TestData.Random<double>(m, n, count, ++seed), gr = TestData.Random<double>(n, n, count, ++seed);
                using MatrixBatch<double> ga = BatchedQr<double>.Backward(Lanes, (HostMatrixBatch<double>)qr.Q, (HostMatrixBatch<double>)qr.R, gq, gr, parallel, width);
                TestData.AssertClose(ga, General.QrBackward(qr.Q, qr.R, gq, gr), DoubleTol, "gA, " + what);
            }
        }
    }

    [TestMethod]
    public void Float32MatchesFloat64()
    {
        foreach ((int m, int n) in new[] { (7, 4), (32, 16), (64, 32) })
        {
            int count = Counts<float>()[2];
            HostMatrixBatch<double> a = FullRankData.Random<double>(m, n, count, m + n);
            HostMatrixBatch<double> gq = TestData.Random<double>(m, n, count, m), gr = TestData.Random<double>(n, n, count, n);
            using QrResult<double> qr64 = Lanes.Qr(a);
            using QrResult<float> qr32 = Lanes.Qr(TestData.Convert<float>(a));
            TestData.AssertClose(qr32.Q, qr64.Q, FloatTol, $"Q {m}x{n}");
            TestData.AssertClose(qr32.R, qr64.R, FloatTol, $"R {m}x{n}");
            using MatrixBatch<double> ga64 = Lanes.QrBackward(qr64.Q, qr64.R, gq, gr);
            using MatrixBatch<float> ga32 = Lanes.QrBackward(qr32.Q, qr32.R, TestData.Convert<float>(gq), TestData.Convert<float>(gr));
            TestData.AssertClose(ga32, ga64, FloatTol * 10, $"gA {m}x{n}");
        }
    }

    /// <summary>Each lane computes alone: a batch gives, bit for bit, what each of its matrices gives alone (one padded group).</summary>
    [TestMethod]
    public void BatchedEqualsLoopedExactly()
    {
        foreach ((int m, int n) in new[] { (7, 4), (32, 16) })
        {
            int count = Counts<double>()[2];
            HostMatrixBatch<double> a = FullRankData.Random<double>(m, n, count, m * n);
            HostMatrixBatch<double> gq = TestData.Random<double>(m, n, count, 3), gr = TestData.Random<double>(n, n, count, 4);
            using QrResult<double> qr = Lanes.Qr(a);
            using MatrixBatch<double> ga = Lanes.QrBackward(qr.Q, qr.R, gq, gr);
            for (int b = 0; b < count; b++)
            {
                using QrResult<double> one = Lanes.Qr(Slice(a, b));
                using MatrixBatch<double> gaOne = Lanes.QrBackward(one.Q, one.R, Slice(gq, b), Slice(gr, b));
                CollectionAssert.AreEqual(((HostMatrixBatch<double>)qr.Q).GetMatrix(b).ToArray(), ((HostMatrixBatch<double>)one.Q).Span.ToArray(), $"Q {b}, {m}x{n}");
                CollectionAssert.AreEqual(((HostMatrixBatch<double>)qr.R).GetMatrix(b).ToArray(), ((HostMatrixBatch<double>)one.R).Span.ToArray(), $"R {b}, {m}x{n}");
                CollectionAssert.AreEqual(((HostMatrixBatch<double>)ga).GetMatrix(b).ToArray(), ((HostMatrixBatch<double>)gaOne).Span.ToArray(), $"gA {b}, {m}x{n}");
            }
        }
    }

    [TestMethod]
    public void QrBackward_MatchesFiniteDifferences()
    {
        int count = BatchedQrProjector<double>.DefaultWidth + 1;     // a full group and a partial one
        foreach ((int m, int n) in new[] { (6, 3), (4, 4), (9, 5) })
        {
            HostMatrixBatch<double> a = FullRankData.Random<double>(m, n, count, (m * 7) + n);
            HostMatrixBatch<double> gq = TestData.Random<double>(m, n, count, 11 + m), gr = TestData.Random<double>(n, n, count, 13 + n);
            foreach (var (useQ, useR) in new[] { (true, true), (true, false), (false, true) })
            {
                using QrResult<double> qr = Lanes.Qr(a);
                using MatrixBatch<double> ga = Lanes.QrBackward(qr.Q, qr.R, useQ ? gq : null, useR ? gr : null);
                HostMatrixBatch<double> fd = FiniteDifferences.Gradient(a, x =>
                {
                    using QrResult<double> f = Lanes.Qr(x);
                    return (useQ ? TestData.Dot(f.Q, gq) : 0) + (useR ? TestData.Dot(f.R, gr) : 0);
                });
                TestData.AssertClose(ga, fd, 1e-8, $"{m}x{n} gQ={useQ} gR={useR}");
            }
        }
    }

    [TestMethod]
    public void QrBackward_RankRuleAtItsThreshold_Double() => RankRuleAtThreshold<double>();

    [TestMethod]
    public void QrBackward_RankRuleAtItsThreshold_Single() => RankRuleAtThreshold<float>();

    [TestMethod]
    public void Qr_RankDeficientMatrixFactors()
    {
        // QR exists for any matrix: a zero column and a repeated one factor as on the general path.
        int count = Counts<double>()[1];
        HostMatrixBatch<double> a = TestData.Random<double>(8, 5, count, 5);
        for (int i = 0; i < 8; i++)
        {
            a[1, i, 2] = a[1, i, 0];
            a[count - 1, i, 4] = 0;
        }

        using QrResult<double> got = Lanes.Qr(a);
        using QrResult<double> expected = General.Qr(a);
        TestData.AssertClose(TestData.Product(got.Q.ToHost(), got.R.ToHost()), a, DoubleTol, "Q R = A");
        TestData.AssertClose(TestData.Product(got.Q.ToHost(), got.Q.ToHost(), transA: true), TestData.Identity(5, count), DoubleTol, "Q^T Q = I");
        for (int b = 0; b < count; b++)
        {
            if (b != 1)
            {
                // Matrix 1's Q beyond column 2 follows rounding noise (|R_22| ~ eps); the others are determined.
                TestData.AssertClose(Slice((HostMatrixBatch<double>)got.Q, b), Slice((HostMatrixBatch<double>)expected.Q, b), DoubleTol, $"Q {b}");
                TestData.AssertClose(Slice((HostMatrixBatch<double>)got.R, b), Slice((HostMatrixBatch<double>)expected.R, b), DoubleTol, $"R {b}");
            }
        }

        Assert.AreEqual(0.0, got.R.ToHost()[count - 1, 4, 4], "a zero column: R_44 = 0, as LAPACK");
        Assert.ThrowsExactly<RankDeficientException>(() => Lanes.QrBackward(got.Q, got.R, null, got.R));
    }

    [TestMethod]
    public void ExtremeScales_Double() => AtScales<double>([-600, 600], DoubleTol);

    [TestMethod]
    public void ExtremeScales_Single() => AtScales<float>([-100, 100], FloatTol);

    [TestMethod]
    public void RowMajorInputsGiveColumnMajorResults()
    {
        int count = Counts<double>()[1];
        HostMatrixBatch<double> a = FullRankData.Random<double>(9, 4, count, 17);
        HostMatrixBatch<double> gq = TestData.Random<double>(9, 4, count, 18), gr = TestData.Random<double>(4, 4, count, 19);
        foreach (QrMode mode in new[] { QrMode.Reduced, QrMode.Complete })
        {
            using QrResult<double> fromRows = Lanes.Qr(RowMajor(a), mode);
            using QrResult<double> fromColumns = Lanes.Qr(a, mode);
            Assert.AreEqual(MatrixLayout.ColumnMajor, fromRows.Q.Layout);
            Assert.AreEqual(MatrixLayout.ColumnMajor, fromRows.R.Layout);
            TestData.AssertClose(fromRows.Q, fromColumns.Q, 0, $"Q {mode}");
            TestData.AssertClose(fromRows.R, fromColumns.R, 0, $"R {mode}");
        }

        using QrResult<double> qr = Lanes.Qr(a);
        using MatrixBatch<double> ga = Lanes.QrBackward(RowMajor(qr.Q.ToHost()), RowMajor(qr.R.ToHost()), RowMajor(gq), RowMajor(gr));
        Assert.AreEqual(MatrixLayout.ColumnMajor, ga.Layout);
        TestData.AssertClose(ga, Lanes.QrBackward(qr.Q, qr.R, gq, gr), 0, "gA");
    }

    [TestMethod]
    public void DispatchFollowsSmallMatrixPath()
    {
        int w = BatchedQrProjector<double>.DefaultWidth;
        var auto = CpuBackend.CreateManaged();
        HostMatrixBatch<double> few = FullRankData.Random<double>(6, 3, Math.Max(1, w - 1), 1), many = FullRankData.Random<double>(6, 3, w, 2);
        using (QrResult<double> r = auto.Qr(few))
        {
            _ = auto.QrBackward(r.Q, r.R, null, r.R);
        }

        Assert.AreEqual(w == 1 ? 1 : 0, auto.LanesQrCalls, "Auto: fewer than a group stays general");
        using (QrResult<double> r = auto.Qr(many))
        {
            _ = auto.QrBackward(r.Q, r.R, null, r.R);
        }

        Assert.AreEqual(w == 1 ? 2 : 1, auto.LanesQrCalls, "Auto: a full group takes the lanes");
        Assert.AreEqual(w == 1 ? 2 : 1, auto.LanesQrBackwardCalls, "Auto: backward of a full group takes the lanes");

        var never = CpuBackend.CreateManaged(smallMatrixPath: SmallMatrixPath.Never);
        using (QrResult<double> r = never.Qr(many))
        {
            _ = never.QrBackward(r.Q, r.R, null, r.R);
        }

        Assert.AreEqual(0, never.LanesQrCalls + never.LanesQrBackwardCalls, "Never");

        var always = CpuBackend.CreateManaged(smallMatrixPath: SmallMatrixPath.Always);
        foreach ((int m, int n) in new[] { (3, 6), (65, 3), (40, 33) })
        {
            using QrResult<double> r = always.Qr(TestData.Random<double>(m, n, 2, m + n));
            _ = always.QrBackward(r.Q, r.R, null, r.R);
        }

        Assert.AreEqual(0, always.LanesQrCalls + always.LanesQrBackwardCalls, "wide, m > 64 and n > 32 take the general path");
    }

    private static void QrMatchesGeneralPath<T>(double tol)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int seed = 0;
        foreach ((int m, int n) in Shapes)
        {
            foreach (int count in Counts<T>())
            {
                HostMatrixBatch<T> a = FullRankData.Random<T>(m, n, count, ++seed);
                foreach (QrMode mode in new[] { QrMode.Reduced, QrMode.Complete })
                {
                    string what = $"{typeof(T).Name} {count} x ({m} x {n}) {mode}";
                    long before = Lanes.LanesQrCalls;
                    using QrResult<T> got = Lanes.Qr(a, mode);
                    Assert.IsGreaterThan(before, Lanes.LanesQrCalls, what + ": took the lanes");
                    using QrResult<T> expected = General.Qr(a, mode);
                    Assert.AreEqual(expected.Q.Shape, got.Q.Shape, what);
                    Assert.AreEqual(expected.R.Shape, got.R.Shape, what);
                    Assert.AreSame(Lanes, got.Q.Backend, what + ": the result belongs to the backend");
                    TestData.AssertClose(got.Q, expected.Q, tol, what + " Q");
                    TestData.AssertClose(got.R, expected.R, tol, what + " R");
                    HostMatrixBatch<T> r = got.R.ToHost();
                    for (int b = 0; b < count; b++)
                    {
                        for (int j = 0; j < n; j++)
                        {
                            for (int i = j + 1; i < r.Rows; i++)
                            {
                                Assert.AreEqual(T.Zero, r[b, i, j], $"{what}: R[{i},{j}] of {b}");
                            }
                        }
                    }
                }
            }
        }
    }

    private static void BackwardMatchesGeneralPath<T>(double tol)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int seed = 100;
        foreach ((int m, int n) in Shapes)
        {
            foreach (int count in Counts<T>())
            {
                HostMatrixBatch<T> a = FullRankData.Random<T>(m, n, count, ++seed);
                HostMatrixBatch<T> gq = TestData.Random<T>(m, n, count, ++seed), gr = TestData.Random<T>(n, n, count, ++seed);
                using QrResult<T> qr = General.Qr(a);
                foreach (var (useQ, useR) in new[] { (true, true), (true, false), (false, true) })
                {
                    string what = $"{typeof(T).Name} {count} x ({m} x {n}) gQ={useQ} gR={useR}";
                    long before = Lanes.LanesQrBackwardCalls;
                    using MatrixBatch<T> got = Lanes.QrBackward(qr.Q, qr.R, useQ ? gq : null, useR ? gr : null);
                    Assert.IsGreaterThan(before, Lanes.LanesQrBackwardCalls, what + ": took the lanes");
                    TestData.AssertClose(got, General.QrBackward(qr.Q, qr.R, useQ ? gq : null, useR ? gr : null), tol, what);
                }
            }
        }
    }

    /// <summary>
    /// |R_11| exactly at the rule's threshold (rtol max |R_jj|, rtol = eps max(m, n)) fails in a matrix
    /// of the second group, with the general path's index, rank and message; one step above passes.
    /// </summary>
    private static void RankRuleAtThreshold<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = BatchedQrProjector<T>.DefaultWidth, count = (2 * w) + 1, bad = w + 1;
        foreach ((int m, int n) in new[] { (7, 4), (16, 16) })
        {
            double threshold = default(RankTolerance).Threshold<T>(m, n, 1.0);
            T atThreshold = T.CreateTruncating(threshold);
            if (double.CreateTruncating(atThreshold) > threshold)
            {
                atThreshold = T.BitDecrement(atThreshold);
            }

            using QrResult<T> qr = General.Qr(FullRankData.Random<T>(m, n, count, m));
            HostMatrixBatch<T> r = qr.R.ToHost();
            for (int b = 0; b < count; b++)
            {
                for (int j = 0; j < n; j++)
                {
                    for (int i = 0; i <= j; i++)
                    {
                        r[b, i, j] = i == j ? T.One : T.CreateTruncating(0.25);
                    }
                }
            }

            HostMatrixBatch<T> gq = TestData.Random<T>(m, n, count, 3);
            r[bad, 1, 1] = atThreshold;
            string what = $"{typeof(T).Name} {m}x{n}";
            var expected = Assert.ThrowsExactly<RankDeficientException>(() => General.QrBackward(qr.Q, r, gq, null), what + " general");
            var got = Assert.ThrowsExactly<RankDeficientException>(() => Lanes.QrBackward(qr.Q, r, gq, null), what + " lanes");
            Assert.AreEqual(bad, got.MatrixIndex, what);
            Assert.AreEqual(n - 1, got.Rank, what);
            Assert.AreEqual(expected.Message, got.Message, what);

            r[bad, 1, 1] = T.BitIncrement(atThreshold);
            TestData.AssertClose(Lanes.QrBackward(qr.Q, r, gq, null), General.QrBackward(qr.Q, r, gq, null), typeof(T) == typeof(float) ? 1e-3 : 1e-8, what + " just above");
        }
    }

    /// <summary>
    /// Matrix 1 of each group (and matrix 0) scaled by 2^k: Q as at unit scale, R = 2^k R; the backward with
    /// R_k = 2^k R, gQ_k = 2^c gQ, gR_k = 2^(c - k) gR (c = k / 2) gives 2^(c - k) gA.
    /// </summary>
    private static void AtScales<T>(int[] scales, double tol)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = BatchedQrProjector<T>.DefaultWidth, count = (2 * w) + 1;
        foreach ((int m, int n) in new[] { (7, 4), (32, 16) })
        {
            HostMatrixBatch<T> unit = FullRankData.Random<T>(m, n, count, m + n);
            HostMatrixBatch<T> gqUnit = TestData.Random<T>(m, n, count, m), grUnit = TestData.Random<T>(n, n, count, n);
            using QrResult<T> reference = Lanes.Qr(unit);
            using MatrixBatch<T> gaUnit = Lanes.QrBackward(reference.Q, reference.R, gqUnit, grUnit);
            TestData.AssertClose(gaUnit, General.QrBackward(reference.Q, reference.R, gqUnit, grUnit), tol, "unit scale");
            foreach (int k in scales)
            {
                int c = k / 2;
                int[] which = [0, 1, w + 1];
                string what = $"{typeof(T).Name} {m}x{n} at 2^{k}";
                using QrResult<T> got = Lanes.Qr(ScaleMatrices(unit, which, k));
                TestData.AssertClose(got.Q, reference.Q, tol, what + " Q");
                TestData.AssertClose(ScaleMatrices(got.R.ToHost(), which, -k), reference.R, tol, what + " R");
                using MatrixBatch<T> ga = Lanes.QrBackward(reference.Q, ScaleMatrices(reference.R.ToHost(), which, k), ScaleMatrices(gqUnit, which, c), ScaleMatrices(grUnit, which, c - k));
                TestData.AssertClose(ScaleMatrices(ga.ToHost(), which, k - c), gaUnit, tol, what + " gA");
            }
        }
    }

    /// <summary>A copy with the matrices <paramref name="which"/> times 2^k (exact where representable).</summary>
    private static HostMatrixBatch<T> ScaleMatrices<T>(HostMatrixBatch<T> x, int[] which, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = HostMatrixBatch<T>.FromArray(x.Span, x.Rows, x.Cols, x.Count);
        foreach (int b in which)
        {
            Span<T> mat = y.GetMatrix(b);
            for (int i = 0; i < mat.Length; i++)
            {
                mat[i] = T.ScaleB(mat[i], k);
            }
        }

        return y;
    }

    private static HostMatrixBatch<T> Slice<T>(HostMatrixBatch<T> x, int index)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        HostMatrixBatch<T>.FromArray(x.GetMatrix(index), x.Rows, x.Cols);

    /// <summary>The same matrices stored row-major.</summary>
    private static HostMatrixBatch<double> RowMajor(HostMatrixBatch<double> x)
    {
        var data = new double[x.Span.Length];
        for (int b = 0; b < x.Count; b++)
        {
            for (int i = 0; i < x.Rows; i++)
            {
                for (int j = 0; j < x.Cols; j++)
                {
                    data[(b * x.MatrixLength) + (i * x.Cols) + j] = x[b, i, j];
                }
            }
        }

        return HostMatrixBatch<double>.Wrap(data, x.Rows, x.Cols, x.Count, MatrixLayout.RowMajor);
    }
}
