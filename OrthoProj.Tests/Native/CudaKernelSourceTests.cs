using OrthoProj.Native;

namespace OrthoProj.Tests.Native;

/// <summary>
/// Every kernel source in the repository's cuda/ folder must compile with NVRTC for the data
/// centre architectures OrthoProj targets, exactly as the library compiles them at run time, so a
/// kernel that breaks is caught on a machine without a GPU.
/// </summary>
[TestClass]
public sealed class CudaKernelSourceTests(TestContext testContext)
{
    [TestMethod]
    [DataRow(80)]
    [DataRow(90)]
    public void EveryRepositoryKernelCompiles(int architecture)
    {
        string cudaFolder = Path.Combine(CudaTestSupport.RepositoryRoot().FullName, "cuda");
        string[] sources = Directory.Exists(cudaFolder) ? Directory.GetFiles(cudaFolder, "*.cu") : [];
        Array.Sort(sources, StringComparer.Ordinal);
        if (sources.Length == 0)
        {
            // Nothing compiled is nothing checked: without sources this test has no verdict to give.
            Assert.Inconclusive($"No .cu files in {cudaFolder}; no kernel was compiled.");
        }

        NvrtcCompilerTests.RequireNvrtc();
        var compiler = new NvrtcCompiler(useCache: false);
        var failures = new List<string>();
        foreach (string path in sources)
        {
            try
            {
                CudaKernelImage image = compiler.Compile(
                    File.ReadAllText(path), Path.GetFileName(path), architecture, [$"--include-path={cudaFolder}"]);
                testContext.WriteLine($"{Path.GetFileName(path)}: {image.Kind} for {image.Target}, {image.Image.Length} bytes");
            }
            catch (NvrtcCompilationException e)
            {
                failures.Add($"{Path.GetFileName(path)}:{Environment.NewLine}{e.Log}");
            }
        }

        Assert.AreEqual(0, failures.Count, $"{failures.Count} of {sources.Length} kernels fail for sm_{architecture}:{Environment.NewLine}" + string.Join(Environment.NewLine, failures));
    }
}
