using System.Numerics;
using OrthoProj.Native;

namespace OrthoProj.Cuda;

/// <summary>
/// QR forward (cuSOLVER geqrf + orgqr per matrix on the backend stream) and its backward (cuBLAS
/// gemmStridedBatched, the mirror_upper kernel and trsmBatched), with the formulas of the CPU
/// backend's CpuQr.
/// </summary>
internal static class CudaQr
{
    public static QrResult<T> Factor<T>(CudaBackend.Ops ops, CudaMatrixBatch<T> a, QrMode mode)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = a.Rows, n = a.Cols, k = Math.Min(m, n), count = a.Count;
        bool thin = mode == QrMode.Reduced && m >= n;
        int qCols = thin ? k : m, rRows = thin ? k : m;
        CudaMatrixBatch<T> q = ops.Alloc<T>(m, qCols, count, clear: k == 0);
        CudaMatrixBatch<T> r = ops.Alloc<T>(rRows, n, count, clear: k == 0);
        try
        {
            if (count == 0 || q.Length + r.Length == 0)
            {
                return new QrResult<T>(q, r);
            }

            if (k == 0)
            {
                // Nothing to factor: Q is the identity's first qCols columns, R is all zeros.
                if (q.Length > 0)
                {
                    ops.Launch<T>("set_identity", q.Length, q.DevicePointer, m, qCols, (long)m * qCols, count);
                }

                return new QrResult<T>(q, r);
            }

            long strideA = (long)m * n;
            nint tau = ops.Temp<T>((long)k * count);
            nint info = ops.Temp<int>(2L * count);
            ops.ClearInts(info, 2L * count);
            if (thin)
            {
                // Q (m x n) has A's layout: factor in place, take R, then form Q over the reflectors.
                ops.Copy<T>(a.DevicePointer, q.DevicePointer, a.Length);
                ops.Geqrf<T>(q.DevicePointer, m, n, strideA, tau, info, count);
                ops.Launch<T>("extract_upper", r.Length, q.DevicePointer, m, n, strideA, r.DevicePointer, rRows, (long)rRows * n, count);
                ops.Orgqr<T>(q.DevicePointer, m, k, k, strideA, tau, k, info + (4 * count), count);
            }
            else
            {
                // Q is m x m: factor a copy of A, take R (m x n), then form Q from the identity with
                // the k reflectors in its first k columns.
                nint work = ops.Temp<T>(a.Length);
                ops.Copy<T>(a.DevicePointer, work, a.Length);
                ops.Geqrf<T>(work, m, n, strideA, tau, info, count);
                ops.Launch<T>("extract_upper", r.Length, work, m, n, strideA, r.DevicePointer, rRows, (long)rRows * n, count);
                ops.Launch<T>("set_identity", q.Length, q.DevicePointer, m, m, (long)m * m, count);
                ops.CopyStrided<T>(work, strideA, q.DevicePointer, (long)m * m, m * k, count);
                ops.Orgqr<T>(q.DevicePointer, m, m, k, (long)m * m, tau, k, info + (4 * count), count);
            }

            ops.CheckInfo(info, 2 * count, 1, (index, value) => index < count
                ? InvalidArgument(CudaSolver.Name<T>("geqrf"), index, value)
                : InvalidArgument(CudaSolver.Name<T>("orgqr"), index - count, value));
            return new QrResult<T>(q, r);
        }
        catch
        {
            q.Dispose();
            r.Dispose();
            throw;
        }
    }

    public static CudaMatrixBatch<T> Backward<T>(CudaBackend.Ops ops, CudaMatrixBatch<T> q, CudaMatrixBatch<T> r, CudaMatrixBatch<T>? gq, CudaMatrixBatch<T>? gr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = q.Rows, n = r.Cols, k = q.Cols, count = q.Count;
        CudaMatrixBatch<T> ga = ops.Alloc<T>(m, n, count, clear: true);
        if (k == 0 || count == 0)
        {
            return ga;
        }

        try
        {
            // R^-T must exist: the first matrix with an exact zero on R's diagonal is an error, as on
            // the CPU. Checked on the device now, read back after the work is queued.
            long strideR = (long)k * n;
            nint diag = ops.Temp<int>(2L * count);
            ops.Launch<T>("qr_diag_check", count, r.DevicePointer, k, k, strideR, count, diag);

            long strideGa = (long)m * n;
            if (m >= n)
            {
                SquareRule<T>(ops, q.DevicePointer, r.DevicePointer, strideR, k, m, gq?.DevicePointer ?? 0, (long)m * k, gr?.DevicePointer ?? 0, strideR, ga.DevicePointer, strideGa, count);
            }
            else
            {
                // Wide: A = [X | Y], R = [U | V], U = R[:, :m]. gX = square rule on
                // (gQ + Q (V gV^T), gU); gY = Q gV.
                int w = n - m;
                long mm = (long)m * m;
                nint g = ops.Temp<T>(mm * count);
                if (gq is not null)
                {
                    ops.Copy<T>(gq.DevicePointer, g, mm * count);
                }
                else
                {
                    ops.Clear<T>(g, mm * count);
                }

                nint v = CudaBackend.Ops.Offset<T>(r.DevicePointer, mm);
                nint gv = gr is null ? 0 : CudaBackend.Ops.Offset<T>(gr.DevicePointer, mm);
                if (gr is not null)
                {
                    nint vgvt = ops.Temp<T>(mm * count);
                    ops.Gemm(false, true, m, m, w, T.One, v, m, strideR, gv, m, strideR, T.Zero, vgvt, m, mm, count);
                    ops.Gemm(false, false, m, m, m, T.One, q.DevicePointer, m, mm, vgvt, m, mm, T.One, g, m, mm, count);
                }

                SquareRule<T>(ops, q.DevicePointer, r.DevicePointer, strideR, m, m, g, mm, gr?.DevicePointer ?? 0, strideR, ga.DevicePointer, strideGa, count);
                if (gr is not null)
                {
                    ops.Gemm(false, false, m, w, m, T.One, q.DevicePointer, m, mm, gv, m, strideR, T.Zero, CudaBackend.Ops.Offset<T>(ga.DevicePointer, mm), m, strideGa, count);
                }
            }

            ops.CheckInfo(diag, count, 2, (index, zeroColumnPlusOne) =>
            {
                int rank = ops.ReadInt(diag + (nint)(4L * ((2L * index) + 1)));
                int zero = zeroColumnPlusOne - 1;
                return new RankDeficientException(index, rank, m, n, $"R[{zero},{zero}] = 0, so R^-T does not exist");
            });
            return ga;
        }
        catch
        {
            ga.Dispose();
            throw;
        }
    }

    /// <summary>A devInfo &lt; 0: cuSOLVER rejected an argument (a bug in the caller, never a property of the data).</summary>
    public static CudaException InvalidArgument(string routine, int matrix, int info) =>
        new(CudaComponent.Cusolver, routine, info, "devInfo < 0", $"argument {-info} was rejected for matrix {matrix} of the batch");

    /// <summary>
    /// gA = (gQ + Q S) R^-T with M = gR R^T - Q^T gQ and S its upper triangle mirrored to the lower,
    /// for Q m x k and R k x k (leading dimension k); a null gQ or gR counts as zero. C (leading
    /// dimension m, stride <paramref name="strideC"/>) must hold zeros on entry.
    /// </summary>
    private static void SquareRule<T>(CudaBackend.Ops ops, nint q, nint r, long strideR, int k, int m, nint gq, long strideGq, nint gr, long strideGr, nint c, long strideC, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long kk = (long)k * k, mk = (long)m * k;
        nint s = ops.Temp<T>(kk * count);
        if (gr != 0)
        {
            ops.Gemm(false, true, k, k, k, T.One, gr, k, strideGr, r, k, strideR, T.Zero, s, k, kk, count);
        }
        else
        {
            ops.Clear<T>(s, kk * count);
        }

        if (gq != 0)
        {
            ops.Gemm(true, false, k, k, m, -T.One, q, m, mk, gq, m, strideGq, T.One, s, k, kk, count);
            ops.CopyStrided<T>(gq, strideGq, c, strideC, m * k, count);
        }

        ops.Launch<T>("mirror_upper", kk * count, s, k, kk, count);
        ops.Gemm(false, false, m, k, k, T.One, q, m, mk, s, k, kk, T.One, c, m, strideC, count);
        unsafe
        {
            nint rArray = ops.PointerArray(r, strideR * sizeof(T), count);
            nint cArray = ops.PointerArray(c, strideC * sizeof(T), count);
            ops.TrsmBatched<T>(right: true, transR: true, m, k, rArray, k, cArray, m, count);
        }
    }
}
