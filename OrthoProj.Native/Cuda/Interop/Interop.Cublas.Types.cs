namespace OrthoProj.Native;

internal static partial class Interop
{
    /// <summary>libraryPropertyType (library_types.h), shared by cublasGetProperty and cusolverGetProperty.</summary>
    internal enum libraryPropertyType
    {
        MAJOR_VERSION = 0,
        MINOR_VERSION = 1,
        PATCH_LEVEL = 2,
    }

    internal static partial class Cublas
    {
        internal enum cublasStatus_t
        {
            CUBLAS_STATUS_SUCCESS = 0,
            CUBLAS_STATUS_NOT_INITIALIZED = 1,
            CUBLAS_STATUS_ALLOC_FAILED = 3,
            CUBLAS_STATUS_INVALID_VALUE = 7,
            CUBLAS_STATUS_ARCH_MISMATCH = 8,
            CUBLAS_STATUS_MAPPING_ERROR = 11,
            CUBLAS_STATUS_EXECUTION_FAILED = 13,
            CUBLAS_STATUS_INTERNAL_ERROR = 14,
            CUBLAS_STATUS_NOT_SUPPORTED = 15,
            CUBLAS_STATUS_LICENSE_ERROR = 16,
        }

        internal enum cublasOperation_t
        {
            CUBLAS_OP_N = 0,
            CUBLAS_OP_T = 1,
            CUBLAS_OP_C = 2,
        }

        internal enum cublasFillMode_t
        {
            CUBLAS_FILL_MODE_LOWER = 0,
            CUBLAS_FILL_MODE_UPPER = 1,
        }

        internal enum cublasDiagType_t
        {
            CUBLAS_DIAG_NON_UNIT = 0,
            CUBLAS_DIAG_UNIT = 1,
        }

        internal enum cublasSideMode_t
        {
            CUBLAS_SIDE_LEFT = 0,
            CUBLAS_SIDE_RIGHT = 1,
        }
    }
}
