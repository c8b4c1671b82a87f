using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Tests;

/// <summary>
/// Gradients of gradients (retain_graph: true, create_graph: true): the Hessian-vector product of a loss through each
/// function against torch's own route (torch.linalg.qr and pinv, whose backward passes are
/// differentiable) and against central differences of the first-order gradient; float64 and
/// float32, batched and not, contiguous and transposed inputs; and one third derivative.
/// </summary>
[TestClass]
public sealed class SecondOrderTests
{
    private const double Float64Tolerance = 1e-9;

    /// <summary>A function of the adapter or of torch's route: its outputs from (a, y).</summary>
    public delegate Tensor[] Outputs(Tensor a, Tensor y);

    public static IEnumerable<object[]> Cases()
    {
        foreach (string name in Names)
        {
            foreach (long[] batch in new[] { Array.Empty<long>(), [3] })
            {
                foreach (bool transposed in new[] { false, true })
                {
                    yield return [name, batch, transposed];
                }
            }
        }
    }

    private static readonly string[] Names = ["Project", "Residual", "Lstsq", "ProjectionMatrix", "Pinv", "Pinv.wide", "Qr", "Qr.wide", "Qr.complete.wide"];

    /// <summary>The adapter's function and torch's route, the shape of a, and whether y enters.</summary>
    private static (Outputs Ours, Outputs Theirs, long M, long N, bool UsesY) Function(string name) => name switch
    {
        "Project" => ((a, y) => [TorchLinalg.Project(a, y)], (a, y) => [Reference.Project(a, y)], 9, 4, true),
        "Residual" => ((a, y) => [TorchLinalg.Residual(a, y)], (a, y) => [Reference.Residual(a, y)], 9, 4, true),
        "Lstsq" => ((a, y) => [TorchLinalg.Lstsq(a, y)], (a, y) => [Reference.Lstsq(a, y)], 9, 4, true),
        "ProjectionMatrix" => ((a, _) => [TorchLinalg.ProjectionMatrix(a)], (a, _) => [Reference.ProjectionMatrix(a)], 9, 4, false),
        "Pinv" => ((a, _) => [TorchLinalg.Pinv(a)], (a, _) => [torch.linalg.pinv(a)], 9, 4, false),
        "Pinv.wide" => ((a, _) => [TorchLinalg.Pinv(a)], (a, _) => [torch.linalg.pinv(a)], 4, 7, false),
        "Qr" => ((a, _) => Pair(TorchLinalg.Qr(a)), (a, _) => Pair(torch.linalg.qr(a)), 9, 4, false),
        "Qr.wide" => ((a, _) => Pair(TorchLinalg.Qr(a)), (a, _) => Pair(torch.linalg.qr(a)), 4, 7, false),
        _ => ((a, _) => Pair(TorchLinalg.Qr(a, linalg.QRMode.Complete)), (a, _) => Pair(torch.linalg.qr(a, linalg.QRMode.Complete)), 4, 7, false),
    };

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void HessianVectorProduct_Float64_MatchesTorchsRouteAndDifferencesOfTheGradient(string name, long[] batch, bool transposed)
    {
        using var scope = torch.NewDisposeScope();
        (Outputs ours, Outputs theirs, long m, long n, bool usesY) = Function(name);
        Problem p = Problem.Make(batch, m, n, transposed, ScalarType.Float64, seed: 31);
        string label = $"{name} batch [{string.Join(", ", batch)}]{(transposed ? " transposed" : string.Empty)}";

        Tensor[] hv = p.HessianVectorProduct(ours, usesY);
        Tensor[] hvRef = p.HessianVectorProduct(theirs, usesY);
        Tensor[] differences = p.GradientDifferences(ours, usesY, step: 1e-5);
        for (int i = 0; i < hv.Length; i++)
        {
            Console.WriteLine($"{label}: H v ({p.InputName(i)}) relative error {Reference.RelativeError(hv[i], hvRef[i]):e1} against torch's route, {Reference.RelativeError(hv[i], differences[i]):e1} against differences");
            Assert.IsLessThan(Float64Tolerance, Reference.RelativeError(hv[i], hvRef[i]), $"{label}: H v ({p.InputName(i)}) against torch's route");
            Assert.IsLessThan(1e-6, Reference.RelativeError(hv[i], differences[i]), $"{label}: H v ({p.InputName(i)}) against central differences of the gradient");
        }
    }

