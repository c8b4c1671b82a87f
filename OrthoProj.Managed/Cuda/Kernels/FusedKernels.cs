namespace OrthoProj.Cuda.Kernels;

/// <summary>
/// The launch wrappers of cuda/fused_qr.cu: one warp per matrix, <see cref="KernelLauncher.WarpsPerBlock"/>
/// matrices per block; the column tier (n16 or n32) follows the kernel's own parameter <c>n</c> and
/// the grid its parameter <c>count</c>. Each method's parameters are the kernel's C parameters in
/// order (names included). See the source for what each kernel computes.
/// </summary>
[KernelUnit("fused_qr.cu")]
internal static class FusedKernels
{
    /// <summary>The translation unit.</summary>
    public static KernelUnit Unit { get; } = new(typeof(FusedKernels));

    /// <summary>Householder QR of each matrix in registers, its factor and tau, and the QR method's rank rule.</summary>
    [CudaKernel("fused_qr_factor", KernelShape.WarpPerMatrix)]
    public static void QrFactor<T>(this KernelLauncher launcher, DevicePtr<T> a, int m, int n, int count, DevicePtr<T> factor, DevicePtr<T> tau, DevicePtr<int> exponent, DevicePtr<int> rank, double atol, double rtol, DevicePtr<int> firstBad)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.LaunchWarps<T>(n, count, [a, m, n, count, factor, tau, exponent, rank, atol, rtol, firstBad]);

    /// <summary>z = P y.</summary>
    [CudaKernel("fused_project", KernelShape.WarpPerMatrix)]
    public static void Project<T>(this KernelLauncher launcher, DevicePtr<T> factor, DevicePtr<T> tau, int m, int n, int count, DevicePtr<T> y, int p, DevicePtr<T> z)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.LaunchWarps<T>(n, count, [factor, tau, m, n, count, y, p, z]);

    /// <summary>e = (I - P) y.</summary>
    [CudaKernel("fused_residual", KernelShape.WarpPerMatrix)]
    public static void Residual<T>(this KernelLauncher launcher, DevicePtr<T> factor, DevicePtr<T> tau, int m, int n, int count, DevicePtr<T> y, int p, DevicePtr<T> e)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.LaunchWarps<T>(n, count, [factor, tau, m, n, count, y, p, e]);

    /// <summary>x = A+ y.</summary>
    [CudaKernel("fused_solve", KernelShape.WarpPerMatrix)]
    public static void Solve<T>(this KernelLauncher launcher, DevicePtr<T> factor, DevicePtr<T> tau, DevicePtr<int> exponent, int m, int n, int count, DevicePtr<T> y, int p, DevicePtr<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.LaunchWarps<T>(n, count, [factor, tau, exponent, m, n, count, y, p, x]);

    /// <summary>P (m x m).</summary>
    [CudaKernel("fused_matrix", KernelShape.WarpPerMatrix)]
    public static void Matrix<T>(this KernelLauncher launcher, DevicePtr<T> factor, DevicePtr<T> tau, int m, int n, int count, DevicePtr<T> pm)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.LaunchWarps<T>(n, count, [factor, tau, m, n, count, pm]);

    /// <summary>gA and gy of z = P y.</summary>
    [CudaKernel("fused_project_backward", KernelShape.WarpPerMatrix)]
    public static void ProjectBackward<T>(this KernelLauncher launcher, DevicePtr<T> factor, DevicePtr<T> tau, DevicePtr<int> exponent, int m, int n, int count, DevicePtr<T> y, DevicePtr<T> g, int p, DevicePtr<T> ga, DevicePtr<T> gy)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.LaunchWarps<T>(n, count, [factor, tau, exponent, m, n, count, y, g, p, ga, gy]);

    /// <summary>gA and gy of e = (I - P) y.</summary>
    [CudaKernel("fused_residual_backward", KernelShape.WarpPerMatrix)]
    public static void ResidualBackward<T>(this KernelLauncher launcher, DevicePtr<T> factor, DevicePtr<T> tau, DevicePtr<int> exponent, int m, int n, int count, DevicePtr<T> y, DevicePtr<T> g, int p, DevicePtr<T> ga, DevicePtr<T> gy)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.LaunchWarps<T>(n, count, [factor, tau, exponent, m, n, count, y, g, p, ga, gy]);

    /// <summary>gA and gy of x = A+ y.</summary>
    [CudaKernel("fused_solve_backward", KernelShape.WarpPerMatrix)]
    public static void SolveBackward<T>(this KernelLauncher launcher, DevicePtr<T> factor, DevicePtr<T> tau, DevicePtr<int> exponent, int m, int n, int count, DevicePtr<T> y, DevicePtr<T> gx, int p, DevicePtr<T> ga, DevicePtr<T> gy)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.LaunchWarps<T>(n, count, [factor, tau, exponent, m, n, count, y, gx, p, ga, gy]);

    /// <summary>gA of P.</summary>
    [CudaKernel("fused_matrix_backward", KernelShape.WarpPerMatrix)]
    public static void MatrixBackward<T>(this KernelLauncher launcher, DevicePtr<T> factor, DevicePtr<T> tau, DevicePtr<int> exponent, int m, int n, int count, DevicePtr<T> gp, DevicePtr<T> ga)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.LaunchWarps<T>(n, count, [factor, tau, exponent, m, n, count, gp, ga]);
}

/// <summary>The signature shared by fused_project and fused_residual (FUSED_PROJECT_PARAMS and its twin).</summary>
internal delegate void FusedForwardKernel<T>(KernelLauncher launcher, DevicePtr<T> factor, DevicePtr<T> tau, int m, int n, int count, DevicePtr<T> y, int p, DevicePtr<T> result)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>The signature shared by the fused backward kernels of Project, Residual and Solve.</summary>
internal delegate void FusedBackwardKernel<T>(KernelLauncher launcher, DevicePtr<T> factor, DevicePtr<T> tau, DevicePtr<int> exponent, int m, int n, int count, DevicePtr<T> y, DevicePtr<T> g, int p, DevicePtr<T> ga, DevicePtr<T> gy)
    where T : unmanaged, IFloatingPointIeee754<T>;
