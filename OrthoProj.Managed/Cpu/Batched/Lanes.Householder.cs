using System.Runtime.CompilerServices;

namespace OrthoProj.Cpu.Batched;

internal static partial class Lanes<T, TV, TOps>
{
    /// <summary>
    /// Householder QR of a group in the lanes (LAPACK geqr2 in lock-step, the seam's Geqrf) and the
    /// reflector kernels it shares with <see cref="Lanes{T, TV, TOps}.Reflectors"/>.
    /// </summary>
    internal static class Householder
    {
        /// <summary>Householder QR of one group in place (LAPACK geqr2 in lock-step over the lanes).</summary>
        /// <remarks>
        /// Left-looking over blocks of four columns: a block first receives every earlier reflector, then is
        /// factored within itself. The four target columns stay in L1 while the reflectors stream past,
        /// where the right-looking order would sweep the whole trailing matrix (up to 128 KB per group)
        /// through the cache once per column.
        /// </remarks>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Geqrf(ref TV a, ref TV tau, ref TV rinv, int m, int n)
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
        public static void ApplyPairToFourColumns(ref TV a, ref TV tau, int k, int m, int j)
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
            var pair = new PairSums(c, s0, s1, s2, s3, Unsafe.Add(ref a0, l), Unsafe.Add(ref a1, l), Unsafe.Add(ref a2, l), Unsafe.Add(ref a3, l));
            pair.Dots(ref vk, ref vl, l + 1, m, ref a0);
            pair.Scale(tk, tl);
            (s0, s1, s2, s3) = (pair.S0, pair.S1, pair.S2, pair.S3);
            TV u0 = pair.U0, u1 = pair.U1, u2 = pair.U2, u3 = pair.U3;

            // a -= sk v_k + sl v_l.
            Unsafe.Add(ref a0, k) = TOps.Sub(Unsafe.Add(ref a0, k), s0);
            Unsafe.Add(ref a1, k) = TOps.Sub(Unsafe.Add(ref a1, k), s1);
            Unsafe.Add(ref a2, k) = TOps.Sub(Unsafe.Add(ref a2, k), s2);
            Unsafe.Add(ref a3, k) = TOps.Sub(Unsafe.Add(ref a3, k), s3);
            Unsafe.Add(ref a0, l) = TOps.Sub(TOps.Fnma(s0, vkl, Unsafe.Add(ref a0, l)), u0);
            Unsafe.Add(ref a1, l) = TOps.Sub(TOps.Fnma(s1, vkl, Unsafe.Add(ref a1, l)), u1);
            Unsafe.Add(ref a2, l) = TOps.Sub(TOps.Fnma(s2, vkl, Unsafe.Add(ref a2, l)), u2);
            Unsafe.Add(ref a3, l) = TOps.Sub(TOps.Fnma(s3, vkl, Unsafe.Add(ref a3, l)), u3);
            pair.Update(ref vk, ref vl, l + 1, m, ref a0);
        }

        /// <summary>
        /// Applies H_k = I - tau v v^T (v = column k below the diagonal, v_k = 1) to columns
        /// [<paramref name="js"/>, <paramref name="je"/>), four at a time: four independent dot products
        /// hide the FMA latency and share each load of v.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void ApplyToColumns(ref TV a, ref TV ak, TV t, int k, int m, int js, int je)
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

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void ApplyReflector(ref TV v, TV t, int k, int m, ref TV x)
        {
            // Four partial sums: one chain of dependent FMAs would wait on the FMA latency every row.
            TV s = Unsafe.Add(ref x, k), s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
            int i = k + 1;
            for (; i + 4 <= m; i += 4)
            {
                s = TOps.Fma(Unsafe.Add(ref v, i), Unsafe.Add(ref x, i), s);
                s1 = TOps.Fma(Unsafe.Add(ref v, i + 1), Unsafe.Add(ref x, i + 1), s1);
                s2 = TOps.Fma(Unsafe.Add(ref v, i + 2), Unsafe.Add(ref x, i + 2), s2);
                s3 = TOps.Fma(Unsafe.Add(ref v, i + 3), Unsafe.Add(ref x, i + 3), s3);
            }

            for (; i < m; i++)
            {
                s = TOps.Fma(Unsafe.Add(ref v, i), Unsafe.Add(ref x, i), s);
            }

            s = TOps.Mul(TOps.Add(TOps.Add(s, s1), TOps.Add(s2, s3)), t);
            Unsafe.Add(ref x, k) = TOps.Sub(Unsafe.Add(ref x, k), s);
            for (i = k + 1; i < m; i++)
            {
                Unsafe.Add(ref x, i) = TOps.Fnma(s, Unsafe.Add(ref v, i), Unsafe.Add(ref x, i));
            }
        }

