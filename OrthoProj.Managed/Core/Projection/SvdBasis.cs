namespace OrthoProj.Projection;

/// <summary>
/// The SVD's basis: U_r (m x k) and V_r (n x k) with the columns past each matrix's rank zeroed, and
/// W' = V_r S'_r^-1 of the scaled matrix 2^e A; A's W = 2^e W' is applied as W' and then 2^e.
/// Works for any rank and shape.
/// </summary>
internal sealed class SvdBasis<T> : StoredBasis<T>
    where T : unmanaged, INumberBase<T>
{
    private readonly MatrixBatch<T> v;
    private readonly MatrixBatch<T> w;
    private readonly BatchInts rankOnBackend;

    public SvdBasis(MatrixBatch<T> u, MatrixBatch<T> v, MatrixBatch<T> w, BatchInts rank, BatchInts exponents)
        : base(u, v.Rows, rank.ToHost(), exponents)
    {
        this.v = v;
        this.w = w;
        rankOnBackend = rank;
    }

    /// <summary>U_r, m x k, zero past each matrix's rank.</summary>
    public MatrixBatch<T> U => StoredU;

    /// <summary>W' = V_r S'_r^-1 of 2^e A, n x k: A+ = 2^e W' U^H.</summary>
    public MatrixBatch<T> ScaledW => w;

    public override MatrixBatch<T> WTimes(IBatchOps<T> ops, MatrixBatch<T> c)
    {
        MatrixBatch<T> x = ops.Scratch(Cols, c.Cols, Count);
        ops.Gemm(false, false, T.One, w, c, T.Zero, x);
        ops.ScaleByPowerOfTwo(x, Exponents, +1);
        return x;
    }

    public override MatrixBatch<T> WAdjointTimes(IBatchOps<T> ops, MatrixBatch<T> g)
    {
        MatrixBatch<T> x = ops.Scratch(Width, g.Cols, Count);
        ops.Gemm(true, false, T.One, w, g, T.Zero, x);
        ops.ScaleByPowerOfTwo(x, Exponents, +1);
        return x;
    }

    public override MatrixBatch<T> RowSpaceComplement(IBatchOps<T> ops, MatrixBatch<T> g)
    {
        // g - V (V^H g), then exactly zero where V spans R^n (rounding would leave eps-sized noise).
        MatrixBatch<T> vtg = ops.Scratch(Width, g.Cols, Count);
        ops.Gemm(true, false, T.One, v, g, T.Zero, vtg);
        MatrixBatch<T> result = ops.Scratch(g.Rows, g.Cols, Count);
        ops.Copy(g, result);
        ops.Gemm(false, false, -T.One, v, vtg, T.One, result);
        ops.ZeroWhereFullRank(result, rankOnBackend, Cols);
        return result;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        v.Dispose();
        w.Dispose();
        rankOnBackend.Dispose();
    }
}
