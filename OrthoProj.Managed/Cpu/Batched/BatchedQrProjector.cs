using System.Runtime.Intrinsics;

namespace OrthoProj.Cpu.Batched;

/// <summary>The SIMD width the batched path runs at; <see cref="Auto"/> picks the widest accelerated one.</summary>
internal enum LaneWidth
{
    Auto,
    Scalar,
    Vector128,
    Vector256,
    Vector512,
}

/// <summary>
/// The QR-method projector for batches of small matrices (m &gt;= n, m &lt;= 64, n &lt;= 32): the
/// batch is factored by Householder QR in lock-step across SIMD lanes and every operation is fused
/// per group of as many matrices as a vector has lanes (see <see cref="BatchedQrEngine{T, TV, TOps}"/>). The
/// formulas are those of <see cref="Projection.BatchedProjector{T}"/> under QR (U = Q applied through the
/// reflectors, W = R^-1 by triangular solves), so results equal the general path's to rounding.
/// </summary>
internal sealed class BatchedQrProjector<T> : Projector<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The largest m the batched path takes.</summary>
    internal const int MaxRows = 64;

    /// <summary>The largest n the batched path takes.</summary>
    internal const int MaxCols = 32;

    private readonly IBatchedQrEngine<T> engine;

    /// <summary>Factors <paramref name="a"/>; throws <see cref="RankDeficientException"/> for the lowest rank-deficient index.</summary>
    /// <param name="backend">The backend that owns the projector.</param>
    /// <param name="a">The batch to factor.</param>
    /// <param name="tolerance">The rank rule.</param>
    /// <param name="parallel">Threads over groups.</param>
    /// <param name="width">The SIMD width (tests force each one).</param>
    /// <param name="maxChunkBytes">The largest native chunk of lane storage (tests lower it to exercise several chunks).</param>
    public BatchedQrProjector(CpuBackend backend, HostMatrixBatch<T> a, RankTolerance tolerance, ParallelOptions parallel, LaneWidth width = LaneWidth.Auto, long maxChunkBytes = GroupStorage<byte>.DefaultMaxChunkBytes)
        : this(backend, a, CreateEngine(a, tolerance, parallel, width, maxChunkBytes))
    {
    }

    private BatchedQrProjector(CpuBackend backend, HostMatrixBatch<T> a, IBatchedQrEngine<T> engine)
        : base(backend, a.Rows, a.Cols, a.Count, ProjectorMethod.Qr, FullRank(a.Cols, a.Count))
    {
        this.engine = engine;
    }

    /// <summary>The width <see cref="LaneWidth.Auto"/> picks: the widest hardware-accelerated vector of T.</summary>
    internal static int DefaultWidth => Resolve(LaneWidth.Auto) switch
    {
        LaneWidth.Vector512 => Vector512<T>.Count,
        LaneWidth.Vector256 => Vector256<T>.Count,
        LaneWidth.Vector128 => Vector128<T>.Count,
        _ => 1,
    };

    /// <summary>Whether the batched path can take this projector: QR method, 1 &lt;= n &lt;= m &lt;= 64, n &lt;= 32, Count &gt;= 1.</summary>
    internal static bool Fits(ProjectorMethod method, int rows, int cols, int count) =>
        method == ProjectorMethod.Qr && cols >= 1 && rows >= cols && rows <= MaxRows && cols <= MaxCols && count >= 1;

    /// <summary>The dispatch rule of <see cref="SmallMatrixPath"/>.</summary>
    internal static bool ShouldUse(SmallMatrixPath path, ProjectorMethod method, int rows, int cols, int count) => path switch
    {
        SmallMatrixPath.Never => false,
        SmallMatrixPath.Always => Fits(method, rows, cols, count),
        _ => Fits(method, rows, cols, count) && count >= DefaultWidth,
    };

    /// <inheritdoc/>
    protected override MatrixBatch<T> ProjectCore(MatrixBatch<T> y) =>
        y.Cols == 0 ? new HostMatrixBatch<T>(Rows, 0, Count) : engine.Project((HostMatrixBatch<T>)y);

    /// <inheritdoc/>
    protected override MatrixBatch<T> ResidualCore(MatrixBatch<T> y) =>
        y.Cols == 0 ? new HostMatrixBatch<T>(Rows, 0, Count) : engine.Residual((HostMatrixBatch<T>)y);

    /// <inheritdoc/>
    protected override MatrixBatch<T> MatrixCore() => engine.Matrix();

    /// <inheritdoc/>
    protected override MatrixBatch<T> SolveCore(MatrixBatch<T> y) =>
        y.Cols == 0 ? new HostMatrixBatch<T>(Cols, 0, Count) : engine.Solve((HostMatrixBatch<T>)y);

    /// <inheritdoc/>
    protected override ProjectorGradients<T> ProjectBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradZ) =>
        y.Cols == 0 ? ZeroGradients() : engine.ProjectBackward((HostMatrixBatch<T>)y, (HostMatrixBatch<T>)gradZ);

    /// <inheritdoc/>
    protected override ProjectorGradients<T> ResidualBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradE) =>
        y.Cols == 0 ? ZeroGradients() : engine.ResidualBackward((HostMatrixBatch<T>)y, (HostMatrixBatch<T>)gradE);

    /// <inheritdoc/>
    protected override MatrixBatch<T> MatrixBackwardCore(MatrixBatch<T> gradP) => engine.MatrixBackward((HostMatrixBatch<T>)gradP);

    /// <inheritdoc/>
    protected override ProjectorGradients<T> SolveBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradX) =>
        y.Cols == 0 ? ZeroGradients() : engine.SolveBackward((HostMatrixBatch<T>)y, (HostMatrixBatch<T>)gradX);

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            engine.Dispose();
        }

        base.Dispose(disposing);
    }

    private static int[] FullRank(int cols, int count)
    {
        var rank = new int[count];
        Array.Fill(rank, cols);
        return rank;
    }

    private static LaneWidth Resolve(LaneWidth width) => width switch
    {
        LaneWidth.Auto when Vector512.IsHardwareAccelerated => LaneWidth.Vector512,
        LaneWidth.Auto when Vector256.IsHardwareAccelerated => LaneWidth.Vector256,
        LaneWidth.Auto when Vector128.IsHardwareAccelerated => LaneWidth.Vector128,
        LaneWidth.Auto => LaneWidth.Scalar,
        _ => width,
    };

    private static IBatchedQrEngine<T> CreateEngine(HostMatrixBatch<T> a, RankTolerance tolerance, ParallelOptions parallel, LaneWidth width, long maxChunkBytes)
    {
        if (!Fits(ProjectorMethod.Qr, a.Rows, a.Cols, a.Count))
        {
            throw new ArgumentException($"The batched QR path takes 1 <= n <= m <= {MaxRows}, n <= {MaxCols} and at least one matrix; A is {a.Shape}.", nameof(a));
        }

        return Resolve(width) switch
        {
            LaneWidth.Vector512 => new BatchedQrEngine<T, Vector512<T>, Lanes512<T>>(a, tolerance, parallel, maxChunkBytes),
            LaneWidth.Vector256 => new BatchedQrEngine<T, Vector256<T>, Lanes256<T>>(a, tolerance, parallel, maxChunkBytes),
            LaneWidth.Vector128 => new BatchedQrEngine<T, Vector128<T>, Lanes128<T>>(a, tolerance, parallel, maxChunkBytes),
            _ => new BatchedQrEngine<T, T, LanesScalar<T>>(a, tolerance, parallel, maxChunkBytes),
        };
    }

    private ProjectorGradients<T> ZeroGradients() =>
        new(new HostMatrixBatch<T>(Rows, Cols, Count), new HostMatrixBatch<T>(Rows, 0, Count));
}
