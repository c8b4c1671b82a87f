namespace OrthoProj.Tests.Cuda;

/// <summary>
/// Two backends of one device (two streams) sharing batches both ways: a batch of the owner read
/// by the user and then disposed and re-rented by the owner; the user's result delivered into the
/// owner's output (a copy on the owner's stream) and given back to the user's pool, which reuses it
/// at once; a copy to the host, on the owner's stream, of an output the user wrote. Each must see
/// the other stream's work: the stream that touches a batch next waits, on the device, for the one
/// that touched it last (<c>CudaMatrixBatch.OrderUseBy</c>). In the synchronous host emulation every
/// call has finished when it returns, so these pass without the ordering too; they are written for
/// a GPU and for an emulation that runs streams as queues and reports unordered accesses, where the
/// unordered version reads stale or reused memory. The hand-over bookkeeping itself is checked here.
/// Needs a device or the host emulation.
/// </summary>
[TestClass]
[RequiresCudaDevice]
public sealed class CrossBackendOrderingTests
{
    private const int M = 6, N = 3, Count = 5;

    [TestMethod]
    public void AnOwnersBatch_ReadByAnotherBackend_ThenDisposedAndReused()
    {
        using CudaBackend owner = CudaBackend.Create(0, new CudaBackendOptions());
        using CudaBackend user = CudaBackend.Create(0, new CudaBackendOptions());
        double[] aData = Matrices(M, N, 1), yData = Matrices(M, 2, 2);
        using MatrixBatch<double> a = user.FromHost<double>(aData, M, N, Count);
        using Projector<double> p = user.Projector(a);
        double[] expected;
        using (MatrixBatch<double> alone = p.Project(user.FromHost<double>(yData, M, 2, Count)))
        {
            expected = alone.ToArray();
        }

        var y = (CudaMatrixBatch<double>)owner.FromHost<double>(yData, M, 2, Count);
        nint address = y.DevicePointer;
        using MatrixBatch<double> z = p.Project(y);        // the user's stream reads the owner's y
        Assert.AreSame(user, y.LastUser, "the user's call is the batch's last use");
        y.Dispose();                                         // back to the owner's pool: after the user's read

        // The owner re-rents the block at once and overwrites it on its own stream.
        using var overwrite = (CudaMatrixBatch<double>)owner.FromHost<double>(Matrices(M, 2, 3), M, 2, Count);
        Assert.AreEqual(address, overwrite.DevicePointer, "the owner's pool reuses the block the user read");
        AssertClose(expected, z.ToArray(), "the user read y before the owner overwrote it");
    }

    [TestMethod]
    public void AResultWrittenIntoTheOwnersOutput_ThenReusedByTheUser()
    {
        using CudaBackend owner = CudaBackend.Create(0, new CudaBackendOptions());
        using CudaBackend user = CudaBackend.Create(0, new CudaBackendOptions { SmallMatrixPath = SmallMatrixPath.Always });
        using MatrixBatch<double> a = user.FromHost<double>(Matrices(M, N, 1), M, N, Count);
        using MatrixBatch<double> y = user.FromHost<double>(Matrices(M, 2, 2), M, 2, Count);
        using Projector<double> p = user.Projector(a);
        double[] expected;
        using (MatrixBatch<double> alone = p.Project(y))
        {
            expected = alone.ToArray();
        }

        // The fused kernel writes the owner's output in place, on the user's stream (no batch of
        // its own, no copy): the user's call is the output's last use, which the owner's read waits for.
        var output = (CudaMatrixBatch<double>)owner.Zeros<double>(M, 2, Count);
        Assert.AreSame(output, p.Project(y, output));
        Assert.AreSame(user, output.LastUser, "the user's kernel wrote the owner's output in place");

        // The user runs again at once on its own stream.
        using MatrixBatch<double> next = p.Project(user.FromHost<double>(Matrices(M, 2, 4), M, 2, Count));
        AssertClose(expected, output.ToArray(), "the owner copied the user's result after it was written and before it was reused");
        output.Dispose();
    }

    [TestMethod]
    public void AnOutputTheUserWrote_CopiedToTheHostByTheOwner()
    {
        using CudaBackend owner = CudaBackend.Create(0, new CudaBackendOptions());
        using CudaBackend user = CudaBackend.Create(0, new CudaBackendOptions { SmallMatrixPath = SmallMatrixPath.Never });
        using MatrixBatch<double> a = user.FromHost<double>(Matrices(M, N, 1), M, N, Count);
        using MatrixBatch<double> y = owner.FromHost<double>(Matrices(M, 2, 2), M, 2, Count);
        using Projector<double> p = user.Projector(a);
        double[] expected;
        using (MatrixBatch<double> alone = p.Project(y))
        {
            expected = alone.ToArray();
        }

        using var output = (CudaMatrixBatch<double>)owner.Zeros<double>(M, 2, Count);
        p.Project(y, output);
        double[] host = output.ToArray();                  // on the owner's stream: after the user's work
        Assert.AreSame(owner, output.LastUser);
        AssertClose(expected, host, "the owner's copy to the host came after the user's writes");

        // And the other way: the user reads what the owner wrote last.
        output.CopyFrom(Matrices(M, 2, 5));
        using MatrixBatch<double> again = p.Project(output);
        Assert.AreSame(user, output.LastUser);
        using MatrixBatch<double> reference = p.Project(user.FromHost<double>(Matrices(M, 2, 5), M, 2, Count));
        AssertClose(reference.ToArray(), again.ToArray(), "the user read the owner's copy from the host");
    }

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-12, $"{what} (element {i})");
        }
    }

    private static double[] Matrices(int rows, int cols, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, rows * cols * Count).Select(_ => random.NextDouble() - 0.5)];
    }
}
