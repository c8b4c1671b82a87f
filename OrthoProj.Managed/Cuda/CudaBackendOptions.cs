namespace OrthoProj;

/// <summary>
/// When a <see cref="CudaBackend"/> reads its error status back to the host.
/// </summary>
/// <remarks>
/// Every call's input checks (the non-finite scan of each input) write into one device status
/// word. Reading it back is a host synchronization: the host waits for all work queued before it.
/// A training step that calls the projection thousands of times cannot afford that wait, so the
/// read can be deferred, in the manner of PyTorch's <c>torch.linalg.*_ex</c> functions.
/// </remarks>
public enum CudaErrorChecking
{
    /// <summary>
    /// The status of a call's inputs is read back once, at the end of its argument checks: at most
    /// one host synchronization per call, and a bad input raises its exception from the call that
    /// received it, before any result is computed (as on the CPU).
    /// </summary>
    Synchronous,

    /// <summary>
    /// The status stays on the device: a steady-state call does not synchronize at all. The
    /// exception a bad input would have raised (the same type and message) is raised later, by the
    /// next operation that waits for the device anyway: a copy to the host
    /// (<see cref="MatrixBatch{T}.ToArray"/>, <see cref="MatrixBatch{T}.CopyTo"/>),
    /// <see cref="CudaBackend.Synchronize"/>, <see cref="CudaBackend.CheckErrors"/>, a call that reads a
    /// rank or devInfo back, or <see cref="CudaBackend.Dispose"/>. Results computed from a bad input
    /// in between hold NaN or garbage; discard them when the exception arrives.
    /// </summary>
    Deferred,
}

/// <summary>How a <see cref="CudaBackend"/> is created (<see cref="CudaBackend.Create(int, CudaBackendOptions)"/>).</summary>
public sealed class CudaBackendOptions
{
    /// <summary>When errors are read back (<see cref="CudaErrorChecking"/>); settable later through <see cref="CudaBackend.ErrorChecking"/>.</summary>
    public CudaErrorChecking ErrorChecking { get; init; } = CudaErrorChecking.Synchronous;

    /// <summary>The small-matrix path (<see cref="CudaBackend.SmallMatrixPath"/>); checked here, before any device is opened.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a <see cref="OrthoProj.SmallMatrixPath"/>.</exception>
    public SmallMatrixPath SmallMatrixPath
    {
        get => smallMatrixPath;
        init => smallMatrixPath = value is SmallMatrixPath.Auto or SmallMatrixPath.Always or SmallMatrixPath.Never
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown small-matrix path.");
    }

    private readonly SmallMatrixPath smallMatrixPath = SmallMatrixPath.Auto;

    /// <summary>
    /// An existing CUDA stream of this device's primary context to queue all work on instead of a
    /// stream of the backend's own, or null (the default) for an own non-blocking stream. Any handle
    /// is the caller's stream, the default streams included: 0 and <see cref="CudaStream.Legacy"/>
    /// (0x1) for the legacy default stream (what <c>torch.cuda.current_stream().cuda_stream</c>
    /// reports for PyTorch's default stream), <see cref="CudaStream.PerThread"/> (0x2) for the
    /// per-thread default stream of the calling thread. The caller keeps the stream alive longer than
    /// the backend; the backend never destroys it.
    /// </summary>
    /// <remarks>
    /// Null, not 0, means "none": 0 is a valid stream (the legacy default one), and a caller who
    /// passed it and got a private stream instead would find the backend's work unordered with its own.
    /// </remarks>
    public nint? ExternalStream { get; init; }
}
