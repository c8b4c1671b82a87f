using System.Runtime.InteropServices;
using static OrthoProj.Native.Interop.Driver;

namespace OrthoProj.Native;

/// <summary>
/// A CUDA event (cuEventCreate). Record it on a stream, wait for it, and measure the time between
/// two recorded timing events with <see cref="ElapsedMilliseconds"/> (cuEventElapsedTime,
/// about 0.5 microsecond resolution).
/// </summary>
public sealed class CudaEvent : IDisposable
{
    private readonly EventHandle handle;

    private CudaEvent(CudaDevice device, EventHandle handle, bool timing)
    {
        Device = device;
        this.handle = handle;
        EnablesTiming = timing;
    }

    /// <summary>The device whose context the event belongs to.</summary>
    public CudaDevice Device { get; }

    /// <summary>Whether the event records timestamps (created without CU_EVENT_DISABLE_TIMING).</summary>
    public bool EnablesTiming { get; }

    /// <summary>Whether this object has been disposed.</summary>
    public bool IsDisposed => handle.IsClosed;

    /// <summary>
    /// Milliseconds between the completion of <paramref name="start"/> and <paramref name="end"/>;
    /// both must have been recorded and completed (call <see cref="Synchronize"/> on the end event).
    /// </summary>
    /// <returns>The time from <paramref name="start"/> to <paramref name="end"/>, in milliseconds.</returns>
    public static float ElapsedMilliseconds(CudaEvent start, CudaEvent end)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(end);
        if (!start.EnablesTiming || !end.EnablesTiming)
        {
            throw new ArgumentException("Both events must be created with enableTiming: true.", start.EnablesTiming ? nameof(end) : nameof(start));
        }

        nint s = start.DangerousGetHandle();
        nint e = end.DangerousGetHandle();
        start.Device.MakeCurrent();
        unsafe
        {
            float ms;
            CudaCheck.Check(cuEventElapsedTime(&ms, s, e), "cuEventElapsedTime");
            return ms;
        }
    }

    /// <summary>Records the event on <paramref name="stream"/> (null: the legacy default stream).</summary>
    public void Record(CudaStream? stream = null)
    {
        nint ev = DangerousGetHandle();
        nint raw = CudaStream.RawOrDefault(stream);
        Device.MakeCurrent();
        CudaCheck.Check(cuEventRecord(ev, raw), "cuEventRecord");
    }

    /// <summary>Blocks until the work captured by the last <see cref="Record"/> has finished.</summary>
    public void Synchronize()
    {
        nint ev = DangerousGetHandle();
        Device.MakeCurrent();
        CudaCheck.Check(cuEventSynchronize(ev), "cuEventSynchronize");
    }

    /// <summary>The raw CUevent; valid only while this object is alive.</summary>
    /// <returns>The CUevent handle.</returns>
    public nint DangerousGetHandle()
    {
        TypeNames.ThrowIfDisposed(handle.IsClosed, this);
        return handle.DangerousGetHandle();
    }

    /// <inheritdoc/>
    public void Dispose() => handle.Dispose();

    internal static CudaEvent Create(CudaDevice device, bool enableTiming)
    {
        ArgumentNullException.ThrowIfNull(device);
        device.MakeCurrent();
        unsafe
        {
            nint ev;
            CudaCheck.Check(cuEventCreate(&ev, enableTiming ? CU_EVENT_DEFAULT : CU_EVENT_DISABLE_TIMING), "cuEventCreate");
            return new CudaEvent(device, new EventHandle(ev, ContextLease.Acquire(device.Context)), enableTiming);
        }
    }

    private sealed class EventHandle : SafeHandle
    {
        private ContextLease lease;

        internal EventHandle(nint ev, ContextLease lease)
            : base(0, ownsHandle: true)
        {
            this.lease = lease;
            SetHandle(ev);
        }

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle()
        {
            bool ok;
            using (lease.Enter())
            {
                ok = cuEventDestroy_v2(handle) == CUresult.CUDA_SUCCESS;
            }

            lease.Release();
            return ok;
        }
    }
}
