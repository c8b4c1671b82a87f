// OrthoProj's own CUDA kernels: the small batched helpers around cuBLAS and cuSOLVER (layout
// copies, triangle handling, device-side checks and rank thresholds). Every kernel is one launch
// per batch with a grid-stride loop; matrices are column-major, matrix b of a batch starts at
// b * stride. Each template is instantiated for float and double as <name>_f32 / <name>_f64
// (extern "C", so the host finds them by these names in the CUBIN, PTX or fatbin); those the
// complex general path launches with complex elements also as <name>_c64 / <name>_c128
// (OP_INSTANTIATE_COMPLEX, over op_c64 / op_c128 of orthoproj_common.cuh). The others are
// elementwise on the reals of an element and serve complex batches in their real form.
//
// Compiled at run time by NVRTC for the device's exact architecture, or ahead of time by
// cuda/CMakeLists.txt into orthoproj_kernels.fatbin. No fast-math: results must match the CPU
// backend to rounding.
#include "orthoproj_common.cuh"
#include "kernel_params.cuh"

template <typename T> struct op_limits;
template <> struct op_limits<float> { static __device__ __forceinline__ float max_value() { return 3.402823466e+38f; } };
template <> struct op_limits<double> { static __device__ __forceinline__ double max_value() { return 1.7976931348623157e+308; } };

// ---------------------------------------------------------------- power-of-two scaling
// The device side of PowerOfTwoScaling (OrthoProj.Managed/Core/Policies): each matrix is scaled by
// 2^e with e = -ilogb(max |x|), so that its largest magnitude lies in [1, 2), and results are
// scaled back by the matching power of two; both exactly (ldexp), up to over/underflow of the
// result itself. Kernels keep magnitude exponents L = ilogb(max |x|) = -e per matrix, with
// OP_EXP_NONE for an all-zero matrix (scaled by 2^0).

#define OP_EXP_NONE (-(1 << 30))

// Magnitude exponent b of an array written by max_exponent: OP_EXP_NONE (and a null array) read as 0.
__device__ __forceinline__ int op_exponent(const int* e, i64 b)
{
    return (e == 0 || e[b] == OP_EXP_NONE) ? 0 : e[b];
}

// out[b] = OP_EXP_NONE for b < count: max_exponent's starting value where it does not accumulate.
// (T is unused: instantiated per type like the kernel it prepares.)
template <typename T>
__device__ void exponent_none_impl(int* out, int count)
{
    OP_GRID_STRIDE(b, count)
    {
        out[b] = OP_EXP_NONE;
    }
}
OP_INSTANTIATE(exponent_none, ExponentNoneParams)

// Per matrix b: L = ilogb(max |x_b|) over the rows x cols block (leading dimension ld), plus
// shift[b] when shift is given (the magnitude of 2^shift x); OP_EXP_NONE for an all-zero block.
// out[b] ends as the larger of what it held and L: accumulate != 0 keeps an earlier array's
// magnitude (two arrays scaled together); accumulate == 0 starts from out[b] = OP_EXP_NONE, which
// the launch wrapper (GeneralKernels.MaxExponent) writes first with exponent_none.
//
// One block per matrix (block-stride over the matrices, so any grid covers any count), its threads
// striding over the matrix's elements in column order, so that a warp reads consecutive rows
// (coalesced); each thread's maximum goes into out[b] through atomicMax. No barrier and no shared
// memory: the result is the same in whatever order the threads run, one after another in the host
// emulation included. ilogb is monotonic, so the largest ilogb(max_t) + shift over the threads is
// ilogb(max |x_b|) + shift. On the device a warp first takes its lanes' maximum by shuffles, so one
// atomic per warp reaches memory instead of 32 (the host emulation, which runs the threads of these
// kernels one by one, takes the per-thread atomic).
template <typename T>
__device__ void max_exponent_impl(const T* x, int rows, int cols, int ld, i64 stride, const int* shift, int accumulate, int count, int* out)
{
    (void)accumulate;   // both modes are one atomicMax into out[b]; see above
    i64 len = (i64)rows * cols;
    for (i64 b = blockIdx.x; b < (i64)count; b += gridDim.x)
    {
        const T* xb = x + b * stride;
        T mx = (T)0;
        for (i64 e = threadIdx.x; e < len; e += blockDim.x)
        {
            T v = fabs(ld == rows ? xb[e] : xb[e % rows + (e / rows) * ld]);   // (no division when contiguous)
            if (v > mx) mx = v;
        }
        int l = OP_EXP_NONE;
        if (mx != (T)0)
        {
            l = ilogb((double)mx) + op_exponent(shift, b);   // exact for float too: a float is a double
        }
#ifdef __CUDACC__
        for (int offset = 16; offset > 0; offset >>= 1)
        {
            int other = __shfl_xor_sync(0xffffffffu, l, offset);
            l = other > l ? other : l;
        }
        if ((threadIdx.x & 31u) == 0 && l != OP_EXP_NONE)
#else
        if (l != OP_EXP_NONE)
#endif
        {
            atomicMax(out + b, l);
        }
    }
}
OP_INSTANTIATE(max_exponent, MaxExponentParams)

