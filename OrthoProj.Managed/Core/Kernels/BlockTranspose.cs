using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OrthoProj.Kernels;

/// <summary>
/// In-register transposes of W x W blocks, for moving matrices between layouts: a column-major and
/// a row-major host batch (<see cref="HostMatrixBatch{T}"/>), a batch and the CPU lanes' layout
/// (their gather and scatter). 16 x 16 float and 8 x 8 double with AVX-512 two-source permutes
/// (log2(W) rounds of "perfect shuffle": row i and row i + W/2 interleaved element by element into
/// rows 2i and 2i + 1, each round rotating the row-index bits into the column index); 8 x 8 float
/// and 4 x 4 double with AVX's unpack, shuffle and 128-bit lane permutes (the classic three-stage
/// transpose). In Core because Core's layout conversions need it; the lanes use it from here.
/// </summary>
internal static class BlockTranspose
{
    /// <summary>
    /// Whether <see cref="Transpose{TV, T}"/> is available for lane vectors of type <typeparamref name="TV"/>:
    /// float and double elements (a batch of complex elements moves element by element).
    /// </summary>
    public static bool Supports<TV, T>() =>
        (typeof(T) == typeof(float) || typeof(T) == typeof(double)) &&
        ((typeof(TV) == typeof(Vector512<T>) && Avx512F.IsSupported) || (typeof(TV) == typeof(Vector256<T>) && Avx.IsSupported));

