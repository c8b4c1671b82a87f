// Shared helpers of OrthoProj's kernels. Compiled by NVRTC at run time (no CUDA headers are
// available there), so only built-in types and intrinsics are used.
#pragma once

typedef long long i64;

// Grid-stride loop over [0, n): one launch covers any n whatever the grid size.
#define OP_GRID_STRIDE(i, n) \
    for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (i64)(n); i += (i64)blockDim.x * gridDim.x)

// The largest int, without <climits>.
#define OP_INT_MAX 2147483647

// Instantiates the device template name##_impl under two extern "C" kernel names, name_f32 and
// name_f64, so that the host looks kernels up by plain names (no C++ mangling). Each takes its
// parameter struct Params<T> (cuda/kernel_params.cuh) by value and passes its fields, in order,
// to name##_impl<T>. OP_INSTANTIATE_UNTYPED: one entry, name, over a struct with no element type.
#define OP_INSTANTIATE(name, Params) \
    extern "C" __global__ void name##_f32(const Params<float> p) { OP_CALL_FIELDS((name##_impl<float>), Params, float); } \
    extern "C" __global__ void name##_f64(const Params<double> p) { OP_CALL_FIELDS((name##_impl<double>), Params, double); }
#define OP_INSTANTIATE_UNTYPED(name, Params) \
    extern "C" __global__ void name(const Params p) { OP_CALL_FIELDS(name##_impl, Params, void); }

// ---------------------------------------------------------------- complex elements
// complex64 and complex128 (docs/complex.md): two reals, the real part first, the layout of
// cuComplex / cuDoubleComplex and of the host's Complex64 / System.Numerics.Complex. NVRTC has no
// CUDA headers, so the types and their arithmetic are OrthoProj's own (plain aggregates, usable as
// kernel parameters). Products are the textbook (ac - bd, ad + bc), rounded per operation (the
// kernels compile with --fmad=false). The op_* helpers below are overloaded for the real types too,
// where each is the identity or the expression the real kernels always used, so that one template
// serves both fields and the real instantiations compute exactly what they did before.
struct op_c64 { float x, y; };
struct op_c128 { double x, y; };

__device__ __forceinline__ op_c64 operator+(op_c64 a, op_c64 b) { op_c64 r = { a.x + b.x, a.y + b.y }; return r; }
__device__ __forceinline__ op_c64 operator-(op_c64 a, op_c64 b) { op_c64 r = { a.x - b.x, a.y - b.y }; return r; }
__device__ __forceinline__ op_c64 operator*(op_c64 a, op_c64 b) { op_c64 r = { a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x }; return r; }
__device__ __forceinline__ op_c64& operator+=(op_c64& a, op_c64 b) { a = a + b; return a; }
__device__ __forceinline__ op_c64& operator-=(op_c64& a, op_c64 b) { a = a - b; return a; }
__device__ __forceinline__ op_c64& operator*=(op_c64& a, op_c64 b) { a = a * b; return a; }
__device__ __forceinline__ op_c128 operator+(op_c128 a, op_c128 b) { op_c128 r = { a.x + b.x, a.y + b.y }; return r; }
__device__ __forceinline__ op_c128 operator-(op_c128 a, op_c128 b) { op_c128 r = { a.x - b.x, a.y - b.y }; return r; }
__device__ __forceinline__ op_c128 operator*(op_c128 a, op_c128 b) { op_c128 r = { a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x }; return r; }
__device__ __forceinline__ op_c128& operator+=(op_c128& a, op_c128 b) { a = a + b; return a; }
__device__ __forceinline__ op_c128& operator-=(op_c128& a, op_c128 b) { a = a - b; return a; }
__device__ __forceinline__ op_c128& operator*=(op_c128& a, op_c128 b) { a = a * b; return a; }

// The element x + 0i (x itself for a real type), from a value of the element's real type.
template <typename T> struct op_element;
template <> struct op_element<float> { typedef float real; static __device__ __forceinline__ float of(float v) { return v; } };
template <> struct op_element<double> { typedef double real; static __device__ __forceinline__ double of(double v) { return v; } };
template <> struct op_element<op_c64> { typedef float real; static __device__ __forceinline__ op_c64 of(float v) { op_c64 r = { v, 0.0f }; return r; } };
template <> struct op_element<op_c128> { typedef double real; static __device__ __forceinline__ op_c128 of(double v) { op_c128 r = { v, 0.0 }; return r; } };

// conj(x); x for a real element.
__device__ __forceinline__ float op_conj(float v) { return v; }
__device__ __forceinline__ double op_conj(double v) { return v; }
__device__ __forceinline__ op_c64 op_conj(op_c64 v) { op_c64 r = { v.x, -v.y }; return r; }
__device__ __forceinline__ op_c128 op_conj(op_c128 v) { op_c128 r = { v.x, -v.y }; return r; }

// Re(x) in the element's real type.
__device__ __forceinline__ float op_re(float v) { return v; }
__device__ __forceinline__ double op_re(double v) { return v; }
__device__ __forceinline__ float op_re(op_c64 v) { return v.x; }
__device__ __forceinline__ double op_re(op_c128 v) { return v.x; }

// |x| in double: fabs for a real element, hypot of the two parts (no overflow) for a complex one.
__device__ __forceinline__ double op_abs(float v) { return fabs((double)v); }
__device__ __forceinline__ double op_abs(double v) { return fabs(v); }
__device__ __forceinline__ double op_abs(op_c64 v) { return hypot((double)v.x, (double)v.y); }
__device__ __forceinline__ double op_abs(op_c128 v) { return hypot(v.x, v.y); }

// |x|^2 in double: the square of the real element as the real kernels formed it, Re^2 + Im^2.
__device__ __forceinline__ double op_abs2(float v) { double d = (double)v; return d * d; }
__device__ __forceinline__ double op_abs2(double v) { double d = v; return d * d; }
__device__ __forceinline__ double op_abs2(op_c64 v) { double a = (double)v.x, b = (double)v.y; return a * a + b * b; }
__device__ __forceinline__ double op_abs2(op_c128 v) { return v.x * v.x + v.y * v.y; }

// Whether x == 0.
__device__ __forceinline__ bool op_is_zero(float v) { return v == 0.0f; }
__device__ __forceinline__ bool op_is_zero(double v) { return v == 0.0; }
__device__ __forceinline__ bool op_is_zero(op_c64 v) { return v.x == 0.0f && v.y == 0.0f; }
__device__ __forceinline__ bool op_is_zero(op_c128 v) { return v.x == 0.0 && v.y == 0.0; }

// *p = Re(*p) (a Hermitian matrix's diagonal); nothing for a real element.
__device__ __forceinline__ void op_keep_real(float*) {}
__device__ __forceinline__ void op_keep_real(double*) {}
__device__ __forceinline__ void op_keep_real(op_c64* p) { p->y = 0.0f; }
__device__ __forceinline__ void op_keep_real(op_c128* p) { p->y = 0.0; }

// OP_INSTANTIATE plus the complex entries name_c64 and name_c128: the kernels that the complex
// general path launches with complex elements. The kernels whose rule is elementwise on the reals
// an element is made of (power-of-two scaling, the largest exponent, the non-finite scan, plain
// copies) are instantiated for float and double only; the host launches their real form over the
// reals of a complex batch (OrthoProj.Managed/Cuda/Kernels/GeneralKernels.cs).
#define OP_INSTANTIATE_COMPLEX(name, Params) \
    OP_INSTANTIATE(name, Params) \
    extern "C" __global__ void name##_c64(const Params<op_c64> p) { OP_CALL_FIELDS((name##_impl<op_c64>), Params, op_c64); } \
    extern "C" __global__ void name##_c128(const Params<op_c128> p) { OP_CALL_FIELDS((name##_impl<op_c128>), Params, op_c128); }
