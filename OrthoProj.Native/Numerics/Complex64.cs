using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace OrthoProj;

/// <summary>
/// A complex number of two single-precision parts, laid out as the real part followed by the
/// imaginary part: the layout of LAPACK's <c>complex</c>, cuBLAS's <c>cuComplex</c>, libtorch's
/// complex64 and Math.NET's <c>Complex32</c>, so that a span of either reinterprets as the other
/// without a copy (<see cref="MemoryMarshal.Cast{TFrom, TTo}(Span{TFrom})"/>).
/// </summary>
/// <remarks>
/// The base library has no single-precision complex type, and Math.NET's <c>Complex32</c> implements
/// none of .NET's generic-math interfaces, so it cannot be an element of a generic API whose
/// arithmetic is written as <c>T.One</c> and <c>T.Zero</c> (docs/complex.md section 1). This type
/// implements <see cref="INumberBase{TSelf}"/> as <see cref="Complex"/> does. Products and quotients
/// are formed in double precision and rounded once, so each part is the correctly rounded value of
/// the exact result's rounding in double (no intermediate overflow where the result is representable).
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public readonly struct Complex64 :
    INumberBase<Complex64>,
    ISignedNumber<Complex64>
{
    private readonly float real;
    private readonly float imaginary;

    /// <summary>Creates real + i imaginary.</summary>
    /// <param name="real">The real part.</param>
    /// <param name="imaginary">The imaginary part.</param>
    public Complex64(float real, float imaginary)
    {
        this.real = real;
        this.imaginary = imaginary;
    }

    /// <summary>0 + 0i.</summary>
    public static Complex64 Zero => default;

    /// <summary>1 + 0i.</summary>
    public static Complex64 One => new(1, 0);

    /// <summary>0 + 1i.</summary>
    public static Complex64 ImaginaryOne => new(0, 1);

    /// <summary>-1 + 0i.</summary>
    public static Complex64 NegativeOne => new(-1, 0);

    /// <inheritdoc/>
    public static int Radix => 2;

    /// <inheritdoc/>
    public static Complex64 AdditiveIdentity => Zero;

    /// <inheritdoc/>
    public static Complex64 MultiplicativeIdentity => One;

    /// <summary>The real part.</summary>
    public float Real => real;

    /// <summary>The imaginary part.</summary>
    public float Imaginary => imaginary;

    /// <summary>|z|, computed in double precision without overflow and rounded once.</summary>
    public float Magnitude => (float)((Complex)this).Magnitude;

    /// <summary>arg(z) in (-pi, pi].</summary>
    public float Phase => MathF.Atan2(imaginary, real);

    // ------------------------------------------------------------------ conversions

    /// <summary>A real number as a complex one.</summary>
    /// <param name="value">The real part.</param>
    public static implicit operator Complex64(float value) => new(value, 0);

    /// <summary>Widens both parts exactly.</summary>
    /// <param name="value">The single-precision number.</param>
    public static implicit operator Complex(Complex64 value) => new(value.real, value.imaginary);

    /// <summary>Rounds both parts to single precision (parts beyond its range become infinite).</summary>
    /// <param name="value">The double-precision number.</param>
    public static explicit operator Complex64(Complex value) => new((float)value.Real, (float)value.Imaginary);

    // ------------------------------------------------------------------ arithmetic

    /// <summary>The complex conjugate, real - i imaginary.</summary>
    /// <param name="value">z.</param>
    /// <returns>conj(z).</returns>
    public static Complex64 Conjugate(Complex64 value) => new(value.real, -value.imaginary);

    /// <summary>|z| as a real number (<see cref="Magnitude"/>).</summary>
    /// <param name="value">z.</param>
    /// <returns>|z|.</returns>
    public static float Abs(Complex64 value) => value.Magnitude;

    /// <inheritdoc/>
    static Complex64 INumberBase<Complex64>.Abs(Complex64 value) => new(value.Magnitude, 0);

    /// <inheritdoc/>
    public static Complex64 operator +(Complex64 left, Complex64 right) => new(left.real + right.real, left.imaginary + right.imaginary);

    /// <inheritdoc/>
    public static Complex64 operator -(Complex64 left, Complex64 right) => new(left.real - right.real, left.imaginary - right.imaginary);

    /// <inheritdoc/>
    public static Complex64 operator *(Complex64 left, Complex64 right) => (Complex64)((Complex)left * right);

    /// <inheritdoc/>
    public static Complex64 operator /(Complex64 left, Complex64 right) => (Complex64)((Complex)left / right);

    /// <inheritdoc/>
    public static Complex64 operator -(Complex64 value) => new(-value.real, -value.imaginary);

    /// <inheritdoc/>
    public static Complex64 operator +(Complex64 value) => value;

    /// <inheritdoc/>
    public static Complex64 operator ++(Complex64 value) => new(value.real + 1, value.imaginary);

    /// <inheritdoc/>
    public static Complex64 operator --(Complex64 value) => new(value.real - 1, value.imaginary);

    /// <inheritdoc/>
    public static bool operator ==(Complex64 left, Complex64 right) => left.real == right.real && left.imaginary == right.imaginary;

    /// <inheritdoc/>
    public static bool operator !=(Complex64 left, Complex64 right) => !(left == right);

    /// <inheritdoc/>
    public bool Equals(Complex64 other) => real.Equals(other.real) && imaginary.Equals(other.imaginary);

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is Complex64 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(real, imaginary);

    // ------------------------------------------------------------------ classification (as Complex classifies)

    /// <inheritdoc/>
    public static bool IsCanonical(Complex64 value) => true;

    /// <inheritdoc/>
    public static bool IsComplexNumber(Complex64 value) => value.real != 0 && value.imaginary != 0;

    /// <inheritdoc/>
    public static bool IsEvenInteger(Complex64 value) => value.imaginary == 0 && float.IsEvenInteger(value.real);

    /// <inheritdoc/>
    public static bool IsFinite(Complex64 value) => float.IsFinite(value.real) && float.IsFinite(value.imaginary);

    /// <inheritdoc/>
    public static bool IsImaginaryNumber(Complex64 value) => value.real == 0 && float.IsRealNumber(value.imaginary);

    /// <inheritdoc/>
    public static bool IsInfinity(Complex64 value) => float.IsInfinity(value.real) || float.IsInfinity(value.imaginary);

    /// <inheritdoc/>
    public static bool IsInteger(Complex64 value) => value.imaginary == 0 && float.IsInteger(value.real);

    /// <inheritdoc/>
    public static bool IsNaN(Complex64 value) => !IsInfinity(value) && !IsFinite(value);

    /// <inheritdoc/>
    public static bool IsNegative(Complex64 value) => value.imaginary == 0 && float.IsNegative(value.real);

    /// <inheritdoc/>
    public static bool IsNegativeInfinity(Complex64 value) => value.imaginary == 0 && float.IsNegativeInfinity(value.real);

    /// <inheritdoc/>
    public static bool IsNormal(Complex64 value) =>
        float.IsNormal(value.real) && (value.imaginary == 0 || float.IsNormal(value.imaginary));

    /// <inheritdoc/>
    public static bool IsOddInteger(Complex64 value) => value.imaginary == 0 && float.IsOddInteger(value.real);

    /// <inheritdoc/>
    public static bool IsPositive(Complex64 value) => value.imaginary == 0 && float.IsPositive(value.real);

    /// <inheritdoc/>
    public static bool IsPositiveInfinity(Complex64 value) => value.imaginary == 0 && float.IsPositiveInfinity(value.real);

    /// <inheritdoc/>
    public static bool IsRealNumber(Complex64 value) => value.imaginary == 0 && float.IsRealNumber(value.real);

    /// <inheritdoc/>
    public static bool IsSubnormal(Complex64 value) => float.IsSubnormal(value.real) || float.IsSubnormal(value.imaginary);

    /// <inheritdoc/>
    public static bool IsZero(Complex64 value) => value.real == 0 && value.imaginary == 0;

    /// <inheritdoc/>
    public static Complex64 MaxMagnitude(Complex64 x, Complex64 y) => (Complex64)Complex.MaxMagnitude(x, y);

    /// <inheritdoc/>
    public static Complex64 MaxMagnitudeNumber(Complex64 x, Complex64 y) => (Complex64)MaxMagnitudeNumberOf<Complex>(x, y);

    /// <inheritdoc/>
    public static Complex64 MinMagnitude(Complex64 x, Complex64 y) => (Complex64)Complex.MinMagnitude(x, y);

    /// <inheritdoc/>
    public static Complex64 MinMagnitudeNumber(Complex64 x, Complex64 y) => (Complex64)MinMagnitudeNumberOf<Complex>(x, y);

    // Complex implements these two explicitly: reach them through the interface.
    private static T MaxMagnitudeNumberOf<T>(T x, T y)
        where T : INumberBase<T> => T.MaxMagnitudeNumber(x, y);

    private static T MinMagnitudeNumberOf<T>(T x, T y)
        where T : INumberBase<T> => T.MinMagnitudeNumber(x, y);

    // ------------------------------------------------------------------ formatting and parsing (Complex's "<re; im>")

    /// <inheritdoc/>
    public override string ToString() => ToString(null, null);

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) =>
        string.Create(formatProvider, $"<{real.ToString(format, formatProvider)}; {imaginary.ToString(format, formatProvider)}>");

    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        destination.TryWrite(provider, $"<{real.ToString(format.IsEmpty ? null : format.ToString(), provider)}; {imaginary.ToString(format.IsEmpty ? null : format.ToString(), provider)}>", out charsWritten);

    /// <inheritdoc/>
    public static Complex64 Parse(string s, IFormatProvider? provider) => (Complex64)Complex.Parse(s, provider);

    /// <inheritdoc/>
    public static Complex64 Parse(ReadOnlySpan<char> s, IFormatProvider? provider) => (Complex64)Complex.Parse(s, provider);

    /// <inheritdoc/>
    public static Complex64 Parse(string s, NumberStyles style, IFormatProvider? provider) => (Complex64)Complex.Parse(s, style, provider);

    /// <inheritdoc/>
    public static Complex64 Parse(ReadOnlySpan<char> s, NumberStyles style, IFormatProvider? provider) => (Complex64)Complex.Parse(s, style, provider);

    /// <inheritdoc/>
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out Complex64 result) =>
        Narrow(Complex.TryParse(s, provider, out Complex wide), wide, out result);

    /// <inheritdoc/>
    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out Complex64 result) =>
        Narrow(Complex.TryParse(s, provider, out Complex wide), wide, out result);

    /// <inheritdoc/>
    public static bool TryParse([NotNullWhen(true)] string? s, NumberStyles style, IFormatProvider? provider, out Complex64 result) =>
        Narrow(Complex.TryParse(s, style, provider, out Complex wide), wide, out result);

    /// <inheritdoc/>
    public static bool TryParse(ReadOnlySpan<char> s, NumberStyles style, IFormatProvider? provider, out Complex64 result) =>
        Narrow(Complex.TryParse(s, style, provider, out Complex wide), wide, out result);

    private static bool Narrow(bool parsed, Complex wide, out Complex64 result)
    {
        result = parsed ? (Complex64)wide : default;
        return parsed;
    }

    // ------------------------------------------------------------------ generic conversions (Complex's rules)

    /// <summary>A value of another number type as a Complex64, throwing where it cannot be represented.</summary>
    /// <typeparam name="TOther">The other number type.</typeparam>
    /// <param name="value">The value.</param>
    /// <returns>The value, rounded to single precision where it is wider.</returns>
    /// <exception cref="NotSupportedException">Neither type knows how to convert to the other.</exception>
    public static Complex64 CreateChecked<TOther>(TOther value)
        where TOther : INumberBase<TOther> =>
        TryConvertFrom(value, out Complex64 result) || TOther.TryConvertToChecked(value, out result) ? result : throw NoConversion<TOther>();

    /// <summary>A value of another number type as a Complex64, saturating where it cannot be represented.</summary>
    /// <typeparam name="TOther">The other number type.</typeparam>
    /// <param name="value">The value.</param>
    /// <returns>The value, rounded to single precision where it is wider.</returns>
    /// <exception cref="NotSupportedException">Neither type knows how to convert to the other.</exception>
    public static Complex64 CreateSaturating<TOther>(TOther value)
        where TOther : INumberBase<TOther> =>
        TryConvertFrom(value, out Complex64 result) || TOther.TryConvertToSaturating(value, out result) ? result : throw NoConversion<TOther>();

    /// <summary>A value of another number type as a Complex64, truncating where it cannot be represented.</summary>
    /// <typeparam name="TOther">The other number type.</typeparam>
    /// <param name="value">The value.</param>
    /// <returns>The value, rounded to single precision where it is wider.</returns>
    /// <exception cref="NotSupportedException">Neither type knows how to convert to the other.</exception>
    public static Complex64 CreateTruncating<TOther>(TOther value)
        where TOther : INumberBase<TOther> =>
        TryConvertFrom(value, out Complex64 result) || TOther.TryConvertToTruncating(value, out result) ? result : throw NoConversion<TOther>();

    private static NotSupportedException NoConversion<TOther>() => new($"No conversion from {typeof(TOther).Name} to {nameof(Complex64)}.");

    /// <inheritdoc/>
    static bool INumberBase<Complex64>.TryConvertFromChecked<TOther>(TOther value, out Complex64 result) => TryConvertFrom(value, out result);

    /// <inheritdoc/>
    static bool INumberBase<Complex64>.TryConvertFromSaturating<TOther>(TOther value, out Complex64 result) => TryConvertFrom(value, out result);

    /// <inheritdoc/>
    static bool INumberBase<Complex64>.TryConvertFromTruncating<TOther>(TOther value, out Complex64 result) => TryConvertFrom(value, out result);

    /// <inheritdoc/>
    static bool INumberBase<Complex64>.TryConvertToChecked<TOther>(Complex64 value, [MaybeNullWhen(false)] out TOther result)
    {
        if (value.imaginary != 0 && !IsComplexType<TOther>())
        {
            throw new OverflowException($"{value} has an imaginary part; {typeof(TOther).Name} has none.");
        }

        return TryConvertTo(value, out result);
    }

    /// <inheritdoc/>
    static bool INumberBase<Complex64>.TryConvertToSaturating<TOther>(Complex64 value, [MaybeNullWhen(false)] out TOther result) => TryConvertTo(value, out result);

    /// <inheritdoc/>
    static bool INumberBase<Complex64>.TryConvertToTruncating<TOther>(Complex64 value, [MaybeNullWhen(false)] out TOther result) => TryConvertTo(value, out result);

    private static bool IsComplexType<TOther>() => typeof(TOther) == typeof(Complex64) || typeof(TOther) == typeof(Complex);

    /// <summary>From this type, <see cref="Complex"/>, or any real number type of the base library (through double).</summary>
    private static bool TryConvertFrom<TOther>(TOther value, out Complex64 result)
        where TOther : INumberBase<TOther>
    {
        if (typeof(TOther) == typeof(Complex64))
        {
            result = (Complex64)(object)value;
            return true;
        }

        if (typeof(TOther) == typeof(Complex))
        {
            result = (Complex64)(Complex)(object)value;
            return true;
        }

        if (IsBaseLibraryReal<TOther>())
        {
            result = new Complex64(float.CreateTruncating(value), 0);
            return true;
        }

        result = default;
        return false;
    }

    /// <summary>To this type, <see cref="Complex"/>, or the real part as any real number type of the base library.</summary>
    private static bool TryConvertTo<TOther>(Complex64 value, [MaybeNullWhen(false)] out TOther result)
        where TOther : INumberBase<TOther>
    {
        if (typeof(TOther) == typeof(Complex64))
        {
            result = (TOther)(object)value;
            return true;
        }

        if (typeof(TOther) == typeof(Complex))
        {
            result = (TOther)(object)(Complex)value;
            return true;
        }

        if (IsBaseLibraryReal<TOther>())
        {
            result = TOther.CreateSaturating(value.real);
            return true;
        }

        result = default;
        return false;
    }

    private static bool IsBaseLibraryReal<TOther>() =>
        typeof(TOther) == typeof(float) || typeof(TOther) == typeof(double) || typeof(TOther) == typeof(Half) ||
        typeof(TOther) == typeof(decimal) || typeof(TOther) == typeof(sbyte) || typeof(TOther) == typeof(byte) ||
        typeof(TOther) == typeof(short) || typeof(TOther) == typeof(ushort) || typeof(TOther) == typeof(int) ||
        typeof(TOther) == typeof(uint) || typeof(TOther) == typeof(long) || typeof(TOther) == typeof(ulong) ||
        typeof(TOther) == typeof(nint) || typeof(TOther) == typeof(nuint) || typeof(TOther) == typeof(Int128) ||
        typeof(TOther) == typeof(UInt128) || typeof(TOther) == typeof(char);
}
