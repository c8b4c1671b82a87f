using System.Runtime.InteropServices;

namespace OrthoProj.Native;

/// <summary>
/// Finds the CUDA libraries. The driver is asked first which CUDA version it supports
/// (cuDriverGetVersion); versioned names are then probed newest first (CUDA 13, 12, 11), skipping
/// majors newer than the driver's (a CUDA 13 library loads on a CUDA 12 driver but fails at its first
/// call), and the first library that loads pins the CUDA major for all the others, so that cuBLAS,
/// cuSOLVER and NVRTC never come from two different toolkits. The driver (libcuda.so.1) has one name across
/// majors. The folders in <c>ORTHOPROJ_CUDA_PATH</c> (a path-separator list) are searched first.
/// </summary>
public static class CudaLibraries
{
    /// <summary>The environment variable naming folders to search before the system's loader path.</summary>
    public const string OverrideVariable = "ORTHOPROJ_CUDA_PATH";

    // Per CUDA major: file names of cuBLAS, cuSOLVER and NVRTC (docs/design.md section 2).
    private static readonly (int Major, string Cublas, string Cusolver, string Nvrtc)[] Toolkits =
    [
        (13, "libcublas.so.13", "libcusolver.so.12", "libnvrtc.so.13"),
        (12, "libcublas.so.12", "libcusolver.so.11", "libnvrtc.so.12"),
        (11, "libcublas.so.11", "libcusolver.so.11", "libnvrtc.so.11.2"),
    ];

    /// <summary>
    /// The last line of the probe trace when the driver is missing: where libcuda.so.1 comes from.
    /// It is never part of a CUDA toolkit or pip wheel, so ORTHOPROJ_CUDA_PATH rarely helps here.
    /// </summary>
    internal const string DriverHelp =
        "Where to get it: libcuda.so.1 comes with the NVIDIA GPU driver, not with the CUDA toolkit: "
        + "Debian 'libcuda1' (non-free, with nvidia-driver), Ubuntu 'libnvidia-compute-<driver version>' "
        + "(ubuntu-drivers install), or NVIDIA's driver installer; in a container, the NVIDIA Container "
        + "Toolkit mounts the host's (docker run --gpus all). On a machine without an NVIDIA GPU driver "
        + "the CUDA backend is unavailable and OrthoProj uses the CPU.";

    /// <summary>
    /// The last line of the probe trace when cuBLAS, cuSOLVER or NVRTC is missing: which packages
    /// provide them for each supported CUDA major, and how to point OrthoProj at a private copy.
    /// </summary>
    internal const string ToolkitHelp =
        "Where to get it: OrthoProj needs cuBLAS (with cuBLASLt), cuSOLVER and NVRTC of one CUDA major, 11, 12 or 13, "
        + "besides the driver. Debian 12 (non-free): libcublas11 libcublaslt11 libcusolver11 libnvrtc11.2 "
        + "libnvrtc-builtins11.8; Ubuntu 24.04 (multiverse): libcublas12 libcublaslt12 libcusolver11 libnvrtc12 libnvrtc-builtins12.0; "
        + "NVIDIA's CUDA repository or toolkit (https://developer.nvidia.com/cuda-downloads: e.g. cuda-libraries-12-8, "
        + "installed under /usr/local/cuda/lib64); or the pip wheels nvidia-cublas-cu12 nvidia-cusolver-cu12 "
        + "nvidia-cuda-nvrtc-cu12 (-cu11 for CUDA 11; their libraries are in site-packages/nvidia/*/lib). "
        + "Set " + OverrideVariable + " to the folder(s) holding them (':'-separated) when they are not on the loader's path.";

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, string> LoadedPaths = new(StringComparer.Ordinal);
    private static int pinnedMajor;

    /// <summary>The CUDA major that the loaded libraries come from, or 0 before any loaded.</summary>
    public static int PinnedMajor
    {
        get { lock (Gate) { return pinnedMajor; } }
    }

    /// <summary>The file each loaded CUDA component came from, keyed by component name.</summary>
    public static IReadOnlyDictionary<string, string> LoadedFrom
    {
        get { lock (Gate) { return new Dictionary<string, string>(LoadedPaths, StringComparer.Ordinal); } }
    }

