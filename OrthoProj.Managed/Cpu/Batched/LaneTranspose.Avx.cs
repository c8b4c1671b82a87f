using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OrthoProj.Cpu.Batched;

/// <summary>
/// The AVX transposes for lane vectors of Vector256 (8 x 8 float, 4 x 4 double): unpack, shuffle and
/// 128-bit lane permutes, the textbook sequence. Without them Gather and Scatter move one element at
/// a time, which on AVX2 machines costs as much as the arithmetic of a small-matrix QR.
/// </summary>
internal static partial class LaneTranspose
{
    /// <summary>Whether <see cref="Transpose256{T}"/> is available for lane vectors of Vector256.</summary>
    public static bool IsSupported256 => Avx.IsSupported;

    /// <summary>
    /// Reads W rows of W elements (W = 8 floats or 4 doubles; row r at <paramref name="src"/> + r *
    /// <paramref name="srcStride"/>) and writes their transpose (row c at <paramref name="dst"/> + c * <paramref name="dstStride"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose256<T>(ref T src, nint srcStride, ref T dst, nint dstStride)
    {
        if (typeof(T) == typeof(float))
        {
            Transpose8x8(ref Unsafe.As<T, float>(ref src), srcStride, ref Unsafe.As<T, float>(ref dst), dstStride);
        }
        else
        {
            Transpose4x4(ref Unsafe.As<T, double>(ref src), srcStride, ref Unsafe.As<T, double>(ref dst), dstStride);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose8x8(ref float src, nint srcStride, ref float dst, nint dstStride)
    {
        Vector256<float> r0 = Vector256.LoadUnsafe(ref src, (nuint)(0 * srcStride));
        Vector256<float> r1 = Vector256.LoadUnsafe(ref src, (nuint)(1 * srcStride));
        Vector256<float> r2 = Vector256.LoadUnsafe(ref src, (nuint)(2 * srcStride));
        Vector256<float> r3 = Vector256.LoadUnsafe(ref src, (nuint)(3 * srcStride));
        Vector256<float> r4 = Vector256.LoadUnsafe(ref src, (nuint)(4 * srcStride));
        Vector256<float> r5 = Vector256.LoadUnsafe(ref src, (nuint)(5 * srcStride));
        Vector256<float> r6 = Vector256.LoadUnsafe(ref src, (nuint)(6 * srcStride));
        Vector256<float> r7 = Vector256.LoadUnsafe(ref src, (nuint)(7 * srcStride));

        // Pairs of rows interleaved: t0 = a0 b0 a1 b1 | a4 b4 a5 b5, t1 = a2 b2 a3 b3 | a6 b6 a7 b7.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);

        // Quads: s0 = a0 b0 c0 d0 | a4 b4 c4 d4, s1 = column 1 | 5, s2 = 2 | 6, s3 = 3 | 7 (e..h in s4..s7).
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Permute2x128(s0, s4, 0x20).StoreUnsafe(ref dst, (nuint)(0 * dstStride));
        Avx.Permute2x128(s1, s5, 0x20).StoreUnsafe(ref dst, (nuint)(1 * dstStride));
        Avx.Permute2x128(s2, s6, 0x20).StoreUnsafe(ref dst, (nuint)(2 * dstStride));
        Avx.Permute2x128(s3, s7, 0x20).StoreUnsafe(ref dst, (nuint)(3 * dstStride));
        Avx.Permute2x128(s0, s4, 0x31).StoreUnsafe(ref dst, (nuint)(4 * dstStride));
        Avx.Permute2x128(s1, s5, 0x31).StoreUnsafe(ref dst, (nuint)(5 * dstStride));
        Avx.Permute2x128(s2, s6, 0x31).StoreUnsafe(ref dst, (nuint)(6 * dstStride));
        Avx.Permute2x128(s3, s7, 0x31).StoreUnsafe(ref dst, (nuint)(7 * dstStride));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose4x4(ref double src, nint srcStride, ref double dst, nint dstStride)
    {
        Vector256<double> r0 = Vector256.LoadUnsafe(ref src, (nuint)(0 * srcStride));
        Vector256<double> r1 = Vector256.LoadUnsafe(ref src, (nuint)(1 * srcStride));
        Vector256<double> r2 = Vector256.LoadUnsafe(ref src, (nuint)(2 * srcStride));
        Vector256<double> r3 = Vector256.LoadUnsafe(ref src, (nuint)(3 * srcStride));

        // t0 = a0 b0 | a2 b2, t1 = a1 b1 | a3 b3, t2 = c0 d0 | c2 d2, t3 = c1 d1 | c3 d3.
        Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<double> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Avx.Permute2x128(t0, t2, 0x20).StoreUnsafe(ref dst, (nuint)(0 * dstStride));
        Avx.Permute2x128(t1, t3, 0x20).StoreUnsafe(ref dst, (nuint)(1 * dstStride));
        Avx.Permute2x128(t0, t2, 0x31).StoreUnsafe(ref dst, (nuint)(2 * dstStride));
        Avx.Permute2x128(t1, t3, 0x31).StoreUnsafe(ref dst, (nuint)(3 * dstStride));
    }
}
