using static OrthoProj.Native.Interop.Driver;

namespace OrthoProj.Native;

/// <summary>
/// The one place OrthoProj changes the calling thread's current CUDA context: makes a context
/// current for a scope and gives the caller's back when the scope ends. The driver's current
/// context is per thread and belongs to the caller (another framework's code on the same thread
/// relies on it), so nothing of OrthoProj replaces it for good, with one documented exception: an
/// operation on a thread where no context is current leaves the device's primary context current
/// (<see cref="CudaDevice.Enter"/>), so that a thread that keeps using one device switches once, not
/// twice per call.
/// </summary>
internal static class CurrentContext
{
    /// <summary>
    /// Makes <paramref name="context"/> current until the returned scope is disposed: nothing when it
    /// is current already; cuCtxPushCurrent_v2 (and cuCtxPopCurrent_v2 at the scope's end) when
    /// another context is current, or when none is and <paramref name="keepWhenNoneCurrent"/> is
    /// false; a plain cuCtxSetCurrent when none is and <paramref name="keepWhenNoneCurrent"/> is true
    /// (nothing to restore; the context then stays current). Never throws: the driver's status is
    /// returned with the failing call's name (release paths, which may run on the finalizer thread,
    /// go on regardless).
    /// </summary>
    internal static unsafe CUresult TryEnter(nint context, bool keepWhenNoneCurrent, out CudaDevice.ContextScope scope, out string call)
    {
        scope = default;
        call = "cuCtxGetCurrent";
        nint current;
        CUresult status = cuCtxGetCurrent(&current);
        if (status != CUresult.CUDA_SUCCESS || current == context)
        {
            return status;
        }

        if (current == 0 && keepWhenNoneCurrent)
        {
            call = "cuCtxSetCurrent";
            return cuCtxSetCurrent(context);
        }

        call = "cuCtxPushCurrent_v2";
        status = cuCtxPushCurrent_v2(context);
        if (status == CUresult.CUDA_SUCCESS)
        {
            scope = new CudaDevice.ContextScope(pushed: true);
        }

        return status;
    }

    /// <summary>As <see cref="TryEnter"/>, throwing <see cref="CudaException"/> when the driver refuses.</summary>
    internal static CudaDevice.ContextScope Enter(nint context, bool keepWhenNoneCurrent)
    {
        CUresult status = TryEnter(context, keepWhenNoneCurrent, out CudaDevice.ContextScope scope, out string call);
        CudaCheck.Check(status, call);
        return scope;
    }

    /// <summary>Pops the context a scope pushed; the caller's is current again.</summary>
    internal static unsafe void Leave()
    {
        nint popped;
        _ = cuCtxPopCurrent_v2(&popped);
    }
}
