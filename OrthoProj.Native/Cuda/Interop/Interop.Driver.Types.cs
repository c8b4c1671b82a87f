namespace OrthoProj.Native;

internal static partial class Interop
{
    internal static partial class Driver
    {
        /// <summary>CUresult (cuda.h). Only the values OrthoProj names are listed; others still print as numbers.</summary>
        internal enum CUresult
        {
            CUDA_SUCCESS = 0,
            CUDA_ERROR_INVALID_VALUE = 1,
            CUDA_ERROR_OUT_OF_MEMORY = 2,
            CUDA_ERROR_NOT_INITIALIZED = 3,
            CUDA_ERROR_DEINITIALIZED = 4,
            CUDA_ERROR_STUB_LIBRARY = 34,
            CUDA_ERROR_INSUFFICIENT_DRIVER = 35,
            CUDA_ERROR_DEVICE_UNAVAILABLE = 46,
            CUDA_ERROR_NO_DEVICE = 100,
            CUDA_ERROR_INVALID_DEVICE = 101,
            CUDA_ERROR_INVALID_IMAGE = 200,
            CUDA_ERROR_INVALID_CONTEXT = 201,
            CUDA_ERROR_NO_BINARY_FOR_GPU = 209,
            CUDA_ERROR_INVALID_PTX = 218,
            CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222,
            CUDA_ERROR_INVALID_HANDLE = 400,
            CUDA_ERROR_NOT_FOUND = 500,
            CUDA_ERROR_NOT_READY = 600,
            CUDA_ERROR_ILLEGAL_ADDRESS = 700,
            CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,
            CUDA_ERROR_LAUNCH_FAILED = 719,
            CUDA_ERROR_SYSTEM_NOT_READY = 802,
            CUDA_ERROR_SYSTEM_DRIVER_MISMATCH = 803,
            CUDA_ERROR_UNKNOWN = 999,
        }

        /// <summary>CUdevice_attribute values queried one by one (cudaDeviceProp is never marshalled).</summary>
        internal enum CUdevice_attribute
        {
            CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1,
            CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8,
            CU_DEVICE_ATTRIBUTE_WARP_SIZE = 10,
            CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16,
            CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING = 41,
            CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
            CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
            CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97,
        }

        /// <summary>CUfunction_attribute values settable with cuFuncSetAttribute.</summary>
        internal enum CUfunction_attribute
        {
            CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8,
            CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT = 9,
        }

        /// <summary>cuMemHostAlloc flag: pinned memory usable from every context.</summary>
        internal const uint CU_MEMHOSTALLOC_PORTABLE = 0x01;

        /// <summary>cuStreamCreate flag: no implicit synchronization with the legacy default stream.</summary>
        internal const uint CU_STREAM_NON_BLOCKING = 0x1;

        /// <summary>cuEventCreate flags.</summary>
        internal const uint CU_EVENT_DEFAULT = 0x0;
        internal const uint CU_EVENT_BLOCKING_SYNC = 0x1;
        internal const uint CU_EVENT_DISABLE_TIMING = 0x2;
    }
}
