using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OrthoProj.Cpu.Batched;

/// <summary>Moving matrices between the caller's column-major batches and the lane layout.</summary>
internal sealed partial class BatchedQrEngine<T, TV, TOps>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : unmanaged
    where TOps : struct, ILaneOps<TV, T>
{
    /// <summary>
    /// Copies the W matrices of group <paramref name="g"/> (each <paramref name="matLen"/> elements,
    /// column-major) from <paramref name="src"/> into lane layout; lanes past the batch get zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Gather(ReadOnlySpan<T> src, int matLen, int g, Span<TV> dst)
    {
        int w = TOps.Width;
        int first = g * w;
        int lanes = Math.Min(w, count - first);
        Span<T> d = MemoryMarshal.Cast<TV, T>(dst[..matLen]);
        ref T dr = ref MemoryMarshal.GetReference(d);
        int done = 0;
        if (lanes == w && typeof(TV) == typeof(Vector512<T>) && LaneTranspose.IsSupported)
        {
            // Full group: W x W block transposes in registers, then the remainder element by element.
            ref T s0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(src), first * matLen);
            int blocks = matLen / w;
            for (int b = 0; b < blocks; b++)
            {
                LaneTranspose.Transpose(ref Unsafe.Add(ref s0, b * w), matLen, ref Unsafe.Add(ref dr, b * w * w), w);
            }

            done = blocks * w;
        }
        else if (lanes < w)
        {
            d.Clear();
        }

        for (int lane = 0; lane < lanes; lane++)
        {
            ref T s = ref Unsafe.Add(ref MemoryMarshal.GetReference(src), (first + lane) * matLen);
            for (int e = done; e < matLen; e++)
            {
                Unsafe.Add(ref dr, (e * w) + lane) = Unsafe.Add(ref s, e);
            }
        }
    }

    /// <summary>Copies the valid lanes of group <paramref name="g"/> back to column-major matrices.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Scatter(Span<TV> src, Span<T> dst, int matLen, int g)
    {
        int w = TOps.Width;
        int first = g * w;
        int lanes = Math.Min(w, count - first);
        ref T sr = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<TV, T>(src[..matLen]));
        int done = 0;
        if (lanes == w && typeof(TV) == typeof(Vector512<T>) && LaneTranspose.IsSupported)
        {
            ref T d0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(dst), first * matLen);
            int blocks = matLen / w;
            for (int b = 0; b < blocks; b++)
            {
                LaneTranspose.Transpose(ref Unsafe.Add(ref sr, b * w * w), w, ref Unsafe.Add(ref d0, b * w), matLen);
            }

            done = blocks * w;
        }

        for (int lane = 0; lane < lanes; lane++)
        {
            ref T d = ref Unsafe.Add(ref MemoryMarshal.GetReference(dst), (first + lane) * matLen);
            for (int e = done; e < matLen; e++)
            {
                Unsafe.Add(ref d, e) = Unsafe.Add(ref sr, (e * w) + lane);
            }
        }
    }
}
