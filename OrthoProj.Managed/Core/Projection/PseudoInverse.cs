namespace OrthoProj.Projection;

/// <summary>
/// The pseudo-inverse and its backward pass, written once over the seam for every backend.
/// Forward, tall A proven of full rank (where the backend can prove it): A' = 2^e A = Q R',
/// A+ = 2^e R'^-1 Q^H, by one QR and one triangular solve; the proof (<see cref="RankTolerance.ProvesFullRank{T}"/>)
/// bounds the singular values by R's and R^-1's norms, so the result is the one torch.linalg.pinv's
/// rule gives, without the SVD. Otherwise the SVD basis of the projector (<see cref="BasisFactory.FromSvd{T}"/>:
/// scaling, SVD, the rank rule), then A+ = 2^e W' U^H: one batched gemm at unit scale. Either way one
/// exact scaling at the end, so that an A+ too large for T is +-Inf, never NaN. Backward (Golub and
/// Pereyra): gA = -X^H G X^H + (I - A X) G^H X X^H + X^H X G^H (I - X A), rewritten on X^H = A X X^H
/// (tall) or X^H = X^H X A (wide) so that every temporary but gA is min(m, n) x min(m, n). Every ^H
/// is the transpose for real elements; the complex form is the real one with ^H for ^T (docs/complex.md).
/// </summary>
internal static class PseudoInverse
{
    /// <summary>A+ (n x m per matrix) and the rank of each matrix; a is validated.</summary>
    /// <remarks>
    /// A+ is written into <paramref name="output"/> when given (<see cref="ResultTarget{T}"/>: in
    /// place when column-major, one transposing pass for a row-major host batch), else into a new batch.
    /// </remarks>
    public static PinvResult<T> Compute<T>(BatchKernels<T> kernels, MatrixBatch<T> a, RankTolerance tolerance, MatrixBatch<T>? output = null)
        where T : unmanaged, INumberBase<T>
    {
        if (a.Rows >= a.Cols && a.Cols > 0 && a.Count > 0 && kernels.CanProveFullRank && ViaQr(kernels, a, tolerance, output) is { } viaQr)
        {
            return OfFullRank(viaQr, a.Cols);
        }

        using var basis = (SvdBasis<T>)BasisFactory.FromSvd(kernels, a, tolerance);
        MatrixBatch<T> x = kernels.Run(ops => Owned.Build(owned =>
        {
            var target = ResultTarget<T>.Of(ops, owned, output, a.Cols, a.Rows, a.Count);
            ops.Gemm(false, true, T.One, basis.ScaledW, basis.U, T.Zero, target.Batch);
            ops.ScaleByPowerOfTwo(target.Batch, basis.Exponents, +1);
            return target.Complete(ops);
        }));
        return new PinvResult<T>(x, basis.Rank);
    }

    /// <summary>The result for A+ of a batch whose every matrix was proven of rank n.</summary>
    internal static PinvResult<T> OfFullRank<T>(MatrixBatch<T> pinv, int n)
        where T : unmanaged, INumberBase<T>
    {
        var rank = new int[pinv.Count];
        Array.Fill(rank, n);
        return new PinvResult<T>(pinv, rank);
    }

    /// <summary>
    /// A+ of a tall batch when every matrix is proven of full rank: (Q R'^-H)^H scaled by 2^e, from one
    /// QR, R'^-1 for the proof (n^3 / 3 of the 2 m n^2 the QR costs) and one triangular solve on Q;
    /// null when some matrix is not proven (the caller takes the SVD route for the batch).
    /// </summary>
    private static MatrixBatch<T>? ViaQr<T>(BatchKernels<T> kernels, MatrixBatch<T> a, RankTolerance tolerance, MatrixBatch<T>? output)
        where T : unmanaged, INumberBase<T> => kernels.Run(ops =>
    {
        int m = a.Rows, n = a.Cols, count = a.Count;
        MatrixBatch<T> q = ops.Scratch(m, n, count), r = ops.Scratch(n, n, count), rinv = ops.Scratch(n, n, count);
        using BatchInts e = ops.Qr(a, q, r);
        ops.SetIdentity(rinv);
        ops.SolveUpper(r, false, rinv);
        if (!ops.ProvesFullRank(r, rinv, e, tolerance, m, n))
        {
            return null;
        }

        ops.SolveUpper(r, true, q, right: true);     // Q R'^-H = (R'^-1 Q^H)^H
        if (output is { Layout: MatrixLayout.RowMajor } && !Element<T>.IsComplex)
        {
            // A real row-major n x m A+ is stored as the column-major m x n Q R'^-T itself: no
            // transpose (a complex one would be its conjugate: it takes the adjoint below).
            ops.ScaleByPowerOfTwo(q, e, +1);
            ops.Copy(q, HostMatrixBatch<T>.Wrap(((HostMatrixBatch<T>)output).Memory, m, n, count));
            return output;
        }

        return Owned.Build(owned =>
        {
            var x = ResultTarget<T>.Of(ops, owned, output, n, m, count);
            ops.Adjoint(q, x.Batch);
            ops.ScaleByPowerOfTwo(x.Batch, e, +1);   // A+ = 2^e (2^e A)+
            return x.Complete(ops);
        });
    });

