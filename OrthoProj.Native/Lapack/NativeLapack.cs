using System.Runtime.InteropServices;

namespace OrthoProj.Native;

/// <summary>
/// What the loaded native LAPACK/BLAS offers beyond the routines themselves: whether every routine
/// OrthoProj binds is exported, and the library's thread count (OpenBLAS
/// <c>openblas_set_num_threads</c>/<c>openblas_get_num_threads</c>, MKL
/// <c>MKL_Set_Num_Threads</c>/<c>MKL_Get_Max_Threads</c>, GotoBLAS-style
/// <c>goto_set_num_threads</c>), looked up at run time and absent without error for libraries that
/// have no such control (reference LAPACK, BLIS).
/// </summary>
/// <remarks>
/// Why pin: OrthoProj's CPU backend already runs a batch in parallel over matrices (one
/// <c>Parallel.For</c> per operation). A multithreaded BLAS underneath starts its own team inside
/// every call, so each of those workers (and each caller thread) brings up to one BLAS thread per
/// core: on 2 cores that oversubscription measured 5-30x slower than one thread. One parallel layer
/// is enough; <see cref="TryPinSingleThreaded"/> makes the BLAS that layer's single-threaded kernel.
/// </remarks>
public static unsafe class NativeLapack
{
    // The Fortran symbols the real bindings use, s and d; checked once so that a LAPACK missing one
    // of them is reported up front instead of as an EntryPointNotFoundException in the middle of a
    // call. The c and z bindings (cgeqrf_, cungqr_, ...) are not part of this check, so that a
    // real-only build still verifies for the float and double paths.
    private static readonly string[] LapackSymbols = ["geqrf_", "orgqr_", "ormqr_", "orm2r_", "gesdd_"];
    private static readonly string[] BlasSymbols = ["gemm_", "trsm_"];

    private static readonly Lock Gate = new();
    private static bool resolved;
    private static delegate* unmanaged<int, void> setThreads;
    private static delegate* unmanaged<int> getThreads;
    private static string? threadControl;

    /// <summary>
    /// The export that controls threads ("openblas_set_num_threads" or "MKL_Set_Num_Threads"), or
    /// <c>null</c> when the library has none or no LAPACK is loaded.
    /// </summary>
    public static string? ThreadControl
    {
        get
        {
            Resolve();
            return threadControl;
        }
    }

    /// <summary>
    /// Sets the number of threads the native library uses inside one call. Returns <c>false</c>
    /// (and changes nothing) when no LAPACK is loaded or it has no thread control.
    /// </summary>
    /// <returns><c>true</c> when the thread count was set.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is below 1.</exception>
    public static bool SetThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Resolve();
        if (setThreads == null)
        {
            return false;
        }

