namespace OrthoProj.Projection;

/// <summary>
/// Builds a projector's <see cref="RangeBasis{T}"/> from A on any backend: copy, scale each matrix
/// to unit magnitude (<see cref="PowerOfTwoScaling"/>), factor, apply the rank rule
/// (<see cref="RankTolerance"/>), and choose the representation (reflectors or explicit Q, as
/// <see cref="BatchKernels{T}.KeepsReflectors"/> says). Everything allocated is released on failure.
/// </summary>
internal static class BasisFactory
{
    /// <summary>The QR method: m &gt;= n, and every matrix of full column rank.</summary>
    /// <exception cref="RankDeficientException">A matrix has rank below n.</exception>
    public static RangeBasis<T> FromQr<T>(BatchKernels<T> kernels, MatrixBatch<T> a, RankTolerance tolerance)
        where T : unmanaged, INumberBase<T> => kernels.Run(ops => Owned.Build<RangeBasis<T>>(owned =>
    {
        int m = a.Rows, n = a.Cols, count = a.Count;
        MatrixBatch<T> f = owned.Track(ops.Allocate(m, n, count)), r = owned.Track(ops.Allocate(n, n, count));
        if (kernels.KeepsReflectors(m, n))
        {
            BatchInts exponents = owned.Track(ops.ScaleToUnit(a, f));
            MatrixBatch<T> tau = owned.Track(ops.Allocate(n, 1, count));
            ops.Geqrf(f, tau);
            ops.CopyBlock(f, r);     // trsm reads only the upper triangle; the rest is never read
            return new HouseholderBasis<T>(f, tau, r, CheckFullRank(ops, r, exponents, tolerance, m, n), exponents);
        }

        BatchInts e = owned.Track(ops.Qr(a, f, r));
        return new ExplicitQBasis<T>(f, r, CheckFullRank(ops, r, e, tolerance, m, n), e);
    }));

    /// <summary>The SVD method: any shape and rank; the rank of each matrix is kept.</summary>
    public static RangeBasis<T> FromSvd<T>(BatchKernels<T> kernels, MatrixBatch<T> a, RankTolerance tolerance)
        where T : unmanaged, INumberBase<T> => kernels.Run(ops => Owned.Build<RangeBasis<T>>(owned =>
    {
        int m = a.Rows, n = a.Cols, count = a.Count, k = Math.Min(m, n);
        MatrixBatch<T> u = owned.Track(ops.Allocate(m, k, count));
        MatrixBatch<T> v = owned.Track(ops.Allocate(n, k, count));
        MatrixBatch<T> w = owned.Track(ops.Allocate(n, k, count));
        MatrixBatch<T> work = ops.Scratch(m, n, count);
        BatchInts exponents = owned.Track(ops.ScaleToUnit(a, work));
        MatrixBatch<T> s = ops.Scratch(k, 1, count);
        ops.ThinSvd(work, u, s, v);
        MatrixBatch<T> keep = ops.Scratch(k, 1, count);
        MatrixBatch<T> inverse = ops.Scratch(k, 1, count);
        BatchInts rank = owned.Track(ops.SvdRank(s, exponents, tolerance, m, n, keep, inverse));
        ops.ScaleColumns(u, keep);
        ops.ScaleColumns(v, keep);

        // W' = V_r S'_r^-1, of the scaled matrix; A's W = 2^e W' is applied as W' then 2^e,
        // so that a result too large for T is +-Inf, never Inf * 0 = NaN inside a product.
        ops.Copy(v, w);
        ops.ScaleColumns(w, inverse);
        return new SvdBasis<T>(u, v, w, rank, exponents);
    }));

    private static int[] CheckFullRank<T>(IBatchOps<T> ops, MatrixBatch<T> r, BatchInts exponents, RankTolerance tolerance, int m, int n)
        where T : unmanaged, INumberBase<T>
    {
        int[] rank = ops.QrRank(r, exponents, tolerance, m, n, out string detail, out int bad);
        if (bad >= 0)
        {
            throw new RankDeficientException(bad, rank[bad], m, n, detail);
        }

        return rank;
    }
}
