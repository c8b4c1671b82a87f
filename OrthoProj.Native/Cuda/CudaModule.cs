using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using static OrthoProj.Native.Interop.Driver;

namespace OrthoProj.Native;

/// <summary>
/// A loaded CUDA module (cuModuleLoadData): a CUBIN for the exact device, a fatbin (such as the
/// ahead-of-time <c>orthoproj_kernels.fatbin</c> that CMakeLists.txt builds), or PTX that the
/// driver compiles for the device on load. Kernels obtained from it stay valid until Dispose.
/// </summary>
public sealed class CudaModule : IDisposable
{
    /// <summary>The file name of the ahead-of-time kernel fatbin (<see cref="ShippedFatbin"/>).</summary>
    public const string ShippedFatbinName = ShippedFatbin.FileName;

    private readonly ModuleHandle handle;
    private readonly ConcurrentDictionary<string, CudaKernel> kernels = new(StringComparer.Ordinal);

    private CudaModule(CudaDevice device, ModuleHandle handle)
    {
        Device = device;
        this.handle = handle;
    }

    /// <summary>The device whose context the module is loaded in.</summary>
    public CudaDevice Device { get; }

    /// <summary>Whether this object has been disposed.</summary>
    public bool IsDisposed => handle.IsClosed;

    /// <summary>Loads a CUBIN, fatbin or PTX image (PTX need not be NUL-terminated: a terminator is added).</summary>
    /// <returns>The loaded module; the caller disposes it.</returns>
    /// <exception cref="ArgumentException"><paramref name="image"/> is empty.</exception>
    /// <exception cref="CudaException">The driver rejected the image (e.g. CUDA_ERROR_NO_BINARY_FOR_GPU).</exception>
    public static unsafe CudaModule Load(CudaDevice device, ReadOnlySpan<byte> image)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (image.IsEmpty)
        {
            throw new ArgumentException("The module image is empty.", nameof(image));
        }

        // PTX is read as a C string; a trailing NUL is harmless for CUBIN and fatbin images.
        byte[]? terminated = null;
        if (image[^1] != 0)
        {
            terminated = new byte[image.Length + 1];
            image.CopyTo(terminated);
            image = terminated;
        }

        device.MakeCurrent();
        nint module;
        fixed (byte* data = image)
        {
            CudaCheck.Check(cuModuleLoadData(&module, data), "cuModuleLoadData");
        }

        return new CudaModule(device, new ModuleHandle(module, ContextLease.Acquire(device.Context)));
    }

    /// <summary>Loads a module image from a file.</summary>
    /// <returns>The loaded module; the caller disposes it.</returns>
    public static CudaModule LoadFile(CudaDevice device, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Load(device, File.ReadAllBytes(path));
    }

    /// <summary>
    /// Loads the ahead-of-time fatbin that <see cref="ShippedFatbin.Find"/> finds for
    /// <paramref name="sources"/> (the kernel sources the caller embeds), or returns <c>null</c>
    /// when none is shipped or none matches those sources; <paramref name="trace"/> then says
    /// which fatbin was passed over and why. A fatbin is never loaded without that check: one
    /// built from other sources would run kernels the caller's launch wrappers do not describe.
    /// </summary>
    /// <returns>The loaded module, or <c>null</c> when no matching fatbin was found (<paramref name="trace"/> says why).</returns>
    /// <exception cref="CudaException">The driver rejected the fatbin (e.g. CUDA_ERROR_NO_BINARY_FOR_GPU).</exception>
    public static CudaModule? TryLoadShippedFatbin(CudaDevice device, IReadOnlyDictionary<string, byte[]> sources, ICollection<string> trace)
    {
        ArgumentNullException.ThrowIfNull(device);
        string? path = ShippedFatbin.Find(sources, trace);
        return path is null ? null : LoadFile(device, path);
    }

    /// <summary>The kernel named <paramref name="name"/> (its extern "C" or mangled name).</summary>
    /// <returns>The kernel, valid while the module is alive.</returns>
    /// <exception cref="CudaException">No such kernel (CUDA_ERROR_NOT_FOUND).</exception>
    public CudaKernel GetKernel(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        TypeNames.ThrowIfDisposed(handle.IsClosed, this);
        return kernels.GetOrAdd(name, static (n, module) => module.LookUp(n), this);
    }

    /// <summary>Unloads the module (cuModuleUnload). Calling it again does nothing.</summary>
    public void Dispose() => handle.Dispose();

    internal nint DangerousGetHandle()
    {
        TypeNames.ThrowIfDisposed(handle.IsClosed, this);
        return handle.DangerousGetHandle();
    }

    private unsafe CudaKernel LookUp(string name)
    {
        nint module = DangerousGetHandle();
        byte[] utf8 = Encoding.UTF8.GetBytes(name + "\0");
        Device.MakeCurrent();
        nint function;
        fixed (byte* p = utf8)
        {
            CudaCheck.Check(cuModuleGetFunction(&function, module, p), "cuModuleGetFunction");
        }

        return new CudaKernel(this, name, function);
    }

    private sealed class ModuleHandle : SafeHandle
    {
        private ContextLease lease;

        internal ModuleHandle(nint module, ContextLease lease)
            : base(0, ownsHandle: true)
        {
            this.lease = lease;
            SetHandle(module);
        }

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle()
        {
            bool ok;
            using (lease.Enter())
            {
                ok = cuModuleUnload(handle) == CUresult.CUDA_SUCCESS;
            }

            lease.Release();
            return ok;
        }
    }
}

