namespace OrthoProj;

/// <summary>
/// A place where OrthoProj computes: <see cref="CpuBackend"/> on host memory, the CUDA backend on
/// device memory. Every public operation validates its arguments here, once for all backends
/// (shape, placement, disposed state, non-finite values), before any native call, then calls the
/// backend's core. The same names and semantics hold on every backend.
/// </summary>
public abstract class Backend
{
    private long deliveredCopies;
    private long resultAllocations;

    /// <summary>A short name, e.g. "cpu" or "cuda:0".</summary>
    public abstract string Name { get; }

    /// <summary>Where this backend's batches live.</summary>
    public abstract DeviceKind Device { get; }

    /// <summary>What computes: provider, libraries and versions, for reports.</summary>
    public abstract string Description { get; }

    /// <summary>Allocates a zero-filled batch on this backend.</summary>
    public abstract MatrixBatch<T> Zeros<T>(int rows, int cols, int count)
        where T : unmanaged, INumberBase<T>;

    /// <summary>Copies host data (column-major, matrix after matrix) into a new batch on this backend.</summary>
    /// <exception cref="ArgumentException">The length is not rows * cols * count.</exception>
    public abstract MatrixBatch<T> FromHost<T>(ReadOnlySpan<T> data, int rows, int cols, int count)
        where T : unmanaged, INumberBase<T>;

    /// <summary>Copies a host batch into a new batch on this backend.</summary>
    public MatrixBatch<T> FromHost<T>(HostMatrixBatch<T> batch)
        where T : unmanaged, INumberBase<T>
    {
        ArgumentNullException.ThrowIfNull(batch);
        return batch.Layout == MatrixLayout.ColumnMajor
            ? FromHost<T>(batch.Span, batch.Rows, batch.Cols, batch.Count)
            : FromHost<T>(batch.ToArray(), batch.Rows, batch.Cols, batch.Count);
    }

    /// <summary>
    /// QR factorization A = Q R of each matrix, as torch.linalg.qr (LAPACK geqrf then orgqr; R's
    /// diagonal keeps LAPACK's signs, it is not made positive).
    /// </summary>
    /// <param name="a">The batch, m x n, any m and n.</param>
    /// <param name="mode">Reduced (Q: m x min(m, n)) or complete (Q: m x m).</param>
    /// <param name="q">
    /// Where to write Q (m x c per matrix, c = min(m, n) reduced or m complete; either layout on the
    /// host; it must not be <paramref name="a"/> or <paramref name="r"/>), or null for a new batch.
    /// Given, it is the batch returned, written in place (a row-major batch on the general CPU path:
    /// computed column-major, then one transposing pass into it).
    /// </param>
    /// <param name="r">Where to write R (c x n per matrix), as <paramref name="q"/>; or null for a new batch.</param>
    /// <returns>
    /// Q and R; a batch you gave is the one returned, and stays yours: disposing the result disposes
    /// only the batches the operation allocated.
    /// </returns>
    /// <exception cref="ArgumentException">An output has another shape, lives on another backend, or is an input.</exception>
    /// <exception cref="ObjectDisposedException">An input or output is disposed.</exception>
    public QrResult<T> Qr<T>(MatrixBatch<T> a, QrMode mode = QrMode.Reduced, MatrixBatch<T>? q = null, MatrixBatch<T>? r = null)
        where T : unmanaged, INumberBase<T>
    {
        CheckInput(a, nameof(a));
        if (mode is not (QrMode.Reduced or QrMode.Complete))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown QR mode.");
        }

