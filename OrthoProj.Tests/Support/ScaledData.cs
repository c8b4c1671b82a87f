using System.Numerics;

namespace OrthoProj.Tests.Support;

/// <summary>Helpers of the tests that run the operations at extreme scales.</summary>
internal static class ScaledData
{
    /// <summary>
    /// Matrix 0 of the batch scaled by 2^k (rounded to T), the others left at unit scale, so that a
    /// batch-wide instead of a per-matrix exponent is caught; and 2^-k of that (exact): the scaled
    /// input and the unit-scale batch it holds.
    /// </summary>
    public static (HostMatrixBatch<T> Scaled, HostMatrixBatch<T> Unit) FirstMatrixScaled<T>(HostMatrixBatch<T> x, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var scaled = new HostMatrixBatch<T>(x.Rows, x.Cols, x.Count);
        var unit = new HostMatrixBatch<T>(x.Rows, x.Cols, x.Count);
        for (int i = 0; i < x.Span.Length; i++)
        {
            int kb = i < x.MatrixLength ? k : 0;
            scaled.Span[i] = T.ScaleB(x.Span[i], kb);
            unit.Span[i] = T.ScaleB(scaled.Span[i], -kb);
        }

        return (scaled, unit);
    }

    /// <summary>Runs <paramref name="call"/>; an exception other than a failed assertion fails the test, naming <paramref name="what"/>.</summary>
    public static TResult CallOrFail<TResult>(Func<TResult> call, string what)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (e is not AssertFailedException)
        {
            Assert.Fail($"{what}: {e.GetType().Name}: {e.Message}");
            throw;
        }
    }
}
