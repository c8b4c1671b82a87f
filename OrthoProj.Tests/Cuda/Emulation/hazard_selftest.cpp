// Self-test of the emulation's hazard detector: one known-bad call sequence per hazard class, each
// of which must be reported with its class, and a known-good twin of each (the same work, ordered
// as CUDA requires) that must not be. Built and run by scripts/gpu-check.sh (build-emulation,
// emulate) against libfakecuda.so; OrthoProj.Tests/Cuda/CudaEmulationTests.cs runs it too.
// Prints "hazard self-test: K of K known-bad sequences detected"; exits non-zero when one was
// missed or a good sequence was flagged.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

extern "C" {
int cuInit(unsigned);
int cuDevicePrimaryCtxRetain(void**, int);
int cuCtxSetCurrent(void*);
int cuCtxGetCurrent(void**);
int cuCtxPushCurrent_v2(void*);
int cuCtxPopCurrent_v2(void**);
int cuCtxSynchronize();
int cuMemAlloc_v2(void**, size_t);
int cuMemFree_v2(void*);
int cuMemHostAlloc(void**, size_t, unsigned);
int cuMemFreeHost(void*);
int cuMemcpyHtoD_v2(void*, const void*, size_t);
int cuMemcpyDtoH_v2(void*, const void*, size_t);
int cuMemcpyDtoHAsync_v2(void*, const void*, size_t, void*);
int cuMemcpyHtoDAsync_v2(void*, const void*, size_t, void*);
int cuMemsetD8_v2(void*, unsigned char, size_t);
int cuMemsetD8Async(void*, unsigned char, size_t, void*);
int cuStreamCreate(void**, unsigned);
int cuStreamDestroy_v2(void*);
int cuStreamSynchronize(void*);
int cuEventCreate(void**, unsigned);
int cuEventRecord(void*, void*);
int cuEventSynchronize(void*);
int cuEventDestroy_v2(void*);
int cuStreamWaitEvent(void*, void*, unsigned);
int cuModuleLoadData(void**, const void*);
int cuModuleGetFunction(void**, void*, const char*);
int cuLaunchKernel(void*, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, void*, void**, void**);
int cublasCreate_v2(void**);
int cublasDestroy_v2(void*);
int cublasSetStream_v2(void*, void*);
int cublasStrsmBatched(void*, int, int, int, int, int, int, const float*, float* const*, int, float* const*, int, int);
int cusolverDnCreate(void**);
int cusolverDnDestroy(void*);
int cusolverDnSetStream(void*, void*);
int cusolverDnSgeqrf_bufferSize(void*, int, int, float*, int, int*);
int cusolverDnSgeqrf(void*, int, int, float*, int, float*, float*, int, int*);
int fakecuda_hazards(char*, int);
void fakecuda_reset_hazards();
void* fakecuda_foreign_context();
void fakecuda_call_begin(const char*);
void fakecuda_call_end();
}

static void* g_ctx = nullptr;
static const unsigned NonBlocking = 1;

static std::string Hazards()
{
    std::vector<char> buffer(1 << 16);
    fakecuda_hazards(buffer.data(), (int)buffer.size());
    return buffer.data();
}

// Runs a sequence from a clean state, lets all queued work finish, and returns what was reported.
static std::string Run(const std::function<void()>& sequence)
{
    cuCtxSetCurrent(g_ctx);
    cuCtxSynchronize();
    fakecuda_reset_hazards();
    sequence();
    cuCtxSetCurrent(g_ctx);
    cuCtxSynchronize();
    std::string found = Hazards();
    fakecuda_reset_hazards();
    return found;
}

static void* Alloc(size_t n) { void* p = nullptr; cuMemAlloc_v2(&p, n); return p; }
static void* Stream(unsigned flags) { void* s = nullptr; cuStreamCreate(&s, flags); return s; }

// A batched triangular solve of one 2 x 2 upper R and a 2 x 1 right-hand side, with pointer arrays
// in device memory (good) or in host memory (the contract violation).
static void Trsm(bool deviceArrays)
{
    void* s = Stream(NonBlocking);
    void* h = nullptr;
    cublasCreate_v2(&h);
    cublasSetStream_v2(h, s);
    float r[4] = { 2, 0, 1, 4 }, b[2] = { 4, 8 };
    float* dr = (float*)Alloc(sizeof r);
    float* db = (float*)Alloc(sizeof b);
    cuMemcpyHtoDAsync_v2(dr, r, sizeof r, s);
    cuMemcpyHtoDAsync_v2(db, b, sizeof b, s);
    float* hostA[1] = { dr };
    float* hostB[1] = { db };
    float** da = (float**)Alloc(sizeof hostA);
    float** dbArr = (float**)Alloc(sizeof hostB);
    cuMemcpyHtoDAsync_v2(da, hostA, sizeof hostA, s);
    cuMemcpyHtoDAsync_v2(dbArr, hostB, sizeof hostB, s);
    float one = 1;
    if (deviceArrays) cublasStrsmBatched(h, 0, 1, 0, 0, 2, 1, &one, da, 2, dbArr, 2, 1);
    else cublasStrsmBatched(h, 0, 1, 0, 0, 2, 1, &one, hostA, 2, hostB, 2, 1);
    cuStreamSynchronize(s);
    cuMemFree_v2(dr); cuMemFree_v2(db); cuMemFree_v2(da); cuMemFree_v2(dbArr);
    cublasDestroy_v2(h);
    cuStreamDestroy_v2(s);
}

