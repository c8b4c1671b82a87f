namespace OrthoProj.Projection;

/// <summary>
/// Q kept as geqrf's reflectors (m x n, R above the diagonal) and applied by ormqr; W = R^-1 by a
/// triangular solve. Chosen where forming Q would cost as much again as the factorization.
/// </summary>
internal sealed class HouseholderBasis<T> : RangeBasis<T>
    where T : unmanaged, INumberBase<T>
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

    public override MatrixBatch<T> AdjointTimes(IBatchOps<T> ops, MatrixBatch<T> y)
    {
        // U^H y = the top n rows of Q^H y.
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

    public override MatrixBatch<T> WTimes(IBatchOps<T> ops, MatrixBatch<T> c) => TriangularW.Apply(ops, r, Exponents, c, adjoint: false);

    public override MatrixBatch<T> WAdjointTimes(IBatchOps<T> ops, MatrixBatch<T> g) => TriangularW.Apply(ops, r, Exponents, g, adjoint: true);

    /// <summary>
    /// e = Q [0; (Q^H y)[n:]]: two orthogonal transformations and no subtraction of nearly equal
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

    /// <summary>
    /// Q^H [y g] in one ormqr, then Q [[0; (Q^H y)[n:]] [(Q^H g)[:n]; 0]] in one more: r (the exact
    /// two-transformation residual above) and P g together. Two ormqr calls where the generic form
    /// makes five, each of which streams the reflectors and forms their block factors again (for one
    /// right-hand side of a 2048 x 512 A that was most of the backward's time).
    /// </summary>
    public override BackwardParts<T> Parts(IBatchOps<T> ops, MatrixBatch<T> y, MatrixBatch<T> g)
    {
        int m = Rows, n = Width, p = y.Cols, q = g.Cols;
        MatrixBatch<T> full = ops.Scratch(m, p + q, Count);
        ops.CopyColumns(y, 0, full, 0, p);
        ops.CopyColumns(g, 0, full, p, q);
        ops.Ormqr(true, reflectors, tau, full);                  // [Q^H y, Q^H g]
        MatrixBatch<T> embedded = ops.Scratch(m, p + q, Count);
        MatrixBatch<T> top = ops.Scratch(n, p + q, Count);
        ops.CopyBlock(full, top);
        ops.CopyBlock(top, embedded);                            // [[c_y; 0], [c_g; 0]]
        MatrixBatch<T> cy = ops.Scratch(n, p, Count), cg = ops.Scratch(n, q, Count);
        ops.CopyColumns(top, 0, cy, 0, p);
        ops.CopyColumns(top, p, cg, 0, q);
        ops.Axpy(-T.One, embedded, full);                        // [[0; Q^H y below n], [0; ...]]: x - x = 0 exactly
        ops.CopyColumns(embedded, p, full, p, q);                // [[0; (Q^H y)[n:]], [c_g; 0]]
        ops.Ormqr(false, reflectors, tau, full);                 // [r, P g]
        MatrixBatch<T> r = ops.Scratch(m, p, Count), pg = ops.Scratch(m, q, Count);
        ops.CopyColumns(full, 0, r, 0, p);
        ops.CopyColumns(full, p, pg, 0, q);
        return new(WTimes(ops, cy), r, cg, pg);
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
    where T : unmanaged, INumberBase<T>
{
    public override MatrixBatch<T> WTimes(IBatchOps<T> ops, MatrixBatch<T> c) => TriangularW.Apply(ops, r, Exponents, c, adjoint: false);

    public override MatrixBatch<T> WAdjointTimes(IBatchOps<T> ops, MatrixBatch<T> g) => TriangularW.Apply(ops, r, Exponents, g, adjoint: true);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        r.Dispose();
    }
}

/// <summary>W = R^-1 for a factor of 2^e A: W c = 2^e R'^-1 c, and W^H g = 2^e R'^-H g.</summary>
internal static class TriangularW
{
    public static MatrixBatch<T> Apply<T>(IBatchOps<T> ops, MatrixBatch<T> r, BatchInts exponents, MatrixBatch<T> source, bool adjoint)
        where T : unmanaged, INumberBase<T>
    {
        MatrixBatch<T> x = ops.Scratch(source.Rows, source.Cols, source.Count);
        ops.Copy(source, x);
        ops.SolveUpper(r, adjoint, x);
        ops.ScaleByPowerOfTwo(x, exponents, +1);
        return x;
    }
}
