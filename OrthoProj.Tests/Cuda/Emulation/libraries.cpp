// cuBLAS (naive column-major loops) and cuSOLVER (reference LAPACK) of the host emulation.
//
// Each call runs on the stream set on its handle (cublasSetStream_v2, cusolverDnSetStream; the
// legacy default stream when none was set), queued like a kernel: scalars such as alpha and beta
// are read when the call is made (OrthoProj uses the host pointer mode), everything in device
// memory when the op runs. Argument errors are reported at call time, as the libraries do.
// cublas<t>geqrfBatched's info is a host int for argument errors (written at call time);
// cuSOLVER's devInfo is device memory, written by the queued op.
//
// The API contracts OrthoProj relies on are checked here (Contract: a "contract" hazard naming the
// call), each beside NVIDIA's wording.
#include "emulation.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>

using namespace emu;

// The complex forms (C, Z) run the same loops over std::complex, which has the layout of cuComplex
// and cuDoubleComplex (two reals, the real part first). op: 0 N, 1 T, 2 C (CUBLAS_OP_C, the
// conjugate transpose).
typedef std::complex<float> c64;
typedef std::complex<double> c128;
template <typename T> static T Cj(T x) { return x; }
template <typename R> static std::complex<R> Cj(std::complex<R> x) { return std::conj(x); }

template <typename T>
static T At(const T* a, int ld, int op, int i, int j) { return op == 0 ? a[i + (int64_t)j * ld] : op == 1 ? a[j + (int64_t)i * ld] : Cj(a[j + (int64_t)i * ld]); }

template <typename T>
static int Gemm(int ta, int tb, int m, int n, int k, const T* alpha, const T* a, int lda, int64_t sa, const T* b, int ldb, int64_t sb, const T* beta, T* c, int ldc, int64_t sc, int count)
{
    for (int p = 0; p < count; p++)
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++)
            {
                T sum = 0;
                for (int l = 0; l < k; l++) sum += At(a + p * sa, lda, ta, i, l) * At(b + p * sb, ldb, tb, l, j);
                T* cij = c + p * sc + i + (int64_t)j * ldc;
                *cij = *beta == (T)0 ? *alpha * sum : *alpha * sum + *beta * *cij;
            }
    return 0;
}
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
        auto R = [&](int i, int j) { return At(r, ldr, trans, i, j); }; // op(R)(i, j)
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
extern "C" {
void sgeqrf_(int*, int*, float*, int*, float*, float*, int*, int*);
void dgeqrf_(int*, int*, double*, int*, double*, double*, int*, int*);
void sorgqr_(int*, int*, int*, float*, int*, float*, float*, int*, int*);
void dorgqr_(int*, int*, int*, double*, int*, double*, double*, int*, int*);
void sormqr_(const char*, const char*, int*, int*, int*, float*, int*, float*, float*, int*, float*, int*, int*);
void dormqr_(const char*, const char*, int*, int*, int*, double*, int*, double*, double*, int*, double*, int*, int*);
void sgesvd_(const char*, const char*, int*, int*, float*, int*, float*, float*, int*, float*, int*, float*, int*, int*);
void dgesvd_(const char*, const char*, int*, int*, double*, int*, double*, double*, int*, double*, int*, double*, int*, int*);
void cgeqrf_(int*, int*, c64*, int*, c64*, c64*, int*, int*);
void zgeqrf_(int*, int*, c128*, int*, c128*, c128*, int*, int*);
void cungqr_(int*, int*, int*, c64*, int*, c64*, c64*, int*, int*);
void zungqr_(int*, int*, int*, c128*, int*, c128*, c128*, int*, int*);
void cunmqr_(const char*, const char*, int*, int*, int*, c64*, int*, c64*, c64*, int*, c64*, int*, int*);
void zunmqr_(const char*, const char*, int*, int*, int*, c128*, int*, c128*, c128*, int*, c128*, int*, int*);
void cgesvd_(const char*, const char*, int*, int*, c64*, int*, float*, c64*, int*, c64*, int*, c64*, int*, float*, int*);
void zgesvd_(const char*, const char*, int*, int*, c128*, int*, double*, c128*, int*, c128*, int*, c128*, int*, double*, int*);
}
static void lapack(int m, int n, float* a, int lda, float* tau, int* info) { std::vector<float> w(64 * (n + 1)); int lw = (int)w.size(); sgeqrf_(&m, &n, a, &lda, tau, w.data(), &lw, info); }
static void lapack(int m, int n, double* a, int lda, double* tau, int* info) { std::vector<double> w(64 * (n + 1)); int lw = (int)w.size(); dgeqrf_(&m, &n, a, &lda, tau, w.data(), &lw, info); }
static void orgqr(int m, int n, int k, float* a, int lda, float* tau, int* info) { std::vector<float> w(64 * (n + 1)); int lw = (int)w.size(); sorgqr_(&m, &n, &k, a, &lda, tau, w.data(), &lw, info); }
static void orgqr(int m, int n, int k, double* a, int lda, double* tau, int* info) { std::vector<double> w(64 * (n + 1)); int lw = (int)w.size(); dorgqr_(&m, &n, &k, a, &lda, tau, w.data(), &lw, info); }
static void lapack(int m, int n, c64* a, int lda, c64* tau, int* info) { std::vector<c64> w(64 * (n + 1)); int lw = (int)w.size(); cgeqrf_(&m, &n, a, &lda, tau, w.data(), &lw, info); }
static void lapack(int m, int n, c128* a, int lda, c128* tau, int* info) { std::vector<c128> w(64 * (n + 1)); int lw = (int)w.size(); zgeqrf_(&m, &n, a, &lda, tau, w.data(), &lw, info); }
static void orgqr(int m, int n, int k, c64* a, int lda, c64* tau, int* info) { std::vector<c64> w(64 * (n + 1)); int lw = (int)w.size(); cungqr_(&m, &n, &k, a, &lda, tau, w.data(), &lw, info); }
static void orgqr(int m, int n, int k, c128* a, int lda, c128* tau, int* info) { std::vector<c128> w(64 * (n + 1)); int lw = (int)w.size(); zungqr_(&m, &n, &k, a, &lda, tau, w.data(), &lw, info); }
static void gesvd(const char* ju, const char* jv, int m, int n, c64* a, int lda, float* s, c64* u, int ldu, c64* vt, int ldvt, int* info)
{ c64 q; int lw = -1; std::vector<float> rw(5 * (size_t)std::max(1, std::min(m, n))); cgesvd_(ju, jv, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, &q, &lw, rw.data(), info); std::vector<c64> w((size_t)q.real() + 1); lw = (int)w.size(); cgesvd_(ju, jv, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, w.data(), &lw, rw.data(), info); }
static void gesvd(const char* ju, const char* jv, int m, int n, c128* a, int lda, double* s, c128* u, int ldu, c128* vt, int ldvt, int* info)
{ c128 q; int lw = -1; std::vector<double> rw(5 * (size_t)std::max(1, std::min(m, n))); zgesvd_(ju, jv, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, &q, &lw, rw.data(), info); std::vector<c128> w((size_t)q.real() + 1); lw = (int)w.size(); zgesvd_(ju, jv, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, w.data(), &lw, rw.data(), info); }
static void gesvd(const char* ju, const char* jv, int m, int n, float* a, int lda, float* s, float* u, int ldu, float* vt, int ldvt, int* info)
{ float q; int lw = -1; sgesvd_(ju, jv, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, &q, &lw, info); std::vector<float> w((size_t)q + 1); lw = (int)w.size(); sgesvd_(ju, jv, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, w.data(), &lw, info); }
static void gesvd(const char* ju, const char* jv, int m, int n, double* a, int lda, double* s, double* u, int ldu, double* vt, int ldvt, int* info)
{ double q; int lw = -1; dgesvd_(ju, jv, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, &q, &lw, info); std::vector<double> w((size_t)q + 1); lw = (int)w.size(); dgesvd_(ju, jv, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, w.data(), &lw, info); }

