// The parameters of every kernel in cuda/, declared once for both sides: each kernel takes one
// struct by value (cuLaunchKernel's kernelParams holds one pointer, to the host's copy of the
// struct), and the host fills the C# struct of the same name in
// OrthoProj.Managed/Cuda/Kernels/KernelParams.cs. OrthoProj.Tests/Cuda/KernelParamsTests.cs reads
// this file and checks every C# struct against it: the same fields in the same order, the same
// types (T* and const T* as DevicePtr<T>, i64 as long, T as T) and the same offsets and size
// under C's layout rules; and it checks each kernel's _impl signature against its struct.
//
// Each struct is an X-macro, Name_FIELDS(T, F), listing F(type, name) in order. From it come the
// struct itself (OP_DECLARE_PARAMS), the kernels' entry points, which pass the fields in order to
// the kernel's _impl template (OP_INSTANTIATE, FUSED_INSTANTIATE: the _impl functions keep their
// plain parameter lists; the PTX is not identical to that of separate kernel parameters, since
// NVVM loads the struct's fields once at the entry and schedules the address arithmetic
// differently, so ptxas's report is checked per kernel by the NVRTC test), and, in
// the host emulation (OrthoProj.Tests/Cuda/Emulation/fake_cuda.cpp), the list of pointer fields
// that a launch reads (const T*) or writes (T*), for its hazard checks.
//
// One line per F: the test parses `F(type, name)` pairs; types are T, T*, const T*, int, int*,
// const int*, i64, double, unsigned long long and its pointer.
#pragma once
#include "orthoproj_common.cuh"

#define OP_FIELD(type, name) type name;
#define OP_DECLARE_PARAMS(Name) template <typename T> struct Name { Name##_FIELDS(T, OP_FIELD) };
#define OP_DECLARE_PARAMS_UNTYPED(Name) struct Name { Name##_FIELDS(void, OP_FIELD) };

// f(p.a, p.b, ...) for the fields of p in order: OP_ARG gives ", p.a , p.b ...", and OP_CALL_
// drops what stands before the first comma (nothing). f may hold commas when parenthesized.
#define OP_ARG(type, name) , p.name
#define OP_CALL(f, ...) OP_CALL_(f, __VA_ARGS__)
#define OP_CALL_(f, first, ...) f(__VA_ARGS__)
#define OP_CALL_FIELDS(f, Name, T) OP_CALL(f, Name##_FIELDS(T, OP_ARG))

// ---------------------------------------------------------------- orthoproj_kernels.cu

// exponent_none
#define ExponentNoneParams_FIELDS(T, F) F(int*, out) F(int, count)
OP_DECLARE_PARAMS(ExponentNoneParams)

// max_exponent
#define MaxExponentParams_FIELDS(T, F) F(const T*, x) F(int, rows) F(int, cols) F(int, ld) F(i64, stride) F(const int*, shift) F(int, accumulate) F(int, count) F(int*, out)
OP_DECLARE_PARAMS(MaxExponentParams)

// scale_exp2
#define ScaleExp2Params_FIELDS(T, F) F(T*, x) F(int, rows) F(int, cols) F(int, ld) F(i64, stride) F(const int*, e1) F(int, c1) F(const int*, e2) F(int, c2) F(int, count)
OP_DECLARE_PARAMS(ScaleExp2Params)

// find_nonfinite
#define FindNonfiniteParams_FIELDS(T, F) F(const T*, x) F(int, n) F(int*, result)
OP_DECLARE_PARAMS(FindNonfiniteParams)

// apply_reflectors
#define ApplyReflectorsParams_FIELDS(T, F) F(const T*, v) F(i64, strideV) F(const T*, tau) F(i64, strideTau) F(int, m) F(int, k) F(T*, c) F(i64, strideC) F(int, p) F(int, rowStep) F(int, colStep) F(int, transpose) F(int, count)
OP_DECLARE_PARAMS(ApplyReflectorsParams)

// read_flagged
#define ReadFlaggedParams_FIELDS(T, F) F(const T*, x) F(const int*, flag) F(T*, value)
OP_DECLARE_PARAMS(ReadFlaggedParams)

// qr_rank
#define QrRankParams_FIELDS(T, F) F(const T*, a) F(int, lda) F(int, n) F(i64, stride) F(int, count) F(double, atol) F(double, rtol) F(int*, rank) F(const int*, magnitude)
OP_DECLARE_PARAMS(QrRankParams)

// svd_threshold
#define SvdThresholdParams_FIELDS(T, F) F(const T*, s) F(int, kk) F(i64, strideS) F(int, count) F(double, atol) F(double, rtol) F(int*, rank) F(T*, inv_s) F(T*, keep) F(const int*, magnitude)
OP_DECLARE_PARAMS(SvdThresholdParams)

// residual_second_pass
#define ResidualSecondPassParams_FIELDS(T, F) F(const T*, e) F(const T*, y) F(int, m) F(int, p) F(i64, stride) F(T*, coef) F(int, r) F(i64, coefStride) F(int, count)
OP_DECLARE_PARAMS(ResidualSecondPassParams)

