using System.Numerics;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp;

/// <summary>
/// Tensors of shape (..., rows, cols) as OrthoProj batches and back, without copies where the layout
/// allows: a contiguous tensor is a row-major batch, the transposed view of a contiguous tensor
/// (e.g. <c>x.mT</c>) a column-major one, both read in place; any other view is made contiguous
/// once by libtorch. The projector's results are written straight into tensors allocated here
/// (<see cref="Empty"/>); QR's and pinv's leave as one copy into a new tensor (<see cref="ToTensor"/>).
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
        where T : unmanaged, IFloatingPointIeee754<T> => new(t);

    /// <summary>
    /// A new (batchShape..., rows, cols) tensor of <paramref name="dtype"/> and a row-major batch over
    /// its memory, for an operation to write its result into.
    /// </summary>
    public static (Tensor Tensor, HostMatrixBatch<T> Batch) Empty<T>(long[] batchShape, int rows, int cols, int count, ScalarType dtype)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Tensor tensor = torch.empty([.. batchShape, rows, cols], dtype);
        Memory<T> memory = tensor.numel() == 0 ? Memory<T>.Empty : new TensorMemory<T>(tensor).Memory;
        return (tensor, HostMatrixBatch<T>.Wrap(memory[..checked(rows * cols * count)], rows, cols, count, MatrixLayout.RowMajor));
    }

    /// <summary>A batch as a (batchShape..., rows, cols) tensor of <paramref name="dtype"/>: one copy, into the transposed view of a new tensor.</summary>
    public static Tensor ToTensor<T>(MatrixBatch<T> x, long[] batchShape, ScalarType dtype)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Tensor storage = torch.empty([.. batchShape, x.Cols, x.Rows], dtype);
        if (x.Length > 0)
        {
            x.CopyTo(MemoryMarshal.Cast<byte, T>(storage.bytes));
        }

        return storage.transpose(-1, -2);
    }
}

/// <summary>
/// A tensor read in place as a host batch (row-major when contiguous, column-major when it is the
/// transposed view of a contiguous tensor, else a contiguous copy made by libtorch), kept out of any
/// dispose scope and released by <see cref="Dispose"/> as soon as OrthoProj no longer reads it, so
/// that a training loop does not leave a handle per step to the finalizers.
/// </summary>
internal sealed class TensorBatch<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Tensor storage;

    public TensorBatch(Tensor t)
    {
        int rows = checked((int)t.shape[^2]), cols = checked((int)t.shape[^1]), count = TensorBatches.Count(t);
        using Tensor detached = t.detach();
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
}
