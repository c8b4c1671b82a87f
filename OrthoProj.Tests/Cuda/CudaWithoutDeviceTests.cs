using OrthoProj.Cuda;
using OrthoProj.Cuda.Kernels;
using OrthoProj.Native;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// What can be checked about the CUDA backend without a GPU: the kernel sources compile through
/// NVRTC for the architectures OrthoProj targets and define every kernel the backend launches,
/// the backend's probe fails softly with a reason, and argument checks run before any native call.
/// </summary>
[TestClass]
public sealed class CudaWithoutDeviceTests
{
    private static readonly int[] TargetArchitectures = [80, 90];

    public static IEnumerable<object[]> KernelSources =>
        KernelModule.SourceNames().Where(n => n.EndsWith(".cu", StringComparison.Ordinal)).SelectMany(file => TargetArchitectures.Select(arch => new object[] { file, arch }));

    /// <summary>
    /// Complex batches are accepted (the general path has their C/Z routines and kernels); other
    /// element types are still refused before any device call. The fused small-matrix kernels are
    /// real-only: a complex projector takes the general path whatever SmallMatrixPath says, while a
    /// real one of the same shape takes the fused path.
    /// </summary>
    [TestMethod]
    public void ComplexBatches_AreAccepted_AndTheFusedPathDeclinesThem()
    {
        Assert.AreEqual(24L, CudaBackend.CheckShape<System.Numerics.Complex>(4, 3, 2));
        Assert.AreEqual(24L, CudaBackend.CheckShape<Complex64>(4, 3, 2));
        Assert.AreEqual(24L, CudaBackend.ValidateWrap<Complex64>(256, 4, 3, 2));
        Assert.ThrowsExactly<ArgumentException>(() => CudaBackend.ValidateWrap<System.Numerics.Complex>(8, 4, 3, 2), "a complex128 pointer is aligned to 16 bytes");
        Assert.AreEqual(24L, CudaBackend.CheckShape<float>(4, 3, 2));
        Assert.AreEqual(24L, CudaBackend.CheckShape<double>(4, 3, 2));
        Assert.ThrowsExactly<NotSupportedException>(() => CudaBackend.CheckShape<Half>(4, 3, 2));
        foreach (SmallMatrixPath path in new[] { SmallMatrixPath.Auto, SmallMatrixPath.Always })
        {
            Assert.IsTrue(CudaBackend.ChoosesFusedPath<float>(path, ProjectorMethod.Qr, 32, 16, 4), $"{path}: real takes the fused path");
            Assert.IsTrue(CudaBackend.ChoosesFusedPath<double>(path, ProjectorMethod.Qr, 32, 16, 4), $"{path}: real takes the fused path");
            Assert.IsFalse(CudaBackend.ChoosesFusedPath<Complex64>(path, ProjectorMethod.Qr, 32, 16, 4), $"{path}: complex64 takes the general path");
            Assert.IsFalse(CudaBackend.ChoosesFusedPath<System.Numerics.Complex>(path, ProjectorMethod.Qr, 32, 16, 4), $"{path}: complex128 takes the general path");
        }
    }

    [TestMethod]
    public void KernelSources_AreEmbedded()
    {
        IReadOnlyList<string> names = KernelModule.SourceNames();
        CollectionAssert.Contains(names.ToList(), GeneralKernels.Unit.SourceFile);
        CollectionAssert.Contains(names.ToList(), "orthoproj_common.cuh");
        string? root = RepositoryRoot();
        if (root is not null)
        {
            string onDisk = File.ReadAllText(Path.Combine(root, "cuda", GeneralKernels.Unit.SourceFile));
            Assert.AreEqual(onDisk, KernelModule.ReadSource(GeneralKernels.Unit.SourceFile), "the embedded source is the file in cuda/");
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

        CudaKernelImage image = KernelModule.Compile(new NvrtcCompiler(useCache: false), file, architecture);
        Assert.AreEqual(CudaImageKind.Cubin, image.Kind, $"NVRTC {NvrtcCompiler.NvrtcVersion} should know sm_{architecture}");
        Assert.AreEqual($"sm_{architecture}", image.Target);
        Assert.IsGreaterThan(0, image.Image.Length);
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
    public void UnknownSmallMatrixPath_IsRefusedWhereItIsGiven() =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CudaBackendOptions { SmallMatrixPath = (SmallMatrixPath)7 });

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
}