/// <summary>A grid or block shape for <see cref="CudaKernel.Launch"/>.</summary>
/// <param name="X">Extent in x (at least 1).</param>
/// <param name="Y">Extent in y (at least 1).</param>
/// <param name="Z">Extent in z (at least 1).</param>
public readonly record struct Dim3(int X, int Y = 1, int Z = 1)
{
    /// <summary>A one-dimensional shape.</summary>
    public static implicit operator Dim3(int x) => new(x);

    /// <summary>A one-dimensional shape (same as the implicit conversion).</summary>
    /// <returns>(<paramref name="x"/>, 1, 1).</returns>
    public static Dim3 FromInt32(int x) => new(x);
}

/// <summary>
/// A kernel (CUfunction) of a loaded <see cref="CudaModule"/>. Launch with cuLaunchKernel: the
/// arguments are given as pointers to each argument's value, in the kernel's parameter order,
/// exactly as the driver API expects (for a device pointer argument, the address of an
/// <see cref="nint"/> variable holding it).
/// </summary>
public sealed class CudaKernel
{
    private readonly nint function;

    internal CudaKernel(CudaModule module, string name, nint function)
    {
        Module = module;
        Name = name;
        this.function = function;
    }

    /// <summary>The module the kernel belongs to.</summary>
    public CudaModule Module { get; }

    /// <summary>The kernel's name in the module.</summary>
    public string Name { get; }

    /// <summary>
    /// Allows up to <paramref name="bytes"/> of dynamic shared memory per block, needed above
    /// 48 KiB (cuFuncSetAttribute with CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">More than the device's opt-in maximum.</exception>
    public void SetMaxDynamicSharedMemory(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, Module.Device.MaxSharedMemoryPerBlockOptin);
        _ = Module.DangerousGetHandle();
        Module.Device.MakeCurrent();
        CudaCheck.Check(
            cuFuncSetAttribute(function, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
            "cuFuncSetAttribute");
    }

    /// <summary>
    /// Queues the kernel on <paramref name="stream"/> (null: the legacy default stream) with
    /// <paramref name="grid"/> blocks of <paramref name="block"/> threads and
    /// <paramref name="sharedMemoryBytes"/> of dynamic shared memory (cuLaunchKernel).
    /// </summary>
    /// <param name="grid">Number of blocks in each dimension.</param>
    /// <param name="block">Threads per block in each dimension.</param>
    /// <param name="sharedMemoryBytes">Dynamic shared memory per block.</param>
    /// <param name="stream">The stream, or null for the legacy default stream.</param>
    /// <param name="arguments">One pointer per kernel parameter, each to that parameter's value.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive or the shared memory size is negative.</exception>
    public unsafe void Launch(Dim3 grid, Dim3 block, int sharedMemoryBytes, CudaStream? stream, params ReadOnlySpan<nint> arguments)
    {
        ValidateShape(grid, nameof(grid));
        ValidateShape(block, nameof(block));
        ArgumentOutOfRangeException.ThrowIfNegative(sharedMemoryBytes);
        _ = Module.DangerousGetHandle();
        nint raw = CudaStream.RawOrDefault(stream);
        Module.Device.MakeCurrent();
        fixed (nint* args = arguments)
        {
            CudaCheck.Check(
                cuLaunchKernel(
                    function,
                    (uint)grid.X, (uint)grid.Y, (uint)grid.Z,
                    (uint)block.X, (uint)block.Y, (uint)block.Z,
                    (uint)sharedMemoryBytes, raw, arguments.IsEmpty ? null : (void**)args, null),
                "cuLaunchKernel");
        }
    }

    private static void ValidateShape(Dim3 shape, string name)
    {
        if (shape.X < 1 || shape.Y < 1 || shape.Z < 1)
        {
            throw new ArgumentOutOfRangeException(name, shape, "Every dimension of a launch shape must be at least 1.");
        }
    }
}
