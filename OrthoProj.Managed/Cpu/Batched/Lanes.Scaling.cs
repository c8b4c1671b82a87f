using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrthoProj.Cpu.Batched;

internal static partial class Lanes<T, TV, TOps>
{
    /// <summary>
    /// The power-of-two scaling policy (<see cref="PowerOfTwoScaling"/>) in the lanes: each lane's matrix
    /// scaled to unit magnitude (the seam's ScaleToUnit), its exponent read back, and results scaled by
    /// 2^s per lane (the seam's ScaleByPowerOfTwo), all exact but for subnormal results.
    /// </summary>
    internal static class Scaling
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
        public static void ScaleToUnit(ref TV a, int length, ref TV up)
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

        /// <summary>The exponent e of each lane from <see cref="ScaleToUnit"/>'s 2^e = up[0] up[1].</summary>
        public static void Exponents(ref TV up, Span<int> e, int sign = 1)
        {
            ReadOnlySpan<T> u = MemoryMarshal.Cast<TV, T>(MemoryMarshal.CreateReadOnlySpan(ref up, 2));
            for (int lane = 0; lane < e.Length; lane++)
            {
                e[lane] = sign * (T.ILogB(u[lane]) + T.ILogB(u[e.Length + lane]));
            }
        }

        /// <summary>s[lane] = a e[lane] + b f[lane] per lane: the exponent of a result scaled back (the seam's ScaleByPowerOfTwo(x, e, a, f, b)).</summary>
        public static void Combine(ReadOnlySpan<int> e, int a, ReadOnlySpan<int> f, int b, Span<int> s)
        {
            for (int lane = 0; lane < s.Length; lane++)
            {
                s[lane] = (a * e[lane]) + (b * f[lane]);
            }
        }

        /// <summary>
        /// x[0..length) of lane l times 2^s[l], each element rounded once, bit for bit as
        /// <see cref="PowerOfTwoScaling.Scale{T}"/> on that lane's matrix: one multiply by 2^s where |s| &lt;= 126
        /// (float) or 1022 (double), which the lanes do together; T.ScaleB element by element beyond (subnormal
        /// scales), lane by lane.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ScaleByPowerOfTwo(ref TV x, int length, ReadOnlySpan<int> s)
        {
            int w = TOps.Width;
            int limit = typeof(T) == typeof(float) ? 126 : 1022;
            Span<T> factors = stackalloc T[w];
            bool multiply = false, wide = false;
            for (int lane = 0; lane < w; lane++)
            {
                int e = s[lane];
                bool near = Math.Abs(e) <= limit;
                factors[lane] = near ? PowerOfTwoScaling.Pow2<T>(e) : T.One;
                multiply |= near && e != 0;
                wide |= !near;
            }

            if (multiply)
            {
                TV fv = Unsafe.ReadUnaligned<TV>(ref Unsafe.As<T, byte>(ref factors[0]));
                for (int i = 0; i < length; i++)
                {
                    Unsafe.Add(ref x, i) = TOps.Mul(Unsafe.Add(ref x, i), fv);
                }
            }

            if (wide)
            {
                ref T xt = ref Unsafe.As<TV, T>(ref x);
                for (int lane = 0; lane < w; lane++)
                {
                    if (Math.Abs(s[lane]) > limit)
                    {
                        for (int i = 0; i < length; i++)
                        {
                            ref T xi = ref Unsafe.Add(ref xt, (i * w) + lane);
                            xi = T.ScaleB(xi, s[lane]);
                        }
                    }
                }
            }
        }

        /// <summary>x[0..len) *= 2^e = up[0] up[1], in two exact steps (see <see cref="ScaleToUnit"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void ScaleUp(ref TV up, int length, ref TV x)
        {
            TV u0 = up, u1 = Unsafe.Add(ref up, 1);
            for (int i = 0; i < length; i++)
            {
                Unsafe.Add(ref x, i) = TOps.Mul(TOps.Mul(Unsafe.Add(ref x, i), u0), u1);
            }
        }

        /// <summary>
        /// Per lane, f with the larger of max |gq| and max |2^-e gr| in [1, 2) (IBatchOps.ScaleToUnit(a, b, s)'s
        /// rule): f = -max(ilogb(max |gq|), ilogb(max |gr|) - e), 0 when both are zero.
        /// </summary>
        public static void JointUnitExponents(Span<TV> gq, Span<TV> gr, ReadOnlySpan<int> e, Span<int> f)
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
        public static TV MaxMagnitude(Span<TV> x)
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

        /// <summary>double.CreateTruncating without the generic conversion call (it does not inline).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double ToDouble(T value) =>
            typeof(T) == typeof(float) ? Unsafe.As<T, float>(ref value) : Unsafe.As<T, double>(ref value);
    }
}
