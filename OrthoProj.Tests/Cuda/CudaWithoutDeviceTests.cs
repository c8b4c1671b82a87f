using System.Text;
using System.Text.RegularExpressions;
using OrthoProj.Cuda;
using OrthoProj.Native;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// What can be checked about the CUDA backend without a GPU: the kernel sources compile through
/// NVRTC for the architectures OrthoProj targets and define every kernel the backend launches,
/// the backend's probe fails softly with a reason, and argument checks run before any native call.
/// </summary>
[TestClass]
public sealed partial class CudaWithoutDeviceTests
{
    private static readonly int[] TargetArchitectures = [80, 90];

    public static IEnumerable<object[]> KernelSources =>
        CudaKernels.SourceNames().Where(n => n.EndsWith(".cu", StringComparison.Ordinal)).SelectMany(file => TargetArchitectures.Select(arch => new object[] { file, arch }));

    [TestMethod]
    public void KernelSources_AreEmbedded()
    {
        IReadOnlyList<string> names = CudaKernels.SourceNames();
        CollectionAssert.Contains(names.ToList(), CudaKernels.SourceFile);
        CollectionAssert.Contains(names.ToList(), "orthoproj_common.cuh");
        string? root = RepositoryRoot();
        if (root is not null)
        {
            string onDisk = File.ReadAllText(Path.Combine(root, "cuda", CudaKernels.SourceFile));
            Assert.AreEqual(onDisk, CudaKernels.ReadSource(CudaKernels.SourceFile), "the embedded source is the file in cuda/");
        }
    }

    [TestMethod]
    [DynamicData(nameof(KernelSources))]
    public void EveryKernelSource_CompilesWithNvrtc(string file, int architecture)
    {
        if (!NvrtcAvailable(out string reason))
        {
            Assert.Inconclusive(reason);
        }

        CudaKernelImage image = CudaKernels.Compile(new NvrtcCompiler(useCache: false), file, architecture);
        Assert.AreEqual(CudaImageKind.Cubin, image.Kind, $"NVRTC {NvrtcCompiler.NvrtcVersion} should know sm_{architecture}");
        Assert.AreEqual($"sm_{architecture}", image.Target);
        Assert.IsGreaterThan(0, image.Image.Length);
    }

    [TestMethod]
    [DataRow(80)]
    [DataRow(90)]
    public void EveryKernelTheBackendLaunches_IsInTheCompiledImage(int architecture)
    {
        if (!NvrtcAvailable(out string reason))
        {
            Assert.Inconclusive(reason);
        }

        CudaKernelImage image = CudaKernels.Compile(new NvrtcCompiler(useCache: false), CudaKernels.SourceFile, architecture);
        byte[] cubin = image.Image.ToArray();
        Assert.IsTrue(cubin.AsSpan().StartsWith("\u007fELF"u8), "a CUBIN is an ELF image");
        foreach (string name in CudaKernels.AllEntryNames)
        {
            // The ELF string table holds each entry's symbol as a NUL-delimited string.
            byte[] symbol = Encoding.ASCII.GetBytes("\0" + name + "\0");
            Assert.IsGreaterThanOrEqualTo(0, cubin.AsSpan().IndexOf(symbol), $"kernel {name} missing from the sm_{architecture} CUBIN");
        }
    }

    [TestMethod]
    public void KernelTable_MatchesTheSource()
    {
        string source = CudaKernels.ReadSource(CudaKernels.SourceFile);
        var typed = InstantiatePattern().Matches(source).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToArray();
        var untyped = ExternPattern().Matches(source).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(CudaKernels.TypedKernels.Order(StringComparer.Ordinal).ToArray(), typed, "OP_INSTANTIATE kernels");
        CollectionAssert.AreEqual(CudaKernels.UntypedKernels.Order(StringComparer.Ordinal).ToArray(), untyped, "plain extern \"C\" kernels");
        StringAssert.DoesNotMatch(source, FastMathPattern(), "no fast-math intrinsics: results must match the CPU to rounding");
        Assert.IsFalse(CudaKernels.CompileOptions.Any(o => o.Contains("fast", StringComparison.OrdinalIgnoreCase)), "no --use_fast_math");
    }

    [TestMethod]
    public void TryCreate_WithoutDevice_ReturnsFalseWithReasonAndDoesNotThrow()
    {
        bool created = CudaBackend.TryCreate(0, out CudaBackend? backend, out string reason);
        if (created)
        {
            // A machine with a GPU: the contract is the other branch.
            Assert.IsNotNull(backend);
            Assert.AreEqual(string.Empty, reason);
            StringAssert.StartsWith(backend.Name, "cuda:0");
            backend.Dispose();
            backend.Dispose();
            return;
        }

        Assert.IsNull(backend);
        Assert.IsFalse(string.IsNullOrWhiteSpace(reason));
        Assert.IsTrue(reason.Contains("libcuda.so.1", StringComparison.Ordinal) || reason.Contains("cuInit", StringComparison.Ordinal) || reason.Contains("device", StringComparison.Ordinal), reason);
        Assert.IsFalse(CudaBackend.IsAvailable);
        Assert.IsNull(CudaBackend.Default);
        Assert.IsFalse(string.IsNullOrWhiteSpace(CudaBackend.DefaultUnavailableReason));
        Assert.ThrowsExactly<InvalidOperationException>(() => CudaBackend.Create(0));
    }

