using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Functions;

/// <summary>Which projector operation a <see cref="ProjectorFunction"/> computes.</summary>
internal enum ProjectorOperation
{
    /// <summary>z = P y.</summary>
    Project,

    /// <summary>e = (I - P) y.</summary>
    Residual,

    /// <summary>x = A+ y.</summary>
    Solve,
}

/// <summary>
/// z = P y, e = (I - P) y or x = A+ y as one autograd node: the forward factors A once (OrthoProj's
/// QR-method projector), the backward calls the projector's vector-Jacobian product (or, with
/// create_graph, builds it from differentiable operations: <see cref="GraphBackward"/>).
/// vars: a (..., m, n), y (..., m, p), the <see cref="ProjectorOperation"/>, and whether a graph is
/// built (else everything is released as soon as the forward returns).
/// </summary>
internal sealed class ProjectorFunction : GuardedSingleTensorFunction<ProjectorFunction>
{
    public override string Name => "OrthoProjProjector";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (a, y, operation, differentiable) = ((Tensor)vars[0], (Tensor)vars[1], (ProjectorOperation)vars[2], (bool)vars[3]);
        return Elements.Dispatch<ForwardCall, Tensor>(a.dtype, new(ctx, a, y, operation, differentiable));
    }

    private readonly record struct ForwardCall(autograd.AutogradContext Ctx, Tensor A, Tensor Y, ProjectorOperation Operation, bool Differentiable) : IElementCall<Tensor>
    {
        public Tensor Run<T>()
            where T : unmanaged, INumberBase<T> => Forward<T>(Ctx, A, Y, Operation, Differentiable);
    }

    /// <summary>
    /// OrthoProj's QR-method projector of A read in place (it keeps its own factors). A
    /// rank-deficient matrix is reported with the advice that fits this adapter, which offers no SVD
    /// method: the pseudo-inverse.
    /// </summary>
    /// <exception cref="RankDeficientException">
    /// A matrix of the batch has rank below n: to the caller of the forward, or, when a retained graph
    /// factors again in a backward, to <see cref="BackwardGuard.Run"/> (the base class's sealed
    /// backward), which turns it into NaN gradients and raises it at the next call.
    /// </exception>
    internal static Projector<T> Factor<T>(Tensor a)
        where T : unmanaged, INumberBase<T>
    {
        using TensorBatch<T> batch = TensorBatches.ToBatch<T>(a);
        try
        {
            return Linalg.Projector(batch.Batch);
        }
        catch (RankDeficientException e)
        {
            throw new RankDeficientException(e.MatrixIndex, e.Rank, e.Rows, e.Cols, e.Detail, RankDeficiencyHint);
        }
    }

    private const string RankDeficiencyHint =
        "Project, Residual, Lstsq and ProjectionMatrix need full column rank; for a rank-deficient A use TorchLinalg.Pinv " +
        "(Pinv(a).matmul(y) is the minimum-norm least-squares solution, a.matmul(Pinv(a)) the projection matrix).";

    private static Tensor Forward<T>(autograd.AutogradContext ctx, Tensor a, Tensor y, ProjectorOperation operation, bool differentiable)
        where T : unmanaged, INumberBase<T>
    {
        var state = new State<T>(a, y, operation);
        Tensor result = state.Forward();
        if (differentiable)
        {
            ctx.save_for_backward([a, y]);     // libtorch then refuses the backward if either was modified in place since
            BackwardGuard.Save(ctx, state, a, y, null, null);
        }
        else
        {
            state.Release();     // no backward will come: libtorch's memory goes back now
        }

        return result;
    }

    /// <summary>
    /// What the backward needs: the factored projector and y read in place. Both are released after
    /// the backward; a second backward through a retained graph reads the tensors and factors again.
    /// </summary>
    private sealed class State<T>(Tensor a, Tensor y, ProjectorOperation operation) : IBackward
        where T : unmanaged, INumberBase<T>
    {
        private readonly long[] batchShape = TensorBatches.BatchShape(a);
        private readonly ScalarType dtype = a.dtype;
        private Projector<T>? projector;
        private TensorBatch<T>? yBatch;

        public Tensor Forward()
        {
            HostMatrixBatch<T> y = Y();
            // Written straight into the tensor returned, in torch's layouts: lstsq's solution is
            // column-major, a product of matrices row-major.
            (Tensor result, HostMatrixBatch<T> output) = operation == ProjectorOperation.Solve
                ? TensorBatches.Empty<T>(batchShape, Cols(), y.Cols, y.Count, dtype, MatrixLayout.ColumnMajor)
                : TensorBatches.Empty<T>(batchShape, y.Rows, y.Cols, y.Count, dtype);
            _ = operation switch
            {
                ProjectorOperation.Project => Projector().Project(y, output),
                ProjectorOperation.Residual => Projector().Residual(y, output),
                _ => Projector().Solve(y, output),
            };
            return result;
        }

        public List<Tensor> Backward(autograd.AutogradContext ctx, IReadOnlyList<Tensor?> gradOutputs, bool createGraph)
        {
            try
            {
                List<Tensor> inputs = ctx.get_saved_variables();     // throws if A or Y changed since the forward
                List<Tensor> grads = createGraph ? GraphGradients(inputs[0], inputs[1], gradOutputs[0]!) : Gradients(gradOutputs[0]!);
                return [.. grads, null!, null!];
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
            yBatch?.Dispose();
            yBatch = null;
        }

        /// <summary>OrthoProj's vector-Jacobian product, written straight into two new tensors.</summary>
        private List<Tensor> Gradients(Tensor gradOutput)
        {
            HostMatrixBatch<T> y = Y();
            using TensorBatch<T> g = TensorBatches.ToBatch<T>(gradOutput);
            (Tensor gradA, HostMatrixBatch<T> gradABatch) = TensorBatches.Empty<T>(batchShape, y.Rows, Cols(), y.Count, dtype);
            (Tensor gradY, HostMatrixBatch<T> gradYBatch) = TensorBatches.Empty<T>(batchShape, y.Rows, y.Cols, y.Count, dtype);
            _ = operation switch
            {
                ProjectorOperation.Project => Projector().ProjectBackward(y, g.Batch, gradABatch, gradYBatch),
                ProjectorOperation.Residual => Projector().ResidualBackward(y, g.Batch, gradABatch, gradYBatch),
                _ => Projector().SolveBackward(y, g.Batch, gradABatch, gradYBatch),
            };
            return [gradA, gradY];
        }

        private List<Tensor> GraphGradients(Tensor a, Tensor y, Tensor gradOutput) => operation switch
        {
            ProjectorOperation.Project => GraphBackward.Project(a, y, gradOutput),
            ProjectorOperation.Residual => GraphBackward.Residual(a, y, gradOutput),
            _ => GraphBackward.Solve(a, y, gradOutput),
        };

        private Projector<T> Projector() => projector ??= Factor<T>(a);

        private HostMatrixBatch<T> Y() => (yBatch ??= TensorBatches.ToBatch<T>(y)).Batch;

        private int Cols() => checked((int)a.shape[^1]);
    }
}
