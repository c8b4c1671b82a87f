namespace OrthoProj.Kernels;

/// <summary>
/// The seam between OrthoProj's mathematics and a backend: strided-batched primitives over dense
/// column-major batches (every matrix of a batch has the batch's shape), valid inside one
/// <see cref="BatchKernels{T}.Run{TResult}"/> call. The batched projector (<c>Core/Projection</c>)
/// is written once against this interface; the CPU (<c>Cpu/CpuBatchKernels.cs</c>, over native LAPACK
/// or Math.NET's managed provider) and the CUDA general path (<c>Cuda/CudaBatchKernels.cs</c>, over
/// cuBLAS, cuSOLVER and <c>cuda/orthoproj_kernels.cu</c>) implement it. Shapes are checked by the
/// callers (the public entry points and the projector); an implementation may assume they agree.
/// </summary>
/// <remarks>
/// Products, solves and reflector applications take the adjoint A^H (the conjugate transpose; the
/// transpose for real elements), never the plain transpose of a complex matrix: every formula above
/// the seam is written with ^H, so one formula serves both fields (docs/complex.md section 2).
/// <see cref="Transpose"/> alone is plain: it changes a layout, not a matrix.
/// </remarks>
/// <typeparam name="T">float, double, <see cref="Complex64"/> or <see cref="Complex"/>.</typeparam>
internal interface IBatchOps<T>
    where T : unmanaged, INumberBase<T>
{
    /// <summary>A zero-filled batch owned by the caller (an output, or a factor the projector keeps).</summary>
    MatrixBatch<T> Allocate(int rows, int cols, int count);

    /// <summary>A batch that lives until the enclosing Run returns: zero-filled when <paramref name="zeroed"/>, else uninitialized.</summary>
    MatrixBatch<T> Scratch(int rows, int cols, int count, bool zeroed = false);

    /// <summary>
    /// x = 0: for a result written into a batch the caller gave (which holds anything) where the
    /// formula leaves part of it unwritten, e.g. gA when Y has no columns.
    /// </summary>
    void Clear(MatrixBatch<T> x);

    /// <summary>destination = source (same shape).</summary>
    void Copy(MatrixBatch<T> source, MatrixBatch<T> destination);

    /// <summary>
    /// Per matrix, the leading min(rows) x min(cols) block of source into destination, and zeros in
    /// the rest of destination: takes the top rows of a taller batch, or embeds a shorter one.
    /// </summary>
    void CopyBlock(MatrixBatch<T> source, MatrixBatch<T> destination);

    /// <summary>
    /// Per matrix, <paramref name="columns"/> columns of source from column <paramref name="sourceColumn"/>
    /// into destination from column <paramref name="destinationColumn"/> (both batches have the same
    /// rows); destination's other columns are left as they are.
    /// </summary>
    void CopyColumns(MatrixBatch<T> source, int sourceColumn, MatrixBatch<T> destination, int destinationColumn, int columns);

    /// <summary>
    /// Per square matrix, x becomes Hermitian from its upper triangle: the strict lower triangle
    /// receives the conjugate of the strict upper one and the diagonal keeps its real part (for real
    /// elements: the upper triangle mirrored, x symmetric).
    /// </summary>
    void HermitianFromUpper(MatrixBatch<T> x);

    /// <summary>Per matrix, ones on the diagonal of the leading min(rows, cols) block and zeros elsewhere.</summary>
    void SetIdentity(MatrixBatch<T> x);

    /// <summary>destination = source^T per matrix, unconjugated: the layout change between row-major and column-major.</summary>
    void Transpose(MatrixBatch<T> source, MatrixBatch<T> destination);

    /// <summary>destination = source^H per matrix (the conjugate transpose; source^T for real elements).</summary>
    void Adjoint(MatrixBatch<T> source, MatrixBatch<T> destination);

    /// <summary>c = alpha op(a) op(b) + beta c per matrix, op(x) = x or x^H (gemm; beta = 0 ignores c's contents).</summary>
    void Gemm(bool adjointA, bool adjointB, T alpha, MatrixBatch<T> a, MatrixBatch<T> b, T beta, MatrixBatch<T> c);

    /// <summary>y = y + alpha x (same shape).</summary>
    void Axpy(T alpha, MatrixBatch<T> x, MatrixBatch<T> y);

    /// <summary>
    /// b = op(R)^-1 b, or b op(R)^-1 when <paramref name="right"/>, op(R) = R or R^H, with R upper
    /// triangular n x n; only R's upper triangle is read (trsm).
    /// </summary>
    void SolveUpper(MatrixBatch<T> r, bool adjoint, MatrixBatch<T> b, bool right = false);

    /// <summary>
    /// x_b = 2^(c1 e1_b + c2 e2_b) x_b per matrix, exactly, in one rounding (see
    /// <see cref="PowerOfTwoScaling"/>); <paramref name="e2"/> may be null. One combined exponent, so
    /// that no intermediate step overflows or underflows where the result does not.
    /// </summary>
    void ScaleByPowerOfTwo(MatrixBatch<T> x, BatchInts e1, int c1, BatchInts? e2 = null, int c2 = 0);

    /// <summary>
    /// destination = 2^e source per matrix, e bringing it to unit magnitude (one pass where the
    /// backend can; destination may be source); returns the exponents.
    /// </summary>
    BatchInts ScaleToUnit(MatrixBatch<T> source, MatrixBatch<T> destination);

    /// <summary>
    /// Scales a and 2^-s b together (s: exponents from <see cref="ScaleToUnit(MatrixBatch{T}, MatrixBatch{T})"/>):
    /// per matrix, f brings the larger of max|a| and max|2^-s b| into [1, 2); a = 2^f a and
    /// b = 2^(f - s) b, each in one exact rounding. Returns f.
    /// </summary>
    BatchInts ScaleToUnit(MatrixBatch<T> a, MatrixBatch<T> b, BatchInts s);

    /// <summary>x[:, j] *= factors[j] per matrix; factors is cols x 1 per matrix.</summary>
    void ScaleColumns(MatrixBatch<T> x, MatrixBatch<T> factors);

    /// <summary>Zeros the matrices whose rank is at least <paramref name="full"/>.</summary>
    void ZeroWhereFullRank(MatrixBatch<T> x, BatchInts rank, int full);

    /// <summary>
    /// The residual's second-pass rule (one place: <see cref="Projection.ResidualPolicy"/>): zeros
    /// column j of t (k x p) unless column j of the residual e lost more than half the norm of
    /// column j of y, so that e - U t re-orthogonalizes exactly the columns that need it.
    /// </summary>
    void KeepSecondPassColumns(MatrixBatch<T> e, MatrixBatch<T> y, MatrixBatch<T> t);

    /// <summary>Householder QR in place (geqrf): R above the diagonal, reflectors below; tau is n x 1.</summary>
    void Geqrf(MatrixBatch<T> a, MatrixBatch<T> tau);

    /// <summary>c = Q c or Q^H c with Q given by geqrf's reflectors (ormqr; unmqr for complex elements).</summary>
    void Ormqr(bool adjoint, MatrixBatch<T> reflectors, MatrixBatch<T> tau, MatrixBatch<T> c);

    /// <summary>
    /// QR of 2^e a with LAPACK's signs (geqrf, then orgqr), e bringing each matrix to unit magnitude
    /// (scaled and factored matrix by matrix where the backend can): q (m x c, c = n &lt;= m for the
    /// thin factor, or m) receives Q's first c columns, r (c x n) R' = 2^e R with zeros below its
    /// diagonal; a is left as it is. Returns e.
    /// </summary>
    BatchInts Qr(MatrixBatch<T> a, MatrixBatch<T> q, MatrixBatch<T> r);

    /// <summary>
    /// Thin SVD A = U S V^H, k = min(m, n): u m x k, s k x 1 (descending; real, held as T with no
    /// imaginary part), v n x k. a may be overwritten.
    /// </summary>
    void ThinSvd(MatrixBatch<T> a, MatrixBatch<T> u, MatrixBatch<T> s, MatrixBatch<T> v);

    /// <summary>
    /// The QR rank rule (<see cref="RankTolerance.QrRank{T}"/>) on R's diagonal (r: n x n, or the m x n
    /// geqrf output), factored from 2^e A. Reads back to the host: ranks per matrix.
    /// </summary>
    int[] QrRank(MatrixBatch<T> r, BatchInts exponents, RankTolerance tolerance, int m, int n, out string firstDetail, out int firstDeficient);

    /// <summary>
    /// Whether every matrix is proven of full rank under the pinv rule by
    /// <see cref="RankTolerance.ProvesFullRank{T}"/> from the Frobenius norms of r (R', n x n, of
    /// 2^e A) and rinv (R'^-1). Reads back to the host. Only where <see cref="BatchKernels{T}.CanProveFullRank"/>.
    /// </summary>
    bool ProvesFullRank(MatrixBatch<T> r, MatrixBatch<T> rinv, BatchInts exponents, RankTolerance tolerance, int m, int n);

    /// <summary>
    /// The SVD rank rule on s (k x 1, of 2^e A): rank per matrix, keep (1 or 0) and inverse
    /// (1 / s or 0) per singular value, both k x 1.
    /// </summary>
    BatchInts SvdRank(MatrixBatch<T> s, BatchInts exponents, RankTolerance tolerance, int m, int n, MatrixBatch<T> keep, MatrixBatch<T> inverse);
}

