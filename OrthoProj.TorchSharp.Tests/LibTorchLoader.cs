namespace OrthoProj.TorchSharp.Tests;

/// <summary>
/// Makes TorchSharp 0.107.0 load on Debian 12 before any test touches it
/// (<see cref="ElfVersionNeed.PrepareLibTorchSharp"/>, on this test project's output copy only; see
/// README, "TorchSharp").
/// </summary>
[TestClass]
public static class LibTorchLoader
{
    /// <summary>What was done, for the test log.</summary>
    public static string Report { get; private set; } = string.Empty;

    [AssemblyInitialize]
    public static void Prepare(TestContext context)
    {
        _ = context;
        Report = ElfVersionNeed.PrepareLibTorchSharp(AppContext.BaseDirectory);
    }
}
