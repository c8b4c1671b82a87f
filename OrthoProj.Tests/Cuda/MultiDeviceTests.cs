namespace OrthoProj.Tests.Cuda;

/// <summary>
/// A batch sharded across every visible device (<see cref="CudaDeviceGroup"/>) gives, matrix for
/// matrix, bit for bit what one device gives for the whole batch: the general and the fused path,
/// Project and ProjectBackward. Needs two or more devices: a multi-GPU machine, or the host
/// emulation with FAKECUDA_DEVICES=2 (scripts/gpu-check.sh emulate runs it so); inconclusive otherwise.
/// </summary>
[TestClass]
[RequiresCudaDevice]
public sealed class MultiDeviceTests
{
    [TestMethod]
    [DataRow(7, 20, 5, DisplayName = "general path, 7 x (20 x 5)")]
    [DataRow(9, 32, 16, DisplayName = "fused path, 9 x (32 x 16)")]
    public void ShardedProjectAndBackward_EqualOneDevice(int count, int m, int n)
    {
        using CudaDeviceGroup group = CudaDeviceGroup.Create();
        if (group.Backends.Count < 2)
        {
            Assert.Inconclusive("Needs two or more CUDA devices (the host emulation with FAKECUDA_DEVICES=2 has two).");
        }

        var random = new Random(count * 100 + m);
        double[] a = [.. Enumerable.Range(0, count * m * n).Select(_ => random.NextDouble() - 0.5)];
        double[] y = [.. Enumerable.Range(0, count * m * 2).Select(_ => random.NextDouble() - 0.5)];
        double[] g = [.. Enumerable.Range(0, count * m * 2).Select(_ => random.NextDouble() - 0.5)];

        static IReadOnlyList<MatrixBatch<double>> Step(CudaBackend cuda, IReadOnlyList<MatrixBatch<double>> x)
        {
            using Projector<double> p = cuda.Projector(x[0]);
            MatrixBatch<double> z = p.Project(x[1]);
            ProjectorGradients<double> grads = p.ProjectBackward(x[1], x[2]);
            return [z, grads.GradA, grads.GradY];
        }

        double[][] sharded = group.Map<double>([(a, m, n), (y, m, 2), (g, m, 2)], count, Step);

        CudaBackend one = group.Backends[0];
        using MatrixBatch<double> ab = one.FromHost<double>(a, m, n, count), yb = one.FromHost<double>(y, m, 2, count), gb = one.FromHost<double>(g, m, 2, count);
        IReadOnlyList<MatrixBatch<double>> whole = Step(one, [ab, yb, gb]);
        for (int k = 0; k < whole.Count; k++)
        {
            CollectionAssert.AreEqual(whole[k].ToArray(), sharded[k], $"result {k}");
            whole[k].Dispose();
        }

        CollectionAssert.AreEqual(new[] { (0, 4), (4, 3) }, CudaDeviceGroup.Split(7, 2));
    }
}
