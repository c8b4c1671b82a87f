namespace OrthoProj.Cpu.Batched;

/// <summary>
/// <see cref="Backend.Qr{T}"/> and <see cref="Backend.QrBackward{T}"/> on the SIMD lanes for batches of
/// small matrices (m &gt;= n, m &lt;= 64, n &lt;= 32; <see cref="SmallMatrixPolicy"/> decides), at the
/// width the projector runs at. Results equal the general path's (<see cref="Projection.QrDecomposition"/>)
/// to rounding: the same LAPACK signs, the same power-of-two scaling and the same rank rule.
/// </summary>
internal static class BatchedQr<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// A = Q R, reduced (Q m x n, R n x n) or complete (Q m x m, R m x n), as new column-major batches
    /// owned by <paramref name="backend"/> (<see cref="Lanes{T, TV, TOps}.Qr"/>).
    /// </summary>
    /// <param name="backend">The backend that owns the results.</param>
    /// <param name="a">A, column-major or row-major.</param>
    /// <param name="mode">Reduced or complete.</param>
    /// <param name="parallel">Threads over groups.</param>
    /// <param name="width">The SIMD width (tests force each one).</param>
    /// <param name="q">Where to write Q (either layout, written in place by the scatter), or null for a new batch.</param>
    /// <param name="r">Where to write R, as <paramref name="q"/>.</param>
    public static QrResult<T> Factor(CpuBackend backend, HostMatrixBatch<T> a, QrMode mode, ParallelOptions parallel, LaneWidth width = LaneWidth.Auto, HostMatrixBatch<T>? q = null, HostMatrixBatch<T>? r = null)
    {
        CheckShape(a.Rows, a.Cols, a.Count);
        return LaneDispatch.Run(width, new FactorCall(backend, a, mode, parallel, q, r));
    }

    /// <summary>
    /// gA (m x n, new, column-major) from the reduced factors Q (m x n), R (n x n) and the cotangents
    /// (null: zero): gA = (gQ + Q S) R^-T, M = gR R^T - Q^T gQ, S = copyltu(M)
    /// (<see cref="Lanes{T, TV, TOps}.QrBackward"/>).
    /// </summary>
    /// <param name="backend">The backend that owns the result.</param>
    /// <param name="q">Q, m x n.</param>
    /// <param name="r">R, n x n (upper triangular).</param>
    /// <param name="gq">dL/dQ, or null.</param>
    /// <param name="gr">dL/dR, or null.</param>
    /// <param name="parallel">Threads over groups.</param>
    /// <param name="width">The SIMD width (tests force each one).</param>
    /// <param name="output">Where to write gA (either layout, in place), or null for a new batch.</param>
    /// <exception cref="RankDeficientException">R of some matrix fails the QR rank rule (the first such index).</exception>
    public static HostMatrixBatch<T> Backward(CpuBackend backend, HostMatrixBatch<T> q, HostMatrixBatch<T> r, HostMatrixBatch<T>? gq, HostMatrixBatch<T>? gr, ParallelOptions parallel, LaneWidth width = LaneWidth.Auto, HostMatrixBatch<T>? output = null)
    {
        CheckShape(q.Rows, r.Cols, q.Count);
        return LaneDispatch.Run(width, new BackwardCall(backend, q, r, gq, gr, parallel, output));
    }

    /// <summary>
    /// A+ (n x m, new, column-major) of a tall batch when every matrix is proven of full rank, or null
    /// (then the SVD decides, <see cref="Projection.PseudoInverse"/>) (<see cref="Lanes{T, TV, TOps}.Pinv"/>).
    /// </summary>
    /// <param name="backend">The backend that owns the result.</param>
    /// <param name="a">A, m x n, m &gt;= n, column-major or row-major.</param>
    /// <param name="tolerance">torch.linalg.pinv's rule.</param>
    /// <param name="parallel">Threads over groups.</param>
    /// <param name="width">The SIMD width (tests force each one).</param>
    /// <param name="output">Where to write A+ (either layout, in place), or null for a new batch; when null is returned it holds partial values.</param>
    public static HostMatrixBatch<T>? PinvFullRank(CpuBackend backend, HostMatrixBatch<T> a, RankTolerance tolerance, ParallelOptions parallel, LaneWidth width = LaneWidth.Auto, HostMatrixBatch<T>? output = null)
    {
        CheckShape(a.Rows, a.Cols, a.Count);
        return LaneDispatch.Run(width, new PinvCall(backend, a, tolerance, parallel, output));
    }

    /// <summary>gA (m x n, new, column-major) for X = A+ and G = dL/dX of a tall batch (<see cref="Lanes{T, TV, TOps}.PinvBackward"/>).</summary>
    /// <param name="backend">The backend that owns the result.</param>
    /// <param name="a">A, m x n, m &gt;= n.</param>
    /// <param name="pinv">X = A+, n x m.</param>
    /// <param name="gradPinv">G = dL/dX, n x m.</param>
    /// <param name="parallel">Threads over groups.</param>
    /// <param name="width">The SIMD width (tests force each one).</param>
    /// <param name="output">Where to write gA (either layout, in place), or null for a new batch.</param>
    public static HostMatrixBatch<T> PinvBackward(CpuBackend backend, HostMatrixBatch<T> a, HostMatrixBatch<T> pinv, HostMatrixBatch<T> gradPinv, ParallelOptions parallel, LaneWidth width = LaneWidth.Auto, HostMatrixBatch<T>? output = null)
    {
        CheckShape(a.Rows, a.Cols, a.Count);
        return LaneDispatch.Run(width, new PinvBackwardCall(backend, a, pinv, gradPinv, parallel, output));
    }

    private static void CheckShape(int m, int n, int count)
    {
        if (!SmallMatrixPolicy.Fits(m, n, count))
        {
            throw new ArgumentException($"The batched QR path takes 1 <= n <= m <= {SmallMatrixPolicy.MaxRows}, n <= {SmallMatrixPolicy.MaxCols} and at least one matrix; A is {count} x ({m} x {n}).");
        }
    }

    private sealed record FactorCall(CpuBackend Backend, HostMatrixBatch<T> A, QrMode Mode, ParallelOptions Parallel, HostMatrixBatch<T>? Q, HostMatrixBatch<T>? R) : ILaneOperation<T, QrResult<T>>
    {
        public QrResult<T> Run<TV, TOps>()
            where TV : unmanaged
            where TOps : struct, ILaneOps<TV, T> => Lanes<T, TV, TOps>.Qr.Factor(Backend, A, Mode, Parallel, Q, R);
    }

    private sealed record BackwardCall(CpuBackend Backend, HostMatrixBatch<T> Q, HostMatrixBatch<T> R, HostMatrixBatch<T>? GQ, HostMatrixBatch<T>? GR, ParallelOptions Parallel, HostMatrixBatch<T>? Output) : ILaneOperation<T, HostMatrixBatch<T>>
    {
        public HostMatrixBatch<T> Run<TV, TOps>()
            where TV : unmanaged
            where TOps : struct, ILaneOps<TV, T> => Lanes<T, TV, TOps>.QrBackward.Backward(Backend, Q, R, GQ, GR, Parallel, Output);
    }

    private sealed record PinvCall(CpuBackend Backend, HostMatrixBatch<T> A, RankTolerance Tolerance, ParallelOptions Parallel, HostMatrixBatch<T>? Output) : ILaneOperation<T, HostMatrixBatch<T>?>
    {
        public HostMatrixBatch<T>? Run<TV, TOps>()
            where TV : unmanaged
            where TOps : struct, ILaneOps<TV, T> => Lanes<T, TV, TOps>.Pinv.ViaQr(Backend, A, Tolerance, Parallel, Output);
    }

    private sealed record PinvBackwardCall(CpuBackend Backend, HostMatrixBatch<T> A, HostMatrixBatch<T> Pinv, HostMatrixBatch<T> GradPinv, ParallelOptions Parallel, HostMatrixBatch<T>? Output) : ILaneOperation<T, HostMatrixBatch<T>>
    {
        public HostMatrixBatch<T> Run<TV, TOps>()
            where TV : unmanaged
            where TOps : struct, ILaneOps<TV, T> => Lanes<T, TV, TOps>.PinvBackward.Backward(Backend, A, Pinv, GradPinv, Parallel, Output);
    }
}
