namespace OrthoProj.Tests.Support;

/// <summary>Central finite differences in float64, the reference for every backward pass.</summary>
internal static class FiniteDifferences
{
    /// <summary>The step: about eps^(1/3), where central differences balance truncation and rounding.</summary>
    public const double Step = 1e-6;

    /// <summary>
    /// dL/dX for a scalar loss L(X) by central differences, entry by entry:
    /// (L(X + h e_i) - L(X - h e_i)) / (2 h).
    /// </summary>
    public static HostMatrixBatch<double> Gradient(HostMatrixBatch<double> x, Func<HostMatrixBatch<double>, double> loss)
    {
        var grad = new HostMatrixBatch<double>(x.Rows, x.Cols, x.Count);
        double[] data = x.ToArray();
        for (int i = 0; i < data.Length; i++)
        {
            double saved = data[i];
            data[i] = saved + Step;
            double plus = loss(HostMatrixBatch<double>.FromArray(data, x.Rows, x.Cols, x.Count));
            data[i] = saved - Step;
            double minus = loss(HostMatrixBatch<double>.FromArray(data, x.Rows, x.Cols, x.Count));
            data[i] = saved;
            grad.Span[i] = (plus - minus) / (2 * Step);
        }

        return grad;
    }
}
