using System.Runtime.InteropServices;
using static OrthoProj.Native.Interop.Cublas;

namespace OrthoProj.Native;

/// <summary>cuBLAS math modes (cublasMath_t).</summary>
public enum CublasMathMode
{
    /// <summary>CUBLAS_DEFAULT_MATH: tensor cores where the precision allows, no TF32 for float32.</summary>
    Default = 0,

    /// <summary>CUBLAS_PEDANTIC_MATH: full precision in every step; OrthoProj's default (backward passes must not lose precision).</summary>
    Pedantic = 2,

    /// <summary>CUBLAS_TF32_TENSOR_OP_MATH: float32 products on TF32 tensor cores (about 10 mantissa bits).</summary>
    Tf32TensorOp = 3,
}

/// <summary>
/// A cuBLAS handle (cublasCreate_v2 / cublasDestroy_v2) created in a device's primary context.
/// New handles use <see cref="CublasMathMode.Pedantic"/>: TF32 and other reduced-precision
/// modes are off unless a caller opts in. A handle is not thread-safe: use one per thread or
/// stream.
/// </summary>
public sealed class CublasHandle : SafeHandle
{
    private ContextLease lease;
    private CublasMathMode mathMode;

    private CublasHandle(CudaDevice device, nint handle, ContextLease lease)
        : base(0, ownsHandle: true)
    {
        Device = device;
        this.lease = lease;
        SetHandle(handle);
    }

    /// <summary>The device whose context the handle was created in.</summary>
    public CudaDevice Device { get; }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>The math mode (cublasSetMathMode).</summary>
    public CublasMathMode MathMode
    {
        get => mathMode;
        set
        {
            CudaCheck.Check(cublasSetMathMode(Enter(), (int)value), "cublasSetMathMode");
            mathMode = value;
        }
    }

    /// <summary>The cuBLAS version as an integer, e.g. 111103 for 11.11.3 (cublasGetVersion_v2).</summary>
    public int Version
    {
        get
        {
            unsafe
            {
                int version;
                CudaCheck.Check(cublasGetVersion_v2(Enter(), &version), "cublasGetVersion_v2");
                return version;
            }
        }
    }

    /// <summary>Creates a handle on <paramref name="device"/> with pedantic math.</summary>
    /// <returns>A new handle; the caller disposes it.</returns>
    /// <exception cref="CudaException">cublasCreate_v2 failed.</exception>
    public static CublasHandle Create(CudaDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        device.MakeCurrent();
        nint raw;
        unsafe
        {
            CudaCheck.Check(cublasCreate_v2(&raw), "cublasCreate_v2");
        }

        var created = new CublasHandle(device, raw, ContextLease.Acquire(device.Context));
        created.MathMode = CublasMathMode.Pedantic;
        return created;
    }

    /// <summary>Queues this handle's work on <paramref name="stream"/> (null: the legacy default stream).</summary>
    public void SetStream(CudaStream? stream) =>
        CudaCheck.Check(cublasSetStream_v2(Enter(), CudaStream.RawOrDefault(stream)), "cublasSetStream_v2");

    /// <summary>Checks the handle is open, makes its context current and returns the raw handle.</summary>
    internal nint Enter()
    {
        TypeNames.ThrowIfDisposed(IsClosed, this);
        Device.MakeCurrent();
        return handle;
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        bool ok;
        using (lease.Enter())
        {
            ok = cublasDestroy_v2(handle) == cublasStatus_t.CUBLAS_STATUS_SUCCESS;
        }

        lease.Release();
        return ok;
    }
}
