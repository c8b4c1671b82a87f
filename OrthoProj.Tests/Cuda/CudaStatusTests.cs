using OrthoProj.Native;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// The CUDA backend's error status (<see cref="CudaErrorChecking"/>): the same
/// <see cref="NonFiniteInputException"/> as on the CPU, raised by the call in the default mode and
/// by the next host read, <see cref="CudaBackend.CheckErrors"/>, <see cref="CudaBackend.Synchronize"/>
/// or Dispose in the deferred mode; the memory pool's reuse; a backend on a caller's stream.
/// Needs a device or the host emulation.
/// </summary>
[TestClass]
[RequiresCudaDevice]
public sealed class CudaStatusTests
{
    private const int M = 5, N = 3, Count = 4;

    [TestMethod]
    public void Synchronous_RaisesAtTheCall_NamingTheInputElementAndValue()
    {
        using CudaBackend cuda = CudaBackend.Create(0, new CudaBackendOptions());
        using MatrixBatch<double> a = cuda.FromHost<double>(Matrices(M, N), M, N, Count);
        using Projector<double> p = cuda.Projector(a);
        using MatrixBatch<double> y = cuda.FromHost<double>(Matrices(M, 1), M, 1, Count);
        using MatrixBatch<double> gz = cuda.FromHost<double>(WithNonFinite(Matrices(M, 1), 2 * M + 3, double.NegativeInfinity), M, 1, Count);

        var e = Assert.ThrowsExactly<NonFiniteInputException>(() => p.ProjectBackward(y, gz));
        Assert.AreEqual("gradZ", e.ParamName);
        Assert.AreEqual((2, 3, 0), (e.MatrixIndex, e.Row, e.Col));
        cuda.CheckErrors();   // nothing left pending
    }

    [TestMethod]
    public void Deferred_RaisesAtTheNextCheck_HostRead_Synchronize_OrDispose()
    {
        var cuda = CudaBackend.Create(0, new CudaBackendOptions { ErrorChecking = CudaErrorChecking.Deferred });
        try
        {
            using MatrixBatch<float> a = cuda.FromHost<float>(Matrices(M, N).Select(v => (float)v).ToArray(), M, N, Count);
            using Projector<float> p = cuda.Projector(a);
            float[] bad = WithNonFinite(Matrices(M, 1), M + 1, double.NaN).Select(v => (float)v).ToArray();
            MatrixBatch<float> y = cuda.FromHost<float>(bad, M, 1, Count);

            // The call returns; the error waits on the device.
            using (MatrixBatch<float> z = p.Project(y))
            {
                var e = Assert.ThrowsExactly<NonFiniteInputException>(cuda.CheckErrors);
                Assert.AreEqual(("y", 1, 1, 0), (e.ParamName, e.MatrixIndex, e.Row, e.Col));
                cuda.CheckErrors();   // raised once
            }

            using (MatrixBatch<float> z = p.Project(y))
            {
                Assert.ThrowsExactly<NonFiniteInputException>(() => z.ToArray());
            }

            using (MatrixBatch<float> z = p.Project(y))
            {
                Assert.ThrowsExactly<NonFiniteInputException>(cuda.Synchronize);
            }

            // Many pending checks: the status is read early, by the call that finds every slot taken.
            int raisedAt = -1;
            for (int i = 0; i < 300 && raisedAt < 0; i++)
            {
                try
                {
                    p.Project(y).Dispose();
                }
                catch (NonFiniteInputException)
                {
                    raisedAt = i;
                }
            }

            Assert.AreEqual(256, raisedAt, "the status word holds 256 pending checks");
            cuda.CheckErrors();
            _ = p.Project(y);
            y.Dispose();
            a.Dispose();
            p.Dispose();
            Assert.ThrowsExactly<NonFiniteInputException>(cuda.Dispose);
        }
        finally
        {
            cuda.Dispose();
        }
    }

