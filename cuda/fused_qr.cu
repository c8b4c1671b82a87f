// Fused kernels for batches of small matrices (m <= 64 rows, n <= 32 columns, m >= n) under the
// QR method: one warp per matrix, several matrices per block (FUSED_WARPS_PER_BLOCK), each matrix
// held in registers (lane l keeps rows l and l + 32 of all n columns). fused_qr_factor computes the
// Householder QR (LAPACK's geqrf layout and sign convention: R on and above the diagonal, the
// reflectors v_k below it with v_k[k] = 1 implied, tau_k per column, beta = -sign(alpha) * norm)
// and the QR method's rank rule; every other kernel loads that factor (m x n + n values per matrix)
// and applies Q^T and Q through the reflectors, never forming Q, and R^-1 / R^-T by substitution
// across the lanes. The backward kernels compute docs/design.md section 1's direct gradients in the
// same pass as the forward quantities they need (x = A+ y, r = (I - P) y).
//
// Scaling (OrthoProj.Managed/Core/Policies/PowerOfTwoScaling.cs): fused_qr_factor factors 2^e A,
// e = -ilogb(max |A|) (0 for an all-zero matrix), and writes e per matrix. The stored factor is of
// the scaled matrix: the reflectors, tau and hence Q are those of A, R' = 2^e R. So every
// application of Q is scale-free and every application of R^-1 = 2^e R'^-1 (or R^-T) is scaled
// back by 2^e, exactly, in the kernels that take the exponent.
//
// Residual (ResidualPolicy in OrthoProj.Managed/Core/Projection/RangeBasis.cs): after
// e = y - P y, column j gets a second pass e_j -= P e_j iff ||e_j||^2 < 0.25 ||y_j||^2; every other
// column is left as it is. Forward and backward kernels apply it per column alike.
//
// Matrices are column-major and contiguous: matrix b of a batch of m x p starts at b * m * p.
// No fast math: results must match the general path to rounding.
#include "fused_common.cuh"
#include "kernel_params.cuh"

// Column k of a (both row slots), for a k known only at run time: a select chain over the
// unrolled columns keeps a[][] in registers (an indexed read would move it to local memory).
template <typename T, int NMAX>
__device__ __forceinline__ void fused_column(const T (&a)[2][NMAX], int k, T& c0, T& c1)
{
    c0 = (T)0;
    c1 = (T)0;
#pragma unroll
    for (int j = 0; j < NMAX; j++)
    {
        if (j == k)
        {
            c0 = a[0][j];
            c1 = a[1][j];
        }
    }
}

template <typename T, int NMAX>
__device__ __forceinline__ void fused_set_column(T (&a)[2][NMAX], int k, T c0, T c1)
{
#pragma unroll
    for (int j = 0; j < NMAX; j++)
    {
        if (j == k)
        {
            a[0][j] = c0;
            a[1][j] = c1;
        }
    }
}

// The reflector v_k at this lane's rows: 0 above row k, 1 at row k, the stored entries below.
// Row lane + 32 is always below k (k < n <= 32).
template <typename T, int NMAX>
__device__ __forceinline__ void fused_reflector(const T (&a)[2][NMAX], int k, int lane, T& v0, T& v1)
{
    T c0, c1;
    fused_column(a, k, c0, c1);
    v0 = lane < k ? (T)0 : (lane == k ? (T)1 : c0);
    v1 = c1;
}

// Loads a factor (m x n, column-major) into registers; rows >= m and columns >= n are zero.
template <typename T, int NMAX>
__device__ __forceinline__ void fused_load(const T* f, int m, int n, int lane, T (&a)[2][NMAX])
{
#pragma unroll
    for (int s = 0; s < 2; s++)
    {
        int row = lane + 32 * s;
#pragma unroll
        for (int j = 0; j < NMAX; j++)
        {
            a[s][j] = (row < m && j < n) ? f[row + (i64)j * m] : (T)0;
        }
    }
}

