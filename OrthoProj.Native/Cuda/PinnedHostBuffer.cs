using System.Diagnostics;
using System.Runtime.InteropServices;
using static OrthoProj.Native.Interop.Driver;

namespace OrthoProj.Native;

/// <summary>
/// Page-locked host memory (cuMemHostAlloc, CU_MEMHOSTALLOC_PORTABLE) for staging: copies between
/// it and the device run truly asynchronously on a stream and at full bus speed. Sealed,
/// idempotent Dispose, <see cref="ObjectDisposedException"/> afterwards. Pinned memory is a
/// scarce system resource: allocate it once and reuse it.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
[DebuggerDisplay("PinnedHostBuffer<{typeof(T).Name,nq}>[{Length}]")]
public sealed class PinnedHostBuffer<T> : IDisposable
    where T : unmanaged
{
    private readonly HostMemoryHandle? memory;
    private bool disposed;

    private PinnedHostBuffer(int length, HostMemoryHandle? memory)
    {
        Length = length;
        this.memory = memory;
    }

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    /// <summary>Whether <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => disposed;

    /// <summary>The host memory as a span; do not keep it past <see cref="Dispose"/>.</summary>
    /// <exception cref="ObjectDisposedException">The buffer has been disposed.</exception>
    public unsafe Span<T> Span => new((void*)DangerousGetPointer(), Length);

    /// <summary>Allocates <paramref name="length"/> pinned elements in <paramref name="device"/>'s context.</summary>
    /// <returns>A new buffer of <paramref name="length"/> elements; the caller disposes it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="CudaException">cuMemHostAlloc failed.</exception>
    public static unsafe PinnedHostBuffer<T> Allocate(CudaDevice device, int length)
    {
        ArgumentNullException.ThrowIfNull(device);
        long bytes = DeviceCopy.CheckedByteCount<T>(length);
        if (bytes == 0)
        {
            return new PinnedHostBuffer<T>(0, null);
        }

        device.MakeCurrent();
        void* pointer;
        CudaCheck.Check(cuMemHostAlloc(&pointer, (nuint)bytes, CU_MEMHOSTALLOC_PORTABLE), "cuMemHostAlloc");
        return new PinnedHostBuffer<T>(length, new HostMemoryHandle((nint)pointer, ContextLease.Acquire(device.Context)));
    }

    /// <summary>The host address of the first element; valid only while the buffer is alive.</summary>
    /// <returns>The host address of the first element.</returns>
    /// <exception cref="ObjectDisposedException">The buffer has been disposed.</exception>
    public nint DangerousGetPointer()
    {
        TypeNames.ThrowIfDisposed(disposed, this);
        return memory?.DangerousGetHandle() ?? 0;
    }

    /// <summary>Frees the pinned memory. Calling it again does nothing.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        memory?.Dispose();
    }

    private sealed class HostMemoryHandle : SafeHandle
    {
        private ContextLease lease;

        internal HostMemoryHandle(nint pointer, ContextLease lease)
            : base(0, ownsHandle: true)
        {
            this.lease = lease;
            SetHandle(pointer);
        }

        public override bool IsInvalid => handle == 0;

        protected override unsafe bool ReleaseHandle()
        {
            bool ok;
            using (lease.Enter())
            {
                ok = cuMemFreeHost((void*)handle) == CUresult.CUDA_SUCCESS;
            }

            lease.Release();
            return ok;
        }
    }
}
