using OrthoProj.Native;

namespace OrthoProj.Tests.Native;

/// <summary>
/// Shared preconditions for the CUDA tests: what cannot run on this machine is reported with
/// Assert.Inconclusive and the reason (probe trace or driver error), never passed silently.
/// </summary>
internal static class CudaTestSupport
{
    /// <summary>Loads a CUDA library by logical name or ends the test as inconclusive with the probe trace.</summary>
    internal static nint RequireLibrary(string logicalName)
    {
        try
        {
            return CudaLibraries.Load(logicalName);
        }
        catch (NativeLibraryLoadException e)
        {
            Assert.Inconclusive(e.Message);
            throw; // unreachable: Inconclusive throws
        }
    }

    /// <summary>Opens device 0 or ends the test as inconclusive with the reason.</summary>
    internal static CudaDevice RequireDevice()
    {
        if (!CudaDevice.TryOpen(0, out CudaDevice? device, out string reason))
        {
            Assert.Inconclusive($"No CUDA device: {reason}");
        }

        return device!;
    }

    /// <summary>The repository root: the nearest ancestor of the test's base directory holding OrthoProj.sln.</summary>
    internal static DirectoryInfo RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "OrthoProj.sln")))
            {
                return folder;
            }
        }

        Assert.Inconclusive($"OrthoProj.sln not found above {AppContext.BaseDirectory} (tests run outside the repository).");
        throw new InvalidOperationException(); // unreachable
    }

    /// <summary>A fresh temporary folder for a kernel cache.</summary>
    internal static string NewTemporaryFolder()
    {
        string path = Path.Combine(Path.GetTempPath(), "orthoproj-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