// y = Q^T y = H_(n-1) ... H_0 y, with H_k = I - tau_k v_k v_k^T.
template <typename T, int NMAX>
__device__ __forceinline__ void fused_apply_qt(const T (&a)[2][NMAX], const T* tau, int n, int lane, T& y0, T& y1)
{
    for (int k = 0; k < n; k++)
    {
        T v0, v1;
        fused_reflector(a, k, lane, v0, v1);
        T s = tau[k] * fused_warp_sum(v0 * y0 + v1 * y1);
        y0 -= s * v0;
        y1 -= s * v1;
    }
}

// y = Q y = H_0 ... H_(n-1) y.
template <typename T, int NMAX>
__device__ __forceinline__ void fused_apply_q(const T (&a)[2][NMAX], const T* tau, int n, int lane, T& y0, T& y1)
{
    for (int k = n - 1; k >= 0; k--)
    {
        T v0, v1;
        fused_reflector(a, k, lane, v0, v1);
        T s = tau[k] * fused_warp_sum(v0 * y0 + v1 * y1);
        y0 -= s * v0;
        y1 -= s * v1;
    }
}

// Solves R x = c for c held as c_j in lane j (j < n), by back substitution: x_j in lane j.
// R[i, j] (i <= j) is a[0][j] in lane i. Lanes >= n hold garbage, never read.
template <typename T, int NMAX>
__device__ __forceinline__ T fused_solve_r(const T (&a)[2][NMAX], int n, int lane, T c)
{
    T x = c;
#pragma unroll
    for (int j = NMAX - 1; j >= 0; j--)
    {
        if (j < n)
        {
            T xj = fused_broadcast(x / a[0][j], j);
            if (lane == j) x = xj;
            else if (lane < j) x -= a[0][j] * xj;
        }
    }
    return x;
}

// Solves R^T x = g for g_j in lane j (j < n), by forward substitution: x_j in lane j.
template <typename T, int NMAX>
__device__ __forceinline__ T fused_solve_rt(const T (&a)[2][NMAX], int n, int lane, T g)
{
    T x = g;
#pragma unroll
    for (int j = 0; j < NMAX; j++)
    {
        if (j < n)
        {
            T s = fused_warp_sum(lane < j ? a[0][j] * x : (T)0);
            if (lane == j) x = (x - s) / a[0][j];
        }
    }
    return x;
}

// e = (I - P) y = Q [0; (Q^T y)_(n:m)] in place; returns (Q^T y)_j in lane j < n (the top part).
template <typename T, int NMAX>
__device__ __forceinline__ T fused_residual_once(const T (&a)[2][NMAX], const T* tau, int n, int lane, T& y0, T& y1)
{
    fused_apply_qt(a, tau, n, lane, y0, y1);
    T top = lane < n ? y0 : (T)0;
    if (lane < n) y0 = (T)0;
    fused_apply_q(a, tau, n, lane, y0, y1);
    return top;
}

// ResidualPolicy.NeedsSecondPass for one column: ||e||^2 < 0.25 ||y||^2, the squared norms summed
// in double as residual_second_pass (orthoproj_kernels.cu) does. Every lane gets the same answer
// (fused_warp_sum leaves identical bits in all lanes), so the branch on it is warp-uniform.
template <typename T>
__device__ __forceinline__ bool fused_needs_second_pass(T e0, T e1, T y0, T y1)
{
    double se = fused_warp_sum((double)e0 * (double)e0 + (double)e1 * (double)e1);
    double sy = fused_warp_sum((double)y0 * (double)y0 + (double)y1 * (double)y1);
    return se < 0.25 * sy;
}

// e = (I - P) y for one column with ResidualPolicy's second pass for this column alone; returns
// (Q^T y)_j in lane j < n from the first pass.
template <typename T, int NMAX>
__device__ __forceinline__ T fused_residual_column(const T (&a)[2][NMAX], const T* tau, int n, int lane, T y0, T y1, T& e0, T& e1)
{
    e0 = y0;
    e1 = y1;
    T top = fused_residual_once(a, tau, n, lane, e0, e1);
    if (fused_needs_second_pass(e0, e1, y0, y1)) fused_residual_once(a, tau, n, lane, e0, e1);
    return top;
}

