using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Functions;

/// <summary>
/// A+ with torch.linalg.pinv's tolerances as one autograd node; vars: a (..., m, n), atol
/// (double?), rtol (double?), whether a graph is built. The backward is OrthoProj's Golub-Pereyra formula.
/// </summary>
internal sealed class PinvFunction : autograd.SingleTensorFunction<PinvFunction>
{
    private const string StateKey = "orthoproj";

    public override string Name => "OrthoProjPinv";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var a = (Tensor)vars[0];
        var tolerance = new RankTolerance((double?)vars[1], (double?)vars[2]);
        bool differentiable = (bool)vars[3];
        return a.dtype == ScalarType.Float32 ? Forward<float>(ctx, a, tolerance, differentiable) : Forward<double>(ctx, a, tolerance, differentiable);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        return BackwardGuard.Run(Name, ctx, [grad_output], g => ctx.get_data(StateKey) switch
        {
            State<float> s => [s.Backward(g[0]!), null!, null!, null!],
            State<double> s => [s.Backward(g[0]!), null!, null!, null!],
            _ => throw new InvalidOperationException("The pseudo-inverse's saved state is missing."),
        });
    }

    private static Tensor Forward<T>(autograd.AutogradContext ctx, Tensor a, RankTolerance tolerance, bool differentiable)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var state = new State<T>(a, tolerance);
        Tensor x = TensorBatches.ToTensor(state.Pinv, TensorBatches.BatchShape(a), a.dtype);
        if (differentiable)
        {
            ctx.save_data(StateKey, state);
            BackwardGuard.SaveInputs(ctx, a, null, null, null);
        }
        else
        {
            state.Release();
        }

        return x;
    }

    /// <summary>A read in place and A+, what the Golub-Pereyra backward needs; released after it.</summary>
    private sealed class State<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Tensor input;
        private readonly long[] batchShape;
        private readonly ScalarType dtype;
        private TensorBatch<T>? a;

        public State(Tensor a, RankTolerance tolerance)
        {
            input = a;
            batchShape = TensorBatches.BatchShape(a);
            dtype = a.dtype;
            this.a = TensorBatches.ToBatch<T>(a);
            Pinv = Linalg.Pinv(this.a.Batch, tolerance).Pinv;     // the ranks are not kept
        }

        public MatrixBatch<T> Pinv { get; }

        public Tensor Backward(Tensor gradOutput)
        {
            try
            {
                a ??= TensorBatches.ToBatch<T>(input);     // a second backward through a retained graph
                using TensorBatch<T> g = TensorBatches.ToBatch<T>(gradOutput);
                using MatrixBatch<T> ga = Linalg.PinvBackward(a.Batch, Pinv, g.Batch);
                return TensorBatches.ToTensor(ga, batchShape, dtype);
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
    }
}
