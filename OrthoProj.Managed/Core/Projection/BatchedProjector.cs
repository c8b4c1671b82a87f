namespace OrthoProj.Projection;

/// <summary>
/// The projector's mathematics, written once for every backend's general path: the eight
/// operations over a <see cref="RangeBasis{T}"/> (P = U U^H, A+ = W U^H) and the batched primitives
/// of <see cref="BatchKernels{T}"/>. With x = A+ y, r = (I - P) y and u = A+ g:
/// <list type="bullet">
/// <item>Project: z = P y; backward gy = P gz, gA = (I - P) gz x^H + r u^H.</item>
/// <item>Residual: e = (I - P) y; backward gy = (I - P) ge, gA = -[(I - P) ge x^H + r u^H].</item>
/// <item>Matrix: P; backward gA = (I - P) S A+^H with S = gP + gP^H.</item>
/// <item>Solve: x = A+ y; backward gy = w = A+^H gx, gA = -w x^H + r (A+ w)^H + (A+^H x) ((I - A+ A) gx)^H
/// (the last term only where the rank is below n).</item>
/// </list>
/// O(m n p) after the factorization; A^H A is never formed and nothing divides by differences of
/// singular values, so the formulas are exact wherever the rank is locally constant. ^H is the
/// adjoint, the transpose for real elements: one formula for both fields (docs/complex.md).
/// </summary>
internal sealed class BatchedProjector<T> : Projector<T>
    where T : unmanaged, INumberBase<T>
{
    private readonly BatchKernels<T> kernels;
    private readonly RangeBasis<T> basis;

    private BatchedProjector(BatchKernels<T> kernels, RangeBasis<T> basis, ProjectorMethod method)
        : base(kernels.Backend, basis.Rows, basis.Cols, basis.Count, method, basis.Rank)
    {
        this.kernels = kernels;
        this.basis = basis;
    }

    /// <summary>Factors A (validated by the caller) and returns its projector.</summary>
    public static BatchedProjector<T> Create(BatchKernels<T> kernels, MatrixBatch<T> a, ProjectorMethod method, RankTolerance tolerance)
    {
        RangeBasis<T> basis = method == ProjectorMethod.Qr
            ? BasisFactory.FromQr(kernels, a, tolerance)
            : BasisFactory.FromSvd(kernels, a, tolerance);
        return new BatchedProjector<T>(kernels, basis, method);
    }

    protected override MatrixBatch<T> ProjectCore(MatrixBatch<T> y, MatrixBatch<T>? output) => Output(output, Rows, y.Cols, (ops, z) =>
        basis.Times(ops, basis.AdjointTimes(ops, y), z));

    protected override MatrixBatch<T> ResidualCore(MatrixBatch<T> y, MatrixBatch<T>? output) => Output(output, Rows, y.Cols, (ops, e) =>
        basis.Residual(ops, y, e));

    protected override MatrixBatch<T> MatrixCore(MatrixBatch<T>? output) => Output(output, Rows, Rows, (ops, p) =>
    {
        MatrixBatch<T> u = basis.Basis(ops);
        ops.Gemm(false, true, T.One, u, u, T.Zero, p);
    });

    protected override MatrixBatch<T> SolveCore(MatrixBatch<T> y, MatrixBatch<T>? output) => Output(output, Cols, y.Cols, (ops, x) =>
        ops.Copy(basis.WTimes(ops, basis.AdjointTimes(ops, y)), x));

    protected override ProjectorGradients<T> ProjectBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradZ, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY) => Gradients(y, gradA, gradY, (ops, gA, gy) =>
    {
        BackwardParts<T> parts = basis.Parts(ops, y, gradZ);
        ops.Copy(parts.Pg, gy);                                     // gy = P gz
        MatrixBatch<T> rg = ops.Scratch(Rows, y.Cols, Count);       // (I - P) gz
        ops.Copy(gradZ, rg);
        ops.Axpy(-T.One, gy, rg);
        RankTwoP(ops, T.One, rg, parts.X, parts.R, basis.WTimes(ops, parts.Cg), gA);   // u = A+ gz
    });

    protected override ProjectorGradients<T> ResidualBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradE, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY) => Gradients(y, gradA, gradY, (ops, gA, gy) =>
    {
        BackwardParts<T> parts = basis.Parts(ops, y, gradE);
        ops.Copy(gradE, gy);
        ops.Axpy(-T.One, parts.Pg, gy);                             // gy = (I - P) ge
        RankTwoP(ops, -T.One, gy, parts.X, parts.R, basis.WTimes(ops, parts.Cg), gA);  // u = A+ ge
    });

    protected override MatrixBatch<T> MatrixBackwardCore(MatrixBatch<T> gradP, MatrixBatch<T>? output) => Output(output, Rows, Cols, (ops, gA) =>
    {
        // gA = (I - P) S A+^H = [(I - P) S U] W^H, S = gP + gP^H.
        int m = Rows, k = basis.Width;
        MatrixBatch<T> s = ops.Scratch(m, m, Count);
        ops.Adjoint(gradP, s);
        ops.Axpy(T.One, gradP, s);
        MatrixBatch<T> su = ops.Scratch(m, k, Count);
        ops.Gemm(false, false, T.One, s, basis.Basis(ops), T.Zero, su);
        basis.SubtractTimes(ops, basis.AdjointTimes(ops, su), su); // (I - P) S U
        MatrixBatch<T> t = ops.Scratch(k, m, Count);
        ops.Adjoint(su, t);
        ops.Adjoint(basis.WTimes(ops, t), gA);                      // (W t)^H, n x m -> m x n
    });

    protected override ProjectorGradients<T> SolveBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradX, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY) => Gradients(y, gradA, gradY, (ops, gA, gy) =>
    {
        (MatrixBatch<T> x, MatrixBatch<T> r) = SolutionAndResidual(ops, y);
        MatrixBatch<T> wtg = basis.WAdjointTimes(ops, gradX);
        basis.Times(ops, wtg, gy);                                  // w = A+^H gx = U (W^H gx)
        MatrixBatch<T> v = basis.WTimes(ops, wtg);                  // A+ w = W (W^H gx)
        ops.Gemm(false, true, -T.One, gy, x, T.Zero, gA);
        ops.Gemm(false, true, T.One, r, v, T.One, gA);
        if (basis.AnyRankDeficient)
        {
            MatrixBatch<T> complement = basis.RowSpaceComplement(ops, gradX);   // (I - A+ A) gx
            MatrixBatch<T> xt = ops.Scratch(Rows, y.Cols, Count);
            basis.Times(ops, basis.WAdjointTimes(ops, x), xt);               // A+^H x
            ops.Gemm(false, true, T.One, xt, complement, T.One, gA);
        }
    });

    protected override void Dispose(bool disposing) => basis.Dispose();

    private (MatrixBatch<T> X, MatrixBatch<T> R) SolutionAndResidual(IBatchOps<T> ops, MatrixBatch<T> y)
    {
        MatrixBatch<T> x = basis.WTimes(ops, basis.AdjointTimes(ops, y));
        MatrixBatch<T> r = ops.Scratch(Rows, y.Cols, Count);
        basis.Residual(ops, y, r);
        return (x, r);
    }

    /// <summary>
    /// gA = alpha (a b^H + c d^H) as one gemm of inner dimension 2p, [a c] [b d]^H: one pass over gA
    /// (m x n) where two gemms of inner dimension p make two.
    /// </summary>
    private void RankTwoP(IBatchOps<T> ops, T alpha, MatrixBatch<T> a, MatrixBatch<T> b, MatrixBatch<T> c, MatrixBatch<T> d, MatrixBatch<T> gA)
    {
        int p = a.Cols;
        MatrixBatch<T> left = ops.Scratch(Rows, 2 * p, Count), right = ops.Scratch(Cols, 2 * p, Count);
        ops.CopyColumns(a, 0, left, 0, p);
        ops.CopyColumns(c, 0, left, p, p);
        ops.CopyColumns(b, 0, right, 0, p);
        ops.CopyColumns(d, 0, right, p, p);
        ops.Gemm(false, true, alpha, left, right, T.Zero, gA);
    }

    /// <summary>
    /// Fills one result into the caller's <paramref name="output"/> when given (in place when it is
    /// column-major; through scratch and one transposing pass when it is a row-major host batch,
    /// <see cref="ResultTarget{T}"/>), else into a new batch, released if filling fails.
    /// </summary>
    private MatrixBatch<T> Output(MatrixBatch<T>? output, int rows, int cols, Action<IBatchOps<T>, MatrixBatch<T>> fill) => kernels.Run(ops => Owned.Build(owned =>
    {
        var target = ResultTarget<T>.Of(ops, owned, output, rows, cols, Count);
        fill(ops, target.Batch);
        return target.Complete(ops);
    }));

    /// <summary>
    /// Fills gA (m x n) and gy (m x p) into the caller's batches where given (as <see cref="Output"/>),
    /// else into new ones, released if filling fails. With p = 0 the formulas have nothing to sum
    /// and gA is zero.
    /// </summary>
    private ProjectorGradients<T> Gradients(MatrixBatch<T> y, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY, Action<IBatchOps<T>, MatrixBatch<T>, MatrixBatch<T>> fill) => kernels.Run(ops => Owned.Build(owned =>
    {
        var gA = ResultTarget<T>.Of(ops, owned, gradA, Rows, Cols, Count);
        var gy = ResultTarget<T>.Of(ops, owned, gradY, Rows, y.Cols, Count);
        if (y.Cols == 0)
        {
            if (gA.Batch.Length > 0)
            {
                ops.Clear(gA.Batch);
            }
        }
        else
        {
            fill(ops, gA.Batch, gy.Batch);
        }

        return new ProjectorGradients<T>(gA.Complete(ops), gy.Complete(ops));
    }));
}
