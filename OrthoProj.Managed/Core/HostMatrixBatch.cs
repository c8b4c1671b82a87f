namespace OrthoProj;

/// <summary>
/// A <see cref="MatrixBatch{T}"/> in host memory, column-major, matrix after matrix: a managed
/// array, or any <see cref="Memory{T}"/> (another library's buffer, e.g. a tensor's storage,
/// through a <see cref="System.Buffers.MemoryManager{T}"/>), used in place. The operations of <see cref="CpuBackend"/> take and return this type. A batch
/// that a backend returned belongs to that backend; one the caller made belongs to
/// <see cref="Linalg.HostBackend"/> at the time of each call.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class HostMatrixBatch<T> : MatrixBatch<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Memory<T> data;
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

    private HostMatrixBatch(Memory<T> data, int rows, int cols, int count)
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
            return data.Span;
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
        get => data.Span[Offset(index, row, col)];
        set => data.Span[Offset(index, row, col)] = value;
    }

    /// <summary>Copies <paramref name="data"/> (column-major, matrix after matrix) into a new batch.</summary>
    /// <exception cref="ArgumentException">The length is not rows * cols * count.</exception>
    public static HostMatrixBatch<T> FromArray(ReadOnlySpan<T> data, int rows, int cols, int count = 1) =>
        Wrap(data.ToArray(), rows, cols, count);

    /// <summary>
    /// Wraps <paramref name="memory"/> without copying: the batch reads and writes the caller's memory
    /// (a managed array, which converts implicitly, or native memory through a
    /// <see cref="System.Buffers.MemoryManager{T}"/>), which must stay valid while the batch is used.
    /// </summary>
    /// <exception cref="ArgumentException">The length is not rows * cols * count.</exception>
    public static HostMatrixBatch<T> Wrap(Memory<T> memory, int rows, int cols, int count = 1)
    {
        long length = CheckShape(rows, cols, count);
        if (memory.Length != length)
        {
            throw new ArgumentException($"Expected {length} elements for a batch of {count} x ({rows} x {cols}); got {memory.Length}.", nameof(memory));
        }

        return new HostMatrixBatch<T>(memory, rows, cols, count);
    }

    /// <summary>The elements of matrix <paramref name="index"/>, column-major.</summary>
    public Span<T> GetMatrix(int index)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return data.Span.Slice(index * MatrixLength, MatrixLength);
    }

    /// <inheritdoc/>
    protected override void CopyToCore(Span<T> destination) => data.Span.CopyTo(destination);

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
