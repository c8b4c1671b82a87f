// A host emulation of the parts of the CUDA driver, cuBLAS and cuSOLVER that OrthoProj's CUDA
// backend calls, for running the CUDA conformance suite on a machine without a GPU. "Device"
// memory is host memory, every call completes before it returns (so every stream order holds),
// kernel launches run the kernels of cuda/orthoproj_kernels.cu compiled as host C++ (one thread
// after another), cuBLAS is naive loops and cuSOLVER is reference LAPACK. It checks the backend's
// orchestration (shapes, strides, leading dimensions, formulas, devInfo handling), not NVIDIA's
// libraries, and not concurrency. Built by scripts/gpu-check.sh emulate; never shipped.
//
// The fused warp-per-matrix kernels of cuda/fused_qr.cu need the 32 lanes of a warp to exchange
// values (shuffle reductions, broadcasts): they run warp by warp, each warp's 32 lanes as 32
// cooperative fibers meeting at a barrier inside the warp helpers, which this file supplies in
// place of fused_common.cuh's __shfl_*_sync versions (same butterfly order, so the same rounding).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <ucontext.h>
#include <utility>
#include <vector>

// ------------------------------------------------------------------ the kernels, on the host
struct op_dim3 { unsigned x = 0, y = 0, z = 0; };
static thread_local op_dim3 blockIdx, threadIdx, blockDim, gridDim;
#define __global__
#define __device__
#define __forceinline__ inline
using std::fabs;
using std::fmax;
using std::sqrt;
using std::ilogb;
using std::ldexp;
static int atomicMax(int* p, int v) { int old = *p; if (v > old) *p = v; return old; }

typedef std::function<void(void**)> Invoker;
static std::map<std::string, Invoker>& Kernels() { static std::map<std::string, Invoker> k; return k; }
template <class... A, size_t... I>
static void InvokeWith(void (*f)(A...), void** args, std::index_sequence<I...>) { f(*static_cast<A*>(args[I])...); }
template <class... A>
static Invoker MakeInvoker(void (*f)(A...)) { return [f](void** a) { InvokeWith(f, a, std::index_sequence_for<A...>{}); }; }
struct Registrar { Registrar(const char* name, Invoker f) { Kernels()[name] = std::move(f); } };

#include "orthoproj_common.cuh"
#undef OP_INSTANTIATE
#define OP_INSTANTIATE(name, PARAMS, ARGS) \
    extern "C" void name##_f32 PARAMS(float) { name##_impl<float> ARGS; } \
    extern "C" void name##_f64 PARAMS(double) { name##_impl<double> ARGS; } \
    static Registrar reg32_##name(#name "_f32", MakeInvoker(&name##_f32)); \
    static Registrar reg64_##name(#name "_f64", MakeInvoker(&name##_f64));
#include "orthoproj_kernels.cu"
static Registrar regFirstFlagged("first_flagged", MakeInvoker(&first_flagged));
static Registrar regPointerArray("pointer_array", MakeInvoker(&pointer_array));

