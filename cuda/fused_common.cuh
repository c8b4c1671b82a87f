// Warp primitives and conventions of the fused small-matrix kernels (fused_qr.cu): one warp per
// matrix, lane l holding rows l and l + 32 of every column in registers. The primitives are small
// __device__ helpers so that the host emulation (OrthoProj.Tests/Cuda/Emulation/fake_cuda.cpp)
// can supply its own versions (it defines FUSED_HOST_EMULATION and runs the 32 lanes of a warp as
// 32 host threads).
#pragma once
#include "orthoproj_common.cuh"

// Matrices per block: one per warp. The host launches ceil(count / FUSED_WARPS_PER_BLOCK) blocks of
// 32 * FUSED_WARPS_PER_BLOCK threads; the warps past the last matrix return at once (no kernel
// here uses __syncthreads, so a returning warp blocks nobody).
#define FUSED_WARPS_PER_BLOCK 4
#define FUSED_THREADS (32 * FUSED_WARPS_PER_BLOCK)
#define FUSED_MAX_ROWS 64
#define FUSED_MAX_COLS 32

#ifndef FUSED_HOST_EMULATION
__device__ __forceinline__ int fused_lane() { return (int)(threadIdx.x & 31u); }

__device__ __forceinline__ int fused_warp_in_block() { return (int)(threadIdx.x >> 5); }

// The sum over the 32 lanes, in every lane. The xor butterfly adds v_l + v_(l^k) in lane l and
// v_(l^k) + v_l in its partner: the same rounded value, so every lane ends with identical bits.
template <typename T>
__device__ __forceinline__ T fused_warp_sum(T v)
{
#pragma unroll
    for (int k = 16; k > 0; k >>= 1) v += __shfl_xor_sync(0xffffffffu, v, k);
    return v;
}

// The maximum over the 32 lanes (double only: the rank rule is computed in double as on the CPU).
__device__ __forceinline__ double fused_warp_max(double v)
{
#pragma unroll
    for (int k = 16; k > 0; k >>= 1) v = fmax(v, __shfl_xor_sync(0xffffffffu, v, k));
    return v;
}

// Lane src's value of v, in every lane.
template <typename T>
__device__ __forceinline__ T fused_broadcast(T v, int src) { return __shfl_sync(0xffffffffu, v, src); }

// Orders the warp's global-memory writes before its later reads by other lanes.
__device__ __forceinline__ void fused_warp_sync() { __syncwarp(); }

// 2^k exactly, for -1074 <= k <= 1023 (subnormal below -1022), and ilogb(x) for a finite x > 0,
// from the bits: ldexp and ilogb here are calls that cost fused_qr_factor a stack frame and spills
// on sm_80 and sm_90.
__device__ __forceinline__ double fused_exp2i(int k)
{
    return __longlong_as_double(k >= -1022 ? (long long)(k + 1023) << 52 : 1LL << (k + 1074));
}

__device__ __forceinline__ int fused_ilogb(double x)
{
    long long bits = __double_as_longlong(x);
    int biased = (int)((bits >> 52) & 0x7ff);
    // A subnormal's exponent is that of its leading significand bit.
    return biased != 0 ? biased - 1023 : -1011 - __clzll(bits);
}
#endif

// The power-of-two scaling of OrthoProj.Managed/Core/Policies/PowerOfTwoScaling.cs: x * 2^e as
// (x * f1) * f2 with 2^e = f1 f2, both factors representable in T (f2 = 1 unless 2^e itself is
// not: e > 127 in float, 1023 in double, where the matrix is subnormal and both steps scale up,
// exactly). Each step is exact except for a subnormal result, which only the single step for
// e < 0 can give: one rounding, as ldexp. The factors are made once per matrix (uniform across
// the warp); per element it is two multiplies, where ldexpf per element cost
// fused_qr_factor_n16_f32 a stack frame on sm_80 and a float-to-double round trip cost it the
// 128-register bound on sm_90. Outside the emulation block: the host emulation takes these as
// they are (with its own fused_exp2i).
template <typename T>
__device__ __forceinline__ void fused_pow2_factors(int e, T& f1, T& f2)
{
    const int top = sizeof(T) == 4 ? 127 : 1023;
    const int e1 = e < top ? e : top;
    f1 = (T)fused_exp2i(e1);       // 2^-127 (float) and 2^-1023 (double) are exact subnormals
    f2 = (T)fused_exp2i(e - e1);
}

template <typename T>
__device__ __forceinline__ T fused_scale(T x, T f1, T f2) { return x * f1 * f2; }

// Instantiates name_impl<T, NMAX> as extern "C" kernels name_n<NMAX>_f32 / _f64 for the column
// tiers the host picks from (NMAX = 16 for n <= 16, 32 for n <= 32): NMAX is the number of column
// registers per row slot, so it must be a compile-time constant for the columns to stay in
// registers. __launch_bounds__ lets ptxas use up to 255 registers per thread. Each kernel takes
// its parameter struct Params<T> (cuda/kernel_params.cuh) by value and passes its fields, in
// order, to name_impl<T, NMAX>.
#ifndef FUSED_INSTANTIATE
#define FUSED_INSTANTIATE_N(name, N, Params) \
    extern "C" __global__ void __launch_bounds__(FUSED_THREADS) name##_n##N##_f32(const Params<float> p) { OP_CALL_FIELDS((name##_impl<float, N>), Params, float); } \
    extern "C" __global__ void __launch_bounds__(FUSED_THREADS) name##_n##N##_f64(const Params<double> p) { OP_CALL_FIELDS((name##_impl<double, N>), Params, double); }
#define FUSED_INSTANTIATE(name, Params) \
    FUSED_INSTANTIATE_N(name, 16, Params) \
    FUSED_INSTANTIATE_N(name, 32, Params)
#endif
