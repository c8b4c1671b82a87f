namespace OrthoProj.Projection;

/// <summary>
/// An orthonormal basis U of range(A) (m x k per matrix) with the map W (n x k) such that
/// A+ = W U^H: the one thing a projector needs from its factorization. P = U U^H, A+ y = W (U^H y).
/// One implementation per representation: <see cref="HouseholderBasis{T}"/> (geqrf's reflectors,
/// W = R^-1), <see cref="ExplicitQBasis{T}"/> (Q formed, W = R^-1) and <see cref="SvdBasis{T}"/>
/// (U_r, W = V_r S_r^-1, zero past each matrix's rank). Every factor is of 2^e A (see
/// <see cref="PowerOfTwoScaling"/>); U is scale-free and W carries the 2^e back.
/// </summary>
internal abstract class RangeBasis<T> : IDisposable
    where T : unmanaged, INumberBase<T>
{
    protected RangeBasis(int rows, int cols, int width, int count, int[] rank, BatchInts exponents)
    {
        Rows = rows;
        Cols = cols;
        Width = width;
        Count = count;
        Rank = rank;
        Exponents = exponents;
    }

    /// <summary>m.</summary>
    public int Rows { get; }

    /// <summary>n.</summary>
    public int Cols { get; }

    /// <summary>k, the columns of U and W: n under QR, min(m, n) under the SVD.</summary>
    public int Width { get; }

    /// <summary>The number of matrices.</summary>
    public int Count { get; }

    /// <summary>The rank of each matrix.</summary>
    public int[] Rank { get; }

    /// <summary>The scale exponent e of each matrix: the factors are of 2^e A.</summary>
    public BatchInts Exponents { get; }

    /// <summary>Whether some matrix has rank below n, so that A+ A is not the identity.</summary>
    public bool AnyRankDeficient => Array.Exists(Rank, r => r < Cols);

    /// <summary>U^H y, k x p.</summary>
    public abstract MatrixBatch<T> AdjointTimes(IBatchOps<T> ops, MatrixBatch<T> y);

    /// <summary>dst = U c (m x p) for c k x p.</summary>
    public abstract void Times(IBatchOps<T> ops, MatrixBatch<T> c, MatrixBatch<T> dst);

    /// <summary>dst = dst - U c.</summary>
    public abstract void SubtractTimes(IBatchOps<T> ops, MatrixBatch<T> c, MatrixBatch<T> dst);

    /// <summary>U itself, m x k (formed in scratch where it is not stored).</summary>
    public abstract MatrixBatch<T> Basis(IBatchOps<T> ops);

    /// <summary>W c, n x p, for c k x p.</summary>
    public abstract MatrixBatch<T> WTimes(IBatchOps<T> ops, MatrixBatch<T> c);

    /// <summary>W^H g, k x p, for g n x p.</summary>
    public abstract MatrixBatch<T> WAdjointTimes(IBatchOps<T> ops, MatrixBatch<T> g);

    /// <summary>
    /// (I - A+ A) g for g n x p, exactly zero for matrices of full column rank (only the SVD
    /// basis can be rank-deficient).
    /// </summary>
    public virtual MatrixBatch<T> RowSpaceComplement(IBatchOps<T> ops, MatrixBatch<T> g) =>
        throw new InvalidOperationException("Only a rank-deficient basis has a row-space complement.");

    /// <summary>
    /// e = (I - P) y into dst: y - U (U^H y), then the second pass of <see cref="ResidualPolicy"/>
    /// on the columns that lost more than half their norm. Reflectors override it with an exact
    /// two-transformation form.
    /// </summary>
    public virtual void Residual(IBatchOps<T> ops, MatrixBatch<T> y, MatrixBatch<T> dst)
    {
        ops.Copy(y, dst);
        SubtractTimes(ops, AdjointTimes(ops, y), dst);
        MatrixBatch<T> t = AdjointTimes(ops, dst);
        ops.KeepSecondPassColumns(dst, y, t);
        SubtractTimes(ops, t, dst);
    }

    /// <summary>
    /// What a backward pass needs from y and its cotangent g: x = W U^H y, r = (I - P) y, cg = U^H g
    /// and P g = U cg; here through the members above. Reflectors override it to apply Q^H once and
    /// Q once to both right-hand sides together.
    /// </summary>
    public virtual BackwardParts<T> Parts(IBatchOps<T> ops, MatrixBatch<T> y, MatrixBatch<T> g)
    {
        MatrixBatch<T> x = WTimes(ops, AdjointTimes(ops, y));
        MatrixBatch<T> r = ops.Scratch(Rows, y.Cols, Count);
        Residual(ops, y, r);
        MatrixBatch<T> cg = AdjointTimes(ops, g);
        MatrixBatch<T> pg = ops.Scratch(Rows, g.Cols, Count);
        Times(ops, cg, pg);
        return new(x, r, cg, pg);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        Exponents.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the factors.</summary>
    protected abstract void Dispose(bool disposing);
}

/// <summary>
/// A basis whose U is stored (m x k): U^H y, U c and y - U c are one batched gemm each.
/// </summary>
internal abstract class StoredBasis<T> : RangeBasis<T>
    where T : unmanaged, INumberBase<T>
{
    private readonly MatrixBatch<T> u;

    protected StoredBasis(MatrixBatch<T> u, int cols, int[] rank, BatchInts exponents)
        : base(u.Rows, cols, u.Cols, u.Count, rank, exponents)
    {
        this.u = u;
    }

    public override MatrixBatch<T> AdjointTimes(IBatchOps<T> ops, MatrixBatch<T> y)
    {
        MatrixBatch<T> c = ops.Scratch(Width, y.Cols, Count);
        ops.Gemm(true, false, T.One, u, y, T.Zero, c);
        return c;
    }

    public override void Times(IBatchOps<T> ops, MatrixBatch<T> c, MatrixBatch<T> dst) =>
        ops.Gemm(false, false, T.One, u, c, T.Zero, dst);

    public override void SubtractTimes(IBatchOps<T> ops, MatrixBatch<T> c, MatrixBatch<T> dst) =>
        ops.Gemm(false, false, -T.One, u, c, T.One, dst);

    public override MatrixBatch<T> Basis(IBatchOps<T> ops) => u;

    /// <summary>U itself, m x k.</summary>
    protected MatrixBatch<T> StoredU => u;

    protected override void Dispose(bool disposing) => u.Dispose();
}

/// <summary>
/// The residual's second-pass rule, in one place: after e = y - U (U^H y), a column j of e whose
/// norm is below <see cref="LossFraction"/> of y's column j has lost leading digits to cancellation,
/// and one more pass e -= U (U^H e) restores its orthogonality to range(A) ("twice is enough",
/// Giraud, Langou and Rozloznik); the other columns are left exactly as they are. Applied per
/// column by <see cref="IBatchOps{T}.KeepSecondPassColumns"/> on every backend and by the fused
/// kernels (CPU lanes and CUDA warps).
/// </summary>
internal static class ResidualPolicy
{
    /// <summary>The fraction of ||y_j|| below which ||e_j|| triggers the second pass.</summary>
    public const double LossFraction = 0.5;

    /// <summary>Whether a column with these squared norms needs the second pass.</summary>
    public static bool NeedsSecondPass(double residualNormSquared, double inputNormSquared) =>
        residualNormSquared < LossFraction * LossFraction * inputNormSquared;
}

/// <summary>x = A+ y, r = (I - P) y, cg = U^H g and P g, in scratch (see <see cref="RangeBasis{T}.Parts"/>).</summary>
internal readonly record struct BackwardParts<T>(MatrixBatch<T> X, MatrixBatch<T> R, MatrixBatch<T> Cg, MatrixBatch<T> Pg)
    where T : unmanaged, INumberBase<T>;
