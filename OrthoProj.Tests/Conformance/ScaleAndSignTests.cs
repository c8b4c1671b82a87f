using System.Numerics;
using OrthoProj.Tests.Support;

namespace OrthoProj.Tests.Conformance;

/// <summary>
/// QR, pinv and their backward passes across the whole representable range, LAPACK's QR signs on
/// every provider, and QrBackward's rank rule. Written once, bound to the managed and the native
/// CPU providers here and to CUDA in OrthoProj.Tests/Cuda.
/// </summary>
/// <remarks>
/// The scale tests rest on exact homogeneity, not on values copied from the code: with A_k = 2^k A,
/// Q(A_k) = Q(A), R(A_k) = 2^k R(A), pinv(A_k) = 2^-k pinv(A), PinvBackward(A_k, 2^-k X, G) =
/// 2^-2k PinvBackward(A, X, G) and QrBackward(Q, 2^k R, 2^a gQ, 2^(a-k) gR) = 2^(a-k)
/// QrBackward(Q, R, gQ, gR). The unit-scale reference is computed from 2^-k A_k (exact even where
/// A_k went subnormal and lost bits), so both sides see the same matrix; the unit-scale results are
/// themselves checked against finite differences in <see cref="ConformanceSuite"/>, and the extreme
/// scales directly below.
/// </remarks>
public abstract class ScaleAndSignSuite
{
    /// <summary>Tall, square, wide, 1 x 1, single column and single row.</summary>
    private static readonly (int M, int N)[] Shapes = [(7, 4), (5, 5), (3, 6), (1, 1), (6, 1), (1, 4)];

    /// <summary>float32: 2^-139 ~ 1.4e-42 (subnormal) through 2^126 ~ 8.5e37.</summary>
    private static readonly int[] FloatScales = [-139, -126, -100, -64, -45, -20, 0, 20, 45, 64, 100, 126];

    /// <summary>float64: 2^-1060 ~ 8e-320 (subnormal) through 2^996 ~ 6.7e299.</summary>
    private static readonly int[] DoubleScales = [-1060, -1000, -700, -345, -200, 0, 200, 350, 700, 996];

    /// <summary>The backend under test; throws AssertInconclusiveException (skipped) when absent.</summary>
    protected abstract Backend Backend { get; }

    /// <summary>Reports the whole class as skipped, with the reason, where the backend is absent.</summary>
    [TestInitialize]
    public void RequireBackend() => _ = Backend;

    // ---------------------------------------------------------------- QR signs

    [TestMethod]
    public void Qr_SignsAreLapacks_Float64() => QrMatchesNativeLapack<double>(1e-12);

    [TestMethod]
    public void Qr_SignsAreLapacks_Float32() => QrMatchesNativeLapack<float>(1e-5);

    // ---------------------------------------------------------------- scale

    [TestMethod]
    public void Qr_AnyScale_Float64() => QrAtScales<double>(DoubleScales);

    [TestMethod]
    public void Qr_AnyScale_Float32() => QrAtScales<float>(FloatScales);

    [TestMethod]
    public void Pinv_AnyScale_Float64() => PinvAtScales<double>(DoubleScales);

    [TestMethod]
    public void Pinv_AnyScale_Float32() => PinvAtScales<float>(FloatScales);

    [TestMethod]
    public void PinvBackward_AnyScale_Float64() => PinvBackwardAtScales<double>(DoubleScales);

    [TestMethod]
    public void PinvBackward_AnyScale_Float32() => PinvBackwardAtScales<float>(FloatScales);

    [TestMethod]
    public void QrBackward_AnyScale_Float64() => QrBackwardAtScales<double>(DoubleScales);

    [TestMethod]
    public void QrBackward_AnyScale_Float32() => QrBackwardAtScales<float>(FloatScales);

