using System.Runtime.InteropServices;

namespace OrthoProj.Native;

internal static partial class Interop
{
    internal static partial class Driver
    {
        /// <summary>Loads a CUBIN, fatbin or NUL-terminated PTX image into the current context.</summary>
        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuModuleLoadData(nint* module, void* image);

        [LibraryImport(Libraries.CudaDriver)]
        internal static partial CUresult cuModuleUnload(nint hmod);

        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuModuleGetFunction(nint* hfunc, nint hmod, byte* name);

        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuLaunchKernel(
            nint f,
            uint gridDimX, uint gridDimY, uint gridDimZ,
            uint blockDimX, uint blockDimY, uint blockDimZ,
            uint sharedMemBytes,
            nint hStream,
            void** kernelParams,
            void** extra);

        [LibraryImport(Libraries.CudaDriver)]
        internal static partial CUresult cuFuncSetAttribute(nint hfunc, CUfunction_attribute attrib, int value);
    }
}