        /// <summary>
        /// The sums of a pair of reflectors x (applied first, tau tk) and y (tau tl) on four columns a_q (m apart):
        /// c = x . y, s_q = x . a_q, u_q = y . a_q from one pass over the rows below both heads, then
        /// s_q = tk s_q and u_q = tl (u_q - s_q c), and a_q -= s_q x + u_q y below both heads in a second.
        /// Shared by <see cref="ApplyPairToFourColumns"/> (H_(k+1) H_k) and <see cref="Reflectors.ApplyPairDownToFourColumns"/> (H_(k-1) H_k).
        /// </summary>
        public struct PairSums(TV c, TV s0, TV s1, TV s2, TV s3, TV u0, TV u1, TV u2, TV u3)
        {
            public TV C = c, S0 = s0, S1 = s1, S2 = s2, S3 = s3, U0 = u0, U1 = u1, U2 = u2, U3 = u3;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public void Dots(ref TV x, ref TV y, int from, int m, ref TV a0)
            {
                ref TV a1 = ref Unsafe.Add(ref a0, m);
                ref TV a2 = ref Unsafe.Add(ref a1, m);
                ref TV a3 = ref Unsafe.Add(ref a2, m);
                TV c = C, s0 = S0, s1 = S1, s2 = S2, s3 = S3, u0 = U0, u1 = U1, u2 = U2, u3 = U3;
                for (int i = from; i < m; i++)
                {
                    TV xi = Unsafe.Add(ref x, i), yi = Unsafe.Add(ref y, i);
                    c = TOps.Fma(xi, yi, c);
                    TV b0 = Unsafe.Add(ref a0, i), b1 = Unsafe.Add(ref a1, i), b2 = Unsafe.Add(ref a2, i), b3 = Unsafe.Add(ref a3, i);
                    s0 = TOps.Fma(xi, b0, s0);
                    u0 = TOps.Fma(yi, b0, u0);
                    s1 = TOps.Fma(xi, b1, s1);
                    u1 = TOps.Fma(yi, b1, u1);
                    s2 = TOps.Fma(xi, b2, s2);
                    u2 = TOps.Fma(yi, b2, u2);
                    s3 = TOps.Fma(xi, b3, s3);
                    u3 = TOps.Fma(yi, b3, u3);
                }

                (C, S0, S1, S2, S3, U0, U1, U2, U3) = (c, s0, s1, s2, s3, u0, u1, u2, u3);
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public void Scale(TV tk, TV tl)
            {
                S0 = TOps.Mul(S0, tk);
                S1 = TOps.Mul(S1, tk);
                S2 = TOps.Mul(S2, tk);
                S3 = TOps.Mul(S3, tk);
                U0 = TOps.Mul(TOps.Fnma(S0, C, U0), tl);
                U1 = TOps.Mul(TOps.Fnma(S1, C, U1), tl);
                U2 = TOps.Mul(TOps.Fnma(S2, C, U2), tl);
                U3 = TOps.Mul(TOps.Fnma(S3, C, U3), tl);
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public readonly void Update(ref TV x, ref TV y, int from, int m, ref TV a0)
            {
                ref TV a1 = ref Unsafe.Add(ref a0, m);
                ref TV a2 = ref Unsafe.Add(ref a1, m);
                ref TV a3 = ref Unsafe.Add(ref a2, m);
                TV s0 = S0, s1 = S1, s2 = S2, s3 = S3, u0 = U0, u1 = U1, u2 = U2, u3 = U3;
                for (int i = from; i < m; i++)
                {
                    TV xi = Unsafe.Add(ref x, i), yi = Unsafe.Add(ref y, i);
                    Unsafe.Add(ref a0, i) = TOps.Fnma(u0, yi, TOps.Fnma(s0, xi, Unsafe.Add(ref a0, i)));
                    Unsafe.Add(ref a1, i) = TOps.Fnma(u1, yi, TOps.Fnma(s1, xi, Unsafe.Add(ref a1, i)));
                    Unsafe.Add(ref a2, i) = TOps.Fnma(u2, yi, TOps.Fnma(s2, xi, Unsafe.Add(ref a2, i)));
                    Unsafe.Add(ref a3, i) = TOps.Fnma(u3, yi, TOps.Fnma(s3, xi, Unsafe.Add(ref a3, i)));
                }
            }
        }
    }
}