    internal static nint Load(string logicalName)
    {
        lock (Gate)
        {
            var trace = new List<string>();
            string component = logicalName switch
            {
                Libraries.CudaDriver => "CUDA driver",
                Libraries.Cublas => "cuBLAS",
                Libraries.Cusolver => "cuSOLVER",
                _ => "NVRTC",
            };

            if (logicalName == Libraries.CudaDriver)
            {
                if (LibraryProbe.TryLoad(["libcuda.so.1"], OverrideVariable, trace, out nint driver, out string from))
                {
                    LoadedPaths[component] = from;
                    return driver;
                }

                trace.Add(DriverHelp);
                throw new NativeLibraryLoadException(component, trace);
            }

            int driverMajor = pinnedMajor == 0 ? DriverMajor() : 0;
            foreach (var toolkit in Toolkits)
            {
                if (pinnedMajor != 0 && toolkit.Major != pinnedMajor)
                {
                    continue;
                }

                if (driverMajor != 0 && toolkit.Major > driverMajor)
                {
                    trace.Add($"CUDA {toolkit.Major} names skipped: the driver supports CUDA {driverMajor}.");
                    continue;
                }

                string fileName = logicalName switch
                {
                    Libraries.Cublas => toolkit.Cublas,
                    Libraries.Cusolver => toolkit.Cusolver,
                    _ => toolkit.Nvrtc,
                };
                if (LibraryProbe.TryLoad([fileName], OverrideVariable, trace, out nint handle, out string from))
                {
                    pinnedMajor = toolkit.Major;
                    LoadedPaths[component] = from;
                    if (logicalName == Libraries.Nvrtc)
                    {
                        PreloadNvrtcBuiltins(from, handle);
                    }

                    return handle;
                }
            }

            if (pinnedMajor != 0)
            {
                trace.Add($"Only CUDA {pinnedMajor} names were tried: another CUDA library was already loaded from that toolkit.");
            }

            trace.Add(ToolkitHelp);
            throw new NativeLibraryLoadException(component, trace);
        }
    }

    /// <summary>
    /// NVRTC opens its companion libnvrtc-builtins.so.M.m by soname at compile time; when NVRTC
    /// came from an override folder that is not on the loader path, that lookup would fail with
    /// NVRTC_ERROR_BUILTIN_OPERATION_FAILURE. Loading the companion from the same folder first
    /// satisfies the later lookup, since the loader matches an already-loaded soname.
    /// </summary>
    /// <remarks>
    /// The companion must be the one of NVRTC's own version (nvrtcVersion M.m: libnvrtc-builtins.so.M.m);
    /// a folder holding two versions would otherwise give the first file found. Any other one is
    /// tried only when NVRTC cannot say its version.
    /// </remarks>
    private static void PreloadNvrtcBuiltins(string nvrtcPath, nint nvrtc)
    {
        string? folder = Path.IsPathRooted(nvrtcPath) ? Path.GetDirectoryName(nvrtcPath) : null;
        if (folder is null || !Directory.Exists(folder))
        {
            return;
        }

        string? exact = NvrtcVersion(nvrtc) is (int major, int minor) ? Path.Combine(folder, $"libnvrtc-builtins.so.{major}.{minor}") : null;
        IEnumerable<string> candidates = exact is not null
            ? [exact]
            : Directory.EnumerateFiles(folder, "libnvrtc-builtins.so.*").Order(StringComparer.Ordinal);
        foreach (string builtins in candidates)
        {
            if (NativeLibrary.TryLoad(builtins, out _))
            {
                LoadedPaths["NVRTC builtins"] = builtins;
                return;
            }
        }
    }

    /// <summary>NVRTC's (major, minor) through its nvrtcVersion export, or null.</summary>
    private static unsafe (int Major, int Minor)? NvrtcVersion(nint nvrtc)
    {
        if (!NativeLibrary.TryGetExport(nvrtc, "nvrtcVersion", out nint export))
        {
            return null;
        }

        int major, minor;
        return ((delegate* unmanaged<int*, int*, int>)export)(&major, &minor) == 0 ? (major, minor) : null;
    }

    /// <summary>The CUDA major the driver supports (cuDriverGetVersion, e.g. 12040: 12), or 0 when there is no driver to ask.</summary>
    private static unsafe int DriverMajor()
    {
        if (!LibraryProbe.TryLoad(["libcuda.so.1"], OverrideVariable, [], out nint driver, out _) ||
            !NativeLibrary.TryGetExport(driver, "cuDriverGetVersion", out nint export))
        {
            return 0;
        }

        int version;
        return ((delegate* unmanaged<int*, int>)export)(&version) == 0 && version > 0 ? version / 1000 : 0;
    }
}
