using System.Numerics;

namespace OrthoProj.Tests.Support;

/// <summary>
/// Seeded complex batches and the independent references the complex tests use: plain triple-loop
/// products with adjoints, comparisons, and central finite differences that perturb the real and
/// imaginary parts of each entry apart, giving dL/dRe + i dL/dIm (torch.autograd's convention for a
/// real loss, docs/complex.md section 3). Every reference computes in complex128.
/// </summary>
internal static class ComplexTestData
{
    /// <summary>Real and imaginary parts uniform in [-1, 1), fixed seed.</summary>
    public static HostMatrixBatch<Complex> Random(int rows, int cols, int count, int seed)
    {
        var rng = new Random(seed);
        var batch = new HostMatrixBatch<Complex>(rows, cols, count);
        Span<Complex> span = batch.Span;
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = new Complex((rng.NextDouble() * 2) - 1, (rng.NextDouble() * 2) - 1);
        }

        return batch;
    }

    /// <summary>A batch of exact rank <paramref name="rank"/>: B C with B m x r and C r x n random.</summary>
    public static HostMatrixBatch<Complex> LowRank(int rows, int cols, int rank, int count, int seed) =>
        Product(Random(rows, rank, count, seed), Random(rank, cols, count, seed + 1));

    /// <summary>x as complex64 (each part rounded once) or complex128.</summary>
    public static HostMatrixBatch<T> Convert<T>(HostMatrixBatch<Complex> x)
        where T : unmanaged, INumberBase<T>
    {
        var y = new HostMatrixBatch<T>(x.Rows, x.Cols, x.Count);
        for (int i = 0; i < y.Span.Length; i++)
        {
            y.Span[i] = typeof(T) == typeof(Complex64) ? (T)(object)(Complex64)x.Span[i] : (T)(object)x.Span[i];
        }

        return y;
    }

    /// <summary>Any complex batch (on any backend) as complex128, column-major, on the host.</summary>
    public static HostMatrixBatch<Complex> ToComplex128<T>(MatrixBatch<T> x)
        where T : unmanaged, INumberBase<T>
    {
        T[] data = x.ToArray();
        var y = new HostMatrixBatch<Complex>(x.Rows, x.Cols, x.Count);
        for (int i = 0; i < data.Length; i++)
        {
            y.Span[i] = data[i] is Complex64 c ? c : (Complex)(object)data[i];
        }

        return y;
    }

    /// <summary>op(A) op(B) per matrix, op = identity or adjoint, by the triple loop.</summary>
    public static HostMatrixBatch<Complex> Product(HostMatrixBatch<Complex> a, HostMatrixBatch<Complex> b, bool adjointA = false, bool adjointB = false)
    {
        int m = adjointA ? a.Cols : a.Rows, k = adjointA ? a.Rows : a.Cols, n = adjointB ? b.Rows : b.Cols;
        Assert.AreEqual(k, adjointB ? b.Cols : b.Rows, "inner dimensions");
        var c = new HostMatrixBatch<Complex>(m, n, a.Count);
        for (int t = 0; t < a.Count; t++)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    Complex sum = 0;
                    for (int l = 0; l < k; l++)
                    {
                        Complex x = adjointA ? Complex.Conjugate(a[t, l, i]) : a[t, i, l];
                        Complex y = adjointB ? Complex.Conjugate(b[t, j, l]) : b[t, l, j];
                        sum += x * y;
                    }

                    c[t, i, j] = sum;
                }
            }
        }

        return c;
    }

    /// <summary>A^H per matrix.</summary>
    public static HostMatrixBatch<Complex> Adjoint(HostMatrixBatch<Complex> a)
    {
        var h = new HostMatrixBatch<Complex>(a.Cols, a.Rows, a.Count);
        for (int t = 0; t < a.Count; t++)
        {
            for (int i = 0; i < a.Rows; i++)
            {
                for (int j = 0; j < a.Cols; j++)
                {
                    h[t, j, i] = Complex.Conjugate(a[t, i, j]);
                }
            }
        }

        return h;
    }

    /// <summary>The identity batch, count x (n x n).</summary>
    public static HostMatrixBatch<Complex> Identity(int n, int count)
    {
        var eye = new HostMatrixBatch<Complex>(n, n, count);
        for (int t = 0; t < count; t++)
        {
            for (int i = 0; i < n; i++)
            {
                eye[t, i, i] = 1;
            }
        }

        return eye;
    }

    /// <summary>max |a - b| / max(1, max |b|).</summary>
    public static double RelativeError(HostMatrixBatch<Complex> actual, HostMatrixBatch<Complex> expected)
    {
        Assert.AreEqual(expected.Shape, actual.Shape, "shape");
        Complex[] a = actual.ToArray(), b = expected.ToArray();
        double diff = 0, scale = 0;
        for (int i = 0; i < a.Length; i++)
        {
            diff = Math.Max(diff, Complex.Abs(a[i] - b[i]));
            scale = Math.Max(scale, Complex.Abs(b[i]));
        }

        return diff / Math.Max(1.0, scale);
    }

    public static void AssertClose(HostMatrixBatch<Complex> actual, HostMatrixBatch<Complex> expected, double tolerance, string what)
    {
        double err = RelativeError(actual, expected);
        Assert.IsLessThanOrEqualTo(tolerance, err, $"{what}: relative error {err:G3} > {tolerance:G3}");
    }

    /// <summary>Re &lt;W, X&gt; = Re sum conj(w_i) x_i: the real loss whose gradient in X is W.</summary>
    public static double Inner(HostMatrixBatch<Complex> w, HostMatrixBatch<Complex> x)
    {
        Complex[] a = w.ToArray(), b = x.ToArray();
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (Complex.Conjugate(a[i]) * b[i]).Real;
        }

        return sum;
    }

    /// <summary>
    /// dL/dRe(x_i) + i dL/dIm(x_i) for a real loss L, each by a central difference with the step of
    /// <see cref="FiniteDifferences.Step"/>.
    /// </summary>
    public static HostMatrixBatch<Complex> Gradient(HostMatrixBatch<Complex> x, Func<HostMatrixBatch<Complex>, double> loss)
    {
        const double h = FiniteDifferences.Step;
        var grad = new HostMatrixBatch<Complex>(x.Rows, x.Cols, x.Count);
        Complex[] data = x.ToArray();
        double Central(int i, Complex direction)
        {
            Complex saved = data[i];
            data[i] = saved + (h * direction);
            double plus = loss(HostMatrixBatch<Complex>.FromArray(data, x.Rows, x.Cols, x.Count));
            data[i] = saved - (h * direction);
            double minus = loss(HostMatrixBatch<Complex>.FromArray(data, x.Rows, x.Cols, x.Count));
            data[i] = saved;
            return (plus - minus) / (2 * h);
        }

        for (int i = 0; i < data.Length; i++)
        {
            grad.Span[i] = new Complex(Central(i, Complex.One), Central(i, Complex.ImaginaryOne));
        }

        return grad;
    }

    /// <summary>2^k x, exactly (both parts).</summary>
    public static HostMatrixBatch<Complex> ScaleB(HostMatrixBatch<Complex> x, int k)
    {
        var y = new HostMatrixBatch<Complex>(x.Rows, x.Cols, x.Count);
        for (int i = 0; i < y.Span.Length; i++)
        {
            y.Span[i] = new Complex(Math.ScaleB(x.Span[i].Real, k), Math.ScaleB(x.Span[i].Imaginary, k));
        }

        return y;
    }
}
