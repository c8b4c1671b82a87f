using OrthoProj.Native;
using OrthoProj.Tests.Support;

namespace OrthoProj.Tests.Cpu;

/// <summary>
/// <see cref="NativeLapack.TryPinSingleThreaded"/>: the native BLAS goes to one thread, and OrthoProj's
/// results on the native provider do not change. Skipped (inconclusive) without a native LAPACK or
/// without a thread control in it.
/// </summary>
[TestClass]
public sealed class NativeThreadPinningTests
{
    [TestMethod]
    public void PinningToOneThreadSucceedsAndLeavesResultsUnchanged()
    {
        if (!CpuBackend.TryCreateNative(out CpuBackend? cpu, out IReadOnlyList<string> trace, smallMatrixPath: SmallMatrixPath.Never))
        {
            Assert.IsFalse(NativeLapack.TryPinSingleThreaded(out string none), "no LAPACK loaded, nothing to pin");
            Assert.Inconclusive("No native LAPACK on this machine: " + string.Join("; ", trace) + " / " + none);
        }

        if (NativeLapack.ThreadControl is null)
        {
            Assert.IsFalse(NativeLapack.TryPinSingleThreaded(out string why));
            StringAssert.Contains(why, "OMP_NUM_THREADS");
            Assert.Inconclusive($"The native LAPACK exposes no thread control: {why}");
        }

        int before = NativeLapack.GetThreads() ?? 1;
        try
        {
            // Large enough that a multithreaded BLAS splits its gemm/trsm calls, plus a batch of small ones.
            NativeLapack.SetThreads(Math.Max(2, Environment.ProcessorCount));
            (double[] Big, double[] Grad, double[] Small) reference = Compute(cpu!);

            Assert.IsTrue(NativeLapack.TryPinSingleThreaded(out string detail), detail);
            StringAssert.StartsWith(detail, NativeLapack.ThreadControl);
            Assert.AreEqual(1, NativeLapack.GetThreads() ?? 1, detail);
            Assert.IsTrue(NativeLapack.TryPinSingleThreaded(out _), "idempotent");

            // Seen from other threads too (the backend's Parallel.For workers call into the BLAS).
            int seen = 0;
            Task.Run(() => seen = NativeLapack.GetThreads() ?? 1).Wait();
            Assert.AreEqual(1, seen, "thread count seen from another thread");

            (double[] Big, double[] Grad, double[] Small) pinned = Compute(cpu!);
            AssertClose(reference.Big, pinned.Big, "projector 512 x 256");
            AssertClose(reference.Grad, pinned.Grad, "ProjectBackward gA 512 x 256");
            AssertClose(reference.Small, pinned.Small, "projector 64 x (32 x 16)");
        }
        finally
        {
            NativeLapack.SetThreads(before);
        }
    }

    private static (double[] Big, double[] Grad, double[] Small) Compute(CpuBackend cpu)
    {
        HostMatrixBatch<double> a = TestData.Random<double>(512, 256, 1, seed: 1);
        HostMatrixBatch<double> y = TestData.Random<double>(512, 8, 1, seed: 2);
        HostMatrixBatch<double> g = TestData.Random<double>(512, 8, 1, seed: 3);
        using Projector<double> big = cpu.Projector(a);
        using ProjectorGradients<double> grads = big.ProjectBackward(y, g);
        HostMatrixBatch<double> sa = TestData.Random<double>(32, 16, 64, seed: 4);
        HostMatrixBatch<double> sy = TestData.Random<double>(32, 2, 64, seed: 5);
        using Projector<double> small = cpu.Projector(sa);
        return (big.Project(y).ToArray(), grads.GradA.ToArray(), small.Project(sy).ToArray());
    }

    /// <summary>Equal to rounding: a BLAS may split a product differently over one thread than over several.</summary>
    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual);
        double diff = 0, scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.IsTrue(double.IsFinite(actual[i]), $"{what}: element {i} is {actual[i]}");
            diff = Math.Max(diff, Math.Abs(actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }

        Assert.IsLessThanOrEqualTo(1e-12 * Math.Max(1, scale), diff, $"{what}: max difference {diff:G3} against max {scale:G3}");
    }
}