    [TestMethod]
    public void Pool_ReusesTheMemoryOfADisposedResult()
    {
        using CudaBackend cuda = CudaBackend.Create(0, new CudaBackendOptions());
        var first = (CudaMatrixBatch<double>)cuda.Zeros<double>(M, N, Count);
        nint address = first.DevicePointer;
        first.Dispose();
        Assert.IsGreaterThan(0L, cuda.PooledBytes);
        using var second = (CudaMatrixBatch<double>)cuda.Zeros<double>(M, N, Count);
        Assert.AreEqual(address, second.DevicePointer);
        CollectionAssert.AreEqual(new double[M * N * Count], second.ToArray(), "Zeros clears reused memory");
        cuda.TrimMemoryPool();
        Assert.AreEqual(0L, cuda.PooledBytes);
    }

    [TestMethod]
    public void ExternalStream_IsUsedAndLeftAlive()
    {
        using CudaBackend owner = CudaBackend.Create(0, new CudaBackendOptions());
        nint stream = owner.Stream.DangerousGetHandle();
        using (CudaBackend guest = CudaBackend.Create(0, new CudaBackendOptions { ExternalStream = stream }))
        {
            Assert.IsTrue(guest.UsesExternalStream);
            Assert.AreEqual(stream, guest.Stream.DangerousGetHandle());
            using MatrixBatch<double> a = guest.FromHost<double>(Matrices(M, N), M, N, Count);
            using Projector<double> p = guest.Projector(a);
            using MatrixBatch<double> z = p.Project(a);
            double[] host = z.ToArray();
            double[] expected = Matrices(M, N);
            for (int i = 0; i < host.Length; i++)
            {
                Assert.AreEqual(expected[i], host[i], 1e-12, "A projects onto itself");
            }
        }

        owner.Synchronize();   // the stream outlives the guest backend
    }

    [TestMethod]
    [DataRow(0, DisplayName = "0, the legacy default stream as PyTorch reports it")]
    [DataRow(1, DisplayName = "CU_STREAM_LEGACY")]
    [DataRow(2, DisplayName = "CU_STREAM_PER_THREAD")]
    public void DefaultStreamHandles_AreTheCallersStream(int handle)
    {
        // 0 once meant "no external stream": such a caller got a private non-blocking stream,
        // unordered with its own work on the default stream.
        Assert.AreEqual((nint)handle, handle switch { 0 => 0, 1 => CudaStream.Legacy, _ => CudaStream.PerThread });
        using (CudaBackend guest = CudaBackend.Create(0, new CudaBackendOptions { ExternalStream = handle }))
        {
            Assert.IsTrue(guest.UsesExternalStream);
            Assert.AreEqual((nint)handle, guest.Stream.DangerousGetHandle(), "the work is queued on the caller's handle");
            using MatrixBatch<double> a = guest.FromHost<double>(Matrices(M, N), M, N, Count);
            using Projector<double> p = guest.Projector(a);
            using MatrixBatch<double> z = p.Project(a);
            double[] host = z.ToArray();
            double[] expected = Matrices(M, N);
            for (int i = 0; i < host.Length; i++)
            {
                Assert.AreEqual(expected[i], host[i], 1e-12, "A projects onto itself");
            }
        }

        using (CudaBackend own = CudaBackend.Create(0, new CudaBackendOptions()))
        {
            Assert.IsFalse(own.UsesExternalStream, "no handle given: a stream of its own");
            Assert.AreNotEqual((nint)0, own.Stream.DangerousGetHandle());
        }

        Assert.ThrowsExactly<ArgumentException>(() => CudaDeviceGroup.Create(null, new CudaBackendOptions { ExternalStream = handle }), "a default stream is a caller's stream too");
    }

    private static double[] Matrices(int rows, int cols)
    {
        var random = new Random(rows * 31 + cols);
        return [.. Enumerable.Range(0, rows * cols * Count).Select(_ => random.NextDouble() - 0.5)];
    }

    private static double[] WithNonFinite(double[] data, int index, double value)
    {
        data[index] = value;
        return data;
    }
}