template <typename T>
__device__ __forceinline__ void fused_load_column(const T* y, int m, int lane, T& y0, T& y1)
{
    y0 = lane < m ? y[lane] : (T)0;
    y1 = lane + 32 < m ? y[lane + 32] : (T)0;
}

template <typename T>
__device__ __forceinline__ void fused_store_column(T* y, int m, int lane, T y0, T y1)
{
    if (lane < m) y[lane] = y0;
    if (lane + 32 < m) y[lane + 32] = y1;
}

// The one prologue of the fused kernels, in three steps that each kernel takes as far as it needs
// (macros, so that what they declare are plain locals of the kernel: the generated code is that of
// the code written out, with no load beyond those written here, none in an inner loop).
//
// FUSED_PROLOGUE_INDEX: the matrix b of this warp and the lane; a warp past the last matrix
// returns. The shape (m <= 64 rows, n <= NMAX <= 32 columns, n <= m) is the host's to check
// (KernelLauncher.WarpCannotImplement refuses any other before the launch), so the kernels spend
// no instruction on it. Reads the parameter count.
#define FUSED_PROLOGUE_INDEX(NMAX) \
    const i64 b = (i64)blockIdx.x * FUSED_WARPS_PER_BLOCK + fused_warp_in_block(); \
    if (b >= count) return; \
    const int lane = fused_lane();

// FUSED_PROLOGUE_FACTOR: the above, then matrix b's factor (m x n, from fused_qr_factor) in the
// registers a[2][NMAX] and taub, its n reflector scalars. Reads the parameters factor, tau.
#define FUSED_PROLOGUE_FACTOR(T, NMAX) \
    FUSED_PROLOGUE_INDEX(NMAX) \
    T a[2][NMAX]; \
    fused_load(factor + b * m * (i64)n, m, n, lane, a); \
    const T* taub = tau + b * n;

// FUSED_SCALE_FACTORS: f1 f2 = 2^e for the exponent e of matrix b, so that R^-1 = 2^e R'^-1 is
// applied as fused_scale(R'^-1 ..., f1, f2). Reads the parameter exponent. A kernel that applies
// R^-1 only in a late sweep states it there, not in the prologue, so that e is not held across
// the earlier sweeps (fused_matrix_backward: held from the prologue, it is the value ptxas spills).
#define FUSED_SCALE_FACTORS(T) \
    T f1, f2; \
    fused_pow2_factors(exponent[b], f1, f2);

// FUSED_PROLOGUE_SCALED: FUSED_PROLOGUE_FACTOR, then FUSED_SCALE_FACTORS.
#define FUSED_PROLOGUE_SCALED(T, NMAX) \
    FUSED_PROLOGUE_FACTOR(T, NMAX) \
    FUSED_SCALE_FACTORS(T)

// ---------------------------------------------------------------- factorization