template <typename T>
static int Ormqr(int side, int trans, int m, int n, int k, T* a, int lda, T* tau, T* c, int ldc, int* info)
{
    if (side != 0) return 3;
    const char* s = "L";
    const char* t = trans == 0 ? "N" : trans == 1 ? "T" : "C";
    std::vector<T> w((size_t)64 * (n + 1));
    int lw = (int)w.size();
    if constexpr (std::is_same_v<T, float>) sormqr_(s, t, &m, &n, &k, a, &lda, tau, c, &ldc, w.data(), &lw, info);
    else if constexpr (std::is_same_v<T, double>) dormqr_(s, t, &m, &n, &k, a, &lda, tau, c, &ldc, w.data(), &lw, info);
    else if constexpr (std::is_same_v<T, c64>) { if (trans == 1) return 3; cunmqr_(s, t, &m, &n, &k, a, &lda, tau, c, &ldc, w.data(), &lw, info); }
    else { if (trans == 1) return 3; zunmqr_(s, t, &m, &n, &k, a, &lda, tau, c, &ldc, w.data(), &lw, info); }
    return 0;
}
template <typename T, typename R>
static int GesvdjBatched(int jobz, int m, int n, T* a, int lda, R* s, T* u, int ldu, T* v, int ldv, int* info, int batch)
{
    if (jobz != 1 || m > 32 || n > 32) return 3;
    int k = m < n ? m : n;
    std::vector<T> vt((size_t)n * n);
    for (int p = 0; p < batch; p++)
    {
        gesvd("A", "A", m, n, a + (int64_t)p * lda * n, lda, s + (int64_t)p * k, u + (int64_t)p * ldu * m, ldu, vt.data(), n, info + p);
        T* vp = v + (int64_t)p * ldv * n;
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) vp[i + (int64_t)j * ldv] = Cj(vt[j + (int64_t)i * n]);
    }
    return 0;
}

// ------------------------------------------------------------------ handles
namespace {
struct Handle
{
    Context* ctx = nullptr;
    void* stream = nullptr;
    std::map<std::string, int> lwork;   // what each *_bufferSize returned, by function and shape
};
std::string Shape(const char* f, std::initializer_list<long long> dims)
{
    std::string s = f;
    for (long long d : dims) s += " " + std::to_string(d);
    return s;
}
// The stream a handle's call is queued on. cuBLAS: "The device associated with a particular cuBLAS
// context is assumed to remain unchanged between the corresponding cublasCreate() and
// cublasDestroy() calls"; cuSOLVER likewise binds its handle to the device (context) current at
// cusolverDnCreate. A call made while another context is current is a contract violation.
Stream* HandleStream(Handle* h, const std::string& call)
{
    Contract(CurrentContext() == h->ctx, call, "called while context " + Hex(CurrentContext() ? CurrentContext()->handle : nullptr) +
             " is current, but the handle belongs to context " + Hex(h->ctx ? h->ctx->handle : nullptr) + " (the one current at its creation)");
    return ResolveStream(h->stream, h->ctx);
}
// Device-resident pointer arrays. cuBLAS, cublas<t>trsmBatched and cublas<t>geqrfBatched list
// the array of pointers with memory "device" ("A | device | input | array of pointers to <type>
// array"; "Aarray | device | input/output | array of pointers to <type> array"): a host array is
// undefined behaviour. Returns the pointers, read now when the array is not in device memory (so
// the emulation can go on after reporting it).
std::vector<void*> PointerArray(const std::string& call, const char* name, void* const* array, int count, bool* onDevice)
{
    Alloc* a = FindAlloc(array);
    *onDevice = a != nullptr && !a->pinned && (uintptr_t)array + (size_t)count * sizeof(void*) <= a->base + a->size;
    Contract(*onDevice, call, std::string("the pointer array ") + name + " (" + Hex(array) + ") must be in device memory (cuBLAS: \"device | input | array of pointers\"), " +
             (a == nullptr ? "but it is not in any device allocation" : a->pinned ? "but it is in " + a->Describe() : "but " + a->Describe() + " is too short for " + std::to_string(count) + " pointers"));
    std::vector<void*> copy;
    if (!*onDevice && count > 0) copy.assign(array, array + count);
    return copy;
}
// One access per allocation for count matrices (rows x cols, leading dimension ld, stride
// elements apart): the span from the first element to the last, for the race bookkeeping.
void AddMatrices(std::vector<Access>& out, const void* p, int64_t rows, int64_t cols, int64_t ld, int64_t stride, int64_t count, size_t sz, bool read, bool write)
{
    if (p == nullptr || rows <= 0 || cols <= 0 || count <= 0) return;
    if (stride == 0) count = 1;
    size_t bytes = (size_t)((count - 1) * stride + ld * (cols - 1) + rows) * sz;
    out.push_back(Access{ p, bytes, read, write, false });
}
// Reads of never-written elements, exactly: column j of each matrix, rows from(j) .. to(j) - 1.
template <class From, class To>
void InitColumns(const std::string& what, const void* p, int64_t cols, int64_t ld, int64_t stride, int64_t count, size_t sz, From from, To to)
{
    if (p == nullptr) return;
    if (stride == 0) count = std::min<int64_t>(count, 1);
    for (int64_t q = 0; q < count; q++)
        for (int64_t j = 0; j < cols; j++)
        {
            int64_t r0 = from(j), r1 = to(j);
            if (r1 > r0) CheckInit(what, (const char*)p + ((q * stride + j * ld + r0) * (int64_t)sz), (size_t)(r1 - r0) * sz);
        }
}
void InitMatrices(const std::string& what, const void* p, int64_t rows, int64_t cols, int64_t ld, int64_t stride, int64_t count, size_t sz)
{
    if (rows <= 0 || cols <= 0 || count <= 0) return;
    if (ld == rows && (stride == rows * cols || count == 1)) { CheckInit(what, p, (size_t)(rows * cols * count) * sz); return; }
    InitColumns(what, p, cols, ld, stride, count, sz, [](int64_t) { return (int64_t)0; }, [rows](int64_t) { return rows; });
}
// Matrices named by a pointer array, known only when the op runs: grouped by allocation into one
// span each, then checked like known accesses.
void TouchMatrices(Op& op, const std::vector<void*>& ptrs, int64_t rows, int64_t cols, int64_t ld, size_t sz, bool read, bool write)
{
    if (rows <= 0 || cols <= 0) return;
    std::map<Alloc*, std::pair<uintptr_t, uintptr_t>> spans;
    size_t bytes = (size_t)(ld * (cols - 1) + rows) * sz;
    for (void* p : ptrs)
    {
        Alloc* a = FindAlloc(p, true);
        if (a == nullptr) { Touch(op.stream->id, op.epoch, op.clock, op.what, p, bytes, read, write, false); continue; }
        auto it = spans.find(a);
        uintptr_t lo = (uintptr_t)p, hi = lo + bytes;
        if (it == spans.end()) spans[a] = { lo, hi };
        else { it->second.first = std::min(it->second.first, lo); it->second.second = std::max(it->second.second, hi); }
    }
    for (auto& [a, span] : spans) Touch(op.stream->id, op.epoch, op.clock, op.what, (void*)span.first, span.second - span.first, read, write, false);
}
Handle* AsHandle(void* h) { return static_cast<Handle*>(h); }
// Workspace contracts. cuSOLVER: "The user has to provide working space which is pointed by input
// parameter work. The input parameter lwork is size of the working space, and it is returned by
// <function>_bufferSize()." Checked when the same handle was asked for this function and shape.
void CheckWorkspace(Handle* h, const std::string& call, const std::string& key, const void* work, int lwork, size_t sz)
{
    auto it = h->lwork.find(key);
    if (it != h->lwork.end())
        Contract(lwork >= it->second, call, "lwork " + std::to_string(lwork) + " is less than the " + std::to_string(it->second) + " that the matching _bufferSize returned (\"lwork is size of the working space, and it is returned by _bufferSize()\")");
    if (lwork > 0)
    {
        Alloc* a = FindAlloc(work);
        Contract(a != nullptr && !a->pinned && (uintptr_t)work + (size_t)lwork * sz <= a->base + a->size, call,
                 "the workspace " + Hex(work) + " must be device memory of lwork = " + std::to_string(lwork) + " elements" + (a ? ", but " + a->Describe() + " is shorter" : ", but it is not in a device allocation"));
    }
}
}  // namespace

