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
        /// transposed where ta / tb. Two rows by two columns at a time: four loads feed four independent
        /// fused multiply-adds.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Gemm(bool ta, bool tb, int rows, int cols, int inner, ref TV a, int lda, ref TV b, int ldb, ref TV c, bool negate, bool accumulate)
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
