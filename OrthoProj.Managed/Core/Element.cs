using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrthoProj;

/// <summary>
/// The element types OrthoProj computes in: float, double, <see cref="Complex64"/> and
/// <see cref="Complex"/> (docs/complex.md). The real type of float and <see cref="Complex64"/> is
/// float, of double and <see cref="Complex"/> double.
/// </summary>
internal static class ElementType
{
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is none of the four element types.</exception>
    public static void EnsureSupported<T>()
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double) && !IsComplex<T>())
        {
            throw new NotSupportedException($"OrthoProj's batches hold float, double, Complex64 and Complex (System.Numerics) elements; {TypeNames.Of<T>()} is not one of them.");
        }
    }

    /// <summary>Whether <typeparamref name="T"/> is <see cref="Complex64"/> or <see cref="Complex"/>.</summary>
    public static bool IsComplex<T>() => typeof(T) == typeof(Complex64) || typeof(T) == typeof(Complex);

    /// <summary>Whether <typeparamref name="T"/>'s real type is float (float and <see cref="Complex64"/>).</summary>
    public static bool IsSingle<T>() => typeof(T) == typeof(float) || typeof(T) == typeof(Complex64);

    /// <summary>Machine epsilon of <typeparamref name="T"/>'s real type (2^-23 for float and Complex64, 2^-52 for double and Complex).</summary>
    public static double Epsilon<T>() => IsSingle<T>() ? Math.ScaleB(1.0, -23) : Math.ScaleB(1.0, -52);
}

/// <summary>
/// What the algorithms ask of an element beyond <see cref="INumberBase{T}"/>'s arithmetic: its
/// conjugate, its modulus and its real part as doubles, and a view of a span as the interleaved real
/// numbers it is made of. Every element type is one or two reals of its real type in a row, so an
/// elementwise rule on the reals (scaling by a power of two, the largest magnitude's exponent, the
/// non-finite test) is the rule on the elements: <see cref="Singles(Span{T})"/> and
/// <see cref="Doubles(Span{T})"/> hand it the reals. Each member resolves by <c>typeof(T)</c>,
/// which the JIT folds for value types: the real paths compile to what they were before complex
/// elements existed.
/// </summary>
/// <typeparam name="T">float, double, <see cref="Complex64"/> or <see cref="Complex"/>.</typeparam>
internal static class Element<T>
    where T : unmanaged, INumberBase<T>
{
    /// <summary>Whether T is complex.</summary>
    public static bool IsComplex => typeof(T) == typeof(Complex64) || typeof(T) == typeof(Complex);

    /// <summary>Whether T's real type is float.</summary>
    public static bool IsSingle => typeof(T) == typeof(float) || typeof(T) == typeof(Complex64);

    /// <summary>The reals an element is made of: 2 for complex, 1 for real.</summary>
    public static int Parts => IsComplex ? 2 : 1;

    /// <summary>conj(x): x itself for a real element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Conjugate(T x)
    {
        if (typeof(T) == typeof(Complex))
        {
            Complex c = Complex.Conjugate(Unsafe.As<T, Complex>(ref x));
            return Unsafe.As<Complex, T>(ref c);
        }

        if (typeof(T) == typeof(Complex64))
        {
            Complex64 c = Complex64.Conjugate(Unsafe.As<T, Complex64>(ref x));
            return Unsafe.As<Complex64, T>(ref c);
        }

        return x;
    }

    /// <summary>Re(x) as a double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Real(T x) =>
        typeof(T) == typeof(Complex) ? Unsafe.As<T, Complex>(ref x).Real
        : typeof(T) == typeof(Complex64) ? Unsafe.As<T, Complex64>(ref x).Real
        : typeof(T) == typeof(float) ? Unsafe.As<T, float>(ref x)
        : Unsafe.As<T, double>(ref x);

    /// <summary>Im(x) as a double: 0 for a real element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Imaginary(T x) =>
        typeof(T) == typeof(Complex) ? Unsafe.As<T, Complex>(ref x).Imaginary
        : typeof(T) == typeof(Complex64) ? Unsafe.As<T, Complex64>(ref x).Imaginary
        : 0;

    /// <summary>The real element x + 0i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T FromReal(double x) =>
        typeof(T) == typeof(Complex) ? Cast(new Complex(x, 0))
        : typeof(T) == typeof(Complex64) ? Cast(new Complex64((float)x, 0))
        : typeof(T) == typeof(float) ? Cast((float)x)
        : Cast(x);

    /// <summary>|x|^2 = Re(x)^2 + Im(x)^2, in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double AbsSquared(T x)
    {
        if (typeof(T) == typeof(Complex) || typeof(T) == typeof(Complex64))
        {
            Complex c = typeof(T) == typeof(Complex) ? Unsafe.As<T, Complex>(ref x) : (Complex)Unsafe.As<T, Complex64>(ref x);
            return (c.Real * c.Real) + (c.Imaginary * c.Imaginary);
        }

        double d = Real(x);
        return d * d;
    }

    /// <summary>|x| in double, without overflow or underflow of the square (hypot for complex).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Abs(T x) =>
        typeof(T) == typeof(Complex) ? Complex.Abs(Unsafe.As<T, Complex>(ref x))
        : typeof(T) == typeof(Complex64) ? Complex.Abs(Unsafe.As<T, Complex64>(ref x))
        : Math.Abs(Real(x));

    /// <summary>The floats a span of float or <see cref="Complex64"/> elements is made of (real, imaginary, real, ...).</summary>
    public static Span<float> Singles(Span<T> x) => MemoryMarshal.Cast<T, float>(x);

    /// <inheritdoc cref="Singles(Span{T})"/>
    public static ReadOnlySpan<float> Singles(ReadOnlySpan<T> x) => MemoryMarshal.Cast<T, float>(x);

    /// <summary>The doubles a span of double or <see cref="Complex"/> elements is made of.</summary>
    public static Span<double> Doubles(Span<T> x) => MemoryMarshal.Cast<T, double>(x);

    /// <inheritdoc cref="Doubles(Span{T})"/>
    public static ReadOnlySpan<double> Doubles(ReadOnlySpan<T> x) => MemoryMarshal.Cast<T, double>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Cast<TValue>(TValue value)
        where TValue : unmanaged => Unsafe.As<TValue, T>(ref value);
}