// ------------------------------------------------------------------ cuBLAS
EXPORT int cublasCreate_v2(void** h)
{
    Api api("cublasCreate_v2");
    if (CurrentContext() == nullptr) return 1;   // CUBLAS_STATUS_NOT_INITIALIZED
    Handle* x = new Handle();
    x->ctx = CurrentContext();
    *h = x;
    return 0;
}
EXPORT int cublasDestroy_v2(void* h) { Api api("cublasDestroy_v2"); delete AsHandle(h); return 0; }
EXPORT int cublasSetStream_v2(void* h, void* s)
{
    Api api("cublasSetStream_v2");
    // The stream must belong to the handle's device/context: work queued on it runs there.
    if (IsStream(s)) Contract(((Stream*)s)->ctx == AsHandle(h)->ctx, "cublasSetStream_v2", "the stream belongs to another context than the handle");
    AsHandle(h)->stream = s;
    return 0;
}
EXPORT int cublasSetMathMode(void*, int) { return 0; }
EXPORT int cublasGetVersion_v2(void*, int* v) { *v = 111103; return 0; }
EXPORT int cublasGetProperty(int type, int* v) { *v = type == 0 ? 11 : type == 1 ? 11 : 3; return 0; }

// Leading dimensions. cuBLAS, cublas<t>gemm: "lda ... lda >= max(1,m) if transa == CUBLAS_OP_N
// and lda >= max(1,k) otherwise", "ldb >= max(1,k) if transb == CUBLAS_OP_N and ldb >= max(1,n)
// otherwise", "ldc >= max(1,m)"; a violation returns CUBLAS_STATUS_INVALID_VALUE.
template <typename T>
static int GemmCall(const char* call, void* handle, int ta, int tb, int m, int n, int k, const T* al, const T* a, int lda, int64_t sa, const T* b, int ldb, int64_t sb, const T* be, T* c, int ldc, int64_t sc, int count)
{
    Api api(call);
    ++g_count.library;
    Handle* h = AsHandle(handle);
    Stream* s = HandleStream(h, call);
    int64_t aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
    bool ok = Contract(lda >= std::max<int64_t>(1, aRows), call, "lda = " + std::to_string(lda) + " < max(1, " + std::to_string(aRows) + ") (\"lda >= max(1,m) if transa == CUBLAS_OP_N and lda >= max(1,k) otherwise\")");
    ok &= Contract(ldb >= std::max<int64_t>(1, bRows), call, "ldb = " + std::to_string(ldb) + " < max(1, " + std::to_string(bRows) + ") (\"ldb >= max(1,k) if transb == CUBLAS_OP_N and ldb >= max(1,n) otherwise\")");
    ok &= Contract(ldc >= std::max(1, m), call, "ldc = " + std::to_string(ldc) + " < max(1, m = " + std::to_string(m) + ") (\"ldc >= max(1,m)\")");
    if (!ok || m < 0 || n < 0 || k < 0 || count < 0) return 7;   // CUBLAS_STATUS_INVALID_VALUE
    if (s == nullptr) return 7;
    T alpha = *al, beta = *be;   // host pointer mode: read at the call
    std::vector<Access> acc;
    AddMatrices(acc, a, aRows, aCols, lda, sa, count, sizeof(T), true, false);
    AddMatrices(acc, b, bRows, bCols, ldb, sb, count, sizeof(T), true, false);
    AddMatrices(acc, c, m, n, ldc, sc, count, sizeof(T), beta != (T)0, true);
    std::string what = call;
    Enqueue(s, call, std::move(acc), [=](Op&) { return Gemm(ta, tb, m, n, k, &alpha, a, lda, sa, b, ldb, sb, &beta, c, ldc, sc, count); }, true, nullptr,
            [=](Op& op) {
                if (k > 0 && alpha != (T)0) { InitMatrices(op.what, a, aRows, aCols, lda, sa, count, sizeof(T)); InitMatrices(op.what, b, bRows, bCols, ldb, sb, count, sizeof(T)); }
                if (beta != (T)0) InitMatrices(op.what, c, m, n, ldc, sc, count, sizeof(T));
            });
    return 0;
}
EXPORT int cublasSgemmStridedBatched(void* h, int ta, int tb, int m, int n, int k, const float* al, const float* a, int lda, int64_t sa, const float* b, int ldb, int64_t sb, const float* be, float* c, int ldc, int64_t sc, int count)
{ return GemmCall("cublasSgemmStridedBatched", h, ta, tb, m, n, k, al, a, lda, sa, b, ldb, sb, be, c, ldc, sc, count); }
EXPORT int cublasDgemmStridedBatched(void* h, int ta, int tb, int m, int n, int k, const double* al, const double* a, int lda, int64_t sa, const double* b, int ldb, int64_t sb, const double* be, double* c, int ldc, int64_t sc, int count)
{ return GemmCall("cublasDgemmStridedBatched", h, ta, tb, m, n, k, al, a, lda, sa, b, ldb, sb, be, c, ldc, sc, count); }

