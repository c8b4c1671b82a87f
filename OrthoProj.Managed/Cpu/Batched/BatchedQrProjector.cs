namespace OrthoProj.Cpu.Batched;

/// <summary>
/// The QR-method projector for batches of small matrices (m &gt;= n, m &lt;= 64, n &lt;= 32): the
/// batch is factored by Householder QR in lock-step across SIMD lanes and every operation is fused
/// per group of as many matrices as a vector has lanes (see <see cref="LaneProjector{T, TV, TOps}"/>,
/// one subclass per width). The formulas are those of <see cref="Projection.BatchedProjector{T}"/> under
/// QR (U = Q applied through the reflectors, W = R^-1 by triangular solves), so results equal the
/// general path's to rounding.
/// </summary>
internal abstract class BatchedQrProjector<T> : Projector<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Records the shape of <paramref name="a"/>, full rank (the engine throws otherwise).</summary>
    private protected BatchedQrProjector(CpuBackend backend, HostMatrixBatch<T> a)
        : base(backend, a.Rows, a.Cols, a.Count, ProjectorMethod.Qr, FullRank(a.Cols, a.Count))
    {
    }

    /// <summary>The width <see cref="LaneWidth.Auto"/> picks: the widest hardware-accelerated vector of T.</summary>
    internal static int DefaultWidth => LaneDispatch.Width<T>(LaneWidth.Auto);

    /// <summary>Factors <paramref name="a"/> at <paramref name="width"/>; throws <see cref="RankDeficientException"/> for the lowest rank-deficient index.</summary>
    /// <param name="backend">The backend that owns the projector.</param>
    /// <param name="a">The batch to factor.</param>
    /// <param name="tolerance">The rank rule.</param>
    /// <param name="parallel">Threads over groups.</param>
    /// <param name="width">The SIMD width (tests force each one).</param>
    /// <param name="maxChunkBytes">The largest native chunk of lane storage (tests lower it to exercise several chunks).</param>
    public static BatchedQrProjector<T> Create(CpuBackend backend, HostMatrixBatch<T> a, RankTolerance tolerance, ParallelOptions parallel, LaneWidth width = LaneWidth.Auto, long maxChunkBytes = GroupStorage<byte>.DefaultMaxChunkBytes)
    {
        if (!SmallMatrixPolicy.Fits(ProjectorMethod.Qr, a.Rows, a.Cols, a.Count))
        {
            throw new ArgumentException($"The batched QR path takes 1 <= n <= m <= {SmallMatrixPolicy.MaxRows}, n <= {SmallMatrixPolicy.MaxCols} and at least one matrix; A is {a.Shape}.", nameof(a));
        }

        return LaneDispatch.Run(width, new CreateCall(backend, a, tolerance, parallel, maxChunkBytes));
    }

    private sealed record CreateCall(CpuBackend Backend, HostMatrixBatch<T> A, RankTolerance Tolerance, ParallelOptions Parallel, long MaxChunkBytes) : ILaneOperation<T, BatchedQrProjector<T>>
    {
        public BatchedQrProjector<T> Run<TV, TOps>()
            where TV : unmanaged
            where TOps : struct, ILaneOps<TV, T> => new LaneProjector<T, TV, TOps>(Backend, A, Tolerance, Parallel, MaxChunkBytes);
    }
}
