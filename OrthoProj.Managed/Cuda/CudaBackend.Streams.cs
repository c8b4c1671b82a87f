namespace OrthoProj;

public sealed partial class CudaBackend
{
    /// <summary>
    /// Records an event on this backend's stream after all work queued so far (no host wait).
    /// Another stream (another framework's) that waits for it on the device (cuStreamWaitEvent,
    /// <c>torch.cuda.ExternalStream.wait_event</c> through the handle) then reads this backend's
    /// results in order. Dispose the event when done; it is created without timing.
    /// </summary>
    public CudaEvent RecordEvent() => TryRecordEvent() ?? throw TypeNames.Disposed(typeof(CudaBackend));

    /// <summary>
    /// Makes this backend's later work wait for all work queued so far on <paramref name="other"/>'s
    /// stream, on the device (an event recorded there, waited for here): how a batch used by two
    /// backends of one device is handed from one stream to the other (<see cref="CudaMatrixBatch{T}.OrderUseBy"/>).
    /// Nothing when both queue on one stream, or when <paramref name="other"/> is disposed (its
    /// Dispose waited for its stream). When this backend is disposed (a batch of it being given back
    /// to its closed pool, which frees it) the host waits for the event instead. Call without holding
    /// either backend's lock: each is taken in turn, never both.
    /// </summary>
    internal void OrderAfter(CudaBackend other)
    {
        if (ReferenceEquals(other, this) || SharesStreamWith(other))
        {
            return;
        }

        using CudaEvent? recorded = other.TryRecordEvent();
        if (recorded is null)
        {
            return;
        }

        lock (gate)
        {
            if (!disposed)
            {
                using CudaDevice.ContextScope context = CudaDevice.Enter();
                Stream.WaitFor(recorded);
                return;
            }
        }

        try
        {
            using CudaDevice.ContextScope context = other.CudaDevice.Enter();
            recorded.Synchronize();
        }
        catch (ObjectDisposedException)
        {
            // Disposed meanwhile: its Dispose waited for its stream.
        }
    }

    /// <summary>Whether this backend and <paramref name="other"/> queue on one stream (one caller's stream; the per-thread default stream is one per thread, so never).</summary>
    private bool SharesStreamWith(CudaBackend other) =>
        Normalized(streamHandle) == Normalized(other.streamHandle) && streamHandle != CudaStream.PerThread;

    /// <summary>0 and CU_STREAM_LEGACY name the same stream.</summary>
    private static nint Normalized(nint stream) => stream == CudaStream.Legacy ? 0 : stream;

    /// <summary>An event recorded after all work queued so far, or null when the backend is disposed.</summary>
    private CudaEvent? TryRecordEvent()
    {
        lock (gate)
        {
            if (disposed)
            {
                return null;
            }

            using CudaDevice.ContextScope context = CudaDevice.Enter();
            CudaEvent recorded = CudaDevice.CreateEvent(enableTiming: false);
            try
            {
                recorded.Record(Stream);
                return recorded;
            }
            catch
            {
                recorded.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// Makes this backend's later work wait, on the device, for the work <paramref name="cudaEvent"/>
    /// recorded (e.g. the writes of a tensor another framework queued): no host synchronization.
    /// </summary>
    public void WaitFor(CudaEvent cudaEvent)
    {
        ArgumentNullException.ThrowIfNull(cudaEvent);
        lock (gate)
        {
            ThrowIfDisposed();
            using CudaDevice.ContextScope context = CudaDevice.Enter();
            Stream.WaitFor(cudaEvent);
        }
    }

    /// <summary>
    /// Makes this backend's later work wait, on the device, for everything queued so far on
    /// <paramref name="stream"/> (a CUstream / cudaStream_t of this device, e.g.
    /// <c>torch.cuda.current_stream().cuda_stream</c>): an event is recorded there and waited for
    /// here, so a batch <see cref="Wrap{T}"/> made over that framework's memory is read after its
    /// writes without a host synchronization. A backend created on that very stream
    /// (<see cref="CudaBackendOptions.ExternalStream"/>) needs none of this.
    /// </summary>
    public void WaitForStream(nint stream)
    {
        lock (gate)
        {
            ThrowIfDisposed();
            using CudaDevice.ContextScope context = CudaDevice.Enter();
            using CudaStream foreign = CudaStream.FromHandle(CudaDevice, stream);
            using CudaEvent marker = CudaDevice.CreateEvent(enableTiming: false);
            marker.Record(foreign);
            Stream.WaitFor(marker);
        }
    }
}
