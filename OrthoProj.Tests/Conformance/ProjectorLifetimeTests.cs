using OrthoProj.Tests.Support;

namespace OrthoProj.Tests.Conformance;

/// <summary>
/// A projector disposed while other threads use it: every operation either completes with a
/// correct result or throws <see cref="ObjectDisposedException"/>; never a NullReferenceException,
/// an access to released memory, or a wrong result.
/// </summary>
[TestClass]
public sealed class ProjectorLifetimeTests
{
    [TestMethod]
    [DataRow(SmallMatrixPath.Always)]
    [DataRow(SmallMatrixPath.Never)]
    public void DisposeWhileOtherThreadsProject_GivesObjectDisposedOrCorrectResults(SmallMatrixPath path)
    {
        CpuBackend cpu = CpuBackend.CreateManaged(maxDegreeOfParallelism: 1, smallMatrixPath: path);
        HostMatrixBatch<double> a = FullRankData.Random<double>(32, 16, 1024, seed: 11);
        HostMatrixBatch<double> y = FullRankData.Random<double>(32, 2, 1024, seed: 12);
        HostMatrixBatch<double> otherA = FullRankData.Random<double>(32, 16, 1024, seed: 13);
        double[] expected;
        using (Projector<double> reference = cpu.Projector(a))
        {
            expected = reference.Project(y).ToArray();
        }

        for (int round = 0; round < 10; round++)
        {
            Projector<double> p = cpu.Projector(a);
            int completed = 0, refused = 0;
            var unexpected = new System.Collections.Concurrent.ConcurrentBag<Exception>();
            using var start = new Barrier(5);
            Thread[] users = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
            {
                start.SignalAndWait();
                // Until the first refusal: the calls straddle Dispose, whatever its timing.
                for (int i = 0; i < 400 && Volatile.Read(ref refused) == 0; i++)
                {
                    try
                    {
                        double[] z = p.Project(y).ToArray();
                        CollectionAssert.AreEqual(expected, z, "a result computed while Dispose ran");
                        Interlocked.Increment(ref completed);
                    }
                    catch (ObjectDisposedException)
                    {
                        Interlocked.Increment(ref refused);
                    }
                    catch (Exception e)
                    {
                        unexpected.Add(e);
                    }
                }
            })).ToArray();
            foreach (Thread t in users)
            {
                t.Start();
            }

            start.SignalAndWait();
            Thread.Sleep(1 + (round % 3));
            p.Dispose();

            // Released factor memory must not be read any more: a new projector of the same shape
            // takes it over (pooled buffers) and writes other factors into it.
            using (Projector<double> other = cpu.Projector(otherA))
            {
                foreach (Thread t in users)
                {
                    t.Join();
                }
            }

            Assert.IsEmpty(unexpected, string.Join("\n", unexpected.Select(e => e.ToString())));
            Assert.IsGreaterThan(0, refused, "Dispose happened while the users still ran");
            Assert.IsTrue(p.IsDisposed);
            Assert.ThrowsExactly<ObjectDisposedException>(() => p.Project(y));
        }
    }
}
