using System.Runtime.InteropServices;

namespace OrthoProj.Native;

internal static partial class Interop
{
    internal static partial class Driver
    {
        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuStreamCreate(nint* phStream, uint flags);

        [LibraryImport(Libraries.CudaDriver)]
        internal static partial CUresult cuStreamDestroy_v2(nint hStream);

        [LibraryImport(Libraries.CudaDriver)]
        internal static partial CUresult cuStreamSynchronize(nint hStream);

        [LibraryImport(Libraries.CudaDriver)]
        internal static partial CUresult cuStreamWaitEvent(nint hStream, nint hEvent, uint flags);
    }
}
