using System.Runtime.CompilerServices;

namespace OrthoProj.Cuda.Kernels;

/// <summary>
/// Launches the kernels of one loaded <see cref="KernelModule"/> on one stream. The kernels are
/// called through their typed wrappers (<see cref="GeneralKernels"/>, <see cref="FusedKernels"/>),
/// extension methods on this type; the wrappers pass their arguments here with their own method
/// name, which selects the kernel, and every argument's kind is checked against the wrapper's
/// declared parameter before the launch, so a wrapper body that drifts from its signature fails
/// on its first launch instead of handing the GPU wrong bytes.
/// </summary>
/// <param name="module">The loaded translation unit.</param>
/// <param name="stream">The stream the launches are queued on.</param>
internal readonly struct KernelLauncher(KernelModule module, CudaStream stream)
{
    /// <summary>Threads per block of the grid-stride kernels.</summary>
    public const int BlockSize = 256;

    /// <summary>Most blocks of a grid-stride launch (each thread loops over the rest).</summary>
    public const int MaxBlocks = 16384;

    /// <summary>Matrices (warps) per block of the warp-per-matrix kernels: FUSED_WARPS_PER_BLOCK in cuda/fused_common.cuh.</summary>
    public const int WarpsPerBlock = 4;

    /// <summary>Blocks for a warp-per-matrix launch over <paramref name="count"/> matrices.</summary>
    public static int WarpBlocks(int count) => (int)(((long)count + WarpsPerBlock - 1) / WarpsPerBlock);

    /// <summary>
    /// Launches the grid-stride kernel of wrapper <paramref name="wrapper"/> instantiated for
    /// <typeparamref name="T"/> over <paramref name="workItems"/> items (nothing when there are none).
    /// </summary>
    public void Launch<T>(long workItems, ReadOnlySpan<KernelArg> args, [CallerMemberName] string wrapper = "")
        where T : unmanaged
    {
        if (workItems <= 0)
        {
            return;
        }

        KernelEntry entry = module.Unit.ByWrapper(wrapper);
        int blocks = (int)Math.Clamp((workItems + BlockSize - 1) / BlockSize, 1, MaxBlocks);
        Run(entry, typeof(T) == typeof(double), 0, blocks, BlockSize, args);
    }

    /// <summary>
    /// Launches the block-per-item kernel of wrapper <paramref name="wrapper"/> (max_exponent: one
    /// block of <see cref="BlockSize"/> threads per matrix, block-stride over the rest past
    /// <see cref="MaxBlocks"/>) instantiated for <typeparamref name="T"/> over
    /// <paramref name="workItems"/> items (nothing when there are none).
    /// </summary>
    public void LaunchBlockPerItem<T>(long workItems, ReadOnlySpan<KernelArg> args, [CallerMemberName] string wrapper = "")
        where T : unmanaged
    {
        if (workItems <= 0)
        {
            return;
        }

        KernelEntry entry = module.Unit.ByWrapper(wrapper);
        Run(entry, typeof(T) == typeof(double), 0, BlockPerItemBlocks(workItems), BlockSize, args);
    }

    /// <summary>Blocks of a block-per-item launch over <paramref name="workItems"/> items.</summary>
    public static int BlockPerItemBlocks(long workItems) => (int)Math.Clamp(workItems, 1, MaxBlocks);

    /// <summary>Launches an untyped grid-stride kernel; see <see cref="Launch{T}"/>.</summary>
    public void Launch(long workItems, ReadOnlySpan<KernelArg> args, [CallerMemberName] string wrapper = "")
    {
        if (workItems <= 0)
        {
            return;
        }

        KernelEntry entry = module.Unit.ByWrapper(wrapper);
        int blocks = (int)Math.Clamp((workItems + BlockSize - 1) / BlockSize, 1, MaxBlocks);
        Run(entry, f64: false, 0, blocks, BlockSize, args);
    }

    /// <summary>
    /// Launches the warp-per-matrix kernel of wrapper <paramref name="wrapper"/> for
    /// <paramref name="cols"/> columns (which selects the tier) over <paramref name="count"/> matrices.
    /// </summary>
    public void LaunchWarps<T>(int cols, int count, ReadOnlySpan<KernelArg> args, [CallerMemberName] string wrapper = "")
        where T : unmanaged
    {
        KernelEntry entry = module.Unit.ByWrapper(wrapper);
        Run(entry, typeof(T) == typeof(double), KernelEntry.TierIndex(cols), WarpBlocks(count), 32 * WarpsPerBlock, args);
    }

    private void Run(KernelEntry entry, bool f64, int tier, int blocks, int threads, ReadOnlySpan<KernelArg> args)
    {
        KernelArgKind[] kinds = entry.Kinds;
        if (args.Length != kinds.Length)
        {
            throw new InvalidOperationException($"{entry.Wrapper.Name} passes {args.Length} arguments; the kernel {entry.Name} takes {kinds.Length}.");
        }

        Span<long> values = stackalloc long[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            KernelArgKind expected = kinds[i] == KernelArgKind.Element ? (f64 ? KernelArgKind.Float64 : KernelArgKind.Float32) : kinds[i];
            if (args[i].Kind != expected)
            {
                throw new InvalidOperationException($"{entry.Wrapper.Name} passes a {args[i].Kind} as parameter {i} ({entry.Parameters[i].Name}) of {entry.Name}, declared {expected}.");
            }

            values[i] = args[i].Bits;
        }

        CudaKernel kernel = module.Get(entry.EntryName(f64, tier));
        Span<nint> pointers = stackalloc nint[args.Length];
        unsafe
        {
            fixed (long* first = values)
            {
                // cuLaunchKernel reads each parameter from its own address, by the parameter's size
                // (4 bytes of an int or float, from the low end of its 8-byte slot).
                for (int i = 0; i < values.Length; i++)
                {
                    pointers[i] = (nint)(first + i);
                }

                kernel.Launch(blocks, threads, 0, stream, pointers);
            }
        }
    }
}
