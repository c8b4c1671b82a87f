using System.Diagnostics;
using System.Runtime.InteropServices;
using static OrthoProj.Native.Interop.Driver;

namespace OrthoProj.Native;

/// <summary>
/// One CUDA device and its primary context (cuDevicePrimaryCtxRetain), the context that the CUDA
/// runtime, cuBLAS and cuSOLVER use as well, so that library calls and our driver-API kernel
/// launches share memory and streams. Attributes are queried one by one with
/// cuDeviceGetAttribute; cudaDeviceProp is never marshalled because its layout changes between
/// CUDA majors. Dispose releases this object's reference on the primary context; the context
/// itself lives until every buffer, stream and handle created from it is disposed too.
/// </summary>
/// <remarks>
/// .NET moves work between threads (thread pool, async continuations), and the current CUDA
/// context is per thread: every OrthoProj entry enters the context (<see cref="Enter"/>) before
/// its native calls and gives the caller's back after. Code that calls CUDA directly should make
/// the context current too (<see cref="MakeCurrent"/> or <see cref="Enter"/>).
/// </remarks>
[DebuggerDisplay("CUDA {Ordinal}: {Name} (sm_{Architecture})")]
public sealed class CudaDevice : IDisposable
{
    private readonly PrimaryContextHandle context;

    private CudaDevice(int ordinal, int device, PrimaryContextHandle context)
    {
        Ordinal = ordinal;
        NativeDevice = device;
        this.context = context;
    }

    /// <summary>
    /// Whether a CUDA driver loads, initializes and reports at least one device. Never throws.
    /// </summary>
    public static bool IsAvailable => TryGetDeviceCount(out int count, out _) && count > 0;

    /// <summary>The device ordinal as the driver numbers devices (after CUDA_VISIBLE_DEVICES).</summary>
    public int Ordinal { get; }

    /// <summary>The device name reported by cuDeviceGetName, e.g. "NVIDIA H100 80GB HBM3".</summary>
    public string Name { get; private set; } = string.Empty;

    /// <summary>Compute capability major version (9 for Hopper).</summary>
    public int ComputeCapabilityMajor { get; private set; }

    /// <summary>Compute capability minor version.</summary>
    public int ComputeCapabilityMinor { get; private set; }

    /// <summary>The architecture number used in sm_XY / compute_XY, i.e. major * 10 + minor.</summary>
    public int Architecture => (ComputeCapabilityMajor * 10) + ComputeCapabilityMinor;

    /// <summary>Number of streaming multiprocessors.</summary>
    public int MultiprocessorCount { get; private set; }

    /// <summary>Total device memory in bytes (cuDeviceTotalMem_v2).</summary>
    public long TotalMemory { get; private set; }

    /// <summary>Shared memory per block available without opt-in, in bytes.</summary>
    public int MaxSharedMemoryPerBlock { get; private set; }

    /// <summary>
    /// Shared memory per block a kernel can use after opting in with
    /// <see cref="CudaKernel.SetMaxDynamicSharedMemory(int)"/>, in bytes.
    /// </summary>
    public int MaxSharedMemoryPerBlockOptin { get; private set; }

    /// <summary>The driver's CUDA version as an integer, e.g. 12040 for CUDA 12.4 (cuDriverGetVersion).</summary>
    public int DriverVersion { get; private set; }

    /// <summary>Whether this object has been disposed.</summary>
    public bool IsDisposed => context.IsClosed;

    internal int NativeDevice { get; }

    internal PrimaryContextHandle Context
    {
        get
        {
            TypeNames.ThrowIfDisposed(context.IsClosed, this);
            return context;
        }
    }