    [TestMethod]
    public void PinvBackward_ExtremeScales_MatchFiniteDifferences()
    {
        foreach (int k in new[] { -400, 400 })
        {
            foreach (var (m, n) in new[] { (5, 3), (3, 5) })
            {
                HostMatrixBatch<double> a = ScaleBy(TestData.Random<double>(m, n, 1, seed: (m * 7) + n + k), k);
                HostMatrixBatch<double> g = TestData.Random<double>(n, m, 1, seed: 77 + m);
                using PinvResult<double> p = Backend.Pinv(Up(a));
                HostMatrixBatch<double> ga = Backend.PinvBackward(Up(a), p.Pinv, Up(g)).ToHost();
                HostMatrixBatch<double> fd = ScaledFiniteDifferences(a, k, x =>
                {
                    using PinvResult<double> f = Backend.Pinv(Up(x));
                    return TestData.Dot(f.Pinv.ToHost(), g);
                });
                AssertRelative(ga, fd, 1e-7, $"PinvBackward {m}x{n} at 2^{k}");
            }
        }
    }

    [TestMethod]
    public void QrBackward_ExtremeScales_MatchFiniteDifferences()
    {
        foreach (int k in new[] { -500, 500 })
        {
            foreach (var (m, n) in new[] { (5, 3), (4, 4), (3, 5) })
            {
                int kk = Math.Min(m, n);
                HostMatrixBatch<double> a = ScaleBy(TestData.Random<double>(m, n, 1, seed: (m * 5) + n + k), k);
                HostMatrixBatch<double> gq = TestData.Random<double>(m, kk, 1, seed: 31 + m);
                HostMatrixBatch<double> gr = ScaleBy(TestData.Random<double>(kk, n, 1, seed: 41 + n), -k);
                using QrResult<double> qr = Backend.Qr(Up(a));
                HostMatrixBatch<double> ga = Backend.QrBackward(qr.Q, qr.R, Up(gq), Up(gr)).ToHost();
                HostMatrixBatch<double> fd = ScaledFiniteDifferences(a, k, x =>
                {
                    using QrResult<double> f = Backend.Qr(Up(x));
                    return TestData.Dot(f.Q.ToHost(), gq) + TestData.Dot(f.R.ToHost(), gr);
                });
                AssertRelative(ga, fd, 1e-7, $"QrBackward {m}x{n} at 2^{k}");
            }
        }
    }

    // ---------------------------------------------------------------- QrBackward's rank rule

    [TestMethod]
    public void QrBackward_DuplicatedColumn_RaisesRankDeficient_Float64() => QrBackwardRejectsSingularR<double>();

    [TestMethod]
    public void QrBackward_DuplicatedColumn_RaisesRankDeficient_Float32() => QrBackwardRejectsSingularR<float>();

    // ---------------------------------------------------------------- bodies

    private void QrMatchesNativeLapack<T>(double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!CpuBackend.TryCreateNative(out CpuBackend? native, out IReadOnlyList<string> trace))
        {
            Assert.Inconclusive("No native LAPACK to compare with: " + string.Join("; ", trace));
        }

