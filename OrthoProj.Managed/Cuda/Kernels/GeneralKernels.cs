namespace OrthoProj.Cuda.Kernels;

/// <summary>
/// The launch wrappers of cuda/orthoproj_kernels.cu: one method per kernel, its parameters the
/// kernel's C parameters in order (names included), typed, after <c>workItems</c>, the number of
/// grid-stride items the launch covers. <see cref="KernelUnit"/> derives the kernel table from the
/// <see cref="CudaKernelAttribute"/>s here; the tests check it against the source and the compiled
/// module. See the source for what each kernel computes.
/// </summary>
[KernelUnit("orthoproj_kernels.cu")]
internal static class GeneralKernels
{
    /// <summary>The translation unit.</summary>
    public static KernelUnit Unit { get; } = new(typeof(GeneralKernels));

    /// <summary>
    /// out[b] = ilogb(max |x_b|) (+ shift[b]); OP_EXP_NONE for an all-zero block; with
    /// <paramref name="accumulate"/> the larger of that and out[b]. One block of
    /// <see cref="KernelLauncher.BlockSize"/> threads per matrix (<paramref name="workItems"/> is the
    /// number of matrices) whose threads meet through atomicMax in out[b], so without
    /// <paramref name="accumulate"/> out is first set to OP_EXP_NONE (<see cref="ExponentNone{T}"/>).
    /// </summary>
    [CudaKernel("max_exponent", KernelShape.Typed)]
    public static void MaxExponent<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> x, int rows, int cols, int ld, long stride, DevicePtr<int> shift, int accumulate, int count, DevicePtr<int> @out)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (accumulate == 0)
        {
            launcher.ExponentNone<T>(count, @out, count);
        }

        launcher.LaunchBlockPerItem<T>(workItems, [x, rows, cols, ld, stride, shift, accumulate, count, @out]);
    }

    /// <summary>out[b] = OP_EXP_NONE for b &lt; count (max_exponent's starting value).</summary>
    [CudaKernel("exponent_none", KernelShape.Typed)]
    public static void ExponentNone<T>(this KernelLauncher launcher, long workItems, DevicePtr<int> @out, int count)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.Launch<T>(workItems, [@out, count]);

    /// <summary>x_b = 2^(c1 e1[b] + c2 e2[b]) x_b.</summary>
    [CudaKernel("scale_exp2", KernelShape.Typed)]
    public static void ScaleExp2<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> x, int rows, int cols, int ld, long stride, DevicePtr<int> e1, int c1, DevicePtr<int> e2, int c2, int count)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.Launch<T>(workItems, [x, rows, cols, ld, stride, e1, c1, e2, c2, count]);

    /// <summary>*result = INT_MAX - (first non-finite index of x[0, n)), through atomicMax.</summary>
    [CudaKernel("find_nonfinite", KernelShape.Typed)]
    public static void FindNonfinite<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> x, int n, DevicePtr<int> result)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.Launch<T>(workItems, [x, n, result]);

    /// <summary>C_b = op(Q_b) C_b for every matrix (element (r, j) of C_b at r rowStep + j colStep), Q_b from geqrf's reflectors (batched orgqr).</summary>
    [CudaKernel("apply_reflectors", KernelShape.Typed)]
    public static void ApplyReflectors<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> v, long strideV, DevicePtr<T> tau, long strideTau, int m, int k, DevicePtr<T> c, long strideC, int p, int rowStep, int colStep, int transpose, int count)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.Launch<T>(workItems, [v, strideV, tau, strideTau, m, k, c, strideC, p, rowStep, colStep, transpose, count]);

    /// <summary>*value = x[INT_MAX - *flag] when *flag != 0 (the value a non-finite scan found).</summary>
    [CudaKernel("read_flagged", KernelShape.Typed)]
    public static void ReadFlagged<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> x, DevicePtr<int> flag, DevicePtr<T> value)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.Launch<T>(workItems, [x, flag, value]);

    /// <summary>*result = INT_MAX - (first b with flags[b * stride] != 0).</summary>
    [CudaKernel("first_flagged", KernelShape.Untyped)]
    public static void FirstFlagged(this KernelLauncher launcher, long workItems, DevicePtr<int> flags, int count, int stride, DevicePtr<int> result) =>
        launcher.Launch(workItems, [flags, count, stride, result]);

    /// <summary>rank[b] under the QR method's rule |R_jj| &lt;= max(atol, rtol max |R_jj|).</summary>
    [CudaKernel("qr_rank", KernelShape.Typed)]
    public static void QrRank<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> a, int lda, int n, long stride, int count, double atol, double rtol, DevicePtr<int> rank, DevicePtr<int> magnitude)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.Launch<T>(workItems, [a, lda, n, stride, count, atol, rtol, rank, magnitude]);

    /// <summary>Rank, 1/s and keep flags of singular values under max(atol, rtol s_max).</summary>
    [CudaKernel("svd_threshold", KernelShape.Typed)]
    public static void SvdThreshold<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> s, int kk, long strideS, int count, double atol, double rtol, DevicePtr<int> rank, DevicePtr<T> inv_s, DevicePtr<T> keep, DevicePtr<int> magnitude)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.Launch<T>(workItems, [s, kk, strideS, count, atol, rtol, rank, inv_s, keep, magnitude]);

    /// <summary>Marks the columns of a residual that need the second projection pass.</summary>
    [CudaKernel("residual_second_pass", KernelShape.Typed)]
    public static void ResidualSecondPass<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> e, DevicePtr<T> y, int m, int p, long stride, DevicePtr<T> t, int r, long tStride, int count)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.Launch<T>(workItems, [e, y, m, p, stride, t, r, tStride, count]);

    /// <summary>Zeros x_b where rank[b] == full.</summary>
    [CudaKernel("zero_full_rank", KernelShape.Typed)]
    public static void ZeroFullRank<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> x, int len, long stride, DevicePtr<int> rank, int full, int count)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.Launch<T>(workItems, [x, len, stride, rank, full, count]);

    /// <summary>dst[b * dstStride + e] = src[b * srcStride + e], e &lt; len.</summary>
    [CudaKernel("copy_strided", KernelShape.Typed)]
    public static void CopyStrided<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> src, long srcStride, DevicePtr<T> dst, long dstStride, int len, int count)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.Launch<T>(workItems, [src, srcStride, dst, dstStride, len, count]);

    /// <summary>dst_b (cols x rows) = src_b^T.</summary>
    [CudaKernel("transpose", KernelShape.Typed)]
    public static void Transpose<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> src, int rows, int cols, long srcStride, DevicePtr<T> dst, long dstStride, int count)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.Launch<T>(workItems, [src, rows, cols, srcStride, dst, dstStride, count]);

    /// <summary>q_b = the rows x cols identity.</summary>
    [CudaKernel("set_identity", KernelShape.Typed)]
    public static void SetIdentity<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> q, int rows, int cols, long stride, int count)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.Launch<T>(workItems, [q, rows, cols, stride, count]);

    /// <summary>r_b = the upper triangle of a_b's leading rRows x n block.</summary>
    [CudaKernel("extract_upper", KernelShape.Typed)]
    public static void ExtractUpper<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> a, int lda, int n, long strideA, DevicePtr<T> r, int rRows, long strideR, int count)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.Launch<T>(workItems, [a, lda, n, strideA, r, rRows, strideR, count]);

    /// <summary>The strict upper triangle of s_b mirrored into the lower.</summary>
    [CudaKernel("mirror_upper", KernelShape.Typed)]
    public static void MirrorUpper<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> s, int k, long stride, int count)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.Launch<T>(workItems, [s, k, stride, count]);

    /// <summary>Column j of x_b times scale_b[j].</summary>
    [CudaKernel("scale_columns", KernelShape.Typed)]
    public static void ScaleColumns<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> x, int rows, int cols, long stride, DevicePtr<T> scale, long scaleStride, int count)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.Launch<T>(workItems, [x, rows, cols, stride, scale, scaleStride, count]);

    /// <summary>x_b = beta x_b over a rows x cols block.</summary>
    [CudaKernel("scale_strided", KernelShape.Typed)]
    public static void ScaleStrided<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> x, int rows, int cols, int ld, long stride, T beta, int count)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.Launch<T>(workItems, [x, rows, cols, ld, stride, KernelArg.Element(beta), count]);

    /// <summary>The rows x cols block of src_b into dst_b (each with its own leading dimension).</summary>
    [CudaKernel("copy_block", KernelShape.Typed)]
    public static void CopyBlock<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> src, int ldSrc, long srcStride, DevicePtr<T> dst, int ldDst, long dstStride, int rows, int cols, int count)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        launcher.Launch<T>(workItems, [src, ldSrc, srcStride, dst, ldDst, dstStride, rows, cols, count]);

    /// <summary>out[b] = base + b * strideBytes: the pointer arrays of cuBLAS's *Batched routines.</summary>
    [CudaKernel("pointer_array", KernelShape.Untyped)]
    public static void PointerArray(this KernelLauncher launcher, long workItems, ulong @base, long strideBytes, int count, DevicePtr<ulong> @out) =>
        launcher.Launch(workItems, [@base, strideBytes, count, @out]);
}