// ------------------------------------------------------------------ the fused kernels' warp helpers
// The 32 lanes of a warp run as cooperative fibers (ucontext) on the launching thread: a lane runs
// until its next warp barrier, then the next lane, so each round of the scheduler carries every lane
// to the same barrier. Warps run one after another, so one exchange area serves every warp. Values
// travel as double (exact for float); a reduction replays the device code's xor butterfly over all
// 32 values, so the rounding is the device's. A warp whose lanes stop meeting at the same barriers
// (some finished, some waiting: a deadlock or undefined behaviour on a GPU) fails the launch.
struct WarpExchange
{
    ucontext_t scheduler;
    ucontext_t lanes[32];
    bool done[32];
    int current = 0;
    Invoker* kernel = nullptr;
    void** args = nullptr;
    double slot[32];
    void Barrier() { swapcontext(&lanes[current], &scheduler); }
};
static WarpExchange g_warp;
static void LaneEntry()
{
    (*g_warp.kernel)(g_warp.args);
    g_warp.done[g_warp.current] = true;   // returning resumes the scheduler (uc_link)
}
// Runs one warp (lanes w * 32 .. w * 32 + 31 of block b); false when its lanes diverged at a barrier.
static bool RunWarp(Invoker& kernel, void** args, unsigned b, unsigned w)
{
    static std::vector<char> stacks((size_t)32 * (512 << 10));
    g_warp.kernel = &kernel;
    g_warp.args = args;
    for (int l = 0; l < 32; l++)
    {
        g_warp.done[l] = false;
        getcontext(&g_warp.lanes[l]);
        g_warp.lanes[l].uc_stack.ss_sp = stacks.data() + (size_t)l * (512 << 10);
        g_warp.lanes[l].uc_stack.ss_size = 512 << 10;
        g_warp.lanes[l].uc_link = &g_warp.scheduler;
        makecontext(&g_warp.lanes[l], &LaneEntry, 0);
    }
    blockIdx.x = b;
    for (;;)
    {
        int finished = 0;
        for (int l = 0; l < 32; l++)
        {
            if (g_warp.done[l]) { finished++; continue; }
            g_warp.current = l;
            threadIdx.x = w * 32 + l;
            swapcontext(&g_warp.scheduler, &g_warp.lanes[l]);
            if (g_warp.done[l]) finished++;
        }
        if (finished == 32) return true;
        if (finished != 0) return false;
    }
}
static std::set<const Invoker*>& WarpKernels() { static std::set<const Invoker*> k; return k; }
struct WarpRegistrar { WarpRegistrar(const char* name, Invoker f) { Kernels()[name] = std::move(f); WarpKernels().insert(&Kernels()[name]); } };

static int fused_lane() { return (int)(threadIdx.x & 31u); }
static int fused_warp_in_block() { return (int)(threadIdx.x >> 5); }
template <typename T, typename Op>
static T WarpButterfly(T v, Op op)
{
    int lane = fused_lane();
    g_warp.slot[lane] = (double)v;
    g_warp.Barrier();
    T vals[32];
    for (int i = 0; i < 32; i++) vals[i] = (T)g_warp.slot[i];
    g_warp.Barrier();
    for (int k = 16; k > 0; k >>= 1)
    {
        T next[32];
        for (int i = 0; i < 32; i++) next[i] = op(vals[i], vals[i ^ k]);
        for (int i = 0; i < 32; i++) vals[i] = next[i];
    }
    return vals[lane];
}
template <typename T> static T fused_warp_sum(T v) { return WarpButterfly(v, [](T a, T b) { return a + b; }); }
static double fused_warp_max(double v) { return WarpButterfly(v, [](double a, double b) { return std::fmax(a, b); }); }
template <typename T>
static T fused_broadcast(T v, int src)
{
    g_warp.slot[fused_lane()] = (double)v;
    g_warp.Barrier();
    T r = (T)g_warp.slot[src];
    g_warp.Barrier();
    return r;
}
static void fused_warp_sync() { g_warp.Barrier(); }
static double fused_exp2i(int k) { return std::ldexp(1.0, k); }
static int fused_ilogb(double x) { return std::ilogb(x); }

#define FUSED_HOST_EMULATION
#define FUSED_INSTANTIATE_N(name, N, PARAMS, ARGS) \
    extern "C" void name##_n##N##_f32 PARAMS(float) { name##_impl<float, N> ARGS; } \
    extern "C" void name##_n##N##_f64 PARAMS(double) { name##_impl<double, N> ARGS; } \
    static WarpRegistrar reg32_##name##N(#name "_n" #N "_f32", MakeInvoker(&name##_n##N##_f32)); \
    static WarpRegistrar reg64_##name##N(#name "_n" #N "_f64", MakeInvoker(&name##_n##N##_f64));
#define FUSED_INSTANTIATE(name, PARAMS, ARGS) \
    FUSED_INSTANTIATE_N(name, 16, PARAMS, ARGS) \
    FUSED_INSTANTIATE_N(name, 32, PARAMS, ARGS)
#include "fused_qr.cu"

#define EXPORT extern "C" __attribute__((visibility("default")))

