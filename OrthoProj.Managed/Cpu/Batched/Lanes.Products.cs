using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrthoProj.Cpu.Batched;

internal static partial class Lanes<T, TV, TOps>
{
    /// <summary>Small register-blocked products over lane vectors (the seam's Gemm, Axpy, Copy and Transpose, in the lanes).</summary>
    internal static class Products
    {
        /// <summary>
        /// C (rows x cols, leading dimension rows) = [+-] op(A) op(B) [+ C], over lane vectors; op(A) is
        /// rows x inner, op(B) inner x cols, each stored column-major with leading dimension lda / ldb and
        /// transposed where ta / tb. Four rows by two columns at a time: six loads feed eight independent
        /// fused multiply-adds (two by two took four loads for four, and the loads, not the FMA units,
        /// set the pace on two load ports).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Gemm(bool ta, bool tb, int rows, int cols, int inner, ref TV a, int lda, ref TV b, int ldb, ref TV c, bool negate, bool accumulate)
        {
            nint ai = ta ? lda : 1, ak = ta ? 1 : lda, bk = tb ? ldb : 1, bj = tb ? 1 : ldb;
            for (int j = 0; j < cols; j += 2)
            {
                int j1 = Math.Min(j + 1, cols - 1);
                ref TV b0 = ref Unsafe.Add(ref b, j * bj);
                ref TV b1 = ref Unsafe.Add(ref b, j1 * bj);
                for (int i = 0; i < rows; i += 4)
                {
                    // Rows and columns past the end repeat the last one: computed twice, stored once.
                    ref TV a0 = ref Unsafe.Add(ref a, i * ai);
                    ref TV a1 = ref Unsafe.Add(ref a, Math.Min(i + 1, rows - 1) * ai);
                    ref TV a2 = ref Unsafe.Add(ref a, Math.Min(i + 2, rows - 1) * ai);
                    ref TV a3 = ref Unsafe.Add(ref a, Math.Min(i + 3, rows - 1) * ai);
                    TV s00 = TOps.Zero, s10 = TOps.Zero, s20 = TOps.Zero, s30 = TOps.Zero;
                    TV s01 = TOps.Zero, s11 = TOps.Zero, s21 = TOps.Zero, s31 = TOps.Zero;
                    for (int k = 0; k < inner; k++)
                    {
                        nint ka = k * ak, kb = k * bk;
                        TV y0 = Unsafe.Add(ref b0, kb), y1 = Unsafe.Add(ref b1, kb);
                        TV x0 = Unsafe.Add(ref a0, ka), x1 = Unsafe.Add(ref a1, ka);
                        s00 = TOps.Fma(x0, y0, s00);
                        s01 = TOps.Fma(x0, y1, s01);
                        s10 = TOps.Fma(x1, y0, s10);
                        s11 = TOps.Fma(x1, y1, s11);
                        TV x2 = Unsafe.Add(ref a2, ka), x3 = Unsafe.Add(ref a3, ka);
                        s20 = TOps.Fma(x2, y0, s20);
                        s21 = TOps.Fma(x2, y1, s21);
                        s30 = TOps.Fma(x3, y0, s30);
                        s31 = TOps.Fma(x3, y1, s31);
                    }

                    StoreRows(ref Unsafe.Add(ref c, i + (j * rows)), rows - i, s00, s10, s20, s30, negate, accumulate);
                    if (j1 != j)
                    {
                        StoreRows(ref Unsafe.Add(ref c, i + (j1 * rows)), rows - i, s01, s11, s21, s31, negate, accumulate);
                    }
                }
            }
        }

