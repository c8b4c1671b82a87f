using System.Runtime.InteropServices;

namespace OrthoProj.Cuda.Kernels;

// The parameters of the general path's kernels (cuda/orthoproj_kernels.cu), one struct per
// parameter list, mirrored field for field by cuda/kernel_params.cuh (Name_FIELDS); the fused
// kernels' are in FusedKernelParams.cs. A kernel takes its struct by value and the launcher
// passes a pointer to the host's copy as the one entry of cuLaunchKernel's kernelParams.
// Sequential layout with C's alignment rules (every field is blittable: DevicePtr<T> is the 8 bytes
// of an address), so the bytes are the C struct's; OrthoProj.Tests/Cuda/KernelWrapperTests.cs checks
// names, order, types, offsets and sizes against the header. Field names are the C names in
// PascalCase.

/// <summary>The parameters of exponent_none (ExponentNoneParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct ExponentNoneParams<T>
    where T : unmanaged
{
    /// <summary><c>int* out</c>.</summary>
    public DevicePtr<int> Out;

    /// <summary><c>int count</c>.</summary>
    public int Count;
}

/// <summary>The parameters of max_exponent (MaxExponentParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct MaxExponentParams<T>
    where T : unmanaged
{
    /// <summary><c>const T* x</c>.</summary>
    public DevicePtr<T> X;

    /// <summary><c>int rows</c>.</summary>
    public int Rows;

    /// <summary><c>int cols</c>.</summary>
    public int Cols;

    /// <summary><c>int ld</c>.</summary>
    public int Ld;

    /// <summary><c>i64 stride</c>.</summary>
    public long Stride;

    /// <summary><c>const int* shift</c>.</summary>
    public DevicePtr<int> Shift;

    /// <summary><c>int accumulate</c>.</summary>
    public int Accumulate;

    /// <summary><c>int count</c>.</summary>
    public int Count;

    /// <summary><c>int* out</c>.</summary>
    public DevicePtr<int> Out;
}

/// <summary>The parameters of scale_exp2 (ScaleExp2Params in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct ScaleExp2Params<T>
    where T : unmanaged
{
    /// <summary><c>T* x</c>.</summary>
    public DevicePtr<T> X;

    /// <summary><c>int rows</c>.</summary>
    public int Rows;

    /// <summary><c>int cols</c>.</summary>
    public int Cols;

    /// <summary><c>int ld</c>.</summary>
    public int Ld;

    /// <summary><c>i64 stride</c>.</summary>
    public long Stride;

    /// <summary><c>const int* e1</c>.</summary>
    public DevicePtr<int> E1;

    /// <summary><c>int c1</c>.</summary>
    public int C1;

    /// <summary><c>const int* e2</c>.</summary>
    public DevicePtr<int> E2;

    /// <summary><c>int c2</c>.</summary>
    public int C2;

    /// <summary><c>int count</c>.</summary>
    public int Count;
}

/// <summary>The parameters of find_nonfinite (FindNonfiniteParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct FindNonfiniteParams<T>
    where T : unmanaged
{
    /// <summary><c>const T* x</c>.</summary>
    public DevicePtr<T> X;

    /// <summary><c>int n</c>.</summary>
    public int N;

    /// <summary><c>int* result</c>.</summary>
    public DevicePtr<int> Result;
}

/// <summary>The parameters of apply_reflectors (ApplyReflectorsParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct ApplyReflectorsParams<T>
    where T : unmanaged
{
    /// <summary><c>const T* v</c>.</summary>
    public DevicePtr<T> V;

    /// <summary><c>i64 strideV</c>.</summary>
    public long StrideV;

    /// <summary><c>const T* tau</c>.</summary>
    public DevicePtr<T> Tau;

    /// <summary><c>i64 strideTau</c>.</summary>
    public long StrideTau;

    /// <summary><c>int m</c>.</summary>
    public int M;

    /// <summary><c>int k</c>.</summary>
    public int K;

    /// <summary><c>T* c</c>.</summary>
    public DevicePtr<T> C;

    /// <summary><c>i64 strideC</c>.</summary>
    public long StrideC;

    /// <summary><c>int p</c>.</summary>
    public int P;

    /// <summary><c>int rowStep</c>.</summary>
    public int RowStep;

    /// <summary><c>int colStep</c>.</summary>
    public int ColStep;

    /// <summary><c>int transpose</c>.</summary>
    public int Transpose;

    /// <summary><c>int count</c>.</summary>
    public int Count;
}

/// <summary>The parameters of read_flagged (ReadFlaggedParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct ReadFlaggedParams<T>
    where T : unmanaged
{
    /// <summary><c>const T* x</c>.</summary>
    public DevicePtr<T> X;

    /// <summary><c>const int* flag</c>.</summary>
    public DevicePtr<int> Flag;

    /// <summary><c>T* value</c>.</summary>
    public DevicePtr<T> Value;
}

