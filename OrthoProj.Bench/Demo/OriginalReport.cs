using System.Numerics;

namespace OrthoProj.Bench.Demo;

/// <summary>
/// The two losses of the report that started OrthoProj, for V = rand(32, 16) float32 and y = e1:
/// L1 = sum(pinv(V)) and L2 = sum((Q^T y)^T Q^T) with V = Q R. Shared by the demo and the tests.
/// </summary>
public static class OriginalReport
{
    public const int Rows = 32;
    public const int Cols = 16;

    /// <summary>V: 32 x 16, entries uniform in [0, 1) as torch.rand, from a fixed seed.</summary>
    public static HostMatrixBatch<float> V(int seed = 2024)
    {
        var rng = new Random(seed);
        var v = new HostMatrixBatch<float>(Rows, Cols);
        Span<float> span = v.Span;
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = (float)rng.NextDouble();
        }

        return v;
    }

    /// <summary>y = e1, 32 x 1.</summary>
    public static HostMatrixBatch<float> E1()
    {
        var y = new HostMatrixBatch<float>(Rows, 1);
        y[0, 0, 0] = 1;
        return y;
    }

    /// <summary>dL1/dV = PinvBackward(V, pinv(V), ones).</summary>
    public static MatrixBatch<T> PinvLossGradient<T>(Backend backend, HostMatrixBatch<T> v)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using MatrixBatch<T> a = backend.FromHost(v);
        using PinvResult<T> p = backend.Pinv(a);
        var ones = new HostMatrixBatch<T>(v.Cols, v.Rows);
        ones.Span.Fill(T.One);
        using MatrixBatch<T> g = backend.FromHost(ones);
        return backend.PinvBackward(a, p.Pinv, g);
    }

    /// <summary>
    /// dL2/dV through QrBackward. L2 = 1^T Q Q^T y, so dL2/dQ = 1 (Q^T y)^T + y (Q^T 1)^T (and dL2/dR = 0).
    /// </summary>
    public static MatrixBatch<T> QrLossGradient<T>(Backend backend, HostMatrixBatch<T> v, HostMatrixBatch<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using MatrixBatch<T> a = backend.FromHost(v);
        using QrResult<T> qr = backend.Qr(a);
        HostMatrixBatch<T> q = qr.Q.ToHost();
        int m = q.Rows, k = q.Cols;
        var qty = new T[k];
        var qt1 = new T[k];
        for (int j = 0; j < k; j++)
        {
            for (int i = 0; i < m; i++)
            {
                qty[j] += q[0, i, j] * y[0, i, 0];
                qt1[j] += q[0, i, j];
            }
        }

        var gq = new HostMatrixBatch<T>(m, k);
        for (int j = 0; j < k; j++)
        {
            for (int i = 0; i < m; i++)
            {
                gq[0, i, j] = qty[j] + (y[0, i, 0] * qt1[j]);
            }
        }

        using MatrixBatch<T> gqDevice = backend.FromHost(gq);
        return backend.QrBackward(qr.Q, qr.R, gqDevice, null);
    }

    /// <summary>
    /// dL2/dV through the projector: L2 = 1^T Q Q^T y = &lt;1, P y&gt;, so one factorization, P y and
    /// ProjectBackward(y, gz = 1) give it without forming dL2/dQ.
    /// </summary>
    public static MatrixBatch<T> ProjectorLossGradient<T>(Backend backend, HostMatrixBatch<T> v, HostMatrixBatch<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using MatrixBatch<T> a = backend.FromHost(v), yb = backend.FromHost(y);
        using Projector<T> projector = backend.Projector(a);
        var ones = new HostMatrixBatch<T>(y.Rows, 1);
        ones.Span.Fill(T.One);
        using MatrixBatch<T> gz = backend.FromHost(ones);
        ProjectorGradients<T> g = projector.ProjectBackward(yb, gz);
        g.GradY.Dispose();
        return g.GradA;
    }

    /// <summary>L2 itself, in double, for finite differences: sum((Q^T y)^T Q^T) = 1^T Q (Q^T y).</summary>
    public static double QrLoss(Backend backend, HostMatrixBatch<double> v, HostMatrixBatch<double> y)
    {
        using MatrixBatch<double> a = backend.FromHost(v);
        using QrResult<double> qr = backend.Qr(a);
        HostMatrixBatch<double> q = qr.Q.ToHost();
        double loss = 0;
        for (int j = 0; j < q.Cols; j++)
        {
            double qty = 0, qt1 = 0;
            for (int i = 0; i < q.Rows; i++)
            {
                qty += q[0, i, j] * y[0, i, 0];
                qt1 += q[0, i, j];
            }

            loss += qty * qt1;
        }

        return loss;
    }

    /// <summary>L1 itself, in double: sum(pinv(V)).</summary>
    public static double PinvLoss(Backend backend, HostMatrixBatch<double> v)
    {
        using MatrixBatch<double> a = backend.FromHost(v);
        using PinvResult<double> p = backend.Pinv(a);
        return p.Pinv.ToArray().Sum();
    }
}
