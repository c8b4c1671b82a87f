using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Tests;

/// <summary>
/// complex64 and complex128 tensors: every function's value and gradients against torch's own route
/// (torch.linalg.qr and pinv with autograd), for a real loss Re(sum(conj(W) F)), whose gradient
/// torch gives as dL/dRe + i dL/dIm; second order for complex128; lazy conjugate views as inputs.
/// complex128 to 1e-9 relative; complex64 against the complex128 reference to 1e-3.
/// </summary>
[TestClass]
public sealed class ComplexTests
{
    private const double Complex128Tolerance = 1e-9, Complex64Tolerance = 1e-3;

    public delegate Tensor TwoArgument(Tensor a, Tensor y);

    /// <summary>A function of the adapter or of torch's route: its outputs from (a, y).</summary>
    public delegate Tensor[] Outputs(Tensor a, Tensor y);

    public static IEnumerable<object[]> ProjectorCases()
    {
        foreach (ScalarType dtype in new[] { ScalarType.ComplexFloat64, ScalarType.ComplexFloat32 })
        {
            yield return ["Project", (TwoArgument)TorchLinalg.Project, (TwoArgument)Reference.Project, dtype];
            yield return ["Residual", (TwoArgument)TorchLinalg.Residual, (TwoArgument)Reference.Residual, dtype];
            yield return ["Lstsq", (TwoArgument)TorchLinalg.Lstsq, (TwoArgument)Reference.Lstsq, dtype];
        }
    }

    [TestMethod]
    [DynamicData(nameof(ProjectorCases))]
    public void ProjectorFunction_ValueAndGradientsMatchTorchsRoute(string name, TwoArgument ours, TwoArgument reference, ScalarType dtype)
    {
        var gen = new Generator(7);
        Tensor a = Reference.RandomComplex([3, 7, 4], ScalarType.ComplexFloat64, gen);
        Tensor y = Reference.RandomComplex([3, 7, 2], ScalarType.ComplexFloat64, gen);
        Tensor w = Reference.RandomComplex([3, name == "Lstsq" ? 4 : 7, 2], ScalarType.ComplexFloat64, gen);
        (Tensor value, Tensor ga, Tensor gy) = ValueAndGrads(ours, a.to(dtype), y.to(dtype), w.to(dtype));
        (Tensor valueRef, Tensor gaRef, Tensor gyRef) = ValueAndGrads(reference, a, y, w);
        Assert.AreEqual(dtype, value.dtype);
        Assert.AreEqual(dtype, ga.dtype);
        double tolerance = Tolerance(dtype);
        Close(tolerance, value, valueRef, name + " value");
        Close(tolerance, ga, gaRef, name + " dL/da");
        Close(tolerance, gy, gyRef, name + " dL/dy");
    }

    [TestMethod]
    [DataRow(ScalarType.ComplexFloat64)]
    [DataRow(ScalarType.ComplexFloat32)]
    public void ProjectionMatrix_ValueAndGradientMatchTorchsRoute(ScalarType dtype)
    {
        var gen = new Generator(3);
        Tensor a = Reference.RandomComplex([3, 7, 4], ScalarType.ComplexFloat64, gen);
        Tensor w = Reference.RandomComplex([3, 7, 7], ScalarType.ComplexFloat64, gen);
        (Tensor p, Tensor ga) = ValueAndGrad(TorchLinalg.ProjectionMatrix, a.to(dtype), w.to(dtype));
        (Tensor pRef, Tensor gaRef) = ValueAndGrad(Reference.ProjectionMatrix, a, w);
        Close(Tolerance(dtype), p, pRef, "P");
        Close(Tolerance(dtype), ga, gaRef, "dL/dA");
        Close(Tolerance(dtype), p, p.mH, "P is Hermitian");
    }