/// <summary>The parameters of qr_rank (QrRankParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct QrRankParams<T>
    where T : unmanaged
{
    /// <summary><c>const T* a</c>.</summary>
    public DevicePtr<T> A;

    /// <summary><c>int lda</c>.</summary>
    public int Lda;

    /// <summary><c>int n</c>.</summary>
    public int N;

    /// <summary><c>i64 stride</c>.</summary>
    public long Stride;

    /// <summary><c>int count</c>.</summary>
    public int Count;

    /// <summary><c>double atol</c>.</summary>
    public double Atol;

    /// <summary><c>double rtol</c>.</summary>
    public double Rtol;

    /// <summary><c>int* rank</c>.</summary>
    public DevicePtr<int> Rank;

    /// <summary><c>const int* magnitude</c>.</summary>
    public DevicePtr<int> Magnitude;
}

/// <summary>The parameters of svd_threshold (SvdThresholdParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct SvdThresholdParams<T>
    where T : unmanaged
{
    /// <summary><c>const T* s</c>.</summary>
    public DevicePtr<T> S;

    /// <summary><c>int kk</c>.</summary>
    public int Kk;

    /// <summary><c>i64 strideS</c>.</summary>
    public long StrideS;

    /// <summary><c>int count</c>.</summary>
    public int Count;

    /// <summary><c>double atol</c>.</summary>
    public double Atol;

    /// <summary><c>double rtol</c>.</summary>
    public double Rtol;

    /// <summary><c>int* rank</c>.</summary>
    public DevicePtr<int> Rank;

    /// <summary><c>T* inv_s</c>.</summary>
    public DevicePtr<T> InvS;

    /// <summary><c>T* keep</c>.</summary>
    public DevicePtr<T> Keep;

    /// <summary><c>const int* magnitude</c>.</summary>
    public DevicePtr<int> Magnitude;
}

/// <summary>The parameters of residual_second_pass (ResidualSecondPassParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct ResidualSecondPassParams<T>
    where T : unmanaged
{
    /// <summary><c>const T* e</c>.</summary>
    public DevicePtr<T> E;

    /// <summary><c>const T* y</c>.</summary>
    public DevicePtr<T> Y;

    /// <summary><c>int m</c>.</summary>
    public int M;

    /// <summary><c>int p</c>.</summary>
    public int P;

    /// <summary><c>i64 stride</c>.</summary>
    public long Stride;

    /// <summary><c>T* coef</c>: U^T e, r x p per matrix.</summary>
    public DevicePtr<T> Coef;

    /// <summary><c>int r</c>.</summary>
    public int R;

    /// <summary><c>i64 coefStride</c>.</summary>
    public long CoefStride;

    /// <summary><c>int count</c>.</summary>
    public int Count;
}

/// <summary>The parameters of zero_full_rank (ZeroFullRankParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct ZeroFullRankParams<T>
    where T : unmanaged
{
    /// <summary><c>T* x</c>.</summary>
    public DevicePtr<T> X;

    /// <summary><c>int len</c>.</summary>
    public int Len;

    /// <summary><c>i64 stride</c>.</summary>
    public long Stride;

    /// <summary><c>const int* rank</c>.</summary>
    public DevicePtr<int> Rank;

    /// <summary><c>int full</c>.</summary>
    public int Full;

    /// <summary><c>int count</c>.</summary>
    public int Count;
}

/// <summary>The parameters of copy_strided (CopyStridedParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct CopyStridedParams<T>
    where T : unmanaged
{
    /// <summary><c>const T* src</c>.</summary>
    public DevicePtr<T> Src;

    /// <summary><c>i64 srcStride</c>.</summary>
    public long SrcStride;

    /// <summary><c>T* dst</c>.</summary>
    public DevicePtr<T> Dst;

    /// <summary><c>i64 dstStride</c>.</summary>
    public long DstStride;

    /// <summary><c>int len</c>.</summary>
    public int Len;

    /// <summary><c>int count</c>.</summary>
    public int Count;
}

/// <summary>The parameters of transpose (TransposeParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct TransposeParams<T>
    where T : unmanaged
{
    /// <summary><c>const T* src</c>.</summary>
    public DevicePtr<T> Src;

    /// <summary><c>int rows</c>.</summary>
    public int Rows;

    /// <summary><c>int cols</c>.</summary>
    public int Cols;

    /// <summary><c>i64 srcStride</c>.</summary>
    public long SrcStride;

    /// <summary><c>T* dst</c>.</summary>
    public DevicePtr<T> Dst;

    /// <summary><c>i64 dstStride</c>.</summary>
    public long DstStride;

    /// <summary><c>int count</c>.</summary>
    public int Count;
}

/// <summary>The parameters of set_identity (SetIdentityParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct SetIdentityParams<T>
    where T : unmanaged
{
    /// <summary><c>T* q</c>.</summary>
    public DevicePtr<T> Q;

    /// <summary><c>int rows</c>.</summary>
    public int Rows;

    /// <summary><c>int cols</c>.</summary>
    public int Cols;

    /// <summary><c>i64 stride</c>.</summary>
    public long Stride;

    /// <summary><c>int count</c>.</summary>
    public int Count;
}

