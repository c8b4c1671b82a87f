using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Tests;

/// <summary>
/// Every function's value and gradients against TorchSharp's own autograd of the same loss
/// (float64 to 1e-10; float32 against the float64 reference, scaled by eps and conditioning).
/// </summary>
[TestClass]
public sealed class TorchLinalgTests
{
    private const double Float64Tolerance = 1e-10;

    public delegate Tensor TwoArgument(Tensor a, Tensor y);

    public static IEnumerable<object[]> ProjectorFunctions =>
    [
        ["Project", (TwoArgument)TorchLinalg.Project, (TwoArgument)Reference.Project],
        ["Residual", (TwoArgument)TorchLinalg.Residual, (TwoArgument)Reference.Residual],
        ["Lstsq", (TwoArgument)TorchLinalg.Lstsq, (TwoArgument)Reference.Lstsq],
    ];

    [TestMethod]
    [DynamicData(nameof(ProjectorFunctions))]
    public void ProjectorFunction_ValueAndGradientsMatchTorchAutograd_Float64(string name, TwoArgument ours, TwoArgument reference)
    {
        foreach (long[] batch in new[] { Array.Empty<long>(), [3], [2, 3] })
        {
            var gen = new Generator(7);
            Tensor a = Reference.Random([.. batch, 12, 5], ScalarType.Float64, gen);
            Tensor y = Reference.Random([.. batch, 12, 3], ScalarType.Float64, gen);
            Tensor w = Reference.Random([.. batch, name == "Lstsq" ? 5 : 12, 3], ScalarType.Float64, gen);
            (Tensor value, Tensor ga, Tensor gy) = ValueAndGrads(ours, a, y, w);
            (Tensor valueRef, Tensor gaRef, Tensor gyRef) = ValueAndGrads(reference, a, y, w);
            string shape = $"{name} batch [{string.Join(", ", batch)}]";
            Assert.IsLessThan(Float64Tolerance, Reference.RelativeError(value, valueRef), shape + " value");
            Assert.IsLessThan(Float64Tolerance, Reference.RelativeError(ga, gaRef), shape + " dL/da");
            Assert.IsLessThan(Float64Tolerance, Reference.RelativeError(gy, gyRef), shape + " dL/dy");
            CollectionAssert.AreEqual(a.shape, ga.shape, shape + " dL/da shape");
        }
    }

    [TestMethod]
    [DynamicData(nameof(ProjectorFunctions))]
    public void ProjectorFunction_Float32_AgreesWithTheFloat64Reference(string name, TwoArgument ours, TwoArgument reference)
    {
        var gen = new Generator(11);
        Tensor a = Reference.Random([4, 32, 16], ScalarType.Float64, gen);
        Tensor y = Reference.Random([4, 32, 2], ScalarType.Float64, gen);
        Tensor w = Reference.Random([4, name == "Lstsq" ? 16 : 32, 2], ScalarType.Float64, gen);
        (Tensor value, Tensor ga, Tensor gy) = ValueAndGrads(ours, a.to(ScalarType.Float32), y.to(ScalarType.Float32), w.to(ScalarType.Float32));
        (Tensor valueRef, Tensor gaRef, Tensor gyRef) = ValueAndGrads(reference, a, y, w);
        Assert.AreEqual(ScalarType.Float32, value.dtype);

        // Forward error ~ eps kappa, gradients ~ eps kappa^2 (kappa of a random 32 x 16 is about 10).
        double kappa = Condition(a), eps = MathF.BitIncrement(1f) - 1f;
        Assert.IsLessThan(50 * eps * kappa, Reference.RelativeError(value, valueRef), name + " value");
        Assert.IsLessThan(50 * eps * kappa * kappa, Reference.RelativeError(ga, gaRef), name + " dL/da");
        Assert.IsLessThan(50 * eps * kappa * kappa, Reference.RelativeError(gy, gyRef), name + " dL/dy");
    }

    [TestMethod]
    public void ProjectionMatrix_ValueAndGradientMatchTorchAutograd()
    {
        var gen = new Generator(3);
        Tensor a = Reference.Random([2, 10, 4], ScalarType.Float64, gen);
        Tensor w = Reference.Random([2, 10, 10], ScalarType.Float64, gen);
        (Tensor p, Tensor ga) = ValueAndGrad(TorchLinalg.ProjectionMatrix, a, w);
        (Tensor pRef, Tensor gaRef) = ValueAndGrad(Reference.ProjectionMatrix, a, w);
        Assert.IsLessThan(Float64Tolerance, Reference.RelativeError(p, pRef));
        Assert.IsLessThan(Float64Tolerance, Reference.RelativeError(ga, gaRef));
    }

