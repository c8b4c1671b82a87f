using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrthoProj.Cpu.Batched;

/// <summary>The factorization kernels: the lane rescale, Householder QR of a group, and the rank check.</summary>
internal sealed partial class BatchedQrEngine<T, TV, TOps>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : unmanaged
    where TOps : struct, ILaneOps<TV, T>
{
    /// <summary>
    /// Scales each lane's matrix by 2^e with <see cref="PowerOfTwoScaling"/>'s exponent
    /// (e = -ilogb(max |a_ij|), 0 for an all-zero matrix), so that the factorization sees its
    /// largest magnitude in [1, 2): the column norms' sums of squares neither overflow nor underflow,
    /// and subnormal inputs are factored at full precision. Powers of two scale exactly; the factor
    /// stays that of 2^e A (reflectors and tau are A's, R' = 2^e R), and <paramref name="up"/>
    /// receives 2^e per lane as two factors (2^e = up[0] up[1], each representable in T; up[1] = 1
    /// unless e &gt; 127 in float, 1023 in double), by which every R^-1 application is scaled back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScaleLanes(ref TV a, int length, ref TV up)
    {
        // Four independent maxima: one chain would wait on the max latency at every element.
        TV m0 = TOps.Zero, m1 = TOps.Zero, m2 = TOps.Zero, m3 = TOps.Zero;
        int k = 0;
        for (; k + 4 <= length; k += 4)
        {
            m0 = TOps.Max(m0, TOps.Abs(Unsafe.Add(ref a, k)));
            m1 = TOps.Max(m1, TOps.Abs(Unsafe.Add(ref a, k + 1)));
            m2 = TOps.Max(m2, TOps.Abs(Unsafe.Add(ref a, k + 2)));
            m3 = TOps.Max(m3, TOps.Abs(Unsafe.Add(ref a, k + 3)));
        }

        for (; k < length; k++)
        {
            m0 = TOps.Max(m0, TOps.Abs(Unsafe.Add(ref a, k)));
        }

        TV max = TOps.Max(TOps.Max(m0, m1), TOps.Max(m2, m3));

        int w = TOps.Width;
        int top = typeof(T) == typeof(float) ? 127 : 1023;   // 2^top is the largest power of two in T
        Span<T> factors = MemoryMarshal.Cast<TV, T>(MemoryMarshal.CreateSpan(ref up, 2));
        bool any = false, two = false;
        for (int lane = 0; lane < w; lane++)
        {
            int e = PowerOfTwoScaling.ExponentOfMax(Unsafe.Add(ref Unsafe.As<TV, T>(ref max), lane));
            int e1 = Math.Min(e, top);
            factors[lane] = PowerOfTwoScaling.Pow2<T>(e1);         // down to 2^-127 (2^-1023): an exact subnormal
            factors[w + lane] = PowerOfTwoScaling.Pow2<T>(e - e1);
            any |= e != 0;
            two |= e > top;
        }

        TV u0 = up, u1 = Unsafe.Add(ref up, 1);
        if (!any)
        {
            return;
        }

        // Each step is exact but for a subnormal result, which only the single step of e < 0 gives:
        // one rounding, as PowerOfTwoScaling.Scale. Two steps only where 2^e exceeds T (both scale up).
        for (int i = 0; i < length; i++)
        {
            Unsafe.Add(ref a, i) = TOps.Mul(Unsafe.Add(ref a, i), u0);
        }

        if (two)
        {
            for (int i = 0; i < length; i++)
            {
                Unsafe.Add(ref a, i) = TOps.Mul(Unsafe.Add(ref a, i), u1);
            }
        }
    }

    /// <summary>The scale exponent e of one lane of group <paramref name="g"/>: the factor is of 2^e A.</summary>
    private int LaneExponent(int g, int lane)
    {
        ReadOnlySpan<T> up = MemoryMarshal.Cast<TV, T>(MemoryMarshal.CreateSpan(ref Up(g), 2));
        return T.ILogB(up[lane]) + T.ILogB(up[TOps.Width + lane]);
    }

    /// <summary>Householder QR of one group in place (LAPACK geqr2 in lock-step over the lanes).</summary>
    /// <remarks>
    /// Left-looking over blocks of four columns: a block first receives every earlier reflector, then is
    /// factored within itself. The four target columns stay in L1 while the reflectors stream past,
    /// where the right-looking order would sweep the whole trailing matrix (up to 128 KB per group)
    /// through the cache once per column.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FactorGroup(ref TV a, ref TV tau, ref TV rinv, int m, int n)
    {
        TV one = TOps.Broadcast(T.One);
        for (int jb = 0; jb < n; jb += 4)
        {
            int je = Math.Min(jb + 4, n);
            int k0 = 0;
            if (je - jb == 4)
            {
                for (; k0 + 2 <= jb; k0 += 2)
                {
                    ApplyPairToFourColumns(ref a, ref tau, k0, m, jb);
                }
            }

            for (int k = k0; k < jb; k++)
            {
                ApplyToColumns(ref a, ref Unsafe.Add(ref a, k * m), Unsafe.Add(ref tau, k), k, m, jb, je);
            }

            for (int k = jb; k < je; k++)
            {
                ref TV ak = ref Unsafe.Add(ref a, k * m);
                TV alpha = Unsafe.Add(ref ak, k);
                // The column norm is on the critical path of every column: four chains, not one.
                TV ss = TOps.Zero, ss1 = TOps.Zero, ss2 = TOps.Zero, ss3 = TOps.Zero;
                int r = k + 1;
                for (; r + 4 <= m; r += 4)
                {
                    TV v0 = Unsafe.Add(ref ak, r), v1 = Unsafe.Add(ref ak, r + 1), v2 = Unsafe.Add(ref ak, r + 2), v3 = Unsafe.Add(ref ak, r + 3);
                    ss = TOps.Fma(v0, v0, ss);
                    ss1 = TOps.Fma(v1, v1, ss1);
                    ss2 = TOps.Fma(v2, v2, ss2);
                    ss3 = TOps.Fma(v3, v3, ss3);
                }

                for (; r < m; r++)
                {
                    TV v = Unsafe.Add(ref ak, r);
                    ss = TOps.Fma(v, v, ss);
                }

                ss = TOps.Add(TOps.Add(ss, ss1), TOps.Add(ss2, ss3));

                TV norm = TOps.Sqrt(TOps.Fma(alpha, alpha, ss));
                TV beta = TOps.Neg(TOps.CopySign(norm, alpha));
                TV none = TOps.EqualsZero(ss);
                TV t = TOps.Select(none, TOps.Zero, TOps.Div(TOps.Sub(beta, alpha), beta));
                TV scale = TOps.Select(none, TOps.Zero, TOps.Div(one, TOps.Sub(alpha, beta)));
                beta = TOps.Select(none, alpha, beta);
                for (int i = k + 1; i < m; i++)
                {
                    Unsafe.Add(ref ak, i) = TOps.Mul(Unsafe.Add(ref ak, i), scale);
                }

                Unsafe.Add(ref ak, k) = beta;
                Unsafe.Add(ref tau, k) = t;
                Unsafe.Add(ref rinv, k) = TOps.Div(one, beta);
                ApplyToColumns(ref a, ref ak, t, k, m, k + 1, je);
            }
        }
    }

    /// <summary>
    /// Applies H_(k+1) H_k to the four columns [<paramref name="j"/>, j + 4) in one sweep. With
    /// s = v_k . a, u = v_(k+1) . a and c = v_(k+1) . v_k (all from the original a):
    /// H_k a = a - sk v_k with sk = tau_k s; v_(k+1) . (H_k a) = u - sk c; so both dot products come from
    /// one pass and both updates from a second, halving the loads and stores of a per reflector.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ApplyPairToFourColumns(ref TV a, ref TV tau, int k, int m, int j)
    {
        ref TV vk = ref Unsafe.Add(ref a, k * m);
        ref TV vl = ref Unsafe.Add(ref vk, m);
        ref TV a0 = ref Unsafe.Add(ref a, j * m);
        ref TV a1 = ref Unsafe.Add(ref a0, m);
        ref TV a2 = ref Unsafe.Add(ref a1, m);
        ref TV a3 = ref Unsafe.Add(ref a2, m);
        TV tk = Unsafe.Add(ref tau, k), tl = Unsafe.Add(ref tau, k + 1);
        int l = k + 1;

        // Rows k and l = k + 1 carry the implicit ones: v_k = (1, v_k[l], ...), v_l = (0, 1, ...).
        TV vkl = Unsafe.Add(ref vk, l);
        TV c = vkl;
        TV s0 = TOps.Fma(vkl, Unsafe.Add(ref a0, l), Unsafe.Add(ref a0, k));
        TV s1 = TOps.Fma(vkl, Unsafe.Add(ref a1, l), Unsafe.Add(ref a1, k));
        TV s2 = TOps.Fma(vkl, Unsafe.Add(ref a2, l), Unsafe.Add(ref a2, k));
        TV s3 = TOps.Fma(vkl, Unsafe.Add(ref a3, l), Unsafe.Add(ref a3, k));
        TV u0 = Unsafe.Add(ref a0, l), u1 = Unsafe.Add(ref a1, l), u2 = Unsafe.Add(ref a2, l), u3 = Unsafe.Add(ref a3, l);
        for (int i = l + 1; i < m; i++)
        {
            TV x = Unsafe.Add(ref vk, i), y = Unsafe.Add(ref vl, i);
            c = TOps.Fma(x, y, c);
            TV b0 = Unsafe.Add(ref a0, i), b1 = Unsafe.Add(ref a1, i), b2 = Unsafe.Add(ref a2, i), b3 = Unsafe.Add(ref a3, i);
            s0 = TOps.Fma(x, b0, s0);
            u0 = TOps.Fma(y, b0, u0);
            s1 = TOps.Fma(x, b1, s1);
            u1 = TOps.Fma(y, b1, u1);
            s2 = TOps.Fma(x, b2, s2);
            u2 = TOps.Fma(y, b2, u2);
            s3 = TOps.Fma(x, b3, s3);
            u3 = TOps.Fma(y, b3, u3);
        }

        s0 = TOps.Mul(s0, tk);
        s1 = TOps.Mul(s1, tk);
        s2 = TOps.Mul(s2, tk);
        s3 = TOps.Mul(s3, tk);
        u0 = TOps.Mul(TOps.Fnma(s0, c, u0), tl);
        u1 = TOps.Mul(TOps.Fnma(s1, c, u1), tl);
        u2 = TOps.Mul(TOps.Fnma(s2, c, u2), tl);
        u3 = TOps.Mul(TOps.Fnma(s3, c, u3), tl);

        // a -= sk v_k + sl v_l.
        Unsafe.Add(ref a0, k) = TOps.Sub(Unsafe.Add(ref a0, k), s0);
        Unsafe.Add(ref a1, k) = TOps.Sub(Unsafe.Add(ref a1, k), s1);
        Unsafe.Add(ref a2, k) = TOps.Sub(Unsafe.Add(ref a2, k), s2);
        Unsafe.Add(ref a3, k) = TOps.Sub(Unsafe.Add(ref a3, k), s3);
        Unsafe.Add(ref a0, l) = TOps.Sub(TOps.Fnma(s0, vkl, Unsafe.Add(ref a0, l)), u0);
        Unsafe.Add(ref a1, l) = TOps.Sub(TOps.Fnma(s1, vkl, Unsafe.Add(ref a1, l)), u1);
        Unsafe.Add(ref a2, l) = TOps.Sub(TOps.Fnma(s2, vkl, Unsafe.Add(ref a2, l)), u2);
        Unsafe.Add(ref a3, l) = TOps.Sub(TOps.Fnma(s3, vkl, Unsafe.Add(ref a3, l)), u3);
        for (int i = l + 1; i < m; i++)
        {
            TV x = Unsafe.Add(ref vk, i), y = Unsafe.Add(ref vl, i);
            Unsafe.Add(ref a0, i) = TOps.Fnma(u0, y, TOps.Fnma(s0, x, Unsafe.Add(ref a0, i)));
            Unsafe.Add(ref a1, i) = TOps.Fnma(u1, y, TOps.Fnma(s1, x, Unsafe.Add(ref a1, i)));
            Unsafe.Add(ref a2, i) = TOps.Fnma(u2, y, TOps.Fnma(s2, x, Unsafe.Add(ref a2, i)));
            Unsafe.Add(ref a3, i) = TOps.Fnma(u3, y, TOps.Fnma(s3, x, Unsafe.Add(ref a3, i)));
        }
    }

    /// <summary>
    /// Applies H_k = I - tau v v^T (v = column k below the diagonal, v_k = 1) to columns
    /// [<paramref name="js"/>, <paramref name="je"/>), four at a time: four independent dot products
    /// hide the FMA latency and share each load of v.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ApplyToColumns(ref TV a, ref TV ak, TV t, int k, int m, int js, int je)
    {
        int j = js;
        for (; j + 4 <= je; j += 4)
        {
            ref TV a0 = ref Unsafe.Add(ref a, j * m);
            ref TV a1 = ref Unsafe.Add(ref a0, m);
            ref TV a2 = ref Unsafe.Add(ref a1, m);
            ref TV a3 = ref Unsafe.Add(ref a2, m);
            TV s0 = Unsafe.Add(ref a0, k), s1 = Unsafe.Add(ref a1, k), s2 = Unsafe.Add(ref a2, k), s3 = Unsafe.Add(ref a3, k);
            for (int i = k + 1; i < m; i++)
            {
                TV v = Unsafe.Add(ref ak, i);
                s0 = TOps.Fma(v, Unsafe.Add(ref a0, i), s0);
                s1 = TOps.Fma(v, Unsafe.Add(ref a1, i), s1);
                s2 = TOps.Fma(v, Unsafe.Add(ref a2, i), s2);
                s3 = TOps.Fma(v, Unsafe.Add(ref a3, i), s3);
            }

            s0 = TOps.Mul(s0, t);
            s1 = TOps.Mul(s1, t);
            s2 = TOps.Mul(s2, t);
            s3 = TOps.Mul(s3, t);
            Unsafe.Add(ref a0, k) = TOps.Sub(Unsafe.Add(ref a0, k), s0);
            Unsafe.Add(ref a1, k) = TOps.Sub(Unsafe.Add(ref a1, k), s1);
            Unsafe.Add(ref a2, k) = TOps.Sub(Unsafe.Add(ref a2, k), s2);
            Unsafe.Add(ref a3, k) = TOps.Sub(Unsafe.Add(ref a3, k), s3);
            for (int i = k + 1; i < m; i++)
            {
                TV v = Unsafe.Add(ref ak, i);
                Unsafe.Add(ref a0, i) = TOps.Fnma(s0, v, Unsafe.Add(ref a0, i));
                Unsafe.Add(ref a1, i) = TOps.Fnma(s1, v, Unsafe.Add(ref a1, i));
                Unsafe.Add(ref a2, i) = TOps.Fnma(s2, v, Unsafe.Add(ref a2, i));
                Unsafe.Add(ref a3, i) = TOps.Fnma(s3, v, Unsafe.Add(ref a3, i));
            }
        }

        for (; j < je; j++)
        {
            ApplyReflector(ref ak, t, k, m, ref Unsafe.Add(ref a, j * m));
        }
    }

    /// <summary>
    /// The rank rule's fast path for atol = 0 (then scale-free), in the lanes: true when every lane's
    /// min |R_jj| exceeds <paramref name="margin"/> (rtol * 1.001, broadcast) times max |R_jj|, a
    /// margin that no rounding of the exact rule (in double, <see cref="RankTolerance.QrRank{T}"/>)
    /// can cross; otherwise the lanes go to that rule.
    /// </summary>
    private bool ClearlyFullRank(ref TV f, TV margin)
    {
        TV max = TOps.Zero, min = TOps.Broadcast(T.PositiveInfinity);
        for (int j = 0; j < n; j++)
        {
            TV d = TOps.Abs(Unsafe.Add(ref f, (j * m) + j));
            max = TOps.Max(max, d);
            min = TOps.Select(TOps.LessThan(d, min), d, min);
        }

        TV threshold = TOps.Mul(margin, max);
        return !TOps.Any(TOps.Select(TOps.LessThan(threshold, min), TOps.Zero, TOps.EqualsZero(TOps.Zero)));
    }

    /// <summary>
    /// The first lane (below <paramref name="lanes"/>) of group <paramref name="g"/> whose R has
    /// |R_jj| &lt;= max(atol, rtol * max |R_jj|), or -1; with that lane's rank and the detail text.
    /// The factor is of 2^e A, so the rule compares |R'_jj| with max(atol 2^e, rtol * max |R'_jj|)
    /// (<see cref="RankTolerance.QrRank{T}"/> with the lane's exponent): the unscaled rule exactly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int FirstRankDeficientLane(int g, int lanes, RankTolerance tolerance, out int rank, out string detail)
    {
        int w = TOps.Width;
        ReadOnlySpan<T> f = MemoryMarshal.Cast<TV, T>(MemoryMarshal.CreateSpan(ref Qr(g), m * n));
        rank = n;
        detail = string.Empty;
        for (int lane = 0; lane < lanes; lane++)
        {
            double maxDiag = 0, minDiag = double.PositiveInfinity;
            for (int j = 0; j < n; j++)
            {
                double d = Math.Abs(ToDouble(f[(((j * m) + j) * w) + lane]));
                maxDiag = Math.Max(maxDiag, d);
                minDiag = Math.Min(minDiag, d);
            }

            int e = LaneExponent(g, lane);
            double threshold = tolerance.Threshold<T>(m, n, maxDiag, e);
            if (minDiag > threshold)
            {
                continue;
            }

            // R_jj of this lane is at lane + j (m + 1) w in the interleaved factor.
            int r = tolerance.QrRank(f[lane..], (m + 1) * w, m, n, out string text, e);
            if (r < n)
            {
                rank = r;
                detail = text;
                return lane;
            }
        }

        return -1;
    }
}
