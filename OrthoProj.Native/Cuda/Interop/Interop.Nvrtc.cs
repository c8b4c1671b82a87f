using System.Runtime.InteropServices;

namespace OrthoProj.Native;

internal static partial class Interop
{
    /// <summary>NVRTC (nvrtc.h): run-time compilation of CUDA C++ to PTX or CUBIN.</summary>
    internal static partial class Nvrtc
    {
        internal enum nvrtcResult
        {
            NVRTC_SUCCESS = 0,
            NVRTC_ERROR_OUT_OF_MEMORY = 1,
            NVRTC_ERROR_PROGRAM_CREATION_FAILURE = 2,
            NVRTC_ERROR_INVALID_INPUT = 3,
            NVRTC_ERROR_INVALID_PROGRAM = 4,
            NVRTC_ERROR_INVALID_OPTION = 5,
            NVRTC_ERROR_COMPILATION = 6,
            NVRTC_ERROR_BUILTIN_OPERATION_FAILURE = 7,
            NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION = 8,
            NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION = 9,
            NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID = 10,
            NVRTC_ERROR_INTERNAL_ERROR = 11,
            NVRTC_ERROR_TIME_FILE_WRITE_FAILED = 12,
        }

        [LibraryImport(Libraries.Nvrtc)]
        internal static unsafe partial nvrtcResult nvrtcVersion(int* major, int* minor);

        [LibraryImport(Libraries.Nvrtc)]
        internal static unsafe partial nvrtcResult nvrtcGetNumSupportedArchs(int* numArchs);

        [LibraryImport(Libraries.Nvrtc)]
        internal static unsafe partial nvrtcResult nvrtcGetSupportedArchs(int* supportedArchs);

        [LibraryImport(Libraries.Nvrtc)]
        internal static unsafe partial nvrtcResult nvrtcCreateProgram(
            nint* prog, byte* src, byte* name, int numHeaders, byte** headers, byte** includeNames);

        [LibraryImport(Libraries.Nvrtc)]
        internal static unsafe partial nvrtcResult nvrtcDestroyProgram(nint* prog);

        [LibraryImport(Libraries.Nvrtc)]
        internal static unsafe partial nvrtcResult nvrtcCompileProgram(nint prog, int numOptions, byte** options);

        [LibraryImport(Libraries.Nvrtc)]
        internal static unsafe partial nvrtcResult nvrtcGetProgramLogSize(nint prog, nuint* logSizeRet);

        [LibraryImport(Libraries.Nvrtc)]
        internal static unsafe partial nvrtcResult nvrtcGetProgramLog(nint prog, byte* log);

        [LibraryImport(Libraries.Nvrtc)]
        internal static unsafe partial nvrtcResult nvrtcGetCUBINSize(nint prog, nuint* cubinSizeRet);

        [LibraryImport(Libraries.Nvrtc)]
        internal static unsafe partial nvrtcResult nvrtcGetCUBIN(nint prog, byte* cubin);

        [LibraryImport(Libraries.Nvrtc)]
        internal static unsafe partial nvrtcResult nvrtcGetPTXSize(nint prog, nuint* ptxSizeRet);

        [LibraryImport(Libraries.Nvrtc)]
        internal static unsafe partial nvrtcResult nvrtcGetPTX(nint prog, byte* ptx);

        /// <summary>Returns a static, NUL-terminated description (never freed).</summary>
        [LibraryImport(Libraries.Nvrtc)]
        internal static unsafe partial byte* nvrtcGetErrorString(nvrtcResult result);
    }
}
