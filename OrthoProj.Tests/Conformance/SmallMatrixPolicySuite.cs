using System.Numerics;
using OrthoProj.Tests.Support;

namespace OrthoProj.Tests.Conformance;

/// <summary>
/// The two policies every projector path shares (OrthoProj.Managed/Core/Policies/PowerOfTwoScaling.cs
/// and ResidualPolicy in OrthoProj.Managed/Core/Projection/RangeBasis.cs), checked on the specialised
/// small-matrix engines, which implement them on their own: the fused CUDA kernels (cuda/fused_qr.cu)
/// and the SIMD lanes of the CPU (OrthoProj.Managed/Cpu/Batched). Bound in OrthoProj.Tests/Cuda and
/// OrthoProj.Tests/Cpu.
/// </summary>
/// <remarks>
/// The scale tests rest on exact homogeneity, not on values copied from the code: with A_k = 2^k A,
/// Y_k = 2^c Y and G_k = 2^c G, P Y and (I - P) Y scale by 2^c, A+ Y by 2^(c-k), the projection's gA
/// by 2^(2c-k) and its gY by 2^c. The unit-scale reference is the same engine on 2^-k A_k (exact even
/// where A_k went subnormal and lost bits), so both sides see the same matrix; c keeps every input
/// and result a normal number (c = k / 2 where A_k is subnormal, else 0). Matrix 0 of the batch is
/// scaled, matrix 1 is not, so that a batch-wide exponent instead of a per-matrix one shows.
/// </remarks>
public abstract class SmallMatrixPolicySuite
{
    private const int M = 9;
    private const int N = 4;
    private const int P = 2;

    /// <summary>The backend whose QR projectors take the engine under test.</summary>
    protected abstract Backend Specialised { get; }

    /// <summary>The same device with the general path (<see cref="SmallMatrixPath.Never"/>).</summary>
    protected abstract Backend General { get; }

    /// <summary>Fails unless <paramref name="projector"/> is the engine under test.</summary>
    protected abstract void AssertSpecialised<T>(Projector<T> projector)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Reports the whole class as skipped, with the reason, where the backend is absent.</summary>
    [TestInitialize]
    public void RequireBackend() => _ = Specialised;

    // ---------------------------------------------------------------- PowerOfTwoScaling

    /// <summary>float32 near 1e-30 and 1e30, and subnormal (2^-140 ~ 7e-43, a few bits per entry).</summary>
    [TestMethod]
    [DataRow(-100)]
    [DataRow(100)]
    [DataRow(-140)]
    public void Float32_AnyScale_ResultsScaleExactly(int k) => AtScale<float>(k, M, N);

    /// <summary>float64 near 1e-271 and 1e271, and subnormal (2^-1060 ~ 8e-320).</summary>
    [TestMethod]
    [DataRow(-900)]
    [DataRow(900)]
    [DataRow(-1060)]
    public void Float64_AnyScale_ResultsScaleExactly(int k) => AtScale<double>(k, M, N);

    /// <summary>The second row slot and column tier of the fused kernels (m &gt; 32, n &gt; 16).</summary>
    [TestMethod]
    public void WideTier_AnyScale_ResultsScaleExactly()
    {
        AtScale<float>(-140, 40, 17);
        AtScale<double>(900, 40, 17);
    }

    /// <summary>
    /// atol is compared in the user's units: at every scale, atol just above the smallest |R_jj| of
    /// the unit-scale matrix (times 2^k) drops exactly that column, and just below it drops none.
    /// </summary>
    [TestMethod]
    [DataRow(-140)]
    [DataRow(-100)]
    [DataRow(0)]
    [DataRow(100)]
    public void Float32_AtolIsInTheUsersUnits(int k) => AtolAtScale<float>(k);

    [TestMethod]
    [DataRow(-1060)]
    [DataRow(-900)]
    [DataRow(0)]
    [DataRow(900)]
    public void Float64_AtolIsInTheUsersUnits(int k) => AtolAtScale<double>(k);

    /// <summary>An all-zero matrix (exponent 0) is rank 0 and named, with no NaN in the report.</summary>
    [TestMethod]
    public void AllZeroMatrix_IsRankZero()
    {
        AllZero<float>();
        AllZero<double>();
    }

    // ---------------------------------------------------------------- ResidualPolicy