// cuBLAS, cublas<t>trsmBatched: "lda >= max(1,m) if side == CUBLAS_SIDE_LEFT and lda >= max(1,n)
// otherwise", "ldb >= max(1,m)"; both pointer arrays in device memory (PointerArray).
template <typename T>
static int TrsmCall(const char* call, void* handle, int side, int uplo, int trans, int diag, int m, int n, const T* al, T* const* as, int lda, T* const* bs, int ldb, int count)
{
    Api api(call);
    ++g_count.library;
    Handle* h = AsHandle(handle);
    Stream* s = HandleStream(h, call);
    if (uplo != 1 || diag != 0) return 15;   // upper triangular, non-unit: all the emulation (and OrthoProj) does
    int dim = side == 0 ? m : n;
    bool ok = Contract(lda >= std::max(1, dim), call, "lda = " + std::to_string(lda) + " < max(1, " + std::to_string(dim) + ") (\"lda >= max(1,m) if side == CUBLAS_SIDE_LEFT and lda >= max(1,n) otherwise\")");
    ok &= Contract(ldb >= std::max(1, m), call, "ldb = " + std::to_string(ldb) + " < max(1, m = " + std::to_string(m) + ") (\"ldb >= max(1,m)\")");
    if (!ok || m < 0 || n < 0 || count < 0 || s == nullptr) return 7;
    bool aDev, bDev;
    std::vector<void*> aHost = PointerArray(call, "A", (void* const*)as, count, &aDev);
    std::vector<void*> bHost = PointerArray(call, "B", (void* const*)bs, count, &bDev);
    T alpha = *al;
    std::vector<Access> acc;
    if (aDev) acc.push_back(Access{ as, (size_t)count * sizeof(void*), true, false, true });
    if (bDev) acc.push_back(Access{ bs, (size_t)count * sizeof(void*), true, false, true });
    Enqueue(s, call, std::move(acc), [=](Op& op) {
        std::vector<void*> ra = aDev ? std::vector<void*>((void* const*)as, (void* const*)as + count) : aHost;
        std::vector<void*> rb = bDev ? std::vector<void*>((void* const*)bs, (void* const*)bs + count) : bHost;
        for (int p = 0; p < count; p++)
        {
            InitColumns(op.what, ra[p], dim, lda, 0, 1, sizeof(T), [](int64_t) { return (int64_t)0; }, [](int64_t j) { return j + 1; });
            if (alpha != (T)0) InitMatrices(op.what, rb[p], m, n, ldb, 0, 1, sizeof(T));
        }
        TouchMatrices(op, ra, dim, dim, lda, sizeof(T), true, false);
        TouchMatrices(op, rb, m, n, ldb, sizeof(T), true, true);
        return Trsm(side, uplo, trans, diag, m, n, &alpha, (T* const*)ra.data(), lda, (T* const*)rb.data(), ldb, count);
    }, true);
    return 0;
}
EXPORT int cublasStrsmBatched(void* h, int side, int uplo, int trans, int diag, int m, int n, const float* al, float* const* a, int lda, float* const* b, int ldb, int count)
{ return TrsmCall("cublasStrsmBatched", h, side, uplo, trans, diag, m, n, al, a, lda, b, ldb, count); }
EXPORT int cublasDtrsmBatched(void* h, int side, int uplo, int trans, int diag, int m, int n, const double* al, double* const* a, int lda, double* const* b, int ldb, int count)
{ return TrsmCall("cublasDtrsmBatched", h, side, uplo, trans, diag, m, n, al, a, lda, b, ldb, count); }

template <typename T>
static int AxpyCall(const char* call, void* handle, int n, const T* al, const T* x, int incx, T* y, int incy)
{
    Api api(call);
    ++g_count.library;
    Stream* s = HandleStream(AsHandle(handle), call);
    if (s == nullptr || n < 0) return 7;
    T alpha = *al;
    std::vector<Access> acc;
    if (n > 0)
    {
        acc.push_back(Access{ x, (size_t)((n - 1) * (int64_t)std::abs(incx) + 1) * sizeof(T), true, false, incx == 1 });
        acc.push_back(Access{ y, (size_t)((n - 1) * (int64_t)std::abs(incy) + 1) * sizeof(T), true, true, false });
    }
    Enqueue(s, call, std::move(acc), [=](Op&) { for (int i = 0; i < n; i++) y[i * incy] += alpha * x[i * incx]; return 0; }, true, nullptr,
            [=](Op& op) { if (n > 0 && incy == 1) CheckInit(op.what, y, (size_t)n * sizeof(T)); });
    return 0;
}
EXPORT int cublasSaxpy_v2(void* h, int n, const float* al, const float* x, int incx, float* y, int incy) { return AxpyCall("cublasSaxpy_v2", h, n, al, x, incx, y, incy); }
EXPORT int cublasDaxpy_v2(void* h, int n, const double* al, const double* x, int incx, double* y, int incy) { return AxpyCall("cublasDaxpy_v2", h, n, al, x, incx, y, incy); }

// cuBLAS's batched QR: LAPACK's geqrf matrix by matrix (the same reflectors and signs). cuBLAS,
// cublas<t>geqrfBatched: "info | host | output | If info=0, the parameters passed to the function
// are valid; If info<0, the parameter in position -info is invalid" (written at the call);
// "Aarray | device | input/output | array of pointers to <type> array, with each array of dim.
// m x n with lda>=max(1,m)"; "TauArray | device | output | array of pointers".
template <typename T>
static int GeqrfBatchedCall(const char* call, void* handle, int m, int n, T* const* as, int lda, T* const* taus, int* info, int count)
{
    Api api(call);
    ++g_count.library;
    Stream* s = HandleStream(AsHandle(handle), call);
    *info = 0;
    if (m < 0) { *info = -2; return 0; }
    if (n < 0) { *info = -3; return 0; }
    if (!Contract(lda >= std::max(1, m), call, "lda = " + std::to_string(lda) + " < max(1, m = " + std::to_string(m) + ") (\"lda>=max(1,m)\")")) { *info = -5; return 0; }
    if (count < 0) { *info = -8; return 0; }
    if (s == nullptr) return 7;
    bool aDev, tDev;
    std::vector<void*> aHost = PointerArray(call, "Aarray", (void* const*)as, count, &aDev);
    std::vector<void*> tHost = PointerArray(call, "TauArray", (void* const*)taus, count, &tDev);
    std::vector<Access> acc;
    if (aDev) acc.push_back(Access{ as, (size_t)count * sizeof(void*), true, false, true });
    if (tDev) acc.push_back(Access{ taus, (size_t)count * sizeof(void*), true, false, true });
    Enqueue(s, call, std::move(acc), [=](Op& op) {
        std::vector<void*> ra = aDev ? std::vector<void*>((void* const*)as, (void* const*)as + count) : aHost;
        std::vector<void*> rt = tDev ? std::vector<void*>((void* const*)taus, (void* const*)taus + count) : tHost;
        for (int p = 0; p < count; p++) InitMatrices(op.what, ra[p], m, n, lda, 0, 1, sizeof(T));
        TouchMatrices(op, ra, m, n, lda, sizeof(T), true, true);
        TouchMatrices(op, rt, std::min(m, n), 1, std::max(1, std::min(m, n)), sizeof(T), false, true);
        for (int p = 0; p < count; p++) { int i = 0; lapack(m, n, (T*)ra[p], lda, (T*)rt[p], &i); }
        return 0;
    }, true);
    return 0;
}
EXPORT int cublasSgeqrfBatched(void* h, int m, int n, float* const* a, int lda, float* const* tau, int* info, int count) { return GeqrfBatchedCall("cublasSgeqrfBatched", h, m, n, a, lda, tau, info, count); }
EXPORT int cublasDgeqrfBatched(void* h, int m, int n, double* const* a, int lda, double* const* tau, int* info, int count) { return GeqrfBatchedCall("cublasDgeqrfBatched", h, m, n, a, lda, tau, info, count); }

