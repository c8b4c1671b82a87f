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

    /// <summary>
    /// A (..., rows, cols) CPU tensor of element type <typeparamref name="T"/> as a column-major host
    /// batch over libtorch's memory. The contiguous copy is detached from any dispose scope: the
    /// batch owns it until the garbage collector reclaims both.
    /// </summary>
    public static HostMatrixBatch<T> ToBatch<T>(Tensor t)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Tensor columnMajor = t.detach().transpose(-1, -2).contiguous().DetachFromDisposeScope();
        var memory = new TensorMemory<T>(columnMajor);
        int rows = checked((int)t.shape[^2]), cols = checked((int)t.shape[^1]);
        return HostMatrixBatch<T>.Wrap(memory.Memory[..checked(rows * cols * Count(t))], rows, cols, Count(t));
    }

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