    [TestMethod]
    public void TryCreate_NegativeOrdinal_ThrowsBeforeAnyNativeCall() =>
        Assert.AreEqual("ordinal", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => CudaBackend.TryCreate(-1, out _, out _)).ParamName);

    [TestMethod]
    public void Wrap_ValidatesBeforeAnyNativeCall()
    {
        Assert.AreEqual(2L * 3 * 4, CudaBackend.ValidateWrap<double>(0x1000, 2, 3, 4));
        Assert.AreEqual(0L, CudaBackend.ValidateWrap<float>(0, 0, 3, 4), "an empty batch may have a null pointer");
        Assert.AreEqual("devicePointer", Assert.ThrowsExactly<ArgumentException>(() => CudaBackend.ValidateWrap<float>(0, 2, 3, 1)).ParamName);
        Assert.AreEqual("devicePointer", Assert.ThrowsExactly<ArgumentException>(() => CudaBackend.ValidateWrap<double>(0x1004, 2, 3, 1)).ParamName);
        Assert.AreEqual("devicePointer", Assert.ThrowsExactly<ArgumentException>(() => CudaBackend.ValidateWrap<float>(0x1002, 2, 3, 1)).ParamName);
        Assert.AreEqual("rows", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => CudaBackend.ValidateWrap<float>(0x1000, -1, 3, 1)).ParamName);
        Assert.AreEqual("cols", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => CudaBackend.ValidateWrap<float>(0x1000, 1, -3, 1)).ParamName);
        Assert.AreEqual("count", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => CudaBackend.ValidateWrap<float>(0x1000, 1, 3, -1)).ParamName);
        Assert.AreEqual("count", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => CudaBackend.ValidateWrap<float>(0x1000, 65536, 65536, 2)).ParamName);
    }

    [TestMethod]
    [DataRow(null, null, 7, 4, 3.5)]
    [DataRow(0.25, null, 7, 4, 3.5)]
    [DataRow(null, 1e-3, 4, 7, 3.5)]
    [DataRow(1e-2, 1e-1, 4, 7, 0.01)]
    [DataRow(0.0, null, 3, 3, 2.0)]
    public void DeviceThreshold_ResolvesTolerancesAsTheCpu(double? atol, double? rtol, int m, int n, double sMax)
    {
        var tolerance = new RankTolerance(atol, rtol);
        foreach (bool single in new[] { true, false })
        {
            (double a, double r) = single ? tolerance.Resolve<float>(m, n) : tolerance.Resolve<double>(m, n);
            double expected = single ? tolerance.Threshold<float>(m, n, sMax) : tolerance.Threshold<double>(m, n, sMax);
            Assert.AreEqual(expected, Math.Max(a, r * sMax), $"the kernels' max(atol, rtol * s_max), single={single}");
        }
    }

    [TestMethod]
    public void KernelArgumentBits_AreWhatTheDriverReads()
    {
        Assert.AreEqual((long)(uint)BitConverter.SingleToInt32Bits(-1.5f), CudaBackend.Ops.Bits(-1.5f));
        Assert.AreEqual(BitConverter.DoubleToInt64Bits(-1.5), CudaBackend.Ops.Bits<double>(-1.5));
        Assert.AreEqual(0L, CudaBackend.Ops.Bits(0.0f) >> 32, "a float argument occupies the low four bytes only");
    }

    private static bool NvrtcAvailable(out string reason)
    {
        try
        {
            _ = NvrtcCompiler.NvrtcVersion;
            reason = string.Empty;
            return true;
        }
        catch (DllNotFoundException e)
        {
            reason = "NVRTC is not installed: " + e.Message;
            return false;
        }
    }

    /// <summary>The checkout holding the test binaries, or null for a published runner away from one.</summary>
    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OrthoProj.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    [GeneratedRegex(@"^OP_INSTANTIATE\((\w+),", RegexOptions.Multiline)]
    private static partial Regex InstantiatePattern();

    [GeneratedRegex(@"^extern ""C"" __global__ void (\w+)\(", RegexOptions.Multiline)]
    private static partial Regex ExternPattern();

    [GeneratedRegex(@"__fmul_|__fdiv|__fdividef|__expf|__logf|__sinf|__cosf|__powf")]
    private static partial Regex FastMathPattern();
}