// ------------------------------------------------------------------ cuSOLVER
EXPORT int cusolverDnCreate(void** h)
{
    Api api("cusolverDnCreate");
    if (CurrentContext() == nullptr) return 1;   // CUSOLVER_STATUS_NOT_INITIALIZED
    Handle* x = new Handle();
    x->ctx = CurrentContext();
    *h = x;
    return 0;
}
EXPORT int cusolverDnDestroy(void* h) { Api api("cusolverDnDestroy"); delete AsHandle(h); return 0; }
EXPORT int cusolverDnSetStream(void* h, void* s)
{
    Api api("cusolverDnSetStream");
    if (IsStream(s)) Contract(((Stream*)s)->ctx == AsHandle(h)->ctx, "cusolverDnSetStream", "the stream belongs to another context than the handle");
    AsHandle(h)->stream = s;
    return 0;
}
EXPORT int cusolverGetProperty(int type, int* v) { *v = type == 0 ? 11 : type == 1 ? 4 : 1; return 0; }
EXPORT int cusolverDnCreateGesvdjInfo(void** i) { *i = std::malloc(1); return 0; }
EXPORT int cusolverDnDestroyGesvdjInfo(void* i) { std::free(i); return 0; }

// A _bufferSize query: host-side, answered at once, remembered per handle for the workspace check.
static int BufferSize(const char* call, void* h, const std::string& key, int value, int* lw)
{
    Api api(call);
    ++g_count.library;
    HandleStream(AsHandle(h), call);
    *lw = value;
    AsHandle(h)->lwork[key] = value;
    return 0;
}
// cuSOLVER, cusolverDn<t>geqrf: "lda | host | input | leading dimension of two-dimensional array
// used to store matrix A. lda >= max(1,m)"; "devInfo | device | output".
template <typename T>
static int GeqrfCall(const char* call, const char* key, void* handle, int m, int n, T* a, int lda, T* tau, T* work, int lwork, int* info)
{
    Api api(call);
    ++g_count.library;
    Handle* h = AsHandle(handle);
    Stream* s = HandleStream(h, call);
    if (!Contract(lda >= std::max(1, m), call, "lda = " + std::to_string(lda) + " < max(1, m = " + std::to_string(m) + ") (\"lda >= max(1,m)\")") || m < 0 || n < 0 || s == nullptr) return 3;   // CUSOLVER_STATUS_INVALID_VALUE
    CheckWorkspace(h, call, Shape(key, { m, n, lda }), work, lwork, sizeof(T));
    std::vector<Access> acc;
    AddMatrices(acc, a, m, n, lda, 0, 1, sizeof(T), true, true);
    if (std::min(m, n) > 0) acc.push_back(Access{ tau, (size_t)std::min(m, n) * sizeof(T), false, true, false });
    if (lwork > 0) acc.push_back(Access{ work, (size_t)lwork * sizeof(T), false, true, false });
    acc.push_back(Access{ info, sizeof(int), false, true, false });
    Enqueue(s, call, std::move(acc), [=](Op&) { lapack(m, n, a, lda, tau, info); return 0; }, true, nullptr,
            [=](Op& op) { InitMatrices(op.what, a, m, n, lda, 0, 1, sizeof(T)); });
    return 0;
}
EXPORT int cusolverDnSgeqrf_bufferSize(void* h, int m, int n, float*, int lda, int* lw) { return BufferSize("cusolverDnSgeqrf_bufferSize", h, Shape("Sgeqrf", { m, n, lda }), n + 1, lw); }
EXPORT int cusolverDnDgeqrf_bufferSize(void* h, int m, int n, double*, int lda, int* lw) { return BufferSize("cusolverDnDgeqrf_bufferSize", h, Shape("Dgeqrf", { m, n, lda }), n + 1, lw); }
EXPORT int cusolverDnSgeqrf(void* h, int m, int n, float* a, int lda, float* tau, float* w, int lw, int* info) { return GeqrfCall("cusolverDnSgeqrf", "Sgeqrf", h, m, n, a, lda, tau, w, lw, info); }
EXPORT int cusolverDnDgeqrf(void* h, int m, int n, double* a, int lda, double* tau, double* w, int lw, int* info) { return GeqrfCall("cusolverDnDgeqrf", "Dgeqrf", h, m, n, a, lda, tau, w, lw, info); }

// cusolverDn<t>orgqr reads the k reflectors (below the diagonal of A's first k columns) and tau,
// and writes all of A (m x n).
template <typename T>
static int OrgqrCall(const char* call, const char* key, void* handle, int m, int n, int k, T* a, int lda, T* tau, T* work, int lwork, int* info)
{
    Api api(call);
    ++g_count.library;
    Handle* h = AsHandle(handle);
    Stream* s = HandleStream(h, call);
    if (!Contract(lda >= std::max(1, m), call, "lda = " + std::to_string(lda) + " < max(1, m = " + std::to_string(m) + ") (\"lda >= max(1,m)\")") || s == nullptr) return 3;
    CheckWorkspace(h, call, Shape(key, { m, n, k, lda }), work, lwork, sizeof(T));
    std::vector<Access> acc;
    AddMatrices(acc, a, m, n, lda, 0, 1, sizeof(T), true, true);
    if (k > 0) acc.push_back(Access{ tau, (size_t)k * sizeof(T), true, false, true });
    if (lwork > 0) acc.push_back(Access{ work, (size_t)lwork * sizeof(T), false, true, false });
    acc.push_back(Access{ info, sizeof(int), false, true, false });
    Enqueue(s, call, std::move(acc), [=](Op&) { orgqr(m, n, k, a, lda, tau, info); return 0; }, true, nullptr,
            [=](Op& op) { InitColumns(op.what, a, k, lda, 0, 1, sizeof(T), [](int64_t j) { return j + 1; }, [m](int64_t) { return (int64_t)m; }); });
    return 0;
}
EXPORT int cusolverDnSorgqr_bufferSize(void* h, int m, int n, int k, float*, int lda, float*, int* lw) { return BufferSize("cusolverDnSorgqr_bufferSize", h, Shape("Sorgqr", { m, n, k, lda }), n + 1, lw); }
EXPORT int cusolverDnDorgqr_bufferSize(void* h, int m, int n, int k, double*, int lda, double*, int* lw) { return BufferSize("cusolverDnDorgqr_bufferSize", h, Shape("Dorgqr", { m, n, k, lda }), n + 1, lw); }
EXPORT int cusolverDnSorgqr(void* h, int m, int n, int k, float* a, int lda, float* tau, float* w, int lw, int* info) { return OrgqrCall("cusolverDnSorgqr", "Sorgqr", h, m, n, k, a, lda, tau, w, lw, info); }
EXPORT int cusolverDnDorgqr(void* h, int m, int n, int k, double* a, int lda, double* tau, double* w, int lw, int* info) { return OrgqrCall("cusolverDnDorgqr", "Dorgqr", h, m, n, k, a, lda, tau, w, lw, info); }

