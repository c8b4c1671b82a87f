using OrthoProj.TorchSharp.Functions;
using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp;

/// <summary>
/// OrthoProj's differentiable projections on TorchSharp tensors, each a TorchSharp autograd function
/// whose backward is OrthoProj's vector-Jacobian product. Names and semantics follow torch.linalg:
/// <c>a</c> is (m, n) or batched (..., m, n) and <c>y</c> (..., m, p) with the same batch
/// dimensions; float32, float64, complex64 or complex128; any input may or may not require grad;
/// non-contiguous inputs (transposed views, slices, lazy conjugate views such as <c>a.mH</c>) are
/// accepted. For complex tensors every transpose of the real definitions is the adjoint (Q Q^H,
/// torch.linalg's conventions), and gradients are torch's: dL/dRe + i dL/dIm for a real loss L. CPU tensors only (see <see cref="Project"/>'s exceptions).
/// </summary>
/// <remarks>
/// Host tensors are computed by <see cref="Linalg.HostBackend"/> (the native LAPACK route when one is
/// installed, SIMD lanes for batches of small matrices). No exception ever leaves a backward (libtorch
/// would abort the process): a non-finite cotangent gives NaN gradients for its matrices only; any
/// other failure in a backward gives NaN gradients and is raised, wrapped in
/// <see cref="InvalidOperationException"/>, by the next call of this class. A backward run with
/// create_graph: true builds its vector-Jacobian product from differentiable operations (these
/// functions and torch ops), so gradients of gradients (Hessian-vector products, gradient
/// penalties) work to any order; a first-order backward keeps OrthoProj's direct kernels.
/// </remarks>
public static class TorchLinalg
{
    /// <summary>z = P_A y = Q Q^H y, the projection of each column of y onto the column space of A (m &gt;= n, full column rank).</summary>
    /// <param name="a">A, (m, n) or (..., m, n), m &gt;= n, of full column rank.</param>
    /// <param name="y">Y, (..., m, p) with A's batch dimensions and dtype.</param>
    /// <returns>z, (..., m, p), a new tensor.</returns>
    /// <exception cref="ArgumentException">A shape, a dtype or the two tensors' batch dimensions do not agree.</exception>
    /// <exception cref="NotSupportedException">A tensor is not on the CPU (CUDA tensors are not supported yet).</exception>
    /// <exception cref="RankDeficientException">A matrix of the batch has rank below n.</exception>
    /// <exception cref="InvalidOperationException">An earlier backward of this class failed (its gradients were NaN); raised once.</exception>
    public static Tensor Project(Tensor a, Tensor y) => Apply.Project(CheckTall(a, nameof(a)), CheckRightHandSide(a, y));

    /// <summary>e = (I - P_A) y, the part of y orthogonal to the column space of A.</summary>
    /// <param name="a">A, (m, n) or (..., m, n), m &gt;= n, of full column rank.</param>
    /// <param name="y">Y, (..., m, p) with A's batch dimensions and dtype.</param>
    /// <returns>e, (..., m, p), a new tensor.</returns>
    /// <exception cref="ArgumentException">A shape, a dtype or the two tensors' batch dimensions do not agree.</exception>
    /// <exception cref="NotSupportedException">A tensor is not on the CPU (CUDA tensors are not supported yet).</exception>
    /// <exception cref="RankDeficientException">A matrix of the batch has rank below n.</exception>
    /// <exception cref="InvalidOperationException">An earlier backward of this class failed (its gradients were NaN); raised once.</exception>
    public static Tensor Residual(Tensor a, Tensor y) => Apply.Residual(CheckTall(a, nameof(a)), CheckRightHandSide(a, y));