    [TestMethod]
    [DataRow(ScalarType.ComplexFloat64)]
    [DataRow(ScalarType.ComplexFloat32)]
    public void Pinv_TallAndWide_MatchesTorchLinalgPinv(ScalarType dtype)
    {
        var gen = new Generator(5);
        foreach ((long m, long n) in new (long, long)[] { (7, 4), (3, 6), (5, 5) })
        {
            long batch = m < n ? 5 : 3;
            Tensor a = Reference.RandomComplex([batch, m, n], ScalarType.ComplexFloat64, gen);
            Tensor w = Reference.RandomComplex([batch, n, m], ScalarType.ComplexFloat64, gen);
            (Tensor x, Tensor ga) = ValueAndGrad(t => TorchLinalg.Pinv(t), a.to(dtype), w.to(dtype));
            (Tensor xRef, Tensor gaRef) = ValueAndGrad(t => torch.linalg.pinv(t), a, w);
            Assert.AreEqual(dtype, x.dtype);
            Close(Tolerance(dtype), x, xRef, $"{m} x {n}");
            Close(Tolerance(dtype), ga, gaRef, $"{m} x {n} gradient");
        }
    }

    [TestMethod]
    [DataRow(ScalarType.ComplexFloat64)]
    [DataRow(ScalarType.ComplexFloat32)]
    public void Qr_FactorsAndGradientMatchTorchLinalgQr_TallSquareAndWide(ScalarType dtype)
    {
        var gen = new Generator(13);
        foreach ((long m, long n) in new (long, long)[] { (7, 4), (4, 4), (3, 6) })
        {
            long batch = m < n ? 5 : 3, k = Math.Min(m, n);
            Tensor a = Reference.RandomComplex([batch, m, n], ScalarType.ComplexFloat64, gen);
            Tensor wq = Reference.RandomComplex([batch, m, k], ScalarType.ComplexFloat64, gen), wr = Reference.RandomComplex([batch, k, n], ScalarType.ComplexFloat64, gen);
            Tensor ours = a.detach().to(dtype).clone().requires_grad_(true), theirs = a.detach().clone().requires_grad_(true);
            (Tensor q, Tensor r) = TorchLinalg.Qr(ours);
            (Tensor qRef, Tensor rRef) = torch.linalg.qr(theirs);
            (Pairing(wq.to(dtype), q) + Pairing(wr.to(dtype), r)).backward();
            (Pairing(wq, qRef) + Pairing(wr, rRef)).backward();
            string label = $"{dtype} {m} x {n}";
            Assert.AreEqual(0.0, r.diagonal(0, -2, -1).imag.abs().max().to(ScalarType.Float64).item<double>(), label + ": R's diagonal is real");
            Close(Tolerance(dtype), q, qRef, label + ": Q (phases included)");
            Close(Tolerance(dtype), r, rRef, label + ": R");
            Close(Tolerance(dtype), ours.grad!, theirs.grad!, label + ": dL/dA");
        }
    }

    [TestMethod]
    [DynamicData(nameof(SecondOrderCases))]
    public void FirstOrderGradient_ThroughTheDifferentiableRoute_MatchesTorchsRoute(string name, bool adjointView)
    {
        // With create_graph the backward is GraphBackward's formulas in torch ops (on the adapter's
        // forward results), not OrthoProj's first-order kernels: the same gradient.
        using var scope = torch.NewDisposeScope();
        (Outputs ours, Outputs theirs, long m, long n, bool usesY) = Function(name);
        var gen = new Generator(43);
        Tensor a = adjointView
            ? Reference.RandomComplex([3, n, m], ScalarType.ComplexFloat64, gen).requires_grad_(true).mH
            : Reference.RandomComplex([3, m, n], ScalarType.ComplexFloat64, gen).requires_grad_(true);
        Tensor y = Reference.RandomComplex([3, m, 2], ScalarType.ComplexFloat64, gen).requires_grad_(true);
        Tensor[] inputs = usesY ? [a, y] : [a];
        IList<Tensor> grads = torch.autograd.grad([Loss(ours, a, y)], inputs, create_graph: true);
        IList<Tensor> gradsRef = torch.autograd.grad([Loss(theirs, a, y)], inputs);
        for (int i = 0; i < grads.Count; i++)
        {
            Assert.IsTrue(grads[i].requires_grad, "a node of the graph");
            Close(Complex128Tolerance, grads[i], gradsRef[i], $"{name}{(adjointView ? " (mH view)" : string.Empty)}: dL/d{(i == 0 ? "A" : "Y")}");
        }
    }

