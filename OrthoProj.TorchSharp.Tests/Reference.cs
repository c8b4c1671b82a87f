using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Tests;

/// <summary>
/// The same functions through TorchSharp's own autograd (torch.linalg.qr and torch.linalg.pinv),
/// the independent reference every adapter result is compared with. Adjoints are <c>.mH</c>
/// (a plain transpose for real tensors), so the same reference serves complex tensors.
/// </summary>
internal static class Reference
{
    public static Tensor Project(Tensor a, Tensor y)
    {
        Tensor q = torch.linalg.qr(a).Q;
        return q.matmul(q.mH.matmul(y));
    }

    public static Tensor Residual(Tensor a, Tensor y) => y - Project(a, y);

    public static Tensor Lstsq(Tensor a, Tensor y) => torch.linalg.pinv(a).matmul(y);

    public static Tensor ProjectionMatrix(Tensor a)
    {
        Tensor q = torch.linalg.qr(a).Q;
        return q.matmul(q.mH);
    }

    /// <summary>A random tensor of the given shape and dtype (uniform in [-1, 1)).</summary>
    public static Tensor Random(long[] shape, ScalarType dtype, Generator generator) =>
        (torch.rand(shape, dtype: ScalarType.Float64, generator: generator) * 2 - 1).to(dtype);

    /// <summary>A random complex tensor (real and imaginary parts uniform in [-1, 1), drawn in float64).</summary>
    public static Tensor RandomComplex(long[] shape, ScalarType dtype, Generator generator) =>
        torch.complex(Random(shape, ScalarType.Float64, generator), Random(shape, ScalarType.Float64, generator)).to(dtype);

    /// <summary>||x - y||_F / ||y||_F in float64 (complex128 when either is complex).</summary>
    public static double RelativeError(Tensor x, Tensor y)
    {
        ScalarType wide = x.is_complex() || y.is_complex() ? ScalarType.ComplexFloat64 : ScalarType.Float64;
        Tensor xd = x.to(wide), yd = y.to(wide);
        return (xd - yd).norm().item<double>() / Math.Max(yd.norm().item<double>(), double.Epsilon);
    }
}
