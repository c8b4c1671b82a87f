using TorchSharp;

namespace OrthoProj.TorchSharp.Functions;

/// <summary>Checks every backward makes.</summary>
internal static class AdapterChecks
{
    /// <summary>
    /// The backward passes are OrthoProj's, outside TorchSharp's graph: with create_graph (grad mode
    /// on inside the backward) their results would silently carry no second derivative, so it is
    /// refused. TorchSharp cannot carry an exception out of a custom backward (it is called from
    /// libtorch's engine): the process stops with this message rather than return a wrong gradient.
    /// </summary>
    public static void RejectDoubleBackward(string function)
    {
        if (torch.is_grad_enabled())
        {
            throw new NotSupportedException(
                $"{function}: double backward (create_graph: true) is not supported; OrthoProj's backward passes are first-order vector-Jacobian products.");
        }
    }
}