// Householder QR of each m x n matrix 2^e A_b (LAPACK dgeqr2 with dlarfg's convention), with
// e = -ilogb(max |A_b|), 0 for an all-zero matrix (PowerOfTwoScaling.ExponentOfMax): the scaled
// matrix has its largest magnitude in [1, 2), so the column norms' sums of squares neither overflow
// nor underflow, and subnormal inputs are factored at full precision. Writes the factor of the
// scaled matrix (geqrf layout), tau and exponent[b] = e; then the QR method's rank rule on the
// scaled diagonal, rank = #{ j : |R'_jj| > max(atol 2^e, rtol max_j |R'_jj|) } in double, which is
// RankTolerance.QrRank's unscaled rule (Core/Results.cs). rank[b] gets the rank; a matrix with
// rank < n raises *firstBad to INT_MAX - b (atomicMax: the lowest such b wins), so the host reads
// one int when all are of full rank.
template <typename T, int NMAX>
__device__ void fused_qr_factor_impl(const T* A, int m, int n, int count, T* factor, T* tau, int* exponent, int* rank, double atol, double rtol, int* firstBad)
{
    FUSED_PROLOGUE_INDEX(NMAX)
    const i64 mn = (i64)m * n;
    T a[2][NMAX];
    fused_load(A + b * mn, m, n, lane, a);
    // Rows >= m and columns >= n were loaded as zero, so they do not move the maximum.
    T lmax = (T)0;
#pragma unroll
    for (int s = 0; s < 2; s++)
    {
#pragma unroll
        for (int j = 0; j < NMAX; j++) lmax = fmax(lmax, fabs(a[s][j]));
    }
    const double amax = fused_warp_max((double)lmax);
    // ilogb in double is exact for a float too (a float subnormal is a normal double).
    const int e = amax == 0 ? 0 : -fused_ilogb(amax);
    {
        // Unconditional: at e = 0 both factors are 1 and the multiplies exact (a branch here
        // costs ptxas a spill in fused_qr_factor_n32_f32 on sm_90).
        T f1, f2;
        fused_pow2_factors(e, f1, f2);
#pragma unroll
        for (int s = 0; s < 2; s++)
        {
#pragma unroll
            for (int j = 0; j < NMAX; j++) a[s][j] = fused_scale(a[s][j], f1, f2);
        }
    }
    T* taub = tau + b * n;
    for (int k = 0; k < n; k++)
    {
        T c0, c1;
        fused_column(a, k, c0, c1);
        T alpha = fused_broadcast(c0, k);
        T sigma = fused_warp_sum((lane > k ? c0 * c0 : (T)0) + c1 * c1);
        T t = (T)0, beta = alpha, scale = (T)1;
        if (sigma != (T)0)
        {
            T norm = sqrt(alpha * alpha + sigma);
            beta = alpha >= (T)0 ? -norm : norm;
            t = (beta - alpha) / beta;
            scale = (T)1 / (alpha - beta);
        }
        c0 = lane == k ? beta : (lane > k ? c0 * scale : c0);
        c1 *= scale;
        fused_set_column(a, k, c0, c1);
        if (lane == 0) taub[k] = t;
        T v0 = lane < k ? (T)0 : (lane == k ? (T)1 : c0), v1 = c1;
#pragma unroll
        for (int j = 0; j < NMAX; j++)
        {
            if (j > k && j < n)
            {
                T s = t * fused_warp_sum(v0 * a[0][j] + v1 * a[1][j]);
                a[0][j] -= s * v0;
                a[1][j] -= s * v1;
            }
        }
    }

    T* fb = factor + b * mn;
#pragma unroll
    for (int s = 0; s < 2; s++)
    {
        int row = lane + 32 * s;
#pragma unroll
        for (int j = 0; j < NMAX; j++)
        {
            if (row < m && j < n) fb[row + (i64)j * m] = a[s][j];
        }
    }

    double d = 0;
#pragma unroll
    for (int j = 0; j < NMAX; j++)
    {
        if (j == lane && j < n) d = fabs((double)a[0][j]);
    }
    double s1, s2;
    fused_pow2_factors(e, s1, s2);                     // atol 2^e, as Math.ScaleB(atol, e)
    double threshold = fmax(atol * s1 * s2, rtol * fused_warp_max(d));
    int r = (int)fused_warp_sum(lane < n && d > threshold ? 1.0 : 0.0);
    if (lane == 0)
    {
        exponent[b] = e;
        rank[b] = r;
        if (r < n) atomicMax(firstBad, OP_INT_MAX - (int)b);
    }
}
FUSED_INSTANTIATE(fused_qr_factor, FusedQrFactorParams)

// ---------------------------------------------------------------- forward operations

