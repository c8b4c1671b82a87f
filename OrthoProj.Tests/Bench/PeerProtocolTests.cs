using OrthoProj.Bench.Harness;
using OrthoProj.Bench.Targets;

namespace OrthoProj.Tests.Bench;

/// <summary>
/// The peers' JSON protocol (bench/torch_peer.py, bench/TorchSharpPeer) on the bench's side: the
/// request names every case, and a reply becomes one row per case and implementation, the TorchSharp
/// peer's "adapter" objects a second row, whatever the peer omitted a failed row with a reason.
/// </summary>
[TestClass]
public sealed class PeerProtocolTests
{
    private static readonly BenchCase Qr = new(Workload.QrForward, new BatchShape(4, 12, 6), Dtype.F64, BenchDevice.Cpu);
    private static readonly BenchCase Proj = new(Workload.ProjectBoth, new BatchShape(8, 12, 6), Dtype.F32, BenchDevice.Cpu);
    private static readonly BenchCase Pinv = new(Workload.PinvBackward, new BatchShape(2, 12, 6), Dtype.F64, BenchDevice.Cpu);

    [TestMethod]
    public void RequestCarriesThePolicyAndEveryCase()
    {
        var request = PeerProtocol.Request([Qr, Proj], new RepPolicy(1, 3, 30, 0.25) { CaseCapSeconds = 1.5 }, 1234, 1);
        Assert.AreEqual(1234, (int)request["seed"]!);
        Assert.AreEqual(1.5, (double)request["case_cap_s"]!);
        Assert.IsNull(request["single_shot_above_s"], "an infinite limit travels as null");
        var cases = request["cases"]!.AsArray();
        Assert.HasCount(2, cases);
        Assert.AreEqual(Qr.Id, (string)cases[0]!["id"]!);
        Assert.AreEqual("proj.both", (string)cases[1]!["workload"]!);
        Assert.AreEqual(12, (int)cases[1]!["m"]!);
    }

    [TestMethod]
    public void ReplyWithAdapterObjectsGivesTwoRowsPerCase()
    {
        string stdout = "a line a native library printed\n" + $$$"""
            {"torch": "libtorch 2.10.0", "threads": 1, "adapter_backend": "CPU", "results": [
              {"id": "{{{Qr.Id}}}", "status": "ok", "samples_s": [0.002, 0.001, 0.003], "warmup": 1, "note": "torch.linalg.qr",
               "adapter": {"status": "ok", "samples_s": [0.004], "warmup": 1, "note": "TorchLinalg.Qr"}},
              {"id": "{{{Proj.Id}}}", "status": "failed", "note": "RuntimeError: boom",
               "adapter": {"status": "absent", "note": "not here"}}]}
            """.ReplaceLineEndings(" ") + "\n";
        var (rows, info) = PeerProtocol.Parse(stdout, [Qr, Proj, Pinv], 1, Implementations.TorchSharp, Implementations.Adapter);
        Assert.AreEqual("libtorch 2.10.0", (string)info["torch"]!);
        Assert.IsNull(info["results"], "the info leaves the results out");
        Assert.HasCount(6, rows);

        ResultRow qr = rows.Single(r => r.CaseId == Qr.Id && r.Implementation == Implementations.TorchSharp);
        Assert.AreEqual(RowStatus.Ok, qr.Status);
        Assert.AreEqual(0.002, qr.Median, 1e-12);
        Assert.AreEqual(1, qr.Warmup);
        ResultRow adapter = rows.Single(r => r.CaseId == Qr.Id && r.Implementation == Implementations.Adapter);
        Assert.AreEqual(RowStatus.Ok, adapter.Status);
        Assert.AreEqual("TorchLinalg.Qr", adapter.Note);

        Assert.AreEqual(RowStatus.Failed, rows.Single(r => r.CaseId == Proj.Id && r.Implementation == Implementations.TorchSharp).Status);
        Assert.AreEqual(RowStatus.Absent, rows.Single(r => r.CaseId == Proj.Id && r.Implementation == Implementations.Adapter).Status);
        Assert.IsTrue(rows.Where(r => r.CaseId == Pinv.Id).All(r => r.Status == RowStatus.Failed && r.Note == "no result from the peer"));
    }

    [TestMethod]
    public void ReplyOfThePyTorchPeerGivesOneRowPerCase()
    {
        string stdout = $$$"""{"torch": "1.13.0", "results": [{"id": "{{{Qr.Id}}}", "status": "absent", "note": "no CUDA"}]}""";
        var (rows, _) = PeerProtocol.Parse(stdout, [Qr], 1, Implementations.PyTorch, adapterImplementation: null);
        Assert.HasCount(1, rows);
        Assert.AreEqual(RowStatus.Absent, rows[0].Status);
        Assert.AreEqual("no CUDA", rows[0].Note);
    }

    [TestMethod]
    public void ReplyWithoutJsonIsAFormatError() =>
        Assert.ThrowsExactly<FormatException>(() => PeerProtocol.Parse("Segmentation fault\n", [Qr], 1, Implementations.TorchSharp, Implementations.Adapter));

    [TestMethod]
    public void OverheadIsTheAdapterOverTheBareCall()
    {
        ResultRow bare = new() { CaseId = Qr.Id, Implementation = Implementations.OrthoProj, Status = RowStatus.Ok, SamplesSeconds = [0.002] };
        ResultRow adapter = new() { CaseId = Qr.Id, Implementation = Implementations.Adapter, Status = RowStatus.Ok, SamplesSeconds = [0.0025] };
        Assert.AreEqual("+0.500 ms (+25%)", OrthoProj.Bench.Reporting.Reports.Overhead(bare, adapter));
        ResultRow same = new() { CaseId = Qr.Id, Implementation = Implementations.Adapter, Status = RowStatus.Ok, SamplesSeconds = [0.001999] };
        Assert.AreEqual("-0.001 ms (0%)", OrthoProj.Bench.Reporting.Reports.Overhead(bare, same));
        Assert.AreEqual("-", OrthoProj.Bench.Reporting.Reports.Overhead(bare, ResultRow.Absent(Qr, Implementations.Adapter, "not built")));
    }

    [TestMethod]
    public void OverheadPrefersTheBareCallTimedBesideTheAdapter()
    {
        string stdout = $$$"""{"torch": "libtorch 2.10.0", "results": [{"id": "{{{Qr.Id}}}", "status": "ok", "samples_s": [0.004], "warmup": 1, "note": "", "adapter": {"status": "ok", "samples_s": [0.003, 0.0031, 0.0029], "bare_samples_s": [0.002, 0.0021, 0.0019], "warmup": 1, "note": ""}}]}""";
        var (rows, _) = PeerProtocol.Parse(stdout, [Qr], 1, Implementations.TorchSharp, Implementations.Adapter);
        ResultRow adapter = rows.Single(r => r.Implementation == Implementations.Adapter);
        CollectionAssert.AreEqual(new[] { 0.002, 0.0021, 0.0019 }, adapter.BareSamplesSeconds.ToArray());
        ResultRow benchBare = new() { CaseId = Qr.Id, Implementation = Implementations.OrthoProj, Status = RowStatus.Ok, SamplesSeconds = [0.0005] };
        Assert.AreEqual("+1.0 ms (+50%)", OrthoProj.Bench.Reporting.Reports.Overhead(benchBare, adapter), "the peer's interleaved bare median (2 ms), not the bench's (0.5 ms)");
        Assert.AreEqual("+1.0 ms (+50%)", OrthoProj.Bench.Reporting.Reports.Overhead(null, adapter));
    }
}
