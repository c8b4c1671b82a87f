using System.Numerics;
using System.Runtime.CompilerServices;

namespace OrthoProj.Bench.Harness;

/// <summary>
/// Seeded inputs: every entry uniform in [-1, 1), and for complex elements (<see cref="Complex64"/>,
/// <see cref="Complex"/>) the real and the imaginary part each uniform in [-1, 1), drawn in that
/// order. The PyTorch peer draws from the same distribution with torch.Generator seeded the same,
/// but not the same values (the generators differ); random matrices of these shapes are well
/// conditioned, so timings do not depend on the values.
/// </summary>
public static class Inputs
{
    /// <summary>A host batch of uniform [-1, 1) entries (real and imaginary parts for complex elements) from <paramref name="seed"/>.</summary>
    public static HostMatrixBatch<T> Uniform<T>(int rows, int cols, int count, int seed)
        where T : unmanaged, INumberBase<T>
    {
        var rng = new Random(seed);
        var batch = new HostMatrixBatch<T>(rows, cols, count);
        Span<T> span = batch.Span;
        for (int i = 0; i < span.Length; i++)
        {
            double re = (2.0 * rng.NextDouble()) - 1.0;
            span[i] = IsComplex<T>() ? FromComplex<T>(new Complex(re, (2.0 * rng.NextDouble()) - 1.0)) : T.CreateTruncating(re);
        }

        return batch;
    }

    /// <summary>Whether <typeparamref name="T"/> is one of the complex element types.</summary>
    public static bool IsComplex<T>() => typeof(T) == typeof(Complex) || typeof(T) == typeof(Complex64);

    /// <summary>Whether <typeparamref name="T"/> is made of floats (float, <see cref="Complex64"/>).</summary>
    public static bool IsSingle<T>() => typeof(T) == typeof(float) || typeof(T) == typeof(Complex64);

    /// <summary>The same values in double.</summary>
    public static double[] ToDouble<T>(MatrixBatch<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        x.ToArray().Select(double.CreateTruncating).ToArray();

    /// <summary>The same values in complex128 (imaginary part 0 for real elements).</summary>
    public static Complex[] ToComplex<T>(MatrixBatch<T> x)
        where T : unmanaged, INumberBase<T> =>
        ToComplex<T>(x.ToArray());

    /// <summary>The same values in complex128 (imaginary part 0 for real elements).</summary>
    public static Complex[] ToComplex<T>(ReadOnlySpan<T> x)
        where T : unmanaged, INumberBase<T>
    {
        var c = new Complex[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            c[i] = AsComplex(x[i]);
        }

        return c;
    }

    /// <summary>One value in complex128 (imaginary part 0 for real elements).</summary>
    public static Complex AsComplex<T>(T v)
        where T : unmanaged, INumberBase<T> =>
        typeof(T) == typeof(Complex) ? Unsafe.As<T, Complex>(ref v)
            : typeof(T) == typeof(Complex64) ? (Complex)Unsafe.As<T, Complex64>(ref v)
            : new Complex(double.CreateTruncating(v), 0);

    /// <summary>One complex128 value as <typeparamref name="T"/> (rounded to float for <see cref="Complex64"/>; the real part for real types).</summary>
    public static T FromComplex<T>(Complex z)
        where T : unmanaged, INumberBase<T>
    {
        if (typeof(T) == typeof(Complex))
        {
            return Unsafe.As<Complex, T>(ref z);
        }

        if (typeof(T) == typeof(Complex64))
        {
            var c = new Complex64((float)z.Real, (float)z.Imaginary);
            return Unsafe.As<Complex64, T>(ref c);
        }

        return T.CreateTruncating(z.Real);
    }

    /// <summary>complex128 values as <typeparamref name="T"/> (see <see cref="FromComplex{T}(Complex)"/>).</summary>
    public static T[] FromComplex<T>(ReadOnlySpan<Complex> z)
        where T : unmanaged, INumberBase<T>
    {
        var t = new T[z.Length];
        for (int i = 0; i < z.Length; i++)
        {
            t[i] = FromComplex<T>(z[i]);
        }

        return t;
    }
}

/// <summary>Column-major dense helpers in double for validation (never timed).</summary>
internal static class Dense
{
    /// <summary>y = op(A) x for matrix b of a batch (A: m x n at offset b*m*n).</summary>
    public static double[] MatVec(double[] a, int b, int m, int n, ReadOnlySpan<double> x, bool trans)
    {
        int off = b * m * n;
        var y = new double[trans ? n : m];
        for (int j = 0; j < n; j++)
        {
            int col = off + (j * m);
            if (trans)
            {
                double s = 0;
                for (int i = 0; i < m; i++)
                {
                    s += a[col + i] * x[i];
                }

                y[j] = s;
            }
            else
            {
                double xj = x[j];
                for (int i = 0; i < m; i++)
                {
                    y[i] += a[col + i] * xj;
                }
            }
        }

        return y;
    }