    [TestMethod]
    public void Pinv_TallAndWide_WithTorchTolerances_MatchesTorchAutograd()
    {
        var gen = new Generator(5);
        foreach ((long m, long n, double? atol, double? rtol) in new (long, long, double?, double?)[] { (9, 4, null, null), (4, 9, null, null), (9, 4, 1e-3, null), (6, 6, null, 1e-6) })
        {
            Tensor a = Reference.Random([2, m, n], ScalarType.Float64, gen);
            Tensor w = Reference.Random([2, n, m], ScalarType.Float64, gen);
            (Tensor x, Tensor ga) = ValueAndGrad(t => TorchLinalg.Pinv(t, atol, rtol), a, w);
            (Tensor xRef, Tensor gaRef) = ValueAndGrad(t => torch.linalg.pinv(t, atol: atol, rtol: rtol), a, w);
            Assert.IsLessThan(Float64Tolerance, Reference.RelativeError(x, xRef), $"{m} x {n}");
            Assert.IsLessThan(Float64Tolerance, Reference.RelativeError(ga, gaRef), $"{m} x {n} gradient");
        }
    }

    [TestMethod]
    public void Qr_FactorsAndGradientMatchTorchLinalgQr_TallAndWide()
    {
        var gen = new Generator(13);
        foreach ((long m, long n) in new (long, long)[] { (8, 5), (5, 5), (4, 7) })
        {
            Tensor a = Reference.Random([3, m, n], ScalarType.Float64, gen);
            long k = Math.Min(m, n);
            Tensor wq = Reference.Random([3, m, k], ScalarType.Float64, gen), wr = Reference.Random([3, k, n], ScalarType.Float64, gen);
            Tensor ours = a.detach().clone().requires_grad_(true), theirs = a.detach().clone().requires_grad_(true);
            (Tensor q, Tensor r) = TorchLinalg.Qr(ours);
            (Tensor qRef, Tensor rRef) = torch.linalg.qr(theirs);
            ((q * wq).sum() + (r * wr).sum()).backward();
            ((qRef * wq).sum() + (rRef * wr).sum()).backward();
            Assert.IsLessThan(Float64Tolerance, Reference.RelativeError(q, qRef), $"Q {m} x {n} (signs included)");
            Assert.IsLessThan(Float64Tolerance, Reference.RelativeError(r, rRef), $"R {m} x {n}");
            Assert.IsLessThan(Float64Tolerance, Reference.RelativeError(ours.grad!, theirs.grad!), $"dL/dA {m} x {n}");
        }
    }

    [TestMethod]
    public void Qr_OnlyOneOutputUsed_TheOtherGradientIsZero()
    {
        Tensor a = Reference.Random([6, 3], ScalarType.Float64, new Generator(17));
        Tensor ours = a.detach().clone().requires_grad_(true), theirs = a.detach().clone().requires_grad_(true);
        TorchLinalg.Qr(ours).R.sum().backward();
        torch.linalg.qr(theirs).R.sum().backward();
        Assert.IsLessThan(Float64Tolerance, Reference.RelativeError(ours.grad!, theirs.grad!));
    }

    [TestMethod]
    public void NonContiguousInputs_TransposedViewsAndSlices_GiveTheContiguousResult()
    {
        var gen = new Generator(19);
        Tensor at = Reference.Random([2, 5, 12], ScalarType.Float64, gen);      // a = at^T: a transposed view
        Tensor ywide = Reference.Random([2, 12, 7], ScalarType.Float64, gen);   // y = columns 1, 3, 5: a strided slice
        Tensor a = at.transpose(-2, -1), y = ywide[.., .., TensorIndex.Slice(1, 7, 2)];
        Assert.IsFalse(a.is_contiguous());
        Assert.IsFalse(y.is_contiguous());
        Tensor z = TorchLinalg.Project(a, y);
        Tensor zc = TorchLinalg.Project(a.contiguous(), y.contiguous());
        Assert.AreEqual(0.0, Reference.RelativeError(z, zc));
        Assert.IsLessThan(Float64Tolerance, Reference.RelativeError(z, Reference.Project(a, y)));
    }