// ------------------------------------------------------------------ counters
// What a GPU run cannot show without a profiler, counted for the steady-state report of
// OrthoProj.Tests/Cuda/SteadyStateCountTests.cs: device allocations and frees (cuMemAlloc, the
// pool's cuMemAllocAsync), host synchronizations (stream, context and event waits, blocking
// device-to-host copies), cuBLAS/cuSOLVER calls (every entry point but handle set-up), kernel
// launches and context switches. libcuda.so.1, libcublas.so.11 and libcusolver.so.11 are links to
// one file, so the loader maps it once and one set of counters sees every call.
struct Counters { long long allocs, frees, syncs, library, launches, contextSets; };
static Counters g_count;
EXPORT void fakecuda_counters(long long* out)
{
    out[0] = g_count.allocs; out[1] = g_count.frees; out[2] = g_count.syncs;
    out[3] = g_count.library; out[4] = g_count.launches; out[5] = g_count.contextSets;
}
// Devices the emulation exposes: FAKECUDA_DEVICES (default 1), all sharing host memory.
static int DeviceCount() { const char* v = std::getenv("FAKECUDA_DEVICES"); int n = v ? std::atoi(v) : 1; return n < 1 ? 1 : n; }

// ------------------------------------------------------------------ driver
EXPORT int cuInit(unsigned) { return 0; }
EXPORT int cuDriverGetVersion(int* v) { *v = 11080; return 0; }
EXPORT int cuDeviceGetCount(int* c) { *c = DeviceCount(); return 0; }
EXPORT int cuDeviceGet(int* d, int ordinal) { if (ordinal < 0 || ordinal >= DeviceCount()) return 101; *d = ordinal; return 0; }
EXPORT int cuDeviceGetName(char* name, int len, int) { std::strncpy(name, "OrthoProj host emulation", len); return 0; }
EXPORT int cuDeviceGetAttribute(int* v, int attribute, int)
{
    switch (attribute)
    {
        case 75: *v = 8; break;          // compute capability 8.0: NVRTC builds sm_80, which is then ignored
        case 76: *v = 0; break;
        case 16: *v = 1; break;
        case 8: *v = 49152; break;
        case 97: *v = 101376; break;
        default: *v = 0; break;
    }
    return 0;
}
EXPORT int cuDeviceTotalMem_v2(size_t* bytes, int) { *bytes = (size_t)1 << 32; return 0; }
EXPORT int cuMemGetInfo_v2(size_t* f, size_t* t) { *f = *t = (size_t)1 << 32; return 0; }
EXPORT int cuDevicePrimaryCtxRetain(void** ctx, int dev) { *ctx = (void*)(0x1000 + (intptr_t)dev * 0x100); return 0; }
EXPORT int cuDevicePrimaryCtxRelease_v2(int) { return 0; }
static thread_local void* g_current = nullptr;
EXPORT int cuCtxSetCurrent(void* c) { ++g_count.contextSets; g_current = c; return 0; }
EXPORT int cuCtxGetCurrent(void** c) { *c = g_current; return 0; }
static thread_local std::vector<void*> g_contextStack;   // what cuCtxPushCurrent replaced
EXPORT int cuCtxPushCurrent_v2(void* c) { ++g_count.contextSets; g_contextStack.push_back(g_current); g_current = c; return 0; }
EXPORT int cuCtxPopCurrent_v2(void** c)
{
    if (g_contextStack.empty()) return 201;   // CUDA_ERROR_INVALID_CONTEXT
    ++g_count.contextSets;
    if (c) *c = g_current;
    g_current = g_contextStack.back();
    g_contextStack.pop_back();
    return 0;
}
EXPORT int cuCtxSynchronize() { ++g_count.syncs; return 0; }
EXPORT int cuGetErrorName(int, const char** s) { *s = "CUDA_ERROR_EMULATED"; return 0; }
EXPORT int cuMemAlloc_v2(void** p, size_t bytes)
{
    // Poison new memory with NaN bytes (0xFF...) so that reading what was never written shows up.
    ++g_count.allocs;
    *p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (*p == nullptr) return 2;
    std::memset(*p, 0xFF, bytes);
    return 0;
}
EXPORT int cuMemFree_v2(void* p) { ++g_count.frees; std::free(p); return 0; }
EXPORT int cuMemHostAlloc(void** p, size_t bytes, unsigned) { *p = std::malloc(bytes); return 0; }
EXPORT int cuMemFreeHost(void* p) { std::free(p); return 0; }
EXPORT int cuMemcpyHtoD_v2(void* d, const void* s, size_t n) { std::memcpy(d, s, n); return 0; }
EXPORT int cuMemcpyDtoH_v2(void* d, const void* s, size_t n) { ++g_count.syncs; std::memcpy(d, s, n); return 0; }
EXPORT int cuMemcpyDtoD_v2(void* d, const void* s, size_t n) { std::memmove(d, s, n); return 0; }
EXPORT int cuMemcpyHtoDAsync_v2(void* d, const void* s, size_t n, void*) { std::memcpy(d, s, n); return 0; }
EXPORT int cuMemcpyDtoHAsync_v2(void* d, const void* s, size_t n, void*) { std::memcpy(d, s, n); return 0; }
EXPORT int cuMemcpyDtoDAsync_v2(void* d, const void* s, size_t n, void*) { std::memmove(d, s, n); return 0; }
EXPORT int cuMemsetD8_v2(void* d, unsigned char c, size_t n) { std::memset(d, c, n); return 0; }
EXPORT int cuMemsetD8Async(void* d, unsigned char c, size_t n, void*) { std::memset(d, c, n); return 0; }
EXPORT int cuStreamCreate(void** s, unsigned) { *s = std::malloc(1); return 0; }
EXPORT int cuStreamDestroy_v2(void* s) { std::free(s); return 0; }
EXPORT int cuStreamSynchronize(void*) { ++g_count.syncs; return 0; }
EXPORT int cuEventCreate(void** e, unsigned) { *e = std::malloc(1); return 0; }
EXPORT int cuEventRecord(void*, void*) { return 0; }
EXPORT int cuEventSynchronize(void*) { ++g_count.syncs; return 0; }
EXPORT int cuStreamWaitEvent(void*, void*, unsigned) { return 0; }   // every call has completed already
EXPORT int cuEventElapsedTime(float* ms, void*, void*) { *ms = 0; return 0; }
EXPORT int cuEventDestroy_v2(void* e) { std::free(e); return 0; }
EXPORT int cuModuleLoadData(void** m, const void*) { *m = std::malloc(1); return 0; }
EXPORT int cuModuleUnload(void* m) { std::free(m); return 0; }
EXPORT int cuModuleGetFunction(void** f, void*, const char* name)
{
    auto it = Kernels().find(name);
    if (it == Kernels().end()) return 500;   // CUDA_ERROR_NOT_FOUND
    *f = &it->second;
    return 0;
}
EXPORT int cuFuncSetAttribute(void*, int, int) { return 0; }
EXPORT int cuLaunchKernel(void* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned, void*, void** args, void**)
{
    ++g_count.launches;
    if (gy != 1 || gz != 1 || by != 1 || bz != 1) return 1;
    Invoker& kernel = *static_cast<Invoker*>(f);
    gridDim.x = gx; blockDim.x = bx;
    if (WarpKernels().count(&kernel) != 0)
    {
        // A fused kernel: each warp's 32 lanes run together as threads (they meet in the warp
        // helpers), warp after warp; warps of one block never wait for each other (no __syncthreads).
        if (bx % 32 != 0) return 1;
        static std::mutex serial;                     // one exchange area: one fused launch at a time
        std::lock_guard<std::mutex> hold(serial);
        for (unsigned b = 0; b < gx; b++)
            for (unsigned w = 0; w < bx / 32; w++)
                if (!RunWarp(kernel, args, b, w)) return 719;   // CUDA_ERROR_LAUNCH_FAILED
        return 0;
    }
    for (unsigned b = 0; b < gx; b++)
        for (unsigned t = 0; t < bx; t++)
        {
            blockIdx.x = b; threadIdx.x = t;
            kernel(args);
        }
    return 0;
}

