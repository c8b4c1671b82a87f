namespace OrthoProj.Projection;

/// <summary>
/// QR and its backward pass, written once over the seam for every backend. Both work on the
/// matrices scaled by powers of two (<see cref="PowerOfTwoScaling"/>) and scale the results back in
/// one exact step, so that they are correct wherever they are representable.
/// </summary>
internal static class QrDecomposition
{
    /// <summary>
    /// A = Q R with LAPACK's signs: reduced (Q m x k, R k x n, k = min(m, n)) or complete (Q m x m,
    /// R m x n). 2^e A has the same Q and R' = 2^e R.
    /// </summary>
    /// <remarks>
    /// Q and R are written into <paramref name="qOut"/> and <paramref name="rOut"/> when given
    /// (<see cref="ResultTarget{T}"/>: in place when column-major, one transposing pass for a
    /// row-major host batch), else into new batches.
    /// </remarks>
    public static QrResult<T> Factor<T>(BatchKernels<T> kernels, MatrixBatch<T> a, QrMode mode, MatrixBatch<T>? qOut = null, MatrixBatch<T>? rOut = null)
        where T : unmanaged, INumberBase<T> => kernels.Run(ops => Owned.Build(owned =>
    {
        int m = a.Rows, n = a.Cols, k = Math.Min(m, n), count = a.Count;
        int c = mode == QrMode.Reduced && m >= n ? n : m;     // Q's columns: thin, or complete
        var q = ResultTarget<T>.Of(ops, owned, qOut, m, c, count);
        var r = ResultTarget<T>.Of(ops, owned, rOut, c, n, count);
        if (k == 0)
        {
            // Nothing to factor: Q is the identity's first c columns, R (empty when k = 0) is zero.
            ops.SetIdentity(q.Batch);
        }
        else if (count > 0)
        {
            using BatchInts e = ops.Qr(a, q.Batch, r.Batch);
            ops.ScaleByPowerOfTwo(r.Batch, e, -1);
        }

        return new QrResult<T>(q.Complete(ops), r.Complete(ops));
    }));

    /// <summary>
    /// gA from Q (m x k), R (k x n), gQ and gR (null: zero). Tall: gA = (gQ + Q S) R^-H, with
    /// M = gR R^H - Q^H gQ and S = triu(M, 1) + triu(M, 1)^H + Re(diag(M)) (for real elements: M's
    /// upper triangle mirrored to the lower). Wide (A = [X | Y], R = [U | V], Y = Q V): gX is that
    /// rule on (gQ + Q (V gV^H), gU), and gY = Q gV. For complex elements the diagonal's real part
    /// alone is kept: its imaginary part is the direction of Q's phase gauge, which R's real diagonal
    /// fixes, so A does not move along it (torch's rule; docs/complex.md section 4).
    /// </summary>
    /// <remarks>
    /// The formula is homogeneous: gA(Q, R, gQ, gR) = 2^(e - f) gA(Q, 2^e R, 2^f gQ, 2^(f - e) gR).
    /// e brings R to unit magnitude, f the larger of gQ and 2^-e gR; every intermediate is then in
    /// range. R's leading k x k block must have rank k under the default <see cref="RankTolerance"/>
    /// (the QR-method projector's rule, rtol = eps max(m, n)), or <see cref="RankDeficientException"/>
    /// names the first matrix that fails.
    /// </remarks>
    public static MatrixBatch<T> Backward<T>(BatchKernels<T> kernels, MatrixBatch<T> q, MatrixBatch<T> r, MatrixBatch<T>? gq, MatrixBatch<T>? gr, MatrixBatch<T>? output = null)
        where T : unmanaged, INumberBase<T> => kernels.Run(ops => Owned.Build(owned =>
    {
        var target = ResultTarget<T>.Of(ops, owned, output, q.Rows, r.Cols, q.Count);
        BackwardInto(ops, q, r, gq, gr, target.Batch);
        return target.Complete(ops);
    }));

