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
    /// The exponent e with 2^e max|x| in [1, 2), or 0 when x is all zeros. Non-finite values have
    /// been rejected before (the argument checks), so the maximum is finite.
    /// </summary>
    public static int Exponent<T>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = T.Zero;
        foreach (T v in x)
        {
            max = T.MaxMagnitudeNumber(max, v);
        }

        return ExponentOfMax(T.Abs(max));
    }

    /// <summary>The exponent e with 2^e max in [1, 2), or 0 when max is 0.</summary>
    public static int ExponentOfMax<T>(T max)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        max == T.Zero ? 0 : -T.ILogB(max);

    /// <summary>x = 2^e x, exactly (up to overflow or underflow of the result itself).</summary>
    public static void Scale<T>(Span<T> x, int e)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (e == 0)
        {
            return;
        }

        // 2^e is itself representable for |e| <= 126 in float (1022 in double): one multiply per
        // element, vectorized by the JIT. Beyond (subnormal inputs), ScaleB keeps it exact.
        int limit = typeof(T) == typeof(float) ? 126 : 1022;
        if (Math.Abs(e) <= limit)
        {
            T factor = T.ScaleB(T.One, e);
            for (int i = 0; i < x.Length; i++)
            {
                x[i] *= factor;
            }

            return;
        }

        for (int i = 0; i < x.Length; i++)
        {
            x[i] = T.ScaleB(x[i], e);
        }
    }

    /// <summary>Scales x to unit magnitude in place and returns the exponent applied.</summary>
    public static int ScaleToUnit<T>(Span<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int e = Exponent<T>(x);
        Scale(x, e);
        return e;
    }
}