// zero_full_rank
#define ZeroFullRankParams_FIELDS(T, F) F(T*, x) F(int, len) F(i64, stride) F(const int*, rank) F(int, full) F(int, count)
OP_DECLARE_PARAMS(ZeroFullRankParams)

// copy_strided
#define CopyStridedParams_FIELDS(T, F) F(const T*, src) F(i64, srcStride) F(T*, dst) F(i64, dstStride) F(int, len) F(int, count)
OP_DECLARE_PARAMS(CopyStridedParams)

// transpose
#define TransposeParams_FIELDS(T, F) F(const T*, src) F(int, rows) F(int, cols) F(i64, srcStride) F(T*, dst) F(i64, dstStride) F(int, count)
OP_DECLARE_PARAMS(TransposeParams)

// set_identity
#define SetIdentityParams_FIELDS(T, F) F(T*, q) F(int, rows) F(int, cols) F(i64, stride) F(int, count)
OP_DECLARE_PARAMS(SetIdentityParams)

// extract_upper
#define ExtractUpperParams_FIELDS(T, F) F(const T*, a) F(int, lda) F(int, n) F(i64, strideA) F(T*, r) F(int, rRows) F(i64, strideR) F(int, count)
OP_DECLARE_PARAMS(ExtractUpperParams)

// mirror_upper
#define MirrorUpperParams_FIELDS(T, F) F(T*, s) F(int, k) F(i64, stride) F(int, count)
OP_DECLARE_PARAMS(MirrorUpperParams)

// scale_columns
#define ScaleColumnsParams_FIELDS(T, F) F(T*, x) F(int, rows) F(int, cols) F(i64, stride) F(const T*, scale) F(i64, scaleStride) F(int, count)
OP_DECLARE_PARAMS(ScaleColumnsParams)

// scale_strided
#define ScaleStridedParams_FIELDS(T, F) F(T*, x) F(int, rows) F(int, cols) F(int, ld) F(i64, stride) F(T, beta) F(int, count)
OP_DECLARE_PARAMS(ScaleStridedParams)

// copy_block
#define CopyBlockParams_FIELDS(T, F) F(const T*, src) F(int, ldSrc) F(i64, srcStride) F(T*, dst) F(int, ldDst) F(i64, dstStride) F(int, rows) F(int, cols) F(int, count)
OP_DECLARE_PARAMS(CopyBlockParams)

// first_flagged
#define FirstFlaggedParams_FIELDS(T, F) F(const int*, flags) F(int, count) F(int, stride) F(int*, result)
OP_DECLARE_PARAMS_UNTYPED(FirstFlaggedParams)

// pointer_array
#define PointerArrayParams_FIELDS(T, F) F(unsigned long long, base) F(long long, strideBytes) F(int, count) F(unsigned long long*, out)
OP_DECLARE_PARAMS_UNTYPED(PointerArrayParams)

// ---------------------------------------------------------------- fused_qr.cu (FUSED_INSTANTIATE: one warp per matrix)

// fused_qr_factor
#define FusedQrFactorParams_FIELDS(T, F) F(const T*, A) F(int, m) F(int, n) F(int, count) F(T*, factor) F(T*, tau) F(int*, exponent) F(int*, rank) F(double, atol) F(double, rtol) F(int*, firstBad)
OP_DECLARE_PARAMS(FusedQrFactorParams)

// fused_project, fused_residual
#define FusedForwardParams_FIELDS(T, F) F(const T*, factor) F(const T*, tau) F(int, m) F(int, n) F(int, count) F(const T*, y) F(int, p) F(T*, result)
OP_DECLARE_PARAMS(FusedForwardParams)

// fused_solve
#define FusedSolveParams_FIELDS(T, F) F(const T*, factor) F(const T*, tau) F(const int*, exponent) F(int, m) F(int, n) F(int, count) F(const T*, y) F(int, p) F(T*, x)
OP_DECLARE_PARAMS(FusedSolveParams)

// fused_matrix
#define FusedMatrixParams_FIELDS(T, F) F(const T*, factor) F(const T*, tau) F(int, m) F(int, n) F(int, count) F(T*, pm)
OP_DECLARE_PARAMS(FusedMatrixParams)

// fused_project_backward, fused_residual_backward, fused_solve_backward
#define FusedBackwardParams_FIELDS(T, F) F(const T*, factor) F(const T*, tau) F(const int*, exponent) F(int, m) F(int, n) F(int, count) F(const T*, y) F(const T*, g) F(int, p) F(T*, ga) F(T*, gy)
OP_DECLARE_PARAMS(FusedBackwardParams)

// fused_matrix_backward
#define FusedMatrixBackwardParams_FIELDS(T, F) F(const T*, factor) F(const T*, tau) F(const int*, exponent) F(int, m) F(int, n) F(int, count) F(const T*, gp) F(T*, ga)
OP_DECLARE_PARAMS(FusedMatrixBackwardParams)