    public static double Norm(ReadOnlySpan<double> x)
    {
        double s = 0;
        foreach (double v in x)
        {
            s += v * v;
        }

        return Math.Sqrt(s);
    }

    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i] * y[i];
        }

        return s;
    }

    public static double[] Sub(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var d = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            d[i] = x[i] - y[i];
        }

        return d;
    }

    public static double[] Random(int length, Random rng)
    {
        var v = new double[length];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = (2.0 * rng.NextDouble()) - 1.0;
        }

        return v;
    }

    public static ReadOnlySpan<double> Slice(double[] x, int b, int len) => x.AsSpan(b * len, len);
}

/// <summary>
/// Column-major dense helpers in complex128 for validation of every element type (never timed):
/// real elements are complex with imaginary part 0, for which each helper computes what its real
/// counterpart in <see cref="Dense"/> computes.
/// </summary>
internal static class DenseC
{
    /// <summary>y = op(A) x for matrix b of a batch (A: m x n at offset b*m*n); op is the adjoint (conjugate transpose) when <paramref name="adjoint"/>.</summary>
    public static Complex[] MatVec(Complex[] a, int b, int m, int n, ReadOnlySpan<Complex> x, bool adjoint)
    {
        int off = b * m * n;
        var y = new Complex[adjoint ? n : m];
        for (int j = 0; j < n; j++)
        {
            int col = off + (j * m);
            if (adjoint)
            {
                Complex s = Complex.Zero;
                for (int i = 0; i < m; i++)
                {
                    s += Complex.Conjugate(a[col + i]) * x[i];
                }

                y[j] = s;
            }
            else
            {
                Complex xj = x[j];
                for (int i = 0; i < m; i++)
                {
                    y[i] += a[col + i] * xj;
                }
            }
        }

        return y;
    }

    /// <summary>The 2-norm: sqrt of the sum of |x_i|^2.</summary>
    public static double Norm(ReadOnlySpan<Complex> x)
    {
        double s = 0;
        foreach (Complex v in x)
        {
            s += (v.Real * v.Real) + (v.Imaginary * v.Imaginary);
        }

        return Math.Sqrt(s);
    }

    /// <summary>
    /// The real inner product Re(sum conj(x_i) y_i): the pairing of a gradient (dL/dRe + i dL/dIm,
    /// torch's convention) with a direction, and the loss whose gradient is the cotangent x.
    /// </summary>
    public static double Dot(ReadOnlySpan<Complex> x, ReadOnlySpan<Complex> y)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            s += (x[i].Real * y[i].Real) + (x[i].Imaginary * y[i].Imaginary);
        }

        return s;
    }

    public static Complex[] Sub(ReadOnlySpan<Complex> x, ReadOnlySpan<Complex> y)
    {
        var d = new Complex[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            d[i] = x[i] - y[i];
        }

        return d;
    }

    /// <summary>Uniform [-1, 1) entries; with <paramref name="complex"/> the imaginary parts too (else 0, a direction real elements can take).</summary>
    public static Complex[] Random(int length, Random rng, bool complex)
    {
        var v = new Complex[length];
        for (int i = 0; i < v.Length; i++)
        {
            double re = (2.0 * rng.NextDouble()) - 1.0;
            v[i] = complex ? new Complex(re, (2.0 * rng.NextDouble()) - 1.0) : new Complex(re, 0);
        }

        return v;
    }

    public static ReadOnlySpan<Complex> Slice(Complex[] x, int b, int len) => x.AsSpan(b * len, len);
}
