using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrthoProj.Cpu.Batched;

/// <summary>
/// <see cref="Backend.QrBackward{T}"/> in the lanes for m &gt;= n (see <see cref="BatchedQr{T}"/>):
/// the formula, the scaling and the rank rule of <see cref="Projection.QrDecomposition.Backward{T}"/>,
/// one group of W matrices at a time.
/// </summary>
internal sealed partial class BatchedQrEngine<T, TV, TOps>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : unmanaged
    where TOps : struct, ILaneOps<TV, T>
{
    /// <summary>
    /// gA from Q (m x n), R (n x n), gQ and gR (null: zero), m &gt;= n: gA = (gQ + Q S) R^-T with
    /// M = gR R^T - Q^T gQ and S = copyltu(M), M's upper triangle mirrored to the lower.
    /// </summary>
    /// <remarks>
    /// Scaling (exact, per lane): R' = 2^e R at unit magnitude (<see cref="ScaleLanes"/>, PowerOfTwoScaling's
    /// rule); f brings the larger of max |gQ| and max |2^-e gR| into [1, 2); gQ' = 2^f gQ and
    /// gR' = 2^(f - e) gR; then gA = 2^(e - f) gA(Q, R', gQ', gR'), the formula being homogeneous.
    /// Rank: R's diagonal under <see cref="RankTolerance.QrRank{T}"/> with the default tolerance (rtol =
    /// eps max(m, n)), or <see cref="RankDeficientException"/> with <see cref="RankDeficientException.QrBackwardHint"/>
    /// for the lowest failing index, as the general path raises it.
    /// </remarks>
    /// <remarks>gA is scattered straight into <paramref name="output"/> when given (either layout).</remarks>
    public static HostMatrixBatch<T> QrBackward(CpuBackend backend, HostMatrixBatch<T> q, HostMatrixBatch<T> r, HostMatrixBatch<T>? gq, HostMatrixBatch<T>? gr, ParallelOptions parallel, HostMatrixBatch<T>? output = null)
    {
        int m = q.Rows, n = r.Cols, count = q.Count, w = TOps.Width;
        var ga = output ?? Rent(backend, m, n, count);
        int groups = (count + w - 1) / w;
        int mn = m * n, nn = n * n;
        var failed = new (int Lane, int Rank, string Detail)[groups];
        ForGroups(groups, parallel, (2 * mn) + (3 * nn) + n + 2, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
        {
            Span<TV> qv = s[..mn];
            Span<TV> gqv = s.Slice(mn, mn);
            Span<TV> rv = s.Slice(2 * mn, nn);
            Span<TV> grv = s.Slice((2 * mn) + nn, nn);
            Span<TV> sv = s.Slice((2 * mn) + (2 * nn), nn);
            ref TV rinv = ref s[(2 * mn) + (3 * nn)];
            ref TV up = ref s[(2 * mn) + (3 * nn) + n];
            int lanes = Math.Min(w, count - (g * w));
            Gather(r, g, rv);
            PadWithIdentity(rv, n, n, lanes);
            ScaleLanes(ref rv[0], nn, ref up);
            Span<int> e = stackalloc int[w];
            LaneExponents(ref up, e);
            ReadOnlySpan<T> rt = MemoryMarshal.Cast<TV, T>(rv);
            failed[g].Lane = -1;
            for (int lane = 0; lane < lanes; lane++)
            {
                int rank = default(RankTolerance).QrRank(rt[lane..], (n + 1) * w, Math.Max(m, n), n, out string detail, e[lane]);
                if (rank < n)
                {
                    failed[g] = (lane, rank, detail);
                    return;
                }
            }

            Gather(q, g, qv);
            GatherOrZeros(gq, g, gqv);
            GatherOrZeros(gr, g, grv);
            Span<int> f = stackalloc int[w], fr = stackalloc int[w];
            JointUnitExponents(gqv, grv, e, f);
            for (int lane = 0; lane < w; lane++)
            {
                fr[lane] = f[lane] - e[lane];
            }

            ScaleLanesBy(ref gqv[0], mn, f);
            ScaleLanesBy(ref grv[0], nn, fr);
            GradientGroup(ref qv[0], ref rv[0], ref gqv[0], ref grv[0], ref sv[0], ref rinv, m, n);
            for (int lane = 0; lane < w; lane++)
            {
                f[lane] = e[lane] - f[lane];
            }

            ScaleLanesBy(ref gqv[0], mn, f);
            Scatter(gqv, ga, g);
        });

        for (int g = 0; g < groups; g++)
        {
            if (failed[g].Lane >= 0)
            {
                throw new RankDeficientException((g * w) + failed[g].Lane, failed[g].Rank, m, n, failed[g].Detail, RankDeficientException.QrBackwardHint);
            }
        }

        return ga;
    }

    /// <summary>Gathers group <paramref name="g"/> of <paramref name="x"/>, or zeros when x is null (a cotangent not given).</summary>
    private static void GatherOrZeros(HostMatrixBatch<T>? x, int g, Span<TV> dst)
    {
        if (x is null)
        {
            dst.Clear();
        }
        else
        {
            Gather(x, g, dst);
        }
    }

    /// <summary>
    /// Per lane, f with the larger of max |gq| and max |2^-e gr| in [1, 2) (IBatchOps.ScaleToUnit(a, b, s)'s
    /// rule): f = -max(ilogb(max |gq|), ilogb(max |gr|) - e), 0 when both are zero.
    /// </summary>
    private static void JointUnitExponents(Span<TV> gq, Span<TV> gr, ReadOnlySpan<int> e, Span<int> f)
    {
        TV mq = MaxMagnitude(gq), mr = MaxMagnitude(gr);
        ReadOnlySpan<T> a = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<TV, T>(ref mq), TOps.Width);
        ReadOnlySpan<T> b = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<TV, T>(ref mr), TOps.Width);
        for (int lane = 0; lane < f.Length; lane++)
        {
            int magnitude = Math.Max(a[lane] == T.Zero ? int.MinValue : T.ILogB(a[lane]), b[lane] == T.Zero ? int.MinValue : T.ILogB(b[lane]) - e[lane]);
            f[lane] = magnitude == int.MinValue ? 0 : -magnitude;
        }
    }

    /// <summary>max |x_i| per lane.</summary>
    private static TV MaxMagnitude(Span<TV> x)
    {
        TV m0 = TOps.Zero, m1 = TOps.Zero;
        int i = 0;
        for (; i + 2 <= x.Length; i += 2)
        {
            m0 = TOps.Max(m0, TOps.Abs(x[i]));
            m1 = TOps.Max(m1, TOps.Abs(x[i + 1]));
        }

        for (; i < x.Length; i++)
        {
            m0 = TOps.Max(m0, TOps.Abs(x[i]));
        }

        return TOps.Max(m0, m1);
    }

    /// <summary>
    /// gq := (gq + Q S) R^-T for one group, all scaled (Q m x n, R, gR and S n x n, column-major lanes):
    /// M = gR R^T - Q^T gq (upper triangle), S = copyltu(M) into <paramref name="sm"/>, C = gq + Q S in place,
    /// then X R^T = C solved for X column by column from the last (R upper triangular: only its upper triangle is read there).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradientGroup(ref TV q, ref TV r, ref TV gq, ref TV gr, ref TV sm, ref TV rinv, int m, int n)
    {
        for (int j = 0; j < n; j++)
        {
            ref TV sj = ref Unsafe.Add(ref sm, j * n);
            ref TV gqj = ref Unsafe.Add(ref gq, j * m);

            // -(Q^T gq)_ij for i <= j, four rows of S at a time sharing the loads of gq's column.
            int i = 0;
            for (; i + 4 <= j + 1; i += 4)
            {
                ref TV q0 = ref Unsafe.Add(ref q, i * m);
                ref TV q1 = ref Unsafe.Add(ref q0, m);
                ref TV q2 = ref Unsafe.Add(ref q1, m);
                ref TV q3 = ref Unsafe.Add(ref q2, m);
                TV a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
                for (int k = 0; k < m; k++)
                {
                    TV x = Unsafe.Add(ref gqj, k);
                    a0 = TOps.Fma(Unsafe.Add(ref q0, k), x, a0);
                    a1 = TOps.Fma(Unsafe.Add(ref q1, k), x, a1);
                    a2 = TOps.Fma(Unsafe.Add(ref q2, k), x, a2);
                    a3 = TOps.Fma(Unsafe.Add(ref q3, k), x, a3);
                }

                Unsafe.Add(ref sj, i) = TOps.Neg(a0);
                Unsafe.Add(ref sj, i + 1) = TOps.Neg(a1);
                Unsafe.Add(ref sj, i + 2) = TOps.Neg(a2);
                Unsafe.Add(ref sj, i + 3) = TOps.Neg(a3);
            }

            for (; i <= j; i++)
            {
                ref TV qi = ref Unsafe.Add(ref q, i * m);
                TV a0 = TOps.Zero, a1 = TOps.Zero;
                int k = 0;
                for (; k + 2 <= m; k += 2)
                {
                    a0 = TOps.Fma(Unsafe.Add(ref qi, k), Unsafe.Add(ref gqj, k), a0);
                    a1 = TOps.Fma(Unsafe.Add(ref qi, k + 1), Unsafe.Add(ref gqj, k + 1), a1);
                }

                if (k < m)
                {
                    a0 = TOps.Fma(Unsafe.Add(ref qi, k), Unsafe.Add(ref gqj, k), a0);
                }

                Unsafe.Add(ref sj, i) = TOps.Neg(TOps.Add(a0, a1));
            }

            // + (gR R^T)_ij = sum_l gR_il R_jl for i <= j (every l, as the general path's gemm).
            for (int l = 0; l < n; l++)
            {
                TV rjl = Unsafe.Add(ref r, (l * n) + j);
                ref TV grl = ref Unsafe.Add(ref gr, l * n);
                for (i = 0; i <= j; i++)
                {
                    Unsafe.Add(ref sj, i) = TOps.Fma(Unsafe.Add(ref grl, i), rjl, Unsafe.Add(ref sj, i));
                }
            }
        }

        // S = copyltu(M): S_ji = M_ij for i < j.
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < j; i++)
            {
                Unsafe.Add(ref sm, (i * n) + j) = Unsafe.Add(ref sm, (j * n) + i);
            }
        }

        // C = gq + Q S, column j += sum_l Q[:, l] S_lj, four l at a time.
        for (int j = 0; j < n; j++)
        {
            ref TV cj = ref Unsafe.Add(ref gq, j * m);
            ref TV sj = ref Unsafe.Add(ref sm, j * n);
            int l = 0;
            for (; l + 4 <= n; l += 4)
            {
                ref TV q0 = ref Unsafe.Add(ref q, l * m);
                ref TV q1 = ref Unsafe.Add(ref q0, m);
                ref TV q2 = ref Unsafe.Add(ref q1, m);
                ref TV q3 = ref Unsafe.Add(ref q2, m);
                TV s0 = Unsafe.Add(ref sj, l), s1 = Unsafe.Add(ref sj, l + 1), s2 = Unsafe.Add(ref sj, l + 2), s3 = Unsafe.Add(ref sj, l + 3);
                for (int k = 0; k < m; k++)
                {
                    TV c = TOps.Fma(Unsafe.Add(ref q0, k), s0, Unsafe.Add(ref cj, k));
                    c = TOps.Fma(Unsafe.Add(ref q1, k), s1, c);
                    c = TOps.Fma(Unsafe.Add(ref q2, k), s2, c);
                    Unsafe.Add(ref cj, k) = TOps.Fma(Unsafe.Add(ref q3, k), s3, c);
                }
            }

            for (; l < n; l++)
            {
                ref TV ql = ref Unsafe.Add(ref q, l * m);
                TV sl = Unsafe.Add(ref sj, l);
                for (int k = 0; k < m; k++)
                {
                    Unsafe.Add(ref cj, k) = TOps.Fma(Unsafe.Add(ref ql, k), sl, Unsafe.Add(ref cj, k));
                }
            }
        }

        // X R^T = C: X[:, j] = (C[:, j] - sum_(l > j) R_jl X[:, l]) / R_jj, from the last column.
        TV one = TOps.Broadcast(T.One);
        for (int j = n - 1; j >= 0; j--)
        {
            Unsafe.Add(ref rinv, j) = TOps.Div(one, Unsafe.Add(ref r, (j * n) + j));
            ref TV cj = ref Unsafe.Add(ref gq, j * m);
            int l = j + 1;
            for (; l + 4 <= n; l += 4)
            {
                ref TV x0 = ref Unsafe.Add(ref gq, l * m);
                ref TV x1 = ref Unsafe.Add(ref x0, m);
                ref TV x2 = ref Unsafe.Add(ref x1, m);
                ref TV x3 = ref Unsafe.Add(ref x2, m);
                TV r0 = Unsafe.Add(ref r, (l * n) + j), r1 = Unsafe.Add(ref r, ((l + 1) * n) + j);
                TV r2 = Unsafe.Add(ref r, ((l + 2) * n) + j), r3 = Unsafe.Add(ref r, ((l + 3) * n) + j);
                for (int k = 0; k < m; k++)
                {
                    TV c = TOps.Fnma(r0, Unsafe.Add(ref x0, k), Unsafe.Add(ref cj, k));
                    c = TOps.Fnma(r1, Unsafe.Add(ref x1, k), c);
                    c = TOps.Fnma(r2, Unsafe.Add(ref x2, k), c);
                    Unsafe.Add(ref cj, k) = TOps.Fnma(r3, Unsafe.Add(ref x3, k), c);
                }
            }

            for (; l < n; l++)
            {
                ref TV xl = ref Unsafe.Add(ref gq, l * m);
                TV rjl = Unsafe.Add(ref r, (l * n) + j);
                for (int k = 0; k < m; k++)
                {
                    Unsafe.Add(ref cj, k) = TOps.Fnma(rjl, Unsafe.Add(ref xl, k), Unsafe.Add(ref cj, k));
                }
            }

            TV d = Unsafe.Add(ref rinv, j);
            for (int k = 0; k < m; k++)
            {
                Unsafe.Add(ref cj, k) = TOps.Mul(Unsafe.Add(ref cj, k), d);
            }
        }
    }
}