// cusolverDn<t>ormqr (left side): reads the k reflectors of A (m x k) and tau, reads and writes C.
// "lda | host | input | leading dimension ... if side is CUBLAS_SIDE_LEFT, lda >= max(1,m)";
// "ldc >= max(1,m)".
template <typename T>
static int OrmqrCall(const char* call, const char* key, void* handle, int side, int trans, int m, int n, int k, T* a, int lda, T* tau, T* c, int ldc, T* work, int lwork, int* info)
{
    Api api(call);
    ++g_count.library;
    Handle* h = AsHandle(handle);
    Stream* s = HandleStream(h, call);
    if (side != 0) return 3;
    bool ok = Contract(lda >= std::max(1, m), call, "lda = " + std::to_string(lda) + " < max(1, m = " + std::to_string(m) + ") (\"if side is CUBLAS_SIDE_LEFT, lda >= max(1,m)\")");
    ok &= Contract(ldc >= std::max(1, m), call, "ldc = " + std::to_string(ldc) + " < max(1, m = " + std::to_string(m) + ") (\"ldc >= max(1,m)\")");
    if (!ok || s == nullptr) return 3;
    CheckWorkspace(h, call, Shape(key, { side, trans, m, n, k, lda, ldc }), work, lwork, sizeof(T));
    std::vector<Access> acc;
    AddMatrices(acc, a, m, k, lda, 0, 1, sizeof(T), true, false);
    if (k > 0) acc.push_back(Access{ tau, (size_t)k * sizeof(T), true, false, true });
    AddMatrices(acc, c, m, n, ldc, 0, 1, sizeof(T), true, true);
    if (lwork > 0) acc.push_back(Access{ work, (size_t)lwork * sizeof(T), false, true, false });
    acc.push_back(Access{ info, sizeof(int), false, true, false });
    // LAPACK's ormqr sets the diagonal of A to 1 for a while and restores it; cuSOLVER reads A only.
    Enqueue(s, call, std::move(acc), [=](Op&) { return Ormqr(side, trans, m, n, k, a, lda, tau, c, ldc, info); }, true, nullptr,
            [=](Op& op) {
                InitColumns(op.what, a, k, lda, 0, 1, sizeof(T), [](int64_t j) { return j + 1; }, [m](int64_t) { return (int64_t)m; });
                InitMatrices(op.what, c, m, n, ldc, 0, 1, sizeof(T));
            });
    return 0;
}
EXPORT int cusolverDnSormqr_bufferSize(void* h, int side, int trans, int m, int n, int k, const float*, int lda, const float*, const float*, int ldc, int* lw)
{ return BufferSize("cusolverDnSormqr_bufferSize", h, Shape("Sormqr", { side, trans, m, n, k, lda, ldc }), n + 1, lw); }
EXPORT int cusolverDnDormqr_bufferSize(void* h, int side, int trans, int m, int n, int k, const double*, int lda, const double*, const double*, int ldc, int* lw)
{ return BufferSize("cusolverDnDormqr_bufferSize", h, Shape("Dormqr", { side, trans, m, n, k, lda, ldc }), n + 1, lw); }
EXPORT int cusolverDnSormqr(void* h, int side, int trans, int m, int n, int k, float* a, int lda, float* tau, float* c, int ldc, float* w, int lw, int* info)
{ return OrmqrCall("cusolverDnSormqr", "Sormqr", h, side, trans, m, n, k, a, lda, tau, c, ldc, w, lw, info); }
EXPORT int cusolverDnDormqr(void* h, int side, int trans, int m, int n, int k, double* a, int lda, double* tau, double* c, int ldc, double* w, int lw, int* info)
{ return OrmqrCall("cusolverDnDormqr", "Dormqr", h, side, trans, m, n, k, a, lda, tau, c, ldc, w, lw, info); }

// cusolverDn<t>gesvd (m >= n): reads and overwrites A, writes S and, as jobu/jobvt ask, U and VT.
template <typename T, typename R>
static int GesvdCall(const char* call, const char* key, void* handle, signed char ju, signed char jv, int m, int n, T* a, int lda, R* sv, T* u, int ldu, T* vt, int ldvt, T* work, int lwork, int* info)
{
    Api api(call);
    ++g_count.library;
    Handle* h = AsHandle(handle);
    Stream* s = HandleStream(h, call);
    if (m < n) return 3;
    if (!Contract(lda >= std::max(1, m), call, "lda = " + std::to_string(lda) + " < max(1, m = " + std::to_string(m) + ") (\"lda >= max(1,m)\")") || s == nullptr) return 3;
    CheckWorkspace(h, call, Shape(key, { m, n }), work, lwork, sizeof(T));
    int mn = std::min(m, n);
    std::vector<Access> acc;
    AddMatrices(acc, a, m, n, lda, 0, 1, sizeof(T), true, true);
    if (mn > 0) acc.push_back(Access{ sv, (size_t)mn * sizeof(R), false, true, false });
    if (ju == 'A') AddMatrices(acc, u, m, m, ldu, 0, 1, sizeof(T), false, true);
    if (ju == 'S') AddMatrices(acc, u, m, mn, ldu, 0, 1, sizeof(T), false, true);
    if (jv == 'A') AddMatrices(acc, vt, n, n, ldvt, 0, 1, sizeof(T), false, true);
    if (jv == 'S') AddMatrices(acc, vt, mn, n, ldvt, 0, 1, sizeof(T), false, true);
    if (lwork > 0) acc.push_back(Access{ work, (size_t)lwork * sizeof(T), false, true, false });
    acc.push_back(Access{ info, sizeof(int), false, true, false });
    Enqueue(s, call, std::move(acc), [=](Op&) { char cu[2] = { (char)ju, 0 }, cv[2] = { (char)jv, 0 }; gesvd(cu, cv, m, n, a, lda, sv, u, ldu, vt, ldvt, info); return 0; }, true, nullptr,
            [=](Op& op) { InitMatrices(op.what, a, m, n, lda, 0, 1, sizeof(T)); });
    return 0;
}
EXPORT int cusolverDnSgesvd_bufferSize(void* h, int m, int n, int* lw) { return BufferSize("cusolverDnSgesvd_bufferSize", h, Shape("Sgesvd", { m, n }), n + 1, lw); }
EXPORT int cusolverDnDgesvd_bufferSize(void* h, int m, int n, int* lw) { return BufferSize("cusolverDnDgesvd_bufferSize", h, Shape("Dgesvd", { m, n }), n + 1, lw); }
EXPORT int cusolverDnSgesvd(void* h, signed char ju, signed char jv, int m, int n, float* a, int lda, float* s, float* u, int ldu, float* vt, int ldvt, float* w, int lw, float*, int* info)
{ return GesvdCall("cusolverDnSgesvd", "Sgesvd", h, ju, jv, m, n, a, lda, s, u, ldu, vt, ldvt, w, lw, info); }
EXPORT int cusolverDnDgesvd(void* h, signed char ju, signed char jv, int m, int n, double* a, int lda, double* s, double* u, int ldu, double* vt, int ldvt, double* w, int lw, double*, int* info)
{ return GesvdCall("cusolverDnDgesvd", "Dgesvd", h, ju, jv, m, n, a, lda, s, u, ldu, vt, ldvt, w, lw, info); }

