using System.Runtime.InteropServices;

namespace OrthoProj.Native;

internal static partial class Interop
{
    internal static partial class Driver
    {
        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuEventCreate(nint* phEvent, uint flags);

        [LibraryImport(Libraries.CudaDriver)]
        internal static partial CUresult cuEventRecord(nint hEvent, nint hStream);

        [LibraryImport(Libraries.CudaDriver)]
        internal static partial CUresult cuEventSynchronize(nint hEvent);

        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuEventElapsedTime(float* pMilliseconds, nint hStart, nint hEnd);

        [LibraryImport(Libraries.CudaDriver)]
        internal static partial CUresult cuEventDestroy_v2(nint hEvent);
    }
}
