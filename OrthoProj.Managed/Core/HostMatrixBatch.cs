namespace OrthoProj;

/// <summary>
/// A <see cref="MatrixBatch{T}"/> in host memory, matrix after matrix, column-major or row-major
/// (<see cref="MatrixBatch{T}.Layout"/>): a managed array, or any <see cref="Memory{T}"/> (another
/// library's buffer, e.g. a tensor's storage, through a <see cref="System.Buffers.MemoryManager{T}"/>),
/// used in place. The operations of <see cref="CpuBackend"/> take this type and return it
/// column-major, or write into one the caller gives (its <c>output</c> parameters). A batch that a
/// backend returned belongs to that backend; one the caller made belongs to
/// <see cref="Linalg.HostBackend"/> at the time of each call.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class HostMatrixBatch<T> : MatrixBatch<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Memory<T> data;
    private readonly Backend? owner;
    private readonly MatrixLayout layout;

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

    private HostMatrixBatch(Memory<T> data, int rows, int cols, int count, MatrixLayout layout)
        : base(rows, cols, count)
    {
        this.data = data;
        this.layout = layout;
    }

    private HostMatrixBatch(T[] data, int rows, int cols, int count, Backend owner)
        : this(data, rows, cols, count, MatrixLayout.ColumnMajor)
    {
        this.owner = owner;
    }

    /// <summary>
    /// A column-major batch that a backend returns, not zeroed: for kernels that write every element
    /// (zeroing a multi-megabyte result first costs as much as writing it).
    /// </summary>
    internal static HostMatrixBatch<T> Uninitialized(int rows, int cols, int count, Backend owner)
    {
        long length = CheckShape(rows, cols, count);
        if (length > Array.MaxLength)
        {
            throw new OutOfMemoryException($"A batch of {count} x ({rows} x {cols}) has {length} elements, more than one array holds ({Array.MaxLength}).");
        }

        return new HostMatrixBatch<T>(GC.AllocateUninitializedArray<T>((int)length), rows, cols, count, owner);
    }

    /// <inheritdoc/>
    public override DeviceKind Device => DeviceKind.Cpu;

    /// <inheritdoc/>
    public override Backend Backend => owner ?? Linalg.HostBackend;

    /// <inheritdoc/>
    public override MatrixLayout Layout => layout;

    /// <summary>All elements as stored: matrix after matrix, each in <see cref="MatrixBatch{T}.Layout"/>.</summary>
    public Span<T> Span
    {
        get
        {
            ThrowIfDisposed();
            return data.Span;
        }
    }

    /// <summary>All elements as stored, as <see cref="Memory{T}"/>.</summary>
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
    /// <param name="memory">rows * cols * count elements, matrix after matrix.</param>
    /// <param name="rows">Rows of each matrix (m).</param>
    /// <param name="cols">Columns of each matrix (n).</param>
    /// <param name="count">Matrices in the batch.</param>
    /// <param name="layout">
    /// How each matrix is stored: <see cref="MatrixLayout.RowMajor"/> for a C-ordered array or tensor
    /// of shape (count, rows, cols), read and written in place.
    /// </param>
    /// <exception cref="ArgumentException">The length is not rows * cols * count.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The layout is not a <see cref="MatrixLayout"/>.</exception>
    public static HostMatrixBatch<T> Wrap(Memory<T> memory, int rows, int cols, int count = 1, MatrixLayout layout = MatrixLayout.ColumnMajor)
    {
        long length = CheckShape(rows, cols, count);
        if (layout is not (MatrixLayout.ColumnMajor or MatrixLayout.RowMajor))
        {
            throw new ArgumentOutOfRangeException(nameof(layout), layout, "Unknown matrix layout.");
        }

        if (memory.Length != length)
        {
            throw new ArgumentException($"Expected {length} elements for a batch of {count} x ({rows} x {cols}); got {memory.Length}.", nameof(memory));
        }

        return new HostMatrixBatch<T>(memory, rows, cols, count, layout);
    }

    /// <summary>The elements of matrix <paramref name="index"/> as stored (in <see cref="MatrixBatch{T}.Layout"/>).</summary>
    public Span<T> GetMatrix(int index)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return data.Span.Slice(index * MatrixLength, MatrixLength);
    }

    /// <inheritdoc/>
    protected override void CopyToCore(Span<T> destination)
    {
        if (layout == MatrixLayout.ColumnMajor)
        {
            data.Span.CopyTo(destination);
        }
        else
        {
            Transpose(data.Span, destination, Cols, Rows);     // a row-major m x n is a column-major n x m
        }
    }

    /// <inheritdoc/>
    internal override void Assign(MatrixBatch<T> source)
    {
        ThrowIfDisposed();
        if (layout == MatrixLayout.ColumnMajor || MatrixLength == 0)
        {
            source.CopyTo(data.Span);
        }
        else if (source is HostMatrixBatch<T> { Layout: MatrixLayout.ColumnMajor } host)
        {
            Transpose(host.Span, data.Span, Rows, Cols);
        }
        else
        {
            Transpose(source.ToArray(), data.Span, Rows, Cols);
        }
    }

    /// <summary>
    /// Transposes each column-major <paramref name="rows"/> x <paramref name="cols"/> matrix of
    /// <paramref name="source"/> into <paramref name="destination"/> (equivalently: column-major to
    /// row-major), in tiles so that both sides stay in cache for large matrices.
    /// </summary>
    private static void Transpose(ReadOnlySpan<T> source, Span<T> destination, int rows, int cols)
    {
        const int Tile = 32;
        int length = rows * cols;
        for (int start = 0; start < destination.Length; start += length)
        {
            ReadOnlySpan<T> s = source.Slice(start, length);
            Span<T> d = destination.Slice(start, length);
            for (int j0 = 0; j0 < cols; j0 += Tile)
            {
                for (int i0 = 0; i0 < rows; i0 += Tile)
                {
                    for (int j = j0; j < Math.Min(j0 + Tile, cols); j++)
                    {
                        for (int i = i0; i < Math.Min(i0 + Tile, rows); i++)
                        {
                            d[(i * cols) + j] = s[(j * rows) + i];
                        }
                    }
                }
            }
        }
    }

    private int Offset(int index, int row, int col)
    {
        ThrowIfDisposed();
        if ((uint)index >= (uint)Count || (uint)row >= (uint)Rows || (uint)col >= (uint)Cols)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"Element ({index}, {row}, {col}) is outside the batch {Shape}.");
        }

        return (index * MatrixLength) + (layout == MatrixLayout.RowMajor ? (row * Cols) + col : (col * Rows) + row);
    }
}