__device__ __forceinline__ float op_ldexp(float x, int e) { return ldexpf(x, e); }
__device__ __forceinline__ double op_ldexp(double x, int e) { return ldexp(x, e); }

// x_b = 2^(c1 * e1[b] + c2 * e2[b]) x_b over the rows x cols block (leading dimension ld), with
// e1, e2 magnitude exponents from max_exponent (null or OP_EXP_NONE: 0). ldexp rounds once, so
// the result is exact wherever it is representable.
template <typename T>
__device__ void scale_exp2_impl(T* x, int rows, int cols, int ld, i64 stride, const int* e1, int c1, const int* e2, int c2, int count)
{
    i64 len = (i64)rows * cols;
    OP_GRID_STRIDE(idx, len * count)
    {
        i64 b = idx / len, e = idx % len;
        int p = c1 * op_exponent(e1, b) + c2 * op_exponent(e2, b);
        T* q = x + b * stride + e % rows + (e / rows) * ld;
        *q = op_ldexp(*q, p);
    }
}
OP_INSTANTIATE(scale_exp2, ScaleExp2Params)

// ---------------------------------------------------------------- checks

// The first non-finite element of x[0, n): *result = INT_MAX - index through atomicMax, so a
// result cleared to zero means "none" and the smallest index wins. !(|v| <= max) is true for NaN
// (every comparison with NaN is false) and for infinities.
template <typename T>
__device__ void find_nonfinite_impl(const T* x, int n, int* result)
{
    OP_GRID_STRIDE(i, n)
    {
        T v = x[i];
        if (!(fabs(v) <= op_limits<T>::max_value()))
        {
            atomicMax(result, OP_INT_MAX - (int)i);
        }
    }
}
OP_INSTANTIATE(find_nonfinite, FindNonfiniteParams)

// C_b <- op(Q_b) C_b for each matrix b, Q_b = H_0 H_1 ... H_{k-1} the product of geqrf's reflectors
// (H_i = I - tau_i v_i v_i^H, v_i = (0, .., 0, 1, V[i+1 .. m-1, i]), V m x k with leading dimension
// m): Q^H C applies H_0^H = I - conj(tau_i) v_i v_i^H first, Q C applies H_{k-1} first (^H is ^T
// for real elements; transpose != 0 asks for Q^H). C_b is m x p with element (r, j) at
// r * rowStep + j * colStep: one thread per column of C, the whole batch in one launch (the batched
// replacement of orgqr, applied to the identity, for batches that CudaBackend.Ops.BatchesQr takes:
// at most 256 rows, so a thread's O(m k) serial work stays small). With C stored transposed
// (rowStep = p, colStep = 1) neighbouring threads read and write neighbouring addresses (coalesced),
// and every thread of a matrix reads the same V and tau element at once (one broadcast).
template <typename T>
__device__ void apply_reflectors_impl(const T* v, i64 strideV, const T* tau, i64 strideTau, int m, int k, T* c, i64 strideC, int p, int rowStep, int colStep, int transpose, int count)
{
    OP_GRID_STRIDE(t, (i64)count * p)
    {
        i64 b = t / p;
        int column = (int)(t % p);
        const T* vb = v + b * strideV;
        const T* tb = tau + b * strideTau;
        T* x = c + b * strideC + (i64)column * colStep;
        for (int s = 0; s < k; s++)
        {
            int i = transpose ? s : k - 1 - s;
            const T* vi = vb + (i64)i * m;
            T w = x[(i64)i * rowStep];
            for (int r = i + 1; r < m; r++)
            {
                w += op_conj(vi[r]) * x[(i64)r * rowStep];
            }

            w *= transpose ? op_conj(tb[i]) : tb[i];
            x[(i64)i * rowStep] -= w;
            for (int r = i + 1; r < m; r++)
            {
                x[(i64)r * rowStep] -= vi[r] * w;
            }
        }
    }
}
OP_INSTANTIATE_COMPLEX(apply_reflectors, ApplyReflectorsParams)

