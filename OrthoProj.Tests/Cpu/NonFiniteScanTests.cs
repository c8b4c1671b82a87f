using OrthoProj.Cpu;
using OrthoProj.Tests.Support;

namespace OrthoProj.Tests.Cpu;

/// <summary>
/// The host's non-finite scan (<see cref="NonFiniteScan"/>): the first NaN or infinity wherever it
/// stands (in a vector block, in the tail, in any chunk of a batch scanned over several threads), and
/// the exception a call raises names the first one when a later chunk also holds one.
/// </summary>
[TestClass]
public sealed class NonFiniteScanTests
{
    private static readonly ParallelOptions TwoThreads = new() { MaxDegreeOfParallelism = 2 };

    [TestMethod]
    public void FindsEachPosition_InBlocksAndTail()
    {
        foreach (int length in new[] { 1, 7, 31, 64, 67, 200 })
        {
            for (int at = 0; at < length; at++)
            {
                foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
                {
                    var data = new float[length];
                    data.AsSpan().Fill(1.5f);
                    data[at] = bad;
                    Assert.AreEqual(at, NonFiniteScan.First<float>(data), $"{bad} at {at} of {length}");
                }
            }

            var finite = new double[length];
            finite.AsSpan().Fill(double.MaxValue);
            Assert.AreEqual(-1, NonFiniteScan.First<double>(finite), $"finite, {length}");
        }
    }

    [TestMethod]
    public void ChunkedOverThreads_ReportsTheFirst()
    {
        const int length = (1 << 16) * 9 + 5;
        var data = new double[length];
        data.AsSpan().Fill(-2.0);
        Assert.AreEqual(-1, NonFiniteScan.First<double>(data.AsMemory(), TwoThreads));
        int[] marks = [length - 1, (1 << 16) * 7 + 3, (1 << 16) * 2 + 40_000, (1 << 16) * 2 + 17, 5];
        foreach (int at in marks)
        {
            // Each mark lies before the ones already set: the scan must report the newest, lowest one.
            data[at] = double.NaN;
            Assert.AreEqual(at, NonFiniteScan.First<double>(data.AsMemory(), TwoThreads), $"first at {at}");
        }
    }

    [TestMethod]
    public void ACall_NamesTheFirstNonFiniteOfALargeBatch()
    {
        var backend = CpuBackend.CreateManaged(maxDegreeOfParallelism: 2);
        HostMatrixBatch<float> a = TestData.Random<float>(32, 16, 4096, seed: 1);
        a[3000, 4, 5] = float.PositiveInfinity;
        a[1234, 31, 2] = float.NaN;
        var e = Assert.ThrowsExactly<NonFiniteInputException>(() => backend.Projector(a));
        Assert.AreEqual((1234, 31, 2), (e.MatrixIndex, e.Row, e.Col));
    }
}