        int c = mode == QrMode.Reduced ? Math.Min(a.Rows, a.Cols) : a.Rows;
        CheckOutput(q, a.Rows, c, a.Count, nameof(q));
        CheckOutput(r, c, a.Cols, a.Count, nameof(r));
        CheckDistinct(q, nameof(q), a, r);
        CheckDistinct(r, nameof(r), a);
        QrResult<T> result = QrCore(CoreInput(a, a.Rows, a.Cols), mode, q, r);
        return new QrResult<T>(Deliver(result.Q, q), Deliver(result.R, r)) { KeepsQ = q is not null, KeepsR = r is not null };
    }

    /// <summary>
    /// Vector-Jacobian product of <see cref="Qr{T}"/> (reduced): gA from Q, R and the cotangents.
    /// For m &gt;= n: M = gR R^T - Q^T gQ, S = upper triangle of M mirrored to the lower,
    /// gA = (gQ + Q S) R^-T, by a triangular solve (never an inverse). For m &lt; n, with
    /// A = [X | Y] and R = [U | V]: the square rule on (gQ + Y gV^T, gU), and gY = Q gV.
    /// </summary>
    /// <param name="q">Q from the reduced factorization, m x k.</param>
    /// <param name="r">R from the reduced factorization, k x n.</param>
    /// <param name="gradQ">dL/dQ (m x k), or null when L does not depend on Q.</param>
    /// <param name="gradR">dL/dR (k x n), or null when L does not depend on R.</param>
    /// <param name="output">
    /// Where to write dL/dA (m x n per matrix, either layout on the host; not one of the inputs), or
    /// null for a new batch. Given, it is the batch returned, written in place (a row-major batch on
    /// the general CPU path: computed column-major, then one transposing pass into it).
    /// </param>
    /// <returns>dL/dA, m x n per matrix: <paramref name="output"/> when given, else a new batch.</returns>
    /// <exception cref="ArgumentException">Q and R are not reduced factors of one batch, or a cotangent or the output has another shape, lives on another backend, or the output is an input.</exception>
    /// <exception cref="ObjectDisposedException">An input or the output is disposed.</exception>
    /// <exception cref="NotSupportedException">Q comes from the complete mode with m &gt; n.</exception>
    /// <remarks>
    /// Each matrix is differentiated scaled by powers of two (R to unit magnitude, then gQ and gR
    /// together; exact, see PowerOfTwoScaling), so the result is correct wherever it is
    /// representable. R^-T must exist numerically: the leading k x k block of R is held to the QR
    /// method's rank rule with the default <see cref="RankTolerance"/> (|R_jj| above
    /// eps * max(m, n) * max_j |R_jj|), the same rule as <see cref="Projector{T}"/>'s.
    /// </remarks>
    /// <exception cref="RankDeficientException">
    /// The leading k x k block of R of some matrix is numerically singular under that rule (e.g. A
    /// has a repeated column): the gradient does not exist there. Names the first such matrix and
    /// its rank; the message carries <see cref="RankDeficientException.QrBackwardHint"/>.
    /// </exception>
    public MatrixBatch<T> QrBackward<T>(MatrixBatch<T> q, MatrixBatch<T> r, MatrixBatch<T>? gradQ, MatrixBatch<T>? gradR, MatrixBatch<T>? output = null)
        where T : unmanaged, INumberBase<T>
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(r);
        CheckInputs<T>((q, nameof(q)), (r, nameof(r)), (gradQ, nameof(gradQ)), (gradR, nameof(gradR)));
        int m = q.Rows, n = r.Cols, k = Math.Min(m, n);
        if (q.Cols == m && r.Rows == m && m > n)
        {
            throw new NotSupportedException(
                $"QrBackward got a complete-mode Q ({m} x {m}) for m = {m} > n = {n}: its last {m - n} columns are not determined by A, " +
                "so the gradient through them is undefined. Factor with QrMode.Reduced (as PyTorch and TensorFlow require).");
        }

        if (q.Cols != k || r.Rows != k || r.Count != q.Count)
        {
            throw new ArgumentException($"Q ({q.Shape}) and R ({r.Shape}) are not the reduced factors of one batch: expected Q {q.Count} x ({m} x {k}) and R {q.Count} x ({k} x {n}).", nameof(r));
        }

        if (gradQ is not null)
        {
            CheckSameShape(gradQ, q, nameof(gradQ), "Q");
        }

        if (gradR is not null)
        {
            CheckSameShape(gradR, r, nameof(gradR), "R");
        }

        CheckOutput(output, m, n, q.Count, nameof(output));
        CheckDistinct(output, nameof(output), q, r, gradQ, gradR);
        MatrixBatch<T>? Input(MatrixBatch<T>? x) => x is null ? null : CoreInput(x, m, n);
        return Deliver(QrBackwardCore(Input(q)!, Input(r)!, Input(gradQ), Input(gradR), output), output);
    }

    /// <summary>
    /// Moore-Penrose pseudo-inverse A+ of each matrix with torch.linalg.pinv's tolerance: the singular
    /// values above max(atol, rtol * s_max) are kept. A tall batch (m &gt;= n) whose every matrix the
    /// CPU backend proves of full rank under that rule (from the norms of R and R^-1, so that no
    /// singular value can fall below the threshold) goes through QR: A+ = R^-1 Q^T. Every other batch,
    /// and every batch on CUDA, goes through the SVD (LAPACK gesdd / cuSOLVER gesvdj):
    /// A+ = V_r S_r^-1 U_r^T. Both give the same A+ to rounding.
    /// </summary>
    /// <param name="a">A, m x n, any m and n.</param>
    /// <param name="tolerance">The rank tolerance (torch.linalg.pinv semantics).</param>
    /// <param name="output">
    /// Where to write A+ (n x m per matrix, either layout on the host; not <paramref name="a"/>), or
    /// null for a new batch. Given, it is the batch returned, written in place (a row-major batch on
    /// the general CPU path: computed column-major, then one pass into it).
    /// </param>
    /// <returns>
    /// A+ and the rank of each matrix; a batch you gave is the one returned and stays yours: disposing
    /// the result then disposes nothing.
    /// </returns>
    /// <exception cref="ArgumentException">The output has another shape, lives on another backend, or is <paramref name="a"/>.</exception>
    /// <exception cref="ObjectDisposedException">The input or the output is disposed.</exception>
    public PinvResult<T> Pinv<T>(MatrixBatch<T> a, RankTolerance tolerance = default, MatrixBatch<T>? output = null)
        where T : unmanaged, INumberBase<T>
    {
        CheckInput(a, nameof(a));
        tolerance.Validate();
        CheckOutput(output, a.Cols, a.Rows, a.Count, nameof(output));
        CheckDistinct(output, nameof(output), a);
        PinvResult<T> result = PinvCore(CoreInput(a, a.Rows, a.Cols), tolerance, output);
        return output is null ? result : new PinvResult<T>(Deliver(result.Pinv, output), result.Rank) { KeepsPinv = true };
    }

    /// <summary>
    /// Vector-Jacobian product of <see cref="Pinv{T}"/> (Golub and Pereyra), with X = A+ as returned:
    /// gA = -X^T G X^T + (I - A X) G^T X X^T + X^T X G^T (I - X A). Exact where the rank is locally
    /// constant; it jumps where a singular value crosses the threshold.
    /// </summary>
    /// <param name="a">A, m x n.</param>
    /// <param name="pinv">X = A+ from <see cref="Pinv{T}"/>, n x m.</param>
    /// <param name="gradPinv">G = dL/dX, n x m.</param>
    /// <param name="output">
    /// Where to write dL/dA (m x n per matrix, either layout on the host; not one of the inputs), or
    /// null for a new batch. Given, it is the batch returned, written in place (a row-major batch on
    /// the general CPU path: computed column-major, then one transposing pass into it).
    /// </param>
    /// <returns>dL/dA, m x n per matrix: <paramref name="output"/> when given, else a new batch.</returns>
    /// <exception cref="ArgumentException">pinv, gradPinv or the output has another shape or lives on another backend, or the output is an input.</exception>
    /// <exception cref="ObjectDisposedException">An input or the output is disposed.</exception>
    public MatrixBatch<T> PinvBackward<T>(MatrixBatch<T> a, MatrixBatch<T> pinv, MatrixBatch<T> gradPinv, MatrixBatch<T>? output = null)
        where T : unmanaged, INumberBase<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(pinv);
        ArgumentNullException.ThrowIfNull(gradPinv);
        CheckInputs<T>((a, nameof(a)), (pinv, nameof(pinv)), (gradPinv, nameof(gradPinv)));
        if (pinv.Rows != a.Cols || pinv.Cols != a.Rows || pinv.Count != a.Count)
        {
            throw new ArgumentException($"pinv is {pinv.Shape}; for A {a.Shape} it must be {a.Count} x ({a.Cols} x {a.Rows}).", nameof(pinv));
        }

        CheckSameShape(gradPinv, pinv, nameof(gradPinv), "pinv");
        CheckOutput(output, a.Rows, a.Cols, a.Count, nameof(output));
        CheckDistinct(output, nameof(output), a, pinv, gradPinv);
        int m = a.Rows, n = a.Cols;
        return Deliver(PinvBackwardCore(CoreInput(a, m, n), CoreInput(pinv, m, n), CoreInput(gradPinv, m, n), output), output);
    }

    /// <summary>
    /// Factors A once and returns a reusable projector onto its column space (P = A A+), with
    /// <see cref="Projector{T}.Project"/>, <see cref="Projector{T}.Residual"/>,
    /// <see cref="Projector{T}.Matrix"/>, <see cref="Projector{T}.Solve"/> and their backward passes.
    /// </summary>
    /// <param name="a">A, m x n.</param>
    /// <param name="method">QR (default; m &gt;= n, full column rank) or SVD (any rank and shape).</param>
    /// <param name="tolerance">The rank tolerance (torch.linalg.pinv semantics).</param>
    /// <returns>The projector, which holds the factorization until it is disposed.</returns>
    /// <exception cref="RankDeficientException">Under the QR method, a matrix has rank below n.</exception>
    public Projector<T> Projector<T>(MatrixBatch<T> a, ProjectorMethod method = ProjectorMethod.Qr, RankTolerance tolerance = default)
        where T : unmanaged, INumberBase<T>
    {
        CheckInput(a, nameof(a));
        tolerance.Validate();
        if (method == ProjectorMethod.Qr && a.Rows < a.Cols)
        {
            throw new ArgumentException($"The QR method needs m >= n (a tall or square A); A is {a.Shape}. Use ProjectorMethod.Svd for wide matrices.", nameof(a));
        }

        if (method is not (ProjectorMethod.Qr or ProjectorMethod.Svd))
        {
            throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown projector method.");
        }

        return ProjectorCore(a, method, tolerance);
    }

    // The cores below: arguments are validated; an output, when not null, has the result's shape
    // (either layout on the host) and is written directly: the core returns it (the public layer's
    // Deliver is then a no-op, and copies only for a core that returned its own batch instead).

    /// <summary>Core of <see cref="Qr{T}"/>; arguments are validated.</summary>
    protected abstract QrResult<T> QrCore<T>(MatrixBatch<T> a, QrMode mode, MatrixBatch<T>? q, MatrixBatch<T>? r)
        where T : unmanaged, INumberBase<T>;

    /// <summary>Core of <see cref="QrBackward{T}"/>; arguments are validated.</summary>
    protected abstract MatrixBatch<T> QrBackwardCore<T>(MatrixBatch<T> q, MatrixBatch<T> r, MatrixBatch<T>? gradQ, MatrixBatch<T>? gradR, MatrixBatch<T>? output)
        where T : unmanaged, INumberBase<T>;

    /// <summary>Core of <see cref="Pinv{T}"/>; arguments are validated.</summary>
    protected abstract PinvResult<T> PinvCore<T>(MatrixBatch<T> a, RankTolerance tolerance, MatrixBatch<T>? output)
        where T : unmanaged, INumberBase<T>;

    /// <summary>Core of <see cref="PinvBackward{T}"/>; arguments are validated.</summary>
    protected abstract MatrixBatch<T> PinvBackwardCore<T>(MatrixBatch<T> a, MatrixBatch<T> pinv, MatrixBatch<T> gradPinv, MatrixBatch<T>? output)
        where T : unmanaged, INumberBase<T>;

    /// <summary>
    /// Core of <see cref="Projector{T}"/>; arguments are validated. <paramref name="a"/> keeps the
    /// caller's layout (a path that reads only column-major takes <c>ColumnMajor(a)</c>).
    /// </summary>
    protected abstract Projector<T> ProjectorCore<T>(MatrixBatch<T> a, ProjectorMethod method, RankTolerance tolerance)
        where T : unmanaged, INumberBase<T>;

    /// <summary>
    /// Finds the first non-finite element of <paramref name="x"/> (on the device where it lives), or
    /// returns false.
    /// </summary>
    protected internal abstract bool TryFindNonFinite<T>(MatrixBatch<T> x, out int index, out double value)
        where T : unmanaged, INumberBase<T>;

    /// <summary>Checks that <paramref name="x"/> is non-null, live, on this backend and finite.</summary>
    /// <exception cref="ArgumentNullException"/>
    /// <exception cref="ObjectDisposedException"/>
    /// <exception cref="ArgumentException">The batch lives on another backend.</exception>
    /// <exception cref="NonFiniteInputException">The batch holds NaN or an infinity.</exception>
    protected internal void CheckInput<T>(MatrixBatch<T> x, string paramName)
        where T : unmanaged, INumberBase<T>
    {
        ArgumentNullException.ThrowIfNull(x, paramName);
        CheckInputs<T>((x, paramName));
    }

    /// <summary>
    /// Checks the inputs of one call together: each non-null, live and on this backend, then all of
    /// them finite in one <see cref="CheckFinite{T}"/> (on a device backend, one read of one status
    /// word for the whole call instead of one wait per input). Null entries are skipped (optional
    /// inputs; a required one is checked for null first). The first failing input, in order, names the exception.
    /// </summary>
    /// <exception cref="ArgumentNullException"/>
    /// <exception cref="ObjectDisposedException"/>
    /// <exception cref="ArgumentException">A batch lives on another backend.</exception>
    /// <exception cref="NonFiniteInputException">A batch holds NaN or an infinity.</exception>
    protected internal void CheckInputs<T>(params ReadOnlySpan<(MatrixBatch<T>? X, string Name)> inputs)
        where T : unmanaged, INumberBase<T>
    {
        foreach ((MatrixBatch<T>? x, string paramName) in inputs)
        {
            if (x is null)
            {
                continue;
            }

            x.ThrowIfDisposed();
            if (!ReferenceEquals(x.Backend, this) && !AcceptsStorageOf(x))
            {
                throw new ArgumentException($"{paramName} lives on {x.Backend.Name} ({x.Device}); this operation runs on {Name}. Copy it with FromHost/ToHost first.", paramName);
            }

            OrderUse(x);
        }

        CheckFinite(inputs);
    }

    /// <summary>
    /// Checks the validated inputs of one call for NaN and infinities and throws
    /// <see cref="NonFiniteInputException"/> for the first that holds one. This default scans each
    /// through <see cref="TryFindNonFinite{T}"/>; a device backend overrides it to scan all of them
    /// into one status word and read it back once, or later (CUDA's deferred error checking).
    /// </summary>
    protected internal virtual void CheckFinite<T>(ReadOnlySpan<(MatrixBatch<T>? X, string Name)> inputs)
        where T : unmanaged, INumberBase<T>
    {
        foreach ((MatrixBatch<T>? x, string paramName) in inputs)
        {
            if (x is not null && TryFindNonFinite(x, out int index, out double value))
            {
                (int matrix, int row, int col) = x.Locate(index);
                throw new NonFiniteInputException(paramName, matrix, row, col, value);
            }
        }
    }

    /// <summary>
    /// Checks a batch the caller gave for a result: live, on this backend, of the result's shape (any
    /// <see cref="MatrixLayout"/>); null means "allocate one".
    /// </summary>
    /// <exception cref="ObjectDisposedException"/>
    /// <exception cref="ArgumentException">The batch lives on another backend or has another shape.</exception>
    protected internal void CheckOutput<T>(MatrixBatch<T>? output, int rows, int cols, int count, string paramName)
        where T : unmanaged, INumberBase<T>
    {
        if (output is null)
        {
            return;
        }

        output.ThrowIfDisposed();
        if (!ReferenceEquals(output.Backend, this) && !AcceptsStorageOf(output))
        {
            throw new ArgumentException($"{paramName} lives on {output.Backend.Name} ({output.Device}); this operation runs on {Name}.", paramName);
        }

        OrderUse(output);

        if (output.Rows != rows || output.Cols != cols || output.Count != count)
        {
            throw new ArgumentException($"{paramName} is {output.Shape}; the result is {count} x ({rows} x {cols}).", paramName);
        }
    }

    /// <summary>
    /// What a core returned, delivered into the caller's <paramref name="output"/> when one was given
    /// and the core did not write there itself (one copy, in the output's layout); the core's own batch
    /// is then released. The output may belong to another backend of the same device (another
    /// stream): <see cref="MatrixBatch{T}.Assign"/> orders the copy after the core's work and the
    /// release of the core's batch after the copy (on CUDA, <c>CudaMatrixBatch.OrderUseBy</c>).
    /// </summary>
    /// <remarks>
    /// Every core of OrthoProj's backends writes into the outputs it is given, so this copies only
    /// for a core that does not (a backend outside the library); <see cref="DeliveredCopies"/>
    /// counts those copies, which the conformance suite holds at zero.
    /// </remarks>
    internal MatrixBatch<T> Deliver<T>(MatrixBatch<T> result, MatrixBatch<T>? output)
        where T : unmanaged, INumberBase<T>
    {
        if (output is null || ReferenceEquals(result, output))
        {
            return result;
        }

        Interlocked.Increment(ref deliveredCopies);
        using (result)
        {
            output.Assign(result);
        }

        return output;
    }

    /// <summary>Results <see cref="Deliver{T}"/> copied into a given output (a core that ignored it); tests hold it at zero.</summary>
    internal long DeliveredCopies => Interlocked.Read(ref deliveredCopies);

    /// <summary>
    /// Result batches the general path's seam allocated (<c>IBatchOps.Allocate</c>, on the CPU and
    /// on CUDA) and the fused CUDA kernels took from the pool: tests check that an operation given
    /// its outputs allocates none.
    /// </summary>
    internal long ResultAllocations => Interlocked.Read(ref resultAllocations);

    /// <summary>Counts one result allocation (<see cref="ResultAllocations"/>).</summary>
    internal void CountResultAllocation() => Interlocked.Increment(ref resultAllocations);

    /// <summary>
    /// Whether this backend's core of an operation on a batch of m x n matrices (A's shape; the
    /// other inputs of that operation are read likewise) reads a row-major host batch in place, as
    /// the CPU's SIMD lanes do. Where it does not, the operation hands its core a column-major copy.
    /// </summary>
    private protected virtual bool CoreReadsRowMajor<T>(int m, int n, int count)
        where T : unmanaged, INumberBase<T> => false;

    /// <summary>An input as the core of an operation on m x n matrices reads it: in place, or a column-major copy (<see cref="CoreReadsRowMajor{T}"/>).</summary>
    private MatrixBatch<T> CoreInput<T>(MatrixBatch<T> x, int m, int n)
        where T : unmanaged, INumberBase<T> => CoreReadsRowMajor<T>(m, n, x.Count) ? x : ColumnMajor(x);

    /// <summary>
    /// <paramref name="x"/> in LAPACK's column-major layout, for the cores that read no other: x itself,
    /// or for a row-major host batch a column-major copy (garbage-collected memory, nothing to release).
    /// </summary>
    internal static MatrixBatch<T> ColumnMajor<T>(MatrixBatch<T> x)
        where T : unmanaged, INumberBase<T> =>
        x.Layout == MatrixLayout.ColumnMajor ? x : HostMatrixBatch<T>.Wrap(x.ToArray(), x.Rows, x.Cols, x.Count);

    /// <summary>Whether a batch created by another backend instance of the same kind can be used in place.</summary>
    protected virtual bool AcceptsStorageOf<T>(MatrixBatch<T> x)
        where T : unmanaged, INumberBase<T> => false;

    /// <summary>
    /// Called for every batch a call will read or write (its inputs and given outputs, this backend's
    /// own or accepted by <see cref="AcceptsStorageOf{T}"/>), before the call queues any work: a
    /// device backend orders its stream after the work another stream queued on the batch. Nothing
    /// on the host.
    /// </summary>
    protected virtual void OrderUse<T>(MatrixBatch<T> x)
        where T : unmanaged, INumberBase<T>
    {
    }

    /// <summary>
    /// Checks that a given output is none of the call's <paramref name="others"/> (inputs, or an
    /// output checked before it): an operation reads its inputs while it writes its outputs.
    /// </summary>
    /// <exception cref="ArgumentException">The output is one of them.</exception>
    protected internal static void CheckDistinct<T>(MatrixBatch<T>? output, string paramName, params ReadOnlySpan<MatrixBatch<T>?> others)
        where T : unmanaged, INumberBase<T>
    {
        if (output is null)
        {
            return;
        }

        foreach (MatrixBatch<T>? other in others)
        {
            if (ReferenceEquals(output, other))
            {
                throw new ArgumentException($"{paramName} is also an input or another output of this call; give a separate batch.", paramName);
            }
        }
    }

    /// <exception cref="ArgumentException">The shapes differ.</exception>
    protected internal static void CheckSameShape<T>(MatrixBatch<T> x, MatrixBatch<T> like, string paramName, string likeName)
        where T : unmanaged, INumberBase<T>
    {
        if (x.Rows != like.Rows || x.Cols != like.Cols || x.Count != like.Count)
        {
            throw new ArgumentException($"{paramName} is {x.Shape}; it must have the shape of {likeName}, {like.Shape}.", paramName);
        }
    }
}
