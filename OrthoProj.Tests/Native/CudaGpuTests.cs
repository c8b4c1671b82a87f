using OrthoProj.Native;
using static OrthoProj.Native.Interop.Cublas;
using static OrthoProj.Native.Interop.Cusolver;

namespace OrthoProj.Tests.Native;

/// <summary>
/// The binding layer end to end on a real GPU: memory, copies, streams, events, NVRTC-compiled
/// kernels, cuBLAS and cuSOLVER through the shared primary context. Inconclusive (skipped) where
/// no device opens, with the reason.
/// </summary>
[TestClass]
[OrthoProj.Tests.Cuda.RequiresCudaDevice(driverOnly: true)]
public sealed class CudaGpuTests(TestContext testContext)
{
    [TestMethod]
    public void DeviceReportsItsAttributes()
    {
        using CudaDevice device = CudaTestSupport.RequireDevice();
        testContext.WriteLine(device.ToString());
        Assert.IsFalse(string.IsNullOrWhiteSpace(device.Name));
        Assert.IsTrue(device.ComputeCapabilityMajor >= 5, device.ToString());
        Assert.IsTrue(device.MultiprocessorCount > 0);
        Assert.IsTrue(device.TotalMemory > 1L << 30);
        Assert.IsTrue(device.MaxSharedMemoryPerBlockOptin >= device.MaxSharedMemoryPerBlock);
        (long free, long total) = device.GetMemoryInfo();
        Assert.IsTrue(free > 0 && free <= total);
    }

    [TestMethod]
    public void BufferRoundTripsSynchronouslyAndOnAStream()
    {
        using CudaDevice device = CudaTestSupport.RequireDevice();
        float[] data = [.. Enumerable.Range(0, 1000).Select(i => i * 0.5f)];
        using DeviceBuffer<float> buffer = DeviceBuffer<float>.CreateFrom(device, data);
        CollectionAssert.AreEqual(data, buffer.ToArray());

        using CudaStream stream = device.CreateStream();
        using DeviceBuffer<float> copy = device.Allocate<float>(data.Length, clear: true);
        CollectionAssert.AreEqual(new float[data.Length], copy.ToArray());

        // The copies and the memset above ran on the legacy stream, which a non-blocking stream is
        // not ordered after: wait for them before queuing on the stream.
        device.Synchronize();
        copy.CopyFrom(buffer.View, stream);
        var back = new float[data.Length];
        copy.CopyTo(back, stream);
        stream.Synchronize();
        CollectionAssert.AreEqual(data, back);

        // A view over the middle of the buffer, as memory from another framework would be used.
        var view = new DeviceView<float>(device, buffer.DevicePointer + (10 * sizeof(float)), 5);
        CollectionAssert.AreEqual(data[10..15], view.ToArray());
    }

    [TestMethod]
    public void DisposedBufferThrowsAndDisposeIsIdempotent()
    {
        using CudaDevice device = CudaTestSupport.RequireDevice();
        DeviceBuffer<double> buffer = device.Allocate<double>(16);
        Assert.AreNotEqual(0, buffer.DevicePointer);
        buffer.Dispose();
        buffer.Dispose();
        Assert.IsTrue(buffer.IsDisposed);
        Assert.AreEqual(16L, buffer.Length);
        Assert.ThrowsExactly<ObjectDisposedException>(() => buffer.DevicePointer);
        Assert.ThrowsExactly<ObjectDisposedException>(() => buffer.CopyFrom(new double[16]));
        Assert.ThrowsExactly<ObjectDisposedException>(() => buffer.ToArray());

        // Length checks on a live buffer name the argument.
        using DeviceBuffer<double> live = device.Allocate<double>(4);
        Assert.AreEqual("source", Assert.ThrowsExactly<ArgumentException>(() => live.CopyFrom(new double[3])).ParamName);
    }

