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
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Gather(HostMatrixBatch<T> source, int g, Span<TV> dst)
        {
            int w = TOps.Width;
            int first = g * w;
            int lanes = Math.Min(w, source.Count - first);
            int rows = source.Rows, cols = source.Cols, matLen = rows * cols;
            ReadOnlySpan<T> src = source.Span;
            Span<T> d = MemoryMarshal.Cast<TV, T>(dst[..matLen]);
            ref T dr = ref MemoryMarshal.GetReference(d);
            if (lanes < w)
            {
                d.Clear();
            }

            if (source.Layout == MatrixLayout.RowMajor && lanes == w && cols % w == 0 && LaneTranspose.Supports<TV, T>())
            {
                // Full group, rows of whole blocks: W lanes x W consecutive elements of row i (columns
                // j..j+W-1) transpose into the lane vectors of (i, j..j+W-1), which lie m vectors apart.
                ref T s0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(src), first * matLen);
                for (int i = 0; i < rows; i++)
                {
                    for (int j = 0; j < cols; j += w)
                    {
                        LaneTranspose.Transpose<TV, T>(ref Unsafe.Add(ref s0, (i * cols) + j), matLen, ref Unsafe.Add(ref dr, ((j * rows) + i) * w), rows * w);
                    }
                }

                return;
            }

            if (source.Layout == MatrixLayout.RowMajor)
            {
                for (int lane = 0; lane < lanes; lane++)
                {
                    ref T s = ref Unsafe.Add(ref MemoryMarshal.GetReference(src), (first + lane) * matLen);
                    for (int i = 0; i < rows; i++)
                    {
                        for (int j = 0; j < cols; j++)
                        {
                            Unsafe.Add(ref dr, (((j * rows) + i) * w) + lane) = Unsafe.Add(ref s, (i * cols) + j);
                        }
                    }
                }

                return;
            }

            int done = 0;
            if (lanes == w && LaneTranspose.Supports<TV, T>())
            {
                // Full group: W x W block transposes in registers, then the remainder element by element.
                ref T s0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(src), first * matLen);
                int blocks = matLen / w;
                for (int b = 0; b < blocks; b++)
                {
                    LaneTranspose.Transpose<TV, T>(ref Unsafe.Add(ref s0, b * w), matLen, ref Unsafe.Add(ref dr, b * w * w), w);
                }

                done = blocks * w;
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

        /// <summary>Copies the valid lanes of group <paramref name="g"/> back to the matrices of <paramref name="destination"/>, in its layout.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Scatter(Span<TV> src, HostMatrixBatch<T> destination, int g)
        {
            int w = TOps.Width;
            int first = g * w;
            int lanes = Math.Min(w, destination.Count - first);
            int rows = destination.Rows, cols = destination.Cols, matLen = rows * cols;
            Span<T> dst = destination.Span;
            ref T sr = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<TV, T>(src[..matLen]));
            if (destination.Layout == MatrixLayout.RowMajor && lanes == w && cols % w == 0 && LaneTranspose.Supports<TV, T>())
            {
                // The inverse of Gather's row-major blocks: the lane vectors of (i, j..j+W-1) into W rows of W elements.
                ref T d0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(dst), first * matLen);
                for (int i = 0; i < rows; i++)
                {
                    for (int j = 0; j < cols; j += w)
                    {
                        LaneTranspose.Transpose<TV, T>(ref Unsafe.Add(ref sr, ((j * rows) + i) * w), rows * w, ref Unsafe.Add(ref d0, (i * cols) + j), matLen);
                    }
                }

                return;
            }

            if (destination.Layout == MatrixLayout.RowMajor)
            {
                for (int lane = 0; lane < lanes; lane++)
                {
                    ref T d = ref Unsafe.Add(ref MemoryMarshal.GetReference(dst), (first + lane) * matLen);
                    for (int i = 0; i < rows; i++)
                    {
                        for (int j = 0; j < cols; j++)
                        {
                            Unsafe.Add(ref d, (i * cols) + j) = Unsafe.Add(ref sr, (((j * rows) + i) * w) + lane);
                        }
                    }
                }

                return;
            }

            int done = 0;
            if (lanes == w && LaneTranspose.Supports<TV, T>())
            {
                ref T d0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(dst), first * matLen);
                int blocks = matLen / w;
                for (int b = 0; b < blocks; b++)
                {
                    LaneTranspose.Transpose<TV, T>(ref Unsafe.Add(ref sr, b * w * w), w, ref Unsafe.Add(ref d0, b * w), matLen);
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
