using System.Runtime.InteropServices;

namespace OrthoProj.Native;

internal static partial class Interop
{
    internal static partial class Driver
    {
        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuDeviceGetCount(int* count);

        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuDeviceGet(int* device, int ordinal);

        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuDeviceGetName(byte* name, int len, int dev);

        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuDeviceGetAttribute(int* pi, CUdevice_attribute attrib, int dev);

        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuDeviceTotalMem_v2(nuint* bytes, int dev);

        [LibraryImport(Libraries.CudaDriver)]
        internal static unsafe partial CUresult cuMemGetInfo_v2(nuint* free, nuint* total);
    }
}
