namespace OrthoProj;

/// <summary>
/// The operations in the vocabulary of torch.linalg, dispatched to the backend that owns the input
/// (device batches to their CUDA backend; host batches to the backend that returned them, or, for
/// batches the caller made, to <see cref="HostBackend"/>). Each method is documented on
/// <see cref="Backend"/>.
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
        get => hostBackend ?? CpuBackend.Default;
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

    /// <inheritdoc cref="Backend.Qr{T}"/>
    public static QrResult<T> Qr<T>(MatrixBatch<T> a, QrMode mode = QrMode.Reduced, MatrixBatch<T>? q = null, MatrixBatch<T>? r = null)
        where T : unmanaged, IFloatingPointIeee754<T> => BackendOf(a, nameof(a)).Qr(a, mode, q, r);

    /// <inheritdoc cref="Backend.QrBackward{T}"/>
    public static MatrixBatch<T> QrBackward<T>(MatrixBatch<T> q, MatrixBatch<T> r, MatrixBatch<T>? gradQ, MatrixBatch<T>? gradR, MatrixBatch<T>? output = null)
        where T : unmanaged, IFloatingPointIeee754<T> => BackendOf(q, nameof(q)).QrBackward(q, r, gradQ, gradR, output);

    /// <inheritdoc cref="Backend.Pinv{T}"/>
    public static PinvResult<T> Pinv<T>(MatrixBatch<T> a, RankTolerance tolerance = default, MatrixBatch<T>? output = null)
        where T : unmanaged, IFloatingPointIeee754<T> => BackendOf(a, nameof(a)).Pinv(a, tolerance, output);

    /// <inheritdoc cref="Backend.PinvBackward{T}"/>
    public static MatrixBatch<T> PinvBackward<T>(MatrixBatch<T> a, MatrixBatch<T> pinv, MatrixBatch<T> gradPinv, MatrixBatch<T>? output = null)
        where T : unmanaged, IFloatingPointIeee754<T> => BackendOf(a, nameof(a)).PinvBackward(a, pinv, gradPinv, output);

    /// <inheritdoc cref="Backend.Projector{T}"/>
    public static Projector<T> Projector<T>(MatrixBatch<T> a, ProjectorMethod method = ProjectorMethod.Qr, RankTolerance tolerance = default)
        where T : unmanaged, IFloatingPointIeee754<T> => BackendOf(a, nameof(a)).Projector(a, method, tolerance);

    private static Backend BackendOf<T>(MatrixBatch<T> x, string paramName)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x, paramName);
        x.ThrowIfDisposed();
        return x.Backend;
    }
}
