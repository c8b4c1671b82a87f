using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MathNet.Numerics;

namespace OrthoProj.Tests.Core;

/// <summary>
/// <see cref="Complex64"/>: the layout the native libraries and Math.NET share, arithmetic against
/// <see cref="Complex"/> rounded once, Complex's classification, formatting and conversion rules, and
/// generic code over <see cref="INumberBase{TSelf}"/> that runs unchanged for both complex types.
/// </summary>
[TestClass]
public sealed class Complex64Tests
{
    [TestMethod]
    public void Layout_IsTheRealFloatThenTheImaginaryFloat()
    {
        Assert.AreEqual(8, Unsafe.SizeOf<Complex64>());
        float[] parts = [1.5f, -2.25f, 3f, 4f];
        Span<Complex64> values = MemoryMarshal.Cast<float, Complex64>(parts.AsSpan());
        Assert.AreEqual(new Complex64(1.5f, -2.25f), values[0]);
        Assert.AreEqual(new Complex64(3f, 4f), values[1]);

        // Math.NET's Complex32 has the same layout: a span reads as either without a copy.
        Complex32[] mathNet = [new(1, 2), new(-3, 0.5f)];
        Span<Complex64> viewed = MathNetInterop.AsComplex64(mathNet);
        Assert.AreEqual(new Complex64(1, 2), viewed[0]);
        viewed[1] = new Complex64(7, -8);
        Assert.AreEqual(new Complex32(7, -8), mathNet[1]);
        Assert.AreEqual(new Complex32(1, 2), MathNetInterop.AsComplex32(viewed)[0]);
        Assert.AreEqual(new Complex64(-3, 0.5f), new Complex32(-3, 0.5f).ToComplex64());
        Assert.AreEqual(new Complex32(-3, 0.5f), new Complex64(-3, 0.5f).ToComplex32());
    }

    [TestMethod]
    public void Arithmetic_IsComplexArithmeticRoundedOnce()
    {
        var random = new Random(5);
        for (int i = 0; i < 2000; i++)
        {
            var a = new Complex64(Draw(random), Draw(random));
            var b = new Complex64(Draw(random), Draw(random));
            Complex wa = a, wb = b;
            Assert.AreEqual((Complex64)(wa + wb), a + b);
            Assert.AreEqual((Complex64)(wa - wb), a - b);
            Assert.AreEqual((Complex64)(wa * wb), a * b);
            Assert.AreEqual((Complex64)(wa / wb), a / b);
            Assert.AreEqual((Complex64)(-wa), -a);
            Assert.AreEqual((float)wa.Magnitude, a.Magnitude);
            Assert.AreEqual(new Complex64(a.Real, -a.Imaginary), Complex64.Conjugate(a));
        }

        // Parts near float's largest: the product and quotient are formed in double, so nothing
        // overflows where the result is representable.
        var large = new Complex64(3e38f, 3e38f);
        Assert.AreEqual(new Complex64(1, 0), large / large);
        Assert.AreEqual(3e38f * MathF.Sqrt(2), large.Magnitude, 1e32f);
        Assert.AreEqual(new Complex64(-5, 10), new Complex64(1, 2) * new Complex64(3, 4));
        Assert.AreEqual(Complex64.ImaginaryOne * Complex64.ImaginaryOne, Complex64.NegativeOne);
    }

    [TestMethod]
    public void Classification_FollowsComplex()
    {
        Complex64[] samples =
        [
            Complex64.Zero, Complex64.One, Complex64.ImaginaryOne, new(2, 0), new(3, 0), new(-1.5f, 0),
            new(0, -2), new(1, 1), new(float.NaN, 0), new(0, float.NaN), new(float.PositiveInfinity, 0),
            new(float.NegativeInfinity, 0), new(1, float.PositiveInfinity), new(float.Epsilon, 0), new(1e-40f, 1),
        ];
        foreach (Complex64 z in samples)
        {
            Complex w = z;
            string at = z.ToString(null, CultureInfo.InvariantCulture);
            Assert.AreEqual(Is<Complex>.Finite(w), Is<Complex64>.Finite(z), $"IsFinite {at}");
            Assert.AreEqual(Is<Complex>.NaN(w), Is<Complex64>.NaN(z), $"IsNaN {at}");
            Assert.AreEqual(Is<Complex>.Infinity(w), Is<Complex64>.Infinity(z), $"IsInfinity {at}");
            Assert.AreEqual(Is<Complex>.Real(w), Is<Complex64>.Real(z), $"IsRealNumber {at}");
            Assert.AreEqual(Is<Complex>.Imaginary(w), Is<Complex64>.Imaginary(z), $"IsImaginaryNumber {at}");
            Assert.AreEqual(Is<Complex>.ComplexNumber(w), Is<Complex64>.ComplexNumber(z), $"IsComplexNumber {at}");
            Assert.AreEqual(Is<Complex>.Zero(w), Is<Complex64>.Zero(z), $"IsZero {at}");
            Assert.AreEqual(Is<Complex>.Negative(w), Is<Complex64>.Negative(z), $"IsNegative {at}");
            Assert.AreEqual(Is<Complex>.EvenInteger(w), Is<Complex64>.EvenInteger(z), $"IsEvenInteger {at}");
        }

        // Subnormal is a property of the part's own precision: float.Epsilon is subnormal in single
        // precision and normal once widened, so these follow float, not Complex.
        Assert.IsTrue(Is<Complex64>.Subnormal(new Complex64(float.Epsilon, 0)));
        Assert.IsTrue(Is<Complex64>.Subnormal(new Complex64(1, 1e-40f)));
        Assert.IsFalse(Is<Complex64>.Subnormal(new Complex64(1, 1)));
    }