// z = P y = Q [(Q^T y)_(0:n); 0] for each of the p columns of Y_b (m x p).
template <typename T, int NMAX>
__device__ void fused_project_impl(const T* factor, const T* tau, int m, int n, int count, const T* y, int p, T* z)
{
    FUSED_PROLOGUE_FACTOR(T, NMAX)
    for (int col = 0; col < p; col++)
    {
        i64 off = (b * p + col) * (i64)m;
        T y0, y1;
        fused_load_column(y + off, m, lane, y0, y1);
        fused_apply_qt(a, taub, n, lane, y0, y1);
        if (lane >= n) y0 = (T)0;
        y1 = (T)0;
        fused_apply_q(a, taub, n, lane, y0, y1);
        fused_store_column(z + off, m, lane, y0, y1);
    }
}
FUSED_INSTANTIATE(fused_project, FusedForwardParams)

// e = (I - P) y = Q [0; (Q^T y)_(n:m)] column by column, each with ResidualPolicy's second pass
// decided for that column alone (fused_residual_column). Scale-free: only Q is applied.
template <typename T, int NMAX>
__device__ void fused_residual_impl(const T* factor, const T* tau, int m, int n, int count, const T* y, int p, T* e)
{
    FUSED_PROLOGUE_FACTOR(T, NMAX)
    for (int col = 0; col < p; col++)
    {
        i64 off = (b * p + col) * (i64)m;
        T y0, y1, e0, e1;
        fused_load_column(y + off, m, lane, y0, y1);
        fused_residual_column(a, taub, n, lane, y0, y1, e0, e1);
        fused_store_column(e + off, m, lane, e0, e1);
    }
}
FUSED_INSTANTIATE(fused_residual, FusedForwardParams)

// x = A+ y = R^-1 (Q^T y)_(0:n) = 2^e R'^-1 (Q^T y)_(0:n), n x p.
template <typename T, int NMAX>
__device__ void fused_solve_impl(const T* factor, const T* tau, const int* exponent, int m, int n, int count, const T* y, int p, T* x)
{
    FUSED_PROLOGUE_SCALED(T, NMAX)
    for (int col = 0; col < p; col++)
    {
        T y0, y1;
        fused_load_column(y + (b * p + col) * (i64)m, m, lane, y0, y1);
        fused_apply_qt(a, taub, n, lane, y0, y1);
        T xv = fused_scale(fused_solve_r(a, n, lane, y0), f1, f2);
        if (lane < n) x[(b * p + col) * (i64)n + lane] = xv;
    }
}
FUSED_INSTANTIATE(fused_solve, FusedSolveParams)

// P = Q Q^T (m x m), column i = Q [(Q^T e_i)_(0:n); 0].
template <typename T, int NMAX>
__device__ void fused_matrix_impl(const T* factor, const T* tau, int m, int n, int count, T* pm)
{
    FUSED_PROLOGUE_FACTOR(T, NMAX)
    for (int i = 0; i < m; i++)
    {
        T y0 = lane == i ? (T)1 : (T)0, y1 = lane + 32 == i ? (T)1 : (T)0;
        fused_apply_qt(a, taub, n, lane, y0, y1);
        if (lane >= n) y0 = (T)0;
        y1 = (T)0;
        fused_apply_q(a, taub, n, lane, y0, y1);
        fused_store_column(pm + (b * m + i) * (i64)m, m, lane, y0, y1);
    }
}
FUSED_INSTANTIATE(fused_matrix, FusedMatrixParams)

// ---------------------------------------------------------------- backward operations

// x = A+ y = 2^e R'^-1 (Q^T y)_(0:n) (x_j in lane j) and r = (I - P) y for one column, the
// residual exactly as the forward Residual computes it (fused_residual_column).
template <typename T, int NMAX>
__device__ __forceinline__ T fused_solution_and_residual(const T (&a)[2][NMAX], const T* tau, int n, int lane, T f1, T f2, T y0, T y1, T& r0, T& r1)
{
    T c = fused_residual_column(a, tau, n, lane, y0, y1, r0, r1);
    return fused_scale(fused_solve_r(a, n, lane, c), f1, f2);
}