        /// <summary>Stores the first min(4, <paramref name="left"/>) of four consecutive elements of a column.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreRows(ref TV c, int left, TV s0, TV s1, TV s2, TV s3, bool negate, bool accumulate)
        {
            Store(ref c, s0, negate, accumulate);
            if (left > 1)
            {
                Store(ref Unsafe.Add(ref c, 1), s1, negate, accumulate);
            }

            if (left > 2)
            {
                Store(ref Unsafe.Add(ref c, 2), s2, negate, accumulate);
            }

            if (left > 3)
            {
                Store(ref Unsafe.Add(ref c, 3), s3, negate, accumulate);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(ref TV c, TV s, bool negate, bool accumulate)
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

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Copy(ref TV src, ref TV dst, int length) =>
            MemoryMarshal.CreateReadOnlySpan(ref src, length).CopyTo(MemoryMarshal.CreateSpan(ref dst, length));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Clear(ref TV dst, int length) => MemoryMarshal.CreateSpan(ref dst, length).Clear();

        /// <summary>P = U U^T (m x m) for U m x n, column l of P from row l of U.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void OuterGram(ref TV u, int m, int n, Span<TV> p)
        {
            p.Clear();
            for (int l = 0; l < m; l++)
            {
                ref TV pl = ref p[l * m];
                for (int j = 0; j < n; j++)
                {
                    ref TV uj = ref Unsafe.Add(ref u, j * m);
                    TV ulj = Unsafe.Add(ref uj, l);
                    for (int i = 0; i < m; i++)
                    {
                        Unsafe.Add(ref pl, i) = TOps.Fma(Unsafe.Add(ref uj, i), ulj, Unsafe.Add(ref pl, i));
                    }
                }
            }
        }

        /// <summary>
        /// gA (m x n) += a b^T + c d^T for one column each (a, c of length m; b, d of length n): the rank-2p
        /// product of the backward, accumulated column by column; the <paramref name="first"/> writes gA without reading it.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void RankTwo(ref TV a, ref TV b, ref TV c, ref TV d, int m, int n, ref TV ga, bool first)
        {
            for (int j = 0; j < n; j++)
            {
                ref TV gaj = ref Unsafe.Add(ref ga, j * m);
                TV bj = Unsafe.Add(ref b, j);
                TV dj = Unsafe.Add(ref d, j);
                if (first)
                {
                    for (int i = 0; i < m; i++)
                    {
                        Unsafe.Add(ref gaj, i) = TOps.Fma(Unsafe.Add(ref a, i), bj, TOps.Mul(Unsafe.Add(ref c, i), dj));
                    }
                }
                else
                {
                    for (int i = 0; i < m; i++)
                    {
                        Unsafe.Add(ref gaj, i) = TOps.Fma(Unsafe.Add(ref a, i), bj, TOps.Fma(Unsafe.Add(ref c, i), dj, Unsafe.Add(ref gaj, i)));
                    }
                }
            }
        }

        /// <summary>dst (cols x rows) = src^T for src rows x cols.</summary>
        public static void Transpose(Span<TV> src, int rows, int cols, Span<TV> dst)
        {
            for (int j = 0; j < rows; j++)
            {
                for (int i = 0; i < cols; i++)
                {
                    dst[(j * cols) + i] = src[(i * rows) + j];
                }
            }
        }

        /// <summary>X -= I for X n x n.</summary>
        public static void SubtractIdentity(ref TV x, int n)
        {
            TV one = TOps.Broadcast(T.One);
            for (int j = 0; j < n; j++)
            {
                ref TV d = ref Unsafe.Add(ref x, j * (n + 1));
                d = TOps.Sub(d, one);
            }
        }

        /// <summary>y += x.</summary>
        public static void Axpy(Span<TV> x, Span<TV> y)
        {
            for (int i = 0; i < y.Length; i++)
            {
                y[i] = TOps.Add(y[i], x[i]);
            }
        }

        /// <summary>dst = a - b over <paramref name="length"/> vectors.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Difference(ref TV a, ref TV b, int length, ref TV dst)
        {
            for (int i = 0; i < length; i++)
            {
                Unsafe.Add(ref dst, i) = TOps.Sub(Unsafe.Add(ref a, i), Unsafe.Add(ref b, i));
            }
        }

        /// <summary>x = -x over <paramref name="length"/> vectors, or dst = -x.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Negate(ref TV x, int length, ref TV dst)
        {
            for (int j = 0; j < length; j++)
            {
                Unsafe.Add(ref dst, j) = TOps.Neg(Unsafe.Add(ref x, j));
            }
        }
    }
}
