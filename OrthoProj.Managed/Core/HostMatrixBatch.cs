using System.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace OrthoProj;

/// <summary>
/// A <see cref="MatrixBatch{T}"/> in host memory, backed by one managed array, column-major,
/// matrix after matrix. The operations of <see cref="CpuBackend"/> take and return this type.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class HostMatrixBatch<T> : MatrixBatch<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] data;

    /// <summary>Creates a zero-filled batch of <paramref name="count"/> matrices of <paramref name="rows"/> x <paramref name="cols"/>.</summary>
    public HostMatrixBatch(int rows, int cols, int count = 1)
        : base(rows, cols, count)
    {
        data = new T[(long)rows * cols * count];
    }

    private HostMatrixBatch(T[] data, int rows, int cols, int count)
        : base(rows, cols, count)
    {
        this.data = data;
    }

    /// <inheritdoc/>
    public override DeviceKind Device => DeviceKind.Cpu;

    /// <inheritdoc/>
    public override Backend Backend => CpuBackend.Default;

    /// <summary>All elements, column-major, matrix after matrix.</summary>
    public Span<T> Span
    {
        get
        {
            ThrowIfDisposed();
            return data;
        }
    }

    /// <summary>All elements as <see cref="Memory{T}"/>.</summary>
    public Memory<T> Memory
    {
        get
        {
            ThrowIfDisposed();
            return data;
        }
    }

    /// <summary>Element (row, col) of matrix <paramref name="index"/>.</summary>
    public T this[int index, int row, int col]
    {
        get => data[Offset(index, row, col)];
        set => data[Offset(index, row, col)] = value;
    }

    /// <summary>Copies <paramref name="data"/> (column-major, matrix after matrix) into a new batch.</summary>
    /// <exception cref="ArgumentException">The length is not rows * cols * count.</exception>
    public static HostMatrixBatch<T> FromArray(ReadOnlySpan<T> data, int rows, int cols, int count = 1)
    {
        var batch = new HostMatrixBatch<T>(rows, cols, count);
        if (data.Length != batch.Length)
        {
            throw new ArgumentException($"Expected {batch.Length} elements for a batch of {batch.Shape}; got {data.Length}.", nameof(data));
        }

        data.CopyTo(batch.data);
        return batch;
    }

    /// <summary>
    /// Wraps <paramref name="data"/> without copying: the batch reads and writes the caller's array.
    /// </summary>
    /// <exception cref="ArgumentException">The length is not rows * cols * count.</exception>
    public static HostMatrixBatch<T> Wrap(T[] data, int rows, int cols, int count = 1)
    {
        ArgumentNullException.ThrowIfNull(data);
        var batch = new HostMatrixBatch<T>(data, rows, cols, count);
        if (data.Length != batch.Length)
        {
            throw new ArgumentException($"Expected {batch.Length} elements for a batch of {batch.Shape}; got {data.Length}.", nameof(data));
        }

        return batch;
    }

    /// <summary>Stacks Math.NET matrices of one shape into a batch.</summary>
    /// <exception cref="ArgumentException">The list is empty or the shapes differ.</exception>
    public static HostMatrixBatch<T> FromMatrices(IReadOnlyList<Matrix<T>> matrices)
    {
        ArgumentNullException.ThrowIfNull(matrices);
        if (matrices.Count == 0)
        {
            throw new ArgumentException("At least one matrix is needed to know the shape.", nameof(matrices));
        }

        int rows = matrices[0].RowCount, cols = matrices[0].ColumnCount;
        var batch = new HostMatrixBatch<T>(rows, cols, matrices.Count);
        for (int b = 0; b < matrices.Count; b++)
        {
            Matrix<T> m = matrices[b];
            if (m.RowCount != rows || m.ColumnCount != cols)
            {
                throw new ArgumentException($"Matrix {b} is {m.RowCount} x {m.ColumnCount}; matrix 0 is {rows} x {cols}.", nameof(matrices));
            }

            m.ToColumnMajorArray().CopyTo(batch.GetMatrix(b));
        }

        return batch;
    }

    /// <summary>The elements of matrix <paramref name="index"/>, column-major.</summary>
    public Span<T> GetMatrix(int index)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return data.AsSpan(index * MatrixLength, MatrixLength);
    }

    /// <summary>Matrix <paramref name="index"/> as a Math.NET dense matrix (a copy).</summary>
    public Matrix<T> ToMatrix(int index = 0) =>
        Matrix<T>.Build.Dense(Rows, Cols, GetMatrix(index).ToArray());

    /// <summary>The underlying array, for the CPU backend's kernels (no copy).</summary>
    internal T[] Array
    {
        get
        {
            ThrowIfDisposed();
            return data;
        }
    }

    /// <inheritdoc/>
    protected override void CopyToCore(Span<T> destination) => data.AsSpan(0, Length).CopyTo(destination);

    private int Offset(int index, int row, int col)
    {
        ThrowIfDisposed();
        if ((uint)index >= (uint)Count || (uint)row >= (uint)Rows || (uint)col >= (uint)Cols)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"Element ({index}, {row}, {col}) is outside the batch {Shape}.");
        }

        return (index * MatrixLength) + (col * Rows) + row;
    }
}
