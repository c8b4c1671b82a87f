using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp;

/// <summary>
/// Tensors of shape (..., rows, cols) as OrthoProj batches and back, without copies where the layout
/// allows: a contiguous tensor is a row-major batch, the transposed view of a contiguous tensor
/// (e.g. <c>x.mT</c>) a column-major one, both read in place; any other view is made contiguous
/// once by libtorch; a lazy conjugate view (<c>x.conj()</c>, <c>x.mH</c>) is resolved first. Every
/// result and gradient is written by OrthoProj straight into a tensor allocated here
/// (<see cref="Empty"/>), in the layout torch.linalg gives the same result.
/// </summary>
internal static class TensorBatches
{
    /// <summary>The leading (batch) dimensions of a tensor of at least two dimensions.</summary>
    public static long[] BatchShape(Tensor t) => t.shape[..^2];

    /// <summary>Matrices in a tensor: the product of its batch dimensions.</summary>
    public static int Count(Tensor t)
    {
        long count = 1;
        foreach (long d in BatchShape(t))
        {
            count *= d;
        }

        return checked((int)count);
    }

    /// <summary>A (..., rows, cols) CPU tensor of element type <typeparamref name="T"/> as a column-major host batch over libtorch's memory.</summary>
    public static TensorBatch<T> ToBatch<T>(Tensor t)
        where T : unmanaged, INumberBase<T> => new(t);

    /// <summary>
    /// A new (batchShape..., rows, cols) tensor of <paramref name="dtype"/> and a batch over its
    /// memory, for an operation to write its result into: row-major (a contiguous tensor) or
    /// column-major (the strides torch.linalg gives LAPACK's results).
    /// </summary>
    public static (Tensor Tensor, HostMatrixBatch<T> Batch) Empty<T>(long[] batchShape, int rows, int cols, int count, ScalarType dtype, MatrixLayout layout = MatrixLayout.RowMajor)
        where T : unmanaged, INumberBase<T>
    {
        // A column-major result is a tensor of its own with column-major strides, as torch.linalg.qr
        // makes it, not the transposed view of another: libtorch forbids modifying in place a view
        // that a function with several outputs returns. Its memory is reached through that view.
        long[] shape = [.. batchShape, rows, cols];
        Tensor tensor = layout == MatrixLayout.RowMajor ? torch.empty(shape, dtype) : torch.empty_strided(shape, ColumnMajorStrides(shape), dtype);
        Memory<T> memory = tensor.numel() == 0 ? Memory<T>.Empty : new TensorMemory<T>(layout == MatrixLayout.RowMajor ? tensor : tensor.mT).Memory;
        return (tensor, HostMatrixBatch<T>.Wrap(memory[..checked(rows * cols * count)], rows, cols, count, layout));
    }

    /// <summary>Strides of a (..., rows, cols) tensor stored matrix after matrix, each column-major.</summary>
    private static long[] ColumnMajorStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        strides[^2] = 1;
        strides[^1] = shape[^2];
        long step = shape[^2] * shape[^1];
        for (int d = shape.Length - 3; d >= 0; d--)
        {
            strides[d] = step;
            step *= shape[d];
        }

        return strides;
    }
}

/// <summary>
/// A tensor read in place as a host batch (row-major when contiguous, column-major when it is the
/// transposed view of a contiguous tensor, else a contiguous copy made by libtorch), kept out of any
/// dispose scope and released by <see cref="Dispose"/> as soon as OrthoProj no longer reads it, so
/// that a training loop does not leave a handle per step to the finalizers.
/// </summary>
internal sealed class TensorBatch<T> : IDisposable
    where T : unmanaged, INumberBase<T>
{
    private readonly Tensor storage;

    public TensorBatch(Tensor t)
    {
        int rows = checked((int)t.shape[^2]), cols = checked((int)t.shape[^1]), count = TensorBatches.Count(t);
        using Tensor detached = Materialized(t.detach());
        MatrixLayout layout = MatrixLayout.RowMajor;
        if (detached.is_contiguous())
        {
            storage = detached.alias();
        }
        else
        {
            using Tensor transposed = detached.transpose(-1, -2);
            layout = transposed.is_contiguous() ? MatrixLayout.ColumnMajor : MatrixLayout.RowMajor;
            storage = layout == MatrixLayout.ColumnMajor ? transposed.alias() : detached.contiguous();
        }

        storage.DetachFromDisposeScope();
        Memory<T> memory = storage.numel() == 0 ? Memory<T>.Empty : new TensorMemory<T>(storage).Memory;
        Batch = HostMatrixBatch<T>.Wrap(memory[..checked(rows * cols * count)], rows, cols, count, layout);
    }

    /// <summary>The batch over the tensor's memory, valid until <see cref="Dispose"/>.</summary>
    public HostMatrixBatch<T> Batch { get; }

    /// <inheritdoc/>
    public void Dispose() => storage.Dispose();

    /// <summary>
    /// The tensor itself, or, for a lazy conjugate or negative view (<c>a.conj()</c>, <c>a.mH</c>,
    /// <c>a.conj().imag</c>), whose memory holds the values before the conjugation or negation
    /// libtorch applies when it reads them, a copy with the bits resolved (same strides).
    /// </summary>
    private static Tensor Materialized(Tensor t)
    {
        if (!t.is_conj() && !t.is_neg())
        {
            return t;
        }

        using (t)
        {
            using Tensor conj = t.resolve_conj();
            return conj.resolve_neg();
        }
    }
}
