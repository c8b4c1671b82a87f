using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrthoProj.Cpu.Batched;

/// <summary>
/// A 64-byte aligned run of lane vectors on the pinned object heap, rented from a small pool.
/// Managed arrays are only 8-byte aligned, so every 64-byte vector of a TV[] straddles two cache
/// lines, which halves load and store throughput in the kernels; pinning makes the alignment
/// offset stable. Contents are uninitialized.
/// </summary>
internal sealed class PinnedLanes<TV> : IDisposable
    where TV : unmanaged
{
    private byte[]? buffer;
    private readonly int offset;

    private PinnedLanes(byte[] buffer, int length)
    {
        this.buffer = buffer;
        Length = length;
        unsafe
        {
            offset = (int)((64 - ((nuint)Unsafe.AsPointer(ref buffer[0]) & 63)) & 63);
        }
    }

    /// <summary>Lane vectors held.</summary>
    public int Length { get; }

    /// <summary>The first lane vector (no bounds check past it: index with care).</summary>
    public ref TV Ref => ref Unsafe.As<byte, TV>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buffer!), offset));

    /// <summary>All lane vectors.</summary>
    public Span<TV> Span => MemoryMarshal.CreateSpan(ref Ref, Length);

    /// <summary>Rents room for <paramref name="length"/> lane vectors (at least one).</summary>
    public static PinnedLanes<TV> Rent(int length)
    {
        length = Math.Max(length, 1);
        long bytes = ((long)length * Unsafe.SizeOf<TV>()) + 64;
        if (bytes > Array.MaxLength)
        {
            throw new OutOfMemoryException($"{length} lane vectors of {Unsafe.SizeOf<TV>()} bytes exceed one array.");
        }

        return new PinnedLanes<TV>(PinnedBufferPool.Rent((int)bytes), length);
    }

    /// <summary>Gives the buffer back to the pool; idempotent.</summary>
    public void Dispose()
    {
        byte[]? b = Interlocked.Exchange(ref buffer, null);
        if (b is not null)
        {
            PinnedBufferPool.Return(b);
        }
    }
}

/// <summary>
/// Keeps a few pinned byte buffers for reuse, so that repeated factorizations neither allocate on the
/// pinned heap nor page-fault fresh memory in. Buffers over <see cref="MaxKeptBytes"/> are not kept.
/// </summary>
internal static class PinnedBufferPool
{
    private const int MaxKept = 8;
    /// <summary>Buffers above this size are not kept.</summary>
    internal const int MaxKeptBytes = 64 << 20;
    private static readonly List<byte[]> Free = [];
    private static readonly Lock Gate = new();

    public static byte[] Rent(int bytes)
    {
        lock (Gate)
        {
            int best = -1;
            for (int i = 0; i < Free.Count; i++)
            {
                if (Free[i].Length >= bytes && (best < 0 || Free[i].Length < Free[best].Length))
                {
                    best = i;
                }
            }

            if (best >= 0)
            {
                byte[] b = Free[best];
                Free.RemoveAt(best);
                return b;
            }
        }

        return GC.AllocateUninitializedArray<byte>(bytes, pinned: true);
    }

    public static void Return(byte[] buffer)
    {
        if (buffer.Length > MaxKeptBytes)
        {
            return;
        }

        lock (Gate)
        {
            if (Free.Count < MaxKept)
            {
                Free.Add(buffer);
                return;
            }

            int smallest = 0;
            for (int i = 1; i < Free.Count; i++)
            {
                if (Free[i].Length < Free[smallest].Length)
                {
                    smallest = i;
                }
            }

            if (Free[smallest].Length < buffer.Length)
            {
                Free[smallest] = buffer;
            }
        }
    }
}