    [TestMethod]
    [DataRow(ScalarType.ComplexFloat64)]
    [DataRow(ScalarType.ComplexFloat32)]
    public void ManagedRoute_ValuesAndGradientsMatchTorchsRoute(ScalarType dtype)
    {
        // The other tests run on the default host backend (native LAPACK where it is found); this
        // one on Math.NET's managed route, which computes complex elements through its own code.
        Backend host = Linalg.HostBackend;
        Linalg.HostBackend = CpuBackend.CreateManaged(1);
        try
        {
            var gen = new Generator(53);
            Tensor a = Reference.RandomComplex([3, 7, 4], ScalarType.ComplexFloat64, gen), y = Reference.RandomComplex([3, 7, 2], ScalarType.ComplexFloat64, gen);
            Tensor wide = Reference.RandomComplex([5, 3, 6], ScalarType.ComplexFloat64, gen);
            Tensor wz = Reference.RandomComplex([3, 7, 2], ScalarType.ComplexFloat64, gen), wx = Reference.RandomComplex([5, 6, 3], ScalarType.ComplexFloat64, gen);
            Tensor wq = Reference.RandomComplex([3, 7, 4], ScalarType.ComplexFloat64, gen), wr = Reference.RandomComplex([3, 4, 4], ScalarType.ComplexFloat64, gen);

            (Tensor z, Tensor ga, Tensor gy) = ValueAndGrads(TorchLinalg.Project, a.to(dtype), y.to(dtype), wz.to(dtype));
            (Tensor zRef, Tensor gaRef, Tensor gyRef) = ValueAndGrads(Reference.Project, a, y, wz);
            Close(Tolerance(dtype), z, zRef, "Project");
            Close(Tolerance(dtype), ga, gaRef, "Project dL/dA");
            Close(Tolerance(dtype), gy, gyRef, "Project dL/dy");

            (Tensor x, Tensor gw) = ValueAndGrad(t => TorchLinalg.Pinv(t), wide.to(dtype), wx.to(dtype));
            (Tensor xRef, Tensor gwRef) = ValueAndGrad(t => torch.linalg.pinv(t), wide, wx);
            Close(Tolerance(dtype), x, xRef, "Pinv (wide)");
            Close(Tolerance(dtype), gw, gwRef, "Pinv (wide) dL/dA");

            Tensor ours = a.detach().to(dtype).clone().requires_grad_(true), theirs = a.detach().clone().requires_grad_(true);
            (Tensor q, Tensor r) = TorchLinalg.Qr(ours);
            (Tensor qRef, Tensor rRef) = torch.linalg.qr(theirs);
            (Pairing(wq.to(dtype), q) + Pairing(wr.to(dtype), r)).backward();
            (Pairing(wq, qRef) + Pairing(wr, rRef)).backward();
            Close(Tolerance(dtype), q, qRef, "Q");
            Close(Tolerance(dtype), r, rRef, "R");
            Close(Tolerance(dtype), ours.grad!, theirs.grad!, "QR dL/dA");
        }
        finally
        {
            Linalg.HostBackend = host;
        }
    }

