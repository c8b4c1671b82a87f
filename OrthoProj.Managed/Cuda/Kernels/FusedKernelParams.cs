using System.Runtime.InteropServices;

namespace OrthoProj.Cuda.Kernels;

// The parameters of the fused warp-per-matrix kernels (cuda/fused_qr.cu), mirrored field for field
// by cuda/kernel_params.cuh, with the same conventions and checks as GeneralKernelParams.cs. The
// shape each one gives the launcher (IWarpParams) is in FusedKernels.cs.

/// <summary>The parameters of fused_qr_factor (FusedQrFactorParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct FusedQrFactorParams<T>
    where T : unmanaged
{
    /// <summary><c>const T* A</c>.</summary>
    public DevicePtr<T> A;

    /// <summary><c>int m</c>.</summary>
    public int M;

    /// <summary><c>int n</c>.</summary>
    public int N;

    /// <summary><c>int count</c>.</summary>
    public int Count;

    /// <summary><c>T* factor</c>.</summary>
    public DevicePtr<T> Factor;

    /// <summary><c>T* tau</c>.</summary>
    public DevicePtr<T> Tau;

    /// <summary><c>int* exponent</c>.</summary>
    public DevicePtr<int> Exponent;

    /// <summary><c>int* rank</c>.</summary>
    public DevicePtr<int> Rank;

    /// <summary><c>double atol</c>.</summary>
    public double Atol;

    /// <summary><c>double rtol</c>.</summary>
    public double Rtol;

    /// <summary><c>int* firstBad</c>.</summary>
    public DevicePtr<int> FirstBad;
}

/// <summary>The parameters of fused_project, fused_residual (FusedForwardParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct FusedForwardParams<T>
    where T : unmanaged
{
    /// <summary><c>const T* factor</c>.</summary>
    public DevicePtr<T> Factor;

    /// <summary><c>const T* tau</c>.</summary>
    public DevicePtr<T> Tau;

    /// <summary><c>int m</c>.</summary>
    public int M;

    /// <summary><c>int n</c>.</summary>
    public int N;

    /// <summary><c>int count</c>.</summary>
    public int Count;

    /// <summary><c>const T* y</c>.</summary>
    public DevicePtr<T> Y;

    /// <summary><c>int p</c>.</summary>
    public int P;

    /// <summary><c>T* result</c>.</summary>
    public DevicePtr<T> Result;
}

/// <summary>The parameters of fused_solve (FusedSolveParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct FusedSolveParams<T>
    where T : unmanaged
{
    /// <summary><c>const T* factor</c>.</summary>
    public DevicePtr<T> Factor;

    /// <summary><c>const T* tau</c>.</summary>
    public DevicePtr<T> Tau;

    /// <summary><c>const int* exponent</c>.</summary>
    public DevicePtr<int> Exponent;

    /// <summary><c>int m</c>.</summary>
    public int M;

    /// <summary><c>int n</c>.</summary>
    public int N;

    /// <summary><c>int count</c>.</summary>
    public int Count;

    /// <summary><c>const T* y</c>.</summary>
    public DevicePtr<T> Y;

    /// <summary><c>int p</c>.</summary>
    public int P;

    /// <summary><c>T* x</c>.</summary>
    public DevicePtr<T> X;
}

/// <summary>The parameters of fused_matrix (FusedMatrixParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct FusedMatrixParams<T>
    where T : unmanaged
{
    /// <summary><c>const T* factor</c>.</summary>
    public DevicePtr<T> Factor;

    /// <summary><c>const T* tau</c>.</summary>
    public DevicePtr<T> Tau;

    /// <summary><c>int m</c>.</summary>
    public int M;

    /// <summary><c>int n</c>.</summary>
    public int N;

    /// <summary><c>int count</c>.</summary>
    public int Count;

    /// <summary><c>T* pm</c>.</summary>
    public DevicePtr<T> Pm;
}

/// <summary>The parameters of fused_project_backward, fused_residual_backward, fused_solve_backward (FusedBackwardParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct FusedBackwardParams<T>
    where T : unmanaged
{
    /// <summary><c>const T* factor</c>.</summary>
    public DevicePtr<T> Factor;

    /// <summary><c>const T* tau</c>.</summary>
    public DevicePtr<T> Tau;

    /// <summary><c>const int* exponent</c>.</summary>
    public DevicePtr<int> Exponent;

    /// <summary><c>int m</c>.</summary>
    public int M;

    /// <summary><c>int n</c>.</summary>
    public int N;

    /// <summary><c>int count</c>.</summary>
    public int Count;

    /// <summary><c>const T* y</c>.</summary>
    public DevicePtr<T> Y;

    /// <summary><c>const T* g</c>.</summary>
    public DevicePtr<T> G;

    /// <summary><c>int p</c>.</summary>
    public int P;

    /// <summary><c>T* ga</c>.</summary>
    public DevicePtr<T> Ga;

    /// <summary><c>T* gy</c>.</summary>
    public DevicePtr<T> Gy;
}

/// <summary>The parameters of fused_matrix_backward (FusedMatrixBackwardParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct FusedMatrixBackwardParams<T>
    where T : unmanaged
{
    /// <summary><c>const T* factor</c>.</summary>
    public DevicePtr<T> Factor;

    /// <summary><c>const T* tau</c>.</summary>
    public DevicePtr<T> Tau;

    /// <summary><c>const int* exponent</c>.</summary>
    public DevicePtr<int> Exponent;

    /// <summary><c>int m</c>.</summary>
    public int M;

    /// <summary><c>int n</c>.</summary>
    public int N;

    /// <summary><c>int count</c>.</summary>
    public int Count;

    /// <summary><c>const T* gp</c>.</summary>
    public DevicePtr<T> Gp;

    /// <summary><c>T* ga</c>.</summary>
    public DevicePtr<T> Ga;
}
