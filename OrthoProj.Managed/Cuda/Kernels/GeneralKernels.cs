namespace OrthoProj.Cuda.Kernels;

/// <summary>
/// The kernels of cuda/orthoproj_kernels.cu: typed handles (<see cref="Handles{T}"/> per element
/// type; the untyped kernels here) and one launch method per kernel, an extension of
/// <see cref="KernelLauncher"/> whose parameters, after <c>workItems</c> (the grid-stride items the
/// launch covers), are the fields of the kernel's parameter struct in order
/// (Cuda/Kernels/GeneralKernelParams.cs, mirrored by cuda/kernel_params.cuh). See the source for what each
/// kernel computes.
/// </summary>
/// <remarks>
/// Complex elements: the kernels of <see cref="Handles{T}"/> have complex forms (_c64, _c128). Those
/// of <see cref="RealHandles{T}"/> are elementwise on the reals an element is made of (copies, the
/// power-of-two scaling of both parts, the exponent of max(|Re|, |Im|)); their wrappers launch the
/// real form over the reals of a complex batch (rows, leading dimensions and strides doubled), which
/// is the complex rule exactly. The non-finite scan and read_flagged take real elements only: the
/// caller scans a complex batch as its reals (CudaBackend.Checks.cs).
/// </remarks>
internal static class GeneralKernels
{
    /// <summary>*result = INT_MAX - (first b with flags[b * stride] != 0).</summary>
    public static readonly Kernel<FirstFlaggedParams> FirstFlaggedKernel = new("first_flagged");

    /// <summary>out[b] = base + b * strideBytes: the pointer arrays of cuBLAS's *Batched routines.</summary>
    public static readonly Kernel<PointerArrayParams> PointerArrayKernel = new("pointer_array");

    /// <summary>The translation unit.</summary>
    public static KernelUnit Unit { get; } = new("orthoproj_kernels.cu", typeof(GeneralKernels), typeof(RealHandles<>), typeof(Handles<>));

