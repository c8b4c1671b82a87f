using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Tests;

/// <summary>
/// Double backward (create_graph: true) is not supported yet, and must not stop the process: an
/// exception out of a custom backward (libtorch's engine calls it) would abort it. The backward gives
/// NaN gradients and the next TorchLinalg call raises the refusal. The attempt runs in a child
/// process (this test assembly again, told by an environment variable to make it), so that a
/// regression that aborts shows as this test's failure, not as a dead test run.
/// </summary>
[TestClass]
public sealed class DoubleBackwardTests
{
    private const string ChildVariable = "ORTHOPROJ_DOUBLE_BACKWARD_CHILD";

    [TestMethod]
    public void CreateGraph_GivesNaNAndTheNextCallSaysWhy_WithoutStoppingTheProcess()
    {
        var start = new ProcessStartInfo("dotnet", [typeof(DoubleBackwardTests).Assembly.Location, "--filter", $"FullyQualifiedName~{nameof(DoubleBackwardTests)}.{nameof(ChildAttempt)}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { [ChildVariable] = "1" },
        };
        using Process child = Process.Start(start)!;
        Task<string> stderr = child.StandardError.ReadToEndAsync();
        string output = child.StandardOutput.ReadToEnd() + stderr.Result;
        Assert.IsTrue(child.WaitForExit(TimeSpan.FromMinutes(2)), "the child did not stop");
        Assert.AreEqual(0, child.ExitCode, output);
        StringAssert.Contains(output, "succeeded: 1", "the child's attempt must have run and passed: " + output);
    }

    /// <summary>The child's attempt; in the parent's run it checks that the first-order backward of the same loss works.</summary>
    [TestMethod]
    public void ChildAttempt()
    {
        Tensor a = Reference.Random([6, 3], ScalarType.Float64, new Generator(23)).requires_grad_(true);
        Tensor y = Reference.Random([6, 2], ScalarType.Float64, new Generator(29));
        Tensor loss = TorchLinalg.Residual(a, y).square().sum();
        bool child = Environment.GetEnvironmentVariable(ChildVariable) == "1";
        Tensor grad = torch.autograd.grad([loss], [a], create_graph: child)[0];
        if (child)
        {
            Assert.IsTrue(grad.isnan().all().item<bool>(), "a create_graph backward must give NaN gradients, not first-order values without a graph");
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => TorchLinalg.Residual(a, y));
            Assert.IsInstanceOfType<NotSupportedException>(e.InnerException);
            StringAssert.Contains(e.Message, "OrthoProjProjector: double backward (create_graph: true) is not supported");
            using Tensor again = TorchLinalg.Residual(a, y);     // raised once: the next call works
            return;
        }

        Assert.IsLessThan(1e-10, Reference.RelativeError(grad, torch.autograd.grad([Reference.Residual(a, y).square().sum()], [a])[0]));
    }
}
