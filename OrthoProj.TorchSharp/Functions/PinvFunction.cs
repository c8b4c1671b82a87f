using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Functions;

/// <summary>
/// A+ with torch.linalg.pinv's tolerances as one autograd node; vars: a (..., m, n), the
/// <see cref="RankTolerance"/>, whether a graph is built. The backward is OrthoProj's Golub-Pereyra
/// formula (with create_graph, the same formula in differentiable operations: <see cref="GraphBackward.Pinv"/>).
/// </summary>
internal sealed class PinvFunction : autograd.SingleTensorFunction<PinvFunction>
{
    public override string Name => "OrthoProjPinv";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (a, tolerance, differentiable) = ((Tensor)vars[0], (RankTolerance)vars[1], (bool)vars[2]);
        return a.dtype == ScalarType.Float32 ? Forward<float>(ctx, a, tolerance, differentiable) : Forward<double>(ctx, a, tolerance, differentiable);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output) => BackwardGuard.Run(Name, ctx, [grad_output]);

    private static Tensor Forward<T>(autograd.AutogradContext ctx, Tensor a, RankTolerance tolerance, bool differentiable)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var state = new State<T>(a, tolerance);
        Tensor x = TensorBatches.ToTensor(state.Pinv, TensorBatches.BatchShape(a), a.dtype);
        if (differentiable)
        {
            BackwardGuard.Save(ctx, state, a, null, null);
        }
        else
        {
            state.Release();
        }

        return x;
    }

    /// <summary>A read in place and A+, what the Golub-Pereyra backward needs; released after it.</summary>
    private sealed class State<T> : IBackward
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Tensor input;
        private readonly RankTolerance tolerance;
        private readonly long[] batchShape;
        private readonly ScalarType dtype;
        private TensorBatch<T>? a;

        public State(Tensor a, RankTolerance tolerance)
        {
            input = a;
            this.tolerance = tolerance;
            batchShape = TensorBatches.BatchShape(a);
            dtype = a.dtype;
            this.a = TensorBatches.ToBatch<T>(a);
            Pinv = Linalg.Pinv(this.a.Batch, tolerance).Pinv;     // the ranks are not kept
        }

        public MatrixBatch<T> Pinv { get; }

        public List<Tensor> Backward(IReadOnlyList<Tensor?> gradOutputs, bool createGraph)
        {
            try
            {
                return [createGraph ? GraphBackward.Pinv(input, tolerance, gradOutputs[0]!)[0] : Gradient(gradOutputs[0]!), null!, null!];
            }
            finally
            {
                Release();
            }
        }

        public void Release()
        {
            a?.Dispose();
            a = null;
        }

        private Tensor Gradient(Tensor gradOutput)
        {
            a ??= TensorBatches.ToBatch<T>(input);     // a second backward through a retained graph
            using TensorBatch<T> g = TensorBatches.ToBatch<T>(gradOutput);
            using MatrixBatch<T> ga = Linalg.PinvBackward(a.Batch, Pinv, g.Batch);
            return TensorBatches.ToTensor(ga, batchShape, dtype);
        }
    }
}