// ------------------------------------------------------------------ cuBLAS (column-major, naive)
EXPORT int cublasCreate_v2(void** h) { *h = std::malloc(1); return 0; }
EXPORT int cublasDestroy_v2(void* h) { std::free(h); return 0; }
EXPORT int cublasSetStream_v2(void*, void*) { return 0; }
EXPORT int cublasSetMathMode(void*, int) { return 0; }
EXPORT int cublasGetVersion_v2(void*, int* v) { *v = 111103; return 0; }
EXPORT int cublasGetProperty(int type, int* v) { *v = type == 0 ? 11 : type == 1 ? 11 : 3; return 0; }

template <typename T>
static T At(const T* a, int ld, bool trans, int i, int j) { return trans ? a[j + (int64_t)i * ld] : a[i + (int64_t)j * ld]; }

template <typename T>
static int Gemm(int ta, int tb, int m, int n, int k, const T* alpha, const T* a, int lda, int64_t sa, const T* b, int ldb, int64_t sb, const T* beta, T* c, int ldc, int64_t sc, int count)
{
    for (int p = 0; p < count; p++)
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++)
            {
                T sum = 0;
                for (int l = 0; l < k; l++) sum += At(a + p * sa, lda, ta != 0, i, l) * At(b + p * sb, ldb, tb != 0, l, j);
                T* cij = c + p * sc + i + (int64_t)j * ldc;
                *cij = *beta == (T)0 ? *alpha * sum : *alpha * sum + *beta * *cij;
            }
    return 0;
}
EXPORT int cublasSgemmStridedBatched(void*, int ta, int tb, int m, int n, int k, const float* al, const float* a, int lda, int64_t sa, const float* b, int ldb, int64_t sb, const float* be, float* c, int ldc, int64_t sc, int count)
{ ++g_count.library; return Gemm(ta, tb, m, n, k, al, a, lda, sa, b, ldb, sb, be, c, ldc, sc, count); }
EXPORT int cublasDgemmStridedBatched(void*, int ta, int tb, int m, int n, int k, const double* al, const double* a, int lda, int64_t sa, const double* b, int ldb, int64_t sb, const double* be, double* c, int ldc, int64_t sc, int count)
{ ++g_count.library; return Gemm(ta, tb, m, n, k, al, a, lda, sa, b, ldb, sb, be, c, ldc, sc, count); }

