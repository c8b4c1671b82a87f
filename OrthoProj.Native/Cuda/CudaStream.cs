using System.Diagnostics;
using System.Runtime.InteropServices;
using static OrthoProj.Native.Interop.Driver;

namespace OrthoProj.Native;

/// <summary>
/// A CUDA stream (cuStreamCreate with CU_STREAM_NON_BLOCKING). Work queued on one stream runs in
/// order; <see cref="Synchronize"/> waits for it. <see cref="FromHandle"/> wraps a stream that
/// another framework owns (for example PyTorch's current stream) without taking ownership.
/// Methods that accept a <c>CudaStream?</c> treat <c>null</c> as the legacy default stream.
/// </summary>
[DebuggerDisplay("CUDA stream 0x{Handle.DangerousGetHandle():x}")]
public sealed class CudaStream : IDisposable
{
    /// <summary>
    /// CU_STREAM_LEGACY: the legacy default stream, as 0 is; it waits for, and is waited for by, every
    /// blocking stream of the context (not the non-blocking streams OrthoProj creates).
    /// </summary>
    public const nint Legacy = 0x1;

    /// <summary>
    /// CU_STREAM_PER_THREAD: the calling thread's per-thread default stream (a different stream on
    /// each thread that queues on it).
    /// </summary>
    public const nint PerThread = 0x2;

    private CudaStream(CudaDevice device, StreamHandle handle)
    {
        Device = device;
        Handle = handle;
    }

    /// <summary>The device whose context the stream belongs to.</summary>
    public CudaDevice Device { get; }

    /// <summary>Whether this object has been disposed.</summary>
    public bool IsDisposed => Handle.IsClosed;

    internal StreamHandle Handle { get; }

    /// <summary>
    /// Wraps a CUstream owned elsewhere, or a default stream (0 or <see cref="Legacy"/>,
    /// <see cref="PerThread"/>); disposing the wrapper does not destroy it.
    /// </summary>
    /// <returns>A wrapper that does not own <paramref name="stream"/>.</returns>
    public static CudaStream FromHandle(CudaDevice device, nint stream)
    {
        ArgumentNullException.ThrowIfNull(device);
        return new CudaStream(device, new StreamHandle(stream, ContextLease.Acquire(device.Context), ownsHandle: false));
    }

    /// <summary>The raw CUstream; valid only while this object is alive.</summary>
    /// <returns>The CUstream handle.</returns>
    public nint DangerousGetHandle()
    {
        TypeNames.ThrowIfDisposed(Handle.IsClosed, this);
        return Handle.DangerousGetHandle();
    }

    /// <summary>Blocks until all work queued on the stream has finished (cuStreamSynchronize).</summary>
    public void Synchronize()
    {
        nint stream = DangerousGetHandle();
        Device.MakeCurrent();
        CudaCheck.Check(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    /// <summary>
    /// Makes work queued on this stream after this call wait for <paramref name="cudaEvent"/>'s
    /// recorded work (cuStreamWaitEvent), on the device: the host does not wait. How work on two
    /// streams (this backend's and another framework's) is ordered without a synchronization.
    /// </summary>
    public void WaitFor(CudaEvent cudaEvent)
    {
        ArgumentNullException.ThrowIfNull(cudaEvent);
        nint stream = DangerousGetHandle();
        nint ev = cudaEvent.DangerousGetHandle();
        Device.MakeCurrent();
        CudaCheck.Check(cuStreamWaitEvent(stream, ev, 0), "cuStreamWaitEvent");
    }

    /// <inheritdoc/>
    public void Dispose() => Handle.Dispose();

    internal static CudaStream Create(CudaDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        device.MakeCurrent();
        unsafe
        {
            nint stream;
            CudaCheck.Check(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
            return new CudaStream(device, new StreamHandle(stream, ContextLease.Acquire(device.Context), ownsHandle: true));
        }
    }

    /// <summary>The raw handle for a nullable stream argument: 0 (legacy default stream) for null.</summary>
    internal static nint RawOrDefault(CudaStream? stream) => stream?.DangerousGetHandle() ?? 0;

    internal sealed class StreamHandle : SafeHandle
    {
        private ContextLease lease;

        internal StreamHandle(nint stream, ContextLease lease, bool ownsHandle)
            : base(0, ownsHandle)
        {
            this.lease = lease;
            SetHandle(stream);
            if (!ownsHandle)
            {
                this.lease.Release();
            }
        }

        // A wrapped foreign stream may be the legacy default stream (0); it is still usable.
        public override bool IsInvalid => false;

        protected override bool ReleaseHandle()
        {
            bool ok;
            using (lease.Enter())
            {
                ok = handle == 0 || cuStreamDestroy_v2(handle) == CUresult.CUDA_SUCCESS;
            }

            lease.Release();
            return ok;
        }
    }
}
