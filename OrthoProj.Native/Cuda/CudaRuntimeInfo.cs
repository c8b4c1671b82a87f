using System.Globalization;
using System.Text;
using static OrthoProj.Native.Interop;

namespace OrthoProj.Native;

/// <summary>One CUDA library as loaded: where from and which version it reports.</summary>
/// <param name="Component">"cuBLAS", "cuSOLVER", "NVRTC" or "CUDA driver".</param>
/// <param name="Path">The file that was loaded (resolved through /proc/self/maps when loaded by bare name).</param>
/// <param name="Version">The version the library reports about itself.</param>
public sealed record CudaLibraryInfo(string Component, string Path, Version Version);

/// <summary>
/// Confirms which CUDA libraries were loaded and that they come from one CUDA major: the versions
/// reported by cublasGetProperty, cusolverGetProperty and nvrtcVersion, the files they were
/// loaded from, and the driver's CUDA version when a driver is present. Used by the benchmark to
/// print what it measured against.
/// </summary>
public sealed class CudaRuntimeInfo
{
    private CudaRuntimeInfo(int cudaMajor, CudaLibraryInfo cublas, CudaLibraryInfo cusolver, CudaLibraryInfo nvrtc, CudaLibraryInfo? driver)
    {
        CudaMajor = cudaMajor;
        Cublas = cublas;
        Cusolver = cusolver;
        Nvrtc = nvrtc;
        Driver = driver;
    }

    /// <summary>The CUDA major the libraries were pinned to by the probe (<see cref="CudaLibraries.PinnedMajor"/>).</summary>
    public int CudaMajor { get; }

    /// <summary>cuBLAS (its major equals the CUDA major).</summary>
    public CudaLibraryInfo Cublas { get; }

    /// <summary>cuSOLVER (major 11 for CUDA 11 and 12, 12 for CUDA 13).</summary>
    public CudaLibraryInfo Cusolver { get; }

    /// <summary>NVRTC (its major equals the CUDA major).</summary>
    public CudaLibraryInfo Nvrtc { get; }

    /// <summary>The driver and the CUDA version it supports, or null when no driver initializes.</summary>
    public CudaLibraryInfo? Driver { get; }

    /// <summary>
    /// Whether cuBLAS, cuSOLVER and NVRTC report versions of one CUDA major, and the driver (when
    /// present) supports at least that major.
    /// </summary>
    public bool IsConsistent =>
        Cublas.Version.Major == CudaMajor
        && Nvrtc.Version.Major == CudaMajor
        && Cusolver.Version.Major == CusolverMajorFor(CudaMajor)
        && (Driver is null || Driver.Version.Major >= CudaMajor);

    /// <summary>The cuSOLVER major that ships with CUDA <paramref name="cudaMajor"/> (docs/design.md section 2).</summary>
    /// <returns>The cuSOLVER major version.</returns>
    public static int CusolverMajorFor(int cudaMajor) => cudaMajor >= 13 ? cudaMajor - 1 : 11;

    /// <summary>Loads cuBLAS, cuSOLVER and NVRTC (not the driver: optional) and reads their versions.</summary>
    /// <returns>The libraries found and their versions.</returns>
    /// <exception cref="NativeLibraryLoadException">A library is missing; the message holds the probe trace.</exception>
    public static unsafe CudaRuntimeInfo Query()
    {
        int major, minor, patch;
        CudaCheck.Check(Interop.Cublas.cublasGetProperty(libraryPropertyType.MAJOR_VERSION, &major), "cublasGetProperty");
        CudaCheck.Check(Interop.Cublas.cublasGetProperty(libraryPropertyType.MINOR_VERSION, &minor), "cublasGetProperty");
        CudaCheck.Check(Interop.Cublas.cublasGetProperty(libraryPropertyType.PATCH_LEVEL, &patch), "cublasGetProperty");
        var cublas = new CudaLibraryInfo("cuBLAS", LoadedPath("cuBLAS"), new Version(major, minor, patch));

        CudaCheck.Check(Interop.Cusolver.cusolverGetProperty(libraryPropertyType.MAJOR_VERSION, &major), "cusolverGetProperty");
        CudaCheck.Check(Interop.Cusolver.cusolverGetProperty(libraryPropertyType.MINOR_VERSION, &minor), "cusolverGetProperty");
        CudaCheck.Check(Interop.Cusolver.cusolverGetProperty(libraryPropertyType.PATCH_LEVEL, &patch), "cusolverGetProperty");
        var cusolver = new CudaLibraryInfo("cuSOLVER", LoadedPath("cuSOLVER"), new Version(major, minor, patch));

        var nvrtc = new CudaLibraryInfo("NVRTC", LoadedPath("NVRTC"), NvrtcCompiler.NvrtcVersion);

        CudaLibraryInfo? driver = null;
        if (CudaDevice.TryGetDeviceCount(out _, out _))
        {
            int version;
            if (Interop.Driver.cuDriverGetVersion(&version) == Interop.Driver.CUresult.CUDA_SUCCESS)
            {
                driver = new CudaLibraryInfo("CUDA driver", LoadedPath("CUDA driver"), new Version(version / 1000, version % 1000 / 10));
            }
        }

        return new CudaRuntimeInfo(CudaLibraries.PinnedMajor, cublas, cusolver, nvrtc, driver);
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"CUDA {CudaMajor} libraries ({(IsConsistent ? "consistent" : "MIXED MAJORS")}):").AppendLine();
        foreach (CudaLibraryInfo? library in new[] { Cublas, Cusolver, Nvrtc, Driver })
        {
            if (library is not null)
            {
                text.Append(CultureInfo.InvariantCulture, $"  {library.Component,-12} {library.Version,-10} {library.Path}").AppendLine();
            }
        }

        if (Driver is null)
        {
            text.AppendLine("  CUDA driver  (none initialized)");
        }

        return text.ToString();
    }

    // The probe records a bare soname when the system loader found the file; the real path is in
    // this process's memory map.
    private static string LoadedPath(string component)
    {
        if (!CudaLibraries.LoadedFrom.TryGetValue(component, out string? from))
        {
            return "(unknown)";
        }

        if (Path.IsPathRooted(from) || !OperatingSystem.IsLinux())
        {
            return from;
        }

        // The soname (libnvrtc.so.11.2) may differ from the real file name (libnvrtc.so.11.8.89):
        // match on the part up to ".so".
        int so = from.IndexOf(".so", StringComparison.Ordinal);
        string stem = so < 0 ? from : from[..(so + 3)];
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash >= 0 && Path.GetFileName(line.AsSpan(slash)).StartsWith(stem, StringComparison.Ordinal))
                {
                    return line[slash..];
                }
            }
        }
        catch (IOException)
        {
        }

        return from;
    }
}