// Upper triangular R only (all OrthoProj uses), non-unit diagonal.
template <typename T>
static int Trsm(int side, int uplo, int trans, int diag, int m, int n, const T* alpha, T* const* rs, int ldr, T* const* bs, int ldb, int count)
{
    if (uplo != 1 || diag != 0) return 15;
    for (int p = 0; p < count; p++)
    {
        const T* r = rs[p];
        T* b = bs[p];
        for (int64_t e = 0; e < (int64_t)ldb * n; e++) if (e % ldb < m) b[e] *= *alpha;
        auto R = [&](int i, int j) { return trans ? r[j + (int64_t)i * ldr] : r[i + (int64_t)j * ldr]; }; // op(R)(i, j)
        if (side == 0)
        {
            // op(R) X = B, op(R) m x m: upper (back substitution) or lower (forward).
            for (int col = 0; col < n; col++)
            {
                T* x = b + (int64_t)col * ldb;
                if (!trans)
                    for (int i = m - 1; i >= 0; i--) { T s = x[i]; for (int j = i + 1; j < m; j++) s -= R(i, j) * x[j]; x[i] = s / R(i, i); }
                else
                    for (int i = 0; i < m; i++) { T s = x[i]; for (int j = 0; j < i; j++) s -= R(i, j) * x[j]; x[i] = s / R(i, i); }
            }
        }
        else
        {
            // X op(R) = B, op(R) n x n: row by row, x op(R) = b.
            for (int row = 0; row < m; row++)
            {
                auto X = [&](int j) -> T& { return b[row + (int64_t)j * ldb]; };
                if (!trans)
                    for (int j = 0; j < n; j++) { T s = X(j); for (int l = 0; l < j; l++) s -= X(l) * R(l, j); X(j) = s / R(j, j); }
                else
                    for (int j = n - 1; j >= 0; j--) { T s = X(j); for (int l = j + 1; l < n; l++) s -= X(l) * R(l, j); X(j) = s / R(j, j); }
            }
        }
    }
    return 0;
}
EXPORT int cublasStrsmBatched(void*, int side, int uplo, int trans, int diag, int m, int n, const float* al, float* const* a, int lda, float* const* b, int ldb, int count)
{ ++g_count.library; return Trsm(side, uplo, trans, diag, m, n, al, a, lda, b, ldb, count); }
EXPORT int cublasDtrsmBatched(void*, int side, int uplo, int trans, int diag, int m, int n, const double* al, double* const* a, int lda, double* const* b, int ldb, int count)
{ ++g_count.library; return Trsm(side, uplo, trans, diag, m, n, al, a, lda, b, ldb, count); }
EXPORT int cublasSaxpy_v2(void*, int n, const float* al, const float* x, int incx, float* y, int incy) { ++g_count.library; for (int i = 0; i < n; i++) y[i * incy] += *al * x[i * incx]; return 0; }
EXPORT int cublasDaxpy_v2(void*, int n, const double* al, const double* x, int incx, double* y, int incy) { ++g_count.library; for (int i = 0; i < n; i++) y[i * incy] += *al * x[i * incx]; return 0; }

