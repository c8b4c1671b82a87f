namespace OrthoProj.Cuda;

/// <summary>
/// A caching allocator for one backend's results: a disposed batch gives its device memory back to
/// the pool, and the next result of the same size takes it again, so a steady-state training loop
/// (the same shapes every step) calls cuMemAlloc and cuMemFree not at all.
/// </summary>
/// <remarks>
/// <para>Why no device-wide synchronization is needed on return: all work of the backend is queued
/// on its one stream, so work queued for the next owner of a block runs after every kernel the
/// previous owner queued (the stream orders them), just as with cuMemFreeAsync/cuMemAllocAsync on
/// one stream. Memory is never handed to another stream by the pool. Another backend of the same
/// device that used a batch is waited for by this stream before the block comes back
/// (<see cref="CudaMatrixBatch{T}.OrderUseBy"/>, called by the batch's Dispose). A caller who lets a
/// stream OrthoProj does not know (another framework's) read a batch must have that stream finish (or
/// order it with an event) before disposing the batch, as with any stream-ordered allocator.</para>
/// <para>Blocks are kept by exact size (rounded up to 512 bytes) up to <see cref="MaxCachedBytes"/>.
/// A block returned beyond it is not freed at once: queued work may still use it, and cuMemFree
/// only "may" wait for that (where it does, it stalls the device at every training step). It waits
/// in a list until the backend next waits for its stream anyway (<see cref="FreeDeferred"/>: a copy
/// to the host, a status read, <c>Synchronize</c>, an out-of-memory retry, <see cref="Trim"/>,
/// Dispose) and is freed then, when no queued work can use it. <see cref="Trim"/> (and the
/// backend's Dispose, after waiting for its stream) frees every cached block. Thread-safe: batches
/// may be disposed on any thread.</para>
/// <para>Out of memory: every allocation of the backend (results here, the workspace through
/// <see cref="Allocate"/>) that cuMemAlloc refuses with CUDA_ERROR_OUT_OF_MEMORY waits for the
/// stream (a cached block may still be read by queued work), frees the whole cache and tries once
/// more; only then is the error raised, saying what was asked for and what had been cached.</para>
/// <para>cuMemAllocAsync with a memory pool (CUDA 11.2+) would serve too; a cache of our own needs
/// no new driver entry points and behaves the same on every CUDA major the backend loads.</para>
/// </remarks>
internal sealed class CudaMemoryPool(CudaDevice device, CudaStream stream) : IDisposable
{
    private const long Granule = 512;

    private readonly Lock gate = new();
    private readonly Dictionary<long, Stack<DeviceBuffer<byte>>> free = [];
    private List<DeviceBuffer<byte>> deferred = [];
    private long cachedBytes;
    private bool disposed;

    /// <summary>The most bytes kept cached for reuse (default 4 GiB); a block returned beyond it is freed at the next wait for the stream.</summary>
    public long MaxCachedBytes { get; set; } = 4L << 30;

    /// <summary>
    /// The driver's allocation (cuMemAlloc_v2 by default). A seam for tests, which make it refuse
    /// with CUDA_ERROR_OUT_OF_MEMORY to drive <see cref="Allocate"/>'s retry.
    /// </summary>
    internal Func<long, DeviceBuffer<byte>> DriverAllocate { get; set; } = bytes => DeviceBuffer<byte>.Allocate(device, bytes);

    /// <summary>Blocks returned beyond <see cref="MaxCachedBytes"/> that wait for the next wait for the stream to be freed.</summary>
    public int DeferredFrees
    {
        get
        {
            lock (gate)
            {
                return deferred.Count;
            }
        }
    }

    /// <summary>Bytes held in the cache now (not in use by any batch).</summary>
    public long CachedBytes
    {
        get
        {
            lock (gate)
            {
                return cachedBytes;
            }
        }
    }

    /// <summary>A block of at least <paramref name="bytes"/> bytes: a cached one of that size, else a new allocation.</summary>
    public Block Rent(long bytes)
    {
        if (bytes == 0)
        {
            return new Block(this, null);
        }

        long size = (bytes + Granule - 1) / Granule * Granule;
        lock (gate)
        {
            TypeNames.ThrowIfDisposed(disposed, typeof(CudaBackend));   // the user holds the backend, not its pool
            if (free.TryGetValue(size, out Stack<DeviceBuffer<byte>>? stack) && stack.TryPop(out DeviceBuffer<byte>? cached))
            {
                cachedBytes -= size;
                return new Block(this, cached);
            }
        }

        return new Block(this, Allocate(size));
    }

