using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrthoProj;

/// <summary>
/// Host batches from and to System.Numerics.Tensors' <see cref="Tensor{T}"/>, <see cref="TensorSpan{T}"/>
/// and <see cref="ReadOnlyTensorSpan{T}"/> of shape (..., rows, cols): the leading dimensions are
/// the batch, the last two each matrix. Without a copy where the strides allow (a C-ordered tensor
/// is a row-major batch, its transposed view a column-major one); by one copy from or into any
/// strides otherwise.
/// </summary>
public static class TensorInterop
{
    /// <summary>
    /// <paramref name="tensor"/> as a host batch over its memory, no copy: row-major when the tensor
    /// is C-ordered (strides [..., cols, 1]), column-major when the last two strides are swapped
    /// ([..., 1, rows], e.g. a tensor created with those strides to hold LAPACK-ordered matrices).
    /// The batch reads and writes the tensor's elements and keeps the tensor alive.
    /// </summary>
    /// <returns>A batch of prod(leading lengths) x (rows x cols) over the tensor's memory, row-major or column-major.</returns>
    /// <exception cref="ArgumentException">The tensor has fewer than two dimensions, or strides that are neither (a slice, a broadcast): use <see cref="ToMatrixBatch{T}"/>, which copies.</exception>
    public static HostMatrixBatch<T> AsMatrixBatch<T>(this Tensor<T> tensor)
        where T : unmanaged, INumberBase<T>
    {
        ArgumentNullException.ThrowIfNull(tensor);
        (int rows, int cols, int count) = Shape(tensor.Lengths, nameof(tensor));
        MatrixLayout layout = DenseLayout(tensor.Lengths, tensor.Strides)
            ?? throw new ArgumentException(
                $"The tensor's strides [{string.Join(", ", tensor.Strides.ToArray())}] for lengths [{string.Join(", ", tensor.Lengths.ToArray())}] are neither C-ordered nor C-ordered with the last two swapped, so no batch can read it in place; ToMatrixBatch copies it.",
                nameof(tensor));
        long length = (long)rows * cols * count;
        Memory<T> memory = length == 0 ? Memory<T>.Empty : new TensorMemory<T>(tensor, (int)length).Memory;
        return HostMatrixBatch<T>.Wrap(memory, rows, cols, count, layout);
    }

    /// <summary>A new column-major batch holding the elements of <paramref name="tensor"/> (any strides): one copy.</summary>
    /// <returns>A new column-major batch of prod(leading lengths) x (rows x cols).</returns>
    /// <exception cref="ArgumentException">The tensor has fewer than two dimensions.</exception>
    public static HostMatrixBatch<T> ToMatrixBatch<T>(this scoped in ReadOnlyTensorSpan<T> tensor)
        where T : unmanaged, INumberBase<T>
    {
        (int rows, int cols, int count) = Shape(tensor.Lengths, nameof(tensor));
        var batch = new HostMatrixBatch<T>(rows, cols, count);
        Span<T> to = batch.Span;
        ref T from = ref Unsafe.AsRef(in tensor.GetPinnableReference());
        nint[] offsets = Offsets(tensor.Lengths, tensor.Strides, rows, cols, count);
        for (int e = 0; e < offsets.Length; e++)
        {
            to[e] = Unsafe.Add(ref from, offsets[e]);
        }

        return batch;
    }

