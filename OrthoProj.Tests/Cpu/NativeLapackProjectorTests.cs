namespace OrthoProj.Tests.Cpu;

/// <summary>
/// The QR projector's native fast path (geqrf reflectors applied with orm2r/ormqr, Q formed lazily)
/// against the managed path (explicit Q): every operation and backward, on a float64 batch.
/// </summary>
[TestClass]
public sealed class NativeLapackProjectorTests
{
    [TestMethod]
    [DataRow(2)]
    [DataRow(12)]
    public void FastPathEqualsManagedOnEveryOperation(int p)
    {
        NativeLapackProviderTests.Provider();
        Assert.IsTrue(CpuBackend.TryCreateNative(out CpuBackend? native, out IReadOnlyList<string> trace), string.Join(" | ", trace));
        CpuBackend managed = CpuBackend.CreateManaged();
        const int m = 200, n = 50, count = 3;
        double[] a = NativeLapackProviderTests.Random(m, n * count, 21);
        double[] y = NativeLapackProviderTests.Random(m, p * count, 22);
        double[] g = NativeLapackProviderTests.Random(m, p * count, 23);
        double[] gx = NativeLapackProviderTests.Random(n, p * count, 24);
        double[] gp = NativeLapackProviderTests.Random(m, m * count, 25);

        using Projector<double> pn = native!.Projector(native.FromHost<double>(a, m, n, count));
        using Projector<double> pm = managed.Projector(managed.FromHost<double>(a, m, n, count));
        var yn = native.FromHost<double>(y, m, p, count);
        var ym = managed.FromHost<double>(y, m, p, count);
        var gn = native.FromHost<double>(g, m, p, count);
        var gm = managed.FromHost<double>(g, m, p, count);

        Same(pn.Project(yn), pm.Project(ym), "Project");
        Same(pn.Residual(yn), pm.Residual(ym), "Residual");
        Same(pn.Solve(yn), pm.Solve(ym), "Solve");
        Same(pn.Matrix(), pm.Matrix(), "Matrix");

        using (var bn = pn.ProjectBackward(yn, gn))
        using (var bm = pm.ProjectBackward(ym, gm))
        {
            Same(bn.GradA, bm.GradA, "ProjectBackward gA");
            Same(bn.GradY, bm.GradY, "ProjectBackward gy");
        }

        using (var bn = pn.ResidualBackward(yn, gn))
        using (var bm = pm.ResidualBackward(ym, gm))
        {
            Same(bn.GradA, bm.GradA, "ResidualBackward gA");
            Same(bn.GradY, bm.GradY, "ResidualBackward gy");
        }

        using (var bn = pn.SolveBackward(yn, native.FromHost<double>(gx, n, p, count)))
        using (var bm = pm.SolveBackward(ym, managed.FromHost<double>(gx, n, p, count)))
        {
            Same(bn.GradA, bm.GradA, "SolveBackward gA");
            Same(bn.GradY, bm.GradY, "SolveBackward gy");
        }

        Same(pn.MatrixBackward(native.FromHost<double>(gp, m, m, count)), pm.MatrixBackward(managed.FromHost<double>(gp, m, m, count)), "MatrixBackward");
    }

    [TestMethod]
    public void ResidualOfAVectorInRangeIsTinyOnTheFastPath()
    {
        NativeLapackProviderTests.Provider();
        Assert.IsTrue(CpuBackend.TryCreateNative(out CpuBackend? native, out _));
        const int m = 200, n = 50;
        double[] a = NativeLapackProviderTests.Random(m, n, 31);
        double[] c = NativeLapackProviderTests.Random(n, 1, 32);
        var y = new double[m];
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < m; i++)
            {
                y[i] += a[(j * m) + i] * c[j];
            }
        }

        using Projector<double> pn = native!.Projector(native.FromHost<double>(a, m, n, 1));
        double[] e = pn.Residual(native.FromHost<double>(y, m, 1, 1)).ToArray();
        double norm = Math.Sqrt(e.Sum(x => x * x)) / Math.Sqrt(y.Sum(x => x * x));
        Assert.IsLessThan(1e-14, norm);
    }

    private static void Same(MatrixBatch<double> actual, MatrixBatch<double> expected, string what) =>
        NativeLapackProviderTests.AssertClose(actual.ToArray(), expected.ToArray(), 1e-10, what);
}
