using System.Runtime.InteropServices;

namespace OrthoProj.Native;

internal static partial class Interop
{
    internal static partial class Driver
    {
        [LibraryImport(Libraries.CudaDriver)]
        internal static partial CUresult cuInit(uint flags);

        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuDriverGetVersion(int* driverVersion);

        /// <summary>Writes a pointer to a static, NUL-terminated name (never freed).</summary>
        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuGetErrorName(CUresult error, byte** pStr);
    }
}