    /// <summary>
    /// A host batch whose memory is a managed array as a <see cref="Tensor{T}"/> of shape
    /// (count, rows, cols) over the same array, no copy; its strides carry the batch's layout.
    /// </summary>
    /// <returns>A tensor of lengths [count, rows, cols] over the batch's array.</returns>
    /// <exception cref="NotSupportedException">The batch's memory is not an array (e.g. it wraps another library's native memory): use <see cref="CopyTo{T}"/>.</exception>
    public static Tensor<T> AsTensor<T>(this HostMatrixBatch<T> batch)
        where T : unmanaged, INumberBase<T>
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!MemoryMarshal.TryGetArray<T>(batch.Memory, out ArraySegment<T> segment))
        {
            throw new NotSupportedException("The batch's memory is not a managed array, which Tensor<T> needs; copy it with CopyTo(TensorSpan<T>).");
        }

        nint rows = batch.Rows, cols = batch.Cols;
        nint[] strides = batch.Layout == MatrixLayout.RowMajor ? [rows * cols, cols, 1] : [rows * cols, 1, rows];
        return Tensor.Create(segment.Array!, segment.Offset, [batch.Count, rows, cols], strides);
    }

    /// <summary>Writes the matrices of <paramref name="batch"/> into <paramref name="destination"/>, of shape (..., rows, cols) with any strides.</summary>
    /// <exception cref="ArgumentException">The destination's shape is not the batch's.</exception>
    public static void CopyTo<T>(this MatrixBatch<T> batch, scoped in TensorSpan<T> destination)
        where T : unmanaged, INumberBase<T>
    {
        ArgumentNullException.ThrowIfNull(batch);
        (int rows, int cols, int count) = Shape(destination.Lengths, nameof(destination));
        if (rows != batch.Rows || cols != batch.Cols || count != batch.Count)
        {
            throw new ArgumentException($"The destination is [{string.Join(", ", destination.Lengths.ToArray())}]; the batch is {batch.Shape}.", nameof(destination));
        }

        T[] from = batch.ToArray();
        ref T to = ref destination.GetPinnableReference();
        nint[] offsets = Offsets(destination.Lengths, destination.Strides, rows, cols, count);
        for (int e = 0; e < offsets.Length; e++)
        {
            Unsafe.Add(ref to, offsets[e]) = from[e];
        }
    }

    private static (int Rows, int Cols, int Count) Shape(ReadOnlySpan<nint> lengths, string paramName)
    {
        if (lengths.Length < 2)
        {
            throw new ArgumentException($"A tensor of {lengths.Length} dimension(s) is not a batch of matrices; it must be (..., rows, cols).", paramName);
        }

        long count = 1;
        foreach (nint d in lengths[..^2])
        {
            count *= d;
        }

        return (checked((int)lengths[^2]), checked((int)lengths[^1]), checked((int)count));
    }

    /// <summary>Row-major or column-major when the strides are C order, or C order with the last two swapped; else null.</summary>
    private static MatrixLayout? DenseLayout(ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides)
    {
        nint rows = lengths[^2], cols = lengths[^1];
        nint matrix = rows * cols;
        for (int d = lengths.Length - 3; d >= 0; d--)
        {
            if (lengths[d] > 1 && strides[d] != matrix)
            {
                return null;
            }

            matrix *= lengths[d];
        }

        // Unit dimensions have no stride to check.
        bool rowMajor = (rows <= 1 || strides[^2] == cols) && (cols <= 1 || strides[^1] == 1);
        bool columnMajor = (rows <= 1 || strides[^2] == 1) && (cols <= 1 || strides[^1] == rows);
        return rowMajor ? MatrixLayout.RowMajor : columnMajor ? MatrixLayout.ColumnMajor : null;
    }

    /// <summary>The offset in a strided tensor of each element, in the order of a column-major batch.</summary>
    private static nint[] Offsets(ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides, int rows, int cols, int count)
    {
        var offsets = new nint[(long)rows * cols * count];
        int batchDims = lengths.Length - 2;
        Span<nint> index = stackalloc nint[Math.Max(batchDims, 1)];
        index.Clear();
        for (int b = 0, e = 0; b < count; b++)
        {
            nint start = 0;
            for (int d = 0; d < batchDims; d++)
            {
                start += index[d] * strides[d];
            }

            for (int j = 0; j < cols; j++)
            {
                for (int i = 0; i < rows; i++)
                {
                    offsets[e++] = start + (i * strides[^2]) + (j * strides[^1]);
                }
            }

            // The next batch index, last dimension fastest (C order).
            for (int d = batchDims - 1; d >= 0 && ++index[d] == lengths[d]; d--)
            {
                index[d] = 0;
            }
        }

        return offsets;
    }

    /// <summary>A dense <see cref="Tensor{T}"/>'s elements as <see cref="Memory{T}"/>; holds the tensor, pins through it.</summary>
    private sealed unsafe class TensorMemory<T>(Tensor<T> tensor, int length) : MemoryManager<T>
        where T : unmanaged
    {
        private readonly Stack<MemoryHandle> pins = new();

        public override Span<T> GetSpan() => MemoryMarshal.CreateSpan(ref tensor.GetPinnableReference(), length);

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            MemoryHandle handle = tensor.GetPinnedHandle();
            lock (pins)
            {
                pins.Push(handle);
            }

            return new MemoryHandle((T*)handle.Pointer + elementIndex, default, this);
        }

        public override void Unpin()
        {
            lock (pins)
            {
                pins.Pop().Dispose();
            }
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