    /// <summary>
    /// x = A+ y, the least-squares solution of A x = y (n x p per matrix), as
    /// <c>torch.linalg.lstsq(a, y).solution</c> for a full-column-rank tall A.
    /// </summary>
    /// <param name="a">A, (m, n) or (..., m, n), m &gt;= n, of full column rank.</param>
    /// <param name="y">Y, (..., m, p) with A's batch dimensions and dtype.</param>
    /// <returns>x, (..., n, p), a new tensor.</returns>
    /// <exception cref="ArgumentException">A shape, a dtype or the two tensors' batch dimensions do not agree.</exception>
    /// <exception cref="NotSupportedException">A tensor is not on the CPU (CUDA tensors are not supported yet).</exception>
    /// <exception cref="RankDeficientException">A matrix of the batch has rank below n.</exception>
    /// <exception cref="InvalidOperationException">An earlier backward of this class failed (its gradients were NaN); raised once.</exception>
    public static Tensor Lstsq(Tensor a, Tensor y) => Apply.Lstsq(CheckTall(a, nameof(a)), CheckRightHandSide(a, y));

    /// <summary>P_A = A A+ = Q Q^H, m x m per matrix.</summary>
    /// <param name="a">A, (m, n) or (..., m, n), m &gt;= n, of full column rank.</param>
    /// <returns>P, (..., m, m), a new tensor.</returns>
    /// <exception cref="ArgumentException">A is not (..., m, n) with m &gt;= n, float32, float64, complex64 or complex128.</exception>
    /// <exception cref="NotSupportedException">A is not on the CPU (CUDA tensors are not supported yet).</exception>
    /// <exception cref="RankDeficientException">A matrix of the batch has rank below n.</exception>
    /// <exception cref="InvalidOperationException">An earlier backward of this class failed (its gradients were NaN); raised once.</exception>
    public static Tensor ProjectionMatrix(Tensor a) => Apply.ProjectionMatrix(CheckTall(a, nameof(a)));

    /// <summary>
    /// A+ (n x m per matrix), any shape and rank, with <c>torch.linalg.pinv</c>'s tolerances: singular
    /// values at or below max(atol, rtol * s_max) count as zero; rtol defaults to eps * max(m, n)
    /// when atol is absent or zero, and to 0 otherwise.
    /// </summary>
    /// <param name="a">A, (m, n) or (..., m, n), any shape and rank.</param>
    /// <param name="atol">The absolute tolerance, or null.</param>
    /// <param name="rtol">The tolerance relative to each matrix's largest singular value, or null for the default above.</param>
    /// <returns>A+, (..., n, m), a new tensor.</returns>
    /// <exception cref="ArgumentException">A is not (..., m, n) float32, float64, complex64 or complex128, or a tolerance is negative or not finite.</exception>
    /// <exception cref="NotSupportedException">A is not on the CPU.</exception>
    /// <exception cref="InvalidOperationException">An earlier backward of this class failed (its gradients were NaN); raised once.</exception>
    public static Tensor Pinv(Tensor a, double? atol = null, double? rtol = null)
    {
        CheckMatrix(a, nameof(a));
        CheckTolerance(atol, nameof(atol));
        CheckTolerance(rtol, nameof(rtol));
        return Apply.Pinv(a, new RankTolerance(atol, rtol));
    }

