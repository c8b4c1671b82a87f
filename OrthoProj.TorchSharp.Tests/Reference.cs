using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Tests;

/// <summary>
/// The same functions through TorchSharp's own autograd (torch.linalg.qr and torch.linalg.pinv),
/// the independent reference every adapter result is compared with.
/// </summary>
internal static class Reference
{
    public static Tensor Project(Tensor a, Tensor y)
    {
        Tensor q = torch.linalg.qr(a).Q;
        return q.matmul(q.transpose(-2, -1).matmul(y));
    }

    public static Tensor Residual(Tensor a, Tensor y) => y - Project(a, y);

    public static Tensor Lstsq(Tensor a, Tensor y) => torch.linalg.pinv(a).matmul(y);

    public static Tensor ProjectionMatrix(Tensor a)
    {
        Tensor q = torch.linalg.qr(a).Q;
        return q.matmul(q.transpose(-2, -1));
    }

    /// <summary>A random tensor of the given shape and dtype (uniform in [-1, 1)).</summary>
    public static Tensor Random(long[] shape, ScalarType dtype, Generator generator) =>
        (torch.rand(shape, dtype: ScalarType.Float64, generator: generator) * 2 - 1).to(dtype);

    /// <summary>||x - y||_F / ||y||_F in float64.</summary>
    public static double RelativeError(Tensor x, Tensor y)
    {
        Tensor xd = x.to(ScalarType.Float64), yd = y.to(ScalarType.Float64);
        return (xd - yd).norm().item<double>() / Math.Max(yd.norm().item<double>(), double.Epsilon);
    }
}
