using OrthoProj.Cpu;
using OrthoProj.Cpu.Batched;
using OrthoProj.Cpu.Providers;

namespace OrthoProj;

/// <summary>
/// The CPU backend: host memory, dense linear algebra through one of two routes: the system's
/// LAPACK/BLAS called directly (<see cref="TryCreateNative"/>: OpenBLAS, MKL, reference LAPACK) or
/// Math.NET Numerics' managed provider (<see cref="CreateManaged"/>). The default instance takes
/// the native route when a library is found; <see cref="ProviderName"/> says which. Batches are
/// processed in parallel over matrices.
/// </summary>
public sealed class CpuBackend : Backend
{
    private static readonly Lazy<CpuBackend> DefaultInstance = new(CreateDefault);
    private readonly ParallelOptions parallel;

    private long lanesQrCalls;
    private long lanesPinvCalls;
    private long lanesPinvBackwardCalls;
    private long lanesQrBackwardCalls;

    private readonly CpuBatchKernels<float> floatKernels;
    private readonly CpuBatchKernels<double> doubleKernels;
    private readonly CpuBatchKernels<Complex64> complex64Kernels;
    private readonly CpuBatchKernels<Complex> complexKernels;

    private CpuBackend(bool native, string providerName, int maxDegreeOfParallelism, SmallMatrixPath smallMatrixPath)
    {
        if (smallMatrixPath is not (SmallMatrixPath.Auto or SmallMatrixPath.Always or SmallMatrixPath.Never))
        {
            throw new ArgumentOutOfRangeException(nameof(smallMatrixPath), smallMatrixPath, "Unknown small-matrix path.");
        }

        SmallMatrixPath = smallMatrixPath;
        if (maxDegreeOfParallelism is 0 or < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism), maxDegreeOfParallelism, "Use -1 for all cores or a positive thread count.");
        }

        IsNative = native;
        ProviderName = providerName;
        parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        floatKernels = Create<float>();
        doubleKernels = Create<double>();
        complex64Kernels = Create<Complex64>();
        complexKernels = Create<Complex>();

        CpuBatchKernels<T> Create<T>()
            where T : unmanaged, INumberBase<T> =>
            new(this, native ? new NativeCpuLapack<T>(providerName) : new ManagedCpuLapack<T>(), parallel);
    }

    /// <summary>
    /// The backend host batches use: native LAPACK when present, else Math.NET managed; all cores.
    /// </summary>
    public static CpuBackend Default => DefaultInstance.Value;

    /// <summary>The provider's name, e.g. "Math.NET managed" or "native LAPACK (libopenblas.so.0)".</summary>
    public string ProviderName { get; }

    /// <summary>Threads used over a batch (-1: all cores).</summary>
    public int MaxDegreeOfParallelism => parallel.MaxDegreeOfParallelism;

    /// <summary>
    /// Which path QR-method projectors, <see cref="Backend.Qr{T}"/> and <see cref="Backend.QrBackward{T}"/> over batches of small matrices take (default
    /// <see cref="OrthoProj.SmallMatrixPath.Auto"/>: the SIMD batched path for m &gt;= n, m &lt;= 64,
    /// n &lt;= 32 and at least one full SIMD group of matrices; the general path otherwise).
    /// </summary>
    public SmallMatrixPath SmallMatrixPath { get; }

    /// <summary>Whether the provider calls a native LAPACK.</summary>
    public bool IsNative { get; }

    /// <inheritdoc/>
    public override string Name => "cpu";

    /// <inheritdoc/>
    public override DeviceKind Device => DeviceKind.Cpu;

    /// <inheritdoc/>
    public override string Description => $"CPU ({Environment.ProcessorCount} cores, {(MaxDegreeOfParallelism < 0 ? "all" : MaxDegreeOfParallelism.ToString(System.Globalization.CultureInfo.InvariantCulture))} threads), {ProviderName}";

    /// <summary>A backend over Math.NET's managed provider (works everywhere).</summary>
    public static CpuBackend CreateManaged(int maxDegreeOfParallelism = -1, SmallMatrixPath smallMatrixPath = SmallMatrixPath.Auto) =>
        new(native: false, "Math.NET managed", maxDegreeOfParallelism, smallMatrixPath);

    /// <summary>
    /// A backend over the system's native LAPACK/BLAS, or false with the probe trace when none loads.
    /// Never throws for a missing library.
    /// </summary>
    /// <remarks>
    /// OrthoProj owns the parallelism: it splits batches over <paramref name="maxDegreeOfParallelism"/>
    /// threads, so the native BLAS is pinned to one thread (openblas_set_num_threads and kin) when it
    /// loads. A multithreaded BLAS under OrthoProj's own threads, and under several caller threads,
    /// oversubscribes the cores (5-30x slower on two cores). A caller that factors single large
    /// matrices and wants BLAS threads can raise them with <c>NativeLapack.SetThreads</c>; where the
    /// library exposes no thread control (an OpenMP build), set OMP_NUM_THREADS=1. The probe trace
    /// says which applied.
    /// </remarks>
    public static bool TryCreateNative(out CpuBackend? backend, out IReadOnlyList<string> probeTrace, int maxDegreeOfParallelism = -1, SmallMatrixPath smallMatrixPath = SmallMatrixPath.Auto)
    {
        // OrthoProj.Native's probe never throws; the trace lists every file tried and the loader's answer.
        var trace = new List<string>();
        probeTrace = trace;
        backend = null;
        if (!NativeLapack.TryVerify(trace))
        {
            return false;
        }

        trace.Add(NativeLapack.TryPinSingleThreaded(out string pin) ? pin : "BLAS threads not pinned: " + pin);
        backend = new CpuBackend(native: true, NativeLapack.Description, maxDegreeOfParallelism, smallMatrixPath);
        return true;
    }

    /// <inheritdoc/>
    public override MatrixBatch<T> Zeros<T>(int rows, int cols, int count) => new HostMatrixBatch<T>(rows, cols, count);

    /// <inheritdoc/>
    public override MatrixBatch<T> FromHost<T>(ReadOnlySpan<T> data, int rows, int cols, int count) =>
        HostMatrixBatch<T>.FromArray(data, rows, cols, count);

    /// <inheritdoc/>
    protected override bool AcceptsStorageOf<T>(MatrixBatch<T> x) => x is HostMatrixBatch<T>;

    /// <inheritdoc/>
    protected internal override bool TryFindNonFinite<T>(MatrixBatch<T> x, out int index, out double value)
    {
        var batch = (HostMatrixBatch<T>)x;
        index = NonFiniteScan.First<T>(batch.Memory, parallel);
        value = index < 0 ? 0 : NonFiniteScan.Value(batch.Span[index]);
        return index >= 0;
    }

    /// <inheritdoc/>
    /// <remarks>Batches of small matrices (m &gt;= n) take the SIMD lanes as <see cref="SmallMatrixPath"/> says; the rest LAPACK per matrix.</remarks>
    protected override QrResult<T> QrCore<T>(MatrixBatch<T> a, QrMode mode, MatrixBatch<T>? q, MatrixBatch<T>? r)
    {
        if (Lanes<T>(a.Rows, a.Cols, a.Count) is { } lanes)
        {
            Interlocked.Increment(ref lanesQrCalls);
            return lanes.Qr(this, (HostMatrixBatch<T>)a, mode, parallel, (HostMatrixBatch<T>?)q, (HostMatrixBatch<T>?)r);
        }

        return Projection.QrDecomposition.Factor(Kernels<T>(), a, mode, q, r);
    }

    /// <inheritdoc/>
    /// <remarks>m &gt;= n batches of small matrices take the SIMD lanes as <see cref="SmallMatrixPath"/> says; wide ones and the rest the general path.</remarks>
    protected override MatrixBatch<T> QrBackwardCore<T>(MatrixBatch<T> q, MatrixBatch<T> r, MatrixBatch<T>? gradQ, MatrixBatch<T>? gradR, MatrixBatch<T>? output)
    {
        if (Lanes<T>(q.Rows, r.Cols, q.Count) is { } lanes)
        {
            Interlocked.Increment(ref lanesQrBackwardCalls);
            return lanes.QrBackward(this, (HostMatrixBatch<T>)q, (HostMatrixBatch<T>)r, (HostMatrixBatch<T>?)gradQ, (HostMatrixBatch<T>?)gradR, parallel, (HostMatrixBatch<T>?)output);
        }

        return Projection.QrDecomposition.Backward(Kernels<T>(), q, r, gradQ, gradR, output);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A tall batch of small matrices takes the SIMD lanes as <see cref="SmallMatrixPath"/> says when
    /// every matrix is proven of full rank there; otherwise the general path (QR where it proves the
    /// rank, else the SVD).
    /// </remarks>
    protected override PinvResult<T> PinvCore<T>(MatrixBatch<T> a, RankTolerance tolerance, MatrixBatch<T>? output)
    {
        if (Lanes<T>(a.Rows, a.Cols, a.Count)?.PinvFullRank(this, (HostMatrixBatch<T>)a, tolerance, parallel, (HostMatrixBatch<T>?)output) is { } pinv)
        {
            Interlocked.Increment(ref lanesPinvCalls);
            return Projection.PseudoInverse.OfFullRank(pinv, a.Cols);
        }

        return Projection.PseudoInverse.Compute(Kernels<T>(), ColumnMajor(a), tolerance, output);   // a may be row-major when the lanes declined
    }

    /// <inheritdoc/>
    /// <remarks>A tall batch of small matrices takes the SIMD lanes as <see cref="SmallMatrixPath"/> says.</remarks>
    protected override MatrixBatch<T> PinvBackwardCore<T>(MatrixBatch<T> a, MatrixBatch<T> pinv, MatrixBatch<T> gradPinv, MatrixBatch<T>? output)
    {
        if (Lanes<T>(a.Rows, a.Cols, a.Count) is { } lanes)
        {
            Interlocked.Increment(ref lanesPinvBackwardCalls);
            return lanes.PinvBackward(this, (HostMatrixBatch<T>)a, (HostMatrixBatch<T>)pinv, (HostMatrixBatch<T>)gradPinv, parallel, (HostMatrixBatch<T>?)output);
        }

        return Projection.PseudoInverse.Backward(Kernels<T>(), a, pinv, gradPinv, output);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// QR-method batches of small matrices take the SIMD batched path as <see cref="SmallMatrixPath"/>
    /// says (it reads a row-major A in place); everything else takes the general per-matrix path.
    /// </remarks>
    protected override Projector<T> ProjectorCore<T>(MatrixBatch<T> a, ProjectorMethod method, RankTolerance tolerance) =>
        method == ProjectorMethod.Qr && Lanes<T>(a.Rows, a.Cols, a.Count) is { } lanes
            ? lanes.Projector(this, (HostMatrixBatch<T>)a, tolerance, parallel)
            : Projection.BatchedProjector<T>.Create(Kernels<T>(), ColumnMajor(a), method, tolerance);

    /// <inheritdoc/>
    /// <remarks>The SIMD lanes read a row-major batch in place (the adapter's tensors): where they take the call, no copy.</remarks>
    private protected override bool CoreReadsRowMajor<T>(int m, int n, int count) => Lanes<T>(m, n, count) is not null;

    /// <summary>
    /// The SIMD lanes when an operation on a batch of m x n matrices (A's shape, m &gt;= n) takes them,
    /// else null: <see cref="SmallMatrixPolicy"/> at this backend's <see cref="SmallMatrixPath"/> and
    /// lane width, for real elements (complex ones have no lanes and take the general path).
    /// </summary>
    private SmallMatrixLanes<T>? Lanes<T>(int m, int n, int count)
        where T : unmanaged, INumberBase<T> =>
        SmallMatrixLanes<T>.For is { } lanes && SmallMatrixPolicy.Chooses(SmallMatrixPath, m, n, count, lanes.DefaultWidth) ? lanes : null;

    /// <summary>Calls of <see cref="Backend.Qr{T}"/> that took the SIMD lanes (tests check which path ran).</summary>
    internal long LanesQrCalls => Interlocked.Read(ref lanesQrCalls);

    /// <summary>Pinv calls the SIMD lanes answered (tests check the dispatch).</summary>
    internal long LanesPinvCalls => Interlocked.Read(ref lanesPinvCalls);

    /// <summary>PinvBackward calls the SIMD lanes answered.</summary>
    internal long LanesPinvBackwardCalls => Interlocked.Read(ref lanesPinvBackwardCalls);

    /// <summary>Calls of <see cref="Backend.QrBackward{T}"/> that took the SIMD lanes.</summary>
    internal long LanesQrBackwardCalls => Interlocked.Read(ref lanesQrBackwardCalls);

    private static CpuBackend CreateDefault() =>
        TryCreateNative(out CpuBackend? native, out _) ? native! : CreateManaged();

    /// <summary>The batched primitives the general path runs on (the projector's seam).</summary>
    internal CpuBatchKernels<T> Kernels<T>()
        where T : unmanaged, INumberBase<T> =>
        typeof(T) == typeof(float) ? (CpuBatchKernels<T>)(object)floatKernels
        : typeof(T) == typeof(double) ? (CpuBatchKernels<T>)(object)doubleKernels
        : typeof(T) == typeof(Complex64) ? (CpuBatchKernels<T>)(object)complex64Kernels
        : (CpuBatchKernels<T>)(object)complexKernels;
}
