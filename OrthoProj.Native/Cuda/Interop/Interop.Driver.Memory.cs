using System.Runtime.InteropServices;

namespace OrthoProj.Native;

internal static partial class Interop
{
    internal static partial class Driver
    {
        // CUdeviceptr is an unsigned 64-bit integer; nint has the same size and ABI on 64-bit hosts.

        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuMemAlloc_v2(nint* dptr, nuint bytesize);

        [LibraryImport(Libraries.CudaDriver)]
        internal static partial CUresult cuMemFree_v2(nint dptr);

        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuMemcpyHtoD_v2(nint dstDevice, void* srcHost, nuint byteCount);

        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuMemcpyDtoH_v2(void* dstHost, nint srcDevice, nuint byteCount);

        [LibraryImport(Libraries.CudaDriver)]
        internal static partial CUresult cuMemcpyDtoD_v2(nint dstDevice, nint srcDevice, nuint byteCount);

        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuMemcpyHtoDAsync_v2(nint dstDevice, void* srcHost, nuint byteCount, nint hStream);

        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuMemcpyDtoHAsync_v2(void* dstHost, nint srcDevice, nuint byteCount, nint hStream);

        [LibraryImport(Libraries.CudaDriver)]
        internal static partial CUresult cuMemcpyDtoDAsync_v2(nint dstDevice, nint srcDevice, nuint byteCount, nint hStream);

        [LibraryImport(Libraries.CudaDriver)]
        internal static partial CUresult cuMemsetD8_v2(nint dstDevice, byte uc, nuint n);

        [LibraryImport(Libraries.CudaDriver)]
        internal static partial CUresult cuMemsetD8Async(nint dstDevice, byte uc, nuint n, nint hStream);

        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuMemHostAlloc(void** pp, nuint bytesize, uint flags);

        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuMemFreeHost(void* p);
    }
}
