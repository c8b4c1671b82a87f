using OrthoProj.Native;

namespace OrthoProj.Cuda.Fused;

/// <summary>
/// The fused small-matrix kernels of cuda/fused_qr.cu for one backend: compiled by NVRTC for the
/// device's exact architecture at first use (cached on disk like the other kernels) and loaded once
/// per backend, which owns and disposes it. Every kernel runs one warp per matrix,
/// <see cref="WarpsPerBlock"/> matrices per block. The ahead-of-time fatbin (CMakeLists.txt compiles
/// every cuda/*.cu into it) is used instead when it is shipped and holds every fused entry.
/// </summary>
internal sealed class CudaFusedKernels : IDisposable
{
    /// <summary>The translation unit.</summary>
    public const string SourceFile = "fused_qr.cu";

    /// <summary>Matrices (warps) per block: FUSED_WARPS_PER_BLOCK in fused_common.cuh.</summary>
    public const int WarpsPerBlock = 4;

    /// <summary>Threads per block.</summary>
    public const int ThreadsPerBlock = 32 * WarpsPerBlock;

    /// <summary>The kernels, each instantiated as name_n16/n32 (column registers) x _f32/_f64.</summary>
    public static readonly string[] Kernels =
    [
        "fused_qr_factor", "fused_project", "fused_residual", "fused_solve", "fused_matrix",
        "fused_project_backward", "fused_residual_backward", "fused_solve_backward", "fused_matrix_backward",
    ];

    /// <summary>The column tiers: a kernel instance holds NMAX columns per row slot in registers.</summary>
    public static readonly int[] ColumnTiers = [16, 32];

    private readonly CudaModule module;

    private CudaFusedKernels(CudaModule module, string origin)
    {
        this.module = module;
        Origin = origin;
    }

    /// <summary>Every entry name in the module.</summary>
    public static IEnumerable<string> AllEntryNames =>
        from k in Kernels from tier in ColumnTiers from type in new[] { "f32", "f64" } select $"{k}_n{tier}_{type}";

    /// <summary>Where the module came from (NVRTC version, target, disk cache).</summary>
    public string Origin { get; }

    /// <summary>The column tier for n columns.</summary>
    public static int Tier(int cols) => cols <= 16 ? 16 : 32;

    /// <summary>The entry name of <paramref name="kernel"/> for n columns and element type T.</summary>
    public static string EntryName<T>(string kernel, int cols) => $"{kernel}_n{Tier(cols)}_{(typeof(T) == typeof(float) ? "f32" : "f64")}";

    /// <summary>Blocks for a batch of <paramref name="count"/> matrices.</summary>
    public static int Blocks(int count) => (int)(((long)count + WarpsPerBlock - 1) / WarpsPerBlock);

    /// <summary>
    /// Launches <paramref name="kernel"/> for n = <paramref name="cols"/> over <paramref name="count"/>
    /// matrices on the backend's stream. Arguments are given as the 8 bytes the driver reads from, as
    /// in <see cref="CudaBackend.Ops.Launch{T}"/>.
    /// </summary>
    public void Launch<T>(CudaBackend.Ops ops, string kernel, int cols, int count, params ReadOnlySpan<long> args)
    {
        CudaKernel function = module.GetKernel(EntryName<T>(kernel, cols));
        Span<long> values = stackalloc long[args.Length];
        args.CopyTo(values);
        Span<nint> pointers = stackalloc nint[args.Length];
        unsafe
        {
            fixed (long* first = values)
            {
                for (int i = 0; i < values.Length; i++)
                {
                    pointers[i] = (nint)(first + i);
                }

                function.Launch(Blocks(count), ThreadsPerBlock, 0, ops.Backend.Stream, pointers);
            }
        }
    }

    /// <summary>Unloads the module.</summary>
    public void Dispose() => module.Dispose();

    /// <summary>Loads the fused kernels for <paramref name="device"/>: the shipped fatbin when it has them all, else NVRTC.</summary>
    public static CudaFusedKernels Load(CudaDevice device)
    {
        try
        {
            CudaModule? shipped = CudaModule.TryLoadShippedFatbin(device);
            if (shipped is not null)
            {
                if (HasAllEntries(shipped))
                {
                    return new CudaFusedKernels(shipped, $"{CudaModule.ShippedFatbinName} (ahead of time)");
                }

                shipped.Dispose();
            }
        }
        catch (CudaException)
        {
            // The fatbin does not serve this device (e.g. CUDA_ERROR_NO_BINARY_FOR_GPU): compile instead.
        }

        CudaKernelImage image = CudaKernels.Compile(new NvrtcCompiler(), SourceFile, device.Architecture);
        CudaModule module = CudaModule.Load(device, image.Image.Span);
        if (!HasAllEntries(module))
        {
            module.Dispose();
            throw new InvalidOperationException($"The compiled {SourceFile} lacks a fused kernel entry.");
        }

        return new CudaFusedKernels(module, $"NVRTC {NvrtcCompiler.NvrtcVersion} {image.Target} {image.Kind}{(image.FromCache ? " (disk cache)" : string.Empty)}");
    }

    private static bool HasAllEntries(CudaModule module)
    {
        try
        {
            foreach (string name in AllEntryNames)
            {
                _ = module.GetKernel(name);
            }

            return true;
        }
        catch (CudaException)
        {
            return false;
        }
    }
}