    /// <summary>
    /// Transposes each column-major <paramref name="rows"/> x <paramref name="cols"/> matrix of
    /// <paramref name="source"/> into <paramref name="destination"/> (equivalently: column-major to
    /// row-major): W x W blocks in registers where the processor has AVX (<see cref="Transpose{TV, T}"/>),
    /// the edges element by element, tile by tile so that both sides stay in cache for large matrices.
    /// The one transposer of whole matrices on the host: a batch's layout conversions and the CPU
    /// seam's Transpose.
    /// </summary>
    public static void Matrices<T>(ReadOnlySpan<T> source, Span<T> destination, int rows, int cols)
        where T : unmanaged
    {
        const int Tile = 32;
        bool blocks = Supports<Vector256<T>, T>();
        int w = blocks ? Vector256<T>.Count : Tile;
        int length = rows * cols;
        for (int start = 0; start < destination.Length; start += length)
        {
            ref T s = ref Unsafe.AsRef(in source[start]);
            ref T d = ref destination[start];
            for (int j0 = 0; j0 < cols; j0 += Tile)
            {
                for (int i0 = 0; i0 < rows; i0 += Tile)
                {
                    int je = Math.Min(j0 + Tile, cols), ie = Math.Min(i0 + Tile, rows);
                    for (int j = j0; j < je; j += w)
                    {
                        for (int i = i0; i < ie; i += w)
                        {
                            if (blocks && j + w <= je && i + w <= ie)
                            {
                                // Rows j..j+W-1 of the source's transpose (its columns), elements i..i+W-1.
                                Transpose<Vector256<T>, T>(ref Unsafe.Add(ref s, (j * rows) + i), rows, ref Unsafe.Add(ref d, (i * cols) + j), cols);
                                continue;
                            }

                            for (int jj = j; jj < Math.Min(j + w, je); jj++)
                            {
                                for (int ii = i; ii < Math.Min(i + w, ie); ii++)
                                {
                                    Unsafe.Add(ref d, (ii * cols) + jj) = Unsafe.Add(ref s, (jj * rows) + ii);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Reads W rows of W elements (row r at <paramref name="src"/> + r * <paramref name="srcStride"/>)
    /// and writes their transpose (row c at <paramref name="dst"/> + c * <paramref name="dstStride"/>),
    /// W the element count of <typeparamref name="TV"/>; only where <see cref="Supports{TV, T}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose<TV, T>(ref T src, nint srcStride, ref T dst, nint dstStride)
    {
        if (typeof(TV) == typeof(Vector512<T>))
        {
            if (typeof(T) == typeof(float))
            {
                Transpose16(ref Unsafe.As<T, float>(ref src), srcStride, ref Unsafe.As<T, float>(ref dst), dstStride);
            }
            else
            {
                Transpose8(ref Unsafe.As<T, double>(ref src), srcStride, ref Unsafe.As<T, double>(ref dst), dstStride);
            }
        }
        else if (typeof(T) == typeof(float))
        {
            Transpose8x8(ref Unsafe.As<T, float>(ref src), srcStride, ref Unsafe.As<T, float>(ref dst), dstStride);
        }
        else
        {
            Transpose4x4(ref Unsafe.As<T, double>(ref src), srcStride, ref Unsafe.As<T, double>(ref dst), dstStride);
        }
    }

    /// <summary>8 x 8 float with AVX: pairs interleaved (unpack), quads gathered (shuffle), halves exchanged (permute2f128).</summary>
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
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);     // a0 b0 a1 b1 | a4 b4 a5 b5, a2 b2 a3 b3 | ...
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);  // a0 b0 c0 d0 | a4 b4 c4 d4, a1 ... | a5 ...
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

    /// <summary>4 x 4 double with AVX: pairs interleaved (unpack), halves exchanged (permute2f128).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose4x4(ref double src, nint srcStride, ref double dst, nint dstStride)
    {
        Vector256<double> r0 = Vector256.LoadUnsafe(ref src, (nuint)(0 * srcStride));
        Vector256<double> r1 = Vector256.LoadUnsafe(ref src, (nuint)(1 * srcStride));
        Vector256<double> r2 = Vector256.LoadUnsafe(ref src, (nuint)(2 * srcStride));
        Vector256<double> r3 = Vector256.LoadUnsafe(ref src, (nuint)(3 * srcStride));
        Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);     // a0 b0 | a2 b2, a1 b1 | a3 b3
        Vector256<double> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Avx.Permute2x128(t0, t2, 0x20).StoreUnsafe(ref dst, (nuint)(0 * dstStride));
        Avx.Permute2x128(t1, t3, 0x20).StoreUnsafe(ref dst, (nuint)(1 * dstStride));
        Avx.Permute2x128(t0, t2, 0x31).StoreUnsafe(ref dst, (nuint)(2 * dstStride));
        Avx.Permute2x128(t1, t3, 0x31).StoreUnsafe(ref dst, (nuint)(3 * dstStride));
    }

    // Unrolled so that the W rows stay in the 32 zmm registers through the log2(W) rounds.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose16(ref float src, nint srcStride, ref float dst, nint dstStride)
    {
        Vector512<int> lo = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        Vector512<int> hi = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        Vector512<float> a0 = Vector512.LoadUnsafe(ref src, (nuint)(0 * srcStride));
        Vector512<float> a1 = Vector512.LoadUnsafe(ref src, (nuint)(1 * srcStride));
        Vector512<float> a2 = Vector512.LoadUnsafe(ref src, (nuint)(2 * srcStride));
        Vector512<float> a3 = Vector512.LoadUnsafe(ref src, (nuint)(3 * srcStride));
        Vector512<float> a4 = Vector512.LoadUnsafe(ref src, (nuint)(4 * srcStride));
        Vector512<float> a5 = Vector512.LoadUnsafe(ref src, (nuint)(5 * srcStride));
        Vector512<float> a6 = Vector512.LoadUnsafe(ref src, (nuint)(6 * srcStride));
        Vector512<float> a7 = Vector512.LoadUnsafe(ref src, (nuint)(7 * srcStride));
        Vector512<float> a8 = Vector512.LoadUnsafe(ref src, (nuint)(8 * srcStride));
        Vector512<float> a9 = Vector512.LoadUnsafe(ref src, (nuint)(9 * srcStride));
        Vector512<float> a10 = Vector512.LoadUnsafe(ref src, (nuint)(10 * srcStride));
        Vector512<float> a11 = Vector512.LoadUnsafe(ref src, (nuint)(11 * srcStride));
        Vector512<float> a12 = Vector512.LoadUnsafe(ref src, (nuint)(12 * srcStride));
        Vector512<float> a13 = Vector512.LoadUnsafe(ref src, (nuint)(13 * srcStride));
        Vector512<float> a14 = Vector512.LoadUnsafe(ref src, (nuint)(14 * srcStride));
        Vector512<float> a15 = Vector512.LoadUnsafe(ref src, (nuint)(15 * srcStride));
        Vector512<float> b0 = Avx512F.PermuteVar16x32x2(a0, lo, a8);
        Vector512<float> b1 = Avx512F.PermuteVar16x32x2(a0, hi, a8);
        Vector512<float> b2 = Avx512F.PermuteVar16x32x2(a1, lo, a9);
        Vector512<float> b3 = Avx512F.PermuteVar16x32x2(a1, hi, a9);
        Vector512<float> b4 = Avx512F.PermuteVar16x32x2(a2, lo, a10);
        Vector512<float> b5 = Avx512F.PermuteVar16x32x2(a2, hi, a10);
        Vector512<float> b6 = Avx512F.PermuteVar16x32x2(a3, lo, a11);
        Vector512<float> b7 = Avx512F.PermuteVar16x32x2(a3, hi, a11);
        Vector512<float> b8 = Avx512F.PermuteVar16x32x2(a4, lo, a12);
        Vector512<float> b9 = Avx512F.PermuteVar16x32x2(a4, hi, a12);
        Vector512<float> b10 = Avx512F.PermuteVar16x32x2(a5, lo, a13);
        Vector512<float> b11 = Avx512F.PermuteVar16x32x2(a5, hi, a13);
        Vector512<float> b12 = Avx512F.PermuteVar16x32x2(a6, lo, a14);
        Vector512<float> b13 = Avx512F.PermuteVar16x32x2(a6, hi, a14);
        Vector512<float> b14 = Avx512F.PermuteVar16x32x2(a7, lo, a15);
        Vector512<float> b15 = Avx512F.PermuteVar16x32x2(a7, hi, a15);
        a0 = Avx512F.PermuteVar16x32x2(b0, lo, b8);
        a1 = Avx512F.PermuteVar16x32x2(b0, hi, b8);
        a2 = Avx512F.PermuteVar16x32x2(b1, lo, b9);
        a3 = Avx512F.PermuteVar16x32x2(b1, hi, b9);
        a4 = Avx512F.PermuteVar16x32x2(b2, lo, b10);
        a5 = Avx512F.PermuteVar16x32x2(b2, hi, b10);
        a6 = Avx512F.PermuteVar16x32x2(b3, lo, b11);
        a7 = Avx512F.PermuteVar16x32x2(b3, hi, b11);
        a8 = Avx512F.PermuteVar16x32x2(b4, lo, b12);
        a9 = Avx512F.PermuteVar16x32x2(b4, hi, b12);
        a10 = Avx512F.PermuteVar16x32x2(b5, lo, b13);
        a11 = Avx512F.PermuteVar16x32x2(b5, hi, b13);
        a12 = Avx512F.PermuteVar16x32x2(b6, lo, b14);
        a13 = Avx512F.PermuteVar16x32x2(b6, hi, b14);
        a14 = Avx512F.PermuteVar16x32x2(b7, lo, b15);
        a15 = Avx512F.PermuteVar16x32x2(b7, hi, b15);
        b0 = Avx512F.PermuteVar16x32x2(a0, lo, a8);
        b1 = Avx512F.PermuteVar16x32x2(a0, hi, a8);
        b2 = Avx512F.PermuteVar16x32x2(a1, lo, a9);
        b3 = Avx512F.PermuteVar16x32x2(a1, hi, a9);
        b4 = Avx512F.PermuteVar16x32x2(a2, lo, a10);
        b5 = Avx512F.PermuteVar16x32x2(a2, hi, a10);
        b6 = Avx512F.PermuteVar16x32x2(a3, lo, a11);
        b7 = Avx512F.PermuteVar16x32x2(a3, hi, a11);
        b8 = Avx512F.PermuteVar16x32x2(a4, lo, a12);
        b9 = Avx512F.PermuteVar16x32x2(a4, hi, a12);
        b10 = Avx512F.PermuteVar16x32x2(a5, lo, a13);
        b11 = Avx512F.PermuteVar16x32x2(a5, hi, a13);
        b12 = Avx512F.PermuteVar16x32x2(a6, lo, a14);
        b13 = Avx512F.PermuteVar16x32x2(a6, hi, a14);
        b14 = Avx512F.PermuteVar16x32x2(a7, lo, a15);
        b15 = Avx512F.PermuteVar16x32x2(a7, hi, a15);
        a0 = Avx512F.PermuteVar16x32x2(b0, lo, b8);
        a1 = Avx512F.PermuteVar16x32x2(b0, hi, b8);
        a2 = Avx512F.PermuteVar16x32x2(b1, lo, b9);
        a3 = Avx512F.PermuteVar16x32x2(b1, hi, b9);
        a4 = Avx512F.PermuteVar16x32x2(b2, lo, b10);
        a5 = Avx512F.PermuteVar16x32x2(b2, hi, b10);
        a6 = Avx512F.PermuteVar16x32x2(b3, lo, b11);
        a7 = Avx512F.PermuteVar16x32x2(b3, hi, b11);
        a8 = Avx512F.PermuteVar16x32x2(b4, lo, b12);
        a9 = Avx512F.PermuteVar16x32x2(b4, hi, b12);
        a10 = Avx512F.PermuteVar16x32x2(b5, lo, b13);
        a11 = Avx512F.PermuteVar16x32x2(b5, hi, b13);
        a12 = Avx512F.PermuteVar16x32x2(b6, lo, b14);
        a13 = Avx512F.PermuteVar16x32x2(b6, hi, b14);
        a14 = Avx512F.PermuteVar16x32x2(b7, lo, b15);
        a15 = Avx512F.PermuteVar16x32x2(b7, hi, b15);
        a0.StoreUnsafe(ref dst, (nuint)(0 * dstStride));
        a1.StoreUnsafe(ref dst, (nuint)(1 * dstStride));
        a2.StoreUnsafe(ref dst, (nuint)(2 * dstStride));
        a3.StoreUnsafe(ref dst, (nuint)(3 * dstStride));
        a4.StoreUnsafe(ref dst, (nuint)(4 * dstStride));
        a5.StoreUnsafe(ref dst, (nuint)(5 * dstStride));
        a6.StoreUnsafe(ref dst, (nuint)(6 * dstStride));
        a7.StoreUnsafe(ref dst, (nuint)(7 * dstStride));
        a8.StoreUnsafe(ref dst, (nuint)(8 * dstStride));
        a9.StoreUnsafe(ref dst, (nuint)(9 * dstStride));
        a10.StoreUnsafe(ref dst, (nuint)(10 * dstStride));
        a11.StoreUnsafe(ref dst, (nuint)(11 * dstStride));
        a12.StoreUnsafe(ref dst, (nuint)(12 * dstStride));
        a13.StoreUnsafe(ref dst, (nuint)(13 * dstStride));
        a14.StoreUnsafe(ref dst, (nuint)(14 * dstStride));
        a15.StoreUnsafe(ref dst, (nuint)(15 * dstStride));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose8(ref double src, nint srcStride, ref double dst, nint dstStride)
    {
        Vector512<long> lo = Vector512.Create(0L, 8, 1, 9, 2, 10, 3, 11);
        Vector512<long> hi = Vector512.Create(4L, 12, 5, 13, 6, 14, 7, 15);
        Vector512<double> a0 = Vector512.LoadUnsafe(ref src, (nuint)(0 * srcStride));
        Vector512<double> a1 = Vector512.LoadUnsafe(ref src, (nuint)(1 * srcStride));
        Vector512<double> a2 = Vector512.LoadUnsafe(ref src, (nuint)(2 * srcStride));
        Vector512<double> a3 = Vector512.LoadUnsafe(ref src, (nuint)(3 * srcStride));
        Vector512<double> a4 = Vector512.LoadUnsafe(ref src, (nuint)(4 * srcStride));
        Vector512<double> a5 = Vector512.LoadUnsafe(ref src, (nuint)(5 * srcStride));
        Vector512<double> a6 = Vector512.LoadUnsafe(ref src, (nuint)(6 * srcStride));
        Vector512<double> a7 = Vector512.LoadUnsafe(ref src, (nuint)(7 * srcStride));
        Vector512<double> b0 = Avx512F.PermuteVar8x64x2(a0, lo, a4);
        Vector512<double> b1 = Avx512F.PermuteVar8x64x2(a0, hi, a4);
        Vector512<double> b2 = Avx512F.PermuteVar8x64x2(a1, lo, a5);
        Vector512<double> b3 = Avx512F.PermuteVar8x64x2(a1, hi, a5);
        Vector512<double> b4 = Avx512F.PermuteVar8x64x2(a2, lo, a6);
        Vector512<double> b5 = Avx512F.PermuteVar8x64x2(a2, hi, a6);
        Vector512<double> b6 = Avx512F.PermuteVar8x64x2(a3, lo, a7);
        Vector512<double> b7 = Avx512F.PermuteVar8x64x2(a3, hi, a7);
        a0 = Avx512F.PermuteVar8x64x2(b0, lo, b4);
        a1 = Avx512F.PermuteVar8x64x2(b0, hi, b4);
        a2 = Avx512F.PermuteVar8x64x2(b1, lo, b5);
        a3 = Avx512F.PermuteVar8x64x2(b1, hi, b5);
        a4 = Avx512F.PermuteVar8x64x2(b2, lo, b6);
        a5 = Avx512F.PermuteVar8x64x2(b2, hi, b6);
        a6 = Avx512F.PermuteVar8x64x2(b3, lo, b7);
        a7 = Avx512F.PermuteVar8x64x2(b3, hi, b7);
        b0 = Avx512F.PermuteVar8x64x2(a0, lo, a4);
        b1 = Avx512F.PermuteVar8x64x2(a0, hi, a4);
        b2 = Avx512F.PermuteVar8x64x2(a1, lo, a5);
        b3 = Avx512F.PermuteVar8x64x2(a1, hi, a5);
        b4 = Avx512F.PermuteVar8x64x2(a2, lo, a6);
        b5 = Avx512F.PermuteVar8x64x2(a2, hi, a6);
        b6 = Avx512F.PermuteVar8x64x2(a3, lo, a7);
        b7 = Avx512F.PermuteVar8x64x2(a3, hi, a7);
        b0.StoreUnsafe(ref dst, (nuint)(0 * dstStride));
        b1.StoreUnsafe(ref dst, (nuint)(1 * dstStride));
        b2.StoreUnsafe(ref dst, (nuint)(2 * dstStride));
        b3.StoreUnsafe(ref dst, (nuint)(3 * dstStride));
        b4.StoreUnsafe(ref dst, (nuint)(4 * dstStride));
        b5.StoreUnsafe(ref dst, (nuint)(5 * dstStride));
        b6.StoreUnsafe(ref dst, (nuint)(6 * dstStride));
        b7.StoreUnsafe(ref dst, (nuint)(7 * dstStride));
    }
}
