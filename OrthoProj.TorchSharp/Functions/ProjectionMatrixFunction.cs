using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Functions;

/// <summary>P = A A+ (m x m per matrix) as one autograd node; vars: a (..., m, n).</summary>
internal sealed class ProjectionMatrixFunction : autograd.SingleTensorFunction<ProjectionMatrixFunction>
{
    private const string StateKey = "orthoproj";

    public override string Name => "OrthoProjProjectionMatrix";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var a = (Tensor)vars[0];
        return a.dtype == ScalarType.Float32 ? Forward<float>(ctx, a) : Forward<double>(ctx, a);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        AdapterChecks.RejectDoubleBackward(Name);
        return ctx.get_data(StateKey) switch
        {
            State<float> s => [s.Backward(grad_output)],
            State<double> s => [s.Backward(grad_output)],
            _ => throw new InvalidOperationException("The projection matrix's saved state is missing."),
        };
    }

    private static Tensor Forward<T>(autograd.AutogradContext ctx, Tensor a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var state = new State<T>(a);
        ctx.save_data(StateKey, state);
        return state.Forward();
    }

    private sealed class State<T>(Tensor a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly HostMatrixBatch<T> a = TensorBatches.ToBatch<T>(a);
        private readonly long[] batchShape = TensorBatches.BatchShape(a);
        private readonly ScalarType dtype = a.dtype;
        private Projector<T>? projector;

        public Tensor Forward()
        {
            using MatrixBatch<T> p = Projector().Matrix();
            return TensorBatches.ToTensor(p, batchShape, dtype);
        }

        public Tensor Backward(Tensor gradOutput)
        {
            Projector<T> p = Projector();
            try
            {
                using MatrixBatch<T> ga = p.MatrixBackward(TensorBatches.ToBatch<T>(gradOutput));
                return TensorBatches.ToTensor(ga, batchShape, dtype);
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
