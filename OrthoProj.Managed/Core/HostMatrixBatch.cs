namespace OrthoProj;

/// <summary>
/// A <see cref="MatrixBatch{T}"/> in host memory, backed by one managed array, column-major,
/// matrix after matrix. The operations of <see cref="CpuBackend"/> take and return this type. A batch
/// that a backend returned belongs to that backend; one the caller made belongs to
/// <see cref="Linalg.HostBackend"/> at the time of each call.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class HostMatrixBatch<T> : MatrixBatch<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] data;
    private readonly Backend? owner;

    /// <summary>Creates a zero-filled batch of <paramref name="count"/> matrices of <paramref name="rows"/> x <paramref name="cols"/>.</summary>
    public HostMatrixBatch(int rows, int cols, int count = 1)
        : base(rows, cols, count)
    {
        data = new T[(long)rows * cols * count];
    }

    /// <summary>A zero-filled batch that a backend returns (its operations then stay on that backend).</summary>
    internal HostMatrixBatch(int rows, int cols, int count, Backend owner)
        : this(rows, cols, count)
    {
        this.owner = owner;
    }

    private HostMatrixBatch(T[] data, int rows, int cols, int count)
        : base(rows, cols, count)
    {
        this.data = data;
    }

    /// <inheritdoc/>
    public override DeviceKind Device => DeviceKind.Cpu;

    /// <inheritdoc/>
    public override Backend Backend => owner ?? Linalg.HostBackend;

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

    /// <summary>The elements of matrix <paramref name="index"/>, column-major.</summary>
    public Span<T> GetMatrix(int index)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return data.AsSpan(index * MatrixLength, MatrixLength);
    }

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
