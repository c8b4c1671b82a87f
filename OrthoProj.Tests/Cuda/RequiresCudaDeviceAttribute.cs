namespace OrthoProj.Tests.Cuda;

/// <summary>
/// Runs a test class only where OrthoProj's CUDA backend finds a device. Elsewhere its tests are
/// reported skipped with one short line each; the reason (the probe trace) is given once per run by
/// <see cref="CudaAvailabilityTests"/>, instead of being repeated by every test.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class RequiresCudaDeviceAttribute : ConditionBaseAttribute
{
    private static readonly Lazy<bool> DeviceOpens = new(() =>
    {
        bool found = OrthoProj.Native.CudaDevice.TryOpen(0, out OrthoProj.Native.CudaDevice? device, out _);
        device?.Dispose();
        return found;
    });

    private readonly bool driverOnly;

    /// <summary>Skips where no device is found.</summary>
    /// <param name="driverOnly">Only the driver and a device are needed (not cuBLAS, cuSOLVER and NVRTC).</param>
    public RequiresCudaDeviceAttribute(bool driverOnly = false)
        : base(ConditionMode.Include)
    {
        this.driverOnly = driverOnly;
        IgnoreMessage = "needs a CUDA device (why there is none: CudaAvailabilityTests)";
    }

    /// <inheritdoc/>
    public override bool IsConditionMet => driverOnly ? DeviceOpens.Value : CudaBackend.IsAvailable;

    /// <inheritdoc/>
    public override string GroupName => "CUDA device";
}

/// <summary>
/// The one place a run says whether the CUDA tests that need a device ran, and why not. Where
/// ORTHOPROJ_EXPECT_CUDA=1 (scripts/gpu-check.sh run, on a machine that has a GPU) a backend that
/// does not start fails this test with the probe trace instead of leaving every CUDA test skipped:
/// a GPU check must never pass by skipping.
/// </summary>
[TestClass]
public sealed class CudaAvailabilityTests
{
    /// <summary>Set to 1 where the CUDA backend must start (the GPU check).</summary>
    internal const string ExpectVariable = "ORTHOPROJ_EXPECT_CUDA";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void CudaDevice_IsUsedWhereFound()
    {
        bool expected = Environment.GetEnvironmentVariable(ExpectVariable) == "1";
        if (!CudaBackend.IsAvailable && expected)
        {
            Assert.Fail($"{ExpectVariable}=1 but the CUDA backend did not start. Why: " + CudaBackend.DefaultUnavailableReason);
        }

        if (!CudaBackend.IsAvailable)
        {
            Assert.Inconclusive("No GPU here, so the tests that need one are skipped (each says 'needs a CUDA device'). Why: " + CudaBackend.DefaultUnavailableReason);
        }

        Assert.IsFalse(string.IsNullOrEmpty(CudaBackend.Default!.Description));
        TestContext.WriteLine("CUDA backend: " + CudaBackend.Default.Description);
        Console.WriteLine("CUDA backend: " + CudaBackend.Default.Description);
    }
}
