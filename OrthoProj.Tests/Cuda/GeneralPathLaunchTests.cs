using System.Text.RegularExpressions;
using OrthoProj.Cuda.Kernels;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// The CUDA general path's launch and routing rules, without a GPU: max_exponent runs one block
/// per matrix (review finding 6: one thread used to read a whole 8192 x 1024 matrix alone), and a
/// batch is factored by cuBLAS geqrfBatched and its Q formed by apply_reflectors only under
/// PyTorch's rule (finding 7: any m n &lt; 65,536 with two matrices or more used to be).
/// CudaMatchesCpuTests.Projector_EitherSideOfTheBatchedQrRule_MatchesTheCpu runs both sides.
/// </summary>
[TestClass]
public sealed partial class GeneralPathLaunchTests
{
    [TestMethod]
    public void MaxExponent_RunsOneBlockPerMatrix_ItsThreadsStridingOverTheElements()
    {
        string source = KernelSource("orthoproj_kernels.cu");
        string body = Body(source, "max_exponent_impl");
        StringAssert.Matches(body, MatrixPerBlock(), "the matrices are strided by block");
        StringAssert.Matches(body, ElementPerThread(), "a matrix's elements are strided by thread");
        StringAssert.Contains(body, "atomicMax(out + b", "the threads meet in out[b] through atomicMax");
        Assert.DoesNotContain("OP_GRID_STRIDE(b, count)", body, "one thread per matrix");

        // One block per matrix up to the grid's cap, block-stride past it; out is set to
        // OP_EXP_NONE first where the call does not accumulate (the wrapper launches exponent_none).
        Assert.AreEqual(1, KernelLauncher.BlockPerItemBlocks(1));
        Assert.AreEqual(4096, KernelLauncher.BlockPerItemBlocks(4096));
        Assert.AreEqual(KernelLauncher.MaxBlocks, KernelLauncher.BlockPerItemBlocks(1L << 20));
        StringAssert.Contains(Body(source, "exponent_none_impl"), "out[b] = OP_EXP_NONE");
    }

    [TestMethod]
    public void BatchedQr_FollowsPyTorchsRule()
    {
        // m <= 256 and count >= max(2, m / 16).
        Assert.IsFalse(CudaBackend.Ops.BatchesQr(4096, 2), "2 x 4096 x 15: cuSOLVER per matrix");
        Assert.IsFalse(CudaBackend.Ops.BatchesQr(1024, 64), "m > 256");
        Assert.IsFalse(CudaBackend.Ops.BatchesQr(257, 1 << 16), "m > 256");
        Assert.IsTrue(CudaBackend.Ops.BatchesQr(256, 16));
        Assert.IsFalse(CudaBackend.Ops.BatchesQr(256, 15), "count < m / 16");
        Assert.IsTrue(CudaBackend.Ops.BatchesQr(128, 8));
        Assert.IsFalse(CudaBackend.Ops.BatchesQr(128, 7));
        Assert.IsTrue(CudaBackend.Ops.BatchesQr(32, 2), "32 x 16: two matrices are enough");
        Assert.IsTrue(CudaBackend.Ops.BatchesQr(1, 2));
        Assert.IsFalse(CudaBackend.Ops.BatchesQr(32, 1), "a single matrix");
        Assert.AreEqual(256, CudaBackend.Ops.BatchedQrMaxRows);
    }

    [TestMethod]
    public void ApplyReflectors_TakesElementSteps_SoThatOrgqrReadsCoalesced()
    {
        // Batched orgqr forms Q^T (row r of Q contiguous): neighbouring threads, one per column,
        // then touch neighbouring addresses. The kernel addresses C only through its steps.
        string body = Body(KernelSource("orthoproj_kernels.cu"), "apply_reflectors_impl");
        StringAssert.Contains(body, "(i64)column * colStep");
        StringAssert.Contains(body, "x[(i64)r * rowStep]");
        Assert.DoesNotContain("(i64)column * m", body);
    }

    private static string KernelSource(string file)
    {
        string[]? files = KernelSourceParser.SourcesBesideTheTests(out string folder);
        string? path = files?.SingleOrDefault(f => Path.GetFileName(f) == file);
        if (path is null)
        {
            Assert.Inconclusive($"{file} is not in {folder} (OrthoProj.Tests.csproj copies cuda/*.cu next to the tests).");
        }

        return File.ReadAllText(path!);
    }

    // The body of a template function: from its name to the next line that closes a function at
    // column 0.
    private static string Body(string source, string name)
    {
        int start = source.IndexOf(name + "(", StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, start, $"{name} is not in the source");
        int end = source.IndexOf("\n}", start, StringComparison.Ordinal);
        return source[start..end];
    }

    [GeneratedRegex(@"for \(i64 b = blockIdx\.x; b < \(i64\)count; b \+= gridDim\.x\)")]
    private static partial Regex MatrixPerBlock();

    [GeneratedRegex(@"for \(i64 e = threadIdx\.x; e < len; e \+= blockDim\.x\)")]
    private static partial Regex ElementPerThread();
}