    /// <summary>gA of <see cref="Backward{T}"/> written into <paramref name="ga"/> (m x n, column-major; empty when k = 0).</summary>
    private static void BackwardInto<T>(IBatchOps<T> ops, MatrixBatch<T> q, MatrixBatch<T> r, MatrixBatch<T>? gq, MatrixBatch<T>? gr, MatrixBatch<T> ga)
        where T : unmanaged, INumberBase<T>
    {
        int m = q.Rows, n = r.Cols, k = q.Cols, count = q.Count;
        if (k == 0 || count == 0)
        {
            return;
        }

        MatrixBatch<T> rs = ops.Scratch(k, n, count);
        using BatchInts e = ops.ScaleToUnit(r, rs);
        int[] rank = ops.QrRank(rs, e, default, Math.Max(m, n), k, out string detail, out int bad);
        if (bad >= 0)
        {
            throw new RankDeficientException(bad, rank[bad], m, n, detail, RankDeficientException.QrBackwardHint);
        }

        MatrixBatch<T> gqs = CopyOrZeros(ops, gq, m, k, count), grs = CopyOrZeros(ops, gr, k, n, count);
        using BatchInts f = ops.ScaleToUnit(gqs, grs, e);
        if (m >= n)
        {
            SquareRule(ops, q, rs, gqs, grs, ga);
        }
        else
        {
            int w = n - m;
            MatrixBatch<T> u = Columns(ops, rs, 0, m), v = Columns(ops, rs, m, w);
            MatrixBatch<T> gu = Columns(ops, grs, 0, m), gv = Columns(ops, grs, m, w);
            MatrixBatch<T> vgvt = ops.Scratch(m, m, count), gx = ops.Scratch(m, m, count), gy = ops.Scratch(m, w, count);
            ops.Gemm(false, true, T.One, v, gv, T.Zero, vgvt);
            ops.Gemm(false, false, T.One, q, vgvt, T.One, gqs);
            SquareRule(ops, q, u, gqs, gu, gx);
            ops.Gemm(false, false, T.One, q, gv, T.Zero, gy);
            ops.CopyColumns(gx, 0, ga, 0, m);
            ops.CopyColumns(gy, 0, ga, m, w);
        }

        ops.ScaleByPowerOfTwo(ga, e, 1, f, -1);
    }

    /// <summary>c = (gQ + Q S) R^-H for Q m x k, R and gR k x k (only R's upper triangle read).</summary>
    private static void SquareRule<T>(IBatchOps<T> ops, MatrixBatch<T> q, MatrixBatch<T> r, MatrixBatch<T> gq, MatrixBatch<T> gr, MatrixBatch<T> c)
        where T : unmanaged, INumberBase<T>
    {
        MatrixBatch<T> s = ops.Scratch(q.Cols, q.Cols, q.Count);
        ops.Gemm(false, true, T.One, gr, r, T.Zero, s);
        ops.Gemm(true, false, -T.One, q, gq, T.One, s);
        ops.HermitianFromUpper(s);
        ops.Copy(gq, c);
        ops.Gemm(false, false, T.One, q, s, T.One, c);
        ops.SolveUpper(r, adjoint: true, c, right: true);
    }

    /// <summary>A scratch copy of x, or zeros when x is null (a cotangent that is not given).</summary>
    private static MatrixBatch<T> CopyOrZeros<T>(IBatchOps<T> ops, MatrixBatch<T>? x, int rows, int cols, int count)
        where T : unmanaged, INumberBase<T>
    {
        MatrixBatch<T> copy = ops.Scratch(rows, cols, count, zeroed: x is null);
        if (x is not null)
        {
            ops.Copy(x, copy);
        }

        return copy;
    }

    /// <summary>A scratch copy of columns [first, first + cols) of x.</summary>
    private static MatrixBatch<T> Columns<T>(IBatchOps<T> ops, MatrixBatch<T> x, int first, int cols)
        where T : unmanaged, INumberBase<T>
    {
        MatrixBatch<T> block = ops.Scratch(x.Rows, cols, x.Count);
        ops.CopyColumns(x, first, block, 0, cols);
        return block;
    }
}
