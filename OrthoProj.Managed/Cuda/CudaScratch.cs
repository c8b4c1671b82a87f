namespace OrthoProj.Cuda;

/// <summary>
/// The backend's reusable device workspace: numbered slots, each one allocation that grows (by
/// at least half) when an operation needs more and is reused by every later operation, so that
/// steady-state calls allocate no device memory. An operation takes slots through a
/// <see cref="Frame"/>, each slot once, so that pointers it holds stay valid for the whole
/// operation; later operations reuse the same slots safely because all work runs in order on the
/// backend's one stream. Before a slot's old memory is freed the stream is synchronized, so no
/// queued kernel can still read it. New memory comes from <see cref="CudaMemoryPool.Allocate"/>,
/// which on out-of-memory frees the backend's cache of results and tries again.
/// </summary>
internal sealed class CudaScratch(CudaMemoryPool pool, CudaStream stream) : IDisposable
{
    private readonly List<DeviceBuffer<byte>?> slots = [];

    /// <summary>Starts handing out slots from the first.</summary>
    public Frame Begin() => new(this);

    public void Dispose()
    {
        foreach (DeviceBuffer<byte>? slot in slots)
        {
            slot?.Dispose();
        }

        slots.Clear();
    }

    private nint Get(int index, long bytes)
    {
        while (slots.Count <= index)
        {
            slots.Add(null);
        }

        DeviceBuffer<byte>? current = slots[index];
        bytes = Math.Max(bytes, 256);
        if (current is null || current.Length < bytes)
        {
            long size = current is null ? bytes : Math.Max(bytes, current.Length + (current.Length / 2));
            if (current is not null)
            {
                stream.Synchronize();
                current.Dispose();
                slots[index] = null;
            }

            current = pool.Allocate(size);
            slots[index] = current;
        }

        return current.DevicePointer;
    }

    /// <summary>Hands out the next slot for one operation.</summary>
    internal sealed class Frame(CudaScratch owner)
    {
        private int next;

        /// <summary>A device pointer to room for <paramref name="elements"/> values of <typeparamref name="TElement"/>, valid until the operation ends.</summary>
        public unsafe nint Take<TElement>(long elements)
            where TElement : unmanaged => owner.Get(next++, Math.Max(elements, 1) * sizeof(TElement));
    }
}
