using System.Runtime.CompilerServices;

namespace OrthoProj.Cpu.Batched;

internal static partial class Lanes<T, TV, TOps>
{
    /// <summary>
    /// The products with a symmetric or triangular result that QR's backward and the projector's Matrix
    /// backward need, register-blocked over lane vectors (the seam's Gemm into one triangle, and MirrorUpper).
    /// </summary>
    internal static class Symmetric
    {
        /// <summary>
        /// The upper triangle of S (n x n) = -Q^T G for Q and G m x n: four rows of S at a time sharing the
        /// loads of G's column.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void MinusTransposeTimesUpper(ref TV q, ref TV g, int m, int n, ref TV s)
        {
            for (int j = 0; j < n; j++)
            {
                ref TV sj = ref Unsafe.Add(ref s, j * n);
                ref TV gj = ref Unsafe.Add(ref g, j * m);
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
                        TV x = Unsafe.Add(ref gj, k);
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
                    Unsafe.Add(ref sj, i) = TOps.Neg(Dot(ref Unsafe.Add(ref q, i * m), ref gj, m));
                }
            }
        }

        /// <summary>a . b over <paramref name="m"/> vectors, in two chains.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TV Dot(ref TV a, ref TV b, int m)
        {
            TV a0 = TOps.Zero, a1 = TOps.Zero;
            int k = 0;
            for (; k + 2 <= m; k += 2)
            {
                a0 = TOps.Fma(Unsafe.Add(ref a, k), Unsafe.Add(ref b, k), a0);
                a1 = TOps.Fma(Unsafe.Add(ref a, k + 1), Unsafe.Add(ref b, k + 1), a1);
            }

            if (k < m)
            {
                a0 = TOps.Fma(Unsafe.Add(ref a, k), Unsafe.Add(ref b, k), a0);
            }

            return TOps.Add(a0, a1);
        }

        /// <summary>The upper triangle of S (n x n) += G R^T for G and R n x n: S_ij += sum_l G_il R_jl, every l.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void AddTimesTransposeUpper(ref TV g, ref TV r, int n, ref TV s)
        {
            for (int j = 0; j < n; j++)
            {
                ref TV sj = ref Unsafe.Add(ref s, j * n);
                for (int l = 0; l < n; l++)
                {
                    TV rjl = Unsafe.Add(ref r, (l * n) + j);
                    ref TV gl = ref Unsafe.Add(ref g, l * n);
                    for (int i = 0; i <= j; i++)
                    {
                        Unsafe.Add(ref sj, i) = TOps.Fma(Unsafe.Add(ref gl, i), rjl, Unsafe.Add(ref sj, i));
                    }
                }
            }
        }

        /// <summary>S's upper triangle mirrored to the lower (the diagonal kept once): S_ji = S_ij for i &lt; j.</summary>
        public static void MirrorUpper(ref TV s, int n)
        {
            for (int j = 0; j < n; j++)
            {
                for (int i = 0; i < j; i++)
                {
                    Unsafe.Add(ref s, (i * n) + j) = Unsafe.Add(ref s, (j * n) + i);
                }
            }
        }

        /// <summary>C (m x n) += Q S for Q m x n and S n x n: column j += sum_l Q[:, l] S_lj, four l at a time.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void AddTimes(ref TV q, ref TV s, int m, int n, ref TV c)
        {
            for (int j = 0; j < n; j++)
            {
                ref TV cj = ref Unsafe.Add(ref c, j * m);
                ref TV sj = ref Unsafe.Add(ref s, j * n);
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
                        TV x = TOps.Fma(Unsafe.Add(ref q0, k), s0, Unsafe.Add(ref cj, k));
                        x = TOps.Fma(Unsafe.Add(ref q1, k), s1, x);
                        x = TOps.Fma(Unsafe.Add(ref q2, k), s2, x);
                        Unsafe.Add(ref cj, k) = TOps.Fma(Unsafe.Add(ref q3, k), s3, x);
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
        }

        /// <summary>
        /// t = (G + G^T) u for G m x m and u of length m, without forming G + G^T: (G^T u)_i is column i of
        /// G dotted with u, then G u is added column by column.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void SymmetricTimes(ref TV g, ref TV u, int m, ref TV t)
        {
            for (int i = 0; i < m; i++)
            {
                ref TV gcol = ref Unsafe.Add(ref g, i * m);
                TV acc = TOps.Zero;
                for (int k = 0; k < m; k++)
                {
                    acc = TOps.Fma(Unsafe.Add(ref gcol, k), Unsafe.Add(ref u, k), acc);
                }

                Unsafe.Add(ref t, i) = acc;
            }

            for (int k = 0; k < m; k++)
            {
                ref TV gcol = ref Unsafe.Add(ref g, k * m);
                TV uk = Unsafe.Add(ref u, k);
                for (int i = 0; i < m; i++)
                {
                    Unsafe.Add(ref t, i) = TOps.Fma(Unsafe.Add(ref gcol, i), uk, Unsafe.Add(ref t, i));
                }
            }
        }
    }
}
