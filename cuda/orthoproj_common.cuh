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
