using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>, the element types of every operation; or <see cref="Complex64"/> or <see cref="Complex"/>, which a batch holds and no operation accepts yet.</typeparam>
public sealed class HostMatrixBatch<T> : MatrixBatch<T>
    where T : unmanaged, INumberBase<T>
{
    private readonly Memory<T> data;
    private readonly Backend? owner;
    private readonly MatrixLayout layout;
    private readonly T[]? pooled;     // rented by a backend (Rent), returned by Dispose

    /// <summary>Creates a zero-filled batch of <paramref name="count"/> matrices of <paramref name="rows"/> x <paramref name="cols"/>.</summary>
    public HostMatrixBatch(int rows, int cols, int count = 1)
        : base(rows, cols, count)
    {
        data = new T[(long)rows * cols * count];
    }

    private HostMatrixBatch(Memory<T> data, int rows, int cols, int count, MatrixLayout layout, Backend? owner = null, T[]? pooled = null)
        : base(rows, cols, count)
    {
        this.data = data;
        this.layout = layout;
        this.owner = owner;
        this.pooled = pooled;
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

    /// <summary>
    /// Copies <paramref name="data"/> into a new batch that owns its array: rows * cols * count
    /// elements, matrix after matrix, each in <paramref name="layout"/>, which is column-major unless
    /// given. Data in C order (NumPy, PyTorch, a <c>float[]</c> filled row by row) needs
    /// <see cref="MatrixLayout.RowMajor"/>: read as column-major, it is silently another matrix (the
    /// transpose of the intended one, reshaped). For a C# <c>T[,]</c>, see <see cref="FromArray(T[,])"/>.
    /// </summary>
    /// <param name="data">rows * cols * count elements, matrix after matrix, each in <paramref name="layout"/>.</param>
    /// <param name="rows">Rows of each matrix (m).</param>
    /// <param name="cols">Columns of each matrix (n).</param>
    /// <param name="count">Matrices in the batch.</param>
    /// <param name="layout">
    /// How each matrix of <paramref name="data"/> is ordered: <see cref="MatrixLayout.ColumnMajor"/>
    /// (the default: element (i, j) at j * rows + i) or <see cref="MatrixLayout.RowMajor"/> (at
    /// i * cols + j). The batch keeps this layout (its <see cref="Span"/> is a copy of
    /// <paramref name="data"/> as given).
    /// </param>
    /// <returns>A new batch of <paramref name="count"/> x (<paramref name="rows"/> x <paramref name="cols"/>) in <paramref name="layout"/>.</returns>
    /// <exception cref="ArgumentException">The length of <paramref name="data"/> is not rows * cols * count.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative, or the layout is not a <see cref="MatrixLayout"/>.</exception>
    public static HostMatrixBatch<T> FromArray(ReadOnlySpan<T> data, int rows, int cols, int count = 1, MatrixLayout layout = MatrixLayout.ColumnMajor)
    {
        CheckWrap(data.Length, rows, cols, count, layout, nameof(data));
        return new HostMatrixBatch<T>(data.ToArray(), rows, cols, count, layout);
    }

    /// <summary>
    /// Copies a C# two-dimensional array, one matrix with <c>matrix.GetLength(0)</c> rows and
    /// <c>matrix.GetLength(1)</c> columns, element (i, j) = <c>matrix[i, j]</c>, into a new
    /// column-major batch of one matrix.
    /// </summary>
    /// <remarks>
    /// A <c>T[,]</c> is stored row-major, and it is read as such: <c>new float[,] { { 1, 2 }, { 3, 4 } }</c>
    /// is the matrix with first row (1, 2), whatever the batch's layout. It is copied, not wrapped:
    /// a <c>T[,]</c> is not a <see cref="Memory{T}"/> (only a span can be made over it, and a
    /// <see cref="MemoryManager{T}"/> would have to pin it for every native call), and the copy
    /// is made column-major, the layout every backend computes in, so that no operation copies it again.
    /// <see cref="ToArray2D(int)"/> is the way back.
    /// </remarks>
    /// <param name="matrix">The matrix, C# row-major (rows = <c>GetLength(0)</c>, columns = <c>GetLength(1)</c>).</param>
    /// <returns>A new column-major batch of 1 x (rows x cols).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="matrix"/> is null.</exception>
    public static HostMatrixBatch<T> FromArray(T[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        return FromArray([matrix]);
    }

    /// <summary>
    /// Copies C# two-dimensional arrays of one shape, each one matrix read row-major as
    /// <see cref="FromArray(T[,])"/> reads it, into a new column-major batch, in order.
    /// </summary>
    /// <param name="matrices">The matrices (at least one), each rows x cols as <c>GetLength(0)</c> x <c>GetLength(1)</c> of the first.</param>
    /// <returns>A new column-major batch of matrices.Length x (rows x cols).</returns>
    /// <exception cref="ArgumentNullException">A matrix is null.</exception>
    /// <exception cref="ArgumentException">There is no matrix, or the shapes differ.</exception>
    public static HostMatrixBatch<T> FromArray(params ReadOnlySpan<T[,]> matrices)
    {
        if (matrices.IsEmpty)
        {
            throw new ArgumentException("At least one matrix is needed to know the shape.", nameof(matrices));
        }

        ArgumentNullException.ThrowIfNull(matrices[0], nameof(matrices));
        int rows = matrices[0].GetLength(0), cols = matrices[0].GetLength(1);
        var batch = new HostMatrixBatch<T>(rows, cols, matrices.Length);
        Span<T> to = batch.data.Span;
        for (int b = 0; b < matrices.Length; b++)
        {
            T[,] m = matrices[b];
            ArgumentNullException.ThrowIfNull(m, nameof(matrices));
            if (m.GetLength(0) != rows || m.GetLength(1) != cols)
            {
                throw new ArgumentException($"Matrix {b} is {m.GetLength(0)} x {m.GetLength(1)}; matrix 0 is {rows} x {cols}.", nameof(matrices));
            }

            // A row-major rows x cols matrix is a column-major cols x rows one: its transpose is the column-major copy.
            BlockTranspose.Matrices(RowMajorSpan(m), to.Slice(b * batch.MatrixLength, batch.MatrixLength), cols, rows);
        }

        return batch;
    }

    /// <summary>
    /// Matrix <paramref name="index"/> as a new C# two-dimensional array, element (i, j) at
    /// <c>[i, j]</c>, whatever the batch's layout: the inverse of <see cref="FromArray(T[,])"/>.
    /// </summary>
    /// <param name="index">The matrix, 0 to <see cref="MatrixBatch{T}.Count"/> - 1.</param>
    /// <returns>A new <see cref="MatrixBatch{T}.Rows"/> x <see cref="MatrixBatch{T}.Cols"/> array.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the batch.</exception>
    /// <exception cref="ObjectDisposedException">The batch was disposed.</exception>
    public T[,] ToArray2D(int index = 0)
    {
        Span<T> matrix = GetMatrix(index);
        var result = new T[Rows, Cols];
        if (layout == MatrixLayout.RowMajor)
        {
            matrix.CopyTo(RowMajorSpan(result));
        }
        else
        {
            BlockTranspose.Matrices(matrix, RowMajorSpan(result), Rows, Cols);
        }

        return result;
    }

    /// <summary>
    /// Wraps <paramref name="memory"/> without copying: the batch reads and writes the caller's memory
    /// (a managed array, which converts implicitly, or native memory through a
    /// <see cref="System.Buffers.MemoryManager{T}"/>), which must stay valid while the batch is used.
    /// The memory is read as column-major unless <paramref name="layout"/> says otherwise: C-ordered
    /// data (NumPy, PyTorch, a <c>float[]</c> filled row by row) needs <see cref="MatrixLayout.RowMajor"/>,
    /// or it is silently another matrix.
    /// </summary>
    /// <param name="memory">rows * cols * count elements, matrix after matrix, each in <paramref name="layout"/>.</param>
    /// <param name="rows">Rows of each matrix (m).</param>
    /// <param name="cols">Columns of each matrix (n).</param>
    /// <param name="count">Matrices in the batch.</param>
    /// <param name="layout">
    /// How each matrix is stored: <see cref="MatrixLayout.ColumnMajor"/> (the default: element (i, j)
    /// at j * rows + i, LAPACK's order) or <see cref="MatrixLayout.RowMajor"/> (at i * cols + j) for a
    /// C-ordered array or tensor of shape (count, rows, cols), read and written in place.
    /// </param>
    /// <returns>A batch over <paramref name="memory"/>, in <paramref name="layout"/>.</returns>
    /// <exception cref="ArgumentException">The length is not rows * cols * count.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative, or the layout is not a <see cref="MatrixLayout"/>.</exception>
    public static HostMatrixBatch<T> Wrap(Memory<T> memory, int rows, int cols, int count = 1, MatrixLayout layout = MatrixLayout.ColumnMajor)
    {
        CheckWrap(memory.Length, rows, cols, count, layout, nameof(memory));
        return new HostMatrixBatch<T>(memory, rows, cols, count, layout);
    }

    /// <summary>The checks of <see cref="Wrap"/> and <see cref="FromArray(ReadOnlySpan{T}, int, int, int, MatrixLayout)"/>, naming the caller's parameter.</summary>
    private static void CheckWrap(int length, int rows, int cols, int count, MatrixLayout layout, string paramName)
    {
        long expected = CheckShape(rows, cols, count);
        if (layout is not (MatrixLayout.ColumnMajor or MatrixLayout.RowMajor))
        {
            throw new ArgumentOutOfRangeException(nameof(layout), layout, "Unknown matrix layout.");
        }

        if (length != expected)
        {
            throw new ArgumentException($"Expected {expected} elements for a batch of {count} x ({rows} x {cols}); got {length}.", paramName);
        }
    }

    /// <summary>The elements of a C# two-dimensional array in storage order (row after row).</summary>
    private static Span<T> RowMajorSpan(T[,] matrix) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(matrix)), matrix.Length);

    /// <summary>
    /// A column-major batch that a backend returns (its operations then stay on
    /// <paramref name="owner"/>), in an array from <see cref="ArrayPool{T}.Shared"/> that
    /// <see cref="MatrixBatch{T}.Dispose()"/> returns: a fresh multi-megabyte array per result costs
    /// page faults and gen-2 collections (for the gradient of 4096 x (32 x 16) floats, half the time of
    /// the backward that computes it). A batch never disposed is simply collected.
    /// </summary>
    /// <param name="rows">Rows of each matrix.</param>
    /// <param name="cols">Columns of each matrix.</param>
    /// <param name="count">Matrices in the batch.</param>
    /// <param name="owner">The backend whose result it is.</param>
    /// <param name="clear">Zero-fill; false only where the caller writes every element.</param>
    internal static HostMatrixBatch<T> Rent(int rows, int cols, int count, Backend? owner, bool clear)
    {
        int length = checked((int)CheckShape(rows, cols, count));
        T[] array = ArrayPool<T>.Shared.Rent(length);
        if (clear)
        {
            Array.Clear(array, 0, length);
        }

        return new HostMatrixBatch<T>(array.AsMemory(0, length), rows, cols, count, MatrixLayout.ColumnMajor, owner, array);
    }

    /// <summary>The elements of matrix <paramref name="index"/> as stored (in <see cref="MatrixBatch{T}.Layout"/>).</summary>
    /// <returns>A span over the batch's memory (no copy), <see cref="MatrixBatch{T}.MatrixLength"/> elements.</returns>
    public Span<T> GetMatrix(int index)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return data.Span.Slice(index * MatrixLength, MatrixLength);
    }

    /// <summary>Returns a rented array to the pool; the memory the batch handed out must not be used after this.</summary>
    protected override void Dispose(bool disposing)
    {
        if (pooled is not null)
        {
            ArrayPool<T>.Shared.Return(pooled);
        }
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
            BlockTranspose.Matrices(data.Span, destination, Cols, Rows);     // a row-major m x n is a column-major n x m
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
            BlockTranspose.Matrices(host.Span, data.Span, Rows, Cols);
        }
        else
        {
            BlockTranspose.Matrices(source.ToArray(), data.Span, Rows, Cols);
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
