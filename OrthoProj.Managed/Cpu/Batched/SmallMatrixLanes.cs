namespace OrthoProj.Cpu.Batched;

/// <summary>
/// The CPU backend's one entry into the SIMD lanes for an element type: <see cref="For"/> is the
/// lanes of float or double, and null for complex elements, which the lanes do not compute (issue
/// 20 keeps them real-only; complex batches take the general path, docs/complex.md section 2). The
/// backend's generic cores take any element; the lanes need real arithmetic in their vectors, and
/// this class is where the one becomes the other.
/// </summary>
internal abstract class SmallMatrixLanes<T>
    where T : unmanaged, INumberBase<T>
{
    /// <summary>The lanes of T, or null where T has none (complex elements).</summary>
    public static SmallMatrixLanes<T>? For { get; } =
        typeof(T) == typeof(float) ? (SmallMatrixLanes<T>)(object)new RealLanes<float>()
        : typeof(T) == typeof(double) ? (SmallMatrixLanes<T>)(object)new RealLanes<double>()
        : null;

    /// <summary>Matrices per lane vector at the widest accelerated width: the Auto policy's minimum batch.</summary>
    public abstract int DefaultWidth { get; }

    /// <inheritdoc cref="BatchedQr{T}.Factor"/>
    public abstract QrResult<T> Qr(CpuBackend backend, HostMatrixBatch<T> a, QrMode mode, ParallelOptions parallel, HostMatrixBatch<T>? q, HostMatrixBatch<T>? r);

    /// <inheritdoc cref="BatchedQr{T}.Backward"/>
    public abstract HostMatrixBatch<T> QrBackward(CpuBackend backend, HostMatrixBatch<T> q, HostMatrixBatch<T> r, HostMatrixBatch<T>? gq, HostMatrixBatch<T>? gr, ParallelOptions parallel, HostMatrixBatch<T>? output);

    /// <inheritdoc cref="BatchedQr{T}.PinvFullRank"/>
    public abstract HostMatrixBatch<T>? PinvFullRank(CpuBackend backend, HostMatrixBatch<T> a, RankTolerance tolerance, ParallelOptions parallel, HostMatrixBatch<T>? output);

    /// <inheritdoc cref="BatchedQr{T}.PinvBackward"/>
    public abstract HostMatrixBatch<T> PinvBackward(CpuBackend backend, HostMatrixBatch<T> a, HostMatrixBatch<T> pinv, HostMatrixBatch<T> gradPinv, ParallelOptions parallel, HostMatrixBatch<T>? output);

    /// <inheritdoc cref="BatchedQrProjector{T}.Create"/>
    public abstract Projector<T> Projector(CpuBackend backend, HostMatrixBatch<T> a, RankTolerance tolerance, ParallelOptions parallel);

    private sealed class RealLanes<TReal> : SmallMatrixLanes<TReal>
        where TReal : unmanaged, IFloatingPointIeee754<TReal>
    {
        public override int DefaultWidth => BatchedQrProjector<TReal>.DefaultWidth;

        public override QrResult<TReal> Qr(CpuBackend backend, HostMatrixBatch<TReal> a, QrMode mode, ParallelOptions parallel, HostMatrixBatch<TReal>? q, HostMatrixBatch<TReal>? r) =>
            BatchedQr<TReal>.Factor(backend, a, mode, parallel, q: q, r: r);

        public override HostMatrixBatch<TReal> QrBackward(CpuBackend backend, HostMatrixBatch<TReal> q, HostMatrixBatch<TReal> r, HostMatrixBatch<TReal>? gq, HostMatrixBatch<TReal>? gr, ParallelOptions parallel, HostMatrixBatch<TReal>? output) =>
            BatchedQr<TReal>.Backward(backend, q, r, gq, gr, parallel, output: output);

        public override HostMatrixBatch<TReal>? PinvFullRank(CpuBackend backend, HostMatrixBatch<TReal> a, RankTolerance tolerance, ParallelOptions parallel, HostMatrixBatch<TReal>? output) =>
            BatchedQr<TReal>.PinvFullRank(backend, a, tolerance, parallel, output: output);

        public override HostMatrixBatch<TReal> PinvBackward(CpuBackend backend, HostMatrixBatch<TReal> a, HostMatrixBatch<TReal> pinv, HostMatrixBatch<TReal> gradPinv, ParallelOptions parallel, HostMatrixBatch<TReal>? output) =>
            BatchedQr<TReal>.PinvBackward(backend, a, pinv, gradPinv, parallel, output: output);

        public override Projector<TReal> Projector(CpuBackend backend, HostMatrixBatch<TReal> a, RankTolerance tolerance, ParallelOptions parallel) =>
            BatchedQrProjector<TReal>.Create(backend, a, tolerance, parallel);
    }
}
