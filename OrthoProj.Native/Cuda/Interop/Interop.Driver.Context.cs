using System.Runtime.InteropServices;

namespace OrthoProj.Native;

internal static partial class Interop
{
    internal static partial class Driver
    {
        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuDevicePrimaryCtxRetain(nint* pctx, int dev);

        // cuda.h maps cuDevicePrimaryCtxRelease to the _v2 export since CUDA 11.0.
        [LibraryImport(Libraries.CudaDriver)]
        internal static partial CUresult cuDevicePrimaryCtxRelease_v2(int dev);

        [LibraryImport(Libraries.CudaDriver)]
        internal static partial CUresult cuCtxSetCurrent(nint ctx);

        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuCtxGetCurrent(nint* pctx);

        [LibraryImport(Libraries.CudaDriver)]
        internal static partial CUresult cuCtxSynchronize();

        // cuda.h maps cuCtxPushCurrent / cuCtxPopCurrent to the _v2 exports since CUDA 4.0.
        [LibraryImport(Libraries.CudaDriver)]
        internal static partial CUresult cuCtxPushCurrent_v2(nint ctx);

        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuCtxPopCurrent_v2(nint* pctx);
    }
}