    /// <summary>
    /// New device memory of <paramref name="bytes"/> bytes from the driver. When the driver is out of
    /// memory: waits for the stream (cached blocks may still be used by queued work), frees the
    /// cache and tries once more. Call under the backend's lock with its context current.
    /// </summary>
    /// <exception cref="CudaException">CUDA_ERROR_OUT_OF_MEMORY after the retry (the message says what was asked for, cached and tried), or another driver error.</exception>
    public DeviceBuffer<byte> Allocate(long bytes)
    {
        try
        {
            return DriverAllocate(bytes);
        }
        catch (CudaException e) when (IsOutOfMemory(e))
        {
            long cached = CachedBytes;
            stream.Synchronize();
            Trim();
            try
            {
                return DriverAllocate(bytes);
            }
            catch (CudaException again) when (IsOutOfMemory(again))
            {
                throw new CudaException(
                    CudaComponent.Driver, again.Call, again.Status, again.StatusName,
                    $"{bytes} bytes asked for on {device}; the backend's memory pool held {cached} bytes, which were freed " +
                    "after waiting for its stream, and the allocation was tried once more. Free or dispose results " +
                    "still held, use smaller batches, or leave more device memory to this process");
            }
        }
    }

    /// <summary>Frees every cached and deferred block; call only when no queued work can still use them (after a stream synchronization).</summary>
    public void Trim()
    {
        List<DeviceBuffer<byte>> release;
        lock (gate)
        {
            release = [.. free.Values.SelectMany(s => s), .. deferred];
            free.Clear();
            deferred = [];
            cachedBytes = 0;
        }

        foreach (DeviceBuffer<byte> buffer in release)
        {
            buffer.Dispose();
        }
    }

    /// <summary>
    /// Frees the blocks returned beyond the cap. Call right after a host wait for the whole stream,
    /// under the backend's lock, with nothing queued since: every deferred block was returned before
    /// the lock was taken or by this thread before the wait, so its last use has finished.
    /// </summary>
    public void FreeDeferred()
    {
        List<DeviceBuffer<byte>> release;
        lock (gate)
        {
            if (deferred.Count == 0)
            {
                return;
            }

            release = deferred;
            deferred = [];
        }

        foreach (DeviceBuffer<byte> buffer in release)
        {
            buffer.Dispose();
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
        }

        Trim();
    }

    private static bool IsOutOfMemory(CudaException e) =>
        e.Component == CudaComponent.Driver && e.Status == (int)Native.Interop.Driver.CUresult.CUDA_ERROR_OUT_OF_MEMORY;

    private void Return(DeviceBuffer<byte> buffer)
    {
        lock (gate)
        {
            if (!disposed)
            {
                if (cachedBytes + buffer.Length <= MaxCachedBytes)
                {
                    if (!free.TryGetValue(buffer.Length, out Stack<DeviceBuffer<byte>>? stack))
                    {
                        free[buffer.Length] = stack = new Stack<DeviceBuffer<byte>>();
                    }

                    stack.Push(buffer);
                    cachedBytes += buffer.Length;
                }
                else
                {
                    // Queued work may still use it: freed at the next wait for the stream.
                    deferred.Add(buffer);
                }

                return;
            }
        }

        // The backend is gone, and its Dispose waited for its stream: nothing queued can use it.
        buffer.Dispose();
    }

    /// <summary>A rented block: its device address, and Dispose gives it back (once).</summary>
    internal sealed class Block(CudaMemoryPool pool, DeviceBuffer<byte>? buffer) : IDisposable
    {
        private DeviceBuffer<byte>? buffer = buffer;

        /// <summary>The device address (0 for an empty block).</summary>
        public nint Pointer { get; } = buffer?.DevicePointer ?? 0;

        public void Dispose()
        {
            DeviceBuffer<byte>? returned = Interlocked.Exchange(ref buffer, null);
            if (returned is not null)
            {
                pool.Return(returned);
            }
        }
    }
}
