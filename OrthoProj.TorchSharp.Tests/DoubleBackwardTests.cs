using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Tests;

/// <summary>
/// Double backward (create_graph: true) is refused with a clear message. TorchSharp cannot carry an
/// exception out of a custom backward (libtorch's engine calls it), so the refusal stops the process:
/// the test runs it in a child process (this test assembly again, told by an environment variable to
/// attempt it) and reads what the child printed.
/// </summary>
[TestClass]
public sealed class DoubleBackwardTests
{
    private const string ChildVariable = "ORTHOPROJ_DOUBLE_BACKWARD_CHILD";

    [TestMethod]
    public void CreateGraph_StopsWithAMessageThatSaysWhy()
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
        Assert.AreNotEqual(0, child.ExitCode, output);
        StringAssert.Contains(output, "OrthoProjProjector: double backward (create_graph: true) is not supported");
        Assert.DoesNotContain("CHILD RETURNED", output, "the double backward returned a gradient");
    }

    /// <summary>The child's attempt; in the parent's run it only checks that the first-order backward of the same loss works.</summary>
    [TestMethod]
    public void ChildAttempt()
    {
        Tensor a = Reference.Random([6, 3], ScalarType.Float64, new Generator(23)).requires_grad_(true);
        Tensor y = Reference.Random([6, 2], ScalarType.Float64, new Generator(29));
        Tensor loss = TorchLinalg.Residual(a, y).square().sum();
        bool child = Environment.GetEnvironmentVariable(ChildVariable) == "1";
        Tensor grad = torch.autograd.grad([loss], [a], create_graph: child)[0];
        Assert.IsFalse(child, "CHILD RETURNED: a gradient came back from create_graph: true");
        Assert.IsLessThan(1e-10, Reference.RelativeError(grad, torch.autograd.grad([Reference.Residual(a, y).square().sum()], [a])[0]));
    }
}
