using OrthoProj.Cuda.Kernels;

namespace OrthoProj.Cuda;

/// <summary>
/// The backend's device status word: one slot per queued check (a flag the check's kernel sets, and
/// 8 bytes for the value it found), read back to the host in one copy and one wait however many
/// checks are pending. Reading it is the only host synchronization of a steady-state call in
/// <see cref="CudaErrorChecking.Synchronous"/> mode, and none happens in
/// <see cref="CudaErrorChecking.Deferred"/> mode until the next host read, explicit check or dispose.
/// </summary>
/// <remarks>
/// Slots are used in call order, so the exception raised is that of the earliest failing check, as
/// if each had been read at once. After a read the used flags are cleared on the stream (no wait).
/// When every slot is pending the status is read early (one wait). Used under the backend's lock.
/// </remarks>
internal sealed class CudaStatus(CudaDevice device) : IDisposable
{
    /// <summary>Checks that can be pending at once.</summary>
    internal const int Capacity = 256;

    // Slot i: bytes [16 i, 16 i + 4) the flag (an int), [16 i + 8, 16 i + 16) the value found.
    private readonly DeviceBuffer<long> words = DeviceBuffer<long>.Allocate(device, 2 * Capacity);
    private readonly List<Func<int, long, Exception>> pending = [];
    private bool cleared;

    /// <summary>Whether some check has not been read back yet.</summary>
    public bool HasPending => pending.Count > 0;

    /// <summary>
    /// Reserves the next slot for a check whose kernels the caller queues next on <paramref name="stream"/>
    /// (reading the status first when every slot is pending); <paramref name="error"/> turns the flag
    /// and value found into the exception, should the flag be set.
    /// </summary>
    public Slot Reserve(CudaStream stream, Func<int, long, Exception> error)
    {
        if (!cleared)
        {
            words.Clear(stream);
            cleared = true;
        }

        if (pending.Count == Capacity)
        {
            Read(stream);
        }

        int slot = pending.Count;
        pending.Add(error);
        nint start = words.DevicePointer + (16 * slot);
        return new Slot(new DevicePtr<int>(start), start + 8);
    }

    /// <summary>
    /// Reads every pending slot back (one copy, one wait for the whole stream), clears them on the
    /// stream (queued: the memory must outlive that memset) and throws the exception of the first
    /// flagged one; nothing when none is pending. Returns whether it waited for the stream.
    /// </summary>
    public bool Read(CudaStream stream)
    {
        int count = pending.Count;
        if (count == 0)
        {
            return false;
        }

        var host = new long[2 * count];
        words.Slice(0, 2 * count).CopyTo(host, stream);
        Func<int, long, Exception>[] errors = [.. pending];
        pending.Clear();
        words.Slice(0, 2 * count).Clear(stream);
        for (int i = 0; i < count; i++)
        {
            int flag = (int)(host[2 * i] & 0xFFFFFFFF);
            if (flag != 0)
            {
                throw errors[i](flag, host[(2 * i) + 1]);
            }
        }

        return true;
    }

    /// <summary>A reserved slot: the flag its check's kernel sets, and the 8 bytes for the value it found.</summary>
    /// <param name="flag">The flag (an int; nonzero: the check failed).</param>
    /// <param name="value">The address of the 8 value bytes.</param>
    public readonly struct Slot(DevicePtr<int> flag, nint value)
    {
        /// <summary>The flag a check's kernel sets (find_nonfinite, first_flagged).</summary>
        public DevicePtr<int> Flag { get; } = flag;

        /// <summary>The value bytes as the element type a <c>read_flagged</c> kernel copies into them (8 at most: a float or an int uses the first 4).</summary>
        public DevicePtr<TValue> Value<TValue>()
            where TValue : unmanaged => new(value);
    }

    /// <summary>Forgets the pending checks without reading them (the backend is going away after a failed wait).</summary>
    public void Discard() => pending.Clear();

    /// <summary>Frees the status memory; call after waiting for the stream (a read leaves a memset queued).</summary>
    public void Dispose() => words.Dispose();
}
