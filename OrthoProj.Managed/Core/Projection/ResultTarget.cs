namespace OrthoProj.Projection;

/// <summary>
/// Where the general path (the seam's formulas, on the CPU and on CUDA) writes one result, so that a
/// batch the caller gave receives it without an allocate-then-copy:
/// <list type="bullet">
/// <item>no batch given: a new one (<see cref="IBatchOps{T}.Allocate"/>), tracked so that it is
/// released when the operation fails, and returned;</item>
/// <item>a column-major batch given (every device batch, and host batches by default): the batch
/// itself; the formulas write into it and it is returned;</item>
/// <item>a row-major host batch given: the seam works on column-major batches only, so the formulas
/// write into scratch and <see cref="Complete"/> transposes it into the caller's memory in one pass
/// (a row-major m x n matrix is the column-major n x m transpose).</item>
/// </list>
/// A given batch is never tracked: when the operation fails it holds whatever was written so far,
/// and no result is returned.
/// </summary>
internal readonly struct ResultTarget<T>
    where T : unmanaged, INumberBase<T>
{
    private readonly MatrixBatch<T>? given;

    private ResultTarget(MatrixBatch<T> batch, MatrixBatch<T>? given)
    {
        Batch = batch;
        this.given = given;
    }

    /// <summary>The column-major batch the formulas write (inside the enclosing Run).</summary>
    public MatrixBatch<T> Batch { get; }

    /// <summary>The target for a rows x cols result; <paramref name="given"/> has that shape (checked by the public layer).</summary>
    public static ResultTarget<T> Of(IBatchOps<T> ops, List<IDisposable> owned, MatrixBatch<T>? given, int rows, int cols, int count) =>
        given switch
        {
            null => new(owned.Track(ops.Allocate(rows, cols, count)), null),
            { Layout: MatrixLayout.ColumnMajor } => new(given, given),
            _ => new(ops.Scratch(rows, cols, count), given),
        };

    /// <summary>
    /// The result to return: the given batch (a row-major one receives the scratch's transpose now,
    /// before the enclosing Run releases the scratch) or the new one.
    /// </summary>
    public MatrixBatch<T> Complete(IBatchOps<T> ops)
    {
        if (given is null || ReferenceEquals(Batch, given))
        {
            return Batch;
        }

        // The row-major m x n storage viewed as its column-major n x m transpose.
        var host = (HostMatrixBatch<T>)given;
        ops.Transpose(Batch, HostMatrixBatch<T>.Wrap(host.Memory, given.Cols, given.Rows, given.Count));
        return given;
    }
}
