using System.Text;
using OrthoProj.Native;

namespace OrthoProj.Tests.Native;

/// <summary>NVRTC compiles on any machine (no GPU needed): CUBIN generation, errors, cache, PTX fallback.</summary>
[TestClass]
public sealed class NvrtcCompilerTests
{
    internal const string AxpySource = """
        extern "C" __global__ void axpy(int n, float a, const float* x, float* y)
        {
            int i = blockIdx.x * blockDim.x + threadIdx.x;
            if (i < n) { y[i] = a * x[i] + y[i]; }
        }
        """;

    [TestMethod]
    [DataRow(80)]
    [DataRow(90)]
    public void CompilesToCubin(int architecture)
    {
        RequireNvrtc();
        var compiler = new NvrtcCompiler(useCache: false);
        CudaKernelImage image = compiler.Compile(AxpySource, "axpy.cu", architecture);
        Assert.AreEqual(CudaImageKind.Cubin, image.Kind);
        Assert.AreEqual($"sm_{architecture}", image.Target);
        Assert.IsFalse(image.FromCache);
        ReadOnlySpan<byte> elf = [0x7F, (byte)'E', (byte)'L', (byte)'F'];
        Assert.IsTrue(image.Image.Span.StartsWith(elf), "A CUBIN is an ELF file.");
        Assert.IsTrue(image.Image.Span.IndexOf("axpy"u8) >= 0, "The CUBIN names the kernel.");
    }

    [TestMethod]
    public void BadSourceThrowsWithTheLog()
    {
        RequireNvrtc();
        var compiler = new NvrtcCompiler(useCache: false);
        const string broken = "extern \"C\" __global__ void k(float* y) { y[0] = undeclared_symbol_xyz; }";
        var e = Assert.ThrowsExactly<NvrtcCompilationException>(() => compiler.Compile(broken, "broken.cu", 80));
        Assert.IsTrue(e.Log.Contains("undeclared_symbol_xyz", StringComparison.Ordinal), e.Log);
        Assert.IsTrue(e.Log.Contains("broken.cu", StringComparison.Ordinal), e.Log);
        Assert.IsTrue(e.Message.Contains(e.Log, StringComparison.Ordinal), "The message carries the log.");
        Assert.AreEqual("NVRTC_ERROR_COMPILATION", e.StatusName);
        Assert.AreEqual(CudaComponent.Nvrtc, e.Component);
        Assert.AreEqual("nvrtcCompileProgram", e.Call);
    }

    [TestMethod]
    public void SecondCompileIsACacheHit()
    {
        RequireNvrtc();
        string folder = CudaTestSupport.NewTemporaryFolder();
        try
        {
            var compiler = new NvrtcCompiler(folder);
            CudaKernelImage first = compiler.Compile(AxpySource, "axpy.cu", 80);
            CudaKernelImage second = new NvrtcCompiler(folder).Compile(AxpySource, "axpy.cu", 80);
            Assert.IsFalse(first.FromCache);
            Assert.IsTrue(second.FromCache);
            Assert.AreEqual(first.CacheKey, second.CacheKey);
            Assert.IsTrue(first.Image.Span.SequenceEqual(second.Image.Span));
            Assert.IsTrue(File.Exists(Path.Combine(folder, first.CacheKey + ".cubin")));

            // Anything that changes the code changes the key: options, architecture, source.
            Assert.AreNotEqual(first.CacheKey, compiler.Compile(AxpySource, "axpy.cu", 80, ["-DEXTRA=1"]).CacheKey);
            Assert.AreNotEqual(first.CacheKey, compiler.Compile(AxpySource, "axpy.cu", 90).CacheKey);
            Assert.AreNotEqual(first.CacheKey, compiler.Compile(AxpySource + "\n", "axpy.cu", 80).CacheKey);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void CacheFolderComesFromTheEnvironment()
    {
        string? saved = Environment.GetEnvironmentVariable(NvrtcCompiler.CacheVariable);
        try
        {
            Environment.SetEnvironmentVariable(NvrtcCompiler.CacheVariable, "/tmp/orthoproj-cache-test");
            Assert.AreEqual("/tmp/orthoproj-cache-test", new NvrtcCompiler().CacheDirectory);
            Environment.SetEnvironmentVariable(NvrtcCompiler.CacheVariable, null);
            StringAssert.EndsWith(new NvrtcCompiler().CacheDirectory!, Path.Combine("orthoproj", "kernels"));
            Assert.IsNull(new NvrtcCompiler(useCache: false).CacheDirectory);
        }
        finally
        {
            Environment.SetEnvironmentVariable(NvrtcCompiler.CacheVariable, saved);
        }
    }

    [TestMethod]
    public void NewerDeviceThanNvrtcFallsBackToPtx()
    {
        RequireNvrtc();
        int newest = NvrtcCompiler.SupportedArchitectures[^1];
        var compiler = new NvrtcCompiler(useCache: false);
        CudaKernelImage image = compiler.Compile(AxpySource, "axpy.cu", newest + 10);
        Assert.AreEqual(CudaImageKind.Ptx, image.Kind);
        Assert.AreEqual($"compute_{newest}", image.Target);
        string ptx = Encoding.UTF8.GetString(image.Image.Span).TrimEnd('\0');
        Assert.IsTrue(ptx.Contains(".entry axpy", StringComparison.Ordinal), ptx);
    }

    [TestMethod]
    public void ArchitectureOptionIsRejected()
    {
        var compiler = new NvrtcCompiler(useCache: false);
        var e = Assert.ThrowsExactly<ArgumentException>(() => compiler.Compile(AxpySource, "axpy.cu", 80, ["--gpu-architecture=sm_75"]));
        Assert.AreEqual("options", e.ParamName);
    }

    [TestMethod]
    public void InMemoryHeadersAreIncluded()
    {
        RequireNvrtc();
        var compiler = new NvrtcCompiler(useCache: false);
        var headers = new Dictionary<string, string> { ["scale.cuh"] = "#define SCALE 3.0f\n" };
        const string source = "#include \"scale.cuh\"\nextern \"C\" __global__ void scale(float* y) { y[threadIdx.x] *= SCALE; }";
        CudaKernelImage image = compiler.Compile(source, "scale.cu", 80, headers: headers);
        Assert.AreEqual(CudaImageKind.Cubin, image.Kind);
    }

    internal static void RequireNvrtc()
    {
        _ = CudaTestSupport.RequireLibrary(Libraries.Nvrtc);
        try
        {
            _ = NvrtcCompiler.NvrtcVersion;
        }
        catch (NativeLibraryLoadException e)
        {
            Assert.Inconclusive(e.Message);
        }
    }
}
