using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Functions;

/// <summary>
/// The base of every single-output function of the adapter: its backward is sealed to
/// <see cref="BackwardGuard.Run"/>, so no function can give libtorch's engine a backward that
/// throws (an exception there aborts the process), whatever its state's backward raises.
/// </summary>
internal abstract class GuardedSingleTensorFunction<T> : autograd.SingleTensorFunction<T>
    where T : GuardedSingleTensorFunction<T>, new()
{
    public sealed override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output) => BackwardGuard.Run(Name, ctx, [grad_output]);
}

/// <summary>The base of every multi-output function of the adapter, its backward sealed to <see cref="BackwardGuard.Run"/> as above.</summary>
internal abstract class GuardedMultiTensorFunction<T> : autograd.MultiTensorFunction<T>
    where T : GuardedMultiTensorFunction<T>, new()
{
    public sealed override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grad_outputs) => BackwardGuard.Run(Name, ctx, grad_outputs);
}
