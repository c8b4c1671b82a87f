using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp.Functions;

/// <summary>
/// The vector-Jacobian products of the adapter's functions written with differentiable operations
/// (the adapter's own functions and torch ops), for a backward that runs with grad mode on
/// (<c>create_graph: true</c>): their results are themselves nodes of the graph, so gradients of
/// gradients work to any order (each function used here has this same second path). The formulas are
/// the ones the first-order path computes in OrthoProj (docs/design.md section 1;
/// <see cref="Projector{T}"/>, <see cref="Backend.QrBackward{T}"/>, <see cref="Backend.PinvBackward{T}"/>);
/// a first-order backward never comes here. Every transpose of the real formulas is the adjoint
/// (<c>.mH</c>, the conjugate transpose, a plain transpose for real tensors), so one formula serves
/// float and complex tensors (docs/complex.md section 4); gradients follow torch's convention for
/// complex inputs, dL/dRe + i dL/dIm.
/// </summary>
/// <remarks>
/// Each function is applied again to the saved inputs (A is factored once more): the first-order
/// factors are OrthoProj's memory, outside the graph, and the graph needs nodes whose backward
/// reaches A.
/// </remarks>
internal static class GraphBackward
{
    /// <summary>z = P y: gy = P gz; gA = (I - P) gz x^H + r u^H, x = A+ y, r = (I - P) y, u = A+ gz.</summary>
    public static List<Tensor> Project(Tensor a, Tensor y, Tensor gz) => [RankTwoP(a, y, gz).GradA, Apply.Project(a, gz)];

    /// <summary>e = (I - P) y = y - P y: gA is minus the projection's for gz = ge; gy = (I - P) ge.</summary>
    public static List<Tensor> Residual(Tensor a, Tensor y, Tensor ge)
    {
        (Tensor gradA, Tensor residualOfGe) = RankTwoP(a, y, ge);
        return [gradA.neg(), residualOfGe];
    }

    /// <summary>
    /// x = A+ y = R^-1 Q^H y: with t = R^-H gx, w = R^-1 t = (A^H A)^-1 gx and u = Q t = A+^H gx,
    /// gA = -u x^H + r w^H (r = (I - P) y) and gy = u.
    /// </summary>
    public static List<Tensor> Solve(Tensor a, Tensor y, Tensor gx)
    {
        (Tensor q, Tensor r) = Apply.Qr(a, linalg.QRMode.Reduced);
        Tensor t = linalg.solve_triangular(r.mH, gx, upper: false);
        Tensor u = q.matmul(t), w = linalg.solve_triangular(r, t, upper: true);
        return [Apply.Residual(a, y).matmul(w.mH) - u.matmul(Apply.Lstsq(a, y).mH), u];
    }

    /// <summary>
    /// P = A A+: gA = (I - P) S A+^H with S = G + G^H; S A+^H = (A+ S)^H because S is Hermitian,
    /// so gA = (I - P) (A+ S)^H.
    /// </summary>
    public static List<Tensor> ProjectionMatrix(Tensor a, Tensor gp) => [Apply.Residual(a, Apply.Lstsq(a, gp + gp.mH).mH)];

    /// <summary>
    /// X = A+ (Golub-Pereyra): gA = -X^H G X^H + (I - A X) G^H X X^H + X^H X G^H (I - X A),
    /// grouped so that no product is larger than max(m, n) x min(m, n).
    /// </summary>
    public static List<Tensor> Pinv(Tensor a, RankTolerance tolerance, Tensor g)
    {
        Tensor x = Apply.Pinv(a, tolerance), xt = x.mH, gt = g.mH;
        Tensor k = gt.matmul(x.matmul(xt));     // G^H X X^H, m x n
        Tensor l = xt.matmul(x.matmul(gt));     // X^H X G^H, m x n
        return [xt.matmul(g).matmul(xt).neg() + (k - a.matmul(x.matmul(k))) + (l - l.matmul(x.matmul(a)))];
    }

    /// <summary>
    /// Reduced QR, m &gt;= n: M = gR R^H - Q^H gQ, S = upper triangle of M mirrored to the lower
    /// (conjugated), its diagonal's real part once, gA = (gQ + Q S) R^-H. For m &lt; n, with
    /// A = [X | Y] and R = [U | V]: the square rule on (gQ + Y gV^H, gU), and gY = Q gV. An absent
    /// cotangent counts as zero.
    /// </summary>
    public static List<Tensor> Qr(Tensor a, Tensor? gq, Tensor? gr)
    {
        (Tensor q, Tensor r) = Apply.Qr(a, linalg.QRMode.Reduced);
        long m = a.shape[^2], n = a.shape[^1];
        gq ??= torch.zeros_like(q);
        gr ??= torch.zeros_like(r);
        if (m >= n)
        {
            return [SquareRule(q, r, gq, gr)];
        }

        Tensor y = a[TensorIndex.Ellipsis, TensorIndex.Slice(m)];
        Tensor u = r[TensorIndex.Ellipsis, TensorIndex.Slice(null, m)], gu = gr[TensorIndex.Ellipsis, TensorIndex.Slice(null, m)];
        Tensor gv = gr[TensorIndex.Ellipsis, TensorIndex.Slice(m)];
        return [torch.cat([SquareRule(q, u, gq + y.matmul(gv.mH), gu), q.matmul(gv)], -1)];
    }

    /// <summary>
    /// (I - P) g x^H + r u^H as one product, as the first-order path forms it: the residual of
    /// [g | y] and the least-squares solution of [y | g] factor A once each (not once per term),
    /// and [(I - P) g | r] [x | u]^H is the sum. Also returns (I - P) g, the residual's gy.
    /// </summary>
    private static (Tensor GradA, Tensor ResidualOfG) RankTwoP(Tensor a, Tensor y, Tensor g)
    {
        Tensor residuals = Apply.Residual(a, torch.cat([g, y], -1)), solutions = Apply.Lstsq(a, torch.cat([y, g], -1));
        return (residuals.matmul(solutions.mH), residuals[TensorIndex.Ellipsis, TensorIndex.Slice(null, g.shape[^1])]);
    }

    /// <summary>
    /// gA = (gQ + Q S) R^-H for a square (k x k) R, by a triangular solve. For complex tensors S
    /// takes only the real part of M's diagonal: its imaginary part is the component along Q's
    /// phase gauge (R's diagonal is real), which A does not determine; torch drops it too
    /// (docs/complex.md section 4).
    /// </summary>
    private static Tensor SquareRule(Tensor q, Tensor r, Tensor gq, Tensor gr)
    {
        Tensor m = gr.matmul(r.mH) - q.mH.matmul(gq);
        Tensor s = m.is_complex()
            ? m.triu(1) + m.triu(1).mH + torch.diag_embed(m.diagonal(0, -2, -1).real).to_type(m.dtype)
            : m.triu() + m.triu(1).mT;
        return linalg.solve_triangular(r.mH, gq + q.matmul(s), upper: false, left: false);     // X R^H = B
    }
}