    [TestMethod]
    [DataRow("Residual")]
    [DataRow("Lstsq")]
    [DataRow("Pinv")]
    [DataRow("Qr")]
    public void HessianVectorProduct_Float32_AgreesWithTheFloat64Reference(string name)
    {
        using var scope = torch.NewDisposeScope();
        (Outputs ours, Outputs theirs, long m, long n, bool usesY) = Function(name);
        Problem p64 = Problem.Make([2], m, n, transposed: false, ScalarType.Float64, seed: 37);
        Problem p32 = p64.To(ScalarType.Float32);
        Tensor[] hv = p32.HessianVectorProduct(ours, usesY), hvRef = p64.HessianVectorProduct(theirs, usesY);

        // Second derivatives lose about eps kappa^3 (kappa of these random matrices is below 10).
        double kappa = Condition(p64.A), eps = MathF.BitIncrement(1f) - 1f;
        for (int i = 0; i < hv.Length; i++)
        {
            Assert.AreEqual(ScalarType.Float32, hv[i].dtype);
            Assert.IsLessThan(50 * eps * Math.Pow(kappa, 3), Reference.RelativeError(hv[i], hvRef[i]), $"{name}: H v ({p64.InputName(i)})");
        }
    }

    [TestMethod]
    [DataRow("Residual")]
    [DataRow("Pinv")]
    [DataRow("Qr")]
    public void ThirdDerivative_MatchesTorchsRoute(string name)
    {
        using var scope = torch.NewDisposeScope();
        (Outputs ours, Outputs theirs, long m, long n, _) = Function(name);
        Problem p = Problem.Make([2], m, n, transposed: false, ScalarType.Float64, seed: 41);
        Tensor third = p.ThirdDerivative(ours), thirdRef = p.ThirdDerivative(theirs);
        Assert.IsLessThan(1e-8, Reference.RelativeError(third, thirdRef), name);
    }

    [TestMethod]
    [DataRow(ScalarType.Float64, false)]
    [DataRow(ScalarType.Float64, true)]
    [DataRow(ScalarType.Float32, false)]
    public void CreateGraph_NaNInOneMatrixOfTheCotangent_GivesNaNThereAndTorchsValuesElsewhere(ScalarType dtype, bool transposed)
    {
        using var scope = torch.NewDisposeScope();
        Problem p = Problem.Make([3], 9, 4, transposed, ScalarType.Float64, seed: 43);
        Tensor a = p.A.to(dtype), y = p.Y.to(dtype), w = Reference.Random([3, 9, 2], dtype, new Generator(47));
        w[1, 0, 0] = torch.tensor(double.NaN, dtype);
        Tensor grad = torch.autograd.grad([(TorchLinalg.Residual(a, y) * w).sum()], [a], retain_graph: true, create_graph: true)[0];
        Tensor expected = torch.autograd.grad([(Reference.Residual(p.A, p.Y) * w.to(ScalarType.Float64)).sum()], [p.A])[0];
        Assert.IsTrue(grad.requires_grad, "the gradient is a node of the graph");
        Assert.IsTrue(grad[1].isnan().all().item<bool>());
        double tolerance = dtype == ScalarType.Float64 ? Float64Tolerance : 1e-4;
        Assert.IsLessThan(tolerance, Reference.RelativeError(grad[0], expected[0]));
        Assert.IsLessThan(tolerance, Reference.RelativeError(grad[2], expected[2]));
        using Tensor next = TorchLinalg.Project(a, y);     // nothing was kept to be raised
    }

    private static Tensor[] Pair((Tensor Q, Tensor R) qr) => [qr.Q, qr.R];

