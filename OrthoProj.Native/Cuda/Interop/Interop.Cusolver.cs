using System.Runtime.InteropServices;

namespace OrthoProj.Native;

internal static partial class Interop
{
    /// <summary>
    /// cuSOLVER dense (cusolverDn.h, column-major). Every factorization writes a device int
    /// (devInfo): the caller must read it back and turn a nonzero value into a domain error.
    /// The _bufferSize queries return the workspace size in elements of the routine's type.
    /// </summary>
    internal static partial class Cusolver
    {
        internal enum cusolverStatus_t
        {
            CUSOLVER_STATUS_SUCCESS = 0,
            CUSOLVER_STATUS_NOT_INITIALIZED = 1,
            CUSOLVER_STATUS_ALLOC_FAILED = 2,
            CUSOLVER_STATUS_INVALID_VALUE = 3,
            CUSOLVER_STATUS_ARCH_MISMATCH = 4,
            CUSOLVER_STATUS_MAPPING_ERROR = 5,
            CUSOLVER_STATUS_EXECUTION_FAILED = 6,
            CUSOLVER_STATUS_INTERNAL_ERROR = 7,
            CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED = 8,
            CUSOLVER_STATUS_NOT_SUPPORTED = 9,
            CUSOLVER_STATUS_ZERO_PIVOT = 10,
            CUSOLVER_STATUS_INVALID_LICENSE = 11,
        }

        /// <summary>cusolverEigMode_t: whether gesvdj computes singular vectors.</summary>
        internal enum cusolverEigMode_t
        {
            CUSOLVER_EIG_MODE_NOVECTOR = 0,
            CUSOLVER_EIG_MODE_VECTOR = 1,
        }

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnCreate(nint* handle);

        [LibraryImport(Libraries.Cusolver)]
        internal static partial cusolverStatus_t cusolverDnDestroy(nint handle);

        [LibraryImport(Libraries.Cusolver)]
        internal static partial cusolverStatus_t cusolverDnSetStream(nint handle, nint streamId);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverGetProperty(libraryPropertyType type, int* value);

        // geqrf: A = QR with Householder reflectors stored below the diagonal and their scalars in tau.

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnSgeqrf_bufferSize(nint handle, int m, int n, float* a, int lda, int* lwork);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnDgeqrf_bufferSize(nint handle, int m, int n, double* a, int lda, int* lwork);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnSgeqrf(
            nint handle, int m, int n, float* a, int lda, float* tau, float* workspace, int lwork, int* devInfo);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnDgeqrf(
            nint handle, int m, int n, double* a, int lda, double* tau, double* workspace, int lwork, int* devInfo);

        // orgqr: forms the m x n Q from k reflectors.

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnSorgqr_bufferSize(
            nint handle, int m, int n, int k, float* a, int lda, float* tau, int* lwork);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnDorgqr_bufferSize(
            nint handle, int m, int n, int k, double* a, int lda, double* tau, int* lwork);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnSorgqr(
            nint handle, int m, int n, int k, float* a, int lda, float* tau, float* work, int lwork, int* devInfo);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnDorgqr(
            nint handle, int m, int n, int k, double* a, int lda, double* tau, double* work, int lwork, int* devInfo);

        // ormqr: C = op(Q) C or C op(Q) without forming Q.

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnSormqr_bufferSize(
            nint handle, Cublas.cublasSideMode_t side, Cublas.cublasOperation_t trans, int m, int n, int k,
            float* a, int lda, float* tau, float* c, int ldc, int* lwork);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnDormqr_bufferSize(
            nint handle, Cublas.cublasSideMode_t side, Cublas.cublasOperation_t trans, int m, int n, int k,
            double* a, int lda, double* tau, double* c, int ldc, int* lwork);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnSormqr(
            nint handle, Cublas.cublasSideMode_t side, Cublas.cublasOperation_t trans, int m, int n, int k,
            float* a, int lda, float* tau, float* c, int ldc, float* work, int lwork, int* devInfo);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnDormqr(
            nint handle, Cublas.cublasSideMode_t side, Cublas.cublasOperation_t trans, int m, int n, int k,
            double* a, int lda, double* tau, double* c, int ldc, double* work, int lwork, int* devInfo);