// ------------------------------------------------------------------ cuSOLVER (reference LAPACK)
// (cublas<t>geqrfBatched is defined after the LAPACK helpers below.)
extern "C" {
void sgeqrf_(int*, int*, float*, int*, float*, float*, int*, int*);
void dgeqrf_(int*, int*, double*, int*, double*, double*, int*, int*);
void sorgqr_(int*, int*, int*, float*, int*, float*, float*, int*, int*);
void dorgqr_(int*, int*, int*, double*, int*, double*, double*, int*, int*);
void sormqr_(const char*, const char*, int*, int*, int*, float*, int*, float*, float*, int*, float*, int*, int*);
void dormqr_(const char*, const char*, int*, int*, int*, double*, int*, double*, double*, int*, double*, int*, int*);
void sgesvd_(const char*, const char*, int*, int*, float*, int*, float*, float*, int*, float*, int*, float*, int*, int*);
void dgesvd_(const char*, const char*, int*, int*, double*, int*, double*, double*, int*, double*, int*, double*, int*, int*);
}
static void lapack(int m, int n, float* a, int lda, float* tau, int* info) { std::vector<float> w(64 * (n + 1)); int lw = (int)w.size(); sgeqrf_(&m, &n, a, &lda, tau, w.data(), &lw, info); }
static void lapack(int m, int n, double* a, int lda, double* tau, int* info) { std::vector<double> w(64 * (n + 1)); int lw = (int)w.size(); dgeqrf_(&m, &n, a, &lda, tau, w.data(), &lw, info); }
static void orgqr(int m, int n, int k, float* a, int lda, float* tau, int* info) { std::vector<float> w(64 * (n + 1)); int lw = (int)w.size(); sorgqr_(&m, &n, &k, a, &lda, tau, w.data(), &lw, info); }
static void orgqr(int m, int n, int k, double* a, int lda, double* tau, int* info) { std::vector<double> w(64 * (n + 1)); int lw = (int)w.size(); dorgqr_(&m, &n, &k, a, &lda, tau, w.data(), &lw, info); }
static void gesvd(const char* ju, const char* jv, int m, int n, float* a, int lda, float* s, float* u, int ldu, float* vt, int ldvt, int* info)
{ float q; int lw = -1; sgesvd_(ju, jv, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, &q, &lw, info); std::vector<float> w((size_t)q + 1); lw = (int)w.size(); sgesvd_(ju, jv, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, w.data(), &lw, info); }
static void gesvd(const char* ju, const char* jv, int m, int n, double* a, int lda, double* s, double* u, int ldu, double* vt, int ldvt, int* info)
{ double q; int lw = -1; dgesvd_(ju, jv, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, &q, &lw, info); std::vector<double> w((size_t)q + 1); lw = (int)w.size(); dgesvd_(ju, jv, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, w.data(), &lw, info); }

