using System.Text;
using OrthoProj.Cuda.Kernels;
using OrthoProj.Native;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// The ahead-of-time fatbin as a consumer gets it, checked without a GPU: it is in the test output
/// (OrthoProj.Managed copies it there when CMake built one), its source manifest matches the kernel
/// sources OrthoProj.Managed embeds, and each of its CUBINs holds every entry of the kernel table.
/// Where no fatbin was built (no nvcc) those checks report Inconclusive with the reason, unless
/// ORTHOPROJ_EXPECT_FATBIN=1 (CI) makes that a failure. The manifest comparison itself, which keeps
/// a stale fatbin from ever being loaded, is tested on made-up manifests and always runs.
/// </summary>
[TestClass]
public sealed class ShippedFatbinTests
{
    /// <summary>Set to 1 where the fatbin must have been built (CI installs nvcc).</summary>
    private const string ExpectVariable = "ORTHOPROJ_EXPECT_FATBIN";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ShippedFatbin_IsInTheOutput_AndMatchesTheEmbeddedSources()
    {
        string path = RequireFatbin();
        Assert.AreEqual(AppContext.BaseDirectory, Path.GetDirectoryName(path) + Path.DirectorySeparatorChar, "the loader takes the fatbin beside the test assemblies");

        string manifest = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, ShippedFatbin.ManifestName));
        Assert.AreEqual(KernelSourceManifest.Format(KernelModule.SourceBytes()), manifest, "the manifest lists exactly the embedded sources");
    }

    [TestMethod]
    public void ShippedFatbin_EveryCubin_HoldsEveryKernelOfTheTable()
    {
        List<FatbinEntry> entries = FatbinContainer.ReadEntries(File.ReadAllBytes(RequireFatbin()));
        TestContext.WriteLine($"{ShippedFatbin.FileName}: {string.Join(", ", entries)}");
        FatbinEntry[] cubins = [.. entries.Where(e => e.IsElf)];
        Assert.IsNotEmpty(cubins, "the fatbin holds at least one CUBIN");

        string[] required = [.. KernelUnit.All.SelectMany(u => u.EntryNames).Distinct(StringComparer.Ordinal)];
        var errors = new List<string>();
        foreach (FatbinEntry cubin in cubins)
        {
            if (cubin.IsCompressed)
            {
                Assert.Inconclusive($"The {cubin} CUBIN is compressed (a newer nvcc's default); its symbols cannot be read here.");
            }

            HashSet<string> symbols = FatbinContainer.FunctionSymbols(cubin.Payload.Span);
            errors.AddRange(required.Where(n => !symbols.Contains(n)).Select(n => $"{cubin} lacks {n}"));
        }

        Assert.IsEmpty(errors, string.Join(Environment.NewLine, errors));
        TestContext.WriteLine($"every CUBIN holds all {required.Length} entries of the kernel table");
    }

    [TestMethod]
    public void Manifest_OfTheSameSources_Matches()
    {
        using var folder = new TemporaryFolder();
        Dictionary<string, byte[]> sources = Sources();
        string path = folder.Write(KernelSourceManifest.Format(sources));
        Assert.IsNull(KernelSourceManifest.Compare(path, KernelSourceManifest.Hash(sources)));
    }

    [TestMethod]
    public void Manifest_OfOtherSources_IsRejected_WithTheReason()
    {
        using var folder = new TemporaryFolder();
        Dictionary<string, byte[]> sources = Sources();
        Dictionary<string, string> expected = KernelSourceManifest.Hash(sources);

        Dictionary<string, byte[]> edited = Sources();
        edited["b.cu"] = "extern \"C\" __global__ void b(int n) {}"u8.ToArray();
        StringAssert.Contains(KernelSourceManifest.Compare(folder.Write(KernelSourceManifest.Format(edited)), expected), "another cuda/b.cu");

        Dictionary<string, byte[]> fewer = Sources();
        fewer.Remove("a.cuh");
        StringAssert.Contains(KernelSourceManifest.Compare(folder.Write(KernelSourceManifest.Format(fewer)), expected), "without cuda/a.cuh");

        Dictionary<string, byte[]> more = Sources();
        more["c.cu"] = [1];
        StringAssert.Contains(KernelSourceManifest.Compare(folder.Write(KernelSourceManifest.Format(more)), expected), "with cuda/c.cu");

        StringAssert.Contains(KernelSourceManifest.Compare(folder.Write("not a manifest\n"), expected), "malformed");
        StringAssert.Contains(KernelSourceManifest.Compare(Path.Combine(folder.Path, "absent"), expected), "missing");
    }

    [TestMethod]
    public void Manifest_FromCMake_IsAcceptedInUppercase_AndWithBinaryMarker()
    {
        // sha256sum -b writes " *name"; a hand-made manifest may be uppercase. Both mean the same.
        using var folder = new TemporaryFolder();
        Dictionary<string, byte[]> sources = Sources();
        string text = KernelSourceManifest.Format(sources);
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string variant = string.Concat(lines.Select(l => l[..64].ToUpperInvariant() + " *" + l[66..] + "\n"));
        Assert.IsNull(KernelSourceManifest.Compare(folder.Write(variant), KernelSourceManifest.Hash(sources)));
    }

    private static Dictionary<string, byte[]> Sources() => new(StringComparer.Ordinal)
    {
        ["a.cuh"] = Encoding.UTF8.GetBytes("#pragma once\n"),
        ["b.cu"] = Encoding.UTF8.GetBytes("extern \"C\" __global__ void b() {}\n"),
    };

    /// <summary>
    /// The fatbin in the test output that the loader takes, or Inconclusive (a failure under
    /// ORTHOPROJ_EXPECT_FATBIN=1) when none was built or only a stale one is there.
    /// </summary>
    private static string RequireFatbin()
    {
        bool expected = Environment.GetEnvironmentVariable(ExpectVariable) == "1";
        string path = Path.Combine(AppContext.BaseDirectory, ShippedFatbin.FileName);
        if (!File.Exists(path))
        {
            string reason = $"No {ShippedFatbin.FileName} in the test output: none was built (nvcc and CMake: docs/cuda.md), so the CUDA backend uses NVRTC.";
            if (expected)
            {
                Assert.Fail($"{reason} {ExpectVariable}=1 says one was built.");
            }

            Assert.Inconclusive(reason);
        }

        var trace = new List<string>();
        string? found = ShippedFatbin.Find(KernelModule.SourceBytes(), trace);
        if (found is null)
        {
            // A copy from an earlier build stays in the output after cuda/ changed (the build no
            // longer copies it, but does not delete it); the loader rightly passes it over.
            string reason = $"The loader does not take the {ShippedFatbin.FileName} in the test output (a stale one: rebuild it with CMake): {string.Join("; ", trace)}";
            if (expected)
            {
                Assert.Fail(reason);
            }

            Assert.Inconclusive(reason);
        }

        return found;
    }

    private sealed class TemporaryFolder : IDisposable
    {
        private int count;

        public TemporaryFolder() => Directory.CreateDirectory(Path);

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "orthoproj-manifest-" + Guid.NewGuid().ToString("N"));

        public string Write(string text)
        {
            string file = System.IO.Path.Combine(Path, $"manifest{++count}.sha256");
            File.WriteAllText(file, text);
            return file;
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
