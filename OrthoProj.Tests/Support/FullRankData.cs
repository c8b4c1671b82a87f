using System.Numerics;

namespace OrthoProj.Tests.Support;

/// <summary>Test batches that the QR method accepts by construction.</summary>
internal static class FullRankData
{
    /// <summary>
    /// <see cref="TestData.Random{T}"/> plus +-sqrt(m) on the diagonal: full column rank with a modest
    /// condition number at every shape (m &gt;= n), so the QR-method paths never hit the rank check.
    /// </summary>
    public static HostMatrixBatch<T> Random<T>(int rows, int cols, int count, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        HostMatrixBatch<T> a = TestData.Random<T>(rows, cols, count, seed);
        var rng = new Random(seed + 1);
        for (int b = 0; b < count; b++)
        {
            for (int j = 0; j < Math.Min(rows, cols); j++)
            {
                a[b, j, j] += T.CreateTruncating(Math.Sqrt(rows) * (rng.Next(2) == 0 ? -1 : 1));
            }
        }

        return a;
    }
}