// gA (+)= alpha (p0 x^T + q0 u^T) for x_j, u_j in lane j: each lane owns its rows of gA, so the
// first column of Y writes and the later ones add, with no other lane touching the rows.
template <typename T>
__device__ __forceinline__ void fused_outer_update(T* ga, int m, int n, int lane, bool first, T alpha, T p0, T p1, T x, T q0, T q1, T u)
{
    for (int j = 0; j < n; j++)
    {
        T xj = fused_broadcast(x, j), uj = fused_broadcast(u, j);
        T g0 = alpha * (p0 * xj + q0 * uj), g1 = alpha * (p1 * xj + q1 * uj);
        T* c = ga + (i64)j * m;
        if (lane < m) c[lane] = first ? g0 : c[lane] + g0;
        if (lane + 32 < m) c[lane + 32] = first ? g1 : c[lane + 32] + g1;
    }
}

// Backward of z = P y (RESIDUAL false): gy = P gz; gA = (I - P) gz x^T + r u^T.
// Backward of e = (I - P) y (RESIDUAL true): gy = (I - P) ge; gA = -[gy x^T + r u^T].
// With x = A+ y, r = (I - P) y, u = A+ g = 2^e R'^-1 (Q^T g)_(0:n); one pass over each column.
template <typename T, int NMAX, bool RESIDUAL>
__device__ void fused_projection_backward(const T* factor, const T* tau, const int* exponent, int m, int n, int count, const T* y, const T* g, int p, T* ga, T* gy)
{
    FUSED_PROLOGUE_SCALED(T, NMAX)
    T* gab = ga + b * m * (i64)n;
    for (int col = 0; col < p; col++)
    {
        i64 off = (b * p + col) * (i64)m;
        T y0, y1, g0, g1, r0, r1;
        fused_load_column(y + off, m, lane, y0, y1);
        fused_load_column(g + off, m, lane, g0, g1);
        T x = fused_solution_and_residual(a, taub, n, lane, f1, f2, y0, y1, r0, r1);
        T w0 = g0, w1 = g1;
        fused_apply_qt(a, taub, n, lane, w0, w1);
        T cg = lane < n ? w0 : (T)0;
        T u = fused_scale(fused_solve_r(a, n, lane, cg), f1, f2);
        w0 = cg;
        w1 = (T)0;
        fused_apply_q(a, taub, n, lane, w0, w1);             // P g
        T q0 = g0 - w0, q1 = g1 - w1;                          // (I - P) g
        if (RESIDUAL)
        {
            fused_store_column(gy + off, m, lane, q0, q1);
            fused_outer_update(gab, m, n, lane, col == 0, (T)-1, q0, q1, x, r0, r1, u);
        }
        else
        {
            fused_store_column(gy + off, m, lane, w0, w1);
            fused_outer_update(gab, m, n, lane, col == 0, (T)1, q0, q1, x, r0, r1, u);
        }
    }
}

template <typename T, int NMAX>
__device__ void fused_project_backward_impl(const T* factor, const T* tau, const int* exponent, int m, int n, int count, const T* y, const T* g, int p, T* ga, T* gy)
{
    fused_projection_backward<T, NMAX, false>(factor, tau, exponent, m, n, count, y, g, p, ga, gy);
}

template <typename T, int NMAX>
__device__ void fused_residual_backward_impl(const T* factor, const T* tau, const int* exponent, int m, int n, int count, const T* y, const T* g, int p, T* ga, T* gy)
{
    fused_projection_backward<T, NMAX, true>(factor, tau, exponent, m, n, count, y, g, p, ga, gy);
}
FUSED_INSTANTIATE(fused_project_backward, FusedBackwardParams)
FUSED_INSTANTIATE(fused_residual_backward, FusedBackwardParams)