// Keeps the value a non-finite scan found, *value = x[INT_MAX - *flag] when *flag != 0, so that
// the error can name it when it is read back later (CudaErrorChecking.Deferred), even after x is
// gone. value is 8 bytes of the status word; a float value fills its first 4.
template <typename T>
__device__ void read_flagged_impl(const T* x, const int* flag, T* value)
{
    OP_GRID_STRIDE(i, 1)
    {
        int f = *flag;
        if (f != 0)
        {
            *value = x[OP_INT_MAX - f];
        }
    }
}
OP_INSTANTIATE(read_flagged, ReadFlaggedParams)

// The first b < count with flags[b * stride] != 0, as *result = INT_MAX - b (zero: none).
// Summarizes per-matrix devInfo so that the host reads back one int on success.
__device__ void first_flagged_impl(const int* flags, int count, int stride, int* result)
{
    OP_GRID_STRIDE(b, count)
    {
        if (flags[b * (i64)stride] != 0)
        {
            atomicMax(result, OP_INT_MAX - (int)b);
        }
    }
}
OP_INSTANTIATE_UNTYPED(first_flagged, FirstFlaggedParams)

// The QR method's rank rule, per matrix of the geqrf output (R in the upper triangle, leading
// dimension lda): rank = #{ j : |R_jj| > max(atol, rtol * max_j |R_jj|) }, computed in double as
// the CPU backend does (|R_jj| the hypot of both parts for a complex element).
template <typename T>
__device__ void qr_rank_impl(const T* a, int lda, int n, i64 stride, int count, double atol, double rtol, int* rank, const int* magnitude)
{
    OP_GRID_STRIDE(b, count)
    {
        // A factor of 2^e A (magnitude[b] = -e, or null: e = 0) compares against atol * 2^e.
        double scaledAtol = magnitude ? ldexp(atol, -op_exponent(magnitude, b)) : atol;
        const T* ab = a + b * stride;
        double maxDiag = 0;
        for (int j = 0; j < n; j++)
        {
            maxDiag = fmax(maxDiag, op_abs(ab[j + (i64)j * lda]));
        }
        double threshold = fmax(scaledAtol, rtol * maxDiag);
        int r = 0;
        for (int j = 0; j < n; j++)
        {
            if (op_abs(ab[j + (i64)j * lda]) > threshold) r++;
        }
        rank[b] = r;
    }
}
OP_INSTANTIATE_COMPLEX(qr_rank, QrRankParams)

// torch.linalg.pinv's threshold on descending singular values s (kk per matrix): rank = the
// number of leading s_l > max(atol, rtol * s_0) (in double), inv_s[l] = 1 / s_l for l < rank and 0
// after, keep[l] = 1 for l < rank and 0 after. Scaling columns by keep / inv_s truncates U and V
// to the rank with exact zeros, so batched products over all kk columns equal the truncated ones.
// When the singular values are those of 2^e A (PowerOfTwoScaling, magnitude[b] = -e as written by
// max_exponent), atol is compared in the same units: atol * 2^e. magnitude may be null (e = 0).
// Complex elements: s holds the real singular values as elements with no imaginary part (the real
// parts are read), and inv_s and keep are written likewise.
template <typename T>
__device__ void svd_threshold_impl(const T* s, int kk, i64 strideS, int count, double atol, double rtol, int* rank, T* inv_s, T* keep, const int* magnitude)
{
    OP_GRID_STRIDE(b, count)
    {
        const T* sb = s + b * strideS;
        double sMax = kk == 0 ? 0.0 : (double)op_re(sb[0]);
        double scaledAtol = magnitude ? ldexp(atol, -op_exponent(magnitude, b)) : atol;
        double threshold = fmax(scaledAtol, rtol * sMax);
        int r = 0;
        typedef typename op_element<T>::real R;
        while (r < kk && (double)op_re(sb[r]) > threshold) r++;
        for (int l = 0; l < kk; l++)
        {
            inv_s[b * (i64)kk + l] = op_element<T>::of(l < r ? (R)1 / op_re(sb[l]) : (R)0);
            keep[b * (i64)kk + l] = op_element<T>::of(l < r ? (R)1 : (R)0);
        }
        rank[b] = r;
    }
}
OP_INSTANTIATE_COMPLEX(svd_threshold, SvdThresholdParams)

