using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrthoProj.Cpu.Batched;

internal static partial class Lanes<T, TV, TOps>
{
    /// <summary>
    /// Moving matrices between the caller's batches and the lane layout (the seam's Copy, in the lanes). A
    /// row-major batch is read and written in place in the same element loop (a row-major m x n matrix is a
    /// column-major n x m one read with the strides swapped), so the adapter's tensors never need a transposed copy.
    /// </summary>
    internal static class Layout
    {
        /// <summary>
        /// Copies the W matrices of group <paramref name="g"/> of <paramref name="source"/> into lane layout
        /// (element (i, j) of lane l at <c>(j * rows + i) * W + l</c>); lanes past the batch get zeros.
        /// </summary>
        public static void Gather(HostMatrixBatch<T> source, int g, Span<TV> dst)
        {
            if (LaneGroups.Lanes(g, source.Count, TOps.Width) < TOps.Width)
            {
                dst[..(source.Rows * source.Cols)].Clear();
            }

            Move(source, g, dst, gather: true);
        }

        /// <summary>Copies the valid lanes of group <paramref name="g"/> back to the matrices of <paramref name="destination"/>, in its layout.</summary>
        public static void Scatter(Span<TV> src, HostMatrixBatch<T> destination, int g) => Move(destination, g, src, gather: false);

        /// <summary>
        /// Gather (batch to lanes) or scatter (lanes to batch) of group g, both by the same walk: a full group
        /// by W x W block transposes in registers where <see cref="BlockTranspose"/> supports TV (a row-major
        /// batch's rows of whole blocks; a column-major batch's W consecutive elements, the remainder element by
        /// element), otherwise element by element, a row-major matrix read as a column-major one with the strides swapped.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Move(HostMatrixBatch<T> batch, int g, Span<TV> lanes, bool gather)
        {
            int w = TOps.Width, first = g * w, valid = LaneGroups.Lanes(g, batch.Count, w);
            int rows = batch.Rows, cols = batch.Cols, matLen = rows * cols;
            ref T b0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(batch.Span), first * matLen);
            ref T l0 = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<TV, T>(lanes[..matLen]));
            bool blocks = valid == w && BlockTranspose.Supports<TV, T>();
            if (batch.Layout == MatrixLayout.RowMajor)
            {
                if (blocks && cols % w == 0)
                {
                    // Rows of whole blocks: W lanes x W consecutive elements of row i (columns j..j+W-1)
                    // against the lane vectors of (i, j..j+W-1), which lie m vectors apart.
                    for (int i = 0; i < rows; i++)
                    {
                        for (int j = 0; j < cols; j += w)
                        {
                            Block(ref Unsafe.Add(ref b0, (i * cols) + j), matLen, ref Unsafe.Add(ref l0, ((j * rows) + i) * w), rows * w, gather);
                        }
                    }

                    return;
                }

                for (int lane = 0; lane < valid; lane++)
                {
                    Elements(ref Unsafe.Add(ref b0, lane * matLen), cols, 1, ref Unsafe.Add(ref l0, lane), w, rows * w, rows, cols, gather);
                }

                return;
            }

            int done = 0;
            if (blocks)
            {
                for (int b = 0; b < matLen / w; b++)
                {
                    Block(ref Unsafe.Add(ref b0, b * w), matLen, ref Unsafe.Add(ref l0, b * w * w), w, gather);
                }

                done = matLen / w * w;
            }

            for (int lane = 0; lane < valid; lane++)
            {
                Elements(ref Unsafe.Add(ref b0, (lane * matLen) + done), 0, 1, ref Unsafe.Add(ref l0, (done * w) + lane), 0, w, 1, matLen - done, gather);
            }
        }

        /// <summary>One W x W block transpose between the batch (rows <paramref name="bStride"/> apart) and the lanes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Block(ref T b, nint bStride, ref T l, nint lStride, bool gather)
        {
            if (gather)
            {
                BlockTranspose.Transpose<TV, T>(ref b, bStride, ref l, lStride);
            }
            else
            {
                BlockTranspose.Transpose<TV, T>(ref l, lStride, ref b, bStride);
            }
        }

        /// <summary>Element (i, j) at b[i bi + j bj] to or from l[i li + j lj], for i &lt; rows, j &lt; cols.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Elements(ref T b, nint bi, nint bj, ref T l, nint li, nint lj, int rows, int cols, bool gather)
        {
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < cols; j++)
                {
                    if (gather)
                    {
                        Unsafe.Add(ref l, (i * li) + (j * lj)) = Unsafe.Add(ref b, (i * bi) + (j * bj));
                    }
                    else
                    {
                        Unsafe.Add(ref b, (i * bi) + (j * bj)) = Unsafe.Add(ref l, (i * li) + (j * lj));
                    }
                }
            }
        }

        /// <summary>Gathers group <paramref name="g"/> of <paramref name="x"/>, or zeros when x is null (a cotangent not given).</summary>
        public static void GatherOrZeros(HostMatrixBatch<T>? x, int g, Span<TV> dst)
        {
            if (x is null)
            {
                dst.Clear();
            }
            else
            {
                Gather(x, g, dst);
            }
        }

        /// <summary>Lanes from <paramref name="lanes"/> on (past the batch, zeroed by Gather) become [I_n; 0], which factors to R = I, tau = 0.</summary>
        public static void PadWithIdentity(Span<TV> x, int rows, int cols, int lanes)
        {
            int w = TOps.Width;
            Span<T> xt = MemoryMarshal.Cast<TV, T>(x);
            for (int lane = lanes; lane < w; lane++)
            {
                for (int j = 0; j < cols; j++)
                {
                    xt[(((j * rows) + j) * w) + lane] = T.One;
                }
            }
        }
    }
}
