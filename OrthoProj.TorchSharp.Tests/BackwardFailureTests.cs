using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Tests;

/// <summary>
/// A failure inside a backward must not stop the process: an exception out of a custom backward
/// (libtorch's engine calls it) would abort it. The backward gives NaN gradients and the next
/// TorchLinalg call raises the failure. The failures tried are the gradients torch.linalg.qr refuses
/// too: mode "r", and mode "complete" with m &gt; n. The attempt runs in a child process (this test
/// assembly again, told by an environment variable to make it), so that a regression that aborts
/// shows as this test's failure, not as a dead test run.
/// </summary>
[TestClass]
public sealed class BackwardFailureTests
{
    private const string ChildVariable = "ORTHOPROJ_BACKWARD_FAILURE_CHILD";

    [TestMethod]
    public void ABackwardThatFails_GivesNaNAndTheNextCallSaysWhy_WithoutStoppingTheProcess()
    {
        var start = new ProcessStartInfo("dotnet", [typeof(BackwardFailureTests).Assembly.Location, "--filter", $"FullyQualifiedName~{nameof(BackwardFailureTests)}.{nameof(ChildAttempt)}"])
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

    [TestMethod]
    public void EveryAutogradFunctionOfTheAdapter_HasTheGuardedBackward()
    {
        // A function whose backward is not BackwardGuard.Run could throw into libtorch's engine.
        Type[] functions = [.. typeof(TorchLinalg).Assembly.GetTypes().Where(t => !t.IsAbstract && IsAutogradFunction(t))];
        Assert.IsGreaterThanOrEqualTo(4, functions.Length, "the adapter's functions were found");
        foreach (Type function in functions)
        {
            Assert.IsTrue(
                DerivesFrom(function, typeof(Functions.GuardedSingleTensorFunction<>)) || DerivesFrom(function, typeof(Functions.GuardedMultiTensorFunction<>)),
                $"{function.Name} must derive from a guarded function base, whose backward is sealed to BackwardGuard.Run");
        }

        static bool IsAutogradFunction(Type t) => DerivesFrom(t, typeof(autograd.SingleTensorFunction<>)) || DerivesFrom(t, typeof(autograd.MultiTensorFunction<>));

        static bool DerivesFrom(Type t, Type genericBase)
        {
            for (Type? b = t.BaseType; b is not null; b = b.BaseType)
            {
                if (b.IsGenericType && b.GetGenericTypeDefinition() == genericBase)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The child's attempt; in the parent's run it checks the forward values of the same calls against torch.linalg.qr.</summary>
    [TestMethod]
    public void ChildAttempt()
    {
        Tensor a = Reference.Random([2, 6, 3], ScalarType.Float64, new Generator(23)).requires_grad_(true);
        (Tensor, Tensor) rOnly = TorchLinalg.Qr(a, linalg.QRMode.R), complete = TorchLinalg.Qr(a, linalg.QRMode.Complete);
        if (Environment.GetEnvironmentVariable(ChildVariable) != "1")
        {
            Assert.IsLessThan(1e-12, Reference.RelativeError(rOnly.Item2, torch.linalg.qr(a, linalg.QRMode.R).R));
            Assert.IsLessThan(1e-12, Reference.RelativeError(complete.Item1, torch.linalg.qr(a, linalg.QRMode.Complete).Q));
            return;
        }

        foreach ((string mode, Tensor output, string refusal) in new[]
        {
            ("r", rOnly.Item2, "The derivative of linalg.qr depends on Q, which is not computed when mode='r'"),
            ("complete", complete.Item1, "The QR decomposition is not differentiable when mode='complete' and nrows > ncols"),
        })
        {
            Tensor grad = torch.autograd.grad([output.sum()], [a], retain_graph: true)[0];
            Assert.IsTrue(grad.isnan().all().item<bool>(), $"mode {mode}: a backward that fails gives NaN gradients");
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => TorchLinalg.Residual(a, a));
            Assert.IsInstanceOfType<NotSupportedException>(e.InnerException);
            StringAssert.Contains(e.Message, refusal);
            using Tensor again = TorchLinalg.Residual(a, a);     // raised once: the next call works
        }
    }
}