    /// <summary>
    /// The QR decomposition A = Q R of <c>torch.linalg.qr(a, mode)</c>, LAPACK's signs (R's diagonal
    /// is not made positive; for complex tensors it is real, as LAPACK's reflectors give it), with k = min(m, n):
    /// <list type="bullet">
    /// <item><see cref="linalg.QRMode.Reduced"/> (default): Q (..., m, k), R (..., k, n).</item>
    /// <item><see cref="linalg.QRMode.Complete"/>: Q (..., m, m), R (..., m, n).</item>
    /// <item><see cref="linalg.QRMode.R"/>: R (..., k, n) only; Q is an empty tensor.</item>
    /// </list>
    /// Gradients exist where torch.linalg.qr has them: in the reduced mode, and in the complete mode
    /// for m &lt;= n (where it equals the reduced one). In mode "r", and in mode "complete" with
    /// m &gt; n (the last m - n columns of Q are not determined by A), a backward through the result
    /// gives NaN gradients and the next call of this class raises torch's refusal
    /// (<see cref="InvalidOperationException"/> wrapping <see cref="NotSupportedException"/>), since
    /// nothing may be thrown out of a backward.
    /// </summary>
    /// <param name="a">A, (m, n) or (..., m, n), any shape.</param>
    /// <param name="mode">torch.linalg.qr's mode.</param>
    /// <returns>Q and R, new tensors; where the gradient does not exist because R's leading block is numerically singular, it is NaN, as in torch.linalg.qr.</returns>
    /// <exception cref="ArgumentException">A is not (..., m, n) float32, float64, complex64 or complex128, or the mode is unknown.</exception>
    /// <exception cref="NotSupportedException">A is not on the CPU.</exception>
    /// <exception cref="InvalidOperationException">An earlier backward of this class failed (its gradients were NaN); raised once.</exception>
    public static (Tensor Q, Tensor R) Qr(Tensor a, linalg.QRMode mode = linalg.QRMode.Reduced)
    {
        CheckMatrix(a, nameof(a));
        if (mode is not (linalg.QRMode.Reduced or linalg.QRMode.Complete or linalg.QRMode.R))
        {
            throw new ArgumentException($"mode = {mode}; torch.linalg.qr's modes are Reduced, Complete and R.", nameof(mode));
        }

        return Apply.Qr(a, mode);
    }

    private static Tensor CheckMatrix(Tensor a, string name)
    {
        BackwardGuard.ThrowPending();     // every entry checks its first matrix here: an earlier backward's failure surfaces at the next call
        ArgumentNullException.ThrowIfNull(a, name);
        if (a.device_type != DeviceType.CPU)
        {
            throw new NotSupportedException(
                $"{name} is on {a.device}: OrthoProj.TorchSharp takes CPU tensors only. CUDA tensors are not supported yet (the CUDA build of TorchSharp could not be tested); " +
                "move the tensor with .cpu(), or use OrthoProj's CudaBackend on the device memory directly.");
        }

        if (a.dim() < 2)
        {
            throw new ArgumentException($"{name} has shape [{string.Join(", ", a.shape)}]; it must be (m, n) or batched (..., m, n).", name);
        }

        if (!Elements.IsSupported(a.dtype))
        {
            throw new ArgumentException($"{name} is {a.dtype}; OrthoProj takes float32, float64, complex64 or complex128.", name);
        }

        return a;
    }

    private static Tensor CheckTall(Tensor a, string name)
    {
        CheckMatrix(a, name);
        if (a.shape[^2] < a.shape[^1])
        {
            throw new ArgumentException(
                $"{name} is {a.shape[^2]} x {a.shape[^1]}: the projector's QR method needs m >= n (a tall A of full column rank); use Pinv for a wide A.", name);
        }

        return a;
    }

    private static Tensor CheckRightHandSide(Tensor a, Tensor y)
    {
        CheckMatrix(y, nameof(y));
        if (y.dtype != a.dtype)
        {
            throw new ArgumentException($"y is {y.dtype} and a is {a.dtype}; both must have the same dtype.", nameof(y));
        }

        long[] batchA = TensorBatches.BatchShape(a), batchY = TensorBatches.BatchShape(y);
        if (!batchA.SequenceEqual(batchY) || y.shape[^2] != a.shape[^2])
        {
            throw new ArgumentException(
                $"y has shape [{string.Join(", ", y.shape)}] and a [{string.Join(", ", a.shape)}]: y must be (..., m, p) with a's batch dimensions and m = {a.shape[^2]} rows.", nameof(y));
        }

        return y;
    }

    private static void CheckTolerance(double? tolerance, string name)
    {
        if (tolerance is { } t && (!double.IsFinite(t) || t < 0))
        {
            throw new ArgumentException($"{name} = {t}; a tolerance must be finite and non-negative.", name);
        }
    }
}