// The residual's second-pass rule (ResidualPolicy in Core/Projection/RangeBasis.cs), per column:
// column j of e = y - U U^H y keeps its first pass when ||e_j||^2 >= 0.25 ||y_j||^2 (sums of
// |x|^2 in double), and its column of t = U^T e (r x p) is zeroed so that e -= U t leaves it unchanged
// exactly; the other columns get the second pass.
template <typename T>
__device__ void residual_second_pass_impl(const T* e, const T* y, int m, int p, i64 stride, T* t, int r, i64 tStride, int count)
{
    OP_GRID_STRIDE(i, (i64)p * count)
    {
        i64 b = i / p;
        int col = (int)(i % p);
        const T* ec = e + b * stride + (i64)col * m;
        const T* yc = y + b * stride + (i64)col * m;
        double se = 0, sy = 0;
        for (int k = 0; k < m; k++)
        {
            se += op_abs2(ec[k]);
            sy += op_abs2(yc[k]);
        }
        if (!(se < 0.25 * sy))
        {
            T* tc = t + b * tStride + (i64)col * r;
            for (int k = 0; k < r; k++) tc[k] = op_element<T>::of(0);
        }
    }
}
OP_INSTANTIATE_COMPLEX(residual_second_pass, ResidualSecondPassParams)

// Zeros matrix b (len elements from b * stride) where rank[b] >= full: the rank-deficient
// least-squares term of SolveBackward exists only for matrices with rank below n.
template <typename T>
__device__ void zero_full_rank_impl(T* x, int len, i64 stride, const int* rank, int full, int count)
{
    OP_GRID_STRIDE(i, (i64)len * count)
    {
        i64 b = i / len;
        if (rank[b] >= full) x[b * stride + i % len] = (T)0;
    }
}
OP_INSTANTIATE(zero_full_rank, ZeroFullRankParams)

// ---------------------------------------------------------------- layout

// dst[b * dstStride + e] = src[b * srcStride + e] for e < len: a strided batch copy (e.g. the
// first k columns of m-row matrices, or the blocks [U | V] of a wide R).
template <typename T>
__device__ void copy_strided_impl(const T* src, i64 srcStride, T* dst, i64 dstStride, int len, int count)
{
    OP_GRID_STRIDE(i, (i64)len * count)
    {
        i64 b = i / len, e = i % len;
        dst[b * dstStride + e] = src[b * srcStride + e];
    }
}
OP_INSTANTIATE(copy_strided, CopyStridedParams)

// dst (cols x rows) = src^T (src rows x cols), per matrix.
template <typename T>
__device__ void transpose_impl(const T* src, int rows, int cols, i64 srcStride, T* dst, i64 dstStride, int count)
{
    i64 len = (i64)rows * cols;
    OP_GRID_STRIDE(idx, len * count)
    {
        i64 b = idx / len, e = idx % len;
        i64 i = e % rows, j = e / rows;
        dst[b * dstStride + j + i * cols] = src[b * srcStride + e];
    }
}
OP_INSTANTIATE_COMPLEX(transpose, TransposeParams)

// dst (cols x rows) = src^H (src rows x cols), per matrix: the conjugate transpose (src^T for a
// real element, where the host launches transpose instead).
template <typename T>
__device__ void adjoint_impl(const T* src, int rows, int cols, i64 srcStride, T* dst, i64 dstStride, int count)
{
    i64 len = (i64)rows * cols;
    OP_GRID_STRIDE(idx, len * count)
    {
        i64 b = idx / len, e = idx % len;
        i64 i = e % rows, j = e / rows;
        dst[b * dstStride + j + i * cols] = op_conj(src[b * srcStride + e]);
    }
}
OP_INSTANTIATE_COMPLEX(adjoint, TransposeParams)

// The first cols columns of the rows x rows identity, per matrix.
template <typename T>
__device__ void set_identity_impl(T* q, int rows, int cols, i64 stride, int count)
{
    i64 len = (i64)rows * cols;
    OP_GRID_STRIDE(idx, len * count)
    {
        i64 b = idx / len, e = idx % len;
        q[b * stride + e] = op_element<T>::of((e % rows == e / rows) ? 1 : 0);
    }
}
OP_INSTANTIATE_COMPLEX(set_identity, SetIdentityParams)