        setThreads(threads);
        return true;
    }

    /// <summary>
    /// Pins the native BLAS to one thread per call, for callers that parallelize over a batch
    /// themselves (the CPU backend does, see the remarks on <see cref="NativeLapack"/>). Never throws.
    /// </summary>
    /// <param name="detail">What was done ("openblas_set_num_threads(1)"), or why nothing was: no
    /// native LAPACK loaded, or a library without a thread control (then set <c>OMP_NUM_THREADS=1</c>
    /// or the library's own variable before it loads).</param>
    /// <returns><c>true</c> when the library now runs one thread per call.</returns>
    /// <remarks>
    /// Process-wide for OpenBLAS's pthreads build and for MKL (<c>MKL_Set_Num_Threads</c> is global).
    /// OpenMP builds of OpenBLAS also consult the calling thread's OpenMP setting, so there
    /// <c>OMP_NUM_THREADS=1</c> in the environment is the sure way. Cheap enough to call on every
    /// backend creation; idempotent.
    /// </remarks>
    public static bool TryPinSingleThreaded(out string detail)
    {
        if (!LapackLibraries.TryLoad(out _))
        {
            detail = "no native LAPACK is loaded";
            return false;
        }

        if (!SetThreads(1))
        {
            detail = $"{LapackLibraries.BlasPath ?? LapackLibraries.LapackPath} has no thread control (no openblas_set_num_threads, MKL_Set_Num_Threads or goto_set_num_threads); set OMP_NUM_THREADS=1 before it loads";
            return false;
        }

        detail = $"{threadControl}(1)";
        return true;
    }

    /// <summary>The native library's thread count, or <c>null</c> when it cannot be queried.</summary>
    /// <returns>The thread count, or <c>null</c>.</returns>
    public static int? GetThreads()
    {
        Resolve();
        return getThreads == null ? null : getThreads();
    }

    /// <summary>What loaded, for reports: "native LAPACK (path)" or "native LAPACK (lapack + blas)".</summary>
    internal static string Description =>
        LapackLibraries.BlasPath is { } blas && blas != LapackLibraries.LapackPath
            ? $"native LAPACK ({LapackLibraries.LapackPath} + {blas})"
            : $"native LAPACK ({LapackLibraries.LapackPath})";

    /// <summary>
    /// Loads LAPACK/BLAS if needed and checks that every routine the bindings call is exported;
    /// never throws. <paramref name="trace"/> receives the probe trace and, on failure, the reason.
    /// </summary>
    internal static bool TryVerify(List<string> trace)
    {
        bool loaded = LapackLibraries.TryLoad(out IReadOnlyList<string> probe);
        trace.AddRange(probe);
        if (!loaded)
        {
            return false;
        }

        var missing = new List<string>();
        if (!TryHandle(LapackLibraries.LapackPath, out nint lapack) || !TryHandle(LapackLibraries.BlasPath, out nint blas))
        {
            trace.Add("The LAPACK/BLAS files loaded once but could not be opened again to look up symbols.");
            return false;
        }

        foreach (string prefix in (string[])["s", "d"])
        {
            missing.AddRange(LapackSymbols.Select(s => prefix + s).Where(s => !NativeLibrary.TryGetExport(lapack, s, out _)));
            missing.AddRange(BlasSymbols.Select(s => prefix + s).Where(s => !NativeLibrary.TryGetExport(blas, s, out _)));
        }

        if (missing.Count > 0)
        {
            trace.Add($"{LapackLibraries.LapackPath} lacks {string.Join(", ", missing)}; it is not a complete LAPACK/BLAS.");
            return false;
        }

        return true;
    }

    private static void Resolve()
    {
        lock (Gate)
        {
            if (resolved || !LapackLibraries.TryLoad(out _))
            {
                return;
            }

            resolved = true;
            foreach (string? path in (string?[])[LapackLibraries.BlasPath, LapackLibraries.LapackPath])
            {
                if (!TryHandle(path, out nint handle))
                {
                    continue;
                }

                if (NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out nint set))
                {
                    setThreads = (delegate* unmanaged<int, void>)set;
                    getThreads = NativeLibrary.TryGetExport(handle, "openblas_get_num_threads", out nint get) ? (delegate* unmanaged<int>)get : null;
                    threadControl = "openblas_set_num_threads";
                    return;
                }

                if (NativeLibrary.TryGetExport(handle, "MKL_Set_Num_Threads", out set))
                {
                    setThreads = (delegate* unmanaged<int, void>)set;
                    getThreads = NativeLibrary.TryGetExport(handle, "MKL_Get_Max_Threads", out nint get) ? (delegate* unmanaged<int>)get : null;
                    threadControl = "MKL_Set_Num_Threads";
                    return;
                }
            }

            // GotoBLAS and its descendants that lack the openblas_ names; checked last so that a
            // library exporting both is named by its own control.
            foreach (string? path in (string?[])[LapackLibraries.BlasPath, LapackLibraries.LapackPath])
            {
                if (TryHandle(path, out nint handle) && NativeLibrary.TryGetExport(handle, "goto_set_num_threads", out nint set))
                {
                    setThreads = (delegate* unmanaged<int, void>)set;
                    getThreads = NativeLibrary.TryGetExport(handle, "goto_get_num_threads", out nint get) ? (delegate* unmanaged<int>)get : null;
                    threadControl = "goto_set_num_threads";
                    return;
                }
            }
        }
    }

    // The loader hands back the handle it already holds (dlopen is reference counted), so this
    // reaches the very library LapackLibraries resolved, without access to its private handle.
    private static bool TryHandle(string? path, out nint handle)
    {
        handle = 0;
        return path is not null && NativeLibrary.TryLoad(path, out handle);
    }
}
