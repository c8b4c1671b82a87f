using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Functions;

/// <summary>
/// The one wrapper of every OrthoProj backward: nothing ever leaves it as an exception. A custom
/// backward is called from libtorch's engine, and an exception out of it aborts the whole process
/// (TorchSharp cannot carry it back), so a training loop would die inside OrthoProj.
/// </summary>
/// <remarks>
/// <para>A non-finite cotangent (a loss that turned NaN or Inf) is routine in training and is no
/// error: the matrices of the batch whose cotangent holds a non-finite value get NaN gradients, the
/// others their finite ones, and the loop's own checks (or anomaly mode) deal with it, as with
/// torch's own ops. (Torch's route can keep some entries of such a matrix's gradient finite; here
/// the whole matrix is NaN.)</para>
/// <para>Any other failure (double backward with create_graph, which OrthoProj's first-order
/// vector-Jacobian products cannot build a graph for; a rank change found when a retained graph
/// factors again; out of memory) gives NaN gradients for every input of the node, and the
/// exception is kept and raised, wrapped, by the next <see cref="TorchLinalg"/> call on any thread
/// (<see cref="ThrowPending"/>): the gradient is never silently wrong, and the error surfaces where
/// .NET code can catch it.</para>
/// </remarks>
internal static class BackwardGuard
{
    private const string InputsKey = "orthoproj.inputs";
    private static Exception? pending;

    /// <summary>Records, at the forward, the shape and dtype of each var that is a tensor (null: no gradient), for NaN gradients.</summary>
    public static void SaveInputs(autograd.AutogradContext ctx, params Tensor?[] vars) =>
        ctx.save_data(InputsKey, vars.Select(t => t is null ? null : new Input(t.shape, t.dtype)).ToArray());

    /// <summary>Runs <paramref name="backward"/> on the cotangents under the policy above; never throws.</summary>
    public static List<Tensor> Run(string function, autograd.AutogradContext ctx, IReadOnlyList<Tensor?> gradOutputs, Func<IReadOnlyList<Tensor?>, List<Tensor>> backward)
    {
        try
        {
            if (torch.is_grad_enabled())
            {
                throw new NotSupportedException(
                    $"{function}: double backward (create_graph: true) is not supported; OrthoProj's backward passes are first-order vector-Jacobian products, so the gradients were set to NaN.");
            }

            Tensor? bad = NonFiniteMatrices(gradOutputs);
            if (bad is null)
            {
                return backward(gradOutputs);
            }

            // The other matrices get their true gradients: the bad ones' cotangents are zeroed for
            // the computation, and their gradients are NaN.
            Tensor?[] cleaned = [.. gradOutputs.Select(g => Defined(g) ? g!.masked_fill(bad, 0.0) : g)];
            return [.. backward(cleaned).Select(g => g is null ? g! : g.masked_fill(bad, double.NaN))];
        }
        catch (Exception e)
        {
            Interlocked.Exchange(ref pending, e);
            return NaNGradients(ctx);
        }
    }

    /// <summary>Raises a failure kept from an earlier backward, once.</summary>
    /// <exception cref="InvalidOperationException">An earlier backward failed; its gradients were NaN.</exception>
    public static void ThrowPending()
    {
        if (Interlocked.Exchange(ref pending, null) is { } e)
        {
            throw new InvalidOperationException(
                $"An earlier OrthoProj.TorchSharp backward failed and returned NaN gradients (an exception cannot leave a backward without stopping the process): {e.Message}", e);
        }
    }

    private static bool Defined(Tensor? g) => g is not null && !g.IsInvalid;

    /// <summary>(..., 1, 1) true where a matrix of some cotangent holds NaN or Inf, broadcastable to each gradient; null when all are finite.</summary>
    private static Tensor? NonFiniteMatrices(IReadOnlyList<Tensor?> gradOutputs)
    {
        Tensor? bad = null;
        foreach (Tensor? g in gradOutputs)
        {
            if (Defined(g))
            {
                Tensor matrices = g!.isfinite().logical_not().any(-1, keepdim: true).any(-2, keepdim: true);
                bad = bad is null ? matrices : bad.logical_or(matrices);
            }
        }

        return bad is not null && bad.any().item<bool>() ? bad : null;
    }

    private static List<Tensor> NaNGradients(autograd.AutogradContext ctx)
    {
        try
        {
            return ctx.get_data(InputsKey) is Input?[] inputs
                ? [.. inputs.Select(i => i is null ? null! : torch.full(i.Shape, double.NaN, i.Dtype))]
                : [];
        }
        catch (Exception)
        {
            return [];     // no gradients at all (libtorch treats them as zeros) rather than a dead process
        }
    }

    private sealed record Input(long[] Shape, ScalarType Dtype);
}
