namespace OrthoProj;

public sealed partial class CudaBackend
{
    /// <summary>
    /// Records an event on this backend's stream after all work queued so far (no host wait).
    /// Another stream (another framework's) that waits for it on the device (cuStreamWaitEvent,
    /// <c>torch.cuda.ExternalStream.wait_event</c> through the handle) then reads this backend's
    /// results in order. Dispose the event when done; it is created without timing.
    /// </summary>
    public CudaEvent RecordEvent()
    {
        lock (gate)
        {
            ThrowIfDisposed();
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
