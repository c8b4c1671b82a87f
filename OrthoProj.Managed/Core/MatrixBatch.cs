using System.Diagnostics;

namespace OrthoProj;

/// <summary>
/// A batch of <see cref="Count"/> matrices of <see cref="Rows"/> x <see cref="Cols"/> elements, one
/// matrix after the other, in host or device memory; each matrix column-major (element (b, i, j) at
/// <c>b * Rows * Cols + j * Rows + i</c>) or, for a host batch over another library's row-major
/// memory, row-major (at <c>b * Rows * Cols + i * Cols + j</c>; see <see cref="Layout"/>). Every
/// operation takes <see cref="float"/> and <see cref="double"/> elements; a host batch also holds
/// <see cref="Complex64"/> and <see cref="Complex"/> ones (created, wrapped, copied, converted between
/// layouts and tensors), which no operation accepts yet (docs/complex.md).
/// </summary>
/// <remarks>
/// Column-major is LAPACK's layout (leading dimension = rows) repeated with a stride of Rows * Cols,
/// which is also what cuBLAS/cuSOLVER strided-batched routines take, so no backend copies to reshape.
/// A row-major m x n matrix is the column-major n x m transpose: the SIMD small-matrix path reads and
/// writes either layout directly; the general path copies a row-major input into column-major once.
/// </remarks>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>; on the host also <see cref="Complex64"/> or <see cref="Complex"/>.</typeparam>
[DebuggerDisplay("{DebuggerDisplay,nq}")]
public abstract class MatrixBatch<T> : IDisposable
    where T : unmanaged, INumberBase<T>
{
    /// <summary>Validates the shape and the element type.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative or the total length overflows.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float, double, <see cref="Complex64"/> or <see cref="Complex"/>.</exception>
    protected MatrixBatch(int rows, int cols, int count)
    {
        CheckShape(rows, cols, count);
        Rows = rows;
        Cols = cols;
        Count = count;
    }

    /// <summary>The checks of every batch's shape, before anything is allocated; returns the length.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative or the total length overflows.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float, double, <see cref="Complex64"/> or <see cref="Complex"/>.</exception>
    internal static long CheckShape(int rows, int cols, int count)
    {
        ElementType.EnsureSupported<T>();
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        long total = (long)rows * cols * count;
        if (total > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"A batch of {count} x ({rows} x {cols}) has {total} elements, more than the {Array.MaxLength} one batch can hold.");
        }

        return total;
    }

    /// <summary>Rows of each matrix (m).</summary>
    public int Rows { get; }

    /// <summary>Columns of each matrix (n).</summary>
    public int Cols { get; }

    /// <summary>Number of matrices in the batch.</summary>
    public int Count { get; }

    /// <summary>Elements in one matrix: Rows * Cols.</summary>
    public int MatrixLength => Rows * Cols;

    /// <summary>Elements in the whole batch: Rows * Cols * Count.</summary>
    public int Length => Rows * Cols * Count;

    /// <summary>Where the elements live.</summary>
    public abstract DeviceKind Device { get; }

    /// <summary>How each matrix is laid out: column-major (every batch a backend makes) or row-major.</summary>
    public virtual MatrixLayout Layout => MatrixLayout.ColumnMajor;

    /// <summary>The backend whose operations accept this batch without a copy.</summary>
    public abstract Backend Backend { get; }

    /// <summary>True after <see cref="Dispose()"/>.</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>The shape as "count x (rows x cols)", the form used in every error message.</summary>
    public string Shape => $"{Count} x ({Rows} x {Cols})";

    private string DebuggerDisplay => $"{TypeNames.Of(GetType())}[{Shape}] on {Device}{(IsDisposed ? " (disposed)" : string.Empty)}";

    /// <summary>Copies all elements, column-major whatever <see cref="Layout"/> is, matrix after matrix, into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Length"/>.</exception>
    public void CopyTo(Span<T> destination)
    {
        ThrowIfDisposed();
        if (destination.Length < Length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} elements; the batch {Shape} has {Length}.", nameof(destination));
        }

        CopyToCore(destination[..Length]);
    }

    /// <summary>Returns a new array with all elements, column-major, matrix after matrix.</summary>
    /// <returns>A new array of <see cref="Length"/> elements.</returns>
    public T[] ToArray()
    {
        var result = new T[Length];
        CopyTo(result);
        return result;
    }

    /// <summary>Returns this batch if it is in host memory, or a host copy of it.</summary>
    /// <returns>This batch (no copy) when it is a <see cref="HostMatrixBatch{T}"/>; else a new column-major host batch, which the caller owns.</returns>
    public HostMatrixBatch<T> ToHost()
    {
        ThrowIfDisposed();
        return this as HostMatrixBatch<T> ?? HostMatrixBatch<T>.FromArray(ToArray(), Rows, Cols, Count);
    }

    /// <inheritdoc/>
    public override string ToString() => DebuggerDisplay;

    /// <summary>Releases the storage (device memory for a device batch); idempotent.</summary>
    public void Dispose()
    {
        if (!IsDisposed)
        {
            IsDisposed = true;
            Dispose(true);
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the storage; called once.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>Copies exactly <see cref="Length"/> elements, column-major.</summary>
    protected abstract void CopyToCore(Span<T> destination);

    /// <summary>
    /// Overwrites this batch with <paramref name="source"/> (the same shape, on this batch's backend),
    /// in this batch's layout: how an operation delivers a result into a batch the caller gave it.
    /// </summary>
    internal abstract void Assign(MatrixBatch<T> source);

    /// <summary>Matrix, row and column of element <paramref name="index"/> of the storage, for error messages.</summary>
    internal (int Matrix, int Row, int Col) Locate(int index)
    {
        int matrix = MatrixLength == 0 ? 0 : index / MatrixLength;
        int within = MatrixLength == 0 ? 0 : index % MatrixLength;
        return Layout == MatrixLayout.RowMajor
            ? (matrix, within / Math.Max(Cols, 1), within % Math.Max(Cols, 1))
            : (matrix, within % Math.Max(Rows, 1), within / Math.Max(Rows, 1));
    }

    /// <exception cref="ObjectDisposedException">The batch was disposed.</exception>
    protected internal void ThrowIfDisposed() => TypeNames.ThrowIfDisposed(IsDisposed, this);
}

/// <summary>Where a batch's elements live.</summary>
public enum DeviceKind
{
    /// <summary>Host (CPU) memory.</summary>
    Cpu,

    /// <summary>CUDA device memory.</summary>
    Cuda,
}

/// <summary>How the elements of each matrix of a batch are ordered in memory.</summary>
public enum MatrixLayout
{
    /// <summary>Column after column (LAPACK, cuBLAS): element (i, j) of an m x n matrix at j * m + i.</summary>
    ColumnMajor,

    /// <summary>Row after row (TorchSharp, NumPy, System.Numerics.Tensors by default): element (i, j) at i * n + j.</summary>
    RowMajor,
}
