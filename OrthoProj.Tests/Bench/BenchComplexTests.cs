using System.Numerics;
using OrthoProj.Bench.Harness;
using OrthoProj.Bench.Targets;

namespace OrthoProj.Tests.Bench;

/// <summary>
/// The benchmark's complex rows (issue 20): proj.both in complex64 and qr.fwd in complex128 run on
/// the CPU target at tiny sizes, pass their validation and report a time, as does their LAPACK
/// floor (c/z geqrf, ungqr); the dtype names, sizes and the flop model (times 4) are the stated ones.
/// </summary>
[TestClass]
public sealed class BenchComplexTests
{
    private static readonly RepPolicy OneRep = new(0, 1, 1, 0);

    /// <summary>The suite's complex rows at tiny sizes: the same workloads and dtypes, 4 matrices of 12 x 6.</summary>
    private static IEnumerable<BenchCase> TinyComplexRows() =>
        Suite.ComplexRows().Select(c => c with { Shape = new BatchShape(4, 12, 6) });

    private static CpuBackend Cpu() =>
        CpuBackend.TryCreateNative(out CpuBackend? native, out _, 1) ? native! : CpuBackend.CreateManaged(1);

    [TestMethod]
    public void ComplexRowsRunOnTheCpuTargetAndReportATime()
    {
        CpuBackend cpu = Cpu();
        var target = new OrthoProjTarget(cpu, HostClock.Instance, cpu, 1);
        foreach (BenchCase c in TinyComplexRows())
        {
            ResultRow row = target.Run(c, OneRep, 5);
            Assert.AreEqual(RowStatus.Ok, row.Status, $"{c.Id}: {row.Note} {row.Validation}");
            Assert.IsTrue(row.Validated, row.Validation);
            Assert.HasCount(1, row.SamplesSeconds);
            Assert.IsTrue(row.SamplesSeconds[0] > 0, c.Id);
            StringAssert.Contains(row.Note, OrthoProjTarget.ComplexPathNote);
        }
    }

    [TestMethod]
    public void ComplexFloorRunsThroughTheCAndZRoutines()
    {
        IFloor? floor = Floors.TryCreateCpu(1, out string reason);
        if (floor is null)
        {
            Assert.Inconclusive("no native LAPACK: " + reason);
        }

        foreach (BenchCase c in TinyComplexRows())
        {
            ResultRow row = floor.Run(c, Floors.UsesOrgqr(c.Workload), OneRep, 5);
            Assert.AreEqual(RowStatus.Ok, row.Status, $"{c.Id}: {row.Note}");
            Assert.IsTrue(row.SamplesSeconds[0] > 0, c.Id);
            StringAssert.Contains(row.Note, c.Dtype == Dtype.C64 ? "cgeqrf" : "zgeqrf+zungqr");
        }
    }

    [TestMethod]
    public void QuickAndFullSuitesHoldTheTwoComplexRows()
    {
        var proj = new BenchCase(Workload.ProjectBoth, new BatchShape(4096, 32, 16), Dtype.C64, BenchDevice.Cpu);
        var qr = new BenchCase(Workload.QrForward, new BatchShape(256, 64, 32), Dtype.C128, BenchDevice.Cpu);
        foreach (string name in new[] { "quick", "full" })
        {
            Suite s = Suite.Create(new BenchOptions { Suite = name });
            CollectionAssert.Contains(s.Cases.ToList(), proj, name);
            CollectionAssert.Contains(s.Cases.ToList(), qr, name);
        }

        Suite only = Suite.Create(new BenchOptions { Suite = "quick", Dtypes = [Dtype.C128] });
        CollectionAssert.AreEqual(new[] { qr }, only.Cases.ToArray());
    }

    [TestMethod]
    public void DtypeNamesSizesAndTheComplexFlopModel()
    {
        CollectionAssert.AreEqual(new[] { "f32", "f64", "c64", "c128" }, Workloads.AllDtypes.Select(d => d.Name()).ToArray());
        CollectionAssert.AreEqual(new[] { 4, 8, 8, 16 }, Workloads.AllDtypes.Select(d => d.Size()).ToArray());
        Assert.AreEqual(Dtype.C64, Workloads.ParseDtype("c64"));
        Assert.AreEqual(Dtype.C128, Workloads.ParseDtype("C128"));
        Assert.ThrowsExactly<ArgumentException>(() => Workloads.ParseDtype("c32"));
        Assert.AreEqual(Dtype.F32, Dtype.C64.Real());
        Assert.AreEqual(Dtype.F64, Dtype.C128.Real());

        // A complex multiply-add is 4 real ones: the complex case counts 4 times the real flops.
        var real = new BenchCase(Workload.QrForward, new BatchShape(256, 64, 32), Dtype.F64, BenchDevice.Cpu);
        Assert.AreEqual(4 * real.Flops, (real with { Dtype = Dtype.C128 }).Flops, 1e-6 * real.Flops);
        Assert.AreEqual(real.Flops, (real with { Dtype = Dtype.F32 }).Flops);
        Assert.AreEqual(2 * real.Bytes, (real with { Dtype = Dtype.C128 }).Bytes);
    }

    [TestMethod]
    public void ComplexInputsHaveUniformRealAndImaginaryParts()
    {
        using HostMatrixBatch<Complex> z = Inputs.Uniform<Complex>(64, 32, 4, 3);
        using HostMatrixBatch<Complex64> c = Inputs.Uniform<Complex64>(64, 32, 4, 3);
        Complex[] zs = z.Span.ToArray();
        Assert.IsTrue(zs.All(v => v.Real >= -1 && v.Real < 1 && v.Imaginary >= -1 && v.Imaginary < 1));
        Assert.IsTrue(zs.Average(v => Math.Abs(v.Imaginary)) > 0.4, "the imaginary parts are drawn, not zero");
        Assert.IsTrue(zs.Average(v => v.Real) is > -0.1 and < 0.1);
        Complex[] cs = Inputs.ToComplex<Complex64>(c.Span);
        for (int i = 0; i < zs.Length; i++)
        {
            Assert.AreEqual((float)zs[i].Real, (float)cs[i].Real);
            Assert.AreEqual((float)zs[i].Imaginary, (float)cs[i].Imaginary);
        }
    }
}
