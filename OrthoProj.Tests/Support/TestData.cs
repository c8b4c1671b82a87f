using System.Numerics;

namespace OrthoProj.Tests.Support;

/// <summary>Seeded random batches and the comparisons the tests use.</summary>
internal static class TestData
{
    /// <summary>Entries uniform in [-1, 1), fixed seed: a generic (full-rank, well-conditioned enough) batch.</summary>
    public static HostMatrixBatch<T> Random<T>(int rows, int cols, int count, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        var batch = new HostMatrixBatch<T>(rows, cols, count);
        Span<T> span = batch.Span;
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = T.CreateTruncating((rng.NextDouble() * 2) - 1);
        }

        return batch;
    }

    /// <summary>A batch of exact rank <paramref name="rank"/>: A = B C with B m x r and C r x n random.</summary>
    public static HostMatrixBatch<T> LowRank<T>(int rows, int cols, int rank, int count, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        HostMatrixBatch<double> b = Random<double>(rows, rank, count, seed);
        HostMatrixBatch<double> c = Random<double>(rank, cols, count, seed + 1);
        return Convert<T>(Product(b, c));
    }

    /// <summary>C = A B per matrix, in double, the plain triple loop: an independent reference.</summary>
    public static HostMatrixBatch<double> Product(HostMatrixBatch<double> a, HostMatrixBatch<double> b, bool transA = false, bool transB = false)
    {
        int m = transA ? a.Cols : a.Rows, k = transA ? a.Rows : a.Cols, n = transB ? b.Rows : b.Cols;
        var c = new HostMatrixBatch<double>(m, n, a.Count);
        for (int t = 0; t < a.Count; t++)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int l = 0; l < k; l++)
                    {
                        sum += (transA ? a[t, l, i] : a[t, i, l]) * (transB ? b[t, j, l] : b[t, l, j]);
                    }

                    c[t, i, j] = sum;
                }
            }
        }

        return c;
    }

    public static HostMatrixBatch<TOut> Convert<TOut>(MatrixBatch<double> x)
        where TOut : unmanaged, IFloatingPointIeee754<TOut>
    {
        double[] data = x.ToArray();
        return HostMatrixBatch<TOut>.FromArray(Array.ConvertAll(data, TOut.CreateTruncating), x.Rows, x.Cols, x.Count);
    }

    public static HostMatrixBatch<double> ToDouble<T>(MatrixBatch<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] data = x.ToArray();
        return HostMatrixBatch<double>.FromArray(Array.ConvertAll(data, double.CreateTruncating), x.Rows, x.Cols, x.Count);
    }

    /// <summary>Frobenius inner product over the whole batch, in double.</summary>
    public static double Dot<T>(MatrixBatch<T> a, MatrixBatch<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = a.ToArray(), y = b.ToArray();
        Assert.HasCount(x.Length, y);
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += double.CreateTruncating(x[i]) * double.CreateTruncating(y[i]);
        }

        return sum;
    }

    /// <summary>max |a - b| / max(1, max |b|), in double.</summary>
    public static double RelativeError<TA, TB>(MatrixBatch<TA> actual, MatrixBatch<TB> expected)
        where TA : unmanaged, IFloatingPointIeee754<TA>
        where TB : unmanaged, IFloatingPointIeee754<TB>
    {
        Assert.AreEqual(expected.Shape, actual.Shape, "shape");
        TA[] a = actual.ToArray();
        TB[] b = expected.ToArray();
        double diff = 0, scale = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double bi = double.CreateTruncating(b[i]);
            diff = Math.Max(diff, Math.Abs(double.CreateTruncating(a[i]) - bi));
            scale = Math.Max(scale, Math.Abs(bi));
        }

        return diff / Math.Max(1.0, scale);
    }

    public static void AssertClose<TA, TB>(MatrixBatch<TA> actual, MatrixBatch<TB> expected, double tolerance, string what)
        where TA : unmanaged, IFloatingPointIeee754<TA>
        where TB : unmanaged, IFloatingPointIeee754<TB>
    {
        double err = RelativeError(actual, expected);
        Assert.IsLessThanOrEqualTo(tolerance, err, $"{what}: relative error {err:G3} > {tolerance:G3}");
    }

    /// <summary>The identity batch (count x (n x n)).</summary>
    public static HostMatrixBatch<double> Identity(int n, int count)
    {
        var eye = new HostMatrixBatch<double>(n, n, count);
        for (int t = 0; t < count; t++)
        {
            for (int i = 0; i < n; i++)
            {
                eye[t, i, i] = 1;
            }
        }

        return eye;
    }

    public static HostMatrixBatch<double> Transpose(HostMatrixBatch<double> a)
    {
        var t = new HostMatrixBatch<double>(a.Cols, a.Rows, a.Count);
        for (int b = 0; b < a.Count; b++)
        {
            for (int i = 0; i < a.Rows; i++)
            {
                for (int j = 0; j < a.Cols; j++)
                {
                    t[b, j, i] = a[b, i, j];
                }
            }
        }

        return t;
    }
}
