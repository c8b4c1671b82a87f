using System.Diagnostics;
using System.Runtime.InteropServices;
using static OrthoProj.Native.Interop.Driver;

namespace OrthoProj.Native;

/// <summary>
/// Owns <see cref="Length"/> elements of device memory (cuMemAlloc_v2, freed with cuMemFree_v2).
/// Modelled on CommunityToolkit's MemoryOwner&lt;T&gt;: sealed, Dispose is idempotent, every member
/// but <see cref="Length"/>, <see cref="IsDisposed"/> and <see cref="Dispose"/> throws
/// <see cref="ObjectDisposedException"/> afterwards, and the raw address is reached through
/// <see cref="DangerousGetPointer"/>. The memory is held by a SafeHandle, so a buffer that is
/// never disposed is still freed by its finalizer (in the right context).
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class DeviceBuffer<T> : IDisposable
    where T : unmanaged
{
    private readonly DeviceMemoryHandle? memory; // null for an empty buffer: cuMemAlloc rejects 0 bytes
    private bool disposed;

    private DeviceBuffer(CudaDevice device, long length, DeviceMemoryHandle? memory)
    {
        Device = device;
        Length = length;
        this.memory = memory;
    }

    /// <summary>The number of elements.</summary>
    public long Length { get; }

    /// <summary>The size in bytes.</summary>
    public unsafe long SizeInBytes => Length * sizeof(T);

    /// <summary>The device the memory lives on.</summary>
    public CudaDevice Device { get; }

    /// <summary>Whether <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => disposed;

    /// <summary>The device address of the first element (0 for an empty buffer).</summary>
    /// <exception cref="ObjectDisposedException">The buffer has been disposed.</exception>
    public nint DevicePointer => DangerousGetPointer();

    /// <summary>A view of the whole buffer; valid while the buffer is not disposed.</summary>
    /// <exception cref="ObjectDisposedException">The buffer has been disposed.</exception>
    public DeviceView<T> View => new(DangerousGetPointer(), Length, Device);

    /// <summary>
    /// Allocates <paramref name="length"/> elements on <paramref name="device"/>, zeroed when
    /// <paramref name="clear"/> is true (cuMemAlloc_v2, cuMemsetD8_v2).
    /// </summary>
    /// <returns>A new buffer of <paramref name="length"/> elements; the caller disposes it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="device"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative or too large.</exception>
    /// <exception cref="CudaException">The allocation failed (e.g. CUDA_ERROR_OUT_OF_MEMORY).</exception>
    public static DeviceBuffer<T> Allocate(CudaDevice device, long length, bool clear = false)
    {
        ArgumentNullException.ThrowIfNull(device);
        long bytes = DeviceCopy.CheckedByteCount<T>(length);
        TypeNames.ThrowIfDisposed(device.IsDisposed, device);
        if (bytes == 0)
        {
            return new DeviceBuffer<T>(device, 0, null);
        }

        device.MakeCurrent();
        nint pointer;
        unsafe
        {
            CudaCheck.Check(cuMemAlloc_v2(&pointer, (nuint)bytes), "cuMemAlloc_v2");
        }

        var buffer = new DeviceBuffer<T>(device, length, new DeviceMemoryHandle(pointer, ContextLease.Acquire(device.Context)));
        if (clear)
        {
            buffer.Clear();
        }

        return buffer;
    }

    /// <summary>Allocates a buffer of <paramref name="source"/>'s length and copies it to the device.</summary>
    /// <returns>A new buffer holding a copy of <paramref name="source"/>; the caller disposes it.</returns>
    public static DeviceBuffer<T> CreateFrom(CudaDevice device, ReadOnlySpan<T> source)
    {
        DeviceBuffer<T> buffer = Allocate(device, source.Length);
        try
        {
            buffer.CopyFrom(source);
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>The raw device address; valid only while the buffer is alive.</summary>
    /// <returns>The device address of the first element.</returns>
    /// <exception cref="ObjectDisposedException">The buffer has been disposed.</exception>
    public nint DangerousGetPointer()
    {
        TypeNames.ThrowIfDisposed(disposed, this);
        return memory?.DangerousGetHandle() ?? 0;
    }

    /// <summary>A view of <paramref name="length"/> elements from <paramref name="start"/>.</summary>
    /// <returns>A view of elements <paramref name="start"/> to <paramref name="start"/> + <paramref name="length"/> - 1 (no copy).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside the buffer.</exception>
    public DeviceView<T> Slice(long start, long length) => View.Slice(start, length);

    /// <summary>Copies <paramref name="source"/> (exactly <see cref="Length"/> elements) to the device.</summary>
    /// <exception cref="ArgumentException">The lengths differ (checked before any native call).</exception>
    public void CopyFrom(ReadOnlySpan<T> source) => View.CopyFrom(source);

    /// <summary>Queues a host-to-device copy on <paramref name="stream"/>; see <see cref="DeviceView{T}.CopyFrom(ReadOnlySpan{T}, CudaStream)"/>.</summary>
    public void CopyFrom(ReadOnlySpan<T> source, CudaStream stream) => View.CopyFrom(source, stream);

    /// <summary>Copies device memory from <paramref name="source"/> (same length), optionally stream-ordered.</summary>
    public void CopyFrom(DeviceView<T> source, CudaStream? stream = null) => source.CopyTo(View, stream);

    /// <summary>Copies the buffer into <paramref name="destination"/> (exactly <see cref="Length"/> elements).</summary>
    /// <exception cref="ArgumentException">The lengths differ (checked before any native call).</exception>
    public void CopyTo(Span<T> destination) => View.CopyTo(destination);

    /// <summary>Queues a device-to-host copy on <paramref name="stream"/>; see <see cref="DeviceView{T}.CopyTo(Span{T}, CudaStream)"/>.</summary>
    public void CopyTo(Span<T> destination, CudaStream stream) => View.CopyTo(destination, stream);

    /// <summary>Copies the buffer into device memory <paramref name="destination"/> (same length), optionally stream-ordered.</summary>
    public void CopyTo(DeviceView<T> destination, CudaStream? stream = null) => View.CopyTo(destination, stream);

    /// <summary>Sets every byte to zero, optionally stream-ordered.</summary>
    public void Clear(CudaStream? stream = null) => View.Clear(stream);

    /// <summary>Copies the buffer into a new array.</summary>
    /// <returns>A new array of <see cref="Length"/> elements.</returns>
    public T[] ToArray() => View.ToArray();

    /// <summary>Frees the device memory. Calling it again does nothing.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        memory?.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() =>
        disposed ? $"DeviceBuffer<{typeof(T).Name}>[{Length}] (disposed)" : $"DeviceBuffer<{typeof(T).Name}>[{Length}] @ 0x{memory?.DangerousGetHandle() ?? 0:x}";

    private sealed class DeviceMemoryHandle : SafeHandle
    {
        private ContextLease lease;

        internal DeviceMemoryHandle(nint pointer, ContextLease lease)
            : base(0, ownsHandle: true)
        {
            this.lease = lease;
            SetHandle(pointer);
        }

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle()
        {
            bool ok;
            using (lease.Enter())
            {
                ok = cuMemFree_v2(handle) == CUresult.CUDA_SUCCESS;
            }

            lease.Release();
            return ok;
        }
    }
}
