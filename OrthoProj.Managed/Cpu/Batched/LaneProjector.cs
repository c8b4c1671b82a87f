using System.Runtime.CompilerServices;

namespace OrthoProj.Cpu.Batched;

/// <summary>
/// The projector's eight operations in the lanes, step for step those of
/// <see cref="Projection.BatchedProjector{T}"/> over the lanes' basis (<see cref="LaneBasis{T, TV, TOps}"/>,
/// U = Q through the reflectors, W = R^-1), fused per group of W matrices: gather, the formula on each
/// column, scatter. With x = A+ y, r = (I - P) y and u = A+ g, as there.
/// </summary>
internal sealed class LaneProjector<T, TV, TOps> : BatchedQrProjector<T>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : unmanaged
    where TOps : struct, ILaneOps<TV, T>
{
    private readonly LaneFactor<T, TV, TOps> factor;
    private readonly int m;
    private readonly int n;

    /// <summary>Factors <paramref name="a"/> (<see cref="LaneFactor{T, TV, TOps}"/>, which raises <see cref="RankDeficientException"/>).</summary>
    public LaneProjector(CpuBackend backend, HostMatrixBatch<T> a, RankTolerance tolerance, ParallelOptions parallel, long maxChunkBytes)
        : base(backend, a)
    {
        m = a.Rows;
        n = a.Cols;
        factor = new LaneFactor<T, TV, TOps>(a, tolerance, parallel, maxChunkBytes);
    }

    /// <inheritdoc/>
    private protected override bool ReadsRowMajor => true;

    /// <summary>z = P y = U (U^T y).</summary>
    protected override MatrixBatch<T> ProjectCore(MatrixBatch<T> y, MatrixBatch<T>? output) => Output(y, m, output, 0, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, yv, s) =>
    {
        LaneBasis<T, TV, TOps> basis = factor.Group(g);
        for (int c = 0; c < y.Cols; c++)
        {
            basis.Project(ref yv[c * m]);
        }

        return yv;
    });

    /// <summary>e = (I - P) y, the basis's residual.</summary>
    protected override MatrixBatch<T> ResidualCore(MatrixBatch<T> y, MatrixBatch<T>? output) => Output(y, m, output, (m * y.Cols) + m, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, yv, s) =>
    {
        Span<TV> e = s[..(m * y.Cols)];
        factor.Group(g).Residual(ref yv[0], ref e[0], ref s[m * y.Cols], y.Cols);
        return e;
    });

    /// <summary>x = A+ y = W (U^T y).</summary>
    protected override MatrixBatch<T> SolveCore(MatrixBatch<T> y, MatrixBatch<T>? output) => Output(y, n, output, n * y.Cols, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, yv, s) =>
    {
        LaneBasis<T, TV, TOps> basis = factor.Group(g);
        Span<TV> x = s[..(n * y.Cols)];
        for (int c = 0; c < y.Cols; c++)
        {
            ref TV yc = ref yv[c * m];
            basis.TransposeTimes(ref yc);
            basis.WTimes(ref yc);
            Lanes<T, TV, TOps>.Products.Copy(ref yc, ref x[c * n], n);
        }

        return x;
    });

    /// <summary>P = U U^T.</summary>
    protected override MatrixBatch<T> MatrixCore(MatrixBatch<T>? output)
    {
        var p = LaneGroups.Output(Backend, m, m, Count, output);
        LaneGroups.ForEach<TV>(factor.Groups, factor.Parallel, (m * n) + (m * m), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
        {
            Span<TV> u = s[..(m * n)], pv = s.Slice(m * n, m * m);
            factor.Group(g).Basis(ref u[0]);
            Lanes<T, TV, TOps>.Products.OuterGram(ref u[0], m, n, pv);
            Lanes<T, TV, TOps>.Layout.Scatter(pv, p, g);
        });
        return p;
    }

    /// <summary>gA = (I - P) S A+^T = [(I - P) S U] W^T, S = gP + gP^T.</summary>
    protected override MatrixBatch<T> MatrixBackwardCore(MatrixBatch<T> gradP, MatrixBatch<T>? output)
    {
        var gA = LaneGroups.Output(Backend, m, n, Count, output);
        LaneGroups.ForEach<TV>(factor.Groups, factor.Parallel, (m * m) + (2 * m * n), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
        {
            Span<TV> gp = s[..(m * m)], u = s.Slice(m * m, m * n), su = s.Slice((m * m) + (m * n), m * n);
            Lanes<T, TV, TOps>.Layout.Gather((HostMatrixBatch<T>)gradP, g, gp);
            LaneBasis<T, TV, TOps> basis = factor.Group(g);
            basis.Basis(ref u[0]);
            for (int j = 0; j < n; j++)
            {
                Lanes<T, TV, TOps>.Symmetric.SymmetricTimes(ref gp[0], ref u[j * m], m, ref su[j * m]);   // S U
                basis.Complement(ref su[j * m]);                                                     // (I - P) S U
            }

            basis.TimesWTranspose(ref su[0]);
            Lanes<T, TV, TOps>.Layout.Scatter(su, gA, g);
        });
        return gA;
    }

    /// <summary>gy = P gz; gA = (I - P) gz x^T + r u^T, u = A+ gz.</summary>
    protected override ProjectorGradients<T> ProjectBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradZ, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY) =>
        Lanes<T, TV, TOps>.Gradients.Run(factor, Backend, y, gradZ, gradA, gradY, Lanes<T, TV, TOps>.Gradients.Rule.Project);

    /// <summary>gy = (I - P) ge; gA = -[(I - P) ge x^T + r u^T], u = A+ ge.</summary>
    protected override ProjectorGradients<T> ResidualBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradE, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY) =>
        Lanes<T, TV, TOps>.Gradients.Run(factor, Backend, y, gradE, gradA, gradY, Lanes<T, TV, TOps>.Gradients.Rule.Residual);

    /// <summary>gy = w = A+^T gx; gA = -w x^T + r (A+ w)^T (full rank: no third term).</summary>
    protected override ProjectorGradients<T> SolveBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradX, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY) =>
        Lanes<T, TV, TOps>.Gradients.Run(factor, Backend, y, gradX, gradA, gradY, Lanes<T, TV, TOps>.Gradients.Rule.Solve);

    /// <summary>Returns or frees the factor storage.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            factor.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// One result of <paramref name="rows"/> x p from y (m x p), per group: y gathered, <paramref name="fill"/>
    /// (with scratch of <paramref name="scratch"/> vectors) returns the lanes to scatter. p = 0: an empty result.
    /// </summary>
    private HostMatrixBatch<T> Output(MatrixBatch<T> y, int rows, MatrixBatch<T>? output, int scratch, Func<int, Span<TV>, Span<TV>, Span<TV>> fill)
    {
        var result = LaneGroups.Output(Backend, rows, y.Cols, Count, output);
        if (y.Cols == 0)
        {
            return result;
        }

        int my = m * y.Cols;
        LaneGroups.ForEach<TV>(factor.Groups, factor.Parallel, my + scratch, (g, s) =>
        {
            Span<TV> yv = s[..my];
            Lanes<T, TV, TOps>.Layout.Gather((HostMatrixBatch<T>)y, g, yv);
            Lanes<T, TV, TOps>.Layout.Scatter(fill(g, yv, s[my..]), result, g);
        });
        return result;
    }
}
