using System.Numerics;

namespace OrthoProj.Bench.Harness;

/// <summary>
/// Seeded inputs: every entry uniform in [-1, 1). The PyTorch peer draws from the same distribution
/// with torch.Generator seeded the same, but not the same values (the generators differ); random
/// matrices of these shapes are well conditioned, so timings do not depend on the values.
/// </summary>
public static class Inputs
{
    /// <summary>A host batch of uniform [-1, 1) entries from <paramref name="seed"/>.</summary>
    public static HostMatrixBatch<T> Uniform<T>(int rows, int cols, int count, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        var batch = new HostMatrixBatch<T>(rows, cols, count);
        Span<T> span = batch.Span;
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = T.CreateTruncating((2.0 * rng.NextDouble()) - 1.0);
        }

        return batch;
    }

    /// <summary>The same values in double.</summary>
    public static double[] ToDouble<T>(MatrixBatch<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        x.ToArray().Select(double.CreateTruncating).ToArray();
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
