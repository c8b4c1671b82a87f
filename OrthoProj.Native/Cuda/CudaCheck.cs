using System.Runtime.InteropServices;
using static OrthoProj.Native.Interop.Cublas;
using static OrthoProj.Native.Interop.Cusolver;
using static OrthoProj.Native.Interop.Driver;
using static OrthoProj.Native.Interop.Nvrtc;

namespace OrthoProj.Native;

/// <summary>
/// Turns native status codes into <see cref="CudaException"/>. One overload per status enum, so a
/// call site reads <c>CudaCheck.Check(Interop.Cublas.cublasSgemm_v2(...), "cublasSgemm_v2")</c>.
/// </summary>
internal static class CudaCheck
{
    internal static void Check(CUresult status, string call)
    {
        if (status != CUresult.CUDA_SUCCESS)
        {
            throw new CudaException(CudaComponent.Driver, call, (int)status, DriverStatusName(status));
        }
    }

    internal static void Check(cublasStatus_t status, string call)
    {
        if (status != cublasStatus_t.CUBLAS_STATUS_SUCCESS)
        {
            throw new CudaException(CudaComponent.Cublas, call, (int)status, EnumName(status, "CUBLAS_STATUS_"));
        }
    }

    internal static void Check(cusolverStatus_t status, string call)
    {
        if (status != cusolverStatus_t.CUSOLVER_STATUS_SUCCESS)
        {
            throw new CudaException(CudaComponent.Cusolver, call, (int)status, EnumName(status, "CUSOLVER_STATUS_"));
        }
    }

    internal static void Check(nvrtcResult status, string call)
    {
        if (status != nvrtcResult.NVRTC_SUCCESS)
        {
            throw new CudaException(CudaComponent.Nvrtc, call, (int)status, EnumName(status, "NVRTC_ERROR_"), NvrtcErrorString(status));
        }
    }

    /// <summary>The driver's own name for a CUresult (cuGetErrorName), falling back to ours.</summary>
    internal static unsafe string DriverStatusName(CUresult status)
    {
        if (Enum.IsDefined(status))
        {
            return status.ToString();
        }

        byte* name = null;
        try
        {
            if (cuGetErrorName(status, &name) == CUresult.CUDA_SUCCESS && name != null)
            {
                return Marshal.PtrToStringUTF8((nint)name) ?? $"CUresult {(int)status}";
            }
        }
        catch (DllNotFoundException)
        {
            // No driver: keep the numeric form.
        }

        return $"CUDA_ERROR_{(int)status}";
    }

    private static string EnumName<TEnum>(TEnum status, string prefix)
        where TEnum : struct, Enum =>
        Enum.IsDefined(status) ? status.ToString() : prefix + Convert.ToInt32(status, System.Globalization.CultureInfo.InvariantCulture);

    private static unsafe string? NvrtcErrorString(nvrtcResult status)
    {
        byte* text = nvrtcGetErrorString(status);
        return text == null ? null : Marshal.PtrToStringUTF8((nint)text);
    }
}
