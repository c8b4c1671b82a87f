namespace OrthoProj;

/// <summary>
/// A <see cref="MatrixBatch{T}"/> in CUDA device memory, column-major, matrix after matrix (the
/// layout cuBLAS and cuSOLVER strided-batched routines take). Backed either by a block of the
/// backend's memory pool (results of <see cref="CudaBackend"/> operations, <see cref="Backend.Zeros{T}"/>
/// and <see cref="Backend.FromHost{T}(ReadOnlySpan{T}, int, int, int)"/>), given back to the pool by
/// <see cref="MatrixBatch{T}.Dispose()"/> for the next result of its size (no cuMemFree, no wait),
/// or by a non-owning <see cref="DeviceView{T}"/> over memory another framework owns
/// (<see cref="CudaBackend.Wrap{T}"/>), which Dispose leaves alone.
/// </summary>
/// <remarks>
/// <para>Work on a batch is queued on its backend's stream. Copies to the host (<see cref="MatrixBatch{T}.CopyTo"/>,
/// <see cref="MatrixBatch{T}.ToArray"/>) are ordered after that work and return when the data has arrived.</para>
/// <para>Another backend of the same device (another stream) may read or write the batch in place.
/// The batch remembers which backend queued work on it last; every backend about to queue work on
/// it (an operation's inputs and outputs, a copy, and the owner giving the block back to its pool)
/// first makes its stream wait for that one's, on the device (<see cref="OrderUseBy"/>), and then is
/// the last. So both directions are ordered: the other backend reads after the owner's writes, and
/// the owner copies to the host, delivers into, or reuses the memory after the other's work. One
/// event per hand-over, none while one backend keeps using its own batches.</para>
/// </remarks>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class CudaMatrixBatch<T> : MatrixBatch<T>
    where T : unmanaged, INumberBase<T>
{
    private readonly CudaBackend backend;
    private readonly IDisposable? owned;
    private readonly DeviceView<T> view;
    private readonly Lock useGate = new();
    private CudaBackend lastUser;

    internal CudaMatrixBatch(CudaBackend backend, DeviceBuffer<T> owned, int rows, int cols, int count)
        : base(rows, cols, count)
    {
        this.backend = backend;
        lastUser = backend;
        this.owned = owned;
        view = owned.View;
    }

    /// <summary>A batch in a block of the backend's memory pool, given back to the pool on Dispose (no cuMemFree, no wait).</summary>
    internal CudaMatrixBatch(CudaBackend backend, Cuda.CudaMemoryPool.Block owned, long length, int rows, int cols, int count)
        : base(rows, cols, count)
    {
        this.backend = backend;
        lastUser = backend;
        this.owned = owned;
        view = new DeviceView<T>(backend.CudaDevice, owned.Pointer, length);
    }

    internal CudaMatrixBatch(CudaBackend backend, DeviceView<T> view, int rows, int cols, int count)
        : base(rows, cols, count)
    {
        this.backend = backend;
        lastUser = backend;
        this.view = view;
    }

    /// <inheritdoc/>
    public override DeviceKind Device => DeviceKind.Cuda;

    /// <inheritdoc/>
    public override Backend Backend => backend;

    /// <summary>The CUDA backend (device, stream, library handles) this batch belongs to.</summary>
    public CudaBackend CudaBackend => backend;

    /// <summary>The device address of the first element; valid while the batch (and, for a wrapped batch, its owner) is alive.</summary>
    /// <exception cref="ObjectDisposedException">The batch was disposed.</exception>
    public nint DevicePointer
    {
        get
        {
            ThrowIfDisposed();
            return view.Pointer;
        }
    }

    /// <summary>The device address of the first element, typed for the kernel launch wrappers.</summary>
    internal Cuda.Kernels.DevicePtr<T> Ptr => new(DevicePointer);

    /// <summary>The elements as a device view (no copy).</summary>
    /// <exception cref="ObjectDisposedException">The batch was disposed.</exception>
    public DeviceView<T> View
    {
        get
        {
            ThrowIfDisposed();
            return view;
        }
    }

    /// <summary>Whether Dispose frees the memory (false for a batch made by <see cref="CudaBackend.Wrap{T}"/>).</summary>
    public bool OwnsMemory => owned is not null;

    /// <summary>Copies <paramref name="source"/> (exactly <see cref="MatrixBatch{T}.Length"/> elements) into the batch, ordered on the backend's stream.</summary>
    /// <exception cref="ArgumentException">The length differs.</exception>
    public void CopyFrom(ReadOnlySpan<T> source)
    {
        ThrowIfDisposed();
        if (source.Length != Length)
        {
            throw new ArgumentException($"The source has {source.Length} elements; the batch {Shape} has {Length}.", nameof(source));
        }

        OrderUseBy(backend);
        backend.CopyToDevice(view, source);
    }

    /// <summary>The backend that queued work on this batch last (its own, until another uses it).</summary>
    internal CudaBackend LastUser
    {
        get
        {
            lock (useGate)
            {
                return lastUser;
            }
        }
    }

    /// <summary>
    /// Orders the work <paramref name="user"/> is about to queue on this batch after all work queued
    /// on it so far: when another backend (another stream) touched it last, <paramref name="user"/>'s
    /// stream waits for that one's on the device (an event; no host wait); then
    /// <paramref name="user"/> is the last user. Call before queuing the work, holding no backend's lock.
    /// </summary>
    internal void OrderUseBy(CudaBackend user)
    {
        CudaBackend previous;
        lock (useGate)
        {
            previous = lastUser;
            lastUser = user;
        }

        user.OrderAfter(previous);
    }

    /// <inheritdoc/>
    protected override void CopyToCore(Span<T> destination)
    {
        OrderUseBy(backend);
        backend.CopyToHost(view, destination);
    }

    /// <inheritdoc/>
    /// <remarks>Copied on this batch's backend's stream, after the work queued on <paramref name="source"/> and on this batch by any backend.</remarks>
    internal override void Assign(MatrixBatch<T> source)
    {
        var from = (CudaMatrixBatch<T>)source;
        from.OrderUseBy(backend);
        OrderUseBy(backend);
        backend.CopyOnDevice(from.View, View);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A pooled block goes back to its backend's pool, whose next owner's work is queued on that
    /// backend's stream: that stream first waits for another backend's work on the batch, if any.
    /// </remarks>
    protected override void Dispose(bool disposing)
    {
        if (disposing && owned is not null)
        {
            try
            {
                OrderUseBy(backend);
            }
            finally
            {
                owned.Dispose();
            }
        }
    }
}
