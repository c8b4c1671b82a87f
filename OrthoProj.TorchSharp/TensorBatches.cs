using System.Numerics;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp;

/// <summary>
/// Tensors of shape (..., rows, cols) as OrthoProj batches and back. TorchSharp is row-major and
/// OrthoProj column-major: the column-major storage of a (rows x cols) matrix is the row-major
/// storage of its transpose, so a tensor enters as its transposed view made contiguous (one copy by
/// libtorch's own kernels, none when the tensor already is such a view, e.g. <c>x.mT</c>) and is then
/// read in place; a result leaves as one copy into a new tensor, returned as the transposed view.
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

    /// <summary>A batch as a (batchShape..., rows, cols) tensor of <paramref name="dtype"/>.</summary>
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
/// A tensor read in place as a column-major host batch: its transposed view made contiguous (by
/// libtorch; the tensor itself when it already is such a view), kept out of any dispose scope and
/// released by <see cref="Dispose"/> as soon as OrthoProj no longer reads it, so that a training
/// loop does not leave a copy per step to the finalizers.
/// </summary>
internal sealed class TensorBatch<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Tensor storage;

    public TensorBatch(Tensor t)
    {
        storage = t.detach().transpose(-1, -2).contiguous().DetachFromDisposeScope();
        int rows = checked((int)t.shape[^2]), cols = checked((int)t.shape[^1]), count = TensorBatches.Count(t);
        Batch = HostMatrixBatch<T>.Wrap(new TensorMemory<T>(storage).Memory[..checked(rows * cols * count)], rows, cols, count);
    }

    /// <summary>The batch over the tensor's memory, valid until <see cref="Dispose"/>.</summary>
    public HostMatrixBatch<T> Batch { get; }

    /// <inheritdoc/>
    public void Dispose() => storage.Dispose();
}
