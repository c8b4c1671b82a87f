using System.Numerics;

namespace OrthoProj.Cuda;

/// <summary>
/// The thin SVD of every matrix in workspace memory: U (m x kk, leading dimension m), s (kk,
/// descending), V (n x kk, leading dimension n), kk = min(m, n), with the devInfo per matrix still
/// on the device until <see cref="Check"/>.
/// </summary>
internal readonly record struct SvdFactors(nint U, long StrideU, nint S, nint V, long StrideV, int Kk, nint Info, int Count, string Routine)
{
    /// <summary>Reads back devInfo: a positive value (no convergence) or a negative one (bad argument) throws, naming the matrix.</summary>
    public void Check(CudaBackend.Ops ops)
    {
        string routine = Routine;
        ops.CheckInfo(Info, Count, 1, (index, value) => value > 0
            ? new SvdNotConvergedException(index, routine, value)
            : CudaQr.InvalidArgument(routine, index, value));
    }
}

/// <summary>
/// Pseudo-inverse through the SVD (gesvdjBatched for matrices up to 32 x 32, gesvd otherwise,
/// transposed for wide matrices since cuSOLVER's gesvd needs m &gt;= n), the threshold of
/// torch.linalg.pinv applied per matrix on the device, and the Golub-Pereyra backward in the CPU
/// backend's product order.
/// </summary>
internal static class CudaPinv
{
    /// <summary>Largest dimension gesvdjBatched accepts.</summary>
    private const int JacobiBatchedLimit = 32;

    public static PinvResult<T> Pinv<T>(CudaBackend.Ops ops, CudaMatrixBatch<T> a, RankTolerance tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = a.Rows, n = a.Cols, kk = Math.Min(m, n), count = a.Count;
        CudaMatrixBatch<T> x = ops.Alloc<T>(n, m, count, clear: true);
        try
        {
            if (kk == 0 || count == 0)
            {
                return new PinvResult<T>(x, new int[count]);
            }

            SvdFactors svd = Svd(ops, a);
            (nint rank, nint inv, _) = Threshold<T>(ops, svd, m, n, tolerance, count);

            // A+ = (V S^-1) U^T over all kk columns: the columns past the rank are exact zeros.
            ops.Launch<T>("scale_columns", (long)n * kk * count, svd.V, n, kk, svd.StrideV, inv, kk, count);
            ops.Gemm(false, true, n, m, kk, T.One, svd.V, n, svd.StrideV, svd.U, m, svd.StrideU, T.Zero, x.DevicePointer, n, (long)n * m, count);
            svd.Check(ops);
            return new PinvResult<T>(x, ops.ReadInts(rank, count));
        }
        catch
        {
            x.Dispose();
            throw;
        }
    }

