using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Functions;

/// <summary>
/// A+ with torch.linalg.pinv's tolerances as one autograd node; vars: a (..., m, n), the
/// <see cref="RankTolerance"/>, whether a graph is built. The backward is OrthoProj's Golub-Pereyra
/// formula (with create_graph, the same formula in differentiable operations: <see cref="GraphBackward.Pinv"/>).
/// </summary>
internal sealed class PinvFunction : GuardedSingleTensorFunction<PinvFunction>
{
    public override string Name => "OrthoProjPinv";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (a, tolerance, differentiable) = ((Tensor)vars[0], (RankTolerance)vars[1], (bool)vars[2]);
        return Elements.Dispatch<ForwardCall, Tensor>(a.dtype, new(ctx, a, tolerance, differentiable));
    }

    private readonly record struct ForwardCall(autograd.AutogradContext Ctx, Tensor A, RankTolerance Tolerance, bool Differentiable) : IElementCall<Tensor>
    {
        public Tensor Run<T>()
            where T : unmanaged, INumberBase<T> => Forward<T>(Ctx, A, Tolerance, Differentiable);
    }

    private static Tensor Forward<T>(autograd.AutogradContext ctx, Tensor a, RankTolerance tolerance, bool differentiable)
        where T : unmanaged, INumberBase<T>
    {
        // A+ is written straight into the tensor returned, row-major as torch.linalg.pinv gives it.
        (Tensor x, HostMatrixBatch<T> output) = TensorBatches.Empty<T>(TensorBatches.BatchShape(a), checked((int)a.shape[^1]), checked((int)a.shape[^2]), TensorBatches.Count(a), a.dtype);
        using (TensorBatch<T> aBatch = TensorBatches.ToBatch<T>(a))
        {
            using PinvResult<T> pinv = Linalg.Pinv(aBatch.Batch, tolerance, output);     // the ranks are not kept
        }

        if (differentiable)
        {
            ctx.save_for_backward([x, a]);     // read in place by the backward; libtorch refuses either if modified in place since
            BackwardGuard.Save(ctx, new State<T>(tolerance), a, null, null);
        }

        return x;
    }

    /// <summary>What the Golub-Pereyra backward needs besides the saved A+ and A: the tolerance.</summary>
    private sealed class State<T>(RankTolerance tolerance) : IBackward
        where T : unmanaged, INumberBase<T>
    {
        public List<Tensor> Backward(autograd.AutogradContext ctx, IReadOnlyList<Tensor?> gradOutputs, bool createGraph)
        {
            List<Tensor> saved = ctx.get_saved_variables();     // throws if A+ or A changed since the forward
            Tensor x = saved[0], a = saved[1];
            return [createGraph ? GraphBackward.Pinv(a, tolerance, gradOutputs[0]!)[0] : Gradient(a, x, gradOutputs[0]!), null!, null!];
        }

        /// <summary>OrthoProj's PinvBackward, A and A+ read in place, written straight into a new tensor.</summary>
        private static Tensor Gradient(Tensor a, Tensor pinv, Tensor gradOutput)
        {
            using TensorBatch<T> x = TensorBatches.ToBatch<T>(pinv), aBatch = TensorBatches.ToBatch<T>(a), g = TensorBatches.ToBatch<T>(gradOutput);
            (Tensor gradA, HostMatrixBatch<T> output) = TensorBatches.Empty<T>(TensorBatches.BatchShape(a), aBatch.Batch.Rows, aBatch.Batch.Cols, aBatch.Batch.Count, a.dtype);
            Linalg.PinvBackward(aBatch.Batch, x.Batch, g.Batch, output);
            return gradA;
        }
    }
}
