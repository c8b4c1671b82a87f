namespace OrthoProj;

/// <summary>
/// The orthogonal projector onto the column space of each matrix A (m x n) of a batch, factored
/// once and reused: P = A A+ = U U^T, where U is an orthonormal basis of range(A) (Q of Householder
/// QR, or the leading left singular vectors under the SVD method). Every operation takes a batch Y of
/// m x p right-hand sides with the same count as A.
/// </summary>
/// <remarks>
/// The backward passes use the direct formulas of the projector (docs/design.md section 1), with
/// x = A+ y, r = (I - P) y; they cost O(m n p) after the factorization, never go through a generic
/// SVD backward (which divides by s_i^2 - s_j^2) and never form A^T A. They are exact where the rank
/// is locally constant. Invariant: A^T gA = 0 for <see cref="ProjectBackward"/>.
/// </remarks>
public abstract class Projector<T> : IDisposable
    where T : unmanaged, INumberBase<T>
{
    /// <summary>Records the shape of the factored batch.</summary>
    protected Projector(Backend backend, int rows, int cols, int count, ProjectorMethod method, IReadOnlyList<int> rank)
    {
        Backend = backend;
        Rows = rows;
        Cols = cols;
        Count = count;
        Method = method;
        Rank = rank;
    }

    private readonly Lock gate = new();
    private int active;     // operations running now
    private bool disposed;

    /// <summary>The backend that holds the factorization.</summary>
    public Backend Backend { get; }

    /// <summary>m, rows of A.</summary>
    public int Rows { get; }

    /// <summary>n, columns of A.</summary>
    public int Cols { get; }

    /// <summary>Matrices in the batch.</summary>
    public int Count { get; }

    /// <summary>The factorization used.</summary>
    public ProjectorMethod Method { get; }

    /// <summary>Numerical rank of each matrix (n for every matrix under the QR method).</summary>
    public IReadOnlyList<int> Rank { get; }

    /// <summary>True after <see cref="Dispose()"/>.</summary>
    public bool IsDisposed
    {
        get
        {
            lock (gate)
            {
                return disposed;
            }
        }
    }

    /// <summary>z = P y = U (U^T y): the projection of each column of Y onto range(A).</summary>
    /// <param name="y">Y, m x p per matrix, column-major or (on the host) row-major.</param>
    /// <param name="output">
    /// Where to write z (m x p per matrix, either layout; it must not overlap the inputs), or null
    /// for a new batch. Every operation takes such an output: given, it is the batch returned, and
    /// every path writes the result straight into it (the general path on the host writes a
    /// row-major output through scratch and one transposing pass, its seam being column-major).
    /// </param>
    /// <returns>z, m x p per matrix: <paramref name="output"/> when given, else a new batch.</returns>
    public MatrixBatch<T> Project(MatrixBatch<T> y, MatrixBatch<T>? output = null)
    {
        using Lease lease = Enter();
        CheckY(y, nameof(y));
        Backend.CheckOutput(output, Rows, y.Cols, Count, nameof(output));
        return Backend.Deliver(ProjectCore(Readable(y), output), output);
    }

    /// <summary>
    /// e = (I - P) y, computed as y - U (U^T y) with a second pass on e when y lies nearly in
    /// range(A) (a column whose residual is below half its norm), which keeps e accurate there.
    /// </summary>
    /// <inheritdoc cref="Project" path="/param"/>
    /// <returns>e, m x p per matrix: <paramref name="output"/> when given, else a new batch.</returns>
    public MatrixBatch<T> Residual(MatrixBatch<T> y, MatrixBatch<T>? output = null)
    {
        using Lease lease = Enter();
        CheckY(y, nameof(y));
        Backend.CheckOutput(output, Rows, y.Cols, Count, nameof(output));
        return Backend.Deliver(ResidualCore(Readable(y), output), output);
    }

    /// <summary>P = U U^T, m x m per matrix.</summary>
    /// <param name="output">Where to write P (m x m per matrix, either layout), or null for a new batch.</param>
    /// <returns>P, m x m per matrix: <paramref name="output"/> when given, else a new batch.</returns>
    public MatrixBatch<T> Matrix(MatrixBatch<T>? output = null)
    {
        using Lease lease = Enter();
        Backend.CheckOutput(output, Rows, Rows, Count, nameof(output));
        return Backend.Deliver(MatrixCore(output), output);
    }

    /// <summary>
    /// x = A+ y, the minimum-norm least-squares solution: R^-1 (Q^T y) by a triangular solve under the
    /// QR method, V_r S_r^-1 U_r^T y under the SVD method. n x p per matrix.
    /// </summary>
    /// <param name="y">Y, m x p per matrix, column-major or (on the host) row-major.</param>
    /// <param name="output">Where to write x (n x p per matrix, either layout), or null for a new batch.</param>
    /// <returns>x, n x p per matrix: <paramref name="output"/> when given, else a new batch.</returns>
    public MatrixBatch<T> Solve(MatrixBatch<T> y, MatrixBatch<T>? output = null)
    {
        using Lease lease = Enter();
        CheckY(y, nameof(y));
        Backend.CheckOutput(output, Cols, y.Cols, Count, nameof(output));
        return Backend.Deliver(SolveCore(Readable(y), output), output);
    }

    /// <summary>
    /// Backward of z = P y: gy = P gz; gA = (I - P) gz x^T + r u^T with x = A+ y, r = (I - P) y,
    /// u = A+ gz.
    /// </summary>
    /// <param name="y">Y, m x p per matrix.</param>
    /// <param name="gradZ">dL/dz, m x p per matrix.</param>
    /// <param name="gradA">Where to write dL/dA (m x n per matrix, either layout), or null for a new batch.</param>
    /// <param name="gradY">Where to write dL/dY (m x p per matrix, either layout), or null for a new batch.</param>
    /// <returns>
    /// dL/dA and dL/dY: each the batch given for it, else a new batch. Disposing the gradients disposes
    /// both, a given batch included.
    /// </returns>
    public ProjectorGradients<T> ProjectBackward(MatrixBatch<T> y, MatrixBatch<T> gradZ, MatrixBatch<T>? gradA = null, MatrixBatch<T>? gradY = null)
    {
        using Lease lease = Enter();
        CheckYAndCotangent(y, gradZ, nameof(gradZ));
        CheckGradients(gradA, gradY, y.Cols);
        return Deliver(ProjectBackwardCore(Readable(y), Readable(gradZ), gradA, gradY), gradA, gradY);
    }

    /// <summary>Backward of e = (I - P) y: gy = (I - P) ge; gA = -[(I - P) ge x^T + r (A+ ge)^T].</summary>
    /// <param name="gradE">dL/de, m x p per matrix.</param>
    /// <param name="y">Y, m x p per matrix.</param>
    /// <param name="gradA">Where to write dL/dA (m x n per matrix, either layout), or null for a new batch.</param>
    /// <param name="gradY">Where to write dL/dY (m x p per matrix, either layout), or null for a new batch.</param>
    /// <inheritdoc cref="ProjectBackward" path="/returns"/>
    public ProjectorGradients<T> ResidualBackward(MatrixBatch<T> y, MatrixBatch<T> gradE, MatrixBatch<T>? gradA = null, MatrixBatch<T>? gradY = null)
    {
        using Lease lease = Enter();
        CheckYAndCotangent(y, gradE, nameof(gradE));
        CheckGradients(gradA, gradY, y.Cols);
        return Deliver(ResidualBackwardCore(Readable(y), Readable(gradE), gradA, gradY), gradA, gradY);
    }

    /// <summary>Backward of <see cref="Matrix"/>: gA = (I - P)(gP + gP^T) A+^T (= Q R^-T under QR).</summary>
    /// <param name="gradP">dL/dP, m x m per matrix.</param>
    /// <param name="output">Where to write dL/dA (m x n per matrix, either layout), or null for a new batch.</param>
    /// <returns>dL/dA, m x n per matrix: <paramref name="output"/> when given, else a new batch.</returns>
    public MatrixBatch<T> MatrixBackward(MatrixBatch<T> gradP, MatrixBatch<T>? output = null)
    {
        using Lease lease = Enter();
        Backend.CheckInput(gradP, nameof(gradP));
        if (gradP.Rows != Rows || gradP.Cols != Rows || gradP.Count != Count)
        {
            throw new ArgumentException($"gradP is {gradP.Shape}; it must be {Count} x ({Rows} x {Rows}), the shape of P.", nameof(gradP));
        }

        Backend.CheckOutput(output, Rows, Cols, Count, nameof(output));
        return Backend.Deliver(MatrixBackwardCore(Readable(gradP), output), output);
    }

    /// <summary>
    /// Backward of x = A+ y: with w = A+^T gx and v = A+ A+^T gx (= R^-1 R^-T gx under QR):
    /// gy = w; gA = -w x^T + r v^T + (A+^T x) ((I - A+ A) gx)^T (the last term vanishes at full column
    /// rank; it comes from the (I - A+ A) dA^T A+^T A+ term of dA+).
    /// </summary>
    /// <param name="gradX">dL/dx, n x p per matrix.</param>
    /// <param name="y">Y, m x p per matrix.</param>
    /// <param name="gradA">Where to write dL/dA (m x n per matrix, either layout), or null for a new batch.</param>
    /// <param name="gradY">Where to write dL/dY (m x p per matrix, either layout), or null for a new batch.</param>
    /// <inheritdoc cref="ProjectBackward" path="/returns"/>
    public ProjectorGradients<T> SolveBackward(MatrixBatch<T> y, MatrixBatch<T> gradX, MatrixBatch<T>? gradA = null, MatrixBatch<T>? gradY = null)
    {
        using Lease lease = Enter();
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(gradX);
        Backend.CheckInputs<T>((y, nameof(y)), (gradX, nameof(gradX)));
        CheckYShape(y, nameof(y));
        if (gradX.Rows != Cols || gradX.Cols != y.Cols || gradX.Count != Count)
        {
            throw new ArgumentException($"gradX is {gradX.Shape}; it must be {Count} x ({Cols} x {y.Cols}), the shape of x = A+ y.", nameof(gradX));
        }

        CheckGradients(gradA, gradY, y.Cols);
        return Deliver(SolveBackwardCore(Readable(y), Readable(gradX), gradA, gradY), gradA, gradY);
    }

    /// <summary>Releases the factorization; idempotent.</summary>
    public void Dispose()
    {
        bool release;
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            release = active == 0;
        }

        // An operation still running on another thread releases the factors when it leaves.
        if (release)
        {
            Dispose(true);
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Releases the backend's factors, once, when no operation is running (called from
    /// <see cref="Dispose()"/> or by the last operation that was running when it was called).
    /// </summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>
    /// Whether the cores read row-major host batches as they are (the SIMD small-matrix path); else
    /// every input reaches them column-major (<see cref="Backend.ColumnMajor{T}"/>).
    /// </summary>
    private protected virtual bool ReadsRowMajor => false;

    // The cores: arguments are validated; an output, when not null, has the result's shape and is
    // written directly (the core returns it): every projector of the library does so (the general
    // path through ResultTarget, the SIMD lanes by their scatter, the fused CUDA kernels in place).
    // Backend.Deliver copies only for a core that returns its own batch instead (none here; counted
    // by Backend.DeliveredCopies, which the conformance suite holds at zero).

    /// <summary>Core of <see cref="Project"/>.</summary>
    protected abstract MatrixBatch<T> ProjectCore(MatrixBatch<T> y, MatrixBatch<T>? output);

    /// <summary>Core of <see cref="Residual"/>.</summary>
    protected abstract MatrixBatch<T> ResidualCore(MatrixBatch<T> y, MatrixBatch<T>? output);

    /// <summary>Core of <see cref="Matrix"/>.</summary>
    protected abstract MatrixBatch<T> MatrixCore(MatrixBatch<T>? output);

    /// <summary>Core of <see cref="Solve"/>.</summary>
    protected abstract MatrixBatch<T> SolveCore(MatrixBatch<T> y, MatrixBatch<T>? output);

    /// <summary>Core of <see cref="ProjectBackward"/>.</summary>
    protected abstract ProjectorGradients<T> ProjectBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradZ, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY);

    /// <summary>Core of <see cref="ResidualBackward"/>.</summary>
    protected abstract ProjectorGradients<T> ResidualBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradE, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY);

    /// <summary>Core of <see cref="MatrixBackward"/>.</summary>
    protected abstract MatrixBatch<T> MatrixBackwardCore(MatrixBatch<T> gradP, MatrixBatch<T>? output);

    /// <summary>Core of <see cref="SolveBackward"/>.</summary>
    protected abstract ProjectorGradients<T> SolveBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradX, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY);

    /// <summary>The <see cref="Rank"/> of a batch of <paramref name="count"/> full-rank matrices of <paramref name="n"/> columns.</summary>
    private protected static int[] FullRank(int n, int count)
    {
        var rank = new int[count];
        Array.Fill(rank, n);
        return rank;
    }

    /// <summary>
    /// Marks an operation as running: a concurrent <see cref="Dispose()"/> then defers releasing the
    /// factors until the last running operation leaves, and any operation that starts after it
    /// throws <see cref="ObjectDisposedException"/>.
    /// </summary>
    private Lease Enter()
    {
        lock (gate)
        {
            TypeNames.ThrowIfDisposed(disposed, this);
            active++;
        }

        return new Lease(this);
    }

    private void Leave()
    {
        bool release;
        lock (gate)
        {
            active--;
            release = disposed && active == 0;
        }

        if (release)
        {
            Dispose(true);
        }
    }

    private MatrixBatch<T> CheckY(MatrixBatch<T> y, string paramName)
    {
        Backend.CheckInput(y, paramName);
        return CheckYShape(y, paramName);
    }

    private MatrixBatch<T> CheckYShape(MatrixBatch<T> y, string paramName)
    {
        if (y.Rows != Rows || y.Count != Count)
        {
            throw new ArgumentException($"{paramName} is {y.Shape}; it must be {Count} x ({Rows} x p) to match A ({Count} x ({Rows} x {Cols})).", paramName);
        }

        return y;
    }

    private MatrixBatch<T> Readable(MatrixBatch<T> x) => ReadsRowMajor ? x : Backend.ColumnMajor(x);

    private void CheckGradients(MatrixBatch<T>? gradA, MatrixBatch<T>? gradY, int p)
    {
        Backend.CheckOutput(gradA, Rows, Cols, Count, nameof(gradA));
        Backend.CheckOutput(gradY, Rows, p, Count, nameof(gradY));
    }

    private ProjectorGradients<T> Deliver(ProjectorGradients<T> result, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY) =>
        gradA is null && gradY is null
            ? result
            : new(Backend.Deliver(result.GradA, gradA), Backend.Deliver(result.GradY, gradY)) { KeepsGradA = gradA is not null, KeepsGradY = gradY is not null };

    /// <summary>y and its cotangent checked together (one status read on a device backend), then their shapes.</summary>
    private void CheckYAndCotangent(MatrixBatch<T> y, MatrixBatch<T> g, string paramName)
    {
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(g, paramName);
        Backend.CheckInputs<T>((y, nameof(y)), (g, paramName));
        CheckYShape(y, nameof(y));
        Backend.CheckSameShape(g, y, paramName, "y");
    }

    private readonly ref struct Lease(Projector<T> owner)
    {
        public void Dispose() => owner.Leave();
    }
}
