using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Functions;

/// <summary>
/// A+ with torch.linalg.pinv's tolerances as one autograd node; vars: a (..., m, n), atol
/// (double?), rtol (double?). The backward is OrthoProj's Golub-Pereyra formula.
/// </summary>
internal sealed class PinvFunction : autograd.SingleTensorFunction<PinvFunction>
{
    private const string StateKey = "orthoproj";

    public override string Name => "OrthoProjPinv";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var a = (Tensor)vars[0];
        var tolerance = new RankTolerance((double?)vars[1], (double?)vars[2]);
        return a.dtype == ScalarType.Float32 ? Forward<float>(ctx, a, tolerance) : Forward<double>(ctx, a, tolerance);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        AdapterChecks.RejectDoubleBackward(Name);
        Tensor ga = ctx.get_data(StateKey) switch
        {
            State<float> s => s.Backward(grad_output),
            State<double> s => s.Backward(grad_output),
            _ => throw new InvalidOperationException("The pseudo-inverse's saved state is missing."),
        };
        return [ga, null!, null!];
    }

    private static Tensor Forward<T>(autograd.AutogradContext ctx, Tensor a, RankTolerance tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var state = new State<T>(a, tolerance);
        ctx.save_data(StateKey, state);
        return TensorBatches.ToTensor(state.Pinv, TensorBatches.BatchShape(a), a.dtype);
    }

    private sealed class State<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly HostMatrixBatch<T> a;
        private readonly long[] batchShape;
        private readonly ScalarType dtype;

        public State(Tensor a, RankTolerance tolerance)
        {
            this.a = TensorBatches.ToBatch<T>(a);
            batchShape = TensorBatches.BatchShape(a);
            dtype = a.dtype;
            Pinv = Linalg.Pinv(this.a, tolerance).Pinv;     // A+ and A are what the backward needs; the ranks are not kept
        }

        public MatrixBatch<T> Pinv { get; }

        public Tensor Backward(Tensor gradOutput)
        {
            using MatrixBatch<T> ga = Linalg.PinvBackward(a, Pinv, TensorBatches.ToBatch<T>(gradOutput));
            return TensorBatches.ToTensor(ga, batchShape, dtype);
        }
    }
}