    /// <summary>
    /// gA for X = A+ and G = dL/dX. The gradient is homogeneous (degree 2 in X, 1 in G, 0 in A X),
    /// so it is computed on A' = 2^e A, X' = 2^-e X, G' = 2^f G (each at unit magnitude, every
    /// intermediate in range) and scaled back by 2^(2e - f) in one exact step.
    /// </summary>
    /// <remarks>gA is written into <paramref name="output"/> when given, as <see cref="Compute{T}"/> writes A+.</remarks>
    public static MatrixBatch<T> Backward<T>(BatchKernels<T> kernels, MatrixBatch<T> a, MatrixBatch<T> pinv, MatrixBatch<T> gradPinv, MatrixBatch<T>? output = null)
        where T : unmanaged, INumberBase<T> => kernels.Run(ops => Owned.Build(owned =>
    {
        var target = ResultTarget<T>.Of(ops, owned, output, a.Rows, a.Cols, a.Count);
        BackwardInto(ops, a, pinv, gradPinv, target.Batch);
        return target.Complete(ops);
    }));

    /// <summary>gA of <see cref="Backward{T}"/> written into <paramref name="ga"/> (m x n, column-major).</summary>
    private static void BackwardInto<T>(IBatchOps<T> ops, MatrixBatch<T> a, MatrixBatch<T> pinv, MatrixBatch<T> gradPinv, MatrixBatch<T> ga)
        where T : unmanaged, INumberBase<T>
    {
        int m = a.Rows, n = a.Cols, count = a.Count;
        if (m == 0 || n == 0 || count == 0)
        {
            return;
        }

        MatrixBatch<T> sa = ops.Scratch(m, n, count), x = ops.Scratch(n, m, count), g = ops.Scratch(n, m, count);
        using BatchInts e = ops.ScaleToUnit(a, sa);
        ops.Copy(pinv, x);
        ops.ScaleByPowerOfTwo(x, e, -1);
        using BatchInts f = ops.ScaleToUnit(gradPinv, g);
        if (m >= n)
        {
            Tall(ops, sa, x, g, ga);
        }
        else
        {
            Wide(ops, sa, x, g, ga);
        }

        ops.ScaleByPowerOfTwo(ga, e, 2, f, -1);
    }

    /// <summary>
    /// m &gt;= n: gA = G^H S - A M with S = X X^H, H = G X^H, K = S H, L = S H^H and
    /// M = K + K^H + L (X A - I), every product n x n but G^H S and A M.
    /// </summary>
    /// <remarks>
    /// Golub and Pereyra's three terms on X^H = A X X^H (a Penrose identity, true at every rank): the
    /// first is -A S H, the second G^H S - A H^H S, the third A L (I - X A). Five m n^2 + three n^3
    /// multiply-adds where the terms as written take ten m n^2. The last term of M is zero where
    /// X A = I (rank n); the lanes, which can prove that per group, skip it (<c>Lanes.PinvBackward</c>).
    /// </remarks>
    private static void Tall<T>(IBatchOps<T> ops, MatrixBatch<T> a, MatrixBatch<T> x, MatrixBatch<T> g, MatrixBatch<T> ga)
        where T : unmanaged, INumberBase<T>
    {
        int n = a.Cols, count = a.Count;
        MatrixBatch<T> s = ops.Scratch(n, n, count), h = ops.Scratch(n, n, count), xa = ops.Scratch(n, n, count);
        ops.Gemm(false, true, T.One, x, x, T.Zero, s);
        ops.Gemm(false, true, T.One, g, x, T.Zero, h);
        ops.Gemm(false, false, T.One, x, a, T.Zero, xa);
        SymmetrizedProduct(ops, s, h, xa);
        ops.Gemm(true, false, T.One, g, s, T.Zero, ga);
        ops.Gemm(false, false, -T.One, a, h, T.One, ga);
    }

    /// <summary>
    /// m &lt; n, the adjoint of <see cref="Tall"/> for A^H (whose pseudo-inverse is X^H): gA = S G^H - M^H A
    /// with S = X^H X, H = G^H X, K = S H, L = S H^H and M = K + K^H + L (A X - I), every product m x m but S G^H and M^H A.
    /// </summary>
    private static void Wide<T>(IBatchOps<T> ops, MatrixBatch<T> a, MatrixBatch<T> x, MatrixBatch<T> g, MatrixBatch<T> ga)
        where T : unmanaged, INumberBase<T>
    {
        int m = a.Rows, count = a.Count;
        MatrixBatch<T> s = ops.Scratch(m, m, count), h = ops.Scratch(m, m, count), ax = ops.Scratch(m, m, count);
        ops.Gemm(true, false, T.One, x, x, T.Zero, s);
        ops.Gemm(true, false, T.One, g, x, T.Zero, h);
        ops.Gemm(false, false, T.One, a, x, T.Zero, ax);
        SymmetrizedProduct(ops, s, h, ax);
        ops.Gemm(false, true, T.One, s, g, T.Zero, ga);
        ops.Gemm(true, false, -T.One, h, a, T.One, ga);
    }

    /// <summary>
    /// M = K + K^H + L (P - I) with K = S H and L = S H^H, for square S, H and P (P = X A or A X, the
    /// projector that is I at full rank), written over <paramref name="h"/>; <paramref name="p"/> is overwritten.
    /// </summary>
    private static void SymmetrizedProduct<T>(IBatchOps<T> ops, MatrixBatch<T> s, MatrixBatch<T> h, MatrixBatch<T> p)
        where T : unmanaged, INumberBase<T>
    {
        int k = s.Rows, count = s.Count;
        MatrixBatch<T> sh = ops.Scratch(k, k, count), l = ops.Scratch(k, k, count), identity = ops.Scratch(k, k, count);
        ops.Gemm(false, false, T.One, s, h, T.Zero, sh);
        ops.Gemm(false, true, T.One, s, h, T.Zero, l);
        ops.SetIdentity(identity);
        ops.Axpy(-T.One, identity, p);
        ops.Adjoint(sh, h);
        ops.Axpy(T.One, sh, h);
        ops.Gemm(false, false, T.One, l, p, T.One, h);
    }
}
