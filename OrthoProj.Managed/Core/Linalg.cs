using System.Numerics;

namespace OrthoProj;

/// <summary>
/// The operations in the vocabulary of torch.linalg, dispatched to the backend that owns the input
/// (host batches to <see cref="CpuBackend.Default"/>, device batches to their CUDA backend).
/// Each method is documented on <see cref="Backend"/>.
/// </summary>
public static class Linalg
{
    /// <inheritdoc cref="Backend.Qr{T}"/>
    public static QrResult<T> Qr<T>(MatrixBatch<T> a, QrMode mode = QrMode.Reduced)
        where T : unmanaged, IFloatingPointIeee754<T> => BackendOf(a, nameof(a)).Qr(a, mode);

    /// <inheritdoc cref="Backend.QrBackward{T}"/>
    public static MatrixBatch<T> QrBackward<T>(MatrixBatch<T> q, MatrixBatch<T> r, MatrixBatch<T>? gradQ, MatrixBatch<T>? gradR)
        where T : unmanaged, IFloatingPointIeee754<T> => BackendOf(q, nameof(q)).QrBackward(q, r, gradQ, gradR);

    /// <inheritdoc cref="Backend.Pinv{T}"/>
    public static PinvResult<T> Pinv<T>(MatrixBatch<T> a, RankTolerance tolerance = default)
        where T : unmanaged, IFloatingPointIeee754<T> => BackendOf(a, nameof(a)).Pinv(a, tolerance);

    /// <inheritdoc cref="Backend.PinvBackward{T}"/>
    public static MatrixBatch<T> PinvBackward<T>(MatrixBatch<T> a, MatrixBatch<T> pinv, MatrixBatch<T> gradPinv)
        where T : unmanaged, IFloatingPointIeee754<T> => BackendOf(a, nameof(a)).PinvBackward(a, pinv, gradPinv);

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
