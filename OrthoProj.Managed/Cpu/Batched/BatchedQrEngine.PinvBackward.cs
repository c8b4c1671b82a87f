using System.Runtime.CompilerServices;

namespace OrthoProj.Cpu.Batched;

/// <summary><see cref="Backend.PinvBackward{T}"/> in the lanes for tall batches of small matrices.</summary>
internal sealed partial class BatchedQrEngine<T, TV, TOps>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : unmanaged
    where TOps : struct, ILaneOps<TV, T>
{
    /// <summary>
    /// gA (m x n, m &gt;= n) for X = A+ and G = dL/dX (Golub and Pereyra), with the products and the
    /// order of <see cref="Projection.PseudoInverse"/>'s tall case, one group of W matrices at a time:
    /// gA = -X^T (G X^T) + [Z - A (X Z)] + X^T (X W), Z = G^T (X X^T), W = G^T - G^T (X A).
    /// </summary>
    /// <remarks>
    /// Scaling (exact, per lane, as the general path): A' = 2^e A at unit magnitude, X' = 2^-e X,
    /// G' = 2^f G at unit magnitude; the gradient is homogeneous (degree 2 in X, 1 in G, 0 in A X), so
    /// gA = 2^(2e - f) gA(A', X', G') in one rounding.
    /// </remarks>
    /// <remarks>gA is scattered straight into <paramref name="output"/> when given (either layout).</remarks>
    public static HostMatrixBatch<T> PinvBackward(CpuBackend backend, HostMatrixBatch<T> a, HostMatrixBatch<T> pinv, HostMatrixBatch<T> gradPinv, ParallelOptions parallel, HostMatrixBatch<T>? output = null)
    {
        int m = a.Rows, n = a.Cols, count = a.Count, w = TOps.Width;
        int mn = m * n, nn = n * n;
        var ga = output ?? Rent(backend, m, n, count);
        ForGroups((count + w - 1) / w, parallel, (6 * mn) + (5 * nn) + 4, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
        {
            Span<TV> av = s[..mn], xv = s.Slice(mn, mn), gv = s.Slice(2 * mn, mn), gav = s.Slice(3 * mn, mn);
            Span<TV> z = s.Slice(4 * mn, mn), wv = s.Slice(5 * mn, mn);
            int o = 6 * mn;
            Span<TV> gxt = s.Slice(o, nn), xxt = s.Slice(o + nn, nn), xz = s.Slice(o + (2 * nn), nn), xa = s.Slice(o + (3 * nn), nn), xw = s.Slice(o + (4 * nn), nn);
            ref TV upA = ref s[o + (5 * nn)];
            ref TV upG = ref s[o + (5 * nn) + 2];
            Gather(a, g, av);
            Gather(pinv, g, xv);
            Gather(gradPinv, g, gv);
            Span<int> e = stackalloc int[w], f = stackalloc int[w];
            ScaleLanes(ref av[0], mn, ref upA);
            LaneExponents(ref upA, e);
            for (int lane = 0; lane < w; lane++)
            {
                e[lane] = -e[lane];
            }

            ScaleLanesBy(ref xv[0], mn, e);      // X' = 2^-e X
            ScaleLanes(ref gv[0], mn, ref upG);
            LaneExponents(ref upG, f);

            // Term 1: -X^T (G X^T).
            LaneGemm(false, true, n, n, m, ref gv[0], n, ref xv[0], n, ref gxt[0], negate: false, accumulate: false);
            LaneGemm(true, false, m, n, n, ref xv[0], n, ref gxt[0], n, ref gav[0], negate: true, accumulate: false);

            // Term 2: Z - A (X Z) with Z = G^T (X X^T).
            LaneGemm(false, true, n, n, m, ref xv[0], n, ref xv[0], n, ref xxt[0], negate: false, accumulate: false);
            LaneGemm(true, false, m, n, n, ref gv[0], n, ref xxt[0], n, ref z[0], negate: false, accumulate: false);
            LaneGemm(false, false, n, n, m, ref xv[0], n, ref z[0], m, ref xz[0], negate: false, accumulate: false);
            LaneGemm(false, false, m, n, n, ref av[0], m, ref xz[0], n, ref z[0], negate: true, accumulate: true);
            for (int i = 0; i < mn; i++)
            {
                gav[i] = TOps.Add(gav[i], z[i]);
            }

            // Term 3: X^T (X W) with W = G^T - G^T (X A).
            LaneGemm(false, false, n, n, m, ref xv[0], n, ref av[0], m, ref xa[0], negate: false, accumulate: false);
            for (int j = 0; j < n; j++)
            {
                for (int i = 0; i < m; i++)
                {
                    wv[(j * m) + i] = gv[(i * n) + j];
                }
            }

            LaneGemm(true, false, m, n, n, ref gv[0], n, ref xa[0], n, ref wv[0], negate: true, accumulate: true);
            LaneGemm(false, false, n, n, m, ref xv[0], n, ref wv[0], m, ref xw[0], negate: false, accumulate: false);
            LaneGemm(true, false, m, n, n, ref xv[0], n, ref xw[0], n, ref gav[0], negate: false, accumulate: true);

            for (int lane = 0; lane < w; lane++)
            {
                f[lane] = (-2 * e[lane]) - f[lane];     // 2e - f, e negated above
            }

            ScaleLanesBy(ref gav[0], mn, f);
            Scatter(gav, ga, g);
        });
        return ga;
    }

    /// <summary>
    /// C (rows x cols, leading dimension rows) = [+-] op(A) op(B) [+ C], over lane vectors; op(A) is
    /// rows x inner, op(B) inner x cols, each stored column-major with leading dimension lda / ldb and
    /// transposed where ta / tb. Two rows by two columns at a time: four loads feed four independent
    /// fused multiply-adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LaneGemm(bool ta, bool tb, int rows, int cols, int inner, ref TV a, int lda, ref TV b, int ldb, ref TV c, bool negate, bool accumulate)
    {
        nint ai = ta ? lda : 1, ak = ta ? 1 : lda, bk = tb ? ldb : 1, bj = tb ? 1 : ldb;
        for (int j = 0; j < cols; j += 2)
        {
            int j1 = Math.Min(j + 1, cols - 1);
            for (int i = 0; i < rows; i += 2)
            {
                int i1 = Math.Min(i + 1, rows - 1);
                TV s00 = TOps.Zero, s01 = TOps.Zero, s10 = TOps.Zero, s11 = TOps.Zero;
                ref TV a0 = ref Unsafe.Add(ref a, i * ai);
                ref TV a1 = ref Unsafe.Add(ref a, i1 * ai);
                ref TV b0 = ref Unsafe.Add(ref b, j * bj);
                ref TV b1 = ref Unsafe.Add(ref b, j1 * bj);
                for (int k = 0; k < inner; k++)
                {
                    TV x0 = Unsafe.Add(ref a0, k * ak), x1 = Unsafe.Add(ref a1, k * ak);
                    TV y0 = Unsafe.Add(ref b0, k * bk), y1 = Unsafe.Add(ref b1, k * bk);
                    s00 = TOps.Fma(x0, y0, s00);
                    s10 = TOps.Fma(x1, y0, s10);
                    s01 = TOps.Fma(x0, y1, s01);
                    s11 = TOps.Fma(x1, y1, s11);
                }

                // Rows and columns past the end repeat the last one: computed twice, stored once.
                Store(ref Unsafe.Add(ref c, i + (j * rows)), s00, negate, accumulate);
                if (i1 != i)
                {
                    Store(ref Unsafe.Add(ref c, i1 + (j * rows)), s10, negate, accumulate);
                }

                if (j1 != j)
                {
                    Store(ref Unsafe.Add(ref c, i + (j1 * rows)), s01, negate, accumulate);
                    if (i1 != i)
                    {
                        Store(ref Unsafe.Add(ref c, i1 + (j1 * rows)), s11, negate, accumulate);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref TV c, TV s, bool negate, bool accumulate)
    {
        if (negate)
        {
            c = accumulate ? TOps.Sub(c, s) : TOps.Neg(s);
        }
        else
        {
            c = accumulate ? TOps.Add(c, s) : s;
        }
    }
}
