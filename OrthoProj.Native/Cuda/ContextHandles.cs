using System.Runtime.InteropServices;
using static OrthoProj.Native.Interop.Driver;

namespace OrthoProj.Native;

/// <summary>
/// A retained primary context. Every native object created in it (memory, streams, events,
/// modules, library handles) takes a SafeHandle reference through <see cref="ContextLease"/>, so
/// the context is released by cuDevicePrimaryCtxRelease only after the last of them is freed,
/// whatever the order of Dispose calls and finalizers.
/// </summary>
internal sealed class PrimaryContextHandle : SafeHandle
{
    internal PrimaryContextHandle(nint context, int device)
        : base(0, ownsHandle: true)
    {
        Device = device;
        SetHandle(context);
    }

    internal int Device { get; }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle() => cuDevicePrimaryCtxRelease_v2(Device) == CUresult.CUDA_SUCCESS;
}

/// <summary>
/// A reference on a <see cref="PrimaryContextHandle"/> held by a child object. Release paths
/// (which may run on the finalizer thread, or on a caller's thread with another framework's
/// context current) free inside <c>using (lease.Enter())</c> because the driver frees memory and
/// destroys streams in the calling thread's current context; the scope gives the caller's context
/// back afterwards (<see cref="CurrentContext"/>), and comes before <see cref="Release"/>, which may
/// release the primary context itself.
/// </summary>
internal struct ContextLease
{
    private PrimaryContextHandle? context;

    internal static ContextLease Acquire(PrimaryContextHandle context)
    {
        bool added = false;
        context.DangerousAddRef(ref added);
        return new ContextLease { context = added ? context : null };
    }

    /// <summary>
    /// Makes the context current until the scope ends and restores whatever was current before
    /// (none included). Never throws: a release goes on even where the driver refuses the switch.
    /// </summary>
    internal readonly CudaDevice.ContextScope Enter()
    {
        CudaDevice.ContextScope scope = default;
        if (context is not null)
        {
            _ = CurrentContext.TryEnter(context.DangerousGetHandle(), keepWhenNoneCurrent: false, out scope, out _);
        }

        return scope;
    }

    internal void Release()
    {
        context?.DangerousRelease();
        context = null;
    }
}