// cuBLAS's batched QR: LAPACK's geqrf matrix by matrix (the same reflectors and signs); info is a host int.
template <typename T>
static int GeqrfBatched(int m, int n, T* const* as, int lda, T* const* taus, int* info, int count)
{
    ++g_count.library;
    *info = 0;
    if (m < 0 || n < 0 || lda < (m > 1 ? m : 1) || count < 0) { *info = -1; return 0; }
    for (int p = 0; p < count; p++) { int i = 0; lapack(m, n, as[p], lda, taus[p], &i); }
    return 0;
}
EXPORT int cublasSgeqrfBatched(void*, int m, int n, float* const* a, int lda, float* const* tau, int* info, int count) { return GeqrfBatched(m, n, a, lda, tau, info, count); }
EXPORT int cublasDgeqrfBatched(void*, int m, int n, double* const* a, int lda, double* const* tau, int* info, int count) { return GeqrfBatched(m, n, a, lda, tau, info, count); }

EXPORT int cusolverDnCreate(void** h) { *h = std::malloc(1); return 0; }
EXPORT int cusolverDnDestroy(void* h) { std::free(h); return 0; }
EXPORT int cusolverDnSetStream(void*, void*) { return 0; }
EXPORT int cusolverGetProperty(int type, int* v) { *v = type == 0 ? 11 : type == 1 ? 4 : 1; return 0; }
EXPORT int cusolverDnCreateGesvdjInfo(void** i) { *i = std::malloc(1); return 0; }
EXPORT int cusolverDnDestroyGesvdjInfo(void* i) { std::free(i); return 0; }
EXPORT int cusolverDnSgeqrf_bufferSize(void*, int, int n, float*, int, int* lw) { ++g_count.library; *lw = n + 1; return 0; }
EXPORT int cusolverDnDgeqrf_bufferSize(void*, int, int n, double*, int, int* lw) { ++g_count.library; *lw = n + 1; return 0; }
EXPORT int cusolverDnSgeqrf(void*, int m, int n, float* a, int lda, float* tau, float*, int, int* info) { ++g_count.library; lapack(m, n, a, lda, tau, info); return 0; }
EXPORT int cusolverDnDgeqrf(void*, int m, int n, double* a, int lda, double* tau, double*, int, int* info) { ++g_count.library; lapack(m, n, a, lda, tau, info); return 0; }
EXPORT int cusolverDnSorgqr_bufferSize(void*, int, int n, int, float*, int, float*, int* lw) { ++g_count.library; *lw = n + 1; return 0; }
EXPORT int cusolverDnDorgqr_bufferSize(void*, int, int n, int, double*, int, double*, int* lw) { ++g_count.library; *lw = n + 1; return 0; }
EXPORT int cusolverDnSorgqr(void*, int m, int n, int k, float* a, int lda, float* tau, float*, int, int* info) { ++g_count.library; orgqr(m, n, k, a, lda, tau, info); return 0; }
EXPORT int cusolverDnDorgqr(void*, int m, int n, int k, double* a, int lda, double* tau, double*, int, int* info) { ++g_count.library; orgqr(m, n, k, a, lda, tau, info); return 0; }
template <typename T>
static int Ormqr(int side, int trans, int m, int n, int k, T* a, int lda, T* tau, T* c, int ldc, int* info)
{
    if (side != 0) return 3;
    const char* s = "L";
    const char* t = trans == 0 ? "N" : "T";
    std::vector<T> w((size_t)64 * (n + 1));
    int lw = (int)w.size();
    if constexpr (sizeof(T) == 4) sormqr_(s, t, &m, &n, &k, a, &lda, tau, c, &ldc, w.data(), &lw, info);
    else dormqr_(s, t, &m, &n, &k, a, &lda, tau, c, &ldc, w.data(), &lw, info);
    return 0;
}
EXPORT int cusolverDnSormqr_bufferSize(void*, int, int, int, int n, int, const float*, int, const float*, const float*, int, int* lw) { ++g_count.library; *lw = n + 1; return 0; }
EXPORT int cusolverDnDormqr_bufferSize(void*, int, int, int, int n, int, const double*, int, const double*, const double*, int, int* lw) { ++g_count.library; *lw = n + 1; return 0; }
EXPORT int cusolverDnSormqr(void*, int side, int trans, int m, int n, int k, float* a, int lda, float* tau, float* c, int ldc, float*, int, int* info)
{ ++g_count.library; return Ormqr(side, trans, m, n, k, a, lda, tau, c, ldc, info); }
EXPORT int cusolverDnDormqr(void*, int side, int trans, int m, int n, int k, double* a, int lda, double* tau, double* c, int ldc, double*, int, int* info)
{ ++g_count.library; return Ormqr(side, trans, m, n, k, a, lda, tau, c, ldc, info); }
EXPORT int cusolverDnSgesvd_bufferSize(void*, int, int n, int* lw) { ++g_count.library; *lw = n + 1; return 0; }
EXPORT int cusolverDnDgesvd_bufferSize(void*, int, int n, int* lw) { ++g_count.library; *lw = n + 1; return 0; }
EXPORT int cusolverDnSgesvd(void*, signed char ju, signed char jv, int m, int n, float* a, int lda, float* s, float* u, int ldu, float* vt, int ldvt, float*, int, float*, int* info)
{ ++g_count.library; if (m < n) return 3; char cu[2] = { (char)ju, 0 }, cv[2] = { (char)jv, 0 }; gesvd(cu, cv, m, n, a, lda, s, u, ldu, vt, ldvt, info); return 0; }
EXPORT int cusolverDnDgesvd(void*, signed char ju, signed char jv, int m, int n, double* a, int lda, double* s, double* u, int ldu, double* vt, int ldvt, double*, int, double*, int* info)
{ ++g_count.library; if (m < n) return 3; char cu[2] = { (char)ju, 0 }, cv[2] = { (char)jv, 0 }; gesvd(cu, cv, m, n, a, lda, s, u, ldu, vt, ldvt, info); return 0; }