    [TestMethod]
    public void RequiresGradOnASubset_OnlyThoseGetGradients()
    {
        var gen = new Generator(23);
        Tensor a = Reference.Random([10, 4], ScalarType.Float64, gen), y = Reference.Random([10, 2], ScalarType.Float64, gen);
        Tensor yOnly = y.clone().requires_grad_(true);
        TorchLinalg.Project(a, yOnly).sum().backward();
        Tensor yRef = y.clone().requires_grad_(true);
        Reference.Project(a, yRef).sum().backward();
        Assert.IsLessThan(Float64Tolerance, Reference.RelativeError(yOnly.grad!, yRef.grad!));
        Assert.IsNull(a.grad);

        Tensor aOnly = a.clone().requires_grad_(true);
        TorchLinalg.Residual(aOnly, y).square().sum().backward();
        Tensor aRef = a.clone().requires_grad_(true);
        Reference.Residual(aRef, y).square().sum().backward();
        Assert.IsLessThan(Float64Tolerance, Reference.RelativeError(aOnly.grad!, aRef.grad!));

        using (torch.no_grad())
        {
            Assert.IsFalse(TorchLinalg.Project(aOnly, y).requires_grad, "no graph under no_grad");
        }
    }

    [TestMethod]
    public void TheReportsTwoLosses_Float32_MatchTheFloat64Reference()
    {
        // V = rand(32, 16) float32, y = e1: gradients of sum(pinv(V)) and of sum((Q^T y)^T Q^T).
        Tensor v = torch.rand([32, 16], dtype: ScalarType.Float64, generator: new Generator(1));
        Tensor e1 = torch.zeros([32, 1], dtype: ScalarType.Float64);
        e1[0, 0] = 1.0;

        Tensor v32 = v.to(ScalarType.Float32).requires_grad_(true);
        TorchLinalg.Pinv(v32).sum().backward();
        Tensor v64 = v.clone().requires_grad_(true);
        torch.linalg.pinv(v64).sum().backward();
        double kappa = Condition(v);
        double eps = MathF.BitIncrement(1f) - 1f;
        Assert.IsLessThan(50 * eps * kappa * kappa, Reference.RelativeError(v32.grad!, v64.grad!), "d sum(pinv(V)) / dV");

        Tensor w32 = v.to(ScalarType.Float32).requires_grad_(true);
        Tensor q = TorchLinalg.Qr(w32).Q;
        Tensor qty = q.transpose(-2, -1).matmul(e1.to(ScalarType.Float32));
        qty.transpose(-2, -1).matmul(q.transpose(-2, -1)).sum().backward();
        Tensor w64 = v.clone().requires_grad_(true);
        Tensor qRef = torch.linalg.qr(w64).Q;
        qRef.transpose(-2, -1).matmul(e1).transpose(-2, -1).matmul(qRef.transpose(-2, -1)).sum().backward();
        Assert.IsLessThan(50 * eps * kappa * kappa, Reference.RelativeError(w32.grad!, w64.grad!), "d sum((Q^T y)^T Q^T) / dV");
    }