        // gesvd (QR-iteration SVD; cuSOLVER requires m >= n). jobu/jobvt are ASCII 'A', 'S', 'O', 'N'.

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnSgesvd_bufferSize(nint handle, int m, int n, int* lwork);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnDgesvd_bufferSize(nint handle, int m, int n, int* lwork);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnSgesvd(
            nint handle, sbyte jobu, sbyte jobvt, int m, int n, float* a, int lda, float* s,
            float* u, int ldu, float* vt, int ldvt, float* work, int lwork, float* rwork, int* devInfo);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnDgesvd(
            nint handle, sbyte jobu, sbyte jobvt, int m, int n, double* a, int lda, double* s,
            double* u, int ldu, double* vt, int ldvt, double* work, int lwork, double* rwork, int* devInfo);

        // gesvdj (Jacobi SVD): econ != 0 gives the economy-size U and V. Note V, not V^T.

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnSgesvdj_bufferSize(
            nint handle, cusolverEigMode_t jobz, int econ, int m, int n, float* a, int lda, float* s,
            float* u, int ldu, float* v, int ldv, int* lwork, nint parameters);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnDgesvdj_bufferSize(
            nint handle, cusolverEigMode_t jobz, int econ, int m, int n, double* a, int lda, double* s,
            double* u, int ldu, double* v, int ldv, int* lwork, nint parameters);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnSgesvdj(
            nint handle, cusolverEigMode_t jobz, int econ, int m, int n, float* a, int lda, float* s,
            float* u, int ldu, float* v, int ldv, float* work, int lwork, int* info, nint parameters);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnDgesvdj(
            nint handle, cusolverEigMode_t jobz, int econ, int m, int n, double* a, int lda, double* s,
            double* u, int ldu, double* v, int ldv, double* work, int lwork, int* info, nint parameters);

        // gesvdjBatched: matrices up to 32 x 32, stored contiguously; info holds one int per matrix.

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnSgesvdjBatched_bufferSize(
            nint handle, cusolverEigMode_t jobz, int m, int n, float* a, int lda, float* s,
            float* u, int ldu, float* v, int ldv, int* lwork, nint parameters, int batchSize);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnDgesvdjBatched_bufferSize(
            nint handle, cusolverEigMode_t jobz, int m, int n, double* a, int lda, double* s,
            double* u, int ldu, double* v, int ldv, int* lwork, nint parameters, int batchSize);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnSgesvdjBatched(
            nint handle, cusolverEigMode_t jobz, int m, int n, float* a, int lda, float* s,
            float* u, int ldu, float* v, int ldv, float* work, int lwork, int* info, nint parameters, int batchSize);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnDgesvdjBatched(
            nint handle, cusolverEigMode_t jobz, int m, int n, double* a, int lda, double* s,
            double* u, int ldu, double* v, int ldv, double* work, int lwork, int* info, nint parameters, int batchSize);

        // gesvdjInfo_t: Jacobi parameters (tolerance, sweeps).

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnCreateGesvdjInfo(nint* info);

        [LibraryImport(Libraries.Cusolver)]
        internal static partial cusolverStatus_t cusolverDnDestroyGesvdjInfo(nint info);

        [LibraryImport(Libraries.Cusolver)]
        internal static partial cusolverStatus_t cusolverDnXgesvdjSetTolerance(nint info, double tolerance);

        [LibraryImport(Libraries.Cusolver)]
        internal static partial cusolverStatus_t cusolverDnXgesvdjSetMaxSweeps(nint info, int maxSweeps);