        foreach (var (m, n) in Shapes)
        {
            foreach (bool triangular in new[] { false, true })
            {
                // An upper triangular A has nothing below the diagonal in every column: LAPACK's
                // reflectors are all the identity (tau = 0) and R = A, Q = I, signs untouched.
                HostMatrixBatch<T> a = TestData.Random<T>(m, n, 2, seed: (m * 19) + n);
                if (triangular)
                {
                    for (int b = 0; b < a.Count; b++)
                    {
                        for (int j = 0; j < n; j++)
                        {
                            for (int i = j + 1; i < m; i++)
                            {
                                a[b, i, j] = T.Zero;
                            }
                        }
                    }
                }

                foreach (QrMode mode in new[] { QrMode.Reduced, QrMode.Complete })
                {
                    using QrResult<T> expected = native!.Qr(a, mode);
                    using QrResult<T> actual = Backend.Qr(Up(a), mode);
                    string what = $"{typeof(T).Name} {m}x{n} {mode}{(triangular ? " triangular" : string.Empty)}";
                    TestData.AssertClose(actual.Q.ToHost(), expected.Q, tolerance, what + " Q");
                    TestData.AssertClose(actual.R.ToHost(), expected.R, tolerance, what + " R");
                }
            }
        }
    }

    private void QrAtScales<T>(int[] scales)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var (m, n) in Shapes)
        {
            HostMatrixBatch<T> unit = TestData.Random<T>(m, n, 2, seed: (m * 23) + n);
            foreach (int k in scales)
            {
                (HostMatrixBatch<T> ak, HostMatrixBatch<T> au) = ScaledData.FirstMatrixScaled(unit, k);
                foreach (QrMode mode in new[] { QrMode.Reduced, QrMode.Complete })
                {
                    string what = $"Qr {typeof(T).Name} {m}x{n} {mode} at 2^{k}";
                    using QrResult<T> reference = Backend.Qr(Up(au), mode);
                    using QrResult<T> got = ScaledData.CallOrFail(() => Backend.Qr(Up(ak), mode), what);
                    AssertScaled(got.Q.ToHost(), reference.Q.ToHost(), 0, what + " Q");
                    AssertScaled(got.R.ToHost(), reference.R.ToHost(), k, what + " R");
                }
            }
        }
    }

    private void PinvAtScales<T>(int[] scales)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var (m, n) in Shapes)
        {
            HostMatrixBatch<T> unit = TestData.Random<T>(m, n, 2, seed: (m * 29) + n);
            foreach (int k in scales)
            {
                (HostMatrixBatch<T> ak, HostMatrixBatch<T> au) = ScaledData.FirstMatrixScaled(unit, k);
                string what = $"Pinv {typeof(T).Name} {m}x{n} at 2^{k}";
                using PinvResult<T> reference = Backend.Pinv(Up(au));
                CollectionAssert.AreEqual(Enumerable.Repeat(Math.Min(m, n), 2).ToArray(), reference.Rank.ToArray(), what + ": unit-scale rank");
                using PinvResult<T> got = ScaledData.CallOrFail(() => Backend.Pinv(Up(ak)), what);
                CollectionAssert.AreEqual(reference.Rank.ToArray(), got.Rank.ToArray(), what + ": rank");
                AssertScaled(got.Pinv.ToHost(), reference.Pinv.ToHost(), -k, what);
            }
        }
    }

    private void PinvBackwardAtScales<T>(int[] scales)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var (m, n) in Shapes)
        {
            HostMatrixBatch<T> unit = TestData.Random<T>(m, n, 2, seed: (m * 37) + n);
            HostMatrixBatch<T> g = TestData.Random<T>(n, m, 2, seed: (m * 41) + n);
            using PinvResult<T> unitPinv = Backend.Pinv(Up(unit));
            HostMatrixBatch<T> xUnit = unitPinv.Pinv.ToHost();
            foreach (int k in scales)
            {
                (HostMatrixBatch<T> ak, HostMatrixBatch<T> au) = ScaledData.FirstMatrixScaled(unit, k);
                (HostMatrixBatch<T> xk, HostMatrixBatch<T> xu) = ScaledData.FirstMatrixScaled(xUnit, -k);
                if (!IsFinite(xk))
                {
                    continue;   // X = 2^-k A+ is not representable: no such input exists.
                }

                string what = $"PinvBackward {typeof(T).Name} {m}x{n} at 2^{k}";
                using MatrixBatch<T> reference = Backend.PinvBackward(Up(au), Up(xu), Up(g));
                using MatrixBatch<T> got = ScaledData.CallOrFail(() => Backend.PinvBackward(Up(ak), Up(xk), Up(g)), what);
                AssertScaled(got.ToHost(), reference.ToHost(), -2 * k, what);
            }
        }
    }

    private void QrBackwardAtScales<T>(int[] scales)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var (m, n) in Shapes)
        {
            int kk = Math.Min(m, n);
            HostMatrixBatch<T> a = TestData.Random<T>(m, n, 2, seed: (m * 43) + n);
            HostMatrixBatch<T> gqUnit = TestData.Random<T>(m, kk, 2, seed: (m * 47) + n);
            HostMatrixBatch<T> grUnit = TestData.Random<T>(kk, n, 2, seed: (m * 53) + n);
            using QrResult<T> qr = Backend.Qr(Up(a));
            HostMatrixBatch<T> q = qr.Q.ToHost(), rUnit = qr.R.ToHost();
            foreach (int k in scales)
            {
                // R_k = 2^k R, gQ_k = 2^c gQ, gR_k = 2^(c-k) gR with c = k / 2, so that every input
                // is representable: gA = 2^(c-k) gA(Q, R, gQ, gR).
                int c = k / 2;
                (HostMatrixBatch<T> rk, HostMatrixBatch<T> ru) = ScaledData.FirstMatrixScaled(rUnit, k);
                (HostMatrixBatch<T> gqk, HostMatrixBatch<T> gqu) = ScaledData.FirstMatrixScaled(gqUnit, c);
                (HostMatrixBatch<T> grk, HostMatrixBatch<T> gru) = ScaledData.FirstMatrixScaled(grUnit, c - k);
                if (!IsFinite(rk))
                {
                    continue;
                }

                string what = $"QrBackward {typeof(T).Name} {m}x{n} at 2^{k}";
                using MatrixBatch<T> reference = Backend.QrBackward(Up(q), Up(ru), Up(gqu), Up(gru));
                using MatrixBatch<T> got = ScaledData.CallOrFail(() => Backend.QrBackward(Up(q), Up(rk), Up(gqk), Up(grk)), what);
                AssertScaled(got.ToHost(), reference.ToHost(), c - k, what);

                // gR alone, growing with R: gA(Q, 2^k R, 0, 2^k gR) = 2^k gA(Q, R, 0, gR), while
                // gR R^T (2^2k) leaves the range long before the result does.
                (HostMatrixBatch<T> grk2, HostMatrixBatch<T> gru2) = ScaledData.FirstMatrixScaled(grUnit, k);
                if (IsFinite(grk2))
                {
                    using MatrixBatch<T> reference2 = Backend.QrBackward(Up(q), Up(ru), null, Up(gru2));
                    using MatrixBatch<T> got2 = ScaledData.CallOrFail(() => Backend.QrBackward(Up(q), Up(rk), null, Up(grk2)), what + " gR only");
                    AssertScaled(got2.ToHost(), reference2.ToHost(), k, what + " gR only");
                }
            }
        }
    }

    private void QrBackwardRejectsSingularR<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var (m, n) in new[] { (7, 4), (5, 5), (3, 6) })
        {
            // Matrix 1 of the batch has column 2 equal to column 0: R's leading block is singular in
            // exact arithmetic and |R_22| is a rounding error, not zero.
            int kk = Math.Min(m, n);
            HostMatrixBatch<T> a = TestData.Random<T>(m, n, 2, seed: (m * 59) + n);
            for (int i = 0; i < m; i++)
            {
                a[1, i, 2] = a[1, i, 0];
            }

            string what = $"{typeof(T).Name} {m}x{n}";
            using QrResult<T> qr = Backend.Qr(Up(a));
            using MatrixBatch<T> gq = Up(TestData.Random<T>(m, kk, 2, seed: 61));
            using MatrixBatch<T> gr = Up(TestData.Random<T>(kk, n, 2, seed: 67));
            var e = Assert.ThrowsExactly<RankDeficientException>(() => Backend.QrBackward(qr.Q, qr.R, gq, gr), what);
            Assert.AreEqual(1, e.MatrixIndex, what + ": index");
            Assert.AreEqual(kk - 1, e.Rank, what + ": rank");
            Assert.IsFalse(e.Message.Contains("ProjectorMethod.Svd", StringComparison.Ordinal), what + ": the projector's advice does not apply: " + e.Message);
            StringAssert.Contains(e.Message, "QrBackward", what);

            // Matrix 0 alone is fine: the rule does not reject well-conditioned R.
            using QrResult<T> good = Backend.Qr(Up(TestData.Random<T>(m, n, 1, seed: (m * 59) + n)));
            using MatrixBatch<T> ga = Backend.QrBackward(good.Q, good.R, Up(TestData.Random<T>(m, kk, 1, seed: 61)), null);
            Assert.IsTrue(IsFinite(ga.ToHost()), what + ": finite gradient");

            if (m >= n)
            {
                // The same rule as the QR-method projector: it rejects the same matrix with the same rank.
                var p = Assert.ThrowsExactly<RankDeficientException>(() => Backend.Projector(Up(a)), what + " projector");
                Assert.AreEqual(e.MatrixIndex, p.MatrixIndex, what + ": projector index");
                Assert.AreEqual(e.Rank, p.Rank, what + ": projector rank");
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private MatrixBatch<T> Up<T>(HostMatrixBatch<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> => Backend.FromHost(x);

    private static HostMatrixBatch<double> ScaleBy(HostMatrixBatch<double> x, int k)
    {
        var y = new HostMatrixBatch<double>(x.Rows, x.Cols, x.Count);
        for (int i = 0; i < x.Span.Length; i++)
        {
            y.Span[i] = Math.ScaleB(x.Span[i], k);
        }

        return y;
    }

    private static bool IsFinite<T>(HostMatrixBatch<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (T v in x.Span)
        {
            if (!T.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// got = 2^k * reference for matrix 0 and = reference for the others (see <see cref="Scaled{T}"/>),
    /// entry by entry: |got - 2^k ref| &lt;= 8 eps max|2^k ref| (over the matrix) + the smallest
    /// subnormal (the rounding of a result that is itself subnormal), never NaN, and +-Inf of the
    /// right sign exactly where 2^k ref exceeds T's range.
    /// </summary>
    private static void AssertScaled<T>(HostMatrixBatch<T> got, HostMatrixBatch<T> reference, int k0, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.AreEqual(reference.Shape, got.Shape, what + ": shape");
        for (int b = 0; b < got.Count; b++)
        {
            AssertScaled(got.GetMatrix(b), reference.GetMatrix(b), b == 0 ? k0 : 0, $"{what}, matrix {b}");
        }
    }

    private static void AssertScaled<T>(ReadOnlySpan<T> got, ReadOnlySpan<T> reference, int k, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double max = typeof(T) == typeof(float) ? float.MaxValue : double.MaxValue;
        int maxExponent = typeof(T) == typeof(float) ? 127 : 1023;
        double tiny = double.CreateTruncating(T.Epsilon);
        double eps = ElementType<T>();
        double scale = 0;
        for (int i = 0; i < got.Length; i++)
        {
            double r = double.CreateTruncating(reference[i]);
            if (r != 0 && Math.ILogB(r) + k <= maxExponent)
            {
                double want = Math.ScaleB(r, k);
                if (Math.Abs(want) <= max)
                {
                    scale = Math.Max(scale, Math.Abs(want));
                }
            }
        }

        for (int i = 0; i < got.Length; i++)
        {
            double g = double.CreateTruncating(got[i]);
            double r = double.CreateTruncating(reference[i]);
            Assert.IsFalse(double.IsNaN(g), $"{what}: NaN at {i}");
            bool overflows = r != 0 && (Math.ILogB(r) + k > maxExponent || Math.Abs(Math.ScaleB(r, k)) > max);
            if (overflows)
            {
                Assert.IsTrue(double.IsInfinity(g) && Math.Sign(g) == Math.Sign(r), $"{what}: entry {i} must be {(r > 0 ? "+" : "-")}Inf (2^{k} * {r:G6} is out of range), got {g:G6}");
                continue;
            }

            double want = Math.ScaleB(r, k);
            double err = Math.Abs(g - want);
            double bound = (8 * eps * scale) + tiny;
            Assert.IsLessThanOrEqualTo(bound, err, $"{what}: entry {i} is {g:G9}, expected 2^{k} * {r:G9} = {want:G9} (error {err:G3}, bound {bound:G3}; relative to the largest entry {err / Math.Max(scale, double.Epsilon):G3})");
        }
    }

    private static double ElementType<T>() => typeof(T) == typeof(float) ? Math.ScaleB(1.0, -23) : Math.ScaleB(1.0, -52);

    /// <summary>Central differences with the step scaled with A (h = 1e-6 * 2^k), in float64.</summary>
    private static HostMatrixBatch<double> ScaledFiniteDifferences(HostMatrixBatch<double> x, int k, Func<HostMatrixBatch<double>, double> loss)
    {
        double h = Math.ScaleB(FiniteDifferences.Step, k);
        var grad = new HostMatrixBatch<double>(x.Rows, x.Cols, x.Count);
        double[] data = x.ToArray();
        for (int i = 0; i < data.Length; i++)
        {
            double saved = data[i];
            data[i] = saved + h;
            double plus = loss(HostMatrixBatch<double>.FromArray(data, x.Rows, x.Cols, x.Count));
            data[i] = saved - h;
            double minus = loss(HostMatrixBatch<double>.FromArray(data, x.Rows, x.Cols, x.Count));
            data[i] = saved;
            grad.Span[i] = (plus - minus) / (2 * h);
        }

        return grad;
    }

    /// <summary>max |a - b| / max |b| &lt;= tolerance (scale-free, unlike TestData.AssertClose).</summary>
    private static void AssertRelative(HostMatrixBatch<double> actual, HostMatrixBatch<double> expected, double tolerance, string what)
    {
        double diff = 0, scale = 0;
        for (int i = 0; i < expected.Span.Length; i++)
        {
            Assert.IsTrue(double.IsFinite(actual.Span[i]), $"{what}: entry {i} is {actual.Span[i]}");
            diff = Math.Max(diff, Math.Abs(actual.Span[i] - expected.Span[i]));
            scale = Math.Max(scale, Math.Abs(expected.Span[i]));
        }

        Assert.IsGreaterThan(0.0, scale, what + ": the reference gradient is zero");
        Assert.IsLessThanOrEqualTo(tolerance, diff / scale, $"{what}: relative error {diff / scale:G3} > {tolerance:G3}");
    }
}

/// <summary>The scale and sign suite over Math.NET's managed provider.</summary>
[TestClass]
public sealed class CpuManagedScaleAndSign : ScaleAndSignSuite
{
    private static readonly CpuBackend Cpu = CpuBackend.CreateManaged();

    protected override Backend Backend => Cpu;
}

/// <summary>
/// The scale and sign suite with <see cref="SmallMatrixPath.Always"/>: Qr and QrBackward of the tall
/// shapes run on the SIMD lanes (their per-lane power-of-two scaling), the rest on the general path.
/// </summary>
[TestClass]
public sealed class BatchedScaleAndSign : ScaleAndSignSuite
{
    private static readonly CpuBackend Cpu = CpuBackend.CreateManaged(smallMatrixPath: SmallMatrixPath.Always);

    protected override Backend Backend => Cpu;
}

/// <summary>The scale and sign suite over the native LAPACK provider (skipped, with the probe trace, where none is installed).</summary>
[TestClass]
public sealed class CpuNativeScaleAndSign : ScaleAndSignSuite
{
    private static readonly Lazy<(CpuBackend? Backend, string Reason)> Native = new(() =>
        CpuBackend.TryCreateNative(out CpuBackend? backend, out IReadOnlyList<string> trace)
            ? (backend, string.Empty)
            : (null, "No native LAPACK on this machine: " + string.Join("; ", trace)));

    protected override Backend Backend => Native.Value.Backend ?? throw new AssertInconclusiveException(Native.Value.Reason);
}
