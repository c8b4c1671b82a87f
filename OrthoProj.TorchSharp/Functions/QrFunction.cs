using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Functions;

/// <summary>
/// The reduced QR (LAPACK's signs, as torch.linalg.qr) as one autograd node with two outputs;
/// vars: a (..., m, n), whether a graph is built. The backward is OrthoProj's QrBackward (an unused output's gradient is zero);
/// where R's leading block is numerically singular (the gradient does not exist) it is NaN.
/// </summary>
internal sealed class QrFunction : autograd.MultiTensorFunction<QrFunction>
{
    private const string StateKey = "orthoproj";

    public override string Name => "OrthoProjQr";

    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (a, differentiable) = ((Tensor)vars[0], (bool)vars[1]);
        return a.dtype == ScalarType.Float32 ? Forward<float>(ctx, a, differentiable) : Forward<double>(ctx, a, differentiable);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grad_outputs)
    {
        return BackwardGuard.Run(Name, ctx, grad_outputs, g => ctx.get_data(StateKey) switch
        {
            State<float> s => [s.Backward(g[0], g[1]), null!],
            State<double> s => [s.Backward(g[0], g[1]), null!],
            _ => throw new InvalidOperationException("The QR's saved state is missing."),
        });
    }

    private static List<Tensor> Forward<T>(autograd.AutogradContext ctx, Tensor a, bool differentiable)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var state = new State<T>(a);
        if (differentiable)
        {
            ctx.save_data(StateKey, state);     // Q and R (managed memory) stay for the backward
            BackwardGuard.SaveInputs(ctx, a, null);
        }

        return [state.ToTensor(state.Factors.Q), state.ToTensor(state.Factors.R)];
    }

    private sealed class State<T>(Tensor a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly long[] batchShape = TensorBatches.BatchShape(a);
        private readonly ScalarType dtype = a.dtype;

        public QrResult<T> Factors { get; } = Factor(a);

        public Tensor ToTensor(MatrixBatch<T> x) => TensorBatches.ToTensor(x, batchShape, dtype);

        public Tensor Backward(Tensor? gradQ, Tensor? gradR)
        {
            using TensorBatch<T>? gq = Batch(gradQ), gr = Batch(gradR);
            try
            {
                using MatrixBatch<T> ga = Linalg.QrBackward(Factors.Q, Factors.R, gq?.Batch, gr?.Batch);
                return ToTensor(ga);
            }
            catch (RankDeficientException)
            {
                // R^-T does not exist for some matrix: the gradient is not defined there (torch.linalg.qr
                // gives inf/NaN too), and TorchSharp cannot carry an exception out of a backward.
                return torch.full([.. batchShape, Factors.Q.Rows, Factors.R.Cols], double.NaN, dtype);
            }
        }

        private static QrResult<T> Factor(Tensor a)
        {
            using TensorBatch<T> batch = TensorBatches.ToBatch<T>(a);     // Q and R are OrthoProj's own memory
            return Linalg.Qr(batch.Batch);
        }

        private static TensorBatch<T>? Batch(Tensor? g) => g is null || g.IsInvalid ? null : TensorBatches.ToBatch<T>(g);
    }
}