// copy_strided_f32(CopyStridedParams<float>: const float* src, i64 srcStride, float* dst,
// i64 dstStride, int len, int count; cuda/kernel_params.cuh) on stream s: reads src (a const
// pointer), writes dst. The one kernel parameter is the struct, as the library passes it.
static void CopyKernel(void* s, void* src, void* dst, int n)
{
    static void* f = [] { void* m = nullptr; cuModuleLoadData(&m, "emulated"); void* k = nullptr; cuModuleGetFunction(&k, m, "copy_strided_f32"); return k; }();
    struct { const void* src; long long srcStride; void* dst; long long dstStride; int len; int count; } p = { src, n, dst, n, n, 1 };
    void* args[] = { &p };
    cuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, s, args, nullptr);
}

struct Case { const char* name; const char* kind; std::function<void()> bad, good; };

int main()
{
    cuInit(0);
    cuDevicePrimaryCtxRetain(&g_ctx, 0);
    cuCtxSetCurrent(g_ctx);

    std::vector<Case> cases = {
        { "free while queued work still uses the memory", "free-in-use",
          [] { void* s = Stream(NonBlocking); void* d = Alloc(256); cuMemsetD8Async(d, 0, 256, s); cuMemFree_v2(d); cuStreamDestroy_v2(s); },
          [] { void* s = Stream(NonBlocking); void* d = Alloc(256); cuMemsetD8Async(d, 0, 256, s); cuStreamSynchronize(s); cuMemFree_v2(d); cuStreamDestroy_v2(s); } },
        { "free of a pinned buffer a queued copy reads", "free-in-use",
          [] { void* s = Stream(NonBlocking); void* d = Alloc(256); void* h = nullptr; cuMemHostAlloc(&h, 256, 0); std::memset(h, 1, 256);
               cuMemcpyHtoDAsync_v2(d, h, 256, s); cuMemFreeHost(h); cuStreamSynchronize(s); cuMemFree_v2(d); cuStreamDestroy_v2(s); },
          [] { void* s = Stream(NonBlocking); void* d = Alloc(256); void* h = nullptr; cuMemHostAlloc(&h, 256, 0); std::memset(h, 1, 256);
               cuMemcpyHtoDAsync_v2(d, h, 256, s); void* e = nullptr; cuEventCreate(&e, 0); cuEventRecord(e, s); cuEventSynchronize(e);
               cuMemFreeHost(h); cuMemFree_v2(d); cuEventDestroy_v2(e); cuStreamDestroy_v2(s); } },
        { "two streams write one allocation, unordered", "race",
          [] { void* a = Stream(NonBlocking); void* b = Stream(NonBlocking); void* d = Alloc(256);
               cuMemsetD8Async(d, 1, 256, a); cuMemsetD8Async(d, 2, 256, b); cuCtxSynchronize(); cuMemFree_v2(d); cuStreamDestroy_v2(a); cuStreamDestroy_v2(b); },
          [] { void* a = Stream(NonBlocking); void* b = Stream(NonBlocking); void* d = Alloc(256); void* e = nullptr; cuEventCreate(&e, 0);
               cuMemsetD8Async(d, 1, 256, a); cuEventRecord(e, a); cuStreamWaitEvent(b, e, 0); cuMemsetD8Async(d, 2, 256, b);
               cuCtxSynchronize(); cuMemFree_v2(d); cuEventDestroy_v2(e); cuStreamDestroy_v2(a); cuStreamDestroy_v2(b); } },
        { "a non-blocking stream and the legacy stream write one allocation", "race",
          [] { void* a = Stream(NonBlocking); void* d = Alloc(256);
               cuMemsetD8Async(d, 1, 256, a); cuMemsetD8_v2(d, 2, 256); cuCtxSynchronize(); cuMemFree_v2(d); cuStreamDestroy_v2(a); },
          // A blocking stream is ordered with the legacy stream (its implicit synchronization).
          [] { void* a = Stream(0); void* d = Alloc(256);
               cuMemsetD8Async(d, 1, 256, a); cuMemsetD8_v2(d, 2, 256); cuCtxSynchronize(); cuMemFree_v2(d); cuStreamDestroy_v2(a); } },
        { "a kernel reads (const T*) what another stream writes, unordered", "race",
          [] { void* a = Stream(NonBlocking); void* b = Stream(NonBlocking); void* x = Alloc(64); void* y = Alloc(64);
               cuMemsetD8_v2(x, 0, 64); cuCtxSynchronize(); CopyKernel(a, x, y, 16); cuMemsetD8Async(x, 1, 64, b);
               cuCtxSynchronize(); cuMemFree_v2(x); cuMemFree_v2(y); cuStreamDestroy_v2(a); cuStreamDestroy_v2(b); },
          [] { void* a = Stream(NonBlocking); void* b = Stream(NonBlocking); void* x = Alloc(64); void* y = Alloc(64); void* e = nullptr; cuEventCreate(&e, 0);
               cuMemsetD8_v2(x, 0, 64); cuCtxSynchronize(); CopyKernel(a, x, y, 16); cuEventRecord(e, a); cuStreamWaitEvent(b, e, 0); cuMemsetD8Async(x, 1, 64, b);
               cuCtxSynchronize(); cuMemFree_v2(x); cuMemFree_v2(y); cuEventDestroy_v2(e); cuStreamDestroy_v2(a); cuStreamDestroy_v2(b); } },
        { "a host-side copy reads host memory a queued device-to-host copy has yet to write", "host-read-before-copy",
          [] { void* s = Stream(NonBlocking); void* d = Alloc(64); void* d2 = Alloc(64); std::vector<float> host(16);
               cuMemsetD8Async(d, 0, 64, s); cuMemcpyDtoHAsync_v2(host.data(), d, 64, s);
               bool poisoned = std::isnan(host[0]);   // undefined until the copy runs: poisoned
               cuMemcpyHtoD_v2(d2, host.data(), 64);
               cuCtxSynchronize(); cuMemFree_v2(d); cuMemFree_v2(d2); cuStreamDestroy_v2(s);
               if (!poisoned) std::printf("  (note: the host destination was not poisoned before the copy ran)\n"); },
          [] { void* s = Stream(NonBlocking); void* d = Alloc(64); void* d2 = Alloc(64); std::vector<float> host(16);
               cuMemsetD8Async(d, 0, 64, s); cuMemcpyDtoHAsync_v2(host.data(), d, 64, s); cuStreamSynchronize(s);
               cuMemcpyHtoD_v2(d2, host.data(), 64);
               cuCtxSynchronize(); cuMemFree_v2(d); cuMemFree_v2(d2); cuStreamDestroy_v2(s); } },
        { "a call leaves its own context current instead of the caller's", "context",
          [] { cuCtxSetCurrent(fakecuda_foreign_context()); fakecuda_call_begin("a call that sets its context");
               cuCtxSetCurrent(g_ctx); void* d = Alloc(64); cuMemsetD8_v2(d, 0, 64); cuCtxSynchronize(); cuMemFree_v2(d);
               fakecuda_call_end(); },
          [] { cuCtxSetCurrent(fakecuda_foreign_context()); fakecuda_call_begin("a call that pushes its context");
               cuCtxPushCurrent_v2(g_ctx); void* d = Alloc(64); cuMemsetD8_v2(d, 0, 64); cuCtxSynchronize(); cuMemFree_v2(d);
               void* popped = nullptr; cuCtxPopCurrent_v2(&popped); fakecuda_call_end(); } },
        { "library work queued while a foreign context is current", "context",
          [] { void* s = Stream(NonBlocking); void* h = nullptr; cusolverDnCreate(&h); cusolverDnSetStream(h, s);
               float* a = (float*)Alloc(16 * sizeof(float)); float* tau = (float*)Alloc(4 * sizeof(float)); int* info = (int*)Alloc(4);
               cuMemsetD8Async(a, 0, 16 * sizeof(float), s); int lw = 0; cusolverDnSgeqrf_bufferSize(h, 4, 4, a, 4, &lw);
               float* w = (float*)Alloc(lw * sizeof(float));
               cuCtxSetCurrent(fakecuda_foreign_context());
               cusolverDnSgeqrf(h, 4, 4, a, 4, tau, w, lw, info);
               cuCtxSetCurrent(g_ctx); cuStreamSynchronize(s);
               cuMemFree_v2(a); cuMemFree_v2(tau); cuMemFree_v2(info); cuMemFree_v2(w); cusolverDnDestroy(h); cuStreamDestroy_v2(s); },
          [] { void* s = Stream(NonBlocking); void* h = nullptr; cusolverDnCreate(&h); cusolverDnSetStream(h, s);
               float* a = (float*)Alloc(16 * sizeof(float)); float* tau = (float*)Alloc(4 * sizeof(float)); int* info = (int*)Alloc(4);
               cuMemsetD8Async(a, 0, 16 * sizeof(float), s); int lw = 0; cusolverDnSgeqrf_bufferSize(h, 4, 4, a, 4, &lw);
               float* w = (float*)Alloc(lw * sizeof(float));
               cuCtxSetCurrent(fakecuda_foreign_context());
               cuCtxPushCurrent_v2(g_ctx); cusolverDnSgeqrf(h, 4, 4, a, 4, tau, w, lw, info); void* p = nullptr; cuCtxPopCurrent_v2(&p);
               cuCtxSetCurrent(g_ctx); cuStreamSynchronize(s);
               cuMemFree_v2(a); cuMemFree_v2(tau); cuMemFree_v2(info); cuMemFree_v2(w); cusolverDnDestroy(h); cuStreamDestroy_v2(s); } },
        { "device memory read before it was written", "uninitialized",
          [] { void* d = Alloc(64); std::vector<char> host(64); cuMemcpyDtoH_v2(host.data(), d, 64); cuMemFree_v2(d); },
          [] { void* d = Alloc(64); std::vector<char> host(64); cuMemsetD8_v2(d, 0, 64); cuMemcpyDtoH_v2(host.data(), d, 64); cuMemFree_v2(d); } },
        { "a kernel reads (const T*) memory never written", "uninitialized",
          [] { void* s = Stream(NonBlocking); void* x = Alloc(64); void* y = Alloc(64); CopyKernel(s, x, y, 16); cuStreamSynchronize(s);
               cuMemFree_v2(x); cuMemFree_v2(y); cuStreamDestroy_v2(s); },
          [] { void* s = Stream(NonBlocking); void* x = Alloc(64); void* y = Alloc(64); cuMemsetD8Async(x, 0, 64, s); CopyKernel(s, x, y, 16); cuStreamSynchronize(s);
               cuMemFree_v2(x); cuMemFree_v2(y); cuStreamDestroy_v2(s); } },
        { "cublasStrsmBatched with host-resident pointer arrays", "contract",
          [] { Trsm(false); },
          [] { Trsm(true); } },
        { "cusolverDnSgeqrf with a workspace smaller than its _bufferSize", "contract",
          [] { void* s = Stream(NonBlocking); void* h = nullptr; cusolverDnCreate(&h); cusolverDnSetStream(h, s);
               float* a = (float*)Alloc(16 * sizeof(float)); float* tau = (float*)Alloc(4 * sizeof(float)); int* info = (int*)Alloc(4);
               cuMemsetD8Async(a, 0, 16 * sizeof(float), s); int lw = 0; cusolverDnSgeqrf_bufferSize(h, 4, 4, a, 4, &lw);
               float* w = (float*)Alloc(sizeof(float));
               cusolverDnSgeqrf(h, 4, 4, a, 4, tau, w, 1, info); cuStreamSynchronize(s);
               cuMemFree_v2(a); cuMemFree_v2(tau); cuMemFree_v2(info); cuMemFree_v2(w); cusolverDnDestroy(h); cuStreamDestroy_v2(s); },
          [] { void* s = Stream(NonBlocking); void* h = nullptr; cusolverDnCreate(&h); cusolverDnSetStream(h, s);
               float* a = (float*)Alloc(16 * sizeof(float)); float* tau = (float*)Alloc(4 * sizeof(float)); int* info = (int*)Alloc(4);
               cuMemsetD8Async(a, 0, 16 * sizeof(float), s); int lw = 0; cusolverDnSgeqrf_bufferSize(h, 4, 4, a, 4, &lw);
               float* w = (float*)Alloc(lw * sizeof(float));
               cusolverDnSgeqrf(h, 4, 4, a, 4, tau, w, lw, info); cuStreamSynchronize(s);
               cuMemFree_v2(a); cuMemFree_v2(tau); cuMemFree_v2(info); cuMemFree_v2(w); cusolverDnDestroy(h); cuStreamDestroy_v2(s); } },
    };

    int caught = 0, flagged = 0;
    for (const Case& c : cases)
    {
        std::string bad = Run(c.bad);
        bool hit = bad.find(std::string(c.kind) + ":") != std::string::npos;
        caught += hit ? 1 : 0;
        std::printf("  %s  %-13s %s\n", hit ? "caught " : "MISSED ", c.kind, c.name);
        if (!hit && !bad.empty()) std::printf("           (reported as another class: %s)\n", bad.c_str());
        std::string good = Run(c.good);
        if (!good.empty())
        {
            flagged++;
            std::printf("  FLAGGED its ordered twin:\n%s", good.c_str());
        }
    }
    std::printf("hazard self-test: %d of %zu known-bad sequences detected\n", caught, cases.size());
    if (flagged > 0) std::printf("hazard self-test: %d known-good sequences flagged\n", flagged);
    return caught == (int)cases.size() && flagged == 0 ? 0 : 1;
}
