using System.Globalization;
using OrthoProj.Cuda;
using OrthoProj.Cuda.Kernels;

namespace OrthoProj;

/// <summary>
/// The CUDA backend: the whole OrthoProj API on device memory, with the names, semantics and
/// errors of <see cref="CpuBackend"/>. Dense linear algebra goes through cuSOLVER (geqrf, orgqr,
/// gesvd, gesvdjBatched) and cuBLAS (gemmStridedBatched, trsmBatched, axpy) in pedantic math mode
/// (no TF32 anywhere, forward or backward), with OrthoProj's own kernels from cuda/*.cu for the
/// layout and checking steps. All work of one backend runs in order on its own non-blocking
/// stream; the host waits only where a result needs it (a rank, a devInfo, a copy to the host).
/// </summary>
/// <remarks>
/// <para>Each operation makes the device's primary context current on the calling thread first
/// (.NET moves work between threads) and holds the backend's lock: one backend may be used from
/// several threads, its operations then run one at a time. Create one backend per thread for
/// concurrency.</para>
/// <para>Every cuSOLVER devInfo is read back (summarized on the device, so one int crosses the bus
/// when all is well) and turned into a domain error: a zero on R's diagonal in
/// <see cref="Backend.QrBackward{T}"/> and a rank-deficient matrix under the QR method raise
/// <see cref="RankDeficientException"/> naming the matrix; an SVD that does not converge raises
/// <see cref="SvdNotConvergedException"/>; an invalid argument raises <see cref="CudaException"/>.</para>
/// <para>Temporaries live in a workspace that grows and is reused, so steady-state calls allocate
/// device memory only for the results they return.</para>
/// </remarks>
public sealed partial class CudaBackend : Backend, IDisposable
{
    private static readonly Lazy<(CudaBackend? Backend, string Reason)> DefaultInstance = new(() =>
        TryCreate(0, out CudaBackend? backend, out string reason) ? (backend, string.Empty) : (null, reason));

    private readonly Lock gate = new();
    private readonly CudaScratch scratch;
    private readonly CudaStatus status;
    private readonly CudaMemoryPool pool;
    private readonly CublasHandle cublas;
    private readonly CusolverHandle cusolver;
    private readonly nint gesvdjParameters;
    private readonly nint streamHandle;
    private KernelModule? kernels;
    private KernelModule? fusedKernels;
    private bool disposed;

    private CudaBackend(CudaDevice device, CudaStream stream, CublasHandle cublas, CusolverHandle cusolver, nint gesvdjParameters, CudaRuntimeInfo runtime, CudaBackendOptions options)
    {
        ErrorChecking = options.ErrorChecking;
        SmallMatrixPath = options.SmallMatrixPath;
        UsesExternalStream = options.ExternalStream is not null;
        streamHandle = stream.DangerousGetHandle();
        status = new CudaStatus(device);
        pool = new CudaMemoryPool(device, stream);
        CudaDevice = device;
        Stream = stream;
        this.cublas = cublas;
        this.cusolver = cusolver;
        this.gesvdjParameters = gesvdjParameters;
        RuntimeInfo = runtime;
        scratch = new CudaScratch(pool, stream);
    }

    /// <summary>
    /// The backend on device 0, created at first use, or null when no usable CUDA device and
    /// libraries are found (then <see cref="DefaultUnavailableReason"/> says why). Never disposed.
    /// </summary>
    public static CudaBackend? Default => DefaultInstance.Value.Backend;

    /// <summary>Why <see cref="Default"/> is null (the probe trace), or empty when it is not.</summary>
    public static string DefaultUnavailableReason => DefaultInstance.Value.Reason;

    /// <summary>Whether <see cref="Default"/> exists: a CUDA driver, a device and cuBLAS/cuSOLVER/NVRTC of one CUDA major. Never throws.</summary>
    public static bool IsAvailable => Default is not null;

    /// <summary>The device and its primary context.</summary>
    public CudaDevice CudaDevice { get; }

    /// <summary>The stream all of this backend's work is queued on (the caller's, when created with <see cref="CudaBackendOptions.ExternalStream"/>).</summary>
    public CudaStream Stream { get; }

