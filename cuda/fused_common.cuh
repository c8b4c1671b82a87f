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
#endif

// Instantiates name_impl<T, NMAX> as extern "C" kernels name_n<NMAX>_f32 / _f64 for the column
// tiers the host picks from (NMAX = 16 for n <= 16, 32 for n <= 32): NMAX is the number of column
// registers per row slot, so it must be a compile-time constant for the columns to stay in
// registers. __launch_bounds__ lets ptxas use up to 255 registers per thread.
#ifndef FUSED_INSTANTIATE
#define FUSED_INSTANTIATE_N(name, N, PARAMS, ARGS) \
    extern "C" __global__ void __launch_bounds__(FUSED_THREADS) name##_n##N##_f32 PARAMS(float) { name##_impl<float, N> ARGS; } \
    extern "C" __global__ void __launch_bounds__(FUSED_THREADS) name##_n##N##_f64 PARAMS(double) { name##_impl<double, N> ARGS; }
#define FUSED_INSTANTIATE(name, PARAMS, ARGS) \
    FUSED_INSTANTIATE_N(name, 16, PARAMS, ARGS) \
    FUSED_INSTANTIATE_N(name, 32, PARAMS, ARGS)
#endif