// Backward of x = A+ y at full column rank: w = Q R^-T gx; gy = w; gA = -w x^T + r v^T with
// v = R^-1 R^-T gx. gx is n x p. With R = 2^-e R': R^-T gx = 2^e R'^-T gx, and R^-1 of that is
// 2^e R'^-1 of it; each scaled back as soon as it is formed.
template <typename T, int NMAX>
__device__ void fused_solve_backward_impl(const T* factor, const T* tau, const int* exponent, int m, int n, int count, const T* y, const T* gx, int p, T* ga, T* gy)
{
    FUSED_PROLOGUE_SCALED(T, NMAX)
    T* gab = ga + b * m * (i64)n;
    for (int col = 0; col < p; col++)
    {
        i64 off = (b * p + col) * (i64)m;
        T y0, y1, r0, r1;
        fused_load_column(y + off, m, lane, y0, y1);
        T x = fused_solution_and_residual(a, taub, n, lane, f1, f2, y0, y1, r0, r1);
        T gxv = lane < n ? gx[(b * p + col) * (i64)n + lane] : (T)0;
        T wt = fused_scale(fused_solve_rt(a, n, lane, gxv), f1, f2);
        if (lane >= n) wt = (T)0;
        T v = fused_scale(fused_solve_r(a, n, lane, wt), f1, f2);
        T w0 = wt, w1 = (T)0;
        fused_apply_q(a, taub, n, lane, w0, w1);
        fused_store_column(gy + off, m, lane, w0, w1);
        // gA = -w x^T + r v^T = -(w x^T + r (-v)^T)
        fused_outer_update(gab, m, n, lane, col == 0, (T)-1, w0, w1, x, r0, r1, -v);
    }
}
FUSED_INSTANTIATE(fused_solve_backward, FusedBackwardParams)

// Backward of P: gA = (I - P) S Q R^-T with S = gP + gP^T, in three sweeps over gA (m x n, used
// as the warp's scratch): (1) row i of T = S Q is (Q^T s_i)_(0:n)^T with s_i = S[:, i];
// (2) each column t_j of T becomes (I - P) t_j; (3) each row of the result solves R x = M[i, :]^T
// (gA = M R^-T  <=>  gA^T = R^-1 M^T, R^-1 = 2^e R'^-1).
template <typename T, int NMAX>
__device__ void fused_matrix_backward_impl(const T* factor, const T* tau, const int* exponent, int m, int n, int count, const T* gp, T* ga)
{
    FUSED_PROLOGUE_FACTOR(T, NMAX)
    const T* gpb = gp + b * m * (i64)m;
    T* gab = ga + b * m * (i64)n;
    for (int i = 0; i < m; i++)
    {
        T s0 = lane < m ? gpb[lane + (i64)i * m] + gpb[i + (i64)lane * m] : (T)0;
        T s1 = lane + 32 < m ? gpb[lane + 32 + (i64)i * m] + gpb[i + (i64)(lane + 32) * m] : (T)0;
        fused_apply_qt(a, taub, n, lane, s0, s1);
        if (lane < n) gab[i + (i64)lane * m] = s0;
    }
    fused_warp_sync();
    for (int j = 0; j < n; j++)
    {
        T t0, t1;
        fused_load_column(gab + (i64)j * m, m, lane, t0, t1);
        fused_residual_once(a, taub, n, lane, t0, t1);
        fused_store_column(gab + (i64)j * m, m, lane, t0, t1);
    }
    fused_warp_sync();
    FUSED_SCALE_FACTORS(T)                        // only the third sweep applies R^-1
    for (int i = 0; i < m; i++)
    {
        T c = lane < n ? gab[i + (i64)lane * m] : (T)0;
        T xv = fused_scale(fused_solve_r(a, n, lane, c), f1, f2);
        if (lane < n) gab[i + (i64)lane * m] = xv;
    }
}
FUSED_INSTANTIATE(fused_matrix_backward, FusedMatrixBackwardParams)
