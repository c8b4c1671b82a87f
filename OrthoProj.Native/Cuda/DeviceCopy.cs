using static OrthoProj.Native.Interop.Driver;

namespace OrthoProj.Native;

/// <summary>
/// The copy primitives shared by <see cref="DeviceBuffer{T}"/> and <see cref="DeviceView{T}"/>.
/// Callers validate lengths first; these only convert to bytes, make the context current and
/// call the driver. A null stream selects the synchronous driver call.
/// </summary>
internal static class DeviceCopy
{
    internal static unsafe void HostToDevice<T>(CudaDevice? device, nint destination, ReadOnlySpan<T> source, CudaStream? stream)
        where T : unmanaged
    {
        if (source.IsEmpty)
        {
            return;
        }

        nuint bytes = (nuint)source.Length * (nuint)sizeof(T);
        nint raw = stream?.DangerousGetHandle() ?? 0;
        device?.MakeCurrent();
        fixed (T* src = source)
        {
            // From pageable memory the driver stages the data before returning, so the span may be
            // reused at once; from pinned memory the copy is truly asynchronous (see remarks of callers).
            CudaCheck.Check(
                stream is null ? cuMemcpyHtoD_v2(destination, src, bytes) : cuMemcpyHtoDAsync_v2(destination, src, bytes, raw),
                stream is null ? "cuMemcpyHtoD_v2" : "cuMemcpyHtoDAsync_v2");
        }
    }

    internal static unsafe void DeviceToHost<T>(CudaDevice? device, Span<T> destination, nint source, CudaStream? stream)
        where T : unmanaged
    {
        if (destination.IsEmpty)
        {
            return;
        }

        nuint bytes = (nuint)destination.Length * (nuint)sizeof(T);
        nint raw = stream?.DangerousGetHandle() ?? 0;
        device?.MakeCurrent();
        fixed (T* dst = destination)
        {
            CudaCheck.Check(
                stream is null ? cuMemcpyDtoH_v2(dst, source, bytes) : cuMemcpyDtoHAsync_v2(dst, source, bytes, raw),
                stream is null ? "cuMemcpyDtoH_v2" : "cuMemcpyDtoHAsync_v2");
            if (stream is not null)
            {
                // The driver does not promise that an asynchronous copy into pageable (or stack)
                // memory has landed when the call returns: wait for the stream before the caller
                // reads the data (and before the fixed span is unpinned).
                CudaCheck.Check(cuStreamSynchronize(raw), "cuStreamSynchronize");
            }
        }
    }

    internal static unsafe void DeviceToDevice<T>(CudaDevice? device, nint destination, nint source, long length, CudaStream? stream)
        where T : unmanaged
    {
        if (length == 0)
        {
            return;
        }

        nuint bytes = (nuint)length * (nuint)sizeof(T);
        nint raw = stream?.DangerousGetHandle() ?? 0;
        device?.MakeCurrent();
        CudaCheck.Check(
            stream is null ? cuMemcpyDtoD_v2(destination, source, bytes) : cuMemcpyDtoDAsync_v2(destination, source, bytes, raw),
            stream is null ? "cuMemcpyDtoD_v2" : "cuMemcpyDtoDAsync_v2");
    }

    internal static unsafe void Clear<T>(CudaDevice? device, nint destination, long length, CudaStream? stream)
        where T : unmanaged
    {
        if (length == 0)
        {
            return;
        }

        nuint bytes = (nuint)length * (nuint)sizeof(T);
        nint raw = stream?.DangerousGetHandle() ?? 0;
        device?.MakeCurrent();
        CudaCheck.Check(
            stream is null ? cuMemsetD8_v2(destination, 0, bytes) : cuMemsetD8Async(destination, 0, bytes, raw),
            stream is null ? "cuMemsetD8_v2" : "cuMemsetD8Async");
    }

    internal static void RequireSameLength(long expected, long actual, string parameterName, string what)
    {
        if (expected != actual)
        {
            throw new ArgumentException(
                $"{what} has {actual} elements but the device memory has {expected}; slice one side so that the lengths match.",
                parameterName);
        }
    }

    internal static unsafe long CheckedByteCount<T>(long length)
        where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        try
        {
            return checked(length * sizeof(T));
        }
        catch (OverflowException)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"{length} elements of {sizeof(T)} bytes overflow a 64-bit size.");
        }
    }
}