    /// <summary>
    /// Counts the devices. Returns <c>false</c> (never throws) when the driver is missing or
    /// cuInit fails, with <paramref name="reason"/> holding the probe trace or the driver error.
    /// </summary>
    /// <returns><c>true</c> when the driver answered (<paramref name="count"/> may be 0); <c>false</c> with <paramref name="reason"/> otherwise.</returns>
    public static bool TryGetDeviceCount(out int count, out string reason)
    {
        count = 0;
        if (!TryInitialize(out reason))
        {
            return false;
        }

        try
        {
            unsafe
            {
                int n;
                CUresult status = cuDeviceGetCount(&n);
                if (status != CUresult.CUDA_SUCCESS)
                {
                    reason = $"cuDeviceGetCount failed with {CudaCheck.DriverStatusName(status)} ({(int)status}).";
                    return false;
                }

                count = n;
                reason = n == 0 ? "The CUDA driver reports no device." : string.Empty;
                return true;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            reason = e.Message;
            return false;
        }
    }

    /// <summary>
    /// Opens device <paramref name="ordinal"/>: retains its primary context and reads its
    /// attributes. Returns <c>false</c> and never throws when there is no driver, no device, or
    /// initialization fails; <paramref name="reason"/> then says why (the library probe trace
    /// or the CUresult of the failing call).
    /// </summary>
    /// <returns><c>true</c> with the opened <paramref name="device"/>; <c>false</c> with <paramref name="reason"/> otherwise.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ordinal"/> is negative.</exception>
    public static bool TryOpen(int ordinal, out CudaDevice? device, out string reason)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ordinal);
        device = null;
        if (!TryGetDeviceCount(out int count, out reason))
        {
            return false;
        }

        if (ordinal >= count)
        {
            reason = $"CUDA device {ordinal} requested but the driver reports {count} device(s).";
            return false;
        }

        PrimaryContextHandle? context = null;
        try
        {
            unsafe
            {
                int dev;
                CudaCheck.Check(cuDeviceGet(&dev, ordinal), "cuDeviceGet");
                nint ctx;
                CudaCheck.Check(cuDevicePrimaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain");
                context = new PrimaryContextHandle(ctx, dev);
                var opened = new CudaDevice(ordinal, dev, context);

                // Current only while the attributes are read: the caller's context (or none) afterwards.
                using (opened.EnterRestoring())
                {
                    opened.ReadAttributes();
                }

                device = opened;
                reason = string.Empty;
                return true;
            }
        }
        catch (CudaException e)
        {
            context?.Dispose();
            reason = e.Message;
            return false;
        }
    }

    /// <summary>Opens device <paramref name="ordinal"/> or throws with the reason it cannot.</summary>
    /// <returns>The opened device; the caller disposes it.</returns>
    /// <exception cref="InvalidOperationException">No usable CUDA device; the message holds the reason.</exception>
    public static CudaDevice Open(int ordinal = 0) =>
        TryOpen(ordinal, out CudaDevice? device, out string reason)
            ? device!
            : throw new InvalidOperationException($"CUDA device {ordinal} is not available: {reason}");

