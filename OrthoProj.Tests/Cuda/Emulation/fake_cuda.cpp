// A host emulation of the parts of the CUDA driver, cuBLAS and cuSOLVER that OrthoProj's CUDA
// backend calls, for running the CUDA conformance suite on a machine without a GPU. "Device"
// memory is host memory, kernel launches run the kernels of cuda/orthoproj_kernels.cu compiled as
// host C++ (one thread after another), cuBLAS is naive loops (libraries.cpp) and cuSOLVER is
// reference LAPACK. Streams are queues run later in an order a seeded scheduler picks among those
// CUDA allows (scheduler.cpp), and ordering, lifetime, initialization, context and API-contract
// hazards are reported (hazards.cpp); FAKECUDA_MODE=sync runs every call to completion instead.
// It checks the backend's orchestration, not NVIDIA's libraries. Built by scripts/gpu-check.sh
// build-emulation; never shipped. This file: the kernels on the host and the driver entry points.
//
// The fused warp-per-matrix kernels of cuda/fused_qr.cu need the 32 lanes of a warp to exchange
// values (shuffle reductions, broadcasts): they run warp by warp, each warp's 32 lanes as 32
// cooperative fibers meeting at a barrier inside the warp helpers, which this file supplies in
// place of fused_common.cuh's __shfl_*_sync versions (same butterfly order, so the same rounding).
#include "emulation.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <type_traits>
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
using std::hypot;
static int atomicMax(int* p, int v) { int old = *p; if (v > old) *p = v; return old; }