    private static double Condition(Tensor a)
    {
        Tensor s = torch.linalg.svdvals(a.detach().reshape(-1, a.shape[^2], a.shape[^1]));
        return (s[.., 0] / s[.., -1]).max().item<double>();
    }

    /// <summary>
    /// A (..., m, n) and Y (..., m, 2) requiring grad, directions V_A, V_Y, and the loss
    /// L = sum_i sum(W_i * sin(F_i(A, Y))) over a function's outputs F_i (sin makes L's own second
    /// derivative count too). A transposed A is the transposed view of a contiguous (..., n, m) leaf.
    /// </summary>
    private sealed record Problem(Tensor A, Tensor Y, Tensor VA, Tensor VY, int Seed)
    {
        public static Problem Make(long[] batch, long m, long n, bool transposed, ScalarType dtype, int seed)
        {
            var gen = new Generator((ulong)seed);
            Tensor a = transposed
                ? Reference.Random([.. batch, n, m], dtype, gen).requires_grad_(true).mT
                : Reference.Random([.. batch, m, n], dtype, gen).requires_grad_(true);
            Tensor y = Reference.Random([.. batch, m, 2], dtype, gen).requires_grad_(true);
            return new Problem(a, y, Reference.Random([.. batch, m, n], dtype, gen), Reference.Random([.. batch, m, 2], dtype, gen), seed);
        }

        public Problem To(ScalarType dtype) =>
            new(A.detach().to(dtype).requires_grad_(true), Y.detach().to(dtype).requires_grad_(true), VA.to(dtype), VY.to(dtype), Seed);

        public string InputName(int i) => i == 0 ? "A" : "Y";

        public Tensor Loss(Outputs f, Tensor a, Tensor y)
        {
            Tensor[] outputs = f(a, y);
            var gen = new Generator((ulong)Seed + 1);
            Tensor loss = torch.zeros([], a.dtype);
            foreach (Tensor output in outputs)
            {
                loss = loss + (Reference.Random(output.shape, output.dtype, gen) * output.sin()).sum();
            }

            return loss;
        }

        /// <summary>H v: the gradient of &lt;dL/d(A, Y), (V_A, V_Y)&gt;, through a create_graph backward.</summary>
        public Tensor[] HessianVectorProduct(Outputs f, bool usesY)
        {
            Tensor[] inputs = usesY ? [A, Y] : [A];
            IList<Tensor> grads = torch.autograd.grad([Loss(f, A, Y)], inputs, retain_graph: true, create_graph: true);
            Tensor inner = (grads[0] * VA).sum();
            if (usesY)
            {
                inner = inner + (grads[1] * VY).sum();
            }

            return [.. torch.autograd.grad([inner], inputs)];
        }

        /// <summary>(dL/d(A, Y) at (A, Y) + h V - the same at - h V) / 2h, first-order gradients only.</summary>
        public Tensor[] GradientDifferences(Outputs f, bool usesY, double step)
        {
            Tensor[] Gradient(double sign)
            {
                Tensor a = (A.detach() + sign * step * VA).requires_grad_(true), y = (Y.detach() + sign * step * VY).requires_grad_(true);
                return [.. torch.autograd.grad([Loss(f, a, y)], usesY ? [a, y] : [a])];
            }

            Tensor[] plus = Gradient(1), minus = Gradient(-1);
            return [.. plus.Zip(minus, (p, m) => (p - m) / (2 * step))];
        }

        /// <summary>d/dA of &lt;H v, V_A&gt;: a third derivative of L in the direction V_A twice.</summary>
        public Tensor ThirdDerivative(Outputs f)
        {
            Tensor g = torch.autograd.grad([Loss(f, A, Y)], [A], retain_graph: true, create_graph: true)[0];
            Tensor h = torch.autograd.grad([(g * VA).sum()], [A], retain_graph: true, create_graph: true)[0];
            return torch.autograd.grad([(h * VA).sum()], [A])[0];
        }
    }
}
