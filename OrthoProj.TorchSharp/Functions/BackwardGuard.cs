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
/// <para>Any other failure (a rank change found when a retained graph factors again; a backward
/// that does not exist, as QR's in torch.linalg.qr's mode "r"; out of memory) gives NaN gradients for
/// every input of the node, and the exception is kept and raised, wrapped, by the next
/// <see cref="TorchLinalg"/> call on any thread (<see cref="ThrowPending"/>): the gradient is never
/// silently wrong, and the error surfaces where .NET code can catch it.</para>
/// <para>A backward with grad mode on (create_graph: true) takes the function's differentiable
/// route (<see cref="GraphBackward"/>) under the same policy; any other takes OrthoProj's
/// first-order vector-Jacobian product.</para>
/// </remarks>
internal static class BackwardGuard
{
    private const string StateKey = "orthoproj", InputsKey = "orthoproj.inputs";
    private static Exception? pending;

    /// <summary>
    /// Keeps, at the forward, what the backward needs, and the shape and dtype of each var that is a
    /// tensor (null: no gradient), for NaN gradients.
    /// </summary>
    public static void Save(autograd.AutogradContext ctx, IBackward state, params Tensor?[] vars)
    {
        ctx.save_data(StateKey, state);
        ctx.save_data(InputsKey, vars.Select(t => t is null ? null : new Input(t.shape, t.dtype)).ToArray());
    }

    /// <summary>Runs the saved state's backward on the cotangents under the policy above; never throws.</summary>
    public static List<Tensor> Run(string function, autograd.AutogradContext ctx, IReadOnlyList<Tensor?> gradOutputs)
    {
        try
        {
            var state = ctx.get_data(StateKey) as IBackward ?? throw new InvalidOperationException($"{function}: the state saved by the forward is missing.");
            bool createGraph = torch.is_grad_enabled();
            Tensor? bad = NonFiniteMatrices(gradOutputs);
            if (bad is null)
            {
                return state.Backward(ctx, gradOutputs, createGraph);
            }

            // The other matrices get their true gradients: the bad ones' cotangents are zeroed for
            // the computation, and their gradients are NaN.
            Tensor?[] cleaned = [.. gradOutputs.Select(g => Defined(g) ? g!.masked_fill(bad, 0.0) : g)];
            return [.. state.Backward(ctx, cleaned, createGraph).Select(g => g is null ? g! : g.masked_fill(bad, double.NaN))];
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

    /// <summary>Whether a cotangent was given (libtorch passes an undefined tensor for an output that the loss does not use).</summary>
    public static bool Defined(Tensor? g) => g is not null && !g.IsInvalid;

    /// <summary>(..., 1, 1) true where a matrix of some cotangent holds NaN or Inf, broadcastable to each gradient; null when all are finite.</summary>
    /// <remarks>
    /// The common case, every cotangent finite, is settled by one sum per cotangent: a NaN or an
    /// infinity among the elements makes the sum NaN or infinite (for complex elements, one of its
    /// parts; torch's isfinite is false for a complex value when either part is not finite). The per-matrix test (four passes and
    /// two temporaries per cotangent: 18 ms of a 4096 x 32 x 16 QR backward whose own work takes 10)
    /// runs only where some sum is not finite: a non-finite element, or finite ones whose sum overflows.
    /// </remarks>
    private static Tensor? NonFiniteMatrices(IReadOnlyList<Tensor?> gradOutputs)
    {
        if (gradOutputs.All(g => !Defined(g) || g!.numel() == 0 || SumIsFinite(g)))
        {
            return null;
        }

        Tensor? bad = null;
        foreach (Tensor? g in gradOutputs)
        {
            if (Defined(g) && g!.numel() > 0)     // QR's mode "r" returns an empty Q
            {
                Tensor matrices = g!.isfinite().logical_not().any(-1, keepdim: true).any(-2, keepdim: true);
                bad = bad is null ? matrices : bad.logical_or(matrices);
            }
        }

        return bad is not null && bad.any().item<bool>() ? bad : null;
    }

    private static bool SumIsFinite(Tensor g)
    {
        // isfinite, not the sum read as a double: a complex sum is finite when both of its parts are.
        using Tensor sum = g.sum();
        using Tensor finite = sum.isfinite();
        return finite.item<bool>();
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

/// <summary>What a function's forward keeps for its backward.</summary>
internal interface IBackward
{
    /// <summary>
    /// The gradients of the function's vars (null for those that are not tensors), from the
    /// cotangents of its outputs (undefined where an output is unused): OrthoProj's first-order
    /// vector-Jacobian product, or, when <paramref name="createGraph"/>, the differentiable route.
    /// <paramref name="ctx"/> holds the tensors the forward saved for backward (libtorch checks
    /// that they were not modified in place since).
    /// </summary>
    List<Tensor> Backward(autograd.AutogradContext ctx, IReadOnlyList<Tensor?> gradOutputs, bool createGraph);
}
