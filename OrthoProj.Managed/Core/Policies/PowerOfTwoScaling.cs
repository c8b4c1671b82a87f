using System.Runtime.CompilerServices;

namespace OrthoProj;

/// <summary>
/// The one scaling policy of OrthoProj: before a matrix is factored it is multiplied by 2^e, with e
/// chosen so that its largest magnitude lies in [1, 2). A power of two changes no significand bit,
/// so the scaled matrix is exactly s A and every factor of it is the factor of A times a known
/// power of two (Q and U unchanged; R' = s R; S' = s S; A'+ = A+ / s). The factorization then never
/// sees overflowing column norms (|A| near the top of the range) nor underflowing or subnormal
/// intermediates (|A| near the bottom), and the results are scaled back exactly, so that a result
/// is correct wherever it is representable and +-Inf or 0 only where the true value is not.
/// </summary>
/// <remarks>
/// Every path applies it: the batched projector (<c>Core/Projection</c>), QR and pinv on every
/// backend, the SIMD lanes and the fused CUDA kernels (each lane or warp computes the same exponent
/// with <see cref="Exponent{T}(ReadOnlySpan{T})"/>'s rule). The rank rule compares the scaled
/// factor's diagonal or singular values against <c>atol * s</c> and <c>rtol * max</c>, which is the
/// unscaled rule exactly.
/// </remarks>
internal static class PowerOfTwoScaling
{
    /// <summary>
    /// The exponent e with 2^e max|x| in [1, 2), or 0 when x is all zeros; for complex elements
    /// max(|Re|, |Im|) stands for |x|, so that 2^e x has both parts below 2. Non-finite values have
    /// been rejected before (the argument checks), so the maximum is finite.
    /// </summary>
    public static int Exponent<T>(ReadOnlySpan<T> x)
        where T : unmanaged, INumberBase<T>
    {
        int magnitude = MagnitudeOfMax(x);
        return magnitude == int.MinValue ? 0 : -magnitude;
    }

    /// <summary>
    /// ilogb of the largest real part or imaginary part of x in magnitude, or int.MinValue when x is
    /// all zeros (empty included): the exponent <see cref="Exponent{T}"/> negates.
    /// </summary>
    public static int MagnitudeOfMax<T>(ReadOnlySpan<T> x)
        where T : unmanaged, INumberBase<T>
    {
        double max = Element<T>.IsSingle ? MaxMagnitude(Element<T>.Singles(x)) : MaxMagnitude(Element<T>.Doubles(x));
        return max == 0 ? int.MinValue : double.ILogB(max);
    }

    /// <summary>max |x_i| of a finite real x (0 for an empty or all-zero x), a vector at a time.</summary>
    public static T MaxMagnitude<T>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        Vector<T> vmax = Vector<T>.Zero;
        for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            vmax = Vector.Max(vmax, Vector.Abs(new Vector<T>(x[i..])));
        }

        T max = T.Zero;
        for (int l = 0; l < Vector<T>.Count; l++)
        {
            max = T.Max(max, vmax[l]);
        }

        for (; i < x.Length; i++)
        {
            max = T.Max(max, T.Abs(x[i]));
        }

        return max;
    }

    /// <summary>The exponent e with 2^e max in [1, 2), or 0 when max is 0.</summary>
    public static int ExponentOfMax<T>(T max)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        max == T.Zero ? 0 : -T.ILogB(max);

    /// <summary>
    /// 2^e as T, built from its bits where 2^e is a normal number (T.ScaleB is a general routine, too
    /// slow for the per-lane exponents of the SIMD engine); subnormal and out-of-range powers by ScaleB.
    /// </summary>
    public static T Pow2<T>(int e)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && e is >= -126 and <= 127)
        {
            float f = BitConverter.Int32BitsToSingle((e + 127) << 23);
            return Unsafe.As<float, T>(ref f);
        }

        if (typeof(T) == typeof(double) && e is >= -1022 and <= 1023)
        {
            double d = BitConverter.Int64BitsToDouble((long)(e + 1023) << 52);
            return Unsafe.As<double, T>(ref d);
        }

        return T.ScaleB(T.One, e);
    }

    /// <summary>
    /// result = 2^e x (x may be result), exactly up to overflow or underflow of the result itself;
    /// a complex element has both parts scaled.
    /// </summary>
    public static void Scale<T>(ReadOnlySpan<T> x, Span<T> result, int e)
        where T : unmanaged, INumberBase<T>
    {
        if (Element<T>.IsSingle)
        {
            ScaleReals(Element<T>.Singles(x), Element<T>.Singles(result), e);
        }
        else
        {
            ScaleReals(Element<T>.Doubles(x), Element<T>.Doubles(result), e);
        }
    }

    /// <summary><see cref="Scale{T}"/> on real numbers.</summary>
    private static void ScaleReals<T>(ReadOnlySpan<T> x, Span<T> result, int e)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (e == 0)
        {
            x.CopyTo(result);
            return;
        }

        // 2^e is itself representable for |e| <= 126 in float (1022 in double): one multiply per
        // element, vectorized by the JIT. Beyond (subnormal inputs), ScaleB keeps it exact.
        int limit = typeof(T) == typeof(float) ? 126 : 1022;
        if (Math.Abs(e) <= limit)
        {
            T factor = Pow2<T>(e);
            int i = 0;
            for (Vector<T> f = new(factor); i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                (new Vector<T>(x[i..]) * f).CopyTo(result[i..]);
            }

            for (; i < x.Length; i++)
            {
                result[i] = x[i] * factor;
            }

            return;
        }

        for (int i = 0; i < x.Length; i++)
        {
            result[i] = T.ScaleB(x[i], e);
        }
    }

    /// <summary>result = 2^e x at unit magnitude (x may be result); returns the exponent applied.</summary>
    public static int ScaleToUnit<T>(ReadOnlySpan<T> x, Span<T> result)
        where T : unmanaged, INumberBase<T>
    {
        int e = Exponent(x);
        Scale(x, result, e);
        return e;
    }
}