// cusolverDn<t>gesvdjBatched: batch matrices m x n (lda * n apart) read and overwritten; S, U
// (m x m), V (n x n) and one devInfo per matrix written.
template <typename T, typename R>
static int GesvdjBatchedCall(const char* call, const char* key, void* handle, int jobz, int m, int n, T* a, int lda, R* sv, T* u, int ldu, T* v, int ldv, T* work, int lwork, int* info, int batch)
{
    Api api(call);
    ++g_count.library;
    Handle* h = AsHandle(handle);
    Stream* s = HandleStream(h, call);
    if (jobz != 1 || m > 32 || n > 32) return 3;
    if (!Contract(lda >= std::max(1, m), call, "lda = " + std::to_string(lda) + " < max(1, m = " + std::to_string(m) + ") (\"lda >= max(1,m)\")") || s == nullptr || batch < 0) return 3;
    CheckWorkspace(h, call, Shape(key, { jobz, m, n, lda, ldu, ldv, batch }), work, lwork, sizeof(T));
    int mn = std::min(m, n);
    std::vector<Access> acc;
    AddMatrices(acc, a, m, n, lda, (int64_t)lda * n, batch, sizeof(T), true, true);
    if (batch > 0 && mn > 0) acc.push_back(Access{ sv, (size_t)mn * batch * sizeof(R), false, true, false });
    AddMatrices(acc, u, m, m, ldu, (int64_t)ldu * m, batch, sizeof(T), false, true);
    AddMatrices(acc, v, n, n, ldv, (int64_t)ldv * n, batch, sizeof(T), false, true);
    if (lwork > 0) acc.push_back(Access{ work, (size_t)lwork * sizeof(T), false, true, false });
    if (batch > 0) acc.push_back(Access{ info, (size_t)batch * sizeof(int), false, true, false });
    Enqueue(s, call, std::move(acc), [=](Op&) { return GesvdjBatched(jobz, m, n, a, lda, sv, u, ldu, v, ldv, info, batch); }, true, nullptr,
            [=](Op& op) { InitMatrices(op.what, a, m, n, lda, (int64_t)lda * n, batch, sizeof(T)); });
    return 0;
}
EXPORT int cusolverDnSgesvdjBatched_bufferSize(void* h, int jobz, int m, int n, float*, int lda, float*, float*, int ldu, float*, int ldv, int* lw, void*, int batch)
{ return BufferSize("cusolverDnSgesvdjBatched_bufferSize", h, Shape("SgesvdjBatched", { jobz, m, n, lda, ldu, ldv, batch }), m + n, lw); }
EXPORT int cusolverDnDgesvdjBatched_bufferSize(void* h, int jobz, int m, int n, double*, int lda, double*, double*, int ldu, double*, int ldv, int* lw, void*, int batch)
{ return BufferSize("cusolverDnDgesvdjBatched_bufferSize", h, Shape("DgesvdjBatched", { jobz, m, n, lda, ldu, ldv, batch }), m + n, lw); }
EXPORT int cusolverDnSgesvdjBatched(void* h, int jobz, int m, int n, float* a, int lda, float* s, float* u, int ldu, float* v, int ldv, float* w, int lw, int* info, void*, int batch)
{ return GesvdjBatchedCall("cusolverDnSgesvdjBatched", "SgesvdjBatched", h, jobz, m, n, a, lda, s, u, ldu, v, ldv, w, lw, info, batch); }
EXPORT int cusolverDnDgesvdjBatched(void* h, int jobz, int m, int n, double* a, int lda, double* s, double* u, int ldu, double* v, int ldv, double* w, int lw, int* info, void*, int batch)
{ return GesvdjBatchedCall("cusolverDnDgesvdjBatched", "DgesvdjBatched", h, jobz, m, n, a, lda, s, u, ldu, v, ldv, w, lw, info, batch); }

// ------------------------------------------------------------------ the complex forms (C, Z)
// The same calls over std::complex (cuComplex / cuDoubleComplex): CUBLAS_OP_C (2) is the
// conjugate transpose; ungqr/unmqr are LAPACK's c/z routines; gesvd's S (and rwork, unused here)
// and gesvdjBatched's S are real.
EXPORT int cublasCgemmStridedBatched(void* h, int ta, int tb, int m, int n, int k, const c64* al, const c64* a, int lda, int64_t sa, const c64* b, int ldb, int64_t sb, const c64* be, c64* c, int ldc, int64_t sc, int count)
{ return GemmCall("cublasCgemmStridedBatched", h, ta, tb, m, n, k, al, a, lda, sa, b, ldb, sb, be, c, ldc, sc, count); }
EXPORT int cublasZgemmStridedBatched(void* h, int ta, int tb, int m, int n, int k, const c128* al, const c128* a, int lda, int64_t sa, const c128* b, int ldb, int64_t sb, const c128* be, c128* c, int ldc, int64_t sc, int count)
{ return GemmCall("cublasZgemmStridedBatched", h, ta, tb, m, n, k, al, a, lda, sa, b, ldb, sb, be, c, ldc, sc, count); }
EXPORT int cublasCtrsmBatched(void* h, int side, int uplo, int trans, int diag, int m, int n, const c64* al, c64* const* a, int lda, c64* const* b, int ldb, int count)
{ return TrsmCall("cublasCtrsmBatched", h, side, uplo, trans, diag, m, n, al, a, lda, b, ldb, count); }
EXPORT int cublasZtrsmBatched(void* h, int side, int uplo, int trans, int diag, int m, int n, const c128* al, c128* const* a, int lda, c128* const* b, int ldb, int count)
{ return TrsmCall("cublasZtrsmBatched", h, side, uplo, trans, diag, m, n, al, a, lda, b, ldb, count); }
EXPORT int cublasCaxpy_v2(void* h, int n, const c64* al, const c64* x, int incx, c64* y, int incy) { return AxpyCall("cublasCaxpy_v2", h, n, al, x, incx, y, incy); }
EXPORT int cublasZaxpy_v2(void* h, int n, const c128* al, const c128* x, int incx, c128* y, int incy) { return AxpyCall("cublasZaxpy_v2", h, n, al, x, incx, y, incy); }
EXPORT int cublasCgeqrfBatched(void* h, int m, int n, c64* const* a, int lda, c64* const* tau, int* info, int count) { return GeqrfBatchedCall("cublasCgeqrfBatched", h, m, n, a, lda, tau, info, count); }
EXPORT int cublasZgeqrfBatched(void* h, int m, int n, c128* const* a, int lda, c128* const* tau, int* info, int count) { return GeqrfBatchedCall("cublasZgeqrfBatched", h, m, n, a, lda, tau, info, count); }

