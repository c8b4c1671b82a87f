using System.Numerics;

namespace OrthoProj.Tests.Support;

/// <summary>
/// Column-major complex matrices as plain arrays, for the tests of the LAPACK routes that work on
/// spans (native bindings, the managed provider): seeded random matrices, the identity, conversion
/// between complex128 references and the element type under test, and the largest entrywise error.
/// </summary>
internal static class ComplexArrays
{
    /// <summary>rows x cols, real and imaginary parts uniform in [-1, 1) drawn in that order, fixed seed.</summary>
    public static Complex[] Random(int rows, int cols, int seed)
    {
        var rng = new Random(seed);
        var a = new Complex[rows * cols];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = new Complex((rng.NextDouble() * 2) - 1, (rng.NextDouble() * 2) - 1);
        }

        return a;
    }

    /// <summary>The n x n identity.</summary>
    public static Complex[] Identity(int n)
    {
        var e = new Complex[n * n];
        for (int i = 0; i < n; i++)
        {
            e[(i * n) + i] = Complex.One;
        }

        return e;
    }

    /// <summary>max_i |actual_i - expected_i| (the lengths are asserted equal).</summary>
    public static double MaxError(Complex[] actual, Complex[] expected, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Complex.Abs(actual[i] - expected[i]));
        }

        return worst;
    }

    /// <summary>A complex64 or complex128 value as complex128 (exact).</summary>
    public static Complex To<T>(T x) => x switch
    {
        Complex z => z,
        Complex64 z => z,
        _ => throw new NotSupportedException(typeof(T).Name),
    };

    /// <inheritdoc cref="To{T}(T)"/>
    public static Complex[] To<T>(T[] x) => [.. x.Select(To)];

    /// <summary>A complex128 value as T: itself, or rounded part by part to complex64.</summary>
    public static T From<T>(Complex z) =>
        typeof(T) == typeof(Complex64) ? (T)(object)new Complex64((float)z.Real, (float)z.Imaginary) : (T)(object)z;

    /// <inheritdoc cref="From{T}(Complex)"/>
    public static T[] From<T>(Complex[] z) => [.. z.Select(From<T>)];
}
