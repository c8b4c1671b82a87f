using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Functions;

/// <summary>P = A A+ (m x m per matrix) as one autograd node; vars: a (..., m, n), whether a graph is built.</summary>
internal sealed class ProjectionMatrixFunction : GuardedSingleTensorFunction<ProjectionMatrixFunction>
{
    public override string Name => "OrthoProjProjectionMatrix";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (a, differentiable) = ((Tensor)vars[0], (bool)vars[1]);
        return Elements.Dispatch<ForwardCall, Tensor>(a.dtype, new(ctx, a, differentiable));
    }

    private readonly record struct ForwardCall(autograd.AutogradContext Ctx, Tensor A, bool Differentiable) : IElementCall<Tensor>
    {
        public Tensor Run<T>()
            where T : unmanaged, INumberBase<T> => Forward<T>(Ctx, A, Differentiable);
    }

    private static Tensor Forward<T>(autograd.AutogradContext ctx, Tensor a, bool differentiable)
        where T : unmanaged, INumberBase<T>
    {
        var state = new State<T>(a);
        Tensor p = state.Forward();
        if (differentiable)
        {
            ctx.save_for_backward([a]);     // libtorch then refuses the backward if A was modified in place since
            BackwardGuard.Save(ctx, state, a, null);
        }
        else
        {
            state.Release();
        }

        return p;
    }

    /// <summary>The factored projector, released after the backward (factored again for a second one).</summary>
    private sealed class State<T>(Tensor a) : IBackward
        where T : unmanaged, INumberBase<T>
    {
        private readonly long[] batchShape = TensorBatches.BatchShape(a);
        private readonly ScalarType dtype = a.dtype;
        private Projector<T>? projector;

        public Tensor Forward()
        {
            Projector<T> projector = Projector();
            (Tensor p, HostMatrixBatch<T> output) = TensorBatches.Empty<T>(batchShape, projector.Rows, projector.Rows, projector.Count, dtype);
            projector.Matrix(output);
            return p;
        }

        public List<Tensor> Backward(autograd.AutogradContext ctx, IReadOnlyList<Tensor?> gradOutputs, bool createGraph)
        {
            try
            {
                Tensor savedA = ctx.get_saved_variables()[0];     // throws if A changed since the forward
                return [createGraph ? GraphBackward.ProjectionMatrix(savedA, gradOutputs[0]!)[0] : Gradient(gradOutputs[0]!), null!];
            }
            finally
            {
                Release();
            }
        }

        public void Release()
        {
            projector?.Dispose();
            projector = null;
        }

        /// <summary>OrthoProj's vector-Jacobian product, written straight into a new tensor.</summary>
        private Tensor Gradient(Tensor gradOutput)
        {
            Projector<T> projector = Projector();
            using TensorBatch<T> g = TensorBatches.ToBatch<T>(gradOutput);
            (Tensor gradA, HostMatrixBatch<T> output) = TensorBatches.Empty<T>(batchShape, projector.Rows, projector.Cols, projector.Count, dtype);
            projector.MatrixBackward(g.Batch, output);
            return gradA;
        }

        private Projector<T> Projector() => projector ??= ProjectorFunction.Factor<T>(a);
    }
}
