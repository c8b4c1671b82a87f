using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Functions;

/// <summary>
/// QR in one of torch.linalg.qr's modes (LAPACK's signs) as one autograd node with two outputs;
/// vars: a (..., m, n), the <see cref="linalg.QRMode"/>, whether a graph is built. The backward is
/// OrthoProj's QrBackward (an unused output's gradient is zero; with create_graph, the same rule in
/// differentiable operations: <see cref="GraphBackward.Qr"/>); where R's leading block is
/// numerically singular (the gradient does not exist) it is NaN. Where torch.linalg.qr has no
/// gradient (mode "r"; mode "complete" with m &gt; n) the backward fails with torch's message, under
/// <see cref="BackwardGuard"/>'s policy.
/// </summary>
internal sealed class QrFunction : autograd.MultiTensorFunction<QrFunction>
{
    public override string Name => "OrthoProjQr";

    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (a, mode, differentiable) = ((Tensor)vars[0], (linalg.QRMode)vars[1], (bool)vars[2]);
        return a.dtype == ScalarType.Float32 ? Forward<float>(ctx, a, mode, differentiable) : Forward<double>(ctx, a, mode, differentiable);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grad_outputs) => BackwardGuard.Run(Name, ctx, grad_outputs);

    private static List<Tensor> Forward<T>(autograd.AutogradContext ctx, Tensor a, linalg.QRMode mode, bool differentiable)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var state = new State<T>(a, mode);
        if (differentiable)
        {
            BackwardGuard.Save(ctx, state, a, null, null);     // Q and R (managed memory) stay for the backward
        }

        Tensor q = mode == linalg.QRMode.R ? torch.empty(0, a.dtype) : state.ToTensor(state.Factors.Q);     // torch.linalg.qr's empty Q
        return [q, state.ToTensor(state.Factors.R)];
    }

    private sealed class State<T>(Tensor a, linalg.QRMode mode) : IBackward
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly long[] batchShape = TensorBatches.BatchShape(a);
        private readonly ScalarType dtype = a.dtype;

        public QrResult<T> Factors { get; } = Factor(a, mode);

        public Tensor ToTensor(MatrixBatch<T> x) => TensorBatches.ToTensor(x, batchShape, dtype);

        public List<Tensor> Backward(IReadOnlyList<Tensor?> gradOutputs, bool createGraph)
        {
            long m = a.shape[^2], n = a.shape[^1];
            if (mode == linalg.QRMode.R)
            {
                throw new NotSupportedException(
                    "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Use Qr(a, QRMode.Reduced) if you are going to differentiate through Qr.");
            }

            if (mode == linalg.QRMode.Complete && m > n)
            {
                throw new NotSupportedException("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.");
            }

            Tensor? gradQ = Cotangent(gradOutputs[0]), gradR = Cotangent(gradOutputs[1]);
            return [createGraph ? GraphBackward.Qr(a, gradQ, gradR)[0] : Gradient(gradQ, gradR), null!, null!];
        }

        private static Tensor? Cotangent(Tensor? g) => BackwardGuard.Defined(g) ? g : null;

        private Tensor Gradient(Tensor? gradQ, Tensor? gradR)
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

        /// <summary>Mode "r" factors as "reduced" and returns R only (its Q is dropped).</summary>
        private static QrResult<T> Factor(Tensor a, linalg.QRMode mode)
        {
            using TensorBatch<T> batch = TensorBatches.ToBatch<T>(a);     // Q and R are OrthoProj's own memory
            return Linalg.Qr(batch.Batch, mode == linalg.QRMode.Complete ? QrMode.Complete : QrMode.Reduced);
        }

        private static TensorBatch<T>? Batch(Tensor? g) => g is null ? null : TensorBatches.ToBatch<T>(g);
    }
}