    [TestMethod]
    public void BadInput_RaisesClearErrors()
    {
        Tensor a = torch.rand([6, 3], dtype: ScalarType.Float64), y = torch.rand([6, 2], dtype: ScalarType.Float64);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => TorchLinalg.Project(torch.rand([6], dtype: ScalarType.Float64), y)).Message, "(m, n)");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => TorchLinalg.Project(a, y.to(ScalarType.Float32))).Message, "same dtype");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => TorchLinalg.Project(a.to(ScalarType.Int32), y)).Message, "float32, float64, complex64 or complex128");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => TorchLinalg.Project(a, torch.rand([5, 2], dtype: ScalarType.Float64))).Message, "m = 6");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => TorchLinalg.Project(torch.rand([2, 6, 3], dtype: ScalarType.Float64), torch.rand([3, 6, 2], dtype: ScalarType.Float64))).Message, "batch");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => TorchLinalg.Project(a.transpose(0, 1), torch.rand([3, 1], dtype: ScalarType.Float64))).Message, "m >= n");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => TorchLinalg.Pinv(a, atol: -1)).Message, "atol");
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => TorchLinalg.Qr(torch.empty([6, 3], device: torch.META))).Message, "CUDA tensors are not supported");
        var rank = Assert.ThrowsExactly<RankDeficientException>(() => TorchLinalg.Project(torch.zeros([6, 3], dtype: ScalarType.Float64), y));
        StringAssert.Contains(rank.Message, "use TorchLinalg.Pinv");
        Assert.DoesNotContain("ProjectorMethod", rank.Message, "the adapter offers no SVD method to suggest");
    }

    [TestMethod]
    public void Results_HaveTheStridesTorchLinalgGivesThem()
    {
        Tensor a = Reference.Random([4, 6, 3], ScalarType.Float64, new Generator(61)), y = Reference.Random([4, 6, 2], ScalarType.Float64, new Generator(67));
        (Tensor q, Tensor r) = TorchLinalg.Qr(a);
        (Tensor qRef, Tensor rRef) = torch.linalg.qr(a);
        CollectionAssert.AreEqual(qRef.stride(), q.stride(), "Q: column-major, as LAPACK writes it");
        CollectionAssert.AreEqual(rRef.stride(), r.stride(), "R");
        Assert.AreEqual(ColumnMajor(torch.linalg.lstsq(a, y).Solution), ColumnMajor(TorchLinalg.Lstsq(a, y)), "lstsq's solution");
        Assert.AreEqual(ColumnMajor(torch.linalg.pinv(a)), ColumnMajor(TorchLinalg.Pinv(a)), "pinv");
        Assert.AreEqual(ColumnMajor(Reference.Project(a, y)), ColumnMajor(TorchLinalg.Project(a, y)), "a projection");

        static bool ColumnMajor(Tensor t) => t.stride(-2) == 1;
    }

    [TestMethod]
    [DataRow("Qr: Q")]
    [DataRow("Pinv: A+")]
    [DataRow("Residual: y")]
    [DataRow("Lstsq: A")]
    [DataRow("ProjectionMatrix: A")]
    [DataRow("Pinv: A")]
    [DataRow("Qr: A")]
    public void ATensorModifiedInPlaceBeforeTheBackwardThatReadsIt_GivesNaNAndLibtorchsRefusalAtTheNextCall(string name)
    {
        // Inputs and results that a backward reads in place are saved for backward, so libtorch's
        // version counter catches the change, as it does for its own functions.
        Tensor leaf = Reference.Random([2, 6, 3], ScalarType.Float64, new Generator(71)).requires_grad_(true);
        Tensor a = leaf * 1.0, y = Reference.Random([2, 6, 2], ScalarType.Float64, new Generator(73));
        Tensor output = name switch
        {
            "Qr: Q" or "Qr: A" => TorchLinalg.Qr(a).Q,
            "Pinv: A+" or "Pinv: A" => TorchLinalg.Pinv(a),
            "Residual: y" => TorchLinalg.Residual(a, y),
            "Lstsq: A" => TorchLinalg.Lstsq(a, y),
            _ => TorchLinalg.ProjectionMatrix(a),
        };
        Tensor modified = name.EndsWith(": A") ? a : name == "Residual: y" ? y : output;
        using (torch.no_grad())
        {
            modified.add_(1.0);
        }

        Tensor grad = torch.autograd.grad([(output * output).sum()], [leaf])[0];
        Assert.IsTrue(grad.isnan().all().item<bool>(), name);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => TorchLinalg.Pinv(a));
        StringAssert.Contains(e.Message, "modified by an inplace operation");
    }

    [TestMethod]
    public void QrBackward_RankDeficientR_GivesNaNInsteadOfStoppingTheProcess()
    {
        Tensor a = torch.rand([5, 3], dtype: ScalarType.Float64);
        a[.., 2] = a[.., 0];    // a repeated column: R_22 = 0, R^-T does not exist
        Tensor leaf = a.clone().requires_grad_(true);
        (Tensor q, Tensor r) = TorchLinalg.Qr(leaf);
        (q.sum() + r.sum()).backward();
        Assert.IsTrue(leaf.grad!.isnan().all().item<bool>());
    }

    [TestMethod]
    public void Loading_ReportsWhatWasDoneForLibstdcxx() =>
        Assert.IsFalse(string.IsNullOrEmpty(LibTorchLoader.Report));

    private static (Tensor Value, Tensor GradA, Tensor GradY) ValueAndGrads(TwoArgument f, Tensor a, Tensor y, Tensor w)
    {
        Tensor al = a.detach().clone().requires_grad_(true), yl = y.detach().clone().requires_grad_(true);
        Tensor value = f(al, yl);
        (value * w).sum().backward();
        return (value.detach(), al.grad!, yl.grad!);
    }

    private static (Tensor Value, Tensor GradA) ValueAndGrad(Func<Tensor, Tensor> f, Tensor a, Tensor w)
    {
        Tensor al = a.detach().clone().requires_grad_(true);
        Tensor value = f(al);
        (value * w).sum().backward();
        return (value.detach(), al.grad!);
    }

    private static double Condition(Tensor a)
    {
        Tensor s = torch.linalg.svdvals(a.to(ScalarType.Float64).reshape(-1, a.shape[^2], a.shape[^1]));
        return (s[.., 0] / s[.., -1]).max().item<double>();
    }
}