// R (rRows x n, leading dimension rRows) = the upper triangle of a (leading dimension lda >= rRows),
// zeros below the diagonal: R out of geqrf's output.
template <typename T>
__device__ void extract_upper_impl(const T* a, int lda, int n, i64 strideA, T* r, int rRows, i64 strideR, int count)
{
    i64 len = (i64)rRows * n;
    OP_GRID_STRIDE(idx, len * count)
    {
        i64 b = idx / len, e = idx % len;
        i64 i = e % rRows, j = e / rRows;
        r[b * strideR + e] = i <= j ? a[b * strideA + i + j * lda] : op_element<T>::of(0);
    }
}
OP_INSTANTIATE_COMPLEX(extract_upper, ExtractUpperParams)

// S (k x k) made Hermitian from its upper triangle: the strict upper triangle conjugated into the
// lower (S[i, j] = conj(S[j, i]) for i > j) and, for a complex element, the diagonal's imaginary part
// dropped; for a real element the upper triangle mirrored, the diagonal kept once. Each thread writes
// one lower (or diagonal) entry and reads the matching upper entry, which no thread writes.
template <typename T>
__device__ void mirror_upper_impl(T* s, int k, i64 stride, int count)
{
    i64 len = (i64)k * k;
    OP_GRID_STRIDE(idx, len * count)
    {
        i64 b = idx / len, e = idx % len;
        i64 i = e % k, j = e / k;
        if (i > j) s[b * stride + e] = op_conj(s[b * stride + j + i * k]);
        else if (i == j) op_keep_real(s + b * stride + e);
    }
}
OP_INSTANTIATE_COMPLEX(mirror_upper, MirrorUpperParams)

// x[:, j] *= scale[j] per matrix (x rows x cols, scale cols per matrix with stride scaleStride).
template <typename T>
__device__ void scale_columns_impl(T* x, int rows, int cols, i64 stride, const T* scale, i64 scaleStride, int count)
{
    i64 len = (i64)rows * cols;
    OP_GRID_STRIDE(idx, len * count)
    {
        i64 b = idx / len, e = idx % len;
        x[b * stride + e] *= scale[b * scaleStride + e / rows];
    }
}
OP_INSTANTIATE_COMPLEX(scale_columns, ScaleColumnsParams)

// x = beta * x over a rows x cols block (leading dimension ld) of each matrix; beta == 0 writes
// zeros without reading x (BLAS semantics for C when the inner dimension of a product is 0).
template <typename T>
__device__ void scale_strided_impl(T* x, int rows, int cols, int ld, i64 stride, T beta, int count)
{
    i64 len = (i64)rows * cols;
    OP_GRID_STRIDE(idx, len * count)
    {
        i64 b = idx / len, e = idx % len;
        T* p = x + b * stride + e % rows + (e / rows) * ld;
        *p = op_is_zero(beta) ? op_element<T>::of(0) : beta * *p;
    }
}
OP_INSTANTIATE_COMPLEX(scale_strided, ScaleStridedParams)

// dst[0:rows, 0:cols] = src[0:rows, 0:cols] per matrix, each with its own leading dimension:
// the top rows of Q^T y after ormqr, or c placed on top of a zero block before ormqr.
template <typename T>
__device__ void copy_block_impl(const T* src, int ldSrc, i64 srcStride, T* dst, int ldDst, i64 dstStride, int rows, int cols, int count)
{
    i64 len = (i64)rows * cols;
    OP_GRID_STRIDE(idx, len * count)
    {
        i64 b = idx / len, e = idx % len;
        i64 i = e % rows, j = e / rows;
        dst[b * dstStride + i + j * ldDst] = src[b * srcStride + i + j * ldSrc];
    }
}
OP_INSTANTIATE(copy_block, CopyBlockParams)

// out[b] = base + b * strideBytes: the device pointer arrays that cuBLAS's *Batched routines take.
__device__ void pointer_array_impl(unsigned long long base, long long strideBytes, int count, unsigned long long* out)
{
    OP_GRID_STRIDE(b, count)
    {
        out[b] = base + (unsigned long long)(b * strideBytes);
    }
}
OP_INSTANTIATE_UNTYPED(pointer_array, PointerArrayParams)
