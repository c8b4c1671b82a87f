namespace OrthoProj.Native;

/// <summary>The CUDA component whose call failed.</summary>
public enum CudaComponent
{
    /// <summary>The CUDA driver API (libcuda.so.1).</summary>
    Driver,

    /// <summary>cuBLAS.</summary>
    Cublas,

    /// <summary>cuSOLVER.</summary>
    Cusolver,

    /// <summary>NVRTC, the run-time compiler.</summary>
    Nvrtc,
}

/// <summary>
/// A CUDA library call returned a status other than success. One exception family covers the
/// driver, cuBLAS, cuSOLVER and NVRTC: <see cref="Component"/> says which, <see cref="StatusName"/>
/// and <see cref="Status"/> give the C enumerator name and its value, and <see cref="Call"/> the
/// exported function that returned it (for example <c>cublasSgemm_v2</c>).
/// </summary>
public class CudaException : Exception
{
    /// <summary>Creates the exception for a failed <paramref name="call"/>.</summary>
    public CudaException(CudaComponent component, string call, int status, string statusName, string? detail = null)
        : base(FormatMessage(component, call, status, statusName, detail))
    {
        Component = component;
        Call = call;
        Status = status;
        StatusName = statusName;
    }

    /// <summary>The library the failing call belongs to.</summary>
    public CudaComponent Component { get; }

    /// <summary>The exported C function that failed, e.g. <c>cusolverDnSgeqrf</c>.</summary>
    public string Call { get; }

    /// <summary>The numeric status code (CUresult, cublasStatus_t, cusolverStatus_t or nvrtcResult).</summary>
    public int Status { get; }

    /// <summary>The C name of the status, e.g. <c>CUDA_ERROR_OUT_OF_MEMORY</c>.</summary>
    public string StatusName { get; }

    private static string FormatMessage(CudaComponent component, string call, int status, string statusName, string? detail) =>
        $"{call} failed with {statusName} ({status}) [{component}]" + (string.IsNullOrEmpty(detail) ? "." : $": {detail}");
}

/// <summary>
/// NVRTC rejected a program. <see cref="Log"/> holds the compiler's log (the error messages with
/// line numbers), which the message repeats.
/// </summary>
public sealed class NvrtcCompilationException : CudaException
{
    /// <summary>Creates the exception with the program name, the options used and the compiler log.</summary>
    public NvrtcCompilationException(string programName, int status, string statusName, string log, IReadOnlyList<string> options)
        : base(CudaComponent.Nvrtc, "nvrtcCompileProgram", status, statusName,
            $"compiling '{programName}' with [{string.Join(' ', options)}]:{Environment.NewLine}{log}")
    {
        ProgramName = programName;
        Log = log;
        Options = options;
    }

    /// <summary>The program name given to NVRTC (appears in the log's line references).</summary>
    public string ProgramName { get; }

    /// <summary>The NVRTC program log.</summary>
    public string Log { get; }

    /// <summary>The compiler options of the failed compilation.</summary>
    public IReadOnlyList<string> Options { get; }
}
