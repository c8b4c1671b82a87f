using System.Runtime.CompilerServices;

namespace OrthoProj.Cpu.Batched;

internal static partial class Lanes<T, TV, TOps>
{
    /// <summary>Triangular solves with a group's R (the seam's SolveUpper), from the left and from the right.</summary>
    internal static class Triangular
    {
        /// <summary>
        /// x[0..n) := R^-1 x[0..n) = 2^e R'^-1 x[0..n) (back substitution, column oriented), with
        /// 2^e = up[0] up[1] (<see cref="Lanes{T, TV, TOps}.Scaling.ScaleToUnit"/>).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void SolveR(ref TV f, ref TV rinv, ref TV up, int m, int n, ref TV x)
        {
            SolveScaledR(ref f, ref rinv, m, n, ref x);
            Scaling.ScaleUp(ref up, n, ref x);
        }

        /// <summary>x[0..n) := R'^-1 x[0..n), in the units of the scaled factor (back substitution, column oriented).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void SolveScaledR(ref TV f, ref TV rinv, int m, int n, ref TV x)
        {
            for (int i = n - 1; i >= 0; i--)
            {
                TV xi = TOps.Mul(Unsafe.Add(ref x, i), Unsafe.Add(ref rinv, i));
                Unsafe.Add(ref x, i) = xi;
                ref TV col = ref Unsafe.Add(ref f, i * m);
                for (int r = 0; r < i; r++)
                {
                    Unsafe.Add(ref x, r) = TOps.Fnma(Unsafe.Add(ref col, r), xi, Unsafe.Add(ref x, r));
                }
            }
        }

        /// <summary>x[0..n) := R^-T x[0..n) = 2^e R'^-T x[0..n) (forward substitution, dot oriented).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void SolveRT(ref TV f, ref TV rinv, ref TV up, int m, int n, ref TV x)
        {
            for (int i = 0; i < n; i++)
            {
                ref TV col = ref Unsafe.Add(ref f, i * m);
                TV s = Unsafe.Add(ref x, i);
                for (int j = 0; j < i; j++)
                {
                    s = TOps.Fnma(Unsafe.Add(ref col, j), Unsafe.Add(ref x, j), s);
                }

                Unsafe.Add(ref x, i) = TOps.Mul(s, Unsafe.Add(ref rinv, i));
            }

            Scaling.ScaleUp(ref up, n, ref x);
        }

        /// <summary>rinv[j] = 1 / R_jj for R n x n with leading dimension <paramref name="ld"/>.</summary>
        public static void Reciprocals(ref TV r, int ld, int n, ref TV rinv)
        {
            TV one = TOps.Broadcast(T.One);
            for (int j = 0; j < n; j++)
            {
                Unsafe.Add(ref rinv, j) = TOps.Div(one, Unsafe.Add(ref r, (j * ld) + j));
            }
        }

        /// <summary>
        /// C := C R^-T for C m x n (leading dimension m) and R upper triangular (leading dimension <paramref name="ld"/>,
        /// only its upper triangle read, 1 / R_jj in <paramref name="rinv"/>): X R^T = C solved for X column by
        /// column from the last, X[:, j] = (C[:, j] - sum_(l &gt; j) R_jl X[:, l]) / R_jj, four l at a time.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void SolveUpperTransposeRight(ref TV r, int ld, ref TV rinv, int m, int n, ref TV c)
        {
            for (int j = n - 1; j >= 0; j--)
            {
                ref TV cj = ref Unsafe.Add(ref c, j * m);
                int l = j + 1;
                for (; l + 4 <= n; l += 4)
                {
                    ref TV x0 = ref Unsafe.Add(ref c, l * m);
                    ref TV x1 = ref Unsafe.Add(ref x0, m);
                    ref TV x2 = ref Unsafe.Add(ref x1, m);
                    ref TV x3 = ref Unsafe.Add(ref x2, m);
                    TV r0 = Unsafe.Add(ref r, (l * ld) + j), r1 = Unsafe.Add(ref r, ((l + 1) * ld) + j);
                    TV r2 = Unsafe.Add(ref r, ((l + 2) * ld) + j), r3 = Unsafe.Add(ref r, ((l + 3) * ld) + j);
                    for (int k = 0; k < m; k++)
                    {
                        TV s = TOps.Fnma(r0, Unsafe.Add(ref x0, k), Unsafe.Add(ref cj, k));
                        s = TOps.Fnma(r1, Unsafe.Add(ref x1, k), s);
                        s = TOps.Fnma(r2, Unsafe.Add(ref x2, k), s);
                        Unsafe.Add(ref cj, k) = TOps.Fnma(r3, Unsafe.Add(ref x3, k), s);
                    }
                }

                for (; l < n; l++)
                {
                    ref TV xl = ref Unsafe.Add(ref c, l * m);
                    TV rjl = Unsafe.Add(ref r, (l * ld) + j);
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
}