/// <summary>
/// One backend's batched primitives: <see cref="Run{TResult}"/> opens the scope in which an
/// <see cref="IBatchOps{T}"/> is valid (on CUDA: the context, stream and scratch frame).
/// </summary>
internal abstract class BatchKernels<T>
    where T : unmanaged, INumberBase<T>
{
    /// <summary>The backend whose batches these primitives read and write.</summary>
    public abstract Backend Backend { get; }

    /// <summary>
    /// Whether Q is kept as geqrf's reflectors (applied by ormqr) for an m x n factor: orgqr costs
    /// about as much as geqrf, so forming Q pays off only when it is applied as one batched gemm.
    /// False means Q is formed explicitly (<see cref="IBatchOps{T}.Qr"/>); it is always false where
    /// <see cref="IBatchOps{T}.Geqrf"/> and Ormqr do not exist (Math.NET's managed provider).
    /// </summary>
    public abstract bool KeepsReflectors(int m, int n);

    /// <summary>
    /// Whether <see cref="IBatchOps{T}.ProvesFullRank"/> exists here (the CPU; CUDA has no device
    /// reduction for it yet, and its pseudo-inverse always goes through the SVD).
    /// </summary>
    public virtual bool CanProveFullRank => false;

    /// <summary>Runs <paramref name="body"/> with the primitives; scratch lives until it returns.</summary>
    public abstract TResult Run<TResult>(Func<IBatchOps<T>, TResult> body);
}

/// <summary>One int per matrix of a batch (ranks, scale exponents), where the backend keeps them.</summary>
internal abstract class BatchInts : IDisposable
{
    /// <summary>The values, read back to the host.</summary>
    public abstract int[] ToHost();

    /// <inheritdoc/>
    public virtual void Dispose()
    {
    }
}

/// <summary>A <see cref="BatchInts"/> in host memory.</summary>
internal sealed class HostBatchInts(int[] values) : BatchInts
{
    /// <summary>The values, in place.</summary>
    public int[] Values { get; } = values;

    /// <inheritdoc/>
    public override int[] ToHost() => Values;
}
