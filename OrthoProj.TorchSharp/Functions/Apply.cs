using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Functions;

/// <summary>
/// The adapter's functions on arguments already checked: <see cref="TorchLinalg"/> validates and
/// comes here, and so do the differentiable backward formulas (<see cref="GraphBackward"/>), whose
/// arguments are the checked inputs and their cotangents.
/// </summary>
internal static class Apply
{
    public static Tensor Project(Tensor a, Tensor y) => ProjectorFunction.apply(a, y, ProjectorOperation.Project, BuildsGraph(a, y));

    public static Tensor Residual(Tensor a, Tensor y) => ProjectorFunction.apply(a, y, ProjectorOperation.Residual, BuildsGraph(a, y));

    public static Tensor Lstsq(Tensor a, Tensor y) => ProjectorFunction.apply(a, y, ProjectorOperation.Solve, BuildsGraph(a, y));

    public static Tensor ProjectionMatrix(Tensor a) => ProjectionMatrixFunction.apply(a, BuildsGraph(a));

    public static Tensor Pinv(Tensor a, RankTolerance tolerance) => PinvFunction.apply(a, tolerance, BuildsGraph(a));

    public static (Tensor Q, Tensor R) Qr(Tensor a, linalg.QRMode mode)
    {
        List<Tensor> qr = QrFunction.apply(a, mode, BuildsGraph(a));
        return (qr[0], qr[1]);
    }

    /// <summary>Whether TorchSharp will build a graph node (then the function keeps what its backward needs).</summary>
    private static bool BuildsGraph(params Tensor[] inputs) => torch.is_grad_enabled() && inputs.Any(t => t.requires_grad);
}
