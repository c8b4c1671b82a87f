using System.Runtime.CompilerServices;

namespace OrthoProj.Cpu.Batched;

internal static partial class Lanes<T, TV, TOps>
{
    /// <summary>
    /// <see cref="Projection.QrDecomposition.Backward{T}"/> in the lanes for m &gt;= n, step for step
    /// (BackwardInto, SquareRule), one group of W matrices at a time: gA = (gQ + Q S) R^-T with
    /// M = gR R^T - Q^T gQ and S its upper triangle mirrored to the lower.
    /// </summary>
    /// <remarks>
    /// Scaling (exact, per lane): R' = 2^e R at unit magnitude; f brings the larger of max |gQ| and
    /// max |2^-e gR| into [1, 2); gQ' = 2^f gQ and gR' = 2^(f - e) gR; then gA = 2^(e - f) gA(Q, R', gQ', gR').
    /// Rank: R's diagonal under the default <see cref="RankTolerance"/> (rtol = eps max(m, n)), or
    /// <see cref="RankDeficientException"/> with <see cref="RankDeficientException.QrBackwardHint"/> for the
    /// lowest failing index, as the general path raises it.
    /// </remarks>
    internal static class QrBackward
    {
        /// <summary>gA (m x n) from Q (m x n), R (n x n), gQ and gR (null: zero), scattered into <paramref name="output"/> when given.</summary>
        public static HostMatrixBatch<T> Backward(CpuBackend backend, HostMatrixBatch<T> q, HostMatrixBatch<T> r, HostMatrixBatch<T>? gq, HostMatrixBatch<T>? gr, ParallelOptions parallel, HostMatrixBatch<T>? output)
        {
            int m = q.Rows, n = r.Cols, count = q.Count, w = TOps.Width, groups = LaneGroups.Count(count, w);
            var ga = LaneGroups.Output(backend, m, n, count, output);
            var failed = new (int Lane, int Rank, string Detail)[groups];
            LaneGroups.ForEach<TV>(groups, parallel, (2 * m * n) + (3 * n * n) + n + 2, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
                failed[g] = BackwardInto(q, r, gq, gr, g, s, ga));

            for (int g = 0; g < groups; g++)
            {
                if (failed[g].Lane >= 0)
                {
                    throw new RankDeficientException((g * w) + failed[g].Lane, failed[g].Rank, m, n, failed[g].Detail, RankDeficientException.QrBackwardHint);
                }
            }

            return ga;
        }

        /// <summary>gA of group g into <paramref name="ga"/>, or the first lane that fails the rank rule (nothing written then).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static (int Lane, int Rank, string Detail) BackwardInto(HostMatrixBatch<T> q, HostMatrixBatch<T> r, HostMatrixBatch<T>? gq, HostMatrixBatch<T>? gr, int g, Span<TV> s, HostMatrixBatch<T> ga)
        {
            int m = q.Rows, n = r.Cols, w = TOps.Width, mn = m * n, nn = n * n;
            Span<TV> qv = s[..mn], gqs = s.Slice(mn, mn), rs = s.Slice(2 * mn, nn), grs = s.Slice((2 * mn) + nn, nn), sm = s.Slice((2 * mn) + (2 * nn), nn);
            ref TV rinv = ref s[(2 * mn) + (3 * nn)];
            ref TV up = ref s[(2 * mn) + (3 * nn) + n];
            int lanes = LaneGroups.Lanes(g, q.Count, w);

            // ScaleToUnit(r): R' = 2^e R.
            Layout.Gather(r, g, rs);
            Layout.PadWithIdentity(rs, n, n, lanes);
            Scaling.ScaleToUnit(ref rs[0], nn, ref up);
            Span<int> e = stackalloc int[w], f = stackalloc int[w], back = stackalloc int[w];
            Scaling.Exponents(ref up, e);

            // QrRank under the default tolerance.
            int bad = Rank.FirstDeficientLane(ref rs[0], n, Math.Max(m, n), n, lanes, e, default, out int rank, out string detail);
            if (bad >= 0)
            {
                return (bad, rank, detail);
            }

            // CopyOrZeros, then ScaleToUnit(gqs, grs, e): gQ' = 2^f gQ, gR' = 2^(f - e) gR.
            Layout.Gather(q, g, qv);
            Layout.GatherOrZeros(gq, g, gqs);
            Layout.GatherOrZeros(gr, g, grs);
            Scaling.JointUnitExponents(gqs, grs, e, f);
            Scaling.Combine(f, 1, e, -1, back);
            Scaling.ScaleByPowerOfTwo(ref gqs[0], mn, f);
            Scaling.ScaleByPowerOfTwo(ref grs[0], nn, back);

            SquareRule(ref qv[0], ref rs[0], ref gqs[0], ref grs[0], ref sm[0], ref rinv, m, n);

            // ScaleByPowerOfTwo(ga, e, 1, f, -1).
            Scaling.Combine(e, 1, f, -1, back);
            Scaling.ScaleByPowerOfTwo(ref gqs[0], mn, back);
            Layout.Scatter(gqs, ga, g);
            return (-1, 0, string.Empty);
        }

        /// <summary>c = (gQ + Q S) R^-T in place of gQ, for Q m x n, R and gR n x n (only R's upper triangle read).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void SquareRule(ref TV q, ref TV r, ref TV gq, ref TV gr, ref TV s, ref TV rinv, int m, int n)
        {
            Symmetric.MinusTransposeTimesUpper(ref q, ref gq, m, n, ref s);   // M = -Q^T gQ
            Symmetric.AddTimesTransposeUpper(ref gr, ref r, n, ref s);         //     + gR R^T
            Symmetric.MirrorUpper(ref s, n);                                   // S
            Symmetric.AddTimes(ref q, ref s, m, n, ref gq);                    // C = gQ + Q S
            Triangular.Reciprocals(ref r, n, n, ref rinv);
            Triangular.SolveUpperTransposeRight(ref r, n, ref rinv, m, n, ref gq);   // C R^-T
        }
    }
}