    /// <summary>
    /// out[b] = ilogb(max |x_b|) (+ shift[b]); OP_EXP_NONE for an all-zero block; with
    /// <paramref name="accumulate"/> the larger of that and out[b]. One block of
    /// <see cref="KernelLauncher.BlockSize"/> threads per matrix (<paramref name="workItems"/> is the
    /// number of matrices) whose threads meet through atomicMax in out[b], so without
    /// <paramref name="accumulate"/> out is first set to OP_EXP_NONE (<see cref="ExponentNone{T}"/>).
    /// </summary>
    public static void MaxExponent<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> x, int rows, int cols, int ld, long stride, DevicePtr<int> shift, int accumulate, int count, DevicePtr<int> @out)
        where T : unmanaged, INumberBase<T>
    {
        if (Element<T>.IsComplex)
        {
            // max(|Re|, |Im|) over the matrix is the largest magnitude of its reals: rows doubled.
            if (Element<T>.IsSingle)
            {
                launcher.MaxExponent(workItems, Reals<T, float>(x), 2 * rows, cols, 2 * ld, 2 * stride, shift, accumulate, count, @out);
            }
            else
            {
                launcher.MaxExponent(workItems, Reals<T, double>(x), 2 * rows, cols, 2 * ld, 2 * stride, shift, accumulate, count, @out);
            }

            return;
        }

        if (accumulate == 0)
        {
            launcher.ExponentNone<T>(count, @out, count);
        }

        launcher.Launch(RealHandles<T>.MaxExponent, workItems, new MaxExponentParams<T> { X = x, Rows = rows, Cols = cols, Ld = ld, Stride = stride, Shift = shift, Accumulate = accumulate, Count = count, Out = @out });
    }

    /// <summary>out[b] = OP_EXP_NONE for b &lt; count (max_exponent's starting value).</summary>
    public static void ExponentNone<T>(this KernelLauncher launcher, long workItems, DevicePtr<int> @out, int count)
        where T : unmanaged, INumberBase<T> =>
        launcher.Launch(RealHandles<T>.ExponentNone, workItems, new ExponentNoneParams<T> { Out = @out, Count = count });

    /// <summary>x_b = 2^(c1 e1[b] + c2 e2[b]) x_b.</summary>
    public static void ScaleExp2<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> x, int rows, int cols, int ld, long stride, DevicePtr<int> e1, int c1, DevicePtr<int> e2, int c2, int count)
        where T : unmanaged, INumberBase<T>
    {
        if (Element<T>.IsComplex)
        {
            // Both parts by the same power of two, exactly as each real.
            if (Element<T>.IsSingle)
            {
                launcher.ScaleExp2(2 * workItems, Reals<T, float>(x), 2 * rows, cols, 2 * ld, 2 * stride, e1, c1, e2, c2, count);
            }
            else
            {
                launcher.ScaleExp2(2 * workItems, Reals<T, double>(x), 2 * rows, cols, 2 * ld, 2 * stride, e1, c1, e2, c2, count);
            }

            return;
        }

        launcher.Launch(RealHandles<T>.ScaleExp2, workItems, new ScaleExp2Params<T> { X = x, Rows = rows, Cols = cols, Ld = ld, Stride = stride, E1 = e1, C1 = c1, E2 = e2, C2 = c2, Count = count });
    }

    /// <summary>*result = INT_MAX - (first non-finite index of x[0, n)), through atomicMax. Real elements (a complex batch is scanned as its reals).</summary>
    public static void FindNonfinite<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> x, int n, DevicePtr<int> result)
        where T : unmanaged, INumberBase<T> =>
        launcher.Launch(RealHandles<T>.FindNonfinite, workItems, new FindNonfiniteParams<T> { X = x, N = n, Result = result });

    /// <summary>C_b = op(Q_b) C_b for every matrix (element (r, j) of C_b at r rowStep + j colStep), Q_b from geqrf's reflectors (batched orgqr).</summary>
    public static void ApplyReflectors<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> v, long strideV, DevicePtr<T> tau, long strideTau, int m, int k, DevicePtr<T> c, long strideC, int p, int rowStep, int colStep, int transpose, int count)
        where T : unmanaged, INumberBase<T> =>
        launcher.Launch(Handles<T>.ApplyReflectors, workItems, new ApplyReflectorsParams<T> { V = v, StrideV = strideV, Tau = tau, StrideTau = strideTau, M = m, K = k, C = c, StrideC = strideC, P = p, RowStep = rowStep, ColStep = colStep, Transpose = transpose, Count = count });

    /// <summary>*value = x[INT_MAX - *flag] when *flag != 0 (the value a non-finite scan found). Real elements.</summary>
    public static void ReadFlagged<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> x, DevicePtr<int> flag, DevicePtr<T> value)
        where T : unmanaged, INumberBase<T> =>
        launcher.Launch(RealHandles<T>.ReadFlagged, workItems, new ReadFlaggedParams<T> { X = x, Flag = flag, Value = value });

    /// <summary>*result = INT_MAX - (first b with flags[b * stride] != 0).</summary>
    public static void FirstFlagged(this KernelLauncher launcher, long workItems, DevicePtr<int> flags, int count, int stride, DevicePtr<int> result) =>
        launcher.Launch(FirstFlaggedKernel, workItems, new FirstFlaggedParams { Flags = flags, Count = count, Stride = stride, Result = result });

    /// <summary>rank[b] under the QR method's rule |R_jj| &lt;= max(atol, rtol max |R_jj|).</summary>
    public static void QrRank<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> a, int lda, int n, long stride, int count, double atol, double rtol, DevicePtr<int> rank, DevicePtr<int> magnitude)
        where T : unmanaged, INumberBase<T> =>
        launcher.Launch(Handles<T>.QrRank, workItems, new QrRankParams<T> { A = a, Lda = lda, N = n, Stride = stride, Count = count, Atol = atol, Rtol = rtol, Rank = rank, Magnitude = magnitude });

    /// <summary>Rank, 1/s and keep flags of singular values under max(atol, rtol s_max).</summary>
    public static void SvdThreshold<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> s, int kk, long strideS, int count, double atol, double rtol, DevicePtr<int> rank, DevicePtr<T> inv_s, DevicePtr<T> keep, DevicePtr<int> magnitude)
        where T : unmanaged, INumberBase<T> =>
        launcher.Launch(Handles<T>.SvdThreshold, workItems, new SvdThresholdParams<T> { S = s, Kk = kk, StrideS = strideS, Count = count, Atol = atol, Rtol = rtol, Rank = rank, InvS = inv_s, Keep = keep, Magnitude = magnitude });

    /// <summary>Marks the columns of a residual that need the second projection pass.</summary>
    public static void ResidualSecondPass<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> e, DevicePtr<T> y, int m, int p, long stride, DevicePtr<T> t, int r, long tStride, int count)
        where T : unmanaged, INumberBase<T> =>
        launcher.Launch(Handles<T>.ResidualSecondPass, workItems, new ResidualSecondPassParams<T> { E = e, Y = y, M = m, P = p, Stride = stride, Coef = t, R = r, CoefStride = tStride, Count = count });

    /// <summary>Zeros x_b where rank[b] == full.</summary>
    public static void ZeroFullRank<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> x, int len, long stride, DevicePtr<int> rank, int full, int count)
        where T : unmanaged, INumberBase<T>
    {
        if (Element<T>.IsComplex)
        {
            if (Element<T>.IsSingle)
            {
                launcher.ZeroFullRank(2 * workItems, Reals<T, float>(x), 2 * len, 2 * stride, rank, full, count);
            }
            else
            {
                launcher.ZeroFullRank(2 * workItems, Reals<T, double>(x), 2 * len, 2 * stride, rank, full, count);
            }

            return;
        }

        launcher.Launch(RealHandles<T>.ZeroFullRank, workItems, new ZeroFullRankParams<T> { X = x, Len = len, Stride = stride, Rank = rank, Full = full, Count = count });
    }

    /// <summary>dst[b * dstStride + e] = src[b * srcStride + e], e &lt; len.</summary>
    public static void CopyStrided<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> src, long srcStride, DevicePtr<T> dst, long dstStride, int len, int count)
        where T : unmanaged, INumberBase<T>
    {
        if (Element<T>.IsComplex)
        {
            if (Element<T>.IsSingle)
            {
                launcher.CopyStrided(2 * workItems, Reals<T, float>(src), 2 * srcStride, Reals<T, float>(dst), 2 * dstStride, 2 * len, count);
            }
            else
            {
                launcher.CopyStrided(2 * workItems, Reals<T, double>(src), 2 * srcStride, Reals<T, double>(dst), 2 * dstStride, 2 * len, count);
            }

            return;
        }

        launcher.Launch(RealHandles<T>.CopyStrided, workItems, new CopyStridedParams<T> { Src = src, SrcStride = srcStride, Dst = dst, DstStride = dstStride, Len = len, Count = count });
    }

    /// <summary>dst_b (cols x rows) = src_b^H (the conjugate transpose; for a real element launch <see cref="Transpose{T}"/>).</summary>
    public static void Adjoint<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> src, int rows, int cols, long srcStride, DevicePtr<T> dst, long dstStride, int count)
        where T : unmanaged, INumberBase<T> =>
        launcher.Launch(Handles<T>.Adjoint, workItems, new TransposeParams<T> { Src = src, Rows = rows, Cols = cols, SrcStride = srcStride, Dst = dst, DstStride = dstStride, Count = count });

    /// <summary>dst_b (cols x rows) = src_b^T.</summary>
    public static void Transpose<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> src, int rows, int cols, long srcStride, DevicePtr<T> dst, long dstStride, int count)
        where T : unmanaged, INumberBase<T> =>
        launcher.Launch(Handles<T>.Transpose, workItems, new TransposeParams<T> { Src = src, Rows = rows, Cols = cols, SrcStride = srcStride, Dst = dst, DstStride = dstStride, Count = count });

    /// <summary>q_b = the rows x cols identity.</summary>
    public static void SetIdentity<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> q, int rows, int cols, long stride, int count)
        where T : unmanaged, INumberBase<T> =>
        launcher.Launch(Handles<T>.SetIdentity, workItems, new SetIdentityParams<T> { Q = q, Rows = rows, Cols = cols, Stride = stride, Count = count });

    /// <summary>r_b = the upper triangle of a_b's leading rRows x n block.</summary>
    public static void ExtractUpper<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> a, int lda, int n, long strideA, DevicePtr<T> r, int rRows, long strideR, int count)
        where T : unmanaged, INumberBase<T> =>
        launcher.Launch(Handles<T>.ExtractUpper, workItems, new ExtractUpperParams<T> { A = a, Lda = lda, N = n, StrideA = strideA, R = r, RRows = rRows, StrideR = strideR, Count = count });

    /// <summary>s_b made Hermitian from its upper triangle: the strict upper triangle conjugated into the lower, the diagonal's imaginary part dropped (for real elements: mirrored).</summary>
    public static void MirrorUpper<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> s, int k, long stride, int count)
        where T : unmanaged, INumberBase<T> =>
        launcher.Launch(Handles<T>.MirrorUpper, workItems, new MirrorUpperParams<T> { S = s, K = k, Stride = stride, Count = count });

    /// <summary>Column j of x_b times scale_b[j].</summary>
    public static void ScaleColumns<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> x, int rows, int cols, long stride, DevicePtr<T> scale, long scaleStride, int count)
        where T : unmanaged, INumberBase<T> =>
        launcher.Launch(Handles<T>.ScaleColumns, workItems, new ScaleColumnsParams<T> { X = x, Rows = rows, Cols = cols, Stride = stride, Scale = scale, ScaleStride = scaleStride, Count = count });

    /// <summary>x_b = beta x_b over a rows x cols block.</summary>
    public static void ScaleStrided<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> x, int rows, int cols, int ld, long stride, T beta, int count)
        where T : unmanaged, INumberBase<T> =>
        launcher.Launch(Handles<T>.ScaleStrided, workItems, new ScaleStridedParams<T> { X = x, Rows = rows, Cols = cols, Ld = ld, Stride = stride, Beta = beta, Count = count });

    /// <summary>The rows x cols block of src_b into dst_b (each with its own leading dimension).</summary>
    public static void CopyBlock<T>(this KernelLauncher launcher, long workItems, DevicePtr<T> src, int ldSrc, long srcStride, DevicePtr<T> dst, int ldDst, long dstStride, int rows, int cols, int count)
        where T : unmanaged, INumberBase<T>
    {
        if (Element<T>.IsComplex)
        {
            if (Element<T>.IsSingle)
            {
                launcher.CopyBlock(2 * workItems, Reals<T, float>(src), 2 * ldSrc, 2 * srcStride, Reals<T, float>(dst), 2 * ldDst, 2 * dstStride, 2 * rows, cols, count);
            }
            else
            {
                launcher.CopyBlock(2 * workItems, Reals<T, double>(src), 2 * ldSrc, 2 * srcStride, Reals<T, double>(dst), 2 * ldDst, 2 * dstStride, 2 * rows, cols, count);
            }

            return;
        }

        launcher.Launch(RealHandles<T>.CopyBlock, workItems, new CopyBlockParams<T> { Src = src, LdSrc = ldSrc, SrcStride = srcStride, Dst = dst, LdDst = ldDst, DstStride = dstStride, Rows = rows, Cols = cols, Count = count });
    }

    /// <summary>The reals a device array of elements is made of (the same address).</summary>
    internal static DevicePtr<TReal> Reals<T, TReal>(DevicePtr<T> x)
        where T : unmanaged
        where TReal : unmanaged => new(x.Address);

    /// <summary>out[b] = base + b * strideBytes: the pointer arrays of cuBLAS's *Batched routines.</summary>
    public static void PointerArray(this KernelLauncher launcher, long workItems, ulong @base, long strideBytes, int count, DevicePtr<ulong> @out) =>
        launcher.Launch(PointerArrayKernel, workItems, new PointerArrayParams { Base = @base, StrideBytes = strideBytes, Count = count, Out = @out });

    /// <summary>
    /// The handles of the typed kernels that are elementwise on reals, for element type
    /// <typeparamref name="T"/>: float and double entries only (complex batches launch them over their reals).
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    internal static class RealHandles<T>
        where T : unmanaged, INumberBase<T>
    {
        /// <summary>max_exponent: one block per matrix (see <see cref="GeneralKernels.MaxExponent{T}"/>).</summary>
        public static readonly Kernel<MaxExponentParams<T>> MaxExponent = new("max_exponent", blockPerItem: true);

        /// <summary>out[b] = OP_EXP_NONE for b &lt; count (max_exponent's starting value).</summary>
        public static readonly Kernel<ExponentNoneParams<T>> ExponentNone = new("exponent_none");

        /// <summary>x_b = 2^(c1 e1[b] + c2 e2[b]) x_b.</summary>
        public static readonly Kernel<ScaleExp2Params<T>> ScaleExp2 = new("scale_exp2");

        /// <summary>*result = INT_MAX - (first non-finite index of x[0, n)), through atomicMax.</summary>
        public static readonly Kernel<FindNonfiniteParams<T>> FindNonfinite = new("find_nonfinite");

        /// <summary>*value = x[INT_MAX - *flag] when *flag != 0 (the value a non-finite scan found).</summary>
        public static readonly Kernel<ReadFlaggedParams<T>> ReadFlagged = new("read_flagged");

        /// <summary>Zeros x_b where rank[b] == full.</summary>
        public static readonly Kernel<ZeroFullRankParams<T>> ZeroFullRank = new("zero_full_rank");

        /// <summary>dst[b * dstStride + e] = src[b * srcStride + e], e &lt; len.</summary>
        public static readonly Kernel<CopyStridedParams<T>> CopyStrided = new("copy_strided");

        /// <summary>The rows x cols block of src_b into dst_b (each with its own leading dimension).</summary>
        public static readonly Kernel<CopyBlockParams<T>> CopyBlock = new("copy_block");
    }

    /// <summary>
    /// The handles of the typed kernels with complex forms (OP_INSTANTIATE_COMPLEX), for element type
    /// <typeparamref name="T"/>: _f32, _f64, _c64 and _c128 entries.
    /// </summary>
    /// <typeparam name="T">float, double, <see cref="Complex64"/> or <see cref="Complex"/>.</typeparam>
    [ComplexForms]
    internal static class Handles<T>
        where T : unmanaged, INumberBase<T>
    {
        /// <summary>C_b = op(Q_b) C_b for every matrix (element (r, j) of C_b at r rowStep + j colStep), Q_b from geqrf's reflectors (batched orgqr).</summary>
        public static readonly Kernel<ApplyReflectorsParams<T>> ApplyReflectors = new("apply_reflectors");

        /// <summary>rank[b] under the QR method's rule |R_jj| &lt;= max(atol, rtol max |R_jj|).</summary>
        public static readonly Kernel<QrRankParams<T>> QrRank = new("qr_rank");

        /// <summary>Rank, 1/s and keep flags of singular values under max(atol, rtol s_max).</summary>
        public static readonly Kernel<SvdThresholdParams<T>> SvdThreshold = new("svd_threshold");

        /// <summary>Marks the columns of a residual that need the second projection pass.</summary>
        public static readonly Kernel<ResidualSecondPassParams<T>> ResidualSecondPass = new("residual_second_pass");

        /// <summary>dst_b (cols x rows) = src_b^T.</summary>
        public static readonly Kernel<TransposeParams<T>> Transpose = new("transpose");

        /// <summary>q_b = the rows x cols identity.</summary>
        public static readonly Kernel<SetIdentityParams<T>> SetIdentity = new("set_identity");

        /// <summary>r_b = the upper triangle of a_b's leading rRows x n block.</summary>
        public static readonly Kernel<ExtractUpperParams<T>> ExtractUpper = new("extract_upper");

        /// <summary>The strict upper triangle of s_b mirrored into the lower.</summary>
        public static readonly Kernel<MirrorUpperParams<T>> MirrorUpper = new("mirror_upper");

        /// <summary>Column j of x_b times scale_b[j].</summary>
        public static readonly Kernel<ScaleColumnsParams<T>> ScaleColumns = new("scale_columns");

        /// <summary>x_b = beta x_b over a rows x cols block.</summary>
        public static readonly Kernel<ScaleStridedParams<T>> ScaleStrided = new("scale_strided");

        /// <summary>dst_b (cols x rows) = src_b^H.</summary>
        public static readonly Kernel<TransposeParams<T>> Adjoint = new("adjoint");
    }
}
