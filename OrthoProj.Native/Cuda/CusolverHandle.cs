using System.Runtime.InteropServices;
using static OrthoProj.Native.Interop.Cusolver;

namespace OrthoProj.Native;

/// <summary>
/// A cuSOLVER dense handle (cusolverDnCreate / cusolverDnDestroy) created in a device's primary
/// context. A handle is not thread-safe: use one per thread or stream.
/// </summary>
public sealed class CusolverHandle : SafeHandle
{
    private ContextLease lease;

    private CusolverHandle(CudaDevice device, nint handle, ContextLease lease)
        : base(0, ownsHandle: true)
    {
        Device = device;
        this.lease = lease;
        SetHandle(handle);
    }

    /// <summary>The device whose context the handle was created in.</summary>
    public CudaDevice Device { get; }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>Creates a handle on <paramref name="device"/>.</summary>
    /// <returns>A new handle; the caller disposes it.</returns>
    /// <exception cref="CudaException">cusolverDnCreate failed.</exception>
    public static CusolverHandle Create(CudaDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        device.MakeCurrent();
        nint raw;
        unsafe
        {
            CudaCheck.Check(cusolverDnCreate(&raw), "cusolverDnCreate");
        }

        return new CusolverHandle(device, raw, ContextLease.Acquire(device.Context));
    }

    /// <summary>Queues this handle's work on <paramref name="stream"/> (null: the legacy default stream).</summary>
    public void SetStream(CudaStream? stream) =>
        CudaCheck.Check(cusolverDnSetStream(Enter(), CudaStream.RawOrDefault(stream)), "cusolverDnSetStream");

    /// <summary>Checks the handle is open, makes its context current and returns the raw handle.</summary>
    internal nint Enter()
    {
        TypeNames.ThrowIfDisposed(IsClosed, this);
        Device.MakeCurrent();
        return handle;
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        bool ok;
        using (lease.Enter())
        {
            ok = cusolverDnDestroy(handle) == cusolverStatus_t.CUSOLVER_STATUS_SUCCESS;
        }

        lease.Release();
        return ok;
    }
}