typedef std::function<void(void**)> Invoker;
// A kernel and what its C++ signature says about its parameters: each one's size (to copy the
// argument values at launch, as cuLaunchKernel does) and, for pointers, whether the kernel may
// write through it (T*: read and write) or only read (const T*).
enum ParamKind { Value, ReadPointer, WritePointer };
struct Kernel
{
    std::string name;
    Invoker invoke;
    std::vector<size_t> sizes;
    std::vector<ParamKind> kinds;
    // The pointer fields of the kernel's parameter struct (cuda/kernel_params.cuh), read from the
    // copied argument: (address, written), for the hazard checks.
    std::function<void(const void*, std::vector<std::pair<void*, bool>>&)> pointers;
    bool warp = false;
};
template <class P> static ParamKind KindOf()
{
    if constexpr (std::is_pointer_v<P>) return std::is_const_v<std::remove_pointer_t<P>> ? ReadPointer : WritePointer;
    else return Value;
}
static std::map<std::string, Kernel>& Kernels() { static std::map<std::string, Kernel> k; return k; }
template <class... A, size_t... I>
static void InvokeWith(void (*f)(A...), void** args, std::index_sequence<I...>) { f(*static_cast<A*>(args[I])...); }
template <class... A>
static Kernel MakeInvoker(void (*f)(A...))
{
    Kernel k;
    k.invoke = [f](void** a) { InvokeWith(f, a, std::index_sequence_for<A...>{}); };
    k.sizes = { sizeof(A)... };
    k.kinds = { KindOf<A>()... };
    return k;
}
struct Registrar { Registrar(const char* name, Kernel k) { k.name = name; Kernels()[name] = std::move(k); } };
// Every kernel takes one struct (cuda/kernel_params.cuh); its Name_FIELDS list names the pointer
// fields, const T* read and T* read and written, as the separate parameters did before.
template <class P> static void PointerField(const P& value, std::vector<std::pair<void*, bool>>& out)
{
    if constexpr (std::is_pointer_v<P>) out.emplace_back((void*)value, !std::is_const_v<std::remove_pointer_t<P>>);
}
#define EMU_POINTER(type, name) PointerField<type>(p.name, out);
#define EMU_POINTERS(Type, Name, T) \
    [](const void* a, std::vector<std::pair<void*, bool>>& out) { const Type& p = *static_cast<const Type*>(a); (void)p; (void)out; Name##_FIELDS(T, EMU_POINTER) }
#define EMU_POINTERS_OF(Params, T) EMU_POINTERS(Params<T>, Params, T)
template <class P> static Kernel WithPointers(Kernel k, std::function<void(const void*, std::vector<std::pair<void*, bool>>&)> f) { k.pointers = std::move(f); return k; }

#include "orthoproj_common.cuh"
#include "kernel_params.cuh"
#undef OP_INSTANTIATE
#undef OP_INSTANTIATE_UNTYPED
#define OP_INSTANTIATE(name, Params) \
    extern "C" void name##_f32(const Params<float> p) { OP_CALL_FIELDS((name##_impl<float>), Params, float); } \
    extern "C" void name##_f64(const Params<double> p) { OP_CALL_FIELDS((name##_impl<double>), Params, double); } \
    static Registrar reg32_##name(#name "_f32", WithPointers<Params<float>>(MakeInvoker(&name##_f32), EMU_POINTERS_OF(Params, float))); \
    static Registrar reg64_##name(#name "_f64", WithPointers<Params<double>>(MakeInvoker(&name##_f64), EMU_POINTERS_OF(Params, double)));
#define OP_INSTANTIATE_UNTYPED(name, Params) \
    extern "C" void name(const Params p) { OP_CALL_FIELDS(name##_impl, Params, void); } \
    static Registrar reg_##name(#name, WithPointers<Params>(MakeInvoker(&name), EMU_POINTERS(Params, Params, void)));
#undef OP_INSTANTIATE_COMPLEX
// The complex entries (name_c64, name_c128) over the kernels' own op_c64 / op_c128, beside the real ones.
#define OP_INSTANTIATE_COMPLEX(name, Params) \
    OP_INSTANTIATE(name, Params) \
    extern "C" void name##_c64(const Params<op_c64> p) { OP_CALL_FIELDS((name##_impl<op_c64>), Params, op_c64); } \
    extern "C" void name##_c128(const Params<op_c128> p) { OP_CALL_FIELDS((name##_impl<op_c128>), Params, op_c128); } \
    static Registrar regc64_##name(#name "_c64", WithPointers<Params<op_c64>>(MakeInvoker(&name##_c64), EMU_POINTERS_OF(Params, op_c64))); \
    static Registrar regc128_##name(#name "_c128", WithPointers<Params<op_c128>>(MakeInvoker(&name##_c128), EMU_POINTERS_OF(Params, op_c128)));
#include "orthoproj_kernels.cu"

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
struct WarpRegistrar { WarpRegistrar(const char* name, Kernel k) { k.name = name; k.warp = true; Kernels()[name] = std::move(k); } };

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
#define FUSED_INSTANTIATE_N(name, N, Params) \
    extern "C" void name##_n##N##_f32(const Params<float> p) { OP_CALL_FIELDS((name##_impl<float, N>), Params, float); } \
    extern "C" void name##_n##N##_f64(const Params<double> p) { OP_CALL_FIELDS((name##_impl<double, N>), Params, double); } \
    static WarpRegistrar reg32_##name##N(#name "_n" #N "_f32", WithPointers<Params<float>>(MakeInvoker(&name##_n##N##_f32), EMU_POINTERS_OF(Params, float))); \
    static WarpRegistrar reg64_##name##N(#name "_n" #N "_f64", WithPointers<Params<double>>(MakeInvoker(&name##_n##N##_f64), EMU_POINTERS_OF(Params, double)));
#define FUSED_INSTANTIATE(name, Params) \
    FUSED_INSTANTIATE_N(name, 16, Params) \
    FUSED_INSTANTIATE_N(name, 32, Params)
#include "fused_qr.cu"


using namespace emu;

// ------------------------------------------------------------------ counters
// What a GPU run cannot show without a profiler, counted for the steady-state report of
// OrthoProj.Tests/Cuda/SteadyStateCountTests.cs: device allocations and frees (cuMemAlloc, the
// pool's cuMemAllocAsync), host synchronizations (stream, context and event waits, blocking
// device-to-host copies), cuBLAS/cuSOLVER calls (every entry point but handle set-up), kernel
// launches and context switches. libcuda.so.1, libcublas.so.11 and libcusolver.so.11 are links to
// one file, so the loader maps it once and one set of counters sees every call.
namespace emu { Counters g_count; }
EXPORT void fakecuda_counters(long long* out)
{
    out[0] = g_count.allocs; out[1] = g_count.frees; out[2] = g_count.syncs;
    out[3] = g_count.library; out[4] = g_count.launches; out[5] = g_count.contextSets;
}
// Devices the emulation exposes: FAKECUDA_DEVICES (default 1), all sharing host memory.
static int DeviceCount() { const char* v = std::getenv("FAKECUDA_DEVICES"); int n = v ? std::atoi(v) : 1; return n < 1 ? 1 : n; }

// A made-up context that is not OrthoProj's (a caller's own): cuCtxSetCurrent/cuCtxPushCurrent_v2
// accept it, so a test can make it current, call the backend, and check that it is current again.
EXPORT void* fakecuda_foreign_context() { Api api("fakecuda_foreign_context"); return ForeignContext()->handle; }
// Brackets around one call of the code under test: fakecuda_call_end records a "context" hazard
// when the current context differs from the one fakecuda_call_begin found (the call replaced the
// caller's context and did not restore it). Nested brackets pair up per thread.
static thread_local std::vector<std::pair<Context*, std::string>> t_calls;
EXPORT void fakecuda_call_begin(const char* what) { Api api("fakecuda_call_begin"); t_calls.emplace_back(CurrentContext(), what ? what : "a call"); }
EXPORT void fakecuda_call_end()
{
    Api api("fakecuda_call_end");
    if (t_calls.empty()) return;
    auto [found, what] = t_calls.back();
    t_calls.pop_back();
    Context* now = CurrentContext();
    if (now != found)
        Hazard("context", what + " left context " + Hex(now ? now->handle : nullptr) + " current; it found " + Hex(found ? found->handle : nullptr) +
               " current and did not restore it");
}
// Runs all queued work now without synchronizing the host with it (no ordering is implied), so that
// a test's leftover work reports its hazards before the test ends (OrthoProj.Tests' EmulationHazards).
EXPORT void fakecuda_drain() { Api api("fakecuda_drain"); DrainAll(); }
// Whether the emulation runs streams asynchronously (1) or every call to completion (0).
EXPORT int fakecuda_async() { return AsyncMode() ? 1 : 0; }

// ------------------------------------------------------------------ driver: devices and contexts
EXPORT int cuInit(unsigned) { Api api("cuInit"); return 0; }
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
EXPORT int cuDevicePrimaryCtxRetain(void** ctx, int dev) { Api api("cuDevicePrimaryCtxRetain"); *ctx = PrimaryContext(dev)->handle; return 0; }
EXPORT int cuDevicePrimaryCtxRelease_v2(int) { return 0; }
EXPORT int cuCtxSetCurrent(void* c) { Api api("cuCtxSetCurrent"); ++g_count.contextSets; SetCurrent(FromHandle(c)); return 0; }
EXPORT int cuCtxGetCurrent(void** c) { Api api("cuCtxGetCurrent"); Context* x = CurrentContext(); *c = x ? x->handle : nullptr; return 0; }
static thread_local std::vector<Context*> t_contextStack;   // what cuCtxPushCurrent replaced
EXPORT int cuCtxPushCurrent_v2(void* c)
{
    Api api("cuCtxPushCurrent_v2");
    ++g_count.contextSets;
    t_contextStack.push_back(CurrentContext());
    SetCurrent(FromHandle(c));
    return 0;
}
EXPORT int cuCtxPopCurrent_v2(void** c)
{
    Api api("cuCtxPopCurrent_v2");
    if (t_contextStack.empty()) return 201;   // CUDA_ERROR_INVALID_CONTEXT
    ++g_count.contextSets;
    if (c) { Context* x = CurrentContext(); *c = x ? x->handle : nullptr; }
    SetCurrent(t_contextStack.back());
    t_contextStack.pop_back();
    return 0;
}
EXPORT int cuCtxSynchronize()
{
    Api api("cuCtxSynchronize");
    ++g_count.syncs;
    if (CurrentContext() == nullptr) return 201;
    return SyncContext(CurrentContext());
}
EXPORT int cuGetErrorName(int, const char** s) { *s = "CUDA_ERROR_EMULATED"; return 0; }

// ------------------------------------------------------------------ driver: memory
EXPORT int cuMemAlloc_v2(void** p, size_t bytes)
{
    // Poison new memory with NaN bytes (0xFF...) so that reading what was never written shows up.
    Api api("cuMemAlloc_v2");
    ++g_count.allocs;
    if (CurrentContext() == nullptr) return 201;
    *p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (*p == nullptr) return 2;
    std::memset(*p, 0xFF, bytes);
    NewAlloc(*p, bytes, false, "cuMemAlloc_v2");
    return 0;
}
EXPORT int cuMemFree_v2(void* p)
{
    Api api("cuMemFree_v2");
    ++g_count.frees;
    if (p == nullptr) return 0;
    Alloc* a = FindAlloc(p);
    if (a == nullptr || a->base != (uintptr_t)p || a->pinned) return 1;   // CUDA_ERROR_INVALID_VALUE
    FreeAlloc(a, "cuMemFree_v2");
    return 0;
}
EXPORT int cuMemHostAlloc(void** p, size_t bytes, unsigned)
{
    Api api("cuMemHostAlloc");
    *p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (*p == nullptr) return 2;
    NewAlloc(*p, bytes, true, "cuMemHostAlloc");
    return 0;
}
EXPORT int cuMemFreeHost(void* p)
{
    Api api("cuMemFreeHost");
    Alloc* a = FindAlloc(p);
    if (a == nullptr || a->base != (uintptr_t)p || !a->pinned) return 1;
    FreeAlloc(a, "cuMemFreeHost");
    return 0;
}

static bool Pinned(const void* p) { Alloc* a = FindAlloc(p); return a != nullptr && a->pinned; }
static Stream* Legacy() { return ResolveStream(nullptr, CurrentContext()); }

// Host-to-device. From pageable memory the source is read when the call is made (the driver
// stages it: "The function will return once the pageable buffer has been copied to the staging
// memory for DMA transfer to device memory, but the DMA to final destination may not have
// completed"); from pinned memory the queued copy reads it when it runs.
static int HtoD(const char* call, void* d, const void* s, size_t n, Stream* stream, bool hostSynchronous)
{
    if (stream == nullptr) return CurrentContext() == nullptr ? 201 : 400;
    std::shared_ptr<Op> op;
    if (Pinned(s))
    {
        // The pinned source is one of the op's known accesses, so freeing it early is caught at the free.
        op = Enqueue(stream, call, { Access{ s, n, true, false, false }, Access{ d, n, false, true, false } }, [d, s, n](Op&) {
            std::memcpy(d, s, n);
            return 0;
        }, false);
    }
    else
    {
        TouchHost(0, HostAccessEpoch(), HostClock(), call, s, n, true, false);
        auto staged = std::make_shared<std::vector<char>>((const char*)s, (const char*)s + n);
        op = Enqueue(stream, call, { Access{ d, n, false, true, false } }, [d, staged](Op&) { std::memcpy(d, staged->data(), staged->size()); return 0; }, false);
    }
    // "For transfers from pinned host memory to device memory, the function is synchronous with
    // respect to the host" (the synchronous form only).
    if (hostSynchronous && Pinned(s)) { RunUntilDone(op); HostJoin(op->clock); }
    return 0;
}
// Device-to-host. The host destination is undefined until the copy runs: poisoned at once, so a
// host read that comes too early sees NaN, and written by the queued op.
static std::shared_ptr<Op> DtoH(const char* call, void* d, const void* s, size_t n, Stream* stream)
{
    std::memset(d, 0xFF, n);
    bool pinned = Pinned(d);
    std::vector<Access> known = { Access{ s, n, true, false, true } };
    if (pinned) known.push_back(Access{ d, n, false, true, false });
    return Enqueue(stream, call, std::move(known), [d, s, n, pinned](Op& self) {
        if (!pinned) TouchHost(self.stream->id, self.epoch, self.clock, self.what, d, n, false, true);
        std::memcpy(d, s, n);
        return 0;
    }, false);
}
static int DtoD(const char* call, void* d, const void* s, size_t n, Stream* stream)
{
    if (stream == nullptr) return CurrentContext() == nullptr ? 201 : 400;
    // Uninitialized bytes are copied as such: the shadow of the source goes to the destination.
    Enqueue(stream, call, { Access{ s, n, true, false, false }, Access{ d, n, false, true, false } }, [d, s, n](Op&) {
        std::memmove(d, s, n);
        CopyShadow(d, s, n);
        return 0;
    }, false);
    return 0;
}
static int Memset(const char* call, void* d, unsigned char c, size_t n, Stream* stream)
{
    if (stream == nullptr) return CurrentContext() == nullptr ? 201 : 400;
    Enqueue(stream, call, { Access{ d, n, false, true, false } }, [d, c, n](Op&) { std::memset(d, c, n); return 0; }, false);
    return 0;
}

// Synchronous forms: queued on the legacy default stream of the current context (which waits for
// the context's blocking streams, not for its non-blocking ones).
EXPORT int cuMemcpyHtoD_v2(void* d, const void* s, size_t n) { Api api("cuMemcpyHtoD_v2"); return HtoD("cuMemcpyHtoD_v2", d, s, n, Legacy(), true); }
EXPORT int cuMemcpyDtoH_v2(void* d, const void* s, size_t n)
{
    // "For transfers from device to either pageable or pinned host memory, the function returns
    // only once the copy has completed": the host is ordered after the copy (and what it waited for).
    Api api("cuMemcpyDtoH_v2");
    ++g_count.syncs;
    Stream* l = Legacy();
    if (l == nullptr) return 201;
    auto op = DtoH("cuMemcpyDtoH_v2", d, s, n, l);
    RunUntilDone(op);
    HostJoin(op->clock);
    return TakeStickyError();
}
EXPORT int cuMemcpyDtoD_v2(void* d, const void* s, size_t n) { Api api("cuMemcpyDtoD_v2"); return DtoD("cuMemcpyDtoD_v2", d, s, n, Legacy()); }
// "The synchronous memset functions are asynchronous with respect to the host except when the
// target is pinned host memory or a Unified Memory region".
EXPORT int cuMemsetD8_v2(void* d, unsigned char c, size_t n) { Api api("cuMemsetD8_v2"); return Memset("cuMemsetD8_v2", d, c, n, Legacy()); }
EXPORT int cuMemcpyHtoDAsync_v2(void* d, const void* s, size_t n, void* h)
{ Api api("cuMemcpyHtoDAsync_v2"); return HtoD("cuMemcpyHtoDAsync_v2", d, s, n, ResolveStream(h, CurrentContext()), false); }
EXPORT int cuMemcpyDtoHAsync_v2(void* d, const void* s, size_t n, void* h)
{
    Api api("cuMemcpyDtoHAsync_v2");
    Stream* stream = ResolveStream(h, CurrentContext());
    if (stream == nullptr) return CurrentContext() == nullptr ? 201 : 400;
    DtoH("cuMemcpyDtoHAsync_v2", d, s, n, stream);
    return 0;
}
EXPORT int cuMemcpyDtoDAsync_v2(void* d, const void* s, size_t n, void* h) { Api api("cuMemcpyDtoDAsync_v2"); return DtoD("cuMemcpyDtoDAsync_v2", d, s, n, ResolveStream(h, CurrentContext())); }
EXPORT int cuMemsetD8Async(void* d, unsigned char c, size_t n, void* h) { Api api("cuMemsetD8Async"); return Memset("cuMemsetD8Async", d, c, n, ResolveStream(h, CurrentContext())); }

// ------------------------------------------------------------------ driver: streams and events
EXPORT int cuStreamCreate(void** s, unsigned flags)
{
    Api api("cuStreamCreate");
    if (CurrentContext() == nullptr) return 201;
    *s = CreateStream(CurrentContext(), (flags & 1u) == 0);   // CU_STREAM_NON_BLOCKING = 1
    return 0;
}
EXPORT int cuStreamDestroy_v2(void* s) { Api api("cuStreamDestroy_v2"); if (!IsStream(s)) return 400; DestroyStream((Stream*)s); return 0; }
EXPORT int cuStreamSynchronize(void* h)
{
    Api api("cuStreamSynchronize");
    ++g_count.syncs;
    Stream* s = ResolveStream(h, CurrentContext());
    if (s == nullptr) return 400;   // CUDA_ERROR_INVALID_HANDLE
    return SyncStream(s);
}
EXPORT int cuEventCreate(void** e, unsigned)
{
    Api api("cuEventCreate");
    Event* ev = new Event();
    ev->ctx = CurrentContext();
    RegisterEvent(ev);
    *e = ev;
    return 0;
}
EXPORT int cuEventRecord(void* e, void* h)
{
    Api api("cuEventRecord");
    Stream* s = ResolveStream(h, CurrentContext());
    if (s == nullptr) return 400;
    // cuEventRecord: "hEvent and hStream must be from the same context otherwise
    // CUDA_ERROR_INVALID_HANDLE is returned."
    Event* ev = (Event*)e;
    if (ev->ctx != nullptr && !Contract(ev->ctx == s->ctx, "cuEventRecord", "the event (created in context " + Hex(ev->ctx->handle) + ") and " + s->name +
                                        " (context " + Hex(s->ctx->handle) + ") must be from the same context"))
        return 400;
    RecordEvent(ev, s);
    return 0;
}
EXPORT int cuEventSynchronize(void* e)
{
    Api api("cuEventSynchronize");
    ++g_count.syncs;
    Event* ev = (Event*)e;
    if (ev->marker) RunUntilDone(ev->marker);
    HostJoin(ev->clock);
    return TakeStickyError();
}
EXPORT int cuEventQuery(void* e)
{
    Api api("cuEventQuery");
    Event* ev = (Event*)e;
    if (ev->marker && !ev->marker->done) return 600;   // CUDA_ERROR_NOT_READY
    HostJoin(ev->clock);
    return 0;
}
EXPORT int cuStreamWaitEvent(void* h, void* e, unsigned)
{
    Api api("cuStreamWaitEvent");
    Stream* s = ResolveStream(h, CurrentContext());
    if (s == nullptr) return 400;
    WaitEvent(s, (Event*)e);
    return 0;
}
EXPORT int cuEventElapsedTime(float* ms, void* a, void* b)
{
    Api api("cuEventElapsedTime");
    Event* x = (Event*)a;
    Event* y = (Event*)b;
    if ((x->marker && !x->marker->done) || (y->marker && !y->marker->done)) return 600;   // not yet completed
    *ms = 0;
    return 0;
}
EXPORT int cuEventDestroy_v2(void* e) { Api api("cuEventDestroy_v2"); UnregisterEvent((Event*)e); delete (Event*)e; return 0; }

// ------------------------------------------------------------------ driver: modules and launches
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

// Runs a launch: every block's threads one after another, or a fused kernel warp by warp.
static int RunKernel(Kernel& kernel, unsigned gx, unsigned bx, void** args)
{
    gridDim.x = gx; blockDim.x = bx;
    if (kernel.warp)
    {
        // A fused kernel: each warp's 32 lanes run together as fibers (they meet in the warp
        // helpers), warp after warp; warps of one block never wait for each other (no __syncthreads).
        static std::mutex serial;                     // one exchange area: one fused launch at a time
        std::lock_guard<std::mutex> hold(serial);
        for (unsigned b = 0; b < gx; b++)
            for (unsigned w = 0; w < bx / 32; w++)
                if (!RunWarp(kernel.invoke, args, b, w)) return 719;   // CUDA_ERROR_LAUNCH_FAILED
        return 0;
    }
    for (unsigned b = 0; b < gx; b++)
        for (unsigned t = 0; t < bx; t++)
        {
            blockIdx.x = b; threadIdx.x = t;
            kernel.invoke(args);
        }
    return 0;
}

EXPORT int cuLaunchKernel(void* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned, void* h, void** args, void**)
{
    Api api("cuLaunchKernel");
    ++g_count.launches;
    if (gy != 1 || gz != 1 || by != 1 || bz != 1) return 1;
    Kernel& kernel = *static_cast<Kernel*>(f);
    if (kernel.warp && bx % 32 != 0) return 1;
    Stream* s = ResolveStream(h, CurrentContext());
    if (s == nullptr) return CurrentContext() == nullptr ? 201 : 400;
    // cuLaunchKernel copies the argument values when it is called ("kernelParams ... the
    // parameters are copied"): the caller may reuse its argument array at once.
    size_t total = 0;
    std::vector<size_t> offsets;
    for (size_t sz : kernel.sizes) { total = (total + 15) / 16 * 16; offsets.push_back(total); total += sz; }
    auto storage = std::make_shared<std::vector<char>>(total + 16);
    std::vector<Access> accesses;
    for (size_t i = 0; i < kernel.sizes.size(); i++)
    {
        std::memcpy(storage->data() + offsets[i], args[i], kernel.sizes[i]);
        if (kernel.pointers)
        {
            // The parameter struct's pointer fields, as the kernel's separate pointers were.
            std::vector<std::pair<void*, bool>> fields;
            kernel.pointers(storage->data() + offsets[i], fields);
            for (auto& [p, write] : fields)
            {
                if (p != nullptr) accesses.push_back(Access{ p, 0, true, write, !write });
            }
            continue;
        }
        if (kernel.kinds[i] == Value) continue;
        void* p = *static_cast<void**>(args[i]);
        if (p == nullptr) continue;
        // A pointer covers the rest of the allocation it points into (the kernel's extent is not
        // known): read for const T*, read and write for T* (never judged for initialization).
        bool write = kernel.kinds[i] == WritePointer;
        accesses.push_back(Access{ p, 0, true, write, !write });
    }
    std::string what = "cuLaunchKernel(" + kernel.name + ")";
    Enqueue(s, what, std::move(accesses), [&kernel, storage, offsets, gx, bx](Op&) {
        std::vector<void*> ptrs;
        for (size_t o : offsets) ptrs.push_back(storage->data() + o);
        return RunKernel(kernel, gx, bx, ptrs.data());
    }, true);
    return AsyncMode() ? 0 : TakeStickyError();   // synchronous mode: a failed launch fails the call, as before
}