    [TestMethod]
    public void Formatting_AndParsing_AreComplexs()
    {
        var z = new Complex64(1.5f, -0.25f);
        Assert.AreEqual("<1.5; -0.25>", z.ToString(null, CultureInfo.InvariantCulture));
        Assert.AreEqual(((Complex)z).ToString("F2", CultureInfo.InvariantCulture), z.ToString("F2", CultureInfo.InvariantCulture));
        Span<char> buffer = stackalloc char[32];
        Assert.IsTrue(z.TryFormat(buffer, out int written, "F1", CultureInfo.InvariantCulture));
        Assert.AreEqual("<1.5; -0.2>", buffer[..written].ToString());
        Assert.IsFalse(z.TryFormat(buffer[..4], out _, default, CultureInfo.InvariantCulture));
        Assert.AreEqual(z, Complex64.Parse("<1.5; -0.25>", CultureInfo.InvariantCulture));
        Assert.IsTrue(Complex64.TryParse("<2; 3>", CultureInfo.InvariantCulture, out Complex64 parsed));
        Assert.AreEqual(new Complex64(2, 3), parsed);
        Assert.IsFalse(Complex64.TryParse("two", CultureInfo.InvariantCulture, out _));
    }

    [TestMethod]
    public void GenericConversions_FollowComplexsRules()
    {
        Assert.AreEqual(new Complex64(3, 0), Complex64.CreateChecked(3));
        Assert.AreEqual(new Complex64(0.5f, 0), Complex64.CreateTruncating(0.5));
        Assert.AreEqual(new Complex64(1, 2), Complex64.CreateChecked(new Complex(1, 2)));
        Assert.AreEqual(new Complex(1, 2), Complex.CreateChecked(new Complex64(1, 2)));
        Assert.AreEqual(2.0, double.CreateTruncating(new Complex64(2, 5)));
        Assert.AreEqual(2, int.CreateSaturating(new Complex64(2, 5)));
        Assert.ThrowsExactly<OverflowException>(() => double.CreateChecked(new Complex64(2, 5)));
        Assert.AreEqual(4.0, double.CreateChecked(new Complex64(4, 0)));
    }

    [TestMethod]
    public void GenericCode_RunsUnchangedForBothComplexTypes()
    {
        // A dot product written once over INumberBase, as OrthoProj's generic API will be.
        Complex64[] a = [new(1, 2), new(3, -1), new(-2, 0.5f)];
        Complex64[] b = [new(0.5f, 1), new(-1, 4), new(2, 2)];
        Complex wide = Dot<Complex>([.. a.Select(z => (Complex)z)], [.. b.Select(z => (Complex)z)]);
        Complex64 single = Dot<Complex64>(a, b);
        Assert.AreEqual(wide.Real, single.Real, 1e-5);
        Assert.AreEqual(wide.Imaginary, single.Imaginary, 1e-5);
        Assert.AreEqual(Complex64.Zero, Complex64.AdditiveIdentity);
        Assert.AreEqual(Complex64.One, Complex64.MultiplicativeIdentity);
    }

    private static T Dot<T>(T[] x, T[] y)
        where T : INumberBase<T>
    {
        T sum = T.Zero;
        for (int i = 0; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    private static float Draw(Random random) => (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-20, 20)));

    /// <summary>INumberBase's classification, reached through the interface (Complex implements some explicitly).</summary>
    private static class Is<T>
        where T : INumberBase<T>
    {
        public static bool Finite(T x) => T.IsFinite(x);

        public static bool NaN(T x) => T.IsNaN(x);

        public static bool Infinity(T x) => T.IsInfinity(x);

        public static bool Real(T x) => T.IsRealNumber(x);

        public static bool Imaginary(T x) => T.IsImaginaryNumber(x);

        public static bool ComplexNumber(T x) => T.IsComplexNumber(x);

        public static bool Zero(T x) => T.IsZero(x);

        public static bool Negative(T x) => T.IsNegative(x);

        public static bool EvenInteger(T x) => T.IsEvenInteger(x);

        public static bool Subnormal(T x) => T.IsSubnormal(x);
    }
}