    /// <summary>
    /// One column of Y nearly in range(A) (it needs the second pass), one far from it (it must not
    /// get one): each column's residual is what that column alone gives, bit for bit, so the far
    /// column is a single pass however its neighbour fares; the near one is orthogonal to range(A)
    /// to rounding (which only the second pass makes it) and matches the general path.
    /// </summary>
    [TestMethod]
    public void Residual_SecondPassIsPerColumn_Float64() => SecondPassPerColumn<double>(1e-6, 1e-6);

    [TestMethod]
    public void Residual_SecondPassIsPerColumn_Float32() => SecondPassPerColumn<float>(1e-3, 1e-2);

    // ---------------------------------------------------------------- bodies

    private void AtScale<T>(int k, int m, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int count = 2;
        int minNormal = typeof(T) == typeof(float) ? -126 : -1022;
        int c = k < minNormal ? k / 2 : 0;
        HostMatrixBatch<T> unit = FullRankData.Random<T>(m, n, count, seed: (m * 31) + n + k);
        (HostMatrixBatch<T> ak, HostMatrixBatch<T> au) = ScaledData.FirstMatrixScaled(unit, k);
        (HostMatrixBatch<T> yk, HostMatrixBatch<T> yu) = ScaledData.FirstMatrixScaled(TestData.Random<T>(m, P, count, seed: 7 + k), c);
        (HostMatrixBatch<T> gk, HostMatrixBatch<T> gu) = ScaledData.FirstMatrixScaled(TestData.Random<T>(m, P, count, seed: 11 + k), c);
        string what = $"{typeof(T).Name} {m}x{n} at 2^{k} (Y, G at 2^{c})";

        using Projector<T> reference = Specialised.Projector(Specialised.FromHost(au));
        using Projector<T> got = ScaledData.CallOrFail(() => Specialised.Projector(Specialised.FromHost(ak)), what + ": Projector");
        AssertSpecialised(got);
        using MatrixBatch<T> yud = Specialised.FromHost(yu), ykd = Specialised.FromHost(yk);
        using MatrixBatch<T> gud = Specialised.FromHost(gu), gkd = Specialised.FromHost(gk);

        AssertScaled(got.Project(ykd).ToHost(), reference.Project(yud).ToHost(), c, what + " Project");
        AssertScaled(got.Residual(ykd).ToHost(), reference.Residual(yud).ToHost(), c, what + " Residual");
        AssertScaled(got.Solve(ykd).ToHost(), reference.Solve(yud).ToHost(), c - k, what + " Solve");
        AssertScaled(got.Matrix().ToHost(), reference.Matrix().ToHost(), 0, what + " Matrix");
        using ProjectorGradients<T> gr = reference.ProjectBackward(yud, gud);
        using ProjectorGradients<T> gg = ScaledData.CallOrFail(() => got.ProjectBackward(ykd, gkd), what + ": ProjectBackward");
        AssertScaled(gg.GradA.ToHost(), gr.GradA.ToHost(), (2 * c) - k, what + " ProjectBackward gA");
        AssertScaled(gg.GradY.ToHost(), gr.GradY.ToHost(), c, what + " ProjectBackward gY");
        using ProjectorGradients<T> rr = reference.ResidualBackward(yud, gud);
        using ProjectorGradients<T> rg = ScaledData.CallOrFail(() => got.ResidualBackward(ykd, gkd), what + ": ResidualBackward");
        AssertScaled(rg.GradA.ToHost(), rr.GradA.ToHost(), (2 * c) - k, what + " ResidualBackward gA");
        AssertScaled(rg.GradY.ToHost(), rr.GradY.ToHost(), c, what + " ResidualBackward gY");
    }