    [TestMethod]
    public void BuffersOutliveTheDeviceObject()
    {
        // The primary context is released only after the last buffer is freed.
        CudaDevice device = CudaTestSupport.RequireDevice();
        DeviceBuffer<int> buffer = DeviceBuffer<int>.CreateFrom(device, [1, 2, 3]);
        device.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => device.MakeCurrent());
        buffer.Dispose();
    }

    [TestMethod]
    public void PinnedStagingCopiesAsynchronously()
    {
        using CudaDevice device = CudaTestSupport.RequireDevice();
        using PinnedHostBuffer<int> pinned = PinnedHostBuffer<int>.Allocate(device, 4096);
        for (int i = 0; i < pinned.Length; i++)
        {
            pinned.Span[i] = i * 3;
        }

        using DeviceBuffer<int> buffer = device.Allocate<int>(pinned.Length);
        using CudaStream stream = device.CreateStream();
        buffer.CopyFrom(pinned.Span, stream);
        using PinnedHostBuffer<int> back = PinnedHostBuffer<int>.Allocate(device, pinned.Length);
        buffer.CopyTo(back.Span, stream);
        stream.Synchronize();
        Assert.IsTrue(pinned.Span.SequenceEqual(back.Span));
    }

    [TestMethod]
    public void NvrtcKernelLaunchesAndEventsTimeIt()
    {
        using CudaDevice device = CudaTestSupport.RequireDevice();
        NvrtcCompilerTests.RequireNvrtc();
        CudaKernelImage image = new NvrtcCompiler(useCache: false).Compile(NvrtcCompilerTests.AxpySource, "axpy.cu", device);
        testContext.WriteLine($"{image.Kind} for {image.Target}");
        using CudaModule module = CudaModule.Load(device, image.Image.Span);
        CudaKernel axpy = module.GetKernel("axpy");

        const int n = 10_000;
        float[] x = [.. Enumerable.Range(0, n).Select(i => (float)i)];
        float[] y = [.. Enumerable.Range(0, n).Select(i => 1f)];
        using DeviceBuffer<float> dx = DeviceBuffer<float>.CreateFrom(device, x);
        using DeviceBuffer<float> dy = DeviceBuffer<float>.CreateFrom(device, y);
        using CudaStream stream = device.CreateStream();
        using CudaEvent start = device.CreateEvent();
        using CudaEvent end = device.CreateEvent();

        int count = n;
        float a = 2f;
        nint px = dx.DevicePointer, py = dy.DevicePointer;
        start.Record(stream);
        unsafe
        {
            axpy.Launch((n + 255) / 256, 256, 0, stream, (nint)(&count), (nint)(&a), (nint)(&px), (nint)(&py));
        }

        end.Record(stream);
        end.Synchronize();
        float ms = CudaEvent.ElapsedMilliseconds(start, end);
        Assert.IsTrue(ms >= 0, $"{ms} ms");
        float[] result = dy.ToArray();
        for (int i = 0; i < n; i++)
        {
            Assert.AreEqual((2f * i) + 1f, result[i], $"element {i}");
        }

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => axpy.Launch(0, 256, 0, stream));
        Assert.ThrowsExactly<CudaException>(() => module.GetKernel("no_such_kernel"));
    }

    [TestMethod]
    public unsafe void CublasSgemmInThePrimaryContext()
    {
        using CudaDevice device = CudaTestSupport.RequireDevice();
        using CublasHandle cublas = CublasHandle.Create(device);
        Assert.AreEqual(CublasMathMode.Pedantic, cublas.MathMode);
        testContext.WriteLine($"cuBLAS {cublas.Version}");
        using CudaStream stream = device.CreateStream();
        cublas.SetStream(stream);

        // Column-major 2 x 2: A = [1 3; 2 4], B = I, C = A.
        using DeviceBuffer<float> a = DeviceBuffer<float>.CreateFrom(device, [1, 2, 3, 4]);
        using DeviceBuffer<float> b = DeviceBuffer<float>.CreateFrom(device, [1, 0, 0, 1]);
        using DeviceBuffer<float> c = device.Allocate<float>(4, clear: true);
        float alpha = 1, beta = 0;
        CudaCheck.Check(
            cublasSgemm_v2(cublas.Enter(), cublasOperation_t.CUBLAS_OP_N, cublasOperation_t.CUBLAS_OP_N, 2, 2, 2,
                &alpha, (float*)a.DevicePointer, 2, (float*)b.DevicePointer, 2, &beta, (float*)c.DevicePointer, 2),
            "cublasSgemm_v2");
        stream.Synchronize();
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4 }, c.ToArray());
    }

    [TestMethod]
    public unsafe void CusolverGeqrfReportsDevInfo()
    {
        using CudaDevice device = CudaTestSupport.RequireDevice();
        using CusolverHandle solver = CusolverHandle.Create(device);
        using CudaStream stream = device.CreateStream();
        solver.SetStream(stream);

        // 3 x 2 column-major with orthogonal columns of norms 3 and 5: |diag(R)| = (3, 5).
        using DeviceBuffer<double> a = DeviceBuffer<double>.CreateFrom(device, [1, 2, 2, 2, 1, -2]);
        using DeviceBuffer<double> tau = device.Allocate<double>(2);
        using DeviceBuffer<int> info = device.Allocate<int>(1, clear: true);
        int lwork;
        CudaCheck.Check(cusolverDnDgeqrf_bufferSize(solver.Enter(), 3, 2, (double*)a.DevicePointer, 3, &lwork), "cusolverDnDgeqrf_bufferSize");
        using DeviceBuffer<double> work = device.Allocate<double>(Math.Max(1, lwork));
        CudaCheck.Check(
            cusolverDnDgeqrf(solver.Enter(), 3, 2, (double*)a.DevicePointer, 3, (double*)tau.DevicePointer,
                (double*)work.DevicePointer, lwork, (int*)info.DevicePointer),
            "cusolverDnDgeqrf");
        stream.Synchronize();
        Assert.AreEqual(0, info.ToArray()[0], "devInfo");
        double[] r = a.ToArray();
        Assert.AreEqual(3.0, Math.Abs(r[0]), 1e-12);
        Assert.AreEqual(5.0, Math.Abs(r[4]), 1e-12);
    }

    [TestMethod]
    public void ForeignStreamIsNotDestroyed()
    {
        using CudaDevice device = CudaTestSupport.RequireDevice();
        using CudaStream owned = device.CreateStream();
        using (CudaStream wrapper = CudaStream.FromHandle(device, owned.DangerousGetHandle()))
        {
            wrapper.Synchronize();
        }

        owned.Synchronize(); // still valid after the wrapper's Dispose
        using CudaStream legacy = CudaStream.FromHandle(device, 0);
        legacy.Synchronize();
    }
}
