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
/// QR-method projector), the backward calls the projector's vector-Jacobian product.
/// vars: a (..., m, n), y (..., m, p), the <see cref="ProjectorOperation"/>.
/// </summary>
internal sealed class ProjectorFunction : autograd.SingleTensorFunction<ProjectorFunction>
{
    private const string StateKey = "orthoproj";

    public override string Name => "OrthoProjProjector";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (a, y, operation) = ((Tensor)vars[0], (Tensor)vars[1], (ProjectorOperation)vars[2]);
        return a.dtype == ScalarType.Float32 ? Forward<float>(ctx, a, y, operation) : Forward<double>(ctx, a, y, operation);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        AdapterChecks.RejectDoubleBackward(Name);
        return ctx.get_data(StateKey) switch
        {
            State<float> s => s.Backward(grad_output),
            State<double> s => s.Backward(grad_output),
            _ => throw new InvalidOperationException("The projector's saved state is missing."),
        };
    }

    private static Tensor Forward<T>(autograd.AutogradContext ctx, Tensor a, Tensor y, ProjectorOperation operation)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var state = new State<T>(a, y, operation);
        ctx.save_data(StateKey, state);
        return state.Forward();
    }

    /// <summary>What the backward needs: A and y as batches, and the factored projector (released after the backward).</summary>
    private sealed class State<T>(Tensor a, Tensor y, ProjectorOperation operation)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly HostMatrixBatch<T> a = TensorBatches.ToBatch<T>(a);
        private readonly HostMatrixBatch<T> y = TensorBatches.ToBatch<T>(y);
        private readonly long[] batchShape = TensorBatches.BatchShape(a);
        private readonly ScalarType dtype = a.dtype;
        private Projector<T>? projector;

        public Tensor Forward()
        {
            Projector<T> p = Projector();
            using MatrixBatch<T> result = operation switch
            {
                ProjectorOperation.Project => p.Project(y),
                ProjectorOperation.Residual => p.Residual(y),
                _ => p.Solve(y),
            };
            return TensorBatches.ToTensor(result, batchShape, dtype);
        }

        public List<Tensor> Backward(Tensor gradOutput)
        {
            // A second backward through a retained graph factors A again.
            Projector<T> p = Projector();
            try
            {
                HostMatrixBatch<T> g = TensorBatches.ToBatch<T>(gradOutput);
                using ProjectorGradients<T> grads = operation switch
                {
                    ProjectorOperation.Project => p.ProjectBackward(y, g),
                    ProjectorOperation.Residual => p.ResidualBackward(y, g),
                    _ => p.SolveBackward(y, g),
                };
                return [TensorBatches.ToTensor(grads.GradA, batchShape, dtype), TensorBatches.ToTensor(grads.GradY, batchShape, dtype), null!];
            }
            finally
            {
                p.Dispose();
                projector = null;
            }
        }

        private Projector<T> Projector() => projector ??= Linalg.Projector(a);
    }
}
