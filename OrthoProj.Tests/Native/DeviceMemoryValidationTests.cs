using OrthoProj.Native;

namespace OrthoProj.Tests.Native;

/// <summary>
/// Length, range and null checks of device memory happen before any native call, so they run
/// without a GPU: a view over a fake address with no device would fail in the driver (or fail
/// to load it) if a check were missing.
/// </summary>
[TestClass]
public sealed class DeviceMemoryValidationTests
{
    private const nint FakeAddress = 0x10000;

    private static DeviceView<float> FakeView(long length) => new(FakeAddress, length, device: null);

    [TestMethod]
    public void CopyFromChecksTheSourceLength()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => FakeView(4).CopyFrom(new float[3]));
        Assert.AreEqual("source", e.ParamName);
        Assert.IsTrue(e.Message.Contains('3', StringComparison.Ordinal) && e.Message.Contains('4', StringComparison.Ordinal), e.Message);
    }

    [TestMethod]
    public void CopyToChecksTheDestinationLength()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => FakeView(4).CopyTo(new float[5]));
        Assert.AreEqual("destination", e.ParamName);
        e = Assert.ThrowsExactly<ArgumentException>(() => FakeView(4).CopyTo(FakeView(2)));
        Assert.AreEqual("destination", e.ParamName);
    }

    [TestMethod]
    public void StreamOrderedCopiesCheckArgumentsFirst()
    {
        Assert.ThrowsExactly<ArgumentNullException>(() => FakeView(4).CopyFrom(new float[4], null!));
        Assert.ThrowsExactly<ArgumentNullException>(() => FakeView(4).CopyTo(new float[4], null!));
    }

    [TestMethod]
    public void EmptyCopiesMakeNoNativeCall()
    {
        var empty = new DeviceView<float>(0, 0, device: null);
        empty.CopyFrom([]);
        empty.CopyTo([]);
        empty.CopyTo(empty);
        empty.Clear();
        Assert.AreEqual(0, empty.ToArray().Length);
    }

    [TestMethod]
    public void SliceStaysInsideTheView()
    {
        DeviceView<float> view = FakeView(4);
        DeviceView<float> slice = view.Slice(1, 2);
        Assert.AreEqual(FakeAddress + 4, slice.Pointer);
        Assert.AreEqual(2L, slice.Length);
        Assert.AreEqual(8L, slice.SizeInBytes);
        Assert.AreEqual(view, view.Slice(0, 4));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => view.Slice(2, 3));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => view.Slice(-1, 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => view.Slice(0, -1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => view.Slice(5, 0));
    }

    [TestMethod]
    public void ViewConstructionIsValidated()
    {
        Assert.AreEqual("pointer", Assert.ThrowsExactly<ArgumentException>(() => new DeviceView<float>(0, 4, device: null)).ParamName);
        Assert.AreEqual("pointer", Assert.ThrowsExactly<ArgumentException>(() => new DeviceView<double>(FakeAddress + 4, 1, device: null)).ParamName);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DeviceView<float>(FakeAddress, -1, device: null));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DeviceView<double>(FakeAddress, long.MaxValue / 4, device: null));
        Assert.ThrowsExactly<ArgumentNullException>(() => new DeviceView<float>(null!, FakeAddress, 4));
    }

    [TestMethod]
    public void AllocationChecksArgumentsFirst()
    {
        Assert.ThrowsExactly<ArgumentNullException>(() => DeviceBuffer<float>.Allocate(null!, 4));
        Assert.ThrowsExactly<ArgumentNullException>(() => PinnedHostBuffer<float>.Allocate(null!, 4));
        Assert.ThrowsExactly<ArgumentNullException>(() => CublasHandle.Create(null!));
        Assert.ThrowsExactly<ArgumentNullException>(() => CusolverHandle.Create(null!));
        Assert.ThrowsExactly<ArgumentNullException>(() => CudaStream.FromHandle(null!, 0));
    }

    [TestMethod]
    public void CudaExceptionCarriesTheCall()
    {
        var e = new CudaException(CudaComponent.Cublas, "cublasSgemm_v2", 7, "CUBLAS_STATUS_INVALID_VALUE");
        Assert.AreEqual("cublasSgemm_v2 failed with CUBLAS_STATUS_INVALID_VALUE (7) [Cublas].", e.Message);
    }

    [TestMethod]
    public void StatusChecksNameTheStatus()
    {
        var e = Assert.ThrowsExactly<CudaException>(() => CudaCheck.Check(Interop.Cusolver.cusolverStatus_t.CUSOLVER_STATUS_INVALID_VALUE, "cusolverDnSgeqrf"));
        Assert.AreEqual("CUSOLVER_STATUS_INVALID_VALUE", e.StatusName);
        Assert.AreEqual(3, e.Status);
        Assert.AreEqual(CudaComponent.Cusolver, e.Component);
        e = Assert.ThrowsExactly<CudaException>(() => CudaCheck.Check(Interop.Driver.CUresult.CUDA_ERROR_OUT_OF_MEMORY, "cuMemAlloc_v2"));
        Assert.AreEqual("CUDA_ERROR_OUT_OF_MEMORY", e.StatusName);
        Assert.AreEqual("cuMemAlloc_v2", e.Call);
        CudaCheck.Check(Interop.Cublas.cublasStatus_t.CUBLAS_STATUS_SUCCESS, "cublasCreate_v2");
    }
}