    /// <summary>Whether <see cref="Stream"/> is the caller's (<see cref="CudaBackendOptions.ExternalStream"/>), which Dispose leaves alone.</summary>
    public bool UsesExternalStream { get; }

    /// <summary>
    /// When the status of each call's input checks is read back (<see cref="CudaErrorChecking"/>):
    /// once per call (the default), or not until the next host read, <see cref="CheckErrors"/> or
    /// Dispose. May be changed between calls.
    /// </summary>
    public CudaErrorChecking ErrorChecking { get; set; }

    /// <summary>Bytes of device memory the backend keeps cached for the next results of the same sizes (see <see cref="TrimMemoryPool"/>).</summary>
    public long PooledBytes => pool.CachedBytes;

    /// <summary>The caching allocator of this backend's results (tests tune its cap and allocator).</summary>
    internal CudaMemoryPool MemoryPool => pool;

    /// <summary>The cuBLAS, cuSOLVER, NVRTC and driver versions and files in use.</summary>
    public CudaRuntimeInfo RuntimeInfo { get; }

    /// <summary>The device ordinal.</summary>
    public int Ordinal => CudaDevice.Ordinal;

    /// <summary>Where the kernels came from (shipped fatbin or NVRTC), or null before the first kernel launch.</summary>
    public string? KernelOrigin => kernels?.Origin;

    /// <inheritdoc/>
    public override string Name => string.Create(CultureInfo.InvariantCulture, $"cuda:{Ordinal}");

    /// <inheritdoc/>
    public override DeviceKind Device => DeviceKind.Cuda;

    /// <inheritdoc/>
    public override string Description => string.Create(
        CultureInfo.InvariantCulture,
        $"CUDA {Ordinal}: {CudaDevice.Name}, compute capability {CudaDevice.ComputeCapabilityMajor}.{CudaDevice.ComputeCapabilityMinor}, " +
        $"{CudaDevice.MultiprocessorCount} SMs, {CudaDevice.TotalMemory >> 20} MiB; driver CUDA {CudaDevice.DriverVersion / 1000}.{CudaDevice.DriverVersion % 1000 / 10}; " +
        $"cuBLAS {RuntimeInfo.Cublas.Version}, cuSOLVER {RuntimeInfo.Cusolver.Version}, NVRTC {RuntimeInfo.Nvrtc.Version}" +
        $"{(RuntimeInfo.IsConsistent ? string.Empty : " (MIXED CUDA MAJORS)")}; kernels: {KernelOrigin ?? "not loaded yet"}");

    /// <summary>
    /// Opens device <paramref name="ordinal"/> with its own stream and cuBLAS/cuSOLVER handles, or
    /// returns false (never throws) when there is no driver, no such device, or a CUDA library is
    /// missing; <paramref name="reason"/> then holds the probe trace or the failing call.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ordinal"/> is negative.</exception>
    public static bool TryCreate(int ordinal, out CudaBackend? backend, out string reason) =>
        TryCreate(ordinal, null, out backend, out reason);

