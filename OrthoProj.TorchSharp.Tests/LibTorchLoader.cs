using System.Runtime.InteropServices;

namespace OrthoProj.TorchSharp.Tests;

/// <summary>
/// Makes TorchSharp 0.107.0 load on Debian 12 before any test touches it. Its libLibTorchSharp.so
/// asks for GLIBCXX_3.4.32 (GCC 13's libstdc++) for one symbol, std::ios_base_library_init, that it
/// never relocates; Debian 12's libstdc++ stops at GLIBCXX_3.4.30, so the loader refuses the file.
/// When the system's libstdc++ lacks that symbol, the requirement is marked weak in the copy in
/// this test project's output folder, never in anything shipped (see README, "TorchSharp").
/// </summary>
[TestClass]
public static class LibTorchLoader
{
    internal const string Requirement = "GLIBCXX_3.4.32";

    /// <summary>What was done, for the test log.</summary>
    public static string Report { get; private set; } = string.Empty;

    [AssemblyInitialize]
    public static void Prepare(TestContext context)
    {
        _ = context;
        if (!OperatingSystem.IsLinux() || SystemLibstdcxxHasIosBaseLibraryInit())
        {
            Report = "the system's libstdc++ provides " + Requirement + "; nothing to do";
            return;
        }

        string library = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!File.Exists(library))
        {
            Report = library + " is absent; TorchSharp will report why it cannot load";
            return;
        }

        Report = ElfVersionNeed.MarkWeak(library, Requirement)
            ? $"marked {Requirement} weak in {library} (the system's libstdc++ lacks it)"
            : $"{Requirement} was already weak in {library}";
    }

    /// <summary>Whether the process's libstdc++ defines std::ios_base_library_init, the GLIBCXX_3.4.32 symbol in question.</summary>
    private static bool SystemLibstdcxxHasIosBaseLibraryInit() =>
        NativeLibrary.TryLoad("libstdc++.so.6", out nint handle) && NativeLibrary.TryGetExport(handle, "_ZSt21ios_base_library_initv", out _);
}
