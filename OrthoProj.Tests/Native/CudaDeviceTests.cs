using OrthoProj.Native;

namespace OrthoProj.Tests.Native;

/// <summary>Opening a device where there is none must fail softly with a reason, never throw.</summary>
[TestClass]
public sealed class CudaDeviceTests(TestContext testContext)
{
    [TestMethod]
    public void TryOpenWithoutGpuReturnsFalseWithReason()
    {
        if (CudaDevice.IsAvailable)
        {
            Assert.Inconclusive("A CUDA device is present; the no-GPU path cannot be exercised here (CudaGpuTests cover the device).");
        }

        bool opened = CudaDevice.TryOpen(0, out CudaDevice? device, out string reason);
        testContext.WriteLine(reason);
        Assert.IsFalse(opened);
        Assert.IsNull(device);
        Assert.IsFalse(string.IsNullOrWhiteSpace(reason));

        // Either the driver is missing (the probe trace names libcuda.so.1) or it loads and
        // cuInit fails (e.g. the Debian driver library without a GPU): both say so.
        Assert.IsTrue(
            reason.Contains("libcuda.so.1", StringComparison.Ordinal) || reason.Contains("cuInit", StringComparison.Ordinal),
            reason);
    }

    [TestMethod]
    public void TryOpenNeverThrowsForMissingDevices()
    {
        Assert.IsFalse(CudaDevice.TryOpen(1000, out CudaDevice? device, out string reason));
        Assert.IsNull(device);
        Assert.IsFalse(string.IsNullOrWhiteSpace(reason));
        Assert.IsFalse(CudaDevice.TryGetDeviceCount(out int count, out reason) && count > 1000, reason);
    }

    [TestMethod]
    public void NegativeOrdinalIsRejected() =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => CudaDevice.TryOpen(-1, out _, out _));

    [TestMethod]
    public void OpenThrowsWithTheReason()
    {
        if (CudaDevice.IsAvailable)
        {
            Assert.Inconclusive("A CUDA device is present.");
        }

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => CudaDevice.Open(0));
        Assert.IsTrue(e.Message.Contains("not available", StringComparison.Ordinal), e.Message);
    }

    [TestMethod]
    public void DriverWithoutGpuReportsCuInitFailure()
    {
        // With ORTHOPROJ_CUDA_PATH pointing at an unpacked libcuda1 package (CI does this), the
        // driver loads and cuInit fails: the reason must carry the CUresult name.
        try
        {
            _ = CudaLibraries.Load(Libraries.CudaDriver);
        }
        catch (NativeLibraryLoadException e)
        {
            Assert.Inconclusive($"No CUDA driver library to load: {e.Message}");
        }

        if (CudaDevice.IsAvailable)
        {
            Assert.Inconclusive("A CUDA device is present.");
        }

        Assert.IsFalse(CudaDevice.TryOpen(0, out _, out string reason));
        testContext.WriteLine(reason);
        Assert.IsTrue(reason.Contains("cuInit failed with CUDA_ERROR_", StringComparison.Ordinal), reason);
    }
}
