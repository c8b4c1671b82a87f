using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrthoProj.Native;

/// <summary>
/// The logical library names used in every <c>[LibraryImport]</c> of this assembly, and the
/// resolver that maps them to the versioned files found at run time. Bindings never name a
/// file directly: unversioned lib*.so names exist only in development packages, so each family
/// (<see cref="CudaLibraries"/>, <see cref="LapackLibraries"/>) probes versioned names itself.
/// </summary>
internal static class Libraries
{
    internal const string CudaDriver = "orthoproj:cuda";
    internal const string Cublas = "orthoproj:cublas";
    internal const string Cusolver = "orthoproj:cusolver";
    internal const string Nvrtc = "orthoproj:nvrtc";
    internal const string Lapack = "orthoproj:lapack";
    internal const string Blas = "orthoproj:blas";

    private static readonly ConcurrentDictionary<string, nint> Resolved = new(StringComparer.Ordinal);

#pragma warning disable CA2255 // A module initializer is the documented place to install a DllImport resolver.
    [ModuleInitializer]
    internal static void Install() =>
        NativeLibrary.SetDllImportResolver(typeof(Libraries).Assembly, Resolve);
#pragma warning restore CA2255

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!libraryName.StartsWith("orthoproj:", StringComparison.Ordinal))
        {
            return 0;
        }

        // A failed load throws NativeLibraryLoadException with the trace; it is not cached, so a
        // library installed (or an override set) later in the process is still found.
        return Resolved.GetOrAdd(libraryName, static name => name switch
        {
            CudaDriver or Cublas or Cusolver or Nvrtc => CudaLibraries.Load(name),
            Lapack or Blas => LapackLibraries.Load(name),
            _ => throw new InvalidOperationException($"Unknown OrthoProj library '{name}'."),
        });
    }
}
