using System.Runtime.CompilerServices;

namespace OrthoProj.Cpu.Batched;

internal static partial class Lanes<T, TV, TOps>
{
    /// <summary>Applying Q and Q^T from a group's stored reflectors (the seam's Ormqr), and Q formed (Orgqr).</summary>
    internal static class Reflectors
    {
        /// <summary>x := Q^T x = H_(n-1) ... H_0 x for x of length m.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ApplyQt(ref TV f, ref TV tau, int m, int n, ref TV x)
        {
            for (int k = 0; k < n; k++)
            {
                Householder.ApplyReflector(ref Unsafe.Add(ref f, k * m), Unsafe.Add(ref tau, k), k, m, ref x);
            }
        }

        /// <summary>x := Q x = H_0 ... H_(n-1) x for x of length m.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ApplyQ(ref TV f, ref TV tau, int m, int n, ref TV x)
        {
            for (int k = n - 1; k >= 0; k--)
            {
                Householder.ApplyReflector(ref Unsafe.Add(ref f, k * m), Unsafe.Add(ref tau, k), k, m, ref x);
            }
        }

        /// <summary>x := Q^T x and z := Q^T z in one sweep over the reflectors.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ApplyQt2(ref TV f, ref TV tau, int m, int n, ref TV x, ref TV z)
        {
            for (int k = 0; k < n; k++)
            {
                ApplyReflector2(ref Unsafe.Add(ref f, k * m), Unsafe.Add(ref tau, k), k, m, ref x, ref z);
            }
        }

        /// <summary>x := Q x and z := Q z in one sweep over the reflectors.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ApplyQ2(ref TV f, ref TV tau, int m, int n, ref TV x, ref TV z)
        {
            for (int k = n - 1; k >= 0; k--)
            {
                ApplyReflector2(ref Unsafe.Add(ref f, k * m), Unsafe.Add(ref tau, k), k, m, ref x, ref z);
            }
        }

        /// <summary>One reflector on two vectors: each load of v feeds both, and four chains run at once.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void ApplyReflector2(ref TV v, TV t, int k, int m, ref TV x, ref TV z)
        {
            TV sx = Unsafe.Add(ref x, k), sz = Unsafe.Add(ref z, k), sx1 = TOps.Zero, sz1 = TOps.Zero;
            int i = k + 1;
            for (; i + 2 <= m; i += 2)
            {
                TV v0 = Unsafe.Add(ref v, i), v1 = Unsafe.Add(ref v, i + 1);
                sx = TOps.Fma(v0, Unsafe.Add(ref x, i), sx);
                sz = TOps.Fma(v0, Unsafe.Add(ref z, i), sz);
                sx1 = TOps.Fma(v1, Unsafe.Add(ref x, i + 1), sx1);
                sz1 = TOps.Fma(v1, Unsafe.Add(ref z, i + 1), sz1);
            }

            if (i < m)
            {
                TV v0 = Unsafe.Add(ref v, i);
                sx = TOps.Fma(v0, Unsafe.Add(ref x, i), sx);
                sz = TOps.Fma(v0, Unsafe.Add(ref z, i), sz);
            }

            sx = TOps.Mul(TOps.Add(sx, sx1), t);
            sz = TOps.Mul(TOps.Add(sz, sz1), t);
            Unsafe.Add(ref x, k) = TOps.Sub(Unsafe.Add(ref x, k), sx);
            Unsafe.Add(ref z, k) = TOps.Sub(Unsafe.Add(ref z, k), sz);
            for (i = k + 1; i < m; i++)
            {
                TV vi = Unsafe.Add(ref v, i);
                Unsafe.Add(ref x, i) = TOps.Fnma(sx, vi, Unsafe.Add(ref x, i));
                Unsafe.Add(ref z, i) = TOps.Fnma(sz, vi, Unsafe.Add(ref z, i));
            }
        }

        /// <summary>
        /// The first <paramref name="columns"/> columns of Q = H_0 ... H_(n-1) (m x columns, n &lt;= columns
        /// &lt;= m): column j = Q e_j = H_0 ... H_min(j, n-1) e_j (H_k with k &gt; j leaves e_j as it is, v_k being
        /// zero above row k). Left-looking, as <see cref="Lanes{T, TV, TOps}.Householder.Geqrf"/>: a block of four columns of [I; 0]
        /// stays in L1 while the reflectors H_k, k from the block's last column down to 0, stream past
        /// (<see cref="Lanes{T, TV, TOps}.Householder.ApplyToColumns"/>; on a column j &lt; k, H_k is an exact no-op). The values are org2r's.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void FormQ(ref TV f, ref TV tau, int m, int n, int columns, ref TV q)
        {
            TV one = TOps.Broadcast(T.One);
            Products.Clear(ref q, m * columns);
            for (int j = 0; j < columns; j++)
            {
                Unsafe.Add(ref q, (j * m) + j) = one;
            }

            for (int jb = 0; jb < columns; jb += 4)
            {
                int je = Math.Min(jb + 4, columns);
                int k = Math.Min(je, n) - 1;
                if (je - jb == 4)
                {
                    for (; k >= 1; k -= 2)
                    {
                        ApplyPairDownToFourColumns(ref f, ref tau, k, m, ref Unsafe.Add(ref q, jb * m));
                    }
                }

                for (; k >= 0; k--)
                {
                    Householder.ApplyToColumns(ref q, ref Unsafe.Add(ref f, k * m), Unsafe.Add(ref tau, k), k, m, jb, je);
                }
            }
        }