    /// <summary>As <see cref="TryCreate(int, out CudaBackend?, out string)"/>, with <paramref name="options"/> (null: the defaults).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ordinal"/> is negative.</exception>
    public static bool TryCreate(int ordinal, CudaBackendOptions? options, out CudaBackend? backend, out string reason)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ordinal);
        options ??= new CudaBackendOptions();
        backend = null;
        CudaDevice? device = null;
        CudaStream? stream = null;
        CublasHandle? blas = null;
        CusolverHandle? solver = null;
        nint parameters = 0;
        try
        {
            if (!CudaDevice.TryOpen(ordinal, out device, out reason) || device is null)
            {
                reason = $"No CUDA device {ordinal}: {reason}";
                return false;
            }

            CudaRuntimeInfo runtime = CudaRuntimeInfo.Query();
            if (!runtime.IsConsistent)
            {
                reason = $"The CUDA libraries come from different CUDA majors:{Environment.NewLine}{runtime}";
                device.Dispose();
                return false;
            }

            // Created with the device's context pushed over the caller's, which is current again after.
            using (device.EnterRestoring())
            {
                stream = options.ExternalStream is { } external ? CudaStream.FromHandle(device, external) : device.CreateStream();
                blas = CublasHandle.Create(device);
                blas.SetStream(stream);

                // Pedantic math: full precision in every product, TF32 off in forward and backward.
                blas.MathMode = CublasMathMode.Pedantic;
                solver = CusolverHandle.Create(device);
                solver.SetStream(stream);
                parameters = CudaSolver.CreateGesvdjInfo();
                backend = new CudaBackend(device, stream, blas, solver, parameters, runtime, options);
            }

            reason = string.Empty;
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or CudaException or InvalidOperationException)
        {
            CudaSolver.DestroyGesvdjInfo(parameters);
            solver?.Dispose();
            blas?.Dispose();
            stream?.Dispose();
            device?.Dispose();
            reason = $"CUDA device {ordinal} is present but the backend cannot start: {e.Message}";
            return false;
        }
    }

    /// <summary>Opens device <paramref name="ordinal"/> or throws with the reason it cannot.</summary>
    /// <exception cref="InvalidOperationException">No usable device; the message holds the probe trace.</exception>
    public static CudaBackend Create(int ordinal = 0) =>
        TryCreate(ordinal, out CudaBackend? backend, out string reason) ? backend! : throw new InvalidOperationException(reason);

    /// <summary>Opens device <paramref name="ordinal"/> with <paramref name="options"/> or throws with the reason it cannot.</summary>
    /// <exception cref="InvalidOperationException">No usable device; the message holds the probe trace.</exception>
    public static CudaBackend Create(int ordinal, CudaBackendOptions options) =>
        TryCreate(ordinal, options, out CudaBackend? backend, out string reason) ? backend! : throw new InvalidOperationException(reason);

    /// <inheritdoc/>
    public override MatrixBatch<T> Zeros<T>(int rows, int cols, int count) => Allocate<T>(rows, cols, count, clear: true);

    /// <inheritdoc/>
    public override MatrixBatch<T> FromHost<T>(ReadOnlySpan<T> data, int rows, int cols, int count)
    {
        long expected = CheckShape<T>(rows, cols, count);
        if (data.Length != expected)
        {
            throw new ArgumentException($"Expected {expected} elements for a batch of {count} x ({rows} x {cols}); got {data.Length}.", nameof(data));
        }

        CudaMatrixBatch<T> batch = Allocate<T>(rows, cols, count, clear: false);
        try
        {
            CopyToDevice(batch.View, data);
            return batch;
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Uses <paramref name="count"/> matrices of <paramref name="rows"/> x <paramref name="cols"/> at
    /// <paramref name="devicePointer"/> (column-major, matrix after matrix, in this device's
    /// context, e.g. a PyTorch tensor's data_ptr()) as a batch without copying. The caller keeps the
    /// memory alive and finishes its own writes (synchronizes its stream) before passing the batch
    /// to an operation; disposing the batch does not free the memory.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">The pointer is zero for a non-empty batch, or misaligned for <typeparamref name="T"/>.</exception>
    public CudaMatrixBatch<T> Wrap<T>(nint devicePointer, int rows, int cols, int count)
        where T : unmanaged, INumberBase<T>
    {
        long length = ValidateWrap<T>(devicePointer, rows, cols, count);
        ThrowIfDisposed();
        return new CudaMatrixBatch<T>(this, new DeviceView<T>(CudaDevice, devicePointer, length), rows, cols, count);
    }

    /// <summary>
    /// Blocks until all work queued on this backend's stream has finished; then raises the
    /// exception of a pending deferred check (<see cref="CudaErrorChecking.Deferred"/>), if any.
    /// </summary>
    public void Synchronize()
    {
        lock (gate)
        {
            ThrowIfDisposed();
            using CudaDevice.ContextScope context = CudaDevice.Enter();
            if (!status.Read(Stream))   // waits for the stream too: one synchronization
            {
                Stream.Synchronize();
            }

            pool.FreeDeferred();
        }
    }

    /// <summary>
    /// Reads the status of the checks still pending on the device (one host synchronization when
    /// there are any, none otherwise) and raises the exception the first failing one would have
    /// raised at its call: the explicit check of <see cref="CudaErrorChecking.Deferred"/> mode.
    /// </summary>
    /// <exception cref="NonFiniteInputException">An input of an earlier call held NaN or an infinity.</exception>
    public void CheckErrors()
    {
        lock (gate)
        {
            ThrowIfDisposed();
            using CudaDevice.ContextScope context = CudaDevice.Enter();
            if (status.Read(Stream))
            {
                pool.FreeDeferred();
            }
        }
    }

    /// <summary>Waits for the stream, then frees the device memory the pool keeps cached for reuse.</summary>
    public void TrimMemoryPool()
    {
        lock (gate)
        {
            ThrowIfDisposed();
            using CudaDevice.ContextScope context = CudaDevice.Enter();
            Stream.Synchronize();
            pool.Trim();
        }
    }

    /// <summary>Waits for queued work, then releases the workspace, kernels, handles, stream and this backend's context reference.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            Exception? deferred = null;

            // The caller's current context (or none) is current again afterwards: push/pop, never a
            // plain switch, since the primary context may be released right below.
            using (CudaDevice.EnterRestoring())
            {
                try
                {
                    try
                    {
                        status.Read(Stream);
                    }
                    catch (NonFiniteInputException e)
                    {
                        // A deferred check failed: raised below, after everything is released.
                        deferred = e;
                    }

                    // After the read, whose memset is still queued: nothing queued may use the memory freed below.
                    Stream.Synchronize();
                }
                catch (CudaException)
                {
                    // A sticky error from earlier work: release what can be released anyway.
                    status.Discard();
                }

                status.Dispose();
                pool.Dispose();
                scratch.Dispose();
                kernels?.Dispose();
                fusedKernels?.Dispose();
                CudaSolver.DestroyGesvdjInfo(gesvdjParameters);
                cusolver.Dispose();
                cublas.Dispose();
                Stream.Dispose();
            }

            CudaDevice.Dispose();
            if (deferred is not null)
            {
                throw deferred;
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    /// <summary>
    /// The checks of every CUDA batch's shape and element type, before anything is allocated; returns
    /// the length. CUDA batches hold float, double, <see cref="Complex64"/> and <see cref="Complex"/>
    /// (complex batches take the general path: the C/Z routines of cuBLAS and cuSOLVER and the
    /// complex forms of OrthoProj's kernels; docs/cuda.md); any other element type is refused here,
    /// before any device call.
    /// </summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not an element type.</exception>
    internal static long CheckShape<T>(int rows, int cols, int count)
        where T : unmanaged, INumberBase<T>
    {
        ElementType.EnsureSupported<T>();
        return MatrixBatch<T>.CheckShape(rows, cols, count);
    }

    /// <summary>The checks of <see cref="Wrap{T}"/> that need no device: shape, null pointer, alignment. Returns the length.</summary>
    internal static unsafe long ValidateWrap<T>(nint devicePointer, int rows, int cols, int count)
        where T : unmanaged, INumberBase<T>
    {
        long length = CheckShape<T>(rows, cols, count);
        if (devicePointer == 0 && length != 0)
        {
            throw new ArgumentException($"A null device pointer cannot hold a batch of {count} x ({rows} x {cols}).", nameof(devicePointer));
        }

        if (devicePointer % sizeof(T) != 0)
        {
            throw new ArgumentException($"Device pointer 0x{devicePointer:x} is not aligned for {typeof(T).Name} ({sizeof(T)} bytes).", nameof(devicePointer));
        }

        return length;
    }

    /// <summary>A stream-ordered copy from the host; pageable memory is staged before the call returns.</summary>
    internal void CopyToDevice<T>(DeviceView<T> destination, ReadOnlySpan<T> source)
        where T : unmanaged
    {
        lock (gate)
        {
            ThrowIfDisposed();
            using CudaDevice.ContextScope context = CudaDevice.Enter();
            destination.CopyFrom(source, Stream);
        }
    }

    /// <summary>A device-to-device copy ordered on the backend's stream.</summary>
    internal void CopyOnDevice<T>(DeviceView<T> source, DeviceView<T> destination)
        where T : unmanaged
    {
        lock (gate)
        {
            ThrowIfDisposed();
            using CudaDevice.ContextScope context = CudaDevice.Enter();
            source.CopyTo(destination, Stream);
        }
    }

    /// <summary>
    /// A stream-ordered copy to the host: waits for the work queued before it, returns when the data
    /// has arrived; a host read, so pending deferred checks are read with it and raise here.
    /// </summary>
    internal void CopyToHost<T>(DeviceView<T> source, Span<T> destination)
        where T : unmanaged
    {
        lock (gate)
        {
            ThrowIfDisposed();
            using CudaDevice.ContextScope context = CudaDevice.Enter();
            source.CopyTo(destination, Stream);
            if (!destination.IsEmpty)
            {
                pool.FreeDeferred();   // the copy waited for the whole stream
            }

            status.Read(Stream);
        }
    }

    /// <inheritdoc/>
    /// <remarks>A batch of another backend on the same device is used in place; <see cref="OrderUse{T}"/> orders the streams.</remarks>
    protected override bool AcceptsStorageOf<T>(MatrixBatch<T> x) =>
        x is CudaMatrixBatch<T> other && other.CudaBackend.Ordinal == Ordinal && !other.CudaBackend.disposed;

    /// <inheritdoc/>
    /// <remarks>
    /// This stream waits, on the device, for the work the batch's last user (another backend's stream)
    /// queued on it, and becomes its last user, so that whoever touches it next (its owner included:
    /// a copy to the host, a reuse by the owner's pool) waits for this call's work in turn.
    /// </remarks>
    protected override void OrderUse<T>(MatrixBatch<T> x)
    {
        if (x is CudaMatrixBatch<T> batch)
        {
            batch.OrderUseBy(this);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Q and R are written in place into the batches given (device batches are column-major).</remarks>
    protected override QrResult<T> QrCore<T>(MatrixBatch<T> a, QrMode mode, MatrixBatch<T>? q, MatrixBatch<T>? r) =>
        Projection.QrDecomposition.Factor(new CudaBatchKernels<T>(this), a, mode, q, r);

    /// <inheritdoc/>
    protected override MatrixBatch<T> QrBackwardCore<T>(MatrixBatch<T> q, MatrixBatch<T> r, MatrixBatch<T>? gradQ, MatrixBatch<T>? gradR, MatrixBatch<T>? output) =>
        Projection.QrDecomposition.Backward(new CudaBatchKernels<T>(this), q, r, gradQ, gradR, output);

    /// <inheritdoc/>
    protected override PinvResult<T> PinvCore<T>(MatrixBatch<T> a, RankTolerance tolerance, MatrixBatch<T>? output) =>
        Projection.PseudoInverse.Compute(new CudaBatchKernels<T>(this), a, tolerance, output);

    /// <inheritdoc/>
    protected override MatrixBatch<T> PinvBackwardCore<T>(MatrixBatch<T> a, MatrixBatch<T> pinv, MatrixBatch<T> gradPinv, MatrixBatch<T>? output) =>
        Projection.PseudoInverse.Backward(new CudaBatchKernels<T>(this), a, pinv, gradPinv, output);

    /// <summary>
    /// Which path a QR-method <see cref="Backend.Projector{T}"/> of small matrices takes: the fused
    /// warp-per-matrix kernels (cuda/fused_qr.cu) where the shape fits (1 &lt;= n &lt;= m &lt;= 64,
    /// n &lt;= 32), cuSOLVER/cuBLAS otherwise. <see cref="UsesFusedPath"/> tells which one a shape
    /// gets. Read when a projector is created: setting it changes the path of projectors created
    /// afterwards, not of those that exist.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a <see cref="OrthoProj.SmallMatrixPath"/>.</exception>
    public SmallMatrixPath SmallMatrixPath
    {
        get => smallMatrixPath;
        set => smallMatrixPath = value is SmallMatrixPath.Auto or SmallMatrixPath.Always or SmallMatrixPath.Never
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown small-matrix path.");
    }

    private SmallMatrixPath smallMatrixPath = SmallMatrixPath.Auto;

    /// <summary>
    /// Whether a projector of this shape and method over real elements is built on the fused path
    /// under the current <see cref="SmallMatrixPath"/> (<see cref="UsesFusedPath{T}"/> for an element type).
    /// </summary>
    public bool UsesFusedPath(ProjectorMethod method, int rows, int cols, int count) =>
        SmallMatrixPolicy.Chooses(SmallMatrixPath, method, rows, cols, count, minimumAutoCount: 1);

    /// <summary>
    /// Whether a projector of elements <typeparamref name="T"/>, this shape and method is built on
    /// the fused path: never for complex elements (the fused kernels are real-only; complex batches
    /// take the general path by policy, docs/complex.md section 2), else as <see cref="UsesFusedPath(ProjectorMethod, int, int, int)"/>.
    /// </summary>
    /// <typeparam name="T">float, double, <see cref="Complex64"/> or <see cref="Complex"/>.</typeparam>
    public bool UsesFusedPath<T>(ProjectorMethod method, int rows, int cols, int count)
        where T : unmanaged, INumberBase<T> => ChoosesFusedPath<T>(SmallMatrixPath, method, rows, cols, count);

    /// <summary>The rule of <see cref="UsesFusedPath{T}"/> under <paramref name="path"/>, without a device.</summary>
    internal static bool ChoosesFusedPath<T>(SmallMatrixPath path, ProjectorMethod method, int rows, int cols, int count)
        where T : unmanaged, INumberBase<T> =>
        !Element<T>.IsComplex && SmallMatrixPolicy.Chooses(path, method, rows, cols, count, minimumAutoCount: 1);

    /// <inheritdoc/>
    protected override Projector<T> ProjectorCore<T>(MatrixBatch<T> a, ProjectorMethod method, RankTolerance tolerance) =>
        UsesFusedPath<T>(method, a.Rows, a.Cols, a.Count)
            ? Run(ops => Cuda.Fused.CudaFusedQrProjector<T>.Create(this, ops, (CudaMatrixBatch<T>)a, tolerance))
            : Projection.BatchedProjector<T>.Create(new CudaBatchKernels<T>(this), a, method, tolerance);

    /// <summary>Runs <paramref name="body"/> under the backend's lock with a fresh workspace frame (for projector operations).</summary>
    internal TResult Run<TResult>(Func<Ops, TResult> body)
    {
        lock (gate)
        {
            using CudaDevice.ContextScope context = CudaDevice.Enter();
            return body(Enter());
        }
    }

    /// <summary>
    /// Allocates a batch on this device (zeroed on the stream when <paramref name="clear"/>), under
    /// the backend's lock: a concurrent Dispose cannot free the pool or destroy the stream between
    /// the rent and the memset, and a disposed backend throws before anything is rented.
    /// </summary>
    internal unsafe CudaMatrixBatch<T> Allocate<T>(int rows, int cols, int count, bool clear)
        where T : unmanaged, INumberBase<T>
    {
        long length = CheckShape<T>(rows, cols, count);
        lock (gate)
        {
            ThrowIfDisposed();
            using CudaDevice.ContextScope context = CudaDevice.Enter();
            CudaMatrixBatch<T> batch = new(this, pool.Rent(length * sizeof(T)), length, rows, cols, count);
            if (clear)
            {
                // Cleared on the backend's stream, not the legacy stream that a synchronous memset uses:
                // a non-blocking stream is not ordered after the legacy one.
                batch.View.Clear(Stream);
            }

            return batch;
        }
    }

    /// <summary>The operation's view of the backend; the caller holds the lock and has entered the device's context.</summary>
    private Ops Enter()
    {
        ThrowIfDisposed();
        kernels ??= KernelModule.Load(CudaDevice, GeneralKernels.Unit);
        return new Ops(this, kernels, cublas, cusolver, gesvdjParameters, scratch.Begin());
    }

    /// <summary>The fused small-matrix kernels (cuda/fused_qr.cu), loaded at first use; call under the backend's lock.</summary>
    internal KernelModule FusedKernels => fusedKernels ??= KernelModule.Load(CudaDevice, Cuda.Kernels.FusedKernels.Unit);

    private void ThrowIfDisposed() => TypeNames.ThrowIfDisposed(disposed, this);
}
