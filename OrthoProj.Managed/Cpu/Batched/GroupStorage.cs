using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrthoProj.Cpu.Batched;

/// <summary>
/// The lane storage of a whole batch: per group, a few sections of lane vectors (the engine's
/// factors, tau, 1 / R'_kk and the scale). Within a chunk of G groups, section s of every group is contiguous:
/// G times section 0, then G times section 1, and so on, so that one chunk is exactly the layout the
/// kernels were tuned on (a pooled batch is laid out as before chunking). Small batches take one pinned buffer from
/// <see cref="PinnedBufferPool"/> (reused across factorizations); batches past the pool's size take
/// native chunks, each holding whole groups (a group never straddles two chunks) and at most
/// <c>maxChunkBytes</c>, so that no batch is limited by the size of one .NET array (a million float32
/// 32 x 16 matrices need about 2.2 GB of factors). Contents are uninitialized.
/// </summary>
/// <remarks>
/// Native chunks are freed by <see cref="Dispose"/>, by the constructor when a later chunk cannot be
/// allocated, and by the finalizer as a last resort when an owner forgets to dispose; their size is
/// reported to the GC as memory pressure while they live.
/// </remarks>
internal sealed unsafe class GroupStorage<TV> : IDisposable
    where TV : unmanaged
{
    /// <summary>The largest native chunk by default: well under the array limit, few enough chunks to index cheaply.</summary>
    internal const long DefaultMaxChunkBytes = 256L << 20;

    private const int Alignment = 64;

    private readonly int stride;
    private readonly int groups;
    private readonly int groupsPerChunk;
    private readonly int[] sectionLength;
    private readonly int[] sectionStart;     // sum of the lengths of the sections before s
    private readonly nint[] bases;
    private readonly long[] nativeBytes;
    private PinnedLanes<TV>? pooled;
    private int disposed;

    /// <summary>Allocates room for <paramref name="groups"/> groups of the given sections (lengths in lane vectors).</summary>
    /// <exception cref="OutOfMemoryException">A chunk could not be allocated; the chunks already allocated are freed.</exception>
    public GroupStorage(int groups, int[] sections, long maxChunkBytes = DefaultMaxChunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        ArgumentNullException.ThrowIfNull(sections);
        this.groups = groups;
        sectionLength = (int[])sections.Clone();
        sectionStart = new int[sections.Length];
        for (int i = 0; i < sections.Length; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sections[i], nameof(sections));
            sectionStart[i] = stride;
            stride += sections[i];
        }

        long groupBytes = (long)stride * sizeof(TV);
        long total = groups * groupBytes;
        if (groupBytes > maxChunkBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(maxChunkBytes), maxChunkBytes, $"One group of {stride} lane vectors ({groupBytes} bytes) does not fit a chunk of {maxChunkBytes} bytes.");
        }

        if (total <= Math.Min(maxChunkBytes, PinnedBufferPool.MaxKeptBytes))
        {
            // The common case: one pooled pinned buffer, so that repeated factorizations neither
            // allocate nor page-fault fresh memory in. Pinned, so its address is stable.
            groupsPerChunk = groups;
            pooled = PinnedLanes<TV>.Rent(groups * stride);
            bases = [(nint)Unsafe.AsPointer(ref pooled.Ref)];
            nativeBytes = [];
            GC.SuppressFinalize(this);   // nothing native to free; the GC reclaims a forgotten buffer
            return;
        }

        groupsPerChunk = (int)Math.Min(groups, maxChunkBytes / groupBytes);
        int chunks = (groups + groupsPerChunk - 1) / groupsPerChunk;
        bases = new nint[chunks];
        nativeBytes = new long[chunks];
        try
        {
            for (int c = 0; c < chunks; c++)
            {
                int inChunk = Math.Min(groupsPerChunk, groups - (c * groupsPerChunk));
                long bytes = inChunk * groupBytes;
                bases[c] = (nint)NativeMemory.AlignedAlloc((nuint)bytes, Alignment);
                nativeBytes[c] = bytes;
                GC.AddMemoryPressure(bytes);
                NativeLaneMemory.Add(bytes);
            }
        }
        catch (OutOfMemoryException ex)
        {
            Free();
            throw new OutOfMemoryException($"Lane storage for {groups} groups of {stride} lane vectors ({total} bytes in {chunks} chunks of up to {groupsPerChunk * groupBytes} bytes) could not be allocated.", ex);
        }
    }

    /// <summary>Frees native chunks that <see cref="Dispose"/> did not.</summary>
    ~GroupStorage()
    {
        Free();
    }

    /// <summary>The first lane vector of section <paramref name="section"/> of group <paramref name="g"/>; its vectors are contiguous.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref TV Section(int g, int section)
    {
        // Small enough to inline into every kernel's group loop: a call here measured ~15% on Project
        // of 1024 x 32 x 16 float32. The first chunk (the only one of a pooled buffer) is full.
        if ((uint)g < (uint)groupsPerChunk)
        {
            return ref Unsafe.AsRef<TV>((void*)(bases[0] + ((((nint)groupsPerChunk * sectionStart[section]) + ((nint)g * sectionLength[section])) * sizeof(TV))));
        }

        return ref InLaterChunk(g, section);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ref TV InLaterChunk(int g, int section)
    {
        (int chunk, int inChunk) = Math.DivRem(g, groupsPerChunk);
        int inThisChunk = Math.Min(groupsPerChunk, groups - (chunk * groupsPerChunk));
        nint offset = ((nint)inThisChunk * sectionStart[section]) + ((nint)inChunk * sectionLength[section]);
        return ref Unsafe.AsRef<TV>((void*)(bases[chunk] + (offset * sizeof(TV))));
    }

    /// <summary>Returns the pooled buffer or frees the native chunks; idempotent.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        // bases is null when the constructor threw on its arguments (the finalizer still runs then).
        if (bases is null || Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        pooled?.Dispose();
        pooled = null;
        for (int c = 0; c < bases.Length; c++)
        {
            if (nativeBytes.Length > 0 && bases[c] != 0)
            {
                NativeMemory.AlignedFree((void*)bases[c]);
                GC.RemoveMemoryPressure(nativeBytes[c]);
                NativeLaneMemory.Add(-nativeBytes[c]);
                bases[c] = 0;
            }
        }
    }
}

/// <summary>Bytes held in native lane chunks by every live <see cref="GroupStorage{TV}"/>, for tests and diagnostics.</summary>
internal static class NativeLaneMemory
{
    private static long live;

    /// <summary>The current total.</summary>
    internal static long LiveBytes => Interlocked.Read(ref live);

    /// <summary>Records <paramref name="bytes"/> allocated (positive) or freed (negative).</summary>
    internal static void Add(long bytes) => Interlocked.Add(ref live, bytes);
}
