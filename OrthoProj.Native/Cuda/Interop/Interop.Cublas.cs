using System.Runtime.InteropServices;

namespace OrthoProj.Native;

internal static partial class Interop
{
    /// <summary>
    /// cuBLAS (cublas_api.h, column-major). Export names follow docs/design.md section 2: the classic
    /// level-1/2/3 routines and handle functions carry _v2; the batched extensions and
    /// cublasSetMathMode do not. Scalars (alpha, beta, results) are host pointers: the handle's
    /// pointer mode is never changed from CUBLAS_POINTER_MODE_HOST.
    /// </summary>
    internal static partial class Cublas
    {
        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasCreate_v2(nint* handle);

        [LibraryImport(Libraries.Cublas)]
        internal static partial cublasStatus_t cublasDestroy_v2(nint handle);

        [LibraryImport(Libraries.Cublas)]
        internal static partial cublasStatus_t cublasSetStream_v2(nint handle, nint streamId);

        [LibraryImport(Libraries.Cublas)]
        internal static partial cublasStatus_t cublasSetMathMode(nint handle, int mode);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasGetProperty(libraryPropertyType type, int* value);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasGetVersion_v2(nint handle, int* version);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasSgemm_v2(
            nint handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,
            float* alpha, float* a, int lda, float* b, int ldb, float* beta, float* c, int ldc);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasDgemm_v2(
            nint handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,
            double* alpha, double* a, int lda, double* b, int ldb, double* beta, double* c, int ldc);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasSgemmStridedBatched(
            nint handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,
            float* alpha, float* a, int lda, long strideA, float* b, int ldb, long strideB,
            float* beta, float* c, int ldc, long strideC, int batchCount);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasDgemmStridedBatched(
            nint handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,
            double* alpha, double* a, int lda, long strideA, double* b, int ldb, long strideB,
            double* beta, double* c, int ldc, long strideC, int batchCount);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasStrsm_v2(
            nint handle, cublasSideMode_t side, cublasFillMode_t uplo, cublasOperation_t trans, cublasDiagType_t diag,
            int m, int n, float* alpha, float* a, int lda, float* b, int ldb);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasDtrsm_v2(
            nint handle, cublasSideMode_t side, cublasFillMode_t uplo, cublasOperation_t trans, cublasDiagType_t diag,
            int m, int n, double* alpha, double* a, int lda, double* b, int ldb);

        /// <summary><paramref name="aArray"/> and <paramref name="bArray"/> are device arrays of device pointers.</summary>
        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasStrsmBatched(
            nint handle, cublasSideMode_t side, cublasFillMode_t uplo, cublasOperation_t trans, cublasDiagType_t diag,
            int m, int n, float* alpha, nint aArray, int lda, nint bArray, int ldb, int batchCount);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasDtrsmBatched(
            nint handle, cublasSideMode_t side, cublasFillMode_t uplo, cublasOperation_t trans, cublasDiagType_t diag,
            int m, int n, double* alpha, nint aArray, int lda, nint bArray, int ldb, int batchCount);

        /// <summary>
        /// <paramref name="aArray"/> and <paramref name="tauArray"/> are device arrays of device
        /// pointers; <paramref name="info"/> is a host int that reports a bad argument (not a rank).
        /// </summary>
        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasSgeqrfBatched(
            nint handle, int m, int n, nint aArray, int lda, nint tauArray, int* info, int batchSize);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasDgeqrfBatched(
            nint handle, int m, int n, nint aArray, int lda, nint tauArray, int* info, int batchSize);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasSgemv_v2(
            nint handle, cublasOperation_t trans, int m, int n, float* alpha, float* a, int lda,
            float* x, int incx, float* beta, float* y, int incy);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasDgemv_v2(
            nint handle, cublasOperation_t trans, int m, int n, double* alpha, double* a, int lda,
            double* x, int incx, double* beta, double* y, int incy);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasSaxpy_v2(nint handle, int n, float* alpha, float* x, int incx, float* y, int incy);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasDaxpy_v2(nint handle, int n, double* alpha, double* x, int incx, double* y, int incy);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasSdot_v2(nint handle, int n, float* x, int incx, float* y, int incy, float* result);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasDdot_v2(nint handle, int n, double* x, int incx, double* y, int incy, double* result);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasSnrm2_v2(nint handle, int n, float* x, int incx, float* result);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasDnrm2_v2(nint handle, int n, double* x, int incx, double* result);

        // The complex forms (C: cuComplex, Z: cuDoubleComplex; Complex64 and System.Numerics.Complex
        // have their layout, two reals, the real part first). Matrices and pointer arrays are device
        // addresses (nint); the scalars are host values, as for the real forms. CUBLAS_OP_C is the adjoint.

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasCgemmStridedBatched(
            nint handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,
            Complex64* alpha, nint a, int lda, long strideA, nint b, int ldb, long strideB,
            Complex64* beta, nint c, int ldc, long strideC, int batchCount);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasZgemmStridedBatched(
            nint handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,
            System.Numerics.Complex* alpha, nint a, int lda, long strideA, nint b, int ldb, long strideB,
            System.Numerics.Complex* beta, nint c, int ldc, long strideC, int batchCount);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasCtrsmBatched(
            nint handle, cublasSideMode_t side, cublasFillMode_t uplo, cublasOperation_t trans, cublasDiagType_t diag,
            int m, int n, Complex64* alpha, nint aArray, int lda, nint bArray, int ldb, int batchCount);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasZtrsmBatched(
            nint handle, cublasSideMode_t side, cublasFillMode_t uplo, cublasOperation_t trans, cublasDiagType_t diag,
            int m, int n, System.Numerics.Complex* alpha, nint aArray, int lda, nint bArray, int ldb, int batchCount);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasCgeqrfBatched(
            nint handle, int m, int n, nint aArray, int lda, nint tauArray, int* info, int batchSize);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasZgeqrfBatched(
            nint handle, int m, int n, nint aArray, int lda, nint tauArray, int* info, int batchSize);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasCaxpy_v2(nint handle, int n, Complex64* alpha, nint x, int incx, nint y, int incy);

        [LibraryImport(Libraries.Cublas)]
        internal static unsafe partial cublasStatus_t cublasZaxpy_v2(nint handle, int n, System.Numerics.Complex* alpha, nint x, int incx, nint y, int incy);
    }
}
