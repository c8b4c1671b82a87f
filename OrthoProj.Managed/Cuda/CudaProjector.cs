using System.Globalization;
using System.Numerics;
using OrthoProj.Native;

namespace OrthoProj.Cuda;

/// <summary>
/// The projector on CUDA, with the CPU backend's factor abstraction: P = U U^T and A+ = W U^T for
/// a basis U (m x r) and an operator W (n x r). Under QR (geqrf + orgqr), U = Q and W = R^-1,
/// applied by trsmBatched and never formed; under SVD (see <see cref="CudaPinv.Svd{T}"/>), U = U_r
/// and W = V_r S_r^-1. Ranks differ between matrices of a batch, so the SVD factors keep all
/// r = min(m, n) columns with the columns past each matrix's rank set to exact zeros: every product
/// over r columns then equals the truncated one and the whole batch runs as one strided-batched
/// cuBLAS call. Every operation and backward follows CpuProjector's formulas in its order.
/// </summary>
internal sealed class CudaProjector<T> : Projector<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly CudaBackend backend;
    private readonly int basis;                  // r: columns of U and W
    private readonly DeviceBuffer<T> u;          // m x r per matrix (empty when Q is kept as reflectors)
    private readonly DeviceBuffer<T>? reflectors; // QR of large matrices: geqrf's output, Q applied by ormqr
    private readonly DeviceBuffer<T>? tau;       // their scalars, n per matrix
    private readonly DeviceBuffer<T>? r;         // QR: R, n x n per matrix (W = R^-1)
    private readonly DeviceBuffer<ulong>? rPointers; // QR: device pointers to each R, for trsmBatched
    private readonly DeviceBuffer<T>? w;         // SVD: V_r S_r^-1, n x r, zero past the rank
    private readonly DeviceBuffer<T>? v;         // SVD: V_r, n x r, zero past the rank
    private readonly DeviceBuffer<int>? rankOnDevice; // SVD: rank per matrix
    private readonly bool anyRankDeficient;

    private CudaProjector(CudaBackend backend, int m, int n, int count, ProjectorMethod method, int[] rank, int basis, DeviceBuffer<T> u, DeviceBuffer<T>? r, DeviceBuffer<ulong>? rPointers, DeviceBuffer<T>? w, DeviceBuffer<T>? v, DeviceBuffer<int>? rankOnDevice, DeviceBuffer<T>? reflectors = null, DeviceBuffer<T>? tau = null)
        : base(backend, m, n, count, method, rank)
    {
        this.reflectors = reflectors;
        this.tau = tau;
        this.backend = backend;
        this.basis = basis;
        this.u = u;
        this.r = r;
        this.rPointers = rPointers;
        this.w = w;
        this.v = v;
        this.rankOnDevice = rankOnDevice;
        anyRankDeficient = Array.Exists(rank, x => x < n);
    }

    /// <summary>
    /// From this many elements per matrix on, the QR method keeps Q as geqrf's reflectors and
    /// applies it with ormqr instead of forming it with orgqr: for large matrices that halves the
    /// factorization's cost (orgqr costs about as much as geqrf) and each application is O(m n p).
    /// Small matrices keep an explicit Q, so every application is one batched gemm over the whole batch.
    /// </summary>
    internal const long ReflectorMinElements = 65536;

    private long Mr => (long)Rows * basis;

    private long Nr => (long)Cols * basis;

    public static CudaProjector<T> Create(CudaBackend backend, CudaBackend.Ops ops, CudaMatrixBatch<T> a, ProjectorMethod method, RankTolerance tolerance) =>
        method == ProjectorMethod.Qr ? FromQr(backend, ops, a, tolerance) : FromSvd(backend, ops, a, tolerance);

    protected override MatrixBatch<T> ProjectCore(MatrixBatch<T> y) => backend.Run(ops =>
    {
        int p = y.Cols;
        CudaMatrixBatch<T> z = ops.Alloc<T>(Rows, p, Count);
        return Guard(ops, [z], () =>
        {
            nint c = BasisTransposeTimes(ops, Ptr(y), p);
            BasisTimes(ops, c, p, z.DevicePointer, T.One, T.Zero);
        });
    });

    protected override MatrixBatch<T> ResidualCore(MatrixBatch<T> y) => backend.Run(ops =>
    {
        CudaMatrixBatch<T> e = ops.Alloc<T>(Rows, y.Cols, Count);
        return Guard(ops, [e], () => Residual(ops, Ptr(y), y.Cols, e.DevicePointer));
    });

    protected override MatrixBatch<T> MatrixCore() => backend.Run(ops =>
    {
        CudaMatrixBatch<T> p = ops.Alloc<T>(Rows, Rows, Count);
        return Guard(ops, [p], () =>
        {
            nint basisU = Basis(ops);
            ops.Gemm(false, true, Rows, Rows, basis, T.One, basisU, Rows, Mr, basisU, Rows, Mr, T.Zero, p.DevicePointer, Rows, (long)Rows * Rows, Count);
        });
    });

    protected override MatrixBatch<T> SolveCore(MatrixBatch<T> y) => backend.Run(ops =>
    {
        int p = y.Cols;
        CudaMatrixBatch<T> x = ops.Alloc<T>(Cols, p, Count);
        return Guard(ops, [x], () => ApplyW(ops, BasisTransposeTimes(ops, Ptr(y), p), p, x.DevicePointer));
    });

    protected override ProjectorGradients<T> ProjectBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradZ) => Gradients(y, (ops, p, ga, gy) =>
    {
        // gy = P gz; gA = (I - P) gz x^T + r u^T, x = A+ y, r = (I - P) y, u = A+ gz.
        (nint x, nint res) = SolutionAndResidual(ops, Ptr(y), p);
        nint cg = BasisTransposeTimes(ops, Ptr(gradZ), p);
        BasisTimes(ops, cg, p, gy, T.One, T.Zero);
        nint uu = ops.Temp<T>((long)Cols * p * Count);
        ApplyW(ops, cg, p, uu);
        nint rg = ops.Temp<T>((long)Rows * p * Count);
        ops.Copy<T>(Ptr(gradZ), rg, (long)Rows * p * Count);
        ops.Axpy(Rows * p * Count, -T.One, gy, rg);
        OuterProducts(ops, p, ga, T.One, rg, x, T.One, res, uu);
    });

    protected override ProjectorGradients<T> ResidualBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradE) => Gradients(y, (ops, p, ga, gy) =>
    {
        // gy = (I - P) ge; gA = -[(I - P) ge x^T + r (A+ ge)^T].
        (nint x, nint res) = SolutionAndResidual(ops, Ptr(y), p);
        nint cg = BasisTransposeTimes(ops, Ptr(gradE), p);
        nint ucg = ops.Temp<T>((long)Rows * p * Count);
        BasisTimes(ops, cg, p, ucg, T.One, T.Zero);
        ops.Copy<T>(Ptr(gradE), gy, (long)Rows * p * Count);
        ops.Axpy(Rows * p * Count, -T.One, ucg, gy);
        nint uu = ops.Temp<T>((long)Cols * p * Count);
        ApplyW(ops, cg, p, uu);
        OuterProducts(ops, p, ga, -T.One, gy, x, -T.One, res, uu);
    });

    protected override MatrixBatch<T> MatrixBackwardCore(MatrixBatch<T> gradP) => backend.Run(ops =>
    {
        // gA = (I - P)(gP + gP^T) A+^T = [(I - P) S U] W^T, S = gP + gP^T, formed as (W t^T)^T.
        int m = Rows, n = Cols;
        long mm = (long)m * m;
        CudaMatrixBatch<T> result = ops.Alloc<T>(m, n, Count);
        return Guard(ops, [result], () =>
        {
            nint s = ops.Temp<T>(mm * Count);
            ops.Launch<T>("symmetrize_sum", mm * Count, Ptr(gradP), s, m, mm, Count);
            nint su = ops.Temp<T>(Mr * Count);
            ops.Gemm(false, false, m, basis, m, T.One, s, m, mm, Basis(ops), m, Mr, T.Zero, su, m, Mr, Count);
            nint c = BasisTransposeTimes(ops, su, basis);
            nint psu = ops.Temp<T>(Mr * Count);
            BasisTimes(ops, c, basis, psu, T.One, T.Zero);
            ops.Axpy(checked((int)(Mr * Count)), -T.One, psu, su);          // t = S U - P S U, in place
            nint tt = ops.Temp<T>(Mr * Count);
            ops.Transpose<T>(su, m, basis, Mr, tt, Mr, Count);
            nint wt = ops.Temp<T>((long)n * m * Count);
            ApplyW(ops, tt, m, wt);
            ops.Transpose<T>(wt, n, m, (long)n * m, result.DevicePointer, (long)m * n, Count);
        });
    });

    protected override ProjectorGradients<T> SolveBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradX) => Gradients(y, (ops, p, ga, gy) =>
    {
        // w = A+^T gx = U (W^T gx); v = W (W^T gx); gy = w;
        // gA = -w x^T + r v^T + (A+^T x) ((I - A+ A) gx)^T, the last term only where rank < n.
        int m = Rows, n = Cols;
        long np = (long)n * p, rp = (long)basis * p, mp = (long)m * p;
        (nint x, nint res) = SolutionAndResidual(ops, Ptr(y), p);
        nint wtg = ops.Temp<T>(rp * Count);
        ApplyWTransposed(ops, Ptr(gradX), p, wtg);
        BasisTimes(ops, wtg, p, gy, T.One, T.Zero);
        nint vv = ops.Temp<T>(np * Count);
        ApplyW(ops, wtg, p, vv);
        OuterProducts(ops, p, ga, -T.One, gy, x, T.One, res, vv);
        if (anyRankDeficient)
        {
            // (I - A+ A) gx = gx - V_r (V_r^T gx), zeroed for the matrices of full column rank.
            nint vtg = ops.Temp<T>(rp * Count);
            ops.Gemm(true, false, basis, p, n, T.One, v!.DevicePointer, n, Nr, Ptr(gradX), n, np, T.Zero, vtg, basis, rp, Count);
            nint ng = ops.Temp<T>(np * Count);
            ops.Copy<T>(Ptr(gradX), ng, np * Count);
            ops.Gemm(false, false, n, p, basis, -T.One, v.DevicePointer, n, Nr, vtg, basis, rp, T.One, ng, n, np, Count);
            ops.Launch<T>("zero_full_rank", np * Count, ng, checked((int)np), np, rankOnDevice!.DevicePointer, n, Count);
            nint wx = ops.Temp<T>(rp * Count);
            ApplyWTransposed(ops, x, p, wx);
            nint xt = ops.Temp<T>(mp * Count);
            BasisTimes(ops, wx, p, xt, T.One, T.Zero);
            ops.Gemm(false, true, m, n, p, T.One, xt, m, mp, ng, n, np, T.One, ga, m, (long)m * n, Count);
        }
    });

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            u.Dispose();
            reflectors?.Dispose();
            tau?.Dispose();
            r?.Dispose();
            rPointers?.Dispose();
            w?.Dispose();
            v?.Dispose();
            rankOnDevice?.Dispose();
        }
    }

    private static CudaProjector<T> FromQr(CudaBackend backend, CudaBackend.Ops ops, CudaMatrixBatch<T> a, RankTolerance tolerance)
    {
        int m = a.Rows, n = a.Cols, count = a.Count;
        long mn = (long)m * n, nn = (long)n * n;
        bool keepReflectors = mn >= ReflectorMinElements;
        CudaDevice device = backend.CudaDevice;
        DeviceBuffer<T> q = DeviceBuffer<T>.Allocate(device, mn * count);
        DeviceBuffer<T>? rr = null, scalars = null, empty = null;
        DeviceBuffer<ulong>? pointers = null;
        try
        {
            rr = DeviceBuffer<T>.Allocate(device, nn * count);
            pointers = DeviceBuffer<ulong>.Allocate(device, count);
            scalars = DeviceBuffer<T>.Allocate(device, (long)n * count);
            var ranks = new int[count];
            if (n > 0 && count > 0)
            {
                nint info = ops.Temp<int>(2L * count);
                nint rank = ops.Temp<int>(count);
                ops.ClearInts(info, 2L * count);
                ops.Copy<T>(a.DevicePointer, q.DevicePointer, mn * count);
                ops.Geqrf<T>(q.DevicePointer, m, n, mn, scalars.DevicePointer, info, count);
                ops.Launch<T>("extract_upper", nn * count, q.DevicePointer, m, n, mn, rr.DevicePointer, n, nn, count);
                (double atol, double rtol) = CudaPinv.Tolerances<T>(tolerance, m, n);
                ops.Launch<T>("qr_rank", count, rr.DevicePointer, n, n, nn, count, CudaBackend.Ops.Bits(atol), CudaBackend.Ops.Bits(rtol), rank);
                if (!keepReflectors)
                {
                    ops.Orgqr<T>(q.DevicePointer, m, n, n, mn, scalars.DevicePointer, n, CudaBackend.Ops.Offset<int>(info, count), count);
                }

                unsafe
                {
                    ops.LaunchUntyped("pointer_array", count, rr.DevicePointer, nn * sizeof(T), count, pointers.DevicePointer);
                }

                ops.CheckInfo(info, 2 * count, 1, (index, value) => index < count
                    ? CudaQr.InvalidArgument(CudaSolver.Name<T>("geqrf"), index, value)
                    : CudaQr.InvalidArgument(CudaSolver.Name<T>("orgqr"), index - count, value));
                ranks = ops.ReadInts(rank, count);
                int bad = Array.FindIndex(ranks, x => x < n);
                if (bad >= 0)
                {
                    throw new RankDeficientException(bad, ranks[bad], m, n, Detail(tolerance, ops.ReadElements<T>(CudaBackend.Ops.Offset<T>(rr.DevicePointer, bad * nn), checked((int)nn)), m, n));
                }
            }

            if (keepReflectors)
            {
                empty = DeviceBuffer<T>.Allocate(device, 0);
                return new CudaProjector<T>(backend, m, n, count, ProjectorMethod.Qr, ranks, n, empty, rr, pointers, null, null, null, q, scalars);
            }

            scalars.Dispose();
            return new CudaProjector<T>(backend, m, n, count, ProjectorMethod.Qr, ranks, n, q, rr, pointers, null, null, null);
        }
        catch
        {
            q.Dispose();
            rr?.Dispose();
            pointers?.Dispose();
            scalars?.Dispose();
            empty?.Dispose();
            throw;
        }
    }


    private static CudaProjector<T> FromSvd(CudaBackend backend, CudaBackend.Ops ops, CudaMatrixBatch<T> a, RankTolerance tolerance)
    {
        int m = a.Rows, n = a.Cols, count = a.Count, kk = Math.Min(m, n);
        long mk = (long)m * kk, nk = (long)n * kk;
        CudaDevice device = backend.CudaDevice;
        DeviceBuffer<T> uu = DeviceBuffer<T>.Allocate(device, mk * count);
        DeviceBuffer<T>? ww = null, vv = null;
        DeviceBuffer<int>? rankBuffer = null;
        try
        {
            ww = DeviceBuffer<T>.Allocate(device, nk * count);
            vv = DeviceBuffer<T>.Allocate(device, nk * count);
            rankBuffer = DeviceBuffer<int>.Allocate(device, count);
            var ranks = new int[count];
            if (kk > 0 && count > 0)
            {
                SvdFactors svd = CudaPinv.Svd(ops, a);
                (nint rank, nint inv, nint keep) = CudaPinv.Threshold<T>(ops, svd, m, n, tolerance, count);
                ops.CopyStrided<T>(svd.U, svd.StrideU, uu.DevicePointer, mk, checked((int)mk), count);
                ops.Launch<T>("scale_columns", mk * count, uu.DevicePointer, m, kk, mk, keep, kk, count);
                ops.CopyStrided<T>(svd.V, svd.StrideV, vv.DevicePointer, nk, checked((int)nk), count);
                ops.Launch<T>("scale_columns", nk * count, vv.DevicePointer, n, kk, nk, keep, kk, count);
                ops.Copy<T>(vv.DevicePointer, ww.DevicePointer, nk * count);
                ops.Launch<T>("scale_columns", nk * count, ww.DevicePointer, n, kk, nk, inv, kk, count);
                ops.Copy<int>(rank, rankBuffer.DevicePointer, count);
                svd.Check(ops);
                ranks = ops.ReadInts(rank, count);
            }

            return new CudaProjector<T>(backend, m, n, count, ProjectorMethod.Svd, ranks, kk, uu, null, null, ww, vv, rankBuffer);
        }
        catch
        {
            uu.Dispose();
            ww?.Dispose();
            vv?.Dispose();
            rankBuffer?.Dispose();
            throw;
        }
    }

    /// <summary>The rank rule's message for one matrix's factor (R's diagonal at stride ld + 1).</summary>
    private static string Detail(RankTolerance tolerance, T[] factor, int m, int n)
    {
        _ = tolerance.QrRank<T>(factor, n + 1, m, n, out string detail);
        return detail;
    }

    private static nint Ptr(MatrixBatch<T> x) => ((CudaMatrixBatch<T>)x).DevicePointer;

    /// <summary>Disposes <paramref name="outputs"/> when <paramref name="body"/> fails; returns the first.</summary>
    private static CudaMatrixBatch<T> Guard(CudaBackend.Ops ops, CudaMatrixBatch<T>[] outputs, Action body)
    {
        _ = ops;
        try
        {
            body();
            return outputs[0];
        }
        catch
        {
            foreach (CudaMatrixBatch<T> output in outputs)
            {
                output.Dispose();
            }

            throw;
        }
    }

    /// <summary>Runs a backward: the delegate fills gA (m x n, zeroed) and gy (m x p).</summary>
    private ProjectorGradients<T> Gradients(MatrixBatch<T> y, Action<CudaBackend.Ops, int, nint, nint> body) => backend.Run(ops =>
    {
        int p = y.Cols;
        CudaMatrixBatch<T> ga = ops.Alloc<T>(Rows, Cols, Count, clear: true);
        CudaMatrixBatch<T> gy = ops.Alloc<T>(Rows, p, Count);
        _ = Guard(ops, [ga, gy], () =>
        {
            if (p > 0 && Count > 0)
            {
                body(ops, p, ga.DevicePointer, gy.DevicePointer);
            }
        });
        return new ProjectorGradients<T>(ga, gy);
    });

    /// <summary>gA = alpha1 a1 b1^T + alpha2 a2 b2^T (a m x p, b n x p), overwriting gA.</summary>
    private void OuterProducts(CudaBackend.Ops ops, int p, nint ga, T alpha1, nint a1, nint b1, T alpha2, nint a2, nint b2)
    {
        long mp = (long)Rows * p, np = (long)Cols * p, mn = (long)Rows * Cols;
        ops.Gemm(false, true, Rows, Cols, p, alpha1, a1, Rows, mp, b1, Cols, np, T.Zero, ga, Rows, mn, Count);
        ops.Gemm(false, true, Rows, Cols, p, alpha2, a2, Rows, mp, b2, Cols, np, T.One, ga, Rows, mn, Count);
    }

    /// <summary>x = A+ y (n x p) and r = (I - P) y (m x p) in workspace.</summary>
    private (nint X, nint R) SolutionAndResidual(CudaBackend.Ops ops, nint y, int p)
    {
        nint x = ops.Temp<T>((long)Cols * p * Count);
        ApplyW(ops, BasisTransposeTimes(ops, y, p), p, x);
        nint res = ops.Temp<T>((long)Rows * p * Count);
        Residual(ops, y, p, res);
        return (x, res);
    }

    /// <summary>U^T y: r x p per matrix, in workspace (with reflectors: the top n rows of Q^T y by ormqr).</summary>
    private nint BasisTransposeTimes(CudaBackend.Ops ops, nint y, int p)
    {
        long rp = (long)basis * p, mp = (long)Rows * p;
        nint c = ops.Temp<T>(rp * Count);
        if (reflectors is not null)
        {
            nint full = ops.Temp<T>(mp * Count);
            ops.Copy<T>(y, full, mp * Count);
            ops.Ormqr<T>(true, Rows, p, Cols, reflectors.DevicePointer, (long)Rows * Cols, tau!.DevicePointer, full, mp, Count);
            if (rp * Count > 0)
            {
                ops.Launch<T>("copy_block", rp * Count, full, Rows, mp, c, basis, rp, basis, p, Count);
            }

            return c;
        }

        ops.Gemm(true, false, basis, p, Rows, T.One, u.DevicePointer, Rows, Mr, y, Rows, mp, T.Zero, c, basis, rp, Count);
        return c;
    }

    /// <summary>dst = alpha U c + beta dst (m x p); with reflectors, U c = Q [c; 0] by ormqr.</summary>
    private void BasisTimes(CudaBackend.Ops ops, nint c, int p, nint dst, T alpha, T beta)
    {
        long mp = (long)Rows * p, rp = (long)basis * p;
        if (reflectors is null)
        {
            ops.Gemm(false, false, Rows, p, basis, alpha, u.DevicePointer, Rows, Mr, c, basis, rp, beta, dst, Rows, mp, Count);
            return;
        }

        if (mp * Count == 0)
        {
            return;
        }

        nint full = ops.Temp<T>(mp * Count);
        ops.Clear<T>(full, mp * Count);
        if (rp * Count > 0)
        {
            ops.Launch<T>("copy_block", rp * Count, c, basis, rp, full, Rows, mp, basis, p, Count);
        }

        ops.Ormqr<T>(false, Rows, p, Cols, reflectors.DevicePointer, (long)Rows * Cols, tau!.DevicePointer, full, mp, Count);
        if (alpha == T.One && beta == T.Zero)
        {
            ops.Copy<T>(full, dst, mp * Count);
            return;
        }

        if (beta != T.One)
        {
            ops.Launch<T>("scale_strided", mp * Count, dst, Rows, p, Rows, mp, CudaBackend.Ops.Bits(beta), Count);
        }

        ops.Axpy(checked((int)(mp * Count)), alpha, full, dst);
    }

    /// <summary>U (m x r per matrix): the stored Q, or with reflectors Q's first n columns formed in workspace by ormqr.</summary>
    private nint Basis(CudaBackend.Ops ops)
    {
        if (reflectors is null)
        {
            return u.DevicePointer;
        }

        long mn = (long)Rows * Cols;
        nint basisU = ops.Temp<T>(mn * Count);
        if (mn * Count > 0)
        {
            ops.Launch<T>("set_identity", mn * Count, basisU, Rows, Cols, mn, Count);
            ops.Ormqr<T>(false, Rows, Cols, Cols, reflectors.DevicePointer, mn, tau!.DevicePointer, basisU, mn, Count);
        }

        return basisU;
    }

    /// <summary>dst = W c (n x p) for c r x p: R^-1 c by trsm, or (V_r S_r^-1) c.</summary>
    private void ApplyW(CudaBackend.Ops ops, nint c, int p, nint dst) => ApplyWCore(ops, c, p, dst, transposed: false);

    /// <summary>dst = W^T g (r x p) for g n x p: R^-T g by trsm, or (V_r S_r^-1)^T g.</summary>
    private void ApplyWTransposed(CudaBackend.Ops ops, nint g, int p, nint dst) => ApplyWCore(ops, g, p, dst, transposed: true);

    private unsafe void ApplyWCore(CudaBackend.Ops ops, nint source, int p, nint dst, bool transposed)
    {
        long np = (long)Cols * p, rp = (long)basis * p;
        if (r is not null)
        {
            // r == n: W and W^T are both n x n; solve in place on a copy.
            ops.Copy<T>(source, dst, np * Count);
            if (np > 0 && Count > 0)
            {
                nint dstArray = ops.PointerArray(dst, np * sizeof(T), Count);
                ops.TrsmBatched<T>(right: false, transR: transposed, Cols, p, rPointers!.DevicePointer, Cols, dstArray, Cols, Count);
            }
        }
        else if (!transposed)
        {
            ops.Gemm(false, false, Cols, p, basis, T.One, w!.DevicePointer, Cols, Nr, source, basis, rp, T.Zero, dst, Cols, np, Count);
        }
        else
        {
            ops.Gemm(true, false, basis, p, Cols, T.One, w!.DevicePointer, Cols, Nr, source, Cols, np, T.Zero, dst, basis, rp, Count);
        }
    }

    /// <summary>
    /// e = y - U (U^T y), then once more e -= U (U^T e) for the matrices where a column lost more
    /// than half its norm (the residual_second_pass kernel zeroes U^T e of the others, so their e
    /// is unchanged exactly).
    /// </summary>
    private void Residual(CudaBackend.Ops ops, nint y, int p, nint e)
    {
        long mp = (long)Rows * p;
        nint c = BasisTransposeTimes(ops, y, p);
        ops.Copy<T>(y, e, mp * Count);
        BasisTimes(ops, c, p, e, -T.One, T.One);
        nint t = BasisTransposeTimes(ops, e, p);
        ops.Launch<T>("residual_second_pass", Count, e, y, Rows, p, mp, t, basis, (long)basis * p, Count);
        BasisTimes(ops, t, p, e, -T.One, T.One);
    }
}
