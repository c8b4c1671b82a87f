using OrthoProj.Tests.Support;

namespace OrthoProj.Tests.Conformance;

/// <summary>The conformance suite's pseudo-inverse tests: Penrose conditions, torch.linalg.pinv's rank rule at and around the threshold, the backward against finite differences, float32 against float64, batched against looped.</summary>
public abstract partial class ConformanceSuite
{
    [TestMethod]
    public void Pinv_SatisfiesPenroseConditions()
    {
        foreach (var (m, n) in AllShapes)
        {
            HostMatrixBatch<double> a = TestData.Random<double>(m, n, 3, seed: (m * 11) + n);
            using PinvResult<double> p = Backend.Pinv(Up(a));
            CollectionAssert.AreEqual(Enumerable.Repeat(Math.Min(m, n), 3).ToArray(), p.Rank.ToArray());
            CheckPenrose(a, p.Pinv.ToHost(), DoubleTol, $"{m}x{n}");
        }
    }

    [TestMethod]
    public void Pinv_RankDeficient_ReportsRankAndSatisfiesPenrose()
    {
        HostMatrixBatch<double> a = TestData.LowRank<double>(8, 5, rank: 2, count: 2, seed: 7);
        using PinvResult<double> p = Backend.Pinv(Up(a));
        CollectionAssert.AreEqual(new[] { 2, 2 }, p.Rank.ToArray());
        CheckPenrose(a, p.Pinv.ToHost(), 1e-9, "rank 2 of 8x5");
    }

    [TestMethod]
    public void Pinv_ToleranceFollowsTorchSemantics()
    {
        // diag(1, 1e-3, 1e-9): default rtol (eps * 3) keeps all three; rtol 1e-6 keeps two; atol 0.5 keeps one.
        var a = new HostMatrixBatch<double>(3, 3);
        a[0, 0, 0] = 1;
        a[0, 1, 1] = 1e-3;
        a[0, 2, 2] = 1e-9;
        Assert.AreEqual(3, Backend.Pinv(Up(a)).Rank[0]);
        Assert.AreEqual(2, Backend.Pinv(Up(a), new RankTolerance(Rtol: 1e-6)).Rank[0]);
        Assert.AreEqual(1, Backend.Pinv(Up(a), new RankTolerance(Atol: 0.5)).Rank[0]);
        Assert.AreEqual(0, Backend.Pinv(Up(new HostMatrixBatch<double>(3, 2))).Rank[0], "zero matrix has rank 0");
    }

    [TestMethod]
    public void Pinv_AtTheThreshold_KeepsExactlyTheSingularValuesAboveIt()
    {
        // A = U diag(2, 1, 0.3, 0.01) V^T, 9 x 4: the default rule keeps all four (proven without the
        // SVD where the backend can), rtol a hair under 0.01 / 2 keeps four (the proof fails there:
        // the SVD decides), a hair over keeps three. Each A+ against V diag(1 / s_kept) U^T in double.
        double[] s = [2, 1, 0.3, 0.01];
        HostMatrixBatch<double> u = Orthonormal(9, 4, seed: 1), v = Orthonormal(4, 4, seed: 2);
        HostMatrixBatch<double> a = TestData.Product(ScaledColumns(u, s), v, transB: true);
        foreach ((RankTolerance tolerance, int rank) in new[] { (default(RankTolerance), 4), (new RankTolerance(Rtol: 0.005 * (1 - 1e-9)), 4), (new RankTolerance(Rtol: 0.005 * (1 + 1e-9)), 3) })
        {
            using PinvResult<double> p = Backend.Pinv(Up(a), tolerance);
            Assert.AreEqual(rank, p.Rank[0], $"rtol {tolerance.Rtol}");
            double[] inverse = [.. s.Select((x, i) => i < rank ? 1 / x : 0)];
            HostMatrixBatch<double> expected = TestData.Product(ScaledColumns(v, inverse), u, transB: true);
            TestData.AssertClose(p.Pinv.ToHost(), expected, 1e-12 * 200, $"A+ at rank {rank}");
        }

        static HostMatrixBatch<double> ScaledColumns(HostMatrixBatch<double> x, double[] factors)
        {
            var y = HostMatrixBatch<double>.FromArray(x.ToArray(), x.Rows, x.Cols);
            for (int j = 0; j < x.Cols; j++)
            {
                for (int i = 0; i < x.Rows; i++)
                {
                    y[0, i, j] *= factors[j];
                }
            }

            return y;
        }

        // Modified Gram-Schmidt, twice, on a random matrix: orthonormal columns from code independent of the backends.
        static HostMatrixBatch<double> Orthonormal(int rows, int cols, int seed)
        {
            HostMatrixBatch<double> q = TestData.Random<double>(rows, cols, 1, seed);
            for (int pass = 0; pass < 2; pass++)
            {
                for (int j = 0; j < cols; j++)
                {
                    for (int k = 0; k < j; k++)
                    {
                        double dot = 0;
                        for (int i = 0; i < rows; i++)
                        {
                            dot += q[0, i, k] * q[0, i, j];
                        }

                        for (int i = 0; i < rows; i++)
                        {
                            q[0, i, j] -= dot * q[0, i, k];
                        }
                    }

                    double norm = 0;
                    for (int i = 0; i < rows; i++)
                    {
                        norm += q[0, i, j] * q[0, i, j];
                    }

                    for (int i = 0; i < rows; i++)
                    {
                        q[0, i, j] /= Math.Sqrt(norm);
                    }
                }
            }

            return q;
        }
    }

