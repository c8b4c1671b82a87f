using System.Numerics;
using OrthoProj.Cuda.Kernels;
using OrthoProj.Native;

namespace OrthoProj.Cuda;

/// <summary>
/// QR forward (cuSOLVER geqrf + orgqr per matrix on the backend stream) and its backward (cuBLAS
/// gemmStridedBatched, the mirror_upper kernel and trsmBatched), with the formulas, the
/// power-of-two scaling (<see cref="PowerOfTwoScaling"/>, on the device: max_exponent and
/// scale_exp2) and the rank rule of the CPU backend's CpuQr.
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
                    ops.Kernels.SetIdentity(q.Length, q.Ptr, m, qCols, (long)m * qCols, count);
                }

                return new QrResult<T>(q, r);
            }

            // Factor 2^e A (same Q), then R = 2^-e R'; magnitude[b] = -e per matrix.
            long strideA = (long)m * n;
            DevicePtr<int> magnitude = MaxExponent(ops, a.Ptr, m, n, m, strideA, count);
            nint tau = ops.Temp<T>((long)k * count);
            nint info = ops.Temp<int>(2L * count);
            ops.ClearInts(info, 2L * count);
            if (thin)
            {
                // Q (m x n) has A's layout: factor in place, take R, then form Q over the reflectors.
                ops.Copy<T>(a.DevicePointer, q.DevicePointer, a.Length);
                ScaleExp2(ops, q.Ptr, m, n, m, strideA, magnitude, -1, DevicePtr<int>.Null, 0, count);
                ops.Geqrf<T>(q.DevicePointer, m, n, strideA, tau, info, count);
                ops.Kernels.ExtractUpper(r.Length, q.Ptr, m, n, strideA, r.Ptr, rRows, (long)rRows * n, count);
                ScaleExp2(ops, r.Ptr, rRows, n, rRows, (long)rRows * n, magnitude, 1, DevicePtr<int>.Null, 0, count);
                ops.Orgqr<T>(q.DevicePointer, m, k, k, strideA, tau, k, info + (4 * count), count);
            }
            else
            {
                // Q is m x m: factor a copy of A, take R (m x n), then form Q from the identity with
                // the k reflectors in its first k columns.
                DevicePtr<T> work = ops.Temp<T>(a.Length);
                ops.Copy<T>(a.DevicePointer, work, a.Length);
                ScaleExp2(ops, work, m, n, m, strideA, magnitude, -1, DevicePtr<int>.Null, 0, count);
                ops.Geqrf<T>(work, m, n, strideA, tau, info, count);
                ops.Kernels.ExtractUpper(r.Length, work, m, n, strideA, r.Ptr, rRows, (long)rRows * n, count);
                ScaleExp2(ops, r.Ptr, rRows, n, rRows, (long)rRows * n, magnitude, 1, DevicePtr<int>.Null, 0, count);
                ops.Kernels.SetIdentity(q.Length, q.Ptr, m, m, (long)m * m, count);
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
            // As CpuQr.Backward: gA(Q, R, gQ, gR) = 2^(e - f) gA(Q, 2^e R, 2^f gQ, 2^(f - e) gR), with
            // e bringing R to unit magnitude and f the larger of gQ and 2^-e gR. In magnitude
            // exponents (lr = -e, lc = -f): R' = 2^-lr R, gQ' = 2^-lc gQ, gR' = 2^(lr - lc) gR, and
            // gA = 2^(lc - lr) gA'.
            long strideR = (long)k * n, strideQ = (long)m * k;
            DevicePtr<int> lr = MaxExponent(ops, r.Ptr, k, n, k, strideR, count);
            DevicePtr<int> lc = ops.Temp<int>(count);
            if (gq is not null)
            {
                ops.Kernels.MaxExponent(count, gq.Ptr, m, k, m, strideQ, DevicePtr<int>.Null, 0, count, lc);
            }

            if (gr is not null)
            {
                ops.Kernels.MaxExponent(count, gr.Ptr, k, n, k, strideR, lr, gq is null ? 0 : 1, count, lc);
            }

            if (gq is null && gr is null)
            {
                ops.ClearInts(lc, count);   // gA = 0; exponent 0
            }

            DevicePtr<T> rs = ops.Temp<T>(strideR * count);
            ops.Copy<T>(r.DevicePointer, rs, strideR * count);
            ScaleExp2(ops, rs, k, n, k, strideR, lr, -1, DevicePtr<int>.Null, 0, count);
            DevicePtr<T> gqs = DevicePtr<T>.Null, grs = DevicePtr<T>.Null;
            if (gq is not null)
            {
                gqs = ops.Temp<T>(strideQ * count);
                ops.Copy<T>(gq.DevicePointer, gqs, strideQ * count);
                ScaleExp2(ops, gqs, m, k, m, strideQ, lc, -1, DevicePtr<int>.Null, 0, count);
            }

            if (gr is not null)
            {
                grs = ops.Temp<T>(strideR * count);
                ops.Copy<T>(gr.DevicePointer, grs, strideR * count);
                ScaleExp2(ops, grs, k, n, k, strideR, lr, 1, lc, -1, count);
            }

            // QrBackward's rank rule (CpuQr's): the leading k x k block of R' must have rank k under
            // the default RankTolerance, the QR-method projector's rule with rtol = eps * max(m, n).
            (double atol, double rtol) = default(RankTolerance).Resolve<T>(Math.Max(m, n), k);
            DevicePtr<int> rank = ops.Temp<int>(count);
            ops.Kernels.QrRank(count, rs, k, k, strideR, count, atol, rtol, rank, DevicePtr<int>.Null);

            long strideGa = (long)m * n;
            if (m >= n)
            {
                SquareRule<T>(ops, q.DevicePointer, rs, strideR, k, m, gqs, strideQ, grs, strideR, ga.DevicePointer, strideGa, count);
            }
            else
            {
                // Wide: A = [X | Y], R = [U | V], U = R[:, :m]. gX = square rule on
                // (gQ + Q (V gV^T), gU); gY = Q gV.
                int w = n - m;
                long mm = (long)m * m;
                nint g = gqs;
                if (g == 0)
                {
                    g = ops.Temp<T>(mm * count);
                    ops.Clear<T>(g, mm * count);
                }

                nint v = CudaBackend.Ops.Offset<T>(rs, mm);
                nint gv = grs == 0 ? 0 : CudaBackend.Ops.Offset<T>(grs, mm);
                if (grs != 0)
                {
                    nint vgvt = ops.Temp<T>(mm * count);
                    ops.Gemm(false, true, m, m, w, T.One, v, m, strideR, gv, m, strideR, T.Zero, vgvt, m, mm, count);
                    ops.Gemm(false, false, m, m, m, T.One, q.DevicePointer, m, mm, vgvt, m, mm, T.One, g, m, mm, count);
                }

                SquareRule<T>(ops, q.DevicePointer, rs, strideR, m, m, g, mm, grs, strideR, ga.DevicePointer, strideGa, count);
                if (grs != 0)
                {
                    ops.Gemm(false, false, m, w, m, T.One, q.DevicePointer, m, mm, gv, m, strideR, T.Zero, CudaBackend.Ops.Offset<T>(ga.DevicePointer, mm), m, strideGa, count);
                }
            }

            ScaleExp2(ops, ga.Ptr, m, n, m, strideGa, lr, -1, lc, 1, count);

            int[] ranks = ops.ReadInts(rank, count);
            int bad = Array.FindIndex(ranks, x => x < k);
            if (bad >= 0)
            {
                // The CPU's message: the rule once more on the host, on the scaled diagonal, reported unscaled.
                int e = -ops.ReadInts(lr, count)[bad];
                T[] factor = ops.ReadElements<T>(CudaBackend.Ops.Offset<T>(rs, bad * strideR), checked((int)strideR));
                _ = default(RankTolerance).QrRank<T>(factor, k + 1, Math.Max(m, n), k, out string detail, e);
                throw new RankDeficientException(bad, ranks[bad], m, n, detail, RankDeficientException.QrBackwardHint);
            }

            return ga;
        }
        catch
        {
            ga.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Per matrix, the magnitude exponent ilogb(max |x_b|) of a rows x cols block (leading dimension
    /// ld) into a new int workspace array (the max_exponent kernel; an all-zero matrix reads as 0).
    /// </summary>
    public static DevicePtr<int> MaxExponent<T>(CudaBackend.Ops ops, DevicePtr<T> x, int rows, int cols, int ld, long stride, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        DevicePtr<int> magnitude = ops.Temp<int>(count);
        ops.Kernels.MaxExponent(count, x, rows, cols, ld, stride, DevicePtr<int>.Null, 0, count, magnitude);
        return magnitude;
    }

    /// <summary>x_b = 2^(c1 e1[b] + c2 e2[b]) x_b exactly (the scale_exp2 kernel); a null array counts as 0.</summary>
    public static void ScaleExp2<T>(CudaBackend.Ops ops, DevicePtr<T> x, int rows, int cols, int ld, long stride, DevicePtr<int> e1, int c1, DevicePtr<int> e2, int c2, int count)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        ops.Kernels.ScaleExp2((long)rows * cols * count, x, rows, cols, ld, stride, e1, c1, e2, c2, count);

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
        DevicePtr<T> s = ops.Temp<T>(kk * count);
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

        ops.Kernels.MirrorUpper(kk * count, s, k, kk, count);
        ops.Gemm(false, false, m, k, k, T.One, q, m, mk, s, k, kk, T.One, c, m, strideC, count);
        unsafe
        {
            nint rArray = ops.PointerArray(r, strideR * sizeof(T), count);
            nint cArray = ops.PointerArray(c, strideC * sizeof(T), count);
            ops.TrsmBatched<T>(right: true, transR: true, m, k, rArray, k, cArray, m, count);
        }
    }
}