template <typename T>
static int GesvdjBatched(int jobz, int m, int n, T* a, int lda, T* s, T* u, int ldu, T* v, int ldv, int* info, int batch)
{
    if (jobz != 1 || m > 32 || n > 32) return 3;
    int k = m < n ? m : n;
    std::vector<T> vt((size_t)n * n);
    for (int p = 0; p < batch; p++)
    {
        gesvd("A", "A", m, n, a + (int64_t)p * lda * n, lda, s + (int64_t)p * k, u + (int64_t)p * ldu * m, ldu, vt.data(), n, info + p);
        T* vp = v + (int64_t)p * ldv * n;
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) vp[i + (int64_t)j * ldv] = vt[j + (int64_t)i * n];
    }
    return 0;
}
EXPORT int cusolverDnSgesvdjBatched_bufferSize(void*, int, int m, int n, float*, int, float*, float*, int, float*, int, int* lw, void*, int) { ++g_count.library; *lw = m + n; return 0; }
EXPORT int cusolverDnDgesvdjBatched_bufferSize(void*, int, int m, int n, double*, int, double*, double*, int, double*, int, int* lw, void*, int) { ++g_count.library; *lw = m + n; return 0; }
EXPORT int cusolverDnSgesvdjBatched(void*, int jobz, int m, int n, float* a, int lda, float* s, float* u, int ldu, float* v, int ldv, float*, int, int* info, void*, int batch)
{ ++g_count.library; return GesvdjBatched(jobz, m, n, a, lda, s, u, ldu, v, ldv, info, batch); }
EXPORT int cusolverDnDgesvdjBatched(void*, int jobz, int m, int n, double* a, int lda, double* s, double* u, int ldu, double* v, int ldv, double*, int, int* info, void*, int batch)
{ ++g_count.library; return GesvdjBatched(jobz, m, n, a, lda, s, u, ldu, v, ldv, info, batch); }