        // The complex forms (C: cuComplex, Z: cuDoubleComplex): matrices, tau and workspaces are
        // device addresses of complex elements (nint); gesvd's S and rwork and gesvdjBatched's S are
        // real (float for C, double for Z). ungqr/unmqr are the unitary counterparts of orgqr/ormqr
        // (CUBLAS_OP_C applies Q^H).

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnCgeqrf_bufferSize(nint handle, int m, int n, nint a, int lda, int* lwork);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnZgeqrf_bufferSize(nint handle, int m, int n, nint a, int lda, int* lwork);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnCgeqrf(nint handle, int m, int n, nint a, int lda, nint tau, nint workspace, int lwork, int* devInfo);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnZgeqrf(nint handle, int m, int n, nint a, int lda, nint tau, nint workspace, int lwork, int* devInfo);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnCungqr_bufferSize(nint handle, int m, int n, int k, nint a, int lda, nint tau, int* lwork);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnZungqr_bufferSize(nint handle, int m, int n, int k, nint a, int lda, nint tau, int* lwork);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnCungqr(nint handle, int m, int n, int k, nint a, int lda, nint tau, nint work, int lwork, int* devInfo);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnZungqr(nint handle, int m, int n, int k, nint a, int lda, nint tau, nint work, int lwork, int* devInfo);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnCunmqr_bufferSize(
            nint handle, Cublas.cublasSideMode_t side, Cublas.cublasOperation_t trans, int m, int n, int k,
            nint a, int lda, nint tau, nint c, int ldc, int* lwork);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnZunmqr_bufferSize(
            nint handle, Cublas.cublasSideMode_t side, Cublas.cublasOperation_t trans, int m, int n, int k,
            nint a, int lda, nint tau, nint c, int ldc, int* lwork);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnCunmqr(
            nint handle, Cublas.cublasSideMode_t side, Cublas.cublasOperation_t trans, int m, int n, int k,
            nint a, int lda, nint tau, nint c, int ldc, nint work, int lwork, int* devInfo);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnZunmqr(
            nint handle, Cublas.cublasSideMode_t side, Cublas.cublasOperation_t trans, int m, int n, int k,
            nint a, int lda, nint tau, nint c, int ldc, nint work, int lwork, int* devInfo);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnCgesvd_bufferSize(nint handle, int m, int n, int* lwork);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnZgesvd_bufferSize(nint handle, int m, int n, int* lwork);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnCgesvd(
            nint handle, sbyte jobu, sbyte jobvt, int m, int n, nint a, int lda, float* s,
            nint u, int ldu, nint vt, int ldvt, nint work, int lwork, float* rwork, int* devInfo);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnZgesvd(
            nint handle, sbyte jobu, sbyte jobvt, int m, int n, nint a, int lda, double* s,
            nint u, int ldu, nint vt, int ldvt, nint work, int lwork, double* rwork, int* devInfo);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnCgesvdjBatched_bufferSize(
            nint handle, cusolverEigMode_t jobz, int m, int n, nint a, int lda, float* s,
            nint u, int ldu, nint v, int ldv, int* lwork, nint parameters, int batchSize);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnZgesvdjBatched_bufferSize(
            nint handle, cusolverEigMode_t jobz, int m, int n, nint a, int lda, double* s,
            nint u, int ldu, nint v, int ldv, int* lwork, nint parameters, int batchSize);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnCgesvdjBatched(
            nint handle, cusolverEigMode_t jobz, int m, int n, nint a, int lda, float* s,
            nint u, int ldu, nint v, int ldv, nint work, int lwork, int* info, nint parameters, int batchSize);

        [LibraryImport(Libraries.Cusolver)]
        internal static unsafe partial cusolverStatus_t cusolverDnZgesvdjBatched(
            nint handle, cusolverEigMode_t jobz, int m, int n, nint a, int lda, double* s,
            nint u, int ldu, nint v, int ldv, nint work, int lwork, int* info, nint parameters, int batchSize);
    }
}