        /// <summary>
        /// a := H_(k-1) H_k a for four columns (from <paramref name="a0"/>, stride m), in one sweep: with
        /// v = v_k, u = v_(k-1) (ones at rows k and k-1, zeros above), s = v . a, w = u . a and c = u . v,
        /// H_k a = a - sk v with sk = tau_k s, and u . (H_k a) = w - sk c: both dot products from one pass,
        /// both updates from a second (the mirror of <see cref="Lanes{T, TV, TOps}.Householder.ApplyPairToFourColumns"/>, for Q = H_0 ... H_(n-1)).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void ApplyPairDownToFourColumns(ref TV f, ref TV tau, int k, int m, ref TV a0)
        {
            int l = k - 1;
            ref TV v = ref Unsafe.Add(ref f, k * m);
            ref TV u = ref Unsafe.Add(ref f, l * m);
            ref TV a1 = ref Unsafe.Add(ref a0, m);
            ref TV a2 = ref Unsafe.Add(ref a1, m);
            ref TV a3 = ref Unsafe.Add(ref a2, m);
            TV tk = Unsafe.Add(ref tau, k), tl = Unsafe.Add(ref tau, l);
            TV uk = Unsafe.Add(ref u, k);
            TV c = uk;
            TV s0 = Unsafe.Add(ref a0, k), s1 = Unsafe.Add(ref a1, k), s2 = Unsafe.Add(ref a2, k), s3 = Unsafe.Add(ref a3, k);
            TV w0 = TOps.Fma(uk, s0, Unsafe.Add(ref a0, l)), w1 = TOps.Fma(uk, s1, Unsafe.Add(ref a1, l));
            TV w2 = TOps.Fma(uk, s2, Unsafe.Add(ref a2, l)), w3 = TOps.Fma(uk, s3, Unsafe.Add(ref a3, l));
            var pair = new Householder.PairSums(c, s0, s1, s2, s3, w0, w1, w2, w3);
            pair.Dots(ref v, ref u, k + 1, m, ref a0);
            pair.Scale(tk, tl);
            (s0, s1, s2, s3) = (pair.S0, pair.S1, pair.S2, pair.S3);
            (w0, w1, w2, w3) = (pair.U0, pair.U1, pair.U2, pair.U3);

            // a -= sk v + sl u: row l has u only, row k both (v_k = 1, u_k), below both.
            Unsafe.Add(ref a0, l) = TOps.Sub(Unsafe.Add(ref a0, l), w0);
            Unsafe.Add(ref a1, l) = TOps.Sub(Unsafe.Add(ref a1, l), w1);
            Unsafe.Add(ref a2, l) = TOps.Sub(Unsafe.Add(ref a2, l), w2);
            Unsafe.Add(ref a3, l) = TOps.Sub(Unsafe.Add(ref a3, l), w3);
            Unsafe.Add(ref a0, k) = TOps.Fnma(w0, uk, TOps.Sub(Unsafe.Add(ref a0, k), s0));
            Unsafe.Add(ref a1, k) = TOps.Fnma(w1, uk, TOps.Sub(Unsafe.Add(ref a1, k), s1));
            Unsafe.Add(ref a2, k) = TOps.Fnma(w2, uk, TOps.Sub(Unsafe.Add(ref a2, k), s2));
            Unsafe.Add(ref a3, k) = TOps.Fnma(w3, uk, TOps.Sub(Unsafe.Add(ref a3, k), s3));
            pair.Update(ref v, ref u, k + 1, m, ref a0);
        }

        /// <summary>x := P x = Q [(Q^T x)[0..n); 0], the basis's Times(TransposeTimes(x)) on one column.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Project(ref TV f, ref TV tau, int m, int n, ref TV x)
        {
            ApplyQt(ref f, ref tau, m, n, ref x);
            Products.Clear(ref Unsafe.Add(ref x, n), m - n);
            ApplyQ(ref f, ref tau, m, n, ref x);
        }

        /// <summary>x := (I - P) x = Q [0; (Q^T x)[n..m)]: two orthogonal transformations, no cancellation.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Complement(ref TV f, ref TV tau, int m, int n, ref TV x)
        {
            ApplyQt(ref f, ref tau, m, n, ref x);
            Products.Clear(ref x, n);
            ApplyQ(ref f, ref tau, m, n, ref x);
        }
    }
}