    [TestMethod]
    public void PinvBackward_MatchesFiniteDifferences()
    {
        foreach (var (m, n) in AllShapes)
        {
            HostMatrixBatch<double> a = TestData.Random<double>(m, n, 2, seed: (m * 13) + n);
            HostMatrixBatch<double> g = TestData.Random<double>(n, m, 2, seed: 500 + m + n);
            using PinvResult<double> p = Backend.Pinv(Up(a));
            using MatrixBatch<double> ga = Backend.PinvBackward(Up(a), p.Pinv, Up(g));
            HostMatrixBatch<double> fd = FiniteDifferences.Gradient(a, x =>
            {
                using PinvResult<double> f = Backend.Pinv(Up(x));
                return TestData.Dot(f.Pinv.ToHost(), g);
            });
            TestData.AssertClose(ga.ToHost(), fd, GradTol, $"PinvBackward {m}x{n}");
        }
    }

    [TestMethod]
    public void PinvAndBackward_Float32MatchesFloat64_AndBatchedEqualsLooped()
    {
        // 9 tall matrices: on the SIMD lanes a full group and a partial one at every width.
        HostMatrixBatch<double> a = TestData.Random<double>(12, 5, 9, seed: 71);
        HostMatrixBatch<double> g = TestData.Random<double>(5, 12, 9, seed: 72);
        using PinvResult<double> p64 = Backend.Pinv(Up(a));
        using MatrixBatch<double> ga64 = Backend.PinvBackward(Up(a), p64.Pinv, Up(g));
        using PinvResult<float> p32 = Backend.Pinv(Up(TestData.Convert<float>(a)));
        using MatrixBatch<float> ga32 = Backend.PinvBackward(Up(TestData.Convert<float>(a)), p32.Pinv, Up(TestData.Convert<float>(g)));
        TestData.AssertClose(p32.Pinv.ToHost(), p64.Pinv.ToHost(), FloatTol, "A+ float32");
        TestData.AssertClose(ga32.ToHost(), ga64.ToHost(), FloatTol, "gA float32");
        HostMatrixBatch<double> x = p64.Pinv.ToHost(), gx = ga64.ToHost();
        for (int b = 0; b < a.Count; b++)
        {
            using PinvResult<double> one = Backend.Pinv(Up(Slice(a, b)));
            using MatrixBatch<double> gaOne = Backend.PinvBackward(Up(Slice(a, b)), one.Pinv, Up(Slice(g, b)));
            TestData.AssertClose(one.Pinv.ToHost(), Slice(x, b), DoubleTol, $"A+ of matrix {b} alone");
            TestData.AssertClose(gaOne.ToHost(), Slice(gx, b), DoubleTol, $"gA of matrix {b} alone");
        }
    }

    [TestMethod]
    public void PinvBackward_RankDeficient_MatchesFiniteDifferencesAlongRankPreservingPaths()
    {
        // Perturbing A = B C through B and C keeps the rank at 2, where the gradient is defined;
        // the chain rule gives dL/dB = gA C^T and dL/dC = B^T gA.
        HostMatrixBatch<double> b = TestData.Random<double>(6, 2, 1, seed: 21);
        HostMatrixBatch<double> c = TestData.Random<double>(2, 4, 1, seed: 22);
        HostMatrixBatch<double> g = TestData.Random<double>(4, 6, 1, seed: 23);
        HostMatrixBatch<double> a = TestData.Product(b, c);
        using PinvResult<double> p = Backend.Pinv(Up(a));
        HostMatrixBatch<double> ga = Backend.PinvBackward(Up(a), p.Pinv, Up(g)).ToHost();
        double Loss(HostMatrixBatch<double> bb, HostMatrixBatch<double> cc)
        {
            using PinvResult<double> f = Backend.Pinv(Up(TestData.Product(bb, cc)));
            Assert.AreEqual(2, f.Rank[0]);
            return TestData.Dot(f.Pinv.ToHost(), g);
        }

        TestData.AssertClose(TestData.Product(ga, c, transB: true), FiniteDifferences.Gradient(b, bb => Loss(bb, c)), GradTol, "dL/dB");
        TestData.AssertClose(TestData.Product(b, ga, transA: true), FiniteDifferences.Gradient(c, cc => Loss(b, cc)), GradTol, "dL/dC");
    }
}
