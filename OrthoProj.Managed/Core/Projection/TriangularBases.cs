namespace OrthoProj.Projection;

/// <summary>
/// Q kept as geqrf's reflectors (m x n, R above the diagonal) and applied by ormqr; W = R^-1 by a
/// triangular solve. Chosen where forming Q would cost as much again as the factorization.
/// </summary>
internal sealed class HouseholderBasis<T> : RangeBasis<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly MatrixBatch<T> reflectors;
    private readonly MatrixBatch<T> tau;
    private readonly MatrixBatch<T> r;

    public HouseholderBasis(MatrixBatch<T> reflectors, MatrixBatch<T> tau, MatrixBatch<T> r, int[] rank, BatchInts exponents)
        : base(reflectors.Rows, reflectors.Cols, reflectors.Cols, reflectors.Count, rank, exponents)
    {
        this.reflectors = reflectors;
        this.tau = tau;
        this.r = r;
    }

    public override MatrixBatch<T> TransposeTimes(IBatchOps<T> ops, MatrixBatch<T> y)
    {
        // U^T y = the top n rows of Q^T y.
        MatrixBatch<T> full = ops.Scratch(Rows, y.Cols, Count);
        ops.Copy(y, full);
        ops.Ormqr(true, reflectors, tau, full);
        MatrixBatch<T> c = ops.Scratch(Width, y.Cols, Count);
        ops.CopyBlock(full, c);
        return c;
    }

    public override void Times(IBatchOps<T> ops, MatrixBatch<T> c, MatrixBatch<T> dst)
    {
        // U c = Q [c; 0].
        ops.CopyBlock(c, dst);
        ops.Ormqr(false, reflectors, tau, dst);
    }

    public override void SubtractTimes(IBatchOps<T> ops, MatrixBatch<T> c, MatrixBatch<T> dst)
    {
        MatrixBatch<T> uc = ops.Scratch(Rows, c.Cols, Count);
        Times(ops, c, uc);
        ops.Axpy(-T.One, uc, dst);
    }

    public override MatrixBatch<T> Basis(IBatchOps<T> ops)
    {
        MatrixBatch<T> u = ops.Scratch(Rows, Cols, Count);
        ops.SetIdentity(u);
        ops.Ormqr(false, reflectors, tau, u);
        return u;
    }

    public override MatrixBatch<T> WTimes(IBatchOps<T> ops, MatrixBatch<T> c) => TriangularW.Apply(ops, r, Exponents, c, transpose: false);

    public override MatrixBatch<T> WTransposeTimes(IBatchOps<T> ops, MatrixBatch<T> g) => TriangularW.Apply(ops, r, Exponents, g, transpose: true);

    /// <summary>
    /// e = Q [0; (Q^T y)[n:]]: two orthogonal transformations and no subtraction of nearly equal
    /// vectors, so no cancellation and no second pass, however close y lies to range(A).
    /// </summary>
    public override void Residual(IBatchOps<T> ops, MatrixBatch<T> y, MatrixBatch<T> dst)
    {
        ops.Copy(y, dst);
        ops.Ormqr(true, reflectors, tau, dst);
        MatrixBatch<T> top = ops.Scratch(Width, y.Cols, Count);
        ops.CopyBlock(dst, top);
        MatrixBatch<T> embedded = ops.Scratch(Rows, y.Cols, Count);
        ops.CopyBlock(top, embedded);
        ops.Axpy(-T.One, embedded, dst);    // x - x = 0 exactly: the top n rows become zero
        ops.Ormqr(false, reflectors, tau, dst);
    }

    protected override void Dispose(bool disposing)
    {
        reflectors.Dispose();
        tau.Dispose();
        r.Dispose();
    }
}

/// <summary>Q formed explicitly (m x n), applied by one batched gemm; W = R^-1 by a triangular solve.</summary>
internal sealed class ExplicitQBasis<T>(MatrixBatch<T> q, MatrixBatch<T> r, int[] rank, BatchInts exponents)
    : StoredBasis<T>(q, q.Cols, rank, exponents)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public override MatrixBatch<T> WTimes(IBatchOps<T> ops, MatrixBatch<T> c) => TriangularW.Apply(ops, r, Exponents, c, transpose: false);

    public override MatrixBatch<T> WTransposeTimes(IBatchOps<T> ops, MatrixBatch<T> g) => TriangularW.Apply(ops, r, Exponents, g, transpose: true);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        r.Dispose();
    }
}

/// <summary>W = R^-1 for a factor of 2^e A: W c = 2^e R'^-1 c, and W^T g = 2^e R'^-T g.</summary>
internal static class TriangularW
{
    public static MatrixBatch<T> Apply<T>(IBatchOps<T> ops, MatrixBatch<T> r, BatchInts exponents, MatrixBatch<T> source, bool transpose)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        MatrixBatch<T> x = ops.Scratch(source.Rows, source.Cols, source.Count);
        ops.Copy(source, x);
        ops.SolveUpper(r, transpose, x);
        ops.ScaleByPowerOfTwo(x, exponents, +1);
        return x;
    }
}
