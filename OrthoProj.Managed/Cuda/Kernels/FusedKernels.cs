namespace OrthoProj.Cuda.Kernels;

/// <summary>
/// The kernels of cuda/fused_qr.cu as typed handles: one warp per matrix,
/// <see cref="KernelLauncher.WarpsPerBlock"/> matrices per block; the column tier (n16 or n32)
/// follows the parameters' <c>N</c> and the grid their <c>Count</c>
/// (<see cref="KernelLauncher.Launch{TParams}(WarpKernel{TParams}, in TParams)"/>). See the source
/// for what each kernel computes.
/// </summary>
internal static class FusedKernels
{
    /// <summary>The translation unit.</summary>
    public static KernelUnit Unit { get; } = new("fused_qr.cu", typeof(FusedKernels<>));
}

/// <summary>The handles of cuda/fused_qr.cu's kernels for element type <typeparamref name="T"/>.</summary>
/// <typeparam name="T">float or double.</typeparam>
internal static class FusedKernels<T>
    where T : unmanaged, INumberBase<T>
{
    /// <summary>Householder QR of each matrix in registers, its factor and tau, and the QR method's rank rule.</summary>
    public static readonly WarpKernel<FusedQrFactorParams<T>> QrFactor = new("fused_qr_factor");

    /// <summary>z = P y.</summary>
    public static readonly WarpKernel<FusedForwardParams<T>> Project = new("fused_project");

    /// <summary>e = (I - P) y.</summary>
    public static readonly WarpKernel<FusedForwardParams<T>> Residual = new("fused_residual");

    /// <summary>x = A+ y.</summary>
    public static readonly WarpKernel<FusedSolveParams<T>> Solve = new("fused_solve");

    /// <summary>P (m x m).</summary>
    public static readonly WarpKernel<FusedMatrixParams<T>> Matrix = new("fused_matrix");

    /// <summary>gA and gy of z = P y.</summary>
    public static readonly WarpKernel<FusedBackwardParams<T>> ProjectBackward = new("fused_project_backward");

    /// <summary>gA and gy of e = (I - P) y.</summary>
    public static readonly WarpKernel<FusedBackwardParams<T>> ResidualBackward = new("fused_residual_backward");

    /// <summary>gA and gy of x = A+ y (g is gx, n x p).</summary>
    public static readonly WarpKernel<FusedBackwardParams<T>> SolveBackward = new("fused_solve_backward");

    /// <summary>gA of P.</summary>
    public static readonly WarpKernel<FusedMatrixBackwardParams<T>> MatrixBackward = new("fused_matrix_backward");
}

// The shape of each fused kernel's parameters, for the launcher (tier, grid, can-implement).
internal partial struct FusedQrFactorParams<T> : IWarpParams
{
    readonly int IWarpParams.Rows => M;

    readonly int IWarpParams.Cols => N;

    readonly int IWarpParams.Count => Count;
}

internal partial struct FusedForwardParams<T> : IWarpParams
{
    readonly int IWarpParams.Rows => M;

    readonly int IWarpParams.Cols => N;

    readonly int IWarpParams.Count => Count;
}

internal partial struct FusedSolveParams<T> : IWarpParams
{
    readonly int IWarpParams.Rows => M;

    readonly int IWarpParams.Cols => N;

    readonly int IWarpParams.Count => Count;
}

internal partial struct FusedMatrixParams<T> : IWarpParams
{
    readonly int IWarpParams.Rows => M;

    readonly int IWarpParams.Cols => N;

    readonly int IWarpParams.Count => Count;
}

internal partial struct FusedBackwardParams<T> : IWarpParams
{
    readonly int IWarpParams.Rows => M;

    readonly int IWarpParams.Cols => N;

    readonly int IWarpParams.Count => Count;
}

internal partial struct FusedMatrixBackwardParams<T> : IWarpParams
{
    readonly int IWarpParams.Rows => M;

    readonly int IWarpParams.Cols => N;

    readonly int IWarpParams.Count => Count;
}
