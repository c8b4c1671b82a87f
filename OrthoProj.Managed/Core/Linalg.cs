namespace OrthoProj;

/// <summary>
/// The operations in the vocabulary of torch.linalg, dispatched to the backend that owns the input
/// (device batches to their CUDA backend; host batches to the backend that returned them, or, for
/// batches the caller made, to <see cref="HostBackend"/>). Each method's formula and conventions are
/// documented once, on the <see cref="Backend"/> method of the same name.
/// </summary>
public static class Linalg
{
    private static volatile Backend? hostBackend;

    /// <summary>
    /// The backend that runs <c>Linalg.*</c> on host batches the caller made: by default
    /// <see cref="CpuBackend.Default"/> (native LAPACK when found, else Math.NET's managed provider),
    /// created on first use. Set it to choose another, e.g. <c>CpuBackend.CreateManaged(1)</c>, before
    /// or between calls; results already returned keep the backend that computed them.
    /// </summary>
    /// <exception cref="ArgumentException">The backend does not compute on host memory.</exception>
    public static Backend HostBackend
    {
        get => hostBackend ?? HostBackendProvider.Default; // CpuBackend.Default, registered by the CPU layer
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Device != DeviceKind.Cpu)
            {
                throw new ArgumentException($"{value.Name} computes on {value.Device}; the host backend must compute on host memory.", nameof(value));
            }

