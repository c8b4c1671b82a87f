namespace OrthoProj.Cuda.Kernels;

/// <summary>
/// Launches the kernels of one loaded <see cref="KernelModule"/> on one stream: a typed handle
/// (<see cref="Kernel{TParams}"/>, <see cref="WarpKernel{TParams}"/>) with a struct of its own
/// parameter type, passed to the kernel by value (cuLaunchKernel's kernelParams holds one pointer,
/// to a copy of the struct that the driver copies at the call). The struct's layout is checked
/// against cuda/kernel_params.cuh by the tests, so there is nothing to check per launch.
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

    /// <summary>Rows the warp-per-matrix kernels take at most: FUSED_MAX_ROWS in cuda/fused_common.cuh.</summary>
    public const int WarpMaxRows = 64;

    /// <summary>Blocks for a warp-per-matrix launch over <paramref name="count"/> matrices.</summary>
    public static int WarpBlocks(int count) => (int)(((long)count + WarpsPerBlock - 1) / WarpsPerBlock);

    /// <summary>Blocks of a block-per-item launch over <paramref name="workItems"/> items.</summary>
    public static int BlockPerItemBlocks(long workItems) => (int)Math.Clamp(workItems, 1, MaxBlocks);

    /// <summary>
    /// Why a warp-per-matrix kernel cannot take an m x n batch of <paramref name="count"/>
    /// matrices (the kernels' can-implement rule: 1 &lt;= n &lt;= m &lt;= 64, n &lt;= 32, a
    /// non-negative count; the kernels return at once otherwise), or null when it can.
    /// </summary>
    public static string? WarpCannotImplement(int m, int n, int count) =>
        n < 1 || n > m || m > WarpMaxRows || n > KernelHandle.ColumnTiers[^1] || count < 0
            ? $"the warp-per-matrix kernels take 1 <= n <= m <= {WarpMaxRows}, n <= {KernelHandle.ColumnTiers[^1]}: {m} x {n} x {count} given"
            : null;

    /// <summary>
    /// Launches <paramref name="kernel"/> over <paramref name="workItems"/> items (grid-stride
    /// threads, or one block per item for a block-per-item kernel); nothing when there are none.
    /// </summary>
    public void Launch<TParams>(Kernel<TParams> kernel, long workItems, in TParams parameters)
        where TParams : unmanaged
    {
        if (workItems <= 0)
        {
            return;
        }

        int blocks = kernel.Shape == KernelShape.TypedBlockPerItem
            ? BlockPerItemBlocks(workItems)
            : (int)Math.Clamp((workItems + BlockSize - 1) / BlockSize, 1, MaxBlocks);
        Run(kernel.EntryName, blocks, BlockSize, parameters);
    }

    /// <summary>
    /// Launches the warp-per-matrix <paramref name="kernel"/>: the tier from the parameters' column
    /// count, one warp per matrix; refused (<see cref="ArgumentException"/>) for a shape the kernel
    /// cannot take, nothing for an empty batch.
    /// </summary>
    public void Launch<TParams>(WarpKernel<TParams> kernel, in TParams parameters)
        where TParams : unmanaged, IWarpParams
    {
        if (WarpCannotImplement(parameters.Rows, parameters.Cols, parameters.Count) is { } reason)
        {
            throw new ArgumentException($"{kernel.Name}: {reason}.", nameof(parameters));
        }

        if (parameters.Count == 0)
        {
            return;
        }

        Run(kernel.EntryName(parameters.Cols), WarpBlocks(parameters.Count), 32 * WarpsPerBlock, parameters);
    }

    private unsafe void Run<TParams>(string entry, int blocks, int threads, TParams parameters)
        where TParams : unmanaged
    {
        CudaKernel kernel = module.Get(entry);

        // The kernel's one parameter is the struct: kernelParams[0] points at this copy, which
        // cuLaunchKernel copies before it returns.
        kernel.Launch(blocks, threads, 0, stream, (nint)(&parameters));
    }
}