    private void AtolAtScale<T>(int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // One matrix (atol is the same for the whole batch, so a second one at unit scale would be
        // judged against 2^k atol too); its last column an eighth of the others (exactly): its
        // |R_jj| is the smallest by far, the others untouched.
        HostMatrixBatch<T> unit = FullRankData.Random<T>(M, N, 1, seed: 5);
        for (int i = 0; i < M; i++)
        {
            unit[0, i, N - 1] = T.ScaleB(unit[0, i, N - 1], -3);
        }

        (HostMatrixBatch<T> ak, HostMatrixBatch<T> au) = ScaledData.FirstMatrixScaled(unit, k);

        // |R_jj| of the unit-scale matrix 0, from the general path's QR.
        using QrResult<T> qr = General.Qr(General.FromHost(au));
        HostMatrixBatch<T> r = qr.R.ToHost();
        double[] diag = [.. Enumerable.Range(0, N).Select(j => Math.Abs(double.CreateTruncating(r[0, j, j])))];
        double smallest = diag.Min();
        Assert.IsGreaterThan(1.5 * smallest, diag.Where(d => d != smallest).Min(), "the test matrix has one clearly smallest |R_jj|");
        string what = $"{typeof(T).Name} at 2^{k}";

        // Just below the smallest: full rank, no exception.
        var below = new RankTolerance(Atol: Math.ScaleB(0.9 * smallest, k), Rtol: 0);
        using (Projector<T> p = ScaledData.CallOrFail(() => Specialised.Projector(Specialised.FromHost(ak), tolerance: below), what + ", atol below the smallest |R_jj|"))
        {
            AssertSpecialised(p);
        }

        // Just above it: matrix 0 has rank n - 1.
        var above = new RankTolerance(Atol: Math.ScaleB(1.1 * smallest, k), Rtol: 0);
        var e = Assert.ThrowsExactly<RankDeficientException>(() => Specialised.Projector(Specialised.FromHost(ak), tolerance: above), what + ", atol above the smallest |R_jj|");
        Assert.AreEqual(0, e.MatrixIndex, what + ": index");
        Assert.AreEqual(N - 1, e.Rank, what + ": rank");
        Assert.IsFalse(e.Message.Contains("NaN", StringComparison.Ordinal), what + ": " + e.Message);
    }