/// <summary>The parameters of extract_upper (ExtractUpperParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct ExtractUpperParams<T>
    where T : unmanaged
{
    /// <summary><c>const T* a</c>.</summary>
    public DevicePtr<T> A;

    /// <summary><c>int lda</c>.</summary>
    public int Lda;

    /// <summary><c>int n</c>.</summary>
    public int N;

    /// <summary><c>i64 strideA</c>.</summary>
    public long StrideA;

    /// <summary><c>T* r</c>.</summary>
    public DevicePtr<T> R;

    /// <summary><c>int rRows</c>.</summary>
    public int RRows;

    /// <summary><c>i64 strideR</c>.</summary>
    public long StrideR;

    /// <summary><c>int count</c>.</summary>
    public int Count;
}

/// <summary>The parameters of mirror_upper (MirrorUpperParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct MirrorUpperParams<T>
    where T : unmanaged
{
    /// <summary><c>T* s</c>.</summary>
    public DevicePtr<T> S;

    /// <summary><c>int k</c>.</summary>
    public int K;

    /// <summary><c>i64 stride</c>.</summary>
    public long Stride;

    /// <summary><c>int count</c>.</summary>
    public int Count;
}

/// <summary>The parameters of scale_columns (ScaleColumnsParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct ScaleColumnsParams<T>
    where T : unmanaged
{
    /// <summary><c>T* x</c>.</summary>
    public DevicePtr<T> X;

    /// <summary><c>int rows</c>.</summary>
    public int Rows;

    /// <summary><c>int cols</c>.</summary>
    public int Cols;

    /// <summary><c>i64 stride</c>.</summary>
    public long Stride;

    /// <summary><c>const T* scale</c>.</summary>
    public DevicePtr<T> Scale;

    /// <summary><c>i64 scaleStride</c>.</summary>
    public long ScaleStride;

    /// <summary><c>int count</c>.</summary>
    public int Count;
}

/// <summary>The parameters of scale_strided (ScaleStridedParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct ScaleStridedParams<T>
    where T : unmanaged
{
    /// <summary><c>T* x</c>.</summary>
    public DevicePtr<T> X;

    /// <summary><c>int rows</c>.</summary>
    public int Rows;

    /// <summary><c>int cols</c>.</summary>
    public int Cols;

    /// <summary><c>int ld</c>.</summary>
    public int Ld;

    /// <summary><c>i64 stride</c>.</summary>
    public long Stride;

    /// <summary><c>T beta</c>.</summary>
    public T Beta;

    /// <summary><c>int count</c>.</summary>
    public int Count;
}

/// <summary>The parameters of copy_block (CopyBlockParams in cuda/kernel_params.cuh).</summary>
/// <typeparam name="T">The element type.</typeparam>
[StructLayout(LayoutKind.Sequential)]
internal partial struct CopyBlockParams<T>
    where T : unmanaged
{
    /// <summary><c>const T* src</c>.</summary>
    public DevicePtr<T> Src;

    /// <summary><c>int ldSrc</c>.</summary>
    public int LdSrc;

    /// <summary><c>i64 srcStride</c>.</summary>
    public long SrcStride;

    /// <summary><c>T* dst</c>.</summary>
    public DevicePtr<T> Dst;

    /// <summary><c>int ldDst</c>.</summary>
    public int LdDst;

    /// <summary><c>i64 dstStride</c>.</summary>
    public long DstStride;

    /// <summary><c>int rows</c>.</summary>
    public int Rows;

    /// <summary><c>int cols</c>.</summary>
    public int Cols;

    /// <summary><c>int count</c>.</summary>
    public int Count;
}

/// <summary>The parameters of first_flagged (FirstFlaggedParams in cuda/kernel_params.cuh).</summary>
[StructLayout(LayoutKind.Sequential)]
internal partial struct FirstFlaggedParams
{
    /// <summary><c>const int* flags</c>.</summary>
    public DevicePtr<int> Flags;

    /// <summary><c>int count</c>.</summary>
    public int Count;

    /// <summary><c>int stride</c>.</summary>
    public int Stride;

    /// <summary><c>int* result</c>.</summary>
    public DevicePtr<int> Result;
}

/// <summary>The parameters of pointer_array (PointerArrayParams in cuda/kernel_params.cuh).</summary>
[StructLayout(LayoutKind.Sequential)]
internal partial struct PointerArrayParams
{
    /// <summary><c>unsigned long long base</c>.</summary>
    public ulong Base;

    /// <summary><c>long long strideBytes</c>.</summary>
    public long StrideBytes;

    /// <summary><c>int count</c>.</summary>
    public int Count;

    /// <summary><c>unsigned long long* out</c>.</summary>
    public DevicePtr<ulong> Out;
}
