using System.Runtime.InteropServices;

namespace OrthoProj.Cpu;

/// <summary>
/// The host's scan for NaN and infinities that every call runs over its inputs before any work
/// (<see cref="Backend.CheckFinite{T}"/>): the first non-finite element of a batch, or -1.
/// </summary>
/// <remarks>
/// The scan reads every input once, as much memory traffic as a small-matrix operation's own
/// gather: run on one thread it was 13 % of a 4096 x 32 x 16 QR backward at one thread and the part
/// that kept two threads from halving it. So a large batch is scanned in chunks over the backend's
/// threads, and each chunk four vectors per test: x - x is 0 exactly when x is finite (NaN and
/// +-Inf give NaN), and a sum of such differences is 0 exactly when all of them are.
/// </remarks>
internal static class NonFiniteScan
{
    /// <summary>Elements per chunk: 256 KiB of floats, small against the scan of a batch worth splitting.</summary>
    private const int ChunkLength = 1 << 16;

    /// <summary>The index of the first non-finite element of <paramref name="data"/>, or -1; chunks run over <paramref name="parallel"/>.</summary>
    public static int First<T>(ReadOnlyMemory<T> data, ParallelOptions parallel)
        where T : unmanaged, INumberBase<T>
    {
        int chunks = (data.Length + ChunkLength - 1) / ChunkLength;
        if (chunks < 2 || parallel.MaxDegreeOfParallelism == 1)
        {
            return First(data.Span);
        }

        // The lowest failing index over all chunks: a chunk that starts past one already found is skipped.
        int found = int.MaxValue;
        Parallel.For(0, chunks, parallel, c =>
        {
            int start = c * ChunkLength;
            if (start > Volatile.Read(ref found))
            {
                return;
            }

            int i = First(data.Span.Slice(start, Math.Min(ChunkLength, data.Length - start)));
            if (i >= 0)
            {
                int index = start + i, seen;
                while (index < (seen = Volatile.Read(ref found)) && Interlocked.CompareExchange(ref found, index, seen) != seen)
                {
                }
            }
        });
        return found == int.MaxValue ? -1 : found;
    }

    /// <summary>
    /// The index of the first non-finite element of <paramref name="span"/>, or -1, on this thread: a
    /// complex element is non-finite where either part is, so a complex span is scanned as its reals.
    /// </summary>
    public static int First<T>(ReadOnlySpan<T> span)
        where T : unmanaged, INumberBase<T>
    {
        if (Element<T>.IsComplex)
        {
            int part = Element<T>.IsSingle ? FirstReal(Element<T>.Singles(span)) : FirstReal(Element<T>.Doubles(span));
            return part < 0 ? -1 : part / 2;
        }

        return FirstReal(span);
    }

    /// <summary>What an exception reports of a non-finite element: its real part, or its imaginary part where only that one is not finite.</summary>
    public static double Value<T>(T x)
        where T : unmanaged, INumberBase<T> =>
        double.IsFinite(Element<T>.Real(x)) ? Element<T>.Imaginary(x) : Element<T>.Real(x);

    /// <summary><see cref="First{T}(ReadOnlySpan{T})"/> over real numbers, four vectors a test.</summary>
    private static int FirstReal<T>(ReadOnlySpan<T> span)
        where T : unmanaged, INumberBase<T>
    {
        int start = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            ReadOnlySpan<Vector<T>> vectors = MemoryMarshal.Cast<T, Vector<T>>(span);
            int block = 0;
            for (; block + 4 <= vectors.Length; block += 4)
            {
                Vector<T> v0 = vectors[block], v1 = vectors[block + 1], v2 = vectors[block + 2], v3 = vectors[block + 3];
                if (!Vector.EqualsAll((v0 - v0) + (v1 - v1) + ((v2 - v2) + (v3 - v3)), Vector<T>.Zero))
                {
                    break;
                }
            }

            // The scalar loop below finds the element in the block that failed, and scans the tail.
            start = block * Vector<T>.Count;
        }

        for (int i = start; i < span.Length; i++)
        {
            if (!T.IsFinite(span[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