    private void AllZero<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        HostMatrixBatch<T> a = FullRankData.Random<T>(M, N, 3, seed: 9);
        a.GetMatrix(1).Clear();
        var e = Assert.ThrowsExactly<RankDeficientException>(() => Specialised.Projector(Specialised.FromHost(a)), typeof(T).Name);
        Assert.AreEqual(1, e.MatrixIndex, typeof(T).Name + ": index");
        Assert.AreEqual(0, e.Rank, typeof(T).Name + ": rank");
        Assert.IsFalse(e.Message.Contains("NaN", StringComparison.Ordinal), typeof(T).Name + ": " + e.Message);
    }

    /// <summary>
    /// <paramref name="generalTolerance"/> is relative to column 0's largest entry: both paths leave
    /// an error of about eps ||y_0|| there, ~ eps / nearness relative to e_0 itself.
    /// </summary>
    private void SecondPassPerColumn<T>(double nearness, double generalTolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int m = 24, n = 4, count = 2;
        HostMatrixBatch<T> a = FullRankData.Random<T>(m, n, count, seed: 21);
        HostMatrixBatch<T> z = TestData.Random<T>(m, 2, count, seed: 22);
        HostMatrixBatch<T> coef = TestData.Random<T>(n, 1, count, seed: 23);
        using Projector<T> general = General.Projector(General.FromHost(a));
        HostMatrixBatch<T> ez = general.Residual(General.FromHost(z)).ToHost();

        // Column 0: A c + nearness * (I - P) z_0, nearly in range(A); column 1: (I - P) z_1 plus a
        // tenth of A c, far from it.
        var y = new HostMatrixBatch<T>(m, 2, count);
        for (int b = 0; b < count; b++)
        {
            for (int i = 0; i < m; i++)
            {
                double ac = 0;
                for (int j = 0; j < n; j++)
                {
                    ac += double.CreateTruncating(a[b, i, j]) * double.CreateTruncating(coef[b, j, 0]);
                }

                y[b, i, 0] = T.CreateTruncating(ac + (nearness * double.CreateTruncating(ez[b, i, 0])));
                y[b, i, 1] = T.CreateTruncating((0.1 * ac) + double.CreateTruncating(ez[b, i, 1]));
            }
        }

        using Projector<T> p = Specialised.Projector(Specialised.FromHost(a));
        AssertSpecialised(p);
        HostMatrixBatch<T> e = p.Residual(Specialised.FromHost(y)).ToHost();
        string what = typeof(T).Name;
        for (int col = 0; col < 2; col++)
        {
            // The column alone: its residual must not depend on the other column.
            HostMatrixBatch<T> alone = p.Residual(Specialised.FromHost(Column(y, col))).ToHost();
            for (int b = 0; b < count; b++)
            {
                for (int i = 0; i < m; i++)
                {
                    Assert.AreEqual(alone[b, i, 0], e[b, i, col], $"{what}: matrix {b} column {col} row {i} differs from the column's own residual");
                }
            }
        }

        HostMatrixBatch<double> ed = TestData.ToDouble(e), yd = TestData.ToDouble(y), ad = TestData.ToDouble(a);
        double eps = typeof(T) == typeof(float) ? Math.ScaleB(1.0, -23) : Math.ScaleB(1.0, -52);
        for (int b = 0; b < count; b++)
        {
            double ny0 = ColumnNorm(yd, b, 0), ne0 = ColumnNorm(ed, b, 0), ny1 = ColumnNorm(yd, b, 1), ne1 = ColumnNorm(ed, b, 1);
            Assert.IsLessThan(0.25 * ny0 * ny0, ne0 * ne0, $"{what}: column 0 of matrix {b} needs the second pass by construction");
            Assert.IsGreaterThanOrEqualTo(0.25 * ny1 * ny1, ne1 * ne1, $"{what}: column 1 of matrix {b} needs no second pass by construction");

            // ||A^T e_0|| / (||A|| ||e_0||): a single pass leaves about eps ||y_0|| / ||e_0|| (~ eps /
            // nearness) of range(A) in e_0; the second pass takes it to a few eps.
            double anorm = 0, ate = 0;
            for (int j = 0; j < n; j++)
            {
                double s = 0, cn = 0;
                for (int i = 0; i < m; i++)
                {
                    s += ad[b, i, j] * ed[b, i, 0];
                    cn += ad[b, i, j] * ad[b, i, j];
                }

                ate += s * s;
                anorm += cn;
            }

            double orthogonality = Math.Sqrt(ate) / (Math.Sqrt(anorm) * ne0);
            Assert.IsLessThan(64 * eps, orthogonality, $"{what}: matrix {b}: column 0's residual is not orthogonal to range(A) ({orthogonality:G3} vs eps {eps:G3})");
        }

        HostMatrixBatch<double> eg = TestData.ToDouble(general.Residual(General.FromHost(y)));
        for (int b = 0; b < count; b++)
        {
            double diff = 0, scale = 0;
            for (int i = 0; i < m; i++)
            {
                diff = Math.Max(diff, Math.Abs(ed[b, i, 0] - eg[b, i, 0]));
                scale = Math.Max(scale, Math.Abs(eg[b, i, 0]));
            }

            Assert.IsLessThanOrEqualTo(generalTolerance * scale, diff, $"{what}: matrix {b}: column 0 against the general path, relative error {diff / scale:G3}");
        }
    }

    // ---------------------------------------------------------------- helpers

    private static HostMatrixBatch<T> Column<T>(HostMatrixBatch<T> x, int col)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c = new HostMatrixBatch<T>(x.Rows, 1, x.Count);
        for (int b = 0; b < x.Count; b++)
        {
            for (int i = 0; i < x.Rows; i++)
            {
                c[b, i, 0] = x[b, i, col];
            }
        }

        return c;
    }

    private static double ColumnNorm(HostMatrixBatch<double> x, int b, int col)
    {
        double s = 0;
        for (int i = 0; i < x.Rows; i++)
        {
            s += x[b, i, col] * x[b, i, col];
        }

        return Math.Sqrt(s);
    }

    /// <summary>
    /// got = 2^k0 reference for matrix 0 and = reference for the others, entry by entry within 16 eps
    /// of the matrix's largest entry (plus the smallest subnormal), never NaN nor infinite.
    /// </summary>
    private static void AssertScaled<T>(HostMatrixBatch<T> got, HostMatrixBatch<T> reference, int k0, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.AreEqual(reference.Shape, got.Shape, what + ": shape");
        double eps = typeof(T) == typeof(float) ? Math.ScaleB(1.0, -23) : Math.ScaleB(1.0, -52);
        double tiny = double.CreateTruncating(T.Epsilon);
        for (int b = 0; b < got.Count; b++)
        {
            int k = b == 0 ? k0 : 0;
            ReadOnlySpan<T> g = got.GetMatrix(b), r = reference.GetMatrix(b);
            double scale = 0;
            foreach (T v in r)
            {
                scale = Math.Max(scale, Math.ScaleB(Math.Abs(double.CreateTruncating(v)), k));
            }

            Assert.IsGreaterThan(0.0, scale, $"{what}, matrix {b}: the reference is zero");
            for (int i = 0; i < g.Length; i++)
            {
                double gv = double.CreateTruncating(g[i]);
                double want = Math.ScaleB(double.CreateTruncating(r[i]), k);
                Assert.IsTrue(double.IsFinite(gv), $"{what}, matrix {b}: entry {i} is {gv}");
                double err = Math.Abs(gv - want), bound = (16 * eps * scale) + tiny;
                Assert.IsLessThanOrEqualTo(bound, err, $"{what}, matrix {b}: entry {i} is {gv:G9}, expected 2^{k} * {double.CreateTruncating(r[i]):G9} = {want:G9} (error {err:G3} > {bound:G3})");
            }
        }
    }
}