            hostBackend = value;
        }
    }

    /// <summary>
    /// QR factorization A = Q R of each matrix of <paramref name="a"/>, as torch.linalg.qr, on the
    /// backend that owns <paramref name="a"/>; R's diagonal keeps LAPACK's signs. The method and its
    /// conventions are on <see cref="Backend.Qr{T}"/>.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="a">The batch, m x n, any m and n, any <see cref="MatrixLayout"/>.</param>
    /// <param name="mode">
    /// <see cref="QrMode.Reduced"/> (Q: m x k, R: k x n, k = min(m, n)) or
    /// <see cref="QrMode.Complete"/> (Q: m x m, R: m x n).
    /// </param>
    /// <param name="q">Where to write Q (either layout), or null for a new batch.</param>
    /// <param name="r">Where to write R (either layout), or null for a new batch.</param>
    /// <returns>Q and R, on the backend of <paramref name="a"/>: the given batches, or new column-major ones that the caller disposes (disposing the result releases only what the operation allocated).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="a"/> was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not a <see cref="QrMode"/>.</exception>
    /// <exception cref="NonFiniteInputException"><paramref name="a"/> holds NaN or an infinity.</exception>
    public static QrResult<T> Qr<T>(MatrixBatch<T> a, QrMode mode = QrMode.Reduced, MatrixBatch<T>? q = null, MatrixBatch<T>? r = null)
        where T : unmanaged, INumberBase<T> => BackendOf(a, nameof(a)).Qr(a, mode, q, r);

    /// <summary>
    /// Vector-Jacobian product of <see cref="Qr{T}"/> (reduced): dL/dA from Q, R and the cotangents,
    /// on the backend that owns <paramref name="q"/>. The formula, its scaling and its rank rule are
    /// on <see cref="Backend.QrBackward{T}"/>.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="q">Q from the reduced factorization, m x k (k = min(m, n)).</param>
    /// <param name="r">R from the reduced factorization, k x n.</param>
    /// <param name="gradQ">dL/dQ (m x k), or null when L does not depend on Q.</param>
    /// <param name="gradR">dL/dR (k x n), or null when L does not depend on R.</param>
    /// <param name="output">Where to write dL/dA (m x n per matrix, either layout; not one of the inputs), or null for a new batch; given, it is the batch returned.</param>
    /// <returns>dL/dA, m x n per matrix: <paramref name="output"/>, or a new column-major batch that the caller disposes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="q"/> or <paramref name="r"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">An input was disposed.</exception>
    /// <exception cref="ArgumentException">
    /// The inputs are not the reduced factors of one batch and cotangents of their shapes, or live on
    /// another backend than <paramref name="q"/>.
    /// </exception>
    /// <exception cref="NotSupportedException"><paramref name="q"/> comes from <see cref="QrMode.Complete"/> with m &gt; n.</exception>
    /// <exception cref="NonFiniteInputException">An input holds NaN or an infinity.</exception>
    /// <exception cref="RankDeficientException">The leading k x k block of R of some matrix is numerically singular: the gradient does not exist there.</exception>
    public static MatrixBatch<T> QrBackward<T>(MatrixBatch<T> q, MatrixBatch<T> r, MatrixBatch<T>? gradQ, MatrixBatch<T>? gradR, MatrixBatch<T>? output = null)
        where T : unmanaged, INumberBase<T> => BackendOf(q, nameof(q)).QrBackward(q, r, gradQ, gradR, output);

    /// <summary>
    /// Moore-Penrose pseudo-inverse A+ of each matrix of <paramref name="a"/>, with torch.linalg.pinv's
    /// tolerance, on the backend that owns <paramref name="a"/>. The routes (R^-1 Q^T for a tall matrix
    /// proven of full rank, the SVD otherwise) are on <see cref="Backend.Pinv{T}"/>.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="a">The batch, m x n, any m and n, any <see cref="MatrixLayout"/>.</param>
    /// <param name="tolerance">Which singular values count as zero (<see cref="RankTolerance"/>; the default is torch's).</param>
    /// <param name="output">Where to write A+ (n x m per matrix, either layout), or null for a new batch.</param>
    /// <returns>A+ (<paramref name="output"/>, or a new column-major batch) and the rank kept for each matrix; disposing the result releases only what the operation allocated.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="a"/> was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A tolerance is negative or not finite.</exception>
    /// <exception cref="NonFiniteInputException"><paramref name="a"/> holds NaN or an infinity.</exception>
    /// <exception cref="SvdNotConvergedException">On CUDA, the SVD of a matrix did not converge.</exception>
    public static PinvResult<T> Pinv<T>(MatrixBatch<T> a, RankTolerance tolerance = default, MatrixBatch<T>? output = null)
        where T : unmanaged, INumberBase<T> => BackendOf(a, nameof(a)).Pinv(a, tolerance, output);

    /// <summary>
    /// Vector-Jacobian product of <see cref="Pinv{T}"/>: dL/dA from A, X = A+ and G = dL/dX, on the
    /// backend that owns <paramref name="a"/>. The formula (Golub and Pereyra) is on
    /// <see cref="Backend.PinvBackward{T}"/>.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="a">A, m x n.</param>
    /// <param name="pinv">X = A+ from <see cref="Pinv{T}"/>, n x m.</param>
    /// <param name="gradPinv">G = dL/dX, n x m.</param>
    /// <param name="output">Where to write dL/dA (m x n per matrix, either layout; not one of the inputs), or null for a new batch; given, it is the batch returned.</param>
    /// <returns>dL/dA, m x n per matrix: <paramref name="output"/>, or a new column-major batch that the caller disposes.</returns>
    /// <exception cref="ArgumentNullException">An input is null.</exception>
    /// <exception cref="ObjectDisposedException">An input was disposed.</exception>
    /// <exception cref="ArgumentException">The shapes do not match A's, or an input lives on another backend than <paramref name="a"/>.</exception>
    /// <exception cref="NonFiniteInputException">An input holds NaN or an infinity.</exception>
    public static MatrixBatch<T> PinvBackward<T>(MatrixBatch<T> a, MatrixBatch<T> pinv, MatrixBatch<T> gradPinv, MatrixBatch<T>? output = null)
        where T : unmanaged, INumberBase<T> => BackendOf(a, nameof(a)).PinvBackward(a, pinv, gradPinv, output);

    /// <summary>
    /// Factors A once, on the backend that owns <paramref name="a"/>, and returns a reusable projector
    /// onto its column space (P = A A+) with project, residual, projection matrix, least squares and
    /// their backward passes. The methods are on <see cref="Backend.Projector{T}"/> and
    /// <see cref="Projector{T}"/>.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="a">A, m x n, any <see cref="MatrixLayout"/>.</param>
    /// <param name="method">
    /// <see cref="ProjectorMethod.Qr"/> (the default; m &gt;= n and full column rank) or
    /// <see cref="ProjectorMethod.Svd"/> (any rank and shape).
    /// </param>
    /// <param name="tolerance">The rank tolerance (<see cref="RankTolerance"/>, torch.linalg.pinv semantics).</param>
    /// <returns>The projector; the caller disposes it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="a"/> was disposed.</exception>
    /// <exception cref="ArgumentException">The QR method was asked for a wide A (m &lt; n).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="method"/> is not a <see cref="ProjectorMethod"/>, or a tolerance is negative or not finite.</exception>
    /// <exception cref="NonFiniteInputException"><paramref name="a"/> holds NaN or an infinity.</exception>
    /// <exception cref="RankDeficientException">Under the QR method, a matrix has rank below n.</exception>
    public static Projector<T> Projector<T>(MatrixBatch<T> a, ProjectorMethod method = ProjectorMethod.Qr, RankTolerance tolerance = default)
        where T : unmanaged, INumberBase<T> => BackendOf(a, nameof(a)).Projector(a, method, tolerance);

    private static Backend BackendOf<T>(MatrixBatch<T> x, string paramName)
        where T : unmanaged, INumberBase<T>
    {
        ArgumentNullException.ThrowIfNull(x, paramName);
        x.ThrowIfDisposed();
        return x.Backend;
    }
}
