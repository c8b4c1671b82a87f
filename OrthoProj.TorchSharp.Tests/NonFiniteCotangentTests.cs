using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Tests;

/// <summary>
/// A loss that turned NaN in one matrix of a batch (an exploding step, a bad sample) is routine in
/// training: the backward must neither throw (libtorch would abort the process) nor spoil the other
/// matrices. The matrix whose cotangent holds NaN gets NaN gradients; the others equal torch's own
/// route; the next call raises nothing.
/// </summary>
[TestClass]
public sealed class NonFiniteCotangentTests
{
    /// <summary>Each function of the adapter (by name) and torch's own route to the same value.</summary>
    private static (Func<Tensor, Tensor, Tensor> Function, Func<Tensor, Tensor, Tensor> Reference) Pair(string name) => name switch
    {
        "Project" => (TorchLinalg.Project, Reference.Project),
        "Residual" => (TorchLinalg.Residual, Reference.Residual),
        "Lstsq" => (TorchLinalg.Lstsq, Reference.Lstsq),
        "ProjectionMatrix" => ((a, _) => TorchLinalg.ProjectionMatrix(a), (a, _) => Reference.ProjectionMatrix(a)),
        "Pinv" => ((a, _) => TorchLinalg.Pinv(a), (a, _) => torch.linalg.pinv(a)),
        "Qr.Q" => ((a, _) => TorchLinalg.Qr(a).Q, (a, _) => torch.linalg.qr(a).Q),
        _ => ((a, _) => TorchLinalg.Qr(a).R, (a, _) => torch.linalg.qr(a).R),
    };

    [TestMethod]
    [DataRow("Project")]
    [DataRow("Residual")]
    [DataRow("Lstsq")]
    [DataRow("ProjectionMatrix")]
    [DataRow("Pinv")]
    [DataRow("Qr.Q")]
    [DataRow("Qr.R")]
    public void NaNInOneMatrixOfTheCotangent_GivesNaNThereAndTorchsGradientsElsewhere(string name)
    {
        (Func<Tensor, Tensor, Tensor> function, Func<Tensor, Tensor, Tensor> reference) = Pair(name);
        using var scope = torch.NewDisposeScope();
        Tensor a = Reference.Random([3, 6, 3], ScalarType.Float64, new Generator(41)).requires_grad_(true);
        Tensor y = Reference.Random([3, 6, 2], ScalarType.Float64, new Generator(43));
        Tensor output = function(a, y);
        Tensor weights = Reference.Random(output.shape, ScalarType.Float64, new Generator(47));
        weights[1, 0, 0] = torch.tensor(double.NaN, ScalarType.Float64);

        Tensor grad = torch.autograd.grad([(output * weights).sum()], [a])[0];
        Tensor expected = torch.autograd.grad([(reference(a, y) * weights).sum()], [a])[0];

        Assert.IsTrue(grad[1].isnan().all().item<bool>(), $"{name}: the matrix with the NaN cotangent");
        Assert.IsFalse(expected[1].isfinite().all().item<bool>(), $"{name}: torch's route is not finite there either");
        foreach (int b in new[] { 0, 2 })
        {
            Assert.IsLessThan(1e-10, Reference.RelativeError(grad[b], expected[b]), $"{name}: matrix {b}");
        }

        using Tensor next = TorchLinalg.Project(a, y);     // nothing was kept to be raised
    }
}
