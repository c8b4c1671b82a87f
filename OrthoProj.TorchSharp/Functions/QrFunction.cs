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
internal sealed class QrFunction : GuardedMultiTensorFunction<QrFunction>
{
    public override string Name => "OrthoProjQr";

    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (a, mode, differentiable) = ((Tensor)vars[0], (linalg.QRMode)vars[1], (bool)vars[2]);
        return Elements.Dispatch<ForwardCall, List<Tensor>>(a.dtype, new(ctx, a, mode, differentiable));
    }

    private readonly record struct ForwardCall(autograd.AutogradContext Ctx, Tensor A, linalg.QRMode Mode, bool Differentiable) : IElementCall<List<Tensor>>
    {
        public List<Tensor> Run<T>()
            where T : unmanaged, INumberBase<T> => Forward<T>(Ctx, A, Mode, Differentiable);
    }

    private static List<Tensor> Forward<T>(autograd.AutogradContext ctx, Tensor a, linalg.QRMode mode, bool differentiable)
        where T : unmanaged, INumberBase<T>
    {
        long[] batchShape = TensorBatches.BatchShape(a);
        int m = checked((int)a.shape[^2]), n = checked((int)a.shape[^1]), count = TensorBatches.Count(a);
        int k = mode == linalg.QRMode.Complete ? m : Math.Min(m, n);

        // Q and R are written straight into the tensors returned, column-major as torch.linalg.qr
        // gives them; mode "r" lets OrthoProj allocate the Q it drops, and returns torch's empty Q.
        (Tensor r, HostMatrixBatch<T> rBatch) = TensorBatches.Empty<T>(batchShape, k, n, count, a.dtype, MatrixLayout.ColumnMajor);
        (Tensor q, HostMatrixBatch<T>? qBatch) = mode == linalg.QRMode.R
            ? (torch.empty(0, a.dtype), null)
            : TensorBatches.Empty<T>(batchShape, m, k, count, a.dtype, MatrixLayout.ColumnMajor);
        using (TensorBatch<T> aBatch = TensorBatches.ToBatch<T>(a))
        {
            using QrResult<T> factors = Linalg.Qr(aBatch.Batch, mode == linalg.QRMode.Complete ? QrMode.Complete : QrMode.Reduced, qBatch, rBatch);
        }

        if (differentiable)
        {
            ctx.save_for_backward([q, r, a]);     // read in place by the backward; libtorch refuses them if modified in place since
            BackwardGuard.Save(ctx, new State<T>(mode), a, null, null);
        }

        return [q, r];
    }

    private sealed class State<T>(linalg.QRMode mode) : IBackward
        where T : unmanaged, INumberBase<T>
    {
        public List<Tensor> Backward(autograd.AutogradContext ctx, IReadOnlyList<Tensor?> gradOutputs, bool createGraph)
        {
            // Every throw below (and libtorch's refusal of a modified saved tensor) ends in
            // BackwardGuard.Run, the sealed backward of the base class: NaN gradients, raised later.
            List<Tensor> saved = ctx.get_saved_variables();     // throws if Q, R or A changed since the forward
            Tensor a = saved[2];
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
            return [createGraph ? GraphBackward.Qr(a, gradQ, gradR)[0] : Gradient(saved[0], saved[1], gradQ, gradR), null!, null!];
        }

        private static Tensor? Cotangent(Tensor? g) => BackwardGuard.Defined(g) ? g : null;

        /// <summary>OrthoProj's QrBackward on the saved Q and R, written straight into a new tensor.</summary>
        private static Tensor Gradient(Tensor qTensor, Tensor rTensor, Tensor? gradQ, Tensor? gradR)
        {
            using TensorBatch<T> q = TensorBatches.ToBatch<T>(qTensor), r = TensorBatches.ToBatch<T>(rTensor);
            using TensorBatch<T>? gq = Batch(gradQ), gr = Batch(gradR);
            (Tensor gradA, HostMatrixBatch<T> output) = TensorBatches.Empty<T>(TensorBatches.BatchShape(qTensor), q.Batch.Rows, r.Batch.Cols, q.Batch.Count, qTensor.dtype);
            try
            {
                Linalg.QrBackward(q.Batch, r.Batch, gq?.Batch, gr?.Batch, output);
                return gradA;
            }
            catch (RankDeficientException)
            {
                // R^-T does not exist for some matrix: the gradient is not defined there (torch.linalg.qr
                // gives inf/NaN too), and TorchSharp cannot carry an exception out of a backward.
                return gradA.fill_(double.NaN);
            }
        }

        private static TensorBatch<T>? Batch(Tensor? g) => g is null ? null : TensorBatches.ToBatch<T>(g);
    }
}
