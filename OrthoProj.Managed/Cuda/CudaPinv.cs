using System.Numerics;
using OrthoProj.Cuda.Kernels;

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

            // The SVD of 2^e A (PowerOfTwoScaling; magnitude[b] = -e), the threshold in the same
            // units, and A+ = 2^e (2^e A)+, exactly.
            DevicePtr<int> magnitude = CudaQr.MaxExponent(ops, a.Ptr, m, n, m, (long)m * n, count);
            SvdFactors svd = Svd(ops, a, magnitude);
            (DevicePtr<int> rank, DevicePtr<T> inv, _) = Threshold<T>(ops, svd, m, n, tolerance, count, magnitude);

            // A+ = (V S^-1) U^T over all kk columns: the columns past the rank are exact zeros.
            ops.Kernels.ScaleColumns((long)n * kk * count, new DevicePtr<T>(svd.V), n, kk, svd.StrideV, inv, kk, count);
            ops.Gemm(false, true, n, m, kk, T.One, svd.V, n, svd.StrideV, svd.U, m, svd.StrideU, T.Zero, x.DevicePointer, n, (long)n * m, count);
            CudaQr.ScaleExp2(ops, x.Ptr, n, m, n, (long)n * m, magnitude, -1, DevicePtr<int>.Null, 0, count);
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
    /// gA = -X^T G X^T + (I - A X) G^T X X^T + X^T X G^T (I - X A), in the order of
    /// CpuPinv.Backward (every temporary min(m, n) x min(m, n): X X^T, G X^T, X A for m &gt;= n;
    /// X^T X, G^T X, A X for m &lt; n) and with its scaling: gA(A, X, G) = 2^(2e - f)
    /// gA(2^e A, 2^-e X, 2^f G), e and f bringing A and G to unit magnitude.
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
            long mn = (long)m * n;
            DevicePtr<int> la = CudaQr.MaxExponent(ops, a.Ptr, m, n, m, mn, count);
            DevicePtr<int> lg = CudaQr.MaxExponent(ops, g.Ptr, n, m, n, mn, count);
            DevicePtr<T> pa = ops.Temp<T>(mn * count), px = ops.Temp<T>(mn * count), pg = ops.Temp<T>(mn * count);
            ops.Copy<T>(a.DevicePointer, pa, mn * count);
            ops.Copy<T>(x.DevicePointer, px, mn * count);
            ops.Copy<T>(g.DevicePointer, pg, mn * count);
            CudaQr.ScaleExp2(ops, pa, m, n, m, mn, la, -1, DevicePtr<int>.Null, 0, count);    // 2^e A
            CudaQr.ScaleExp2(ops, px, n, m, n, mn, la, 1, DevicePtr<int>.Null, 0, count);     // 2^-e X
            CudaQr.ScaleExp2(ops, pg, n, m, n, mn, lg, -1, DevicePtr<int>.Null, 0, count);    // 2^f G
            if (m >= n)
            {
                TallBackward<T>(ops, pa, px, pg, result.DevicePointer, m, n, count);
            }
            else
            {
                WideBackward<T>(ops, pa, px, pg, result.DevicePointer, m, n, count);
            }

            CudaQr.ScaleExp2(ops, result.Ptr, m, n, m, mn, la, -2, lg, 1, count);   // 2^(2e - f)
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>m &gt;= n (CpuPinv.TallBackward): A m x n, X and G n x m; temporaries n x n.</summary>
    private static void TallBackward<T>(CudaBackend.Ops ops, nint pa, nint px, nint pg, nint pr, int m, int n, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long mn = (long)m * n, nn = (long)n * n;
        nint gxt = ops.Temp<T>(nn * count);
        nint xxt = ops.Temp<T>(nn * count);
        nint xa = ops.Temp<T>(nn * count);
        nint t = ops.Temp<T>(nn * count);
        nint z = ops.Temp<T>(mn * count);

        // Term 1: -X^T (G X^T).
        ops.Gemm(false, true, n, n, m, T.One, pg, n, mn, px, n, mn, T.Zero, gxt, n, nn, count);
        ops.Gemm(true, false, m, n, n, -T.One, px, n, mn, gxt, n, nn, T.Zero, pr, m, mn, count);

        // Term 2: (I - A X) Z with Z = G^T (X X^T): Z - A (X Z).
        ops.Gemm(false, true, n, n, m, T.One, px, n, mn, px, n, mn, T.Zero, xxt, n, nn, count);
        ops.Gemm(true, false, m, n, n, T.One, pg, n, mn, xxt, n, nn, T.Zero, z, m, mn, count);
        ops.Gemm(false, false, n, n, m, T.One, px, n, mn, z, m, mn, T.Zero, t, n, nn, count);
        ops.Gemm(false, false, m, n, n, -T.One, pa, m, mn, t, n, nn, T.One, z, m, mn, count);
        ops.Axpy(checked((int)(mn * count)), T.One, z, pr);

        // Term 3: X^T (X W) with W = G^T (I - X A) = G^T - G^T (X A).
        ops.Gemm(false, false, n, n, m, T.One, px, n, mn, pa, m, mn, T.Zero, xa, n, nn, count);
        ops.Transpose<T>(pg, n, m, mn, z, mn, count);
        ops.Gemm(true, false, m, n, n, -T.One, pg, n, mn, xa, n, nn, T.One, z, m, mn, count);
        ops.Gemm(false, false, n, n, m, T.One, px, n, mn, z, m, mn, T.Zero, t, n, nn, count);
        ops.Gemm(true, false, m, n, n, T.One, px, n, mn, t, n, nn, T.One, pr, m, mn, count);
    }

    /// <summary>m &lt; n (CpuPinv.WideBackward): temporaries m x m.</summary>
    private static void WideBackward<T>(CudaBackend.Ops ops, nint pa, nint px, nint pg, nint pr, int m, int n, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long mm = (long)m * m, mn = (long)m * n;
        nint gtx = ops.Temp<T>(mm * count);
        nint ax = ops.Temp<T>(mm * count);
        nint xtx = ops.Temp<T>(mm * count);
        nint z = ops.Temp<T>(mn * count);
        nint w = ops.Temp<T>(mn * count);

        // Term 1: -(G^T X)^T X^T.
        ops.Gemm(true, false, m, m, n, T.One, pg, n, mn, px, n, mn, T.Zero, gtx, m, mm, count);
        ops.Gemm(true, true, m, n, m, -T.One, gtx, m, mm, px, n, mn, T.Zero, pr, m, mn, count);

        // Term 2: (I - A X) Z with Z = (G^T X) X^T: Z - (A X) Z.
        ops.Gemm(false, true, m, n, m, T.One, gtx, m, mm, px, n, mn, T.Zero, z, m, mn, count);
        ops.Gemm(false, false, m, m, n, T.One, pa, m, mn, px, n, mn, T.Zero, ax, m, mm, count);
        ops.Gemm(false, false, m, n, m, T.One, ax, m, mm, z, m, mn, T.Zero, w, m, mn, count);
        ops.Axpy(checked((int)(mn * count)), -T.One, w, z);
        ops.Axpy(checked((int)(mn * count)), T.One, z, pr);

        // Term 3: (X^T X) W with W = G^T - (G^T X) A.
        ops.Gemm(true, false, m, m, n, T.One, px, n, mn, px, n, mn, T.Zero, xtx, m, mm, count);
        ops.Transpose<T>(pg, n, m, mn, w, mn, count);
        ops.Gemm(false, false, m, n, m, -T.One, gtx, m, mm, pa, m, mn, T.One, w, m, mn, count);
        ops.Gemm(false, false, m, n, m, T.One, xtx, m, mm, w, m, mn, T.One, pr, m, mn, count);
    }

    /// <summary>
    /// The thin SVD of every matrix of <paramref name="a"/> (not modified), kk = min(m, n) &gt; 0.
    /// With <paramref name="magnitude"/> (max_exponent's per-matrix exponents, see
    /// <see cref="CudaQr.MaxExponent{T}"/>) it is the SVD of 2^e A, e = -magnitude[b]: the same U
    /// and V, singular values 2^e times A's.
    /// </summary>
    public static SvdFactors Svd<T>(CudaBackend.Ops ops, CudaMatrixBatch<T> a, DevicePtr<int> magnitude = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = a.Rows, n = a.Cols, kk = Math.Min(m, n), count = a.Count;
        long mn = (long)m * n;
        DevicePtr<T> work = ops.Temp<T>(mn * count);
        nint s = ops.Temp<T>((long)kk * count);
        nint info = ops.Temp<int>(count);
        ops.ClearInts(info, count);
        if (m <= JacobiBatchedLimit && n <= JacobiBatchedLimit)
        {
            // One call for the whole batch; U is m x m and V n x n, of which the first kk columns are used.
            nint u = ops.Temp<T>((long)m * m * count);
            nint v = ops.Temp<T>((long)n * n * count);
            ops.Copy<T>(a.DevicePointer, work, mn * count);
            ScaleWork<T>(ops, work, mn, magnitude, count);
            ops.GesvdjBatched<T>(work, m, n, s, u, v, info, count);
            return new SvdFactors(u, (long)m * m, s, v, (long)n * n, kk, info, count, CudaSolver.Name<T>("gesvdjBatched"));
        }

        if (m >= n)
        {
            nint u = ops.Temp<T>(mn * count);
            nint vt = ops.Temp<T>((long)n * n * count);
            nint v = ops.Temp<T>((long)n * n * count);
            ops.Copy<T>(a.DevicePointer, work, mn * count);
            ScaleWork<T>(ops, work, mn, magnitude, count);
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
            ScaleWork<T>(ops, work, mn, magnitude, count);
            ops.Gesvd<T>(work, n, m, mn, s, uPrime, mn, vtPrime, (long)m * m, info, count);
            ops.Transpose<T>(vtPrime, m, m, (long)m * m, u, (long)m * m, count);
            return new SvdFactors(u, (long)m * m, s, uPrime, mn, kk, info, count, CudaSolver.Name<T>("gesvd"));
        }
    }

    /// <summary>Scales each matrix (mn elements) of the SVD's working copy by 2^-magnitude[b], when given.</summary>
    private static void ScaleWork<T>(CudaBackend.Ops ops, DevicePtr<T> work, long mn, DevicePtr<int> magnitude, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (magnitude.Address != 0)
        {
            CudaQr.ScaleExp2(ops, work, checked((int)mn), 1, checked((int)mn), mn, magnitude, -1, DevicePtr<int>.Null, 0, count);
        }
    }

    /// <summary>
    /// torch.linalg.pinv's threshold per matrix on the device: the rank (int per matrix), 1 / s_l
    /// for kept values and 0 after (kk per matrix), and a 1/0 keep mask (kk per matrix).
    /// </summary>
    /// <remarks>
    /// For the SVD of 2^e A (<see cref="Svd{T}"/> with <paramref name="magnitude"/>), pass the same
    /// <paramref name="magnitude"/>: atol is then compared as atol * 2^e, RankTolerance.Threshold's rule.
    /// </remarks>
    public static (DevicePtr<int> Rank, DevicePtr<T> InverseS, DevicePtr<T> Keep) Threshold<T>(CudaBackend.Ops ops, SvdFactors svd, int m, int n, RankTolerance tolerance, int count, DevicePtr<int> magnitude = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (double atol, double rtol) = tolerance.Resolve<T>(m, n);
        DevicePtr<int> rank = ops.Temp<int>(count);
        DevicePtr<T> inv = ops.Temp<T>((long)svd.Kk * count);
        DevicePtr<T> keep = ops.Temp<T>((long)svd.Kk * count);
        ops.Kernels.SvdThreshold(count, new DevicePtr<T>(svd.S), svd.Kk, (long)svd.Kk, count, atol, rtol, rank, inv, keep, magnitude);
        return (rank, inv, keep);
    }
}
