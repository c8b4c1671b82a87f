using OrthoProj.Cuda;
using OrthoProj.Cuda.Kernels;

namespace OrthoProj;

public sealed partial class CudaBackend
{
    /// <summary>
    /// Scans every input of one call for NaN and infinities into the status word (two kernels per
    /// input, no wait), then, in <see cref="CudaErrorChecking.Synchronous"/> mode, reads the word
    /// back once for the whole call; in <see cref="CudaErrorChecking.Deferred"/> mode it stays on the
    /// device until the next host read, <see cref="CheckErrors"/> or Dispose. The exception is the
    /// one <see cref="Backend.CheckInput{T}"/> raises on the CPU: the first failing input, the first
    /// non-finite element in it, and its value. A complex batch is scanned as the reals it is made
    /// of (an element is non-finite where either part is): the first non-finite real names the
    /// element (its index halved) and is the value reported, its real part, or its imaginary part
    /// where only that one is not finite, as the CPU's NonFiniteScan.Value reports it.
    /// </summary>
    protected internal override void CheckFinite<T>(ReadOnlySpan<(MatrixBatch<T>? X, string Name)> inputs)
    {
        lock (gate)
        {
            using CudaDevice.ContextScope context = CudaDevice.Enter();
            Ops ops = Enter();
            foreach ((MatrixBatch<T>? x, string paramName) in inputs)
            {
                if (x is null || x.Length == 0)
                {
                    continue;
                }

                var batch = (CudaMatrixBatch<T>)x;
                (int rows, int cols, int count, MatrixLayout layout) = (x.Rows, x.Cols, x.Count, x.Layout);
                CudaStatus.Slot slot = ReserveCheck((found, bits) =>
                {
                    int index = (int.MaxValue - found) / Element<T>.Parts;
                    (int matrix, int row, int col) = Locate(rows, cols, layout, index);
                    return new NonFiniteInputException(paramName, matrix, row, col, PartOf<T>(bits));
                });
                if (!Element<T>.IsComplex)
                {
                    ops.Kernels.FindNonfinite(x.Length, batch.Ptr, x.Length, slot.Flag);
                    ops.Kernels.ReadFlagged(1, batch.Ptr, slot.Flag, slot.Value<T>());
                }
                else if (Element<T>.IsSingle)
                {
                    DevicePtr<float> reals = GeneralKernels.Reals<T, float>(batch.Ptr);
                    ops.Kernels.FindNonfinite(2L * x.Length, reals, RealCount(x), slot.Flag);
                    ops.Kernels.ReadFlagged(1, reals, slot.Flag, slot.Value<float>());
                }
                else
                {
                    DevicePtr<double> reals = GeneralKernels.Reals<T, double>(batch.Ptr);
                    ops.Kernels.FindNonfinite(2L * x.Length, reals, RealCount(x), slot.Flag);
                    ops.Kernels.ReadFlagged(1, reals, slot.Flag, slot.Value<double>());
                }
            }

            if (ErrorChecking == CudaErrorChecking.Synchronous && status.Read(Stream))
            {
                pool.FreeDeferred();   // the stream was waited for, nothing queued since
            }
        }
    }

    /// <inheritdoc/>
    protected internal override bool TryFindNonFinite<T>(MatrixBatch<T> x, out int index, out double value)
    {
        index = -1;
        value = 0;
        if (x.Length == 0)
        {
            return false;
        }

        var batch = (CudaMatrixBatch<T>)x;
        lock (gate)
        {
            using CudaDevice.ContextScope context = CudaDevice.Enter();
            Ops ops = Enter();
            DevicePtr<int> result = ops.Temp<int>(1);
            ops.Clear<int>(result, 1);
            if (!Element<T>.IsComplex)
            {
                ops.Kernels.FindNonfinite(x.Length, batch.Ptr, x.Length, result);
            }
            else if (Element<T>.IsSingle)
            {
                ops.Kernels.FindNonfinite(2L * x.Length, GeneralKernels.Reals<T, float>(batch.Ptr), RealCount(x), result);
            }
            else
            {
                ops.Kernels.FindNonfinite(2L * x.Length, GeneralKernels.Reals<T, double>(batch.Ptr), RealCount(x), result);
            }

            int found = ops.ReadElement<int>(result, 0);
            if (found == 0)
            {
                return false;
            }

            // For a complex batch, the first non-finite real: the element is its index halved, the
            // value that real (as the CPU's NonFiniteScan.Value reports it).
            int real = int.MaxValue - found;
            index = real / Element<T>.Parts;
            value = !Element<T>.IsComplex ? double.CreateTruncating(ops.ReadElement(batch.Ptr, index))
                : Element<T>.IsSingle ? ops.ReadElement(GeneralKernels.Reals<T, float>(batch.Ptr), real)
                : ops.ReadElement(GeneralKernels.Reals<T, double>(batch.Ptr), real);
            return true;
        }
    }

    /// <summary>
    /// Reserves the next slot of the status word for a check whose kernels the caller queues next on
    /// the backend's stream; <paramref name="error"/> turns the flag and value found into the
    /// exception, raised at the next status read. Call under the backend's lock (inside an operation).
    /// </summary>
    internal CudaStatus.Slot ReserveCheck(Func<int, long, Exception> error) => status.Reserve(Stream, error);

    /// <summary>
    /// Reads the pending checks back (a wait for the stream when any is pending), raising the first
    /// failing one: done before a stream-ordered host read, which waits anyway, so that earlier
    /// checks raise first, in call order. Call under the backend's lock (inside an operation).
    /// </summary>
    internal void ReadPendingChecks() => status.Read(Stream);

    /// <summary>The (matrix, row, column) of element <paramref name="index"/> of a batch of that shape (as <see cref="MatrixBatch{T}"/>'s Locate, without the batch, which may be gone by then).</summary>
    private static (int Matrix, int Row, int Col) Locate(int rows, int cols, MatrixLayout layout, int index)
    {
        int matrixLength = rows * cols;
        int matrix = matrixLength == 0 ? 0 : index / matrixLength;
        int within = matrixLength == 0 ? 0 : index % matrixLength;
        return layout == MatrixLayout.RowMajor
            ? (matrix, within / Math.Max(cols, 1), within % Math.Max(cols, 1))
            : (matrix, within % Math.Max(rows, 1), within / Math.Max(rows, 1));
    }

    /// <summary>The number of reals of a complex batch, as the int the non-finite scan takes.</summary>
    private static int RealCount<T>(MatrixBatch<T> x)
        where T : unmanaged, INumberBase<T> =>
        (long)x.Length * 2 <= int.MaxValue
            ? x.Length * 2
            : throw new NotSupportedException($"A complex CUDA batch of {x.Length} elements has more than int.MaxValue reals for the non-finite scan.");

    /// <summary>What a <c>read_flagged</c> kernel left in the status word: the element for a real batch, the flagged real (one part) for a complex one.</summary>
    private static double PartOf<T>(long bits)
        where T : unmanaged, INumberBase<T> =>
        !Element<T>.IsComplex ? ValueOf<T>(bits) : Element<T>.IsSingle ? ValueOf<float>(bits) : ValueOf<double>(bits);

    /// <summary>The element value a <c>read_flagged</c> kernel left in 8 bytes of the status word (a float in the first 4).</summary>
    private static unsafe double ValueOf<T>(long bits)
        where T : unmanaged, INumberBase<T> =>
        double.CreateTruncating(*(T*)&bits);
}