EXPORT int cusolverDnCgeqrf_bufferSize(void* h, int m, int n, c64*, int lda, int* lw) { return BufferSize("cusolverDnCgeqrf_bufferSize", h, Shape("Cgeqrf", { m, n, lda }), n + 1, lw); }
EXPORT int cusolverDnZgeqrf_bufferSize(void* h, int m, int n, c128*, int lda, int* lw) { return BufferSize("cusolverDnZgeqrf_bufferSize", h, Shape("Zgeqrf", { m, n, lda }), n + 1, lw); }
EXPORT int cusolverDnCgeqrf(void* h, int m, int n, c64* a, int lda, c64* tau, c64* w, int lw, int* info) { return GeqrfCall("cusolverDnCgeqrf", "Cgeqrf", h, m, n, a, lda, tau, w, lw, info); }
EXPORT int cusolverDnZgeqrf(void* h, int m, int n, c128* a, int lda, c128* tau, c128* w, int lw, int* info) { return GeqrfCall("cusolverDnZgeqrf", "Zgeqrf", h, m, n, a, lda, tau, w, lw, info); }
EXPORT int cusolverDnCungqr_bufferSize(void* h, int m, int n, int k, const c64*, int lda, const c64*, int* lw) { return BufferSize("cusolverDnCungqr_bufferSize", h, Shape("Cungqr", { m, n, k, lda }), n + 1, lw); }
EXPORT int cusolverDnZungqr_bufferSize(void* h, int m, int n, int k, const c128*, int lda, const c128*, int* lw) { return BufferSize("cusolverDnZungqr_bufferSize", h, Shape("Zungqr", { m, n, k, lda }), n + 1, lw); }
EXPORT int cusolverDnCungqr(void* h, int m, int n, int k, c64* a, int lda, c64* tau, c64* w, int lw, int* info) { return OrgqrCall("cusolverDnCungqr", "Cungqr", h, m, n, k, a, lda, tau, w, lw, info); }
EXPORT int cusolverDnZungqr(void* h, int m, int n, int k, c128* a, int lda, c128* tau, c128* w, int lw, int* info) { return OrgqrCall("cusolverDnZungqr", "Zungqr", h, m, n, k, a, lda, tau, w, lw, info); }
EXPORT int cusolverDnCunmqr_bufferSize(void* h, int side, int trans, int m, int n, int k, const c64*, int lda, const c64*, const c64*, int ldc, int* lw)
{ return BufferSize("cusolverDnCunmqr_bufferSize", h, Shape("Cunmqr", { side, trans, m, n, k, lda, ldc }), n + 1, lw); }
EXPORT int cusolverDnZunmqr_bufferSize(void* h, int side, int trans, int m, int n, int k, const c128*, int lda, const c128*, const c128*, int ldc, int* lw)
{ return BufferSize("cusolverDnZunmqr_bufferSize", h, Shape("Zunmqr", { side, trans, m, n, k, lda, ldc }), n + 1, lw); }
EXPORT int cusolverDnCunmqr(void* h, int side, int trans, int m, int n, int k, c64* a, int lda, c64* tau, c64* c, int ldc, c64* w, int lw, int* info)
{ return OrmqrCall("cusolverDnCunmqr", "Cunmqr", h, side, trans, m, n, k, a, lda, tau, c, ldc, w, lw, info); }
EXPORT int cusolverDnZunmqr(void* h, int side, int trans, int m, int n, int k, c128* a, int lda, c128* tau, c128* c, int ldc, c128* w, int lw, int* info)
{ return OrmqrCall("cusolverDnZunmqr", "Zunmqr", h, side, trans, m, n, k, a, lda, tau, c, ldc, w, lw, info); }
EXPORT int cusolverDnCgesvd_bufferSize(void* h, int m, int n, int* lw) { return BufferSize("cusolverDnCgesvd_bufferSize", h, Shape("Cgesvd", { m, n }), n + 1, lw); }
EXPORT int cusolverDnZgesvd_bufferSize(void* h, int m, int n, int* lw) { return BufferSize("cusolverDnZgesvd_bufferSize", h, Shape("Zgesvd", { m, n }), n + 1, lw); }
EXPORT int cusolverDnCgesvd(void* h, signed char ju, signed char jv, int m, int n, c64* a, int lda, float* s, c64* u, int ldu, c64* vt, int ldvt, c64* w, int lw, float*, int* info)
{ return GesvdCall("cusolverDnCgesvd", "Cgesvd", h, ju, jv, m, n, a, lda, s, u, ldu, vt, ldvt, w, lw, info); }
EXPORT int cusolverDnZgesvd(void* h, signed char ju, signed char jv, int m, int n, c128* a, int lda, double* s, c128* u, int ldu, c128* vt, int ldvt, c128* w, int lw, double*, int* info)
{ return GesvdCall("cusolverDnZgesvd", "Zgesvd", h, ju, jv, m, n, a, lda, s, u, ldu, vt, ldvt, w, lw, info); }
EXPORT int cusolverDnCgesvdjBatched_bufferSize(void* h, int jobz, int m, int n, c64*, int lda, float*, c64*, int ldu, c64*, int ldv, int* lw, void*, int batch)
{ return BufferSize("cusolverDnCgesvdjBatched_bufferSize", h, Shape("CgesvdjBatched", { jobz, m, n, lda, ldu, ldv, batch }), m + n, lw); }
EXPORT int cusolverDnZgesvdjBatched_bufferSize(void* h, int jobz, int m, int n, c128*, int lda, double*, c128*, int ldu, c128*, int ldv, int* lw, void*, int batch)
{ return BufferSize("cusolverDnZgesvdjBatched_bufferSize", h, Shape("ZgesvdjBatched", { jobz, m, n, lda, ldu, ldv, batch }), m + n, lw); }
EXPORT int cusolverDnCgesvdjBatched(void* h, int jobz, int m, int n, c64* a, int lda, float* s, c64* u, int ldu, c64* v, int ldv, c64* w, int lw, int* info, void*, int batch)
{ return GesvdjBatchedCall("cusolverDnCgesvdjBatched", "CgesvdjBatched", h, jobz, m, n, a, lda, s, u, ldu, v, ldv, w, lw, info, batch); }
EXPORT int cusolverDnZgesvdjBatched(void* h, int jobz, int m, int n, c128* a, int lda, double* s, c128* u, int ldu, c128* v, int ldv, c128* w, int lw, int* info, void*, int batch)
{ return GesvdjBatchedCall("cusolverDnZgesvdjBatched", "ZgesvdjBatched", h, jobz, m, n, a, lda, s, u, ldu, v, ldv, w, lw, info, batch); }