    [TestMethod]
    public void ConjugateAndAdjointViews_GiveTheResolvedTensorsResults()
    {
        var gen = new Generator(19);
        Tensor wide = Reference.RandomComplex([2, 4, 7], ScalarType.ComplexFloat64, gen);
        Tensor tall = Reference.RandomComplex([2, 7, 4], ScalarType.ComplexFloat64, gen);
        Tensor y = Reference.RandomComplex([2, 7, 3], ScalarType.ComplexFloat64, gen);
        Tensor conj = tall.conj(), adjoint = wide.mH;
        Assert.IsTrue(conj.is_conj(), "a.conj() is a lazy view");
        Assert.IsTrue(adjoint.is_conj(), "a.mH is a lazy view");
        Assert.AreEqual(0.0, Reference.RelativeError(TorchLinalg.Project(conj, y), TorchLinalg.Project(conj.resolve_conj(), y)), "conj view");
        Assert.AreEqual(0.0, Reference.RelativeError(TorchLinalg.Project(adjoint, y), TorchLinalg.Project(adjoint.resolve_conj(), y)), "mH view");
        Assert.AreEqual(0.0, Reference.RelativeError(TorchLinalg.Project(tall, y.conj()), TorchLinalg.Project(tall, y.conj().resolve_conj())), "conj view of y");
        Close(Complex128Tolerance, TorchLinalg.Pinv(adjoint), torch.linalg.pinv(adjoint), "pinv of an mH view");
        (Tensor q, Tensor r) = TorchLinalg.Qr(conj);
        (Tensor qRef, Tensor rRef) = torch.linalg.qr(conj.resolve_conj());
        Close(Complex128Tolerance, q, qRef, "Q of a conj view");
        Close(Complex128Tolerance, r, rRef, "R of a conj view");

        // The gradient reaches a leaf through its conjugate view (whose backward conjugates lazily).
        Tensor leaf = tall.clone().requires_grad_(true), leafRef = tall.clone().requires_grad_(true);
        Pairing(y, TorchLinalg.Residual(leaf.conj(), y)).backward();
        Pairing(y, Reference.Residual(leafRef.conj(), y)).backward();
        Close(Complex128Tolerance, leaf.grad!, leafRef.grad!, "gradient through a.conj()");
    }

