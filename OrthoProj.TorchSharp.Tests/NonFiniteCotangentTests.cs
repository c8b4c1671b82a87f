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

    public static IEnumerable<object[]> Cases() =>
        from name in new[] { "Project", "Residual", "Lstsq", "ProjectionMatrix", "Pinv", "Qr.Q", "Qr.R" }
        from variant in new[] { (ScalarType.Float64, false), (ScalarType.Float32, true) }
        select new object[] { name, variant.Item1, variant.Item2 };

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void NaNInOneMatrixOfTheCotangent_GivesNaNThereAndTorchsGradientsElsewhere(string name, ScalarType dtype, bool transposed)
    {
        (Func<Tensor, Tensor, Tensor> function, Func<Tensor, Tensor, Tensor> reference) = Pair(name);
        using var scope = torch.NewDisposeScope();
        Tensor a = transposed
            ? Reference.Random([3, 3, 6], ScalarType.Float64, new Generator(41)).requires_grad_(true).mT
            : Reference.Random([3, 6, 3], ScalarType.Float64, new Generator(41)).requires_grad_(true);
        Tensor y = Reference.Random([3, 6, 2], ScalarType.Float64, new Generator(43));
        Tensor ours = a.to(dtype);
        Tensor output = function(ours, y.to(dtype));
        Tensor weights = Reference.Random(output.shape, ScalarType.Float64, new Generator(47));
        weights[1, 0, 0] = torch.tensor(double.NaN, ScalarType.Float64);

        Tensor grad = torch.autograd.grad([(output * weights.to(dtype)).sum()], [ours])[0];
        Tensor expected = torch.autograd.grad([(reference(a, y) * weights).sum()], [a])[0];

        Assert.IsTrue(grad[1].isnan().all().item<bool>(), $"{name}: the matrix with the NaN cotangent");
        Assert.IsFalse(expected[1].isfinite().all().item<bool>(), $"{name}: torch's route is not finite there either");
        double tolerance = dtype == ScalarType.Float64 ? 1e-10 : 1e-4;     // float32: eps times a small condition number
        foreach (int b in new[] { 0, 2 })
        {
            Assert.IsLessThan(tolerance, Reference.RelativeError(grad[b], expected[b]), $"{name}: matrix {b}");
        }

        using Tensor next = TorchLinalg.Project(a, y);     // nothing was kept to be raised
    }

    [TestMethod]
    public void NaNInTheCotangentOfOneMatrix_Unbatched_GivesNaNGradientsAndNoError()
    {
        using var scope = torch.NewDisposeScope();
        Tensor a = Reference.Random([6, 3], ScalarType.Float64, new Generator(53)).requires_grad_(true);
        Tensor y = Reference.Random([6, 2], ScalarType.Float64, new Generator(59)).requires_grad_(true);
        Tensor weights = torch.ones([6, 2], ScalarType.Float64);
        weights[0, 0] = torch.tensor(double.PositiveInfinity, ScalarType.Float64);
        IList<Tensor> grads = torch.autograd.grad([(TorchLinalg.Residual(a, y) * weights).sum()], [a, y]);
        Assert.IsTrue(grads[0].isnan().all().item<bool>());
        Assert.IsTrue(grads[1].isnan().all().item<bool>());
        using Tensor next = TorchLinalg.Project(a, y);
    }

    /// <summary>
    /// The guard's fast path sums each cotangent; a finite cotangent whose float32 sum overflows to
    /// infinity takes the per-matrix test, which finds nothing: dL/dy = P gz is the true one, not NaN.
    /// </summary>
    [TestMethod]
    public void FiniteCotangentWhoseSumOverflows_GivesTheTrueGradient()
    {
        using var scope = torch.NewDisposeScope();
        Tensor a = Reference.Random([2, 6, 3], ScalarType.Float64, new Generator(61));
        Tensor y = Reference.Random([2, 6, 2], ScalarType.Float64, new Generator(67));
        Tensor ours = y.to(ScalarType.Float32).requires_grad_(true), theirs = y.clone().requires_grad_(true);
        Tensor cotangent = Reference.Random([2, 6, 2], ScalarType.Float32, new Generator(71));
        cotangent[0, 1, 0] = torch.tensor(2e38f);
        cotangent[1, 4, 1] = torch.tensor(2e38f);
        Assert.IsTrue(cotangent.sum().isinf().item<bool>(), "the fast path's sum overflows");
        Tensor grad = torch.autograd.grad([TorchLinalg.Project(a.to(ScalarType.Float32), ours)], [ours], [cotangent])[0];
        Tensor expected = torch.autograd.grad([Reference.Project(a, theirs)], [theirs], [cotangent.to(ScalarType.Float64)])[0];
        Assert.IsTrue(grad.isfinite().all().item<bool>(), "no matrix is marked non-finite");
        Assert.IsLessThan(1e-4, Reference.RelativeError(grad, expected.to(ScalarType.Float32)));
    }
}