    /// <summary>
    /// Makes this device's primary context current on the calling thread (cuCtxSetCurrent), unless it
    /// already is: the driver's context is per thread and stays current between calls, so a thread
    /// that keeps using one device switches once, not before every library call (cuCtxGetCurrent is
    /// a thread-local read in the driver; a switch is not free).
    /// </summary>
    public void MakeCurrent()
    {
        nint context = Context.DangerousGetHandle();
        unsafe
        {
            nint current;
            if (cuCtxGetCurrent(&current) == CUresult.CUDA_SUCCESS && current == context)
            {
                return;
            }
        }

        CudaCheck.Check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /// <summary>
    /// Makes this device's primary context current for the scope of one OrthoProj call and restores
    /// the caller's afterwards: nothing when it is current already (the steady state), a plain switch
    /// when no context is current (nothing to restore), and cuCtxPushCurrent / cuCtxPopCurrent when
    /// the caller's thread has another context current (e.g. another framework's), which is then
    /// current again when the call returns.
    /// </summary>
    /// <returns>The scope; disposing it restores the thread's previous context.</returns>
    public ContextScope Enter() => CurrentContext.Enter(Context.DangerousGetHandle(), keepWhenNoneCurrent: true);

    /// <summary>
    /// As <see cref="Enter"/>, but what was current before is current again when the scope ends,
    /// none included: for work that leaves nothing behind on the thread (disposing a backend,
    /// opening a device), after which the primary context may be released.
    /// </summary>
    internal ContextScope EnterRestoring() => CurrentContext.Enter(Context.DangerousGetHandle(), keepWhenNoneCurrent: false);

    /// <summary>The scope of <see cref="Enter"/>: pops this device's context when it was pushed over the caller's.</summary>
    public readonly struct ContextScope : IDisposable
    {
        private readonly bool pushed;

        internal ContextScope(bool pushed) => this.pushed = pushed;

        /// <summary>Restores the caller's context when one was replaced.</summary>
        public void Dispose()
        {
            if (pushed)
            {
                CurrentContext.Leave();
            }
        }
    }

    /// <summary>Blocks until all work queued in this context has finished (cuCtxSynchronize).</summary>
    public void Synchronize()
    {
        MakeCurrent();
        CudaCheck.Check(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    /// <summary>Free and total device memory in bytes (cuMemGetInfo_v2).</summary>
    public (long Free, long Total) GetMemoryInfo()
    {
        MakeCurrent();
        unsafe
        {
            nuint free, total;
            CudaCheck.Check(cuMemGetInfo_v2(&free, &total), "cuMemGetInfo_v2");
            return ((long)free, (long)total);
        }
    }

    /// <summary>Allocates <paramref name="length"/> elements of device memory (cuMemAlloc_v2).</summary>
    /// <returns>A new buffer of <paramref name="length"/> elements; the caller disposes it.</returns>
    public DeviceBuffer<T> Allocate<T>(long length, bool clear = false)
        where T : unmanaged => DeviceBuffer<T>.Allocate(this, length, clear);

    /// <summary>Creates a non-blocking stream in this context.</summary>
    /// <returns>A new stream; the caller disposes it.</returns>
    public CudaStream CreateStream() => CudaStream.Create(this);

    /// <summary>Creates an event; timing events can measure elapsed time between two records.</summary>
    /// <returns>A new event; the caller disposes it.</returns>
    public CudaEvent CreateEvent(bool enableTiming = true) => CudaEvent.Create(this, enableTiming);

    /// <summary>Reads an integer device attribute (cuDeviceGetAttribute).</summary>
    internal int GetAttribute(CUdevice_attribute attribute)
    {
        unsafe
        {
            int value;
            CudaCheck.Check(cuDeviceGetAttribute(&value, attribute, NativeDevice), "cuDeviceGetAttribute");
            return value;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => context.Dispose();

    /// <inheritdoc/>
    public override string ToString() =>
        $"CUDA {Ordinal}: {Name} (sm_{Architecture}, {MultiprocessorCount} SMs, {TotalMemory / (1 << 20)} MiB)";

    private static bool TryInitialize(out string reason)
    {
        try
        {
            // Load explicitly first: the probe trace says where the driver was looked for.
            _ = CudaLibraries.Load(Libraries.CudaDriver);
            CUresult status = cuInit(0);
            if (status != CUresult.CUDA_SUCCESS)
            {
                CudaLibraries.LoadedFrom.TryGetValue("CUDA driver", out string? from);
                reason = $"cuInit failed with {CudaCheck.DriverStatusName(status)} ({(int)status}); driver loaded from {from}. " +
                    "The driver library is present but cannot reach a GPU (no device node, driver/kernel-module mismatch, or no GPU).";
                return false;
            }

            reason = string.Empty;
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            reason = e.Message;
            return false;
        }
    }

    private unsafe void ReadAttributes()
    {
        byte* name = stackalloc byte[256];
        CudaCheck.Check(cuDeviceGetName(name, 256, NativeDevice), "cuDeviceGetName");
        Name = Marshal.PtrToStringUTF8((nint)name) ?? string.Empty;
        ComputeCapabilityMajor = GetAttribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        ComputeCapabilityMinor = GetAttribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        MultiprocessorCount = GetAttribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        MaxSharedMemoryPerBlock = GetAttribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK);
        MaxSharedMemoryPerBlockOptin = GetAttribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        nuint total;
        CudaCheck.Check(cuDeviceTotalMem_v2(&total, NativeDevice), "cuDeviceTotalMem_v2");
        TotalMemory = (long)total;
        int version;
        CudaCheck.Check(cuDriverGetVersion(&version), "cuDriverGetVersion");
        DriverVersion = version;
    }
}