    /// <summary>
    /// gA = -X^T G X^T + (I - A X) G^T X X^T + X^T X G^T (I - X A), with G^T X and X^T X (m x m)
    /// formed once, in the order of CpuPinv.Backward so that results agree to rounding.
    /// </summary>
    public static CudaMatrixBatch<T> Backward<T>(CudaBackend.Ops ops, CudaMatrixBatch<T> a, CudaMatrixBatch<T> x, CudaMatrixBatch<T> g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = a.Rows, n = a.Cols, count = a.Count;
        CudaMatrixBatch<T> result = ops.Alloc<T>(m, n, count, clear: m == 0 || n == 0);
        if (m == 0 || n == 0 || count == 0)
        {
            return result;
        }

        try
        {
            long mm = (long)m * m, mn = (long)m * n, nn = (long)n * n;
            nint pa = a.DevicePointer, px = x.DevicePointer, pg = g.DevicePointer, pr = result.DevicePointer;
            nint gtx = ops.Temp<T>(mm * count);
            nint xtx = ops.Temp<T>(mm * count);
            nint z = ops.Temp<T>(mn * count);
            nint xz = ops.Temp<T>(nn * count);
            nint w = ops.Temp<T>(mn * count);

            ops.Gemm(true, false, m, m, n, T.One, pg, n, mn, px, n, mn, T.Zero, gtx, m, mm, count);     // G^T X
            ops.Gemm(true, false, m, m, n, T.One, px, n, mn, px, n, mn, T.Zero, xtx, m, mm, count);     // X^T X

            // Term 1: -(G^T X)^T X^T.
            ops.Gemm(true, true, m, n, m, -T.One, gtx, m, mm, px, n, mn, T.Zero, pr, m, mn, count);

            // Term 2: (I - A X) Z with Z = (G^T X) X^T: Z - A (X Z).
            ops.Gemm(false, true, m, n, m, T.One, gtx, m, mm, px, n, mn, T.Zero, z, m, mn, count);
            ops.Gemm(false, false, n, n, m, T.One, px, n, mn, z, m, mn, T.Zero, xz, n, nn, count);
            ops.Gemm(false, false, m, n, n, -T.One, pa, m, mn, xz, n, nn, T.One, z, m, mn, count);
            ops.Axpy(checked((int)(mn * count)), T.One, z, pr);

            // Term 3: (X^T X) W with W = G^T - (G^T X) A.
            ops.Transpose<T>(pg, n, m, mn, w, mn, count);
            ops.Gemm(false, false, m, n, m, -T.One, gtx, m, mm, pa, m, mn, T.One, w, m, mn, count);
            ops.Gemm(false, false, m, n, m, T.One, xtx, m, mm, w, m, mn, T.One, pr, m, mn, count);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>The thin SVD of every matrix of <paramref name="a"/> (not modified), kk = min(m, n) &gt; 0.</summary>
    public static SvdFactors Svd<T>(CudaBackend.Ops ops, CudaMatrixBatch<T> a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = a.Rows, n = a.Cols, kk = Math.Min(m, n), count = a.Count;
        long mn = (long)m * n;
        nint work = ops.Temp<T>(mn * count);
        nint s = ops.Temp<T>((long)kk * count);
        nint info = ops.Temp<int>(count);
        ops.ClearInts(info, count);
        if (m <= JacobiBatchedLimit && n <= JacobiBatchedLimit)
        {
            // One call for the whole batch; U is m x m and V n x n, of which the first kk columns are used.
            nint u = ops.Temp<T>((long)m * m * count);
            nint v = ops.Temp<T>((long)n * n * count);
            ops.Copy<T>(a.DevicePointer, work, mn * count);
            ops.GesvdjBatched<T>(work, m, n, s, u, v, info, count);
            return new SvdFactors(u, (long)m * m, s, v, (long)n * n, kk, info, count, CudaSolver.Name<T>("gesvdjBatched"));
        }

        if (m >= n)
        {
            nint u = ops.Temp<T>(mn * count);
            nint vt = ops.Temp<T>((long)n * n * count);
            nint v = ops.Temp<T>((long)n * n * count);
            ops.Copy<T>(a.DevicePointer, work, mn * count);
            ops.Gesvd<T>(work, m, n, mn, s, u, mn, vt, (long)n * n, info, count);
            ops.Transpose<T>(vt, n, n, (long)n * n, v, (long)n * n, count);
            return new SvdFactors(u, mn, s, v, (long)n * n, kk, info, count, CudaSolver.Name<T>("gesvd"));
        }
        else
        {
            // A^T = U' S V'^T (n x m, n > m) gives A = V' S U'^T: U_A = V' = (V'^T)^T, V_A = U'.
            nint uPrime = ops.Temp<T>(mn * count);
            nint vtPrime = ops.Temp<T>((long)m * m * count);
            nint u = ops.Temp<T>((long)m * m * count);
            ops.Transpose<T>(a.DevicePointer, m, n, mn, work, mn, count);
            ops.Gesvd<T>(work, n, m, mn, s, uPrime, mn, vtPrime, (long)m * m, info, count);
            ops.Transpose<T>(vtPrime, m, m, (long)m * m, u, (long)m * m, count);
            return new SvdFactors(u, (long)m * m, s, uPrime, mn, kk, info, count, CudaSolver.Name<T>("gesvd"));
        }
    }

    /// <summary>
    /// torch.linalg.pinv's threshold per matrix on the device: the rank (int per matrix), 1 / s_l
    /// for kept values and 0 after (kk per matrix), and a 1/0 keep mask (kk per matrix).
    /// </summary>
    public static (nint Rank, nint InverseS, nint Keep) Threshold<T>(CudaBackend.Ops ops, SvdFactors svd, int m, int n, RankTolerance tolerance, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (double atol, double rtol) = tolerance.Resolve<T>(m, n);
        nint rank = ops.Temp<int>(count);
        nint inv = ops.Temp<T>((long)svd.Kk * count);
        nint keep = ops.Temp<T>((long)svd.Kk * count);
        ops.Launch<T>("svd_threshold", count, svd.S, svd.Kk, (long)svd.Kk, count, CudaBackend.Ops.Bits(atol), CudaBackend.Ops.Bits(rtol), 0L, rank, inv, keep);
        return (rank, inv, keep);
    }
}
