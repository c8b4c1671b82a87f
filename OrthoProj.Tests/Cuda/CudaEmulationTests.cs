using System.Diagnostics;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// Runs the CUDA conformance suite in a child test process against the host emulation of the
/// CUDA driver, cuBLAS and cuSOLVER (Emulation/fake_cuda.cpp, built with g++ and reference
/// LAPACK), so that the backend's real code paths run on every machine without a GPU. Skipped
/// where g++ or liblapack is missing. It checks OrthoProj's orchestration, not NVIDIA's libraries.
/// </summary>
[TestClass]
public sealed class CudaEmulationTests
{
    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void ConformanceAndCpuComparison_PassAgainstTheHostEmulation()
    {
        string? root = FindRoot();
        if (root is null)
        {
            Assert.Inconclusive("Needs the repository checkout (cuda/ and the emulation source).");
        }

        // The runner is this test executable (an MTP app), started again as a child process; under
        // "dotnet test" the process may be dotnet itself, so use the apphost beside the assembly.
        string apphost = Path.Combine(AppContext.BaseDirectory, "OrthoProj.Tests");
        string assembly = Path.Combine(AppContext.BaseDirectory, "OrthoProj.Tests.dll");
        (string runner, string[] prefix) = File.Exists(apphost) ? (apphost, Array.Empty<string>())
            : File.Exists(assembly) ? ("dotnet", new[] { assembly })
            : (Environment.ProcessPath!, Array.Empty<string>());

        string fake = Path.Combine(Path.GetTempPath(), $"orthoproj-fake-cuda-{Environment.ProcessId}");
        Directory.CreateDirectory(fake);
        try
        {
            // Built by the one recipe in scripts/gpu-check.sh (build-emulation), which emulate uses too.
            string library = Path.Combine(fake, "libfakecuda.so");
            (int rc, string output) = Run("bash", [Path.Combine(root, "scripts", "gpu-check.sh"), "build-emulation", fake], null);
            if (rc != 0)
            {
                Assert.Inconclusive("Cannot build the CUDA emulation (g++ and liblapack are needed): " + output);
            }

            // Linking needs only liblapack.so; loading needs liblapack.so.3 itself.
            if (!System.Runtime.InteropServices.NativeLibrary.TryLoad(library, out nint probe))
            {
                Assert.Inconclusive("The CUDA emulation was built but does not load (is liblapack.so.3 installed?).");
            }

            System.Runtime.InteropServices.NativeLibrary.Free(probe);

            var environment = new Dictionary<string, string>
            {
                ["ORTHOPROJ_CUDA_PATH"] = fake,
                ["ORTHOPROJ_KERNEL_CACHE"] = Path.Combine(fake, "kernel-cache"),
                ["ORTHOPROJ_STEADY_STATE_FUSED_COUNT"] = "256",
            };
            (rc, output) = Run(runner, [.. prefix, "--filter", "FullyQualifiedName~CudaConformance|FullyQualifiedName~CudaMatchesCpu|FullyQualifiedName~Fused|FullyQualifiedName~CudaGeneralPath|FullyQualifiedName~SteadyStateCount|FullyQualifiedName~CudaStatus|FullyQualifiedName~CudaContextTests", "--results-directory", Path.Combine(fake, "results")], environment);
            Assert.AreEqual(0, rc, output);
            StringAssert.Contains(output, "skipped: 0", "the emulated backend must be found, not skipped: " + output);

            // Two emulated devices: the sharded path (CudaDeviceGroup) and the status tests on them.
            environment["FAKECUDA_DEVICES"] = "2";
            (rc, output) = Run(runner, [.. prefix, "--filter", "FullyQualifiedName~MultiDevice|FullyQualifiedName~CudaStatusTests|FullyQualifiedName~ShardedCudaConformance", "--results-directory", Path.Combine(fake, "results-2")], environment);
            Assert.AreEqual(0, rc, output);
            StringAssert.Contains(output, "skipped: 0", "two emulated devices must be found: " + output);
        }
        finally
        {
            try
            {
                Directory.Delete(fake, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static (int ExitCode, string Output) Run(string file, string[] arguments, Dictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (KeyValuePair<string, string> pair in environment ?? [])
        {
            start.Environment[pair.Key] = pair.Value;
        }

        try
        {
            using Process process = Process.Start(start)!;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }

    private static string? FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OrthoProj.sln")) && File.Exists(Path.Combine(dir.FullName, "OrthoProj.Tests", "Cuda", "Emulation", "fake_cuda.cpp")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
