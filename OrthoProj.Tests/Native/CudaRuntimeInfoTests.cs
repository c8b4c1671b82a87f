using OrthoProj.Native;

namespace OrthoProj.Tests.Native;

[TestClass]
public sealed class CudaRuntimeInfoTests(TestContext testContext)
{
    [TestMethod]
    public void LibrariesReportOneCudaMajor()
    {
        CudaRuntimeInfo info;
        try
        {
            info = CudaRuntimeInfo.Query();
        }
        catch (NativeLibraryLoadException e)
        {
            Assert.Inconclusive(e.Message);
            return;
        }

        testContext.WriteLine(info.ToString());
        Assert.IsTrue(info.CudaMajor >= 11, $"Pinned CUDA major {info.CudaMajor}.");
        Assert.AreEqual(info.CudaMajor, info.Cublas.Version.Major, "cuBLAS major");
        Assert.AreEqual(info.CudaMajor, info.Nvrtc.Version.Major, "NVRTC major");
        Assert.AreEqual(CudaRuntimeInfo.CusolverMajorFor(info.CudaMajor), info.Cusolver.Version.Major, "cuSOLVER major");
        Assert.IsTrue(info.IsConsistent, info.ToString());
        foreach (CudaLibraryInfo library in new[] { info.Cublas, info.Cusolver, info.Nvrtc })
        {
            Assert.IsTrue(File.Exists(library.Path), $"{library.Component} path '{library.Path}' does not exist.");
        }
    }

    [TestMethod]
    public void ExpectedMajorWhenConfigured()
    {
        // CI pins the toolkit it installed (Debian: 11) so that a silent switch of major fails.
        string? expected = Environment.GetEnvironmentVariable("ORTHOPROJ_EXPECT_CUDA_MAJOR");
        if (string.IsNullOrEmpty(expected))
        {
            Assert.Inconclusive("ORTHOPROJ_EXPECT_CUDA_MAJOR is not set.");
        }

        CudaRuntimeInfo info;
        try
        {
            info = CudaRuntimeInfo.Query();
        }
        catch (NativeLibraryLoadException e)
        {
            Assert.Fail($"ORTHOPROJ_EXPECT_CUDA_MAJOR={expected} but the libraries do not load: {e.Message}");
            return;
        }

        Assert.AreEqual(int.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), info.CudaMajor, info.ToString());
    }
}