    [TestMethod]
    public void ConjugateCotangent_IsReadResolved()
    {
        // conj(Q) in the loss: QR's backward receives a lazily conjugated cotangent.
        var gen = new Generator(23);
        Tensor a = Reference.RandomComplex([3, 6, 4], ScalarType.ComplexFloat64, gen), w = Reference.RandomComplex([3, 6, 4], ScalarType.ComplexFloat64, gen);
        Tensor ours = a.clone().requires_grad_(true), theirs = a.clone().requires_grad_(true);
        Pairing(w, TorchLinalg.Qr(ours).Q.conj()).backward();
        Pairing(w, torch.linalg.qr(theirs).Q.conj()).backward();
        Close(Complex128Tolerance, ours.grad!, theirs.grad!, "dL/dA");
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void NonFiniteImaginaryPartOfTheCotangent_GivesNaNInThatMatrixOnly(bool createGraph)
    {
        var gen = new Generator(29);
        Tensor a = Reference.RandomComplex([3, 7, 4], ScalarType.ComplexFloat64, gen).requires_grad_(true);
        Tensor y = Reference.RandomComplex([3, 7, 2], ScalarType.ComplexFloat64, gen);
        Tensor w = Reference.RandomComplex([3, 7, 2], ScalarType.ComplexFloat64, gen);
        w[1, 0, 0] = torch.complex(torch.tensor(0.5), torch.tensor(double.PositiveInfinity));
        Tensor grad = torch.autograd.grad([Pairing(w, TorchLinalg.Residual(a, y))], [a], create_graph: createGraph)[0];
        Tensor expected = torch.autograd.grad([Pairing(w, Reference.Residual(a, y))], [a])[0];
        Assert.IsTrue(grad[1].isnan().all().item<bool>());
        Close(Complex128Tolerance, grad[0], expected[0], "matrix 0");
        Close(Complex128Tolerance, grad[2], expected[2], "matrix 2");
        using Tensor next = TorchLinalg.Project(a, y);     // nothing was kept to be raised
    }

    [TestMethod]
    public void ComplexInputs_BadDtypeMixes_AreRefused()
    {
        Tensor a = Reference.RandomComplex([6, 3], ScalarType.ComplexFloat64, new Generator(31));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => TorchLinalg.Project(a, torch.rand([6, 2], dtype: ScalarType.Float64))).Message, "same dtype");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => TorchLinalg.Project(a, a.to(ScalarType.ComplexFloat32))).Message, "same dtype");
    }

    public static IEnumerable<object[]> SecondOrderCases()
    {
        foreach (string name in new[] { "Project", "Residual", "Lstsq", "ProjectionMatrix", "Pinv", "Pinv.wide", "Qr", "Qr.wide" })
        {
            foreach (bool transposed in new[] { false, true })
            {
                yield return [name, transposed];
            }
        }
    }

    [TestMethod]
    [DynamicData(nameof(SecondOrderCases))]
    public void HessianVectorProduct_Complex128_MatchesTorchsRoute(string name, bool adjointView)
    {
        using var scope = torch.NewDisposeScope();
        (Outputs ours, Outputs theirs, long m, long n, bool usesY) = Function(name);
        var gen = new Generator(37);
        Tensor a = adjointView
            ? Reference.RandomComplex([3, n, m], ScalarType.ComplexFloat64, gen).requires_grad_(true).mH
            : Reference.RandomComplex([3, m, n], ScalarType.ComplexFloat64, gen).requires_grad_(true);
        Tensor y = Reference.RandomComplex([3, m, 2], ScalarType.ComplexFloat64, gen).requires_grad_(true);
        Tensor va = Reference.RandomComplex([3, m, n], ScalarType.ComplexFloat64, gen), vy = Reference.RandomComplex([3, m, 2], ScalarType.ComplexFloat64, gen);
        Tensor[] inputs = usesY ? [a, y] : [a], directions = usesY ? [va, vy] : [va];
        Tensor[] hv = HessianVectorProduct(ours, inputs, directions, y), hvRef = HessianVectorProduct(theirs, inputs, directions, y);
        for (int i = 0; i < hv.Length; i++)
        {
            string label = $"{name}{(adjointView ? " (mH view)" : string.Empty)}: H v ({(i == 0 ? "A" : "Y")})";
            Assert.AreEqual(ScalarType.ComplexFloat64, hv[i].dtype, label);
            Close(Complex128Tolerance, hv[i], hvRef[i], label);
        }
    }

    [TestMethod]
    [DataRow("Residual")]
    [DataRow("Pinv")]
    [DataRow("Qr")]
    public void HessianVectorProduct_Complex64_AgreesWithTheComplex128Reference(string name)
    {
        using var scope = torch.NewDisposeScope();
        (Outputs ours, Outputs theirs, long m, long n, bool usesY) = Function(name);
        var gen = new Generator(47);
        Tensor a = Reference.RandomComplex([3, m, n], ScalarType.ComplexFloat64, gen), y = Reference.RandomComplex([3, m, 2], ScalarType.ComplexFloat64, gen);
        Tensor va = Reference.RandomComplex([3, m, n], ScalarType.ComplexFloat64, gen), vy = Reference.RandomComplex([3, m, 2], ScalarType.ComplexFloat64, gen);
        Tensor a64 = a.to(ScalarType.ComplexFloat32).requires_grad_(true), y64 = y.to(ScalarType.ComplexFloat32).requires_grad_(true);
        Tensor a128 = a.requires_grad_(true), y128 = y.requires_grad_(true);
        Tensor[] hv = HessianVectorProduct(ours, usesY ? [a64, y64] : [a64], usesY ? [va.to(ScalarType.ComplexFloat32), vy.to(ScalarType.ComplexFloat32)] : [va.to(ScalarType.ComplexFloat32)], y64);
        Tensor[] hvRef = HessianVectorProduct(theirs, usesY ? [a128, y128] : [a128], usesY ? [va, vy] : [va], y128);
        for (int i = 0; i < hv.Length; i++)
        {
            Assert.AreEqual(ScalarType.ComplexFloat32, hv[i].dtype);
            Close(Complex64Tolerance, hv[i], hvRef[i], $"{name}: H v ({(i == 0 ? "A" : "Y")})");
        }
    }

    /// <summary>The adapter's function and torch's route, the shape of a, and whether y enters.</summary>
    private static (Outputs Ours, Outputs Theirs, long M, long N, bool UsesY) Function(string name) => name switch
    {
        "Project" => ((a, y) => [TorchLinalg.Project(a, y)], (a, y) => [Reference.Project(a, y)], 7, 4, true),
        "Residual" => ((a, y) => [TorchLinalg.Residual(a, y)], (a, y) => [Reference.Residual(a, y)], 7, 4, true),
        "Lstsq" => ((a, y) => [TorchLinalg.Lstsq(a, y)], (a, y) => [Reference.Lstsq(a, y)], 7, 4, true),
        "ProjectionMatrix" => ((a, _) => [TorchLinalg.ProjectionMatrix(a)], (a, _) => [Reference.ProjectionMatrix(a)], 7, 4, false),
        "Pinv" => ((a, _) => [TorchLinalg.Pinv(a)], (a, _) => [torch.linalg.pinv(a)], 7, 4, false),
        "Pinv.wide" => ((a, _) => [TorchLinalg.Pinv(a)], (a, _) => [torch.linalg.pinv(a)], 3, 6, false),
        "Qr" => ((a, _) => Pair(TorchLinalg.Qr(a)), (a, _) => Pair(torch.linalg.qr(a)), 7, 4, false),
        _ => ((a, _) => Pair(TorchLinalg.Qr(a)), (a, _) => Pair(torch.linalg.qr(a)), 3, 6, false),
    };

    /// <summary>
    /// H v for L = Re(sum_i sum(conj(W_i) sin(F_i))): the gradient of Re&lt;dL/dx, v&gt; (dL/dx
    /// as torch gives it, dL/dRe + i dL/dIm), through a create_graph backward.
    /// </summary>
    private static Tensor[] HessianVectorProduct(Outputs f, Tensor[] inputs, Tensor[] directions, Tensor y)
    {
        IList<Tensor> grads = torch.autograd.grad([Loss(f, inputs[0], y)], inputs, retain_graph: true, create_graph: true);
        Tensor inner = torch.zeros([], ScalarType.Float64);
        for (int i = 0; i < grads.Count; i++)
        {
            inner = inner + Pairing(directions[i], grads[i]);
        }

        Assert.IsTrue(inner.requires_grad, "the first-order gradient is a node of the graph");     // else libtorch's refusal below would stop the test process

        return [.. torch.autograd.grad([inner], inputs)];
    }

    /// <summary>L = Re(sum_i sum(conj(W_i) sin(F_i))) over a function's outputs F_i, W_i random (sin: L's own second derivative counts too).</summary>
    private static Tensor Loss(Outputs f, Tensor a, Tensor y)
    {
        var gen = new Generator(41);
        Tensor loss = torch.zeros([], ScalarType.Float64);
        foreach (Tensor output in f(a, y))
        {
            loss = loss + Pairing(Reference.RandomComplex(output.shape, output.dtype, gen), output.sin());
        }

        return loss;
    }

    private static Tensor[] Pair((Tensor Q, Tensor R) qr) => [qr.Q, qr.R];

    /// <summary>||x - y|| / ||y|| below the tolerance, the error in the message.</summary>
    private static void Close(double tolerance, Tensor x, Tensor y, string label)
    {
        double error = Reference.RelativeError(x, y);
        Assert.IsLessThan(tolerance, error, $"{label}: relative error {error:e2}");
    }

    /// <summary>Re(sum(conj(w) z)), the real inner product; its gradient in z is w in torch's convention.</summary>
    private static Tensor Pairing(Tensor w, Tensor z) => (w.conj() * z).real.sum();

    private static double Tolerance(ScalarType dtype) => dtype == ScalarType.ComplexFloat64 ? Complex128Tolerance : Complex64Tolerance;

    private static (Tensor Value, Tensor GradA, Tensor GradY) ValueAndGrads(TwoArgument f, Tensor a, Tensor y, Tensor w)
    {
        Tensor al = a.detach().clone().requires_grad_(true), yl = y.detach().clone().requires_grad_(true);
        Tensor value = f(al, yl);
        Pairing(w, value).backward();
        return (value.detach(), al.grad!, yl.grad!);
    }

    private static (Tensor Value, Tensor GradA) ValueAndGrad(Func<Tensor, Tensor> f, Tensor a, Tensor w)
    {
        Tensor al = a.detach().clone().requires_grad_(true);
        Tensor value = f(al);
        Pairing(w, value).backward();
        return (value.detach(), al.grad!);
    }
}
