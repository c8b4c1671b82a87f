namespace OrthoProj.Native;

/// <summary>
/// Finds a native LAPACK/BLAS. Probed in order: OpenBLAS (libopenblas.so.0, LAPACK and BLAS in one
/// file), Intel MKL's single dynamic library (libmkl_rt.so.2, libmkl_rt.so), then the reference
/// pair liblapack.so.3 with libblas.so.3 (on Debian these are alternatives that may point to
/// OpenBLAS or BLIS). The folders in <c>ORTHOPROJ_LAPACK_PATH</c> are searched first.
/// </summary>
public static class LapackLibraries
{
    /// <summary>The environment variable naming folders to search before the system's loader path.</summary>
    public const string OverrideVariable = "ORTHOPROJ_LAPACK_PATH";

    private static readonly string[] CombinedNames = ["libopenblas.so.0", "libmkl_rt.so.2", "libmkl_rt.so.1", "libmkl_rt.so"];

    private static readonly Lock Gate = new();
    private static readonly List<string> LastTrace = [];
    private static nint lapack;
    private static nint blas;

    /// <summary>The file LAPACK was loaded from, or <c>null</c> when none has been loaded.</summary>
    public static string? LapackPath { get; private set; }

    /// <summary>The file BLAS was loaded from, or <c>null</c> when none has been loaded.</summary>
    public static string? BlasPath { get; private set; }

    /// <summary>
    /// Loads LAPACK and BLAS if not yet loaded; returns <c>false</c> (never throws) when none is
    /// present, with <paramref name="probeTrace"/> saying what was tried.
    /// </summary>
    /// <returns><c>true</c> when LAPACK and BLAS are loaded; <c>false</c> otherwise (<paramref name="probeTrace"/> says why).</returns>
    public static bool TryLoad(out IReadOnlyList<string> probeTrace)
    {
        lock (Gate)
        {
            bool ok = EnsureLoaded();
            probeTrace = [.. LastTrace];
            return ok;
        }
    }

    internal static nint Load(string logicalName)
    {
        lock (Gate)
        {
            if (!EnsureLoaded())
            {
                throw new NativeLibraryLoadException("LAPACK/BLAS", [.. LastTrace]);
            }

            return logicalName == Libraries.Blas ? blas : lapack;
        }
    }

    private static bool EnsureLoaded()
    {
        if (lapack != 0)
        {
            return true;
        }

        LastTrace.Clear();
        if (LibraryProbe.TryLoad(CombinedNames, OverrideVariable, LastTrace, out nint combined, out string from))
        {
            lapack = blas = combined;
            LapackPath = BlasPath = from;
            return true;
        }

        if (LibraryProbe.TryLoad(["liblapack.so.3"], OverrideVariable, LastTrace, out nint lp, out string lpFrom)
            && LibraryProbe.TryLoad(["libblas.so.3"], OverrideVariable, LastTrace, out nint bl, out string blFrom))
        {
            lapack = lp;
            blas = bl;
            LapackPath = lpFrom;
            BlasPath = blFrom;
            return true;
        }

        LastTrace.Add($"No native LAPACK found; install libopenblas0 (Debian/Ubuntu) or set {OverrideVariable}.");
        return false;
    }
}
