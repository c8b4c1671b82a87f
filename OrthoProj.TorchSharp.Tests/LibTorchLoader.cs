namespace OrthoProj.TorchSharp.Tests;

/// <summary>
/// The shipped loader fix, called as an application that loads libtorch some other way would call it,
/// before any test touches TorchSharp. The build target (buildTransitive/OrthoProj.TorchSharp.targets,
/// imported by Directory.Build.targets) has already applied it to this project's output, so on Debian 12
/// it finds the requirement weak and writes nothing (see README, "Debian 12").
/// </summary>
[TestClass]
public static class LibTorchLoader
{
    /// <summary>What the call found and did.</summary>
    public static LibTorchSharpPreparation? Preparation { get; private set; }

    /// <summary>What was done, for the test log.</summary>
    public static string Report => Preparation?.Message ?? string.Empty;

    [AssemblyInitialize]
    public static void Prepare(TestContext context)
    {
        _ = context;
        Preparation = LibTorchSharpLoader.PrepareForThisSystem(AppContext.BaseDirectory);
    }
}
