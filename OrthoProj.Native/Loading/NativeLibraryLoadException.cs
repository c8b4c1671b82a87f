namespace OrthoProj.Native;

/// <summary>
/// Thrown when a native library that OrthoProj binds to (CUDA driver, cuBLAS, cuSOLVER, NVRTC,
/// LAPACK/BLAS) cannot be loaded. <see cref="ProbeTrace"/> holds every name and folder that was
/// tried and why each failed, so that a missing or mismatched installation can be diagnosed from
/// the exception alone.
/// </summary>
public sealed class NativeLibraryLoadException : DllNotFoundException
{
    /// <summary>Creates the exception for <paramref name="component"/> with the probe trace.</summary>
    public NativeLibraryLoadException(string component, IReadOnlyList<string> probeTrace)
        : base(FormatMessage(component, probeTrace))
    {
        Component = component;
        ProbeTrace = probeTrace;
    }

    /// <summary>The logical component that failed to load, e.g. "cuBLAS".</summary>
    public string Component { get; }

    /// <summary>One line per attempt: the candidate tried and the loader's answer.</summary>
    public IReadOnlyList<string> ProbeTrace { get; }

    private static string FormatMessage(string component, IReadOnlyList<string> trace) =>
        $"Could not load {component}. Probe trace:{Environment.NewLine}  " +
        string.Join(Environment.NewLine + "  ", trace);
}
