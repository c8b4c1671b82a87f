using System.Runtime.CompilerServices;

namespace OrthoProj.Cpu.Batched;

internal static partial class Lanes<T, TV, TOps>
{
    /// <summary>
    /// The projector's three backwards with right-hand sides in the lanes, fused per group, step for step
    /// those of <see cref="Projection.BatchedProjector{T}"/>: the basis's Parts (or SolutionAndResidual), then
    /// per column the rule's gy and the pair (a, b), (r, d) of RankTwoP, gA = a b^T + r d^T summed over columns.
    /// </summary>
    internal static class Gradients
    {
        /// <summary>Which backward.</summary>
        public enum Rule
        {
            Project,
            Residual,
            Solve,
        }

        /// <summary>gA (m x n) and gy (m x p) for y (m x p) and its cotangent g (m x p; n x p for Solve).</summary>
        public static ProjectorGradients<T> Run(LaneFactor<T, TV, TOps> factor, Backend backend, MatrixBatch<T> y, MatrixBatch<T> g, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY, Rule rule)
        {
            int m = factor.Rows, n = factor.Cols, p = y.Cols, gRows = g.Rows, mp = m * p;
            var gA = LaneGroups.Output(backend, m, n, factor.Count, gradA);
            var gy = LaneGroups.Output(backend, m, p, factor.Count, gradY);
            if (p == 0)
            {
                gA.Span.Clear();    // nothing to sum: gA = 0, gy empty
                return new(gA, gy);
            }

            LaneGroups.ForEach<TV>(factor.Groups, factor.Parallel, (3 * mp) + (gRows * p) + (m * n) + (2 * m) + (2 * n) + (2 * n * p), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (grp, s) =>
            {
                Span<TV> yv = s[..mp], r = s.Slice(mp, mp), gyv = s.Slice(2 * mp, mp), gv = s.Slice(3 * mp, gRows * p);
                int o = (3 * mp) + (gRows * p);
                Span<TV> ga = s.Slice(o, m * n), x = s.Slice(o + (m * n), m), a = s.Slice(o + (m * n) + m, m);
                Span<TV> b = s.Slice(o + (m * n) + (2 * m), n), d = s.Slice(o + (m * n) + (2 * m) + n, n);
                Span<TV> cy = s.Slice(o + (m * n) + (2 * m) + (2 * n), n * p), cg = s.Slice(o + (m * n) + (2 * m) + (2 * n) + (n * p), n * p);
                Layout.Gather((HostMatrixBatch<T>)y, grp, yv);
                Layout.Gather((HostMatrixBatch<T>)g, grp, gv);
                LaneBasis<T, TV, TOps> basis = factor.Group(grp);
                if (rule == Rule.Solve)
                {
                    basis.Residual(ref yv[0], ref r[0], ref x[0], p, cy);          // SolutionAndResidual: U^T y and r
                }
                else
                {
                    basis.Parts(ref yv[0], ref gv[0], p, ref r[0], cy, cg, ref gyv[0], ref x[0], ref a[0]);   // r, U^T y, cg = U^T g, P g
                }

                for (int c = 0; c < p; c++)
                {
                    Products.Copy(ref cy[c * n], ref x[0], n);
                    basis.WTimes(ref x[0]);                                          // x = W (U^T y)
                    ref TV gc = ref gv[c * gRows];
                    ref TV gyc = ref gyv[c * m];
                    ref TV bc = ref rule == Rule.Project
                        ? ref ProjectColumn(basis, ref gc, ref gyc, ref cg[c * n], x, a, d, m, n)
                        : ref rule == Rule.Residual
                            ? ref ResidualColumn(basis, ref gc, ref gyc, ref cg[c * n], x, a, b, d, m, n)
                            : ref SolveColumn(basis, ref gc, ref gyc, x, a, b, d, m, n);
                    Products.RankTwo(ref a[0], ref bc, ref r[c * m], ref d[0], m, n, ref ga[0], c == 0);   // RankTwoP
                }

                Layout.Scatter(ga, gA, grp);
                Layout.Scatter(gyv, gy, grp);
            });
            return new(gA, gy);
        }

        /// <summary>Project: gy = P gz (left by Parts); a = (I - P) gz = gz - gy, b = x; d = u = W cg. Returns b.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ref TV ProjectColumn(LaneBasis<T, TV, TOps> basis, ref TV gz, ref TV gy, ref TV cg, Span<TV> x, Span<TV> a, Span<TV> d, int m, int n)
        {
            Products.Copy(ref cg, ref d[0], n);
            basis.WTimes(ref d[0]);                                                  // u = A+ gz
            Products.Difference(ref gz, ref gy, m, ref a[0]);      // (I - P) gz
            return ref x[0];
        }

        /// <summary>Residual: gy = (I - P) ge = ge - P ge, a = gy; b = -x, d = -u (the sign of RankTwoP's alpha). Returns b.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ref TV ResidualColumn(LaneBasis<T, TV, TOps> basis, ref TV ge, ref TV gy, ref TV cg, Span<TV> x, Span<TV> a, Span<TV> b, Span<TV> d, int m, int n)
        {
            Products.Copy(ref cg, ref d[0], n);
            basis.WTimes(ref d[0]);                                                  // u = A+ ge
            Products.Difference(ref ge, ref gy, m, ref gy);         // gy = (I - P) ge
            Products.Copy(ref gy, ref a[0], m);
            Products.Negate(ref x[0], n, ref b[0]);
            Products.Negate(ref d[0], n, ref d[0]);
            return ref b[0];
        }

        /// <summary>Solve: gy = w = U (W^T gx), a = w, b = -x; d = v = W (W^T gx). Returns b.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ref TV SolveColumn(LaneBasis<T, TV, TOps> basis, ref TV gx, ref TV gy, Span<TV> x, Span<TV> a, Span<TV> b, Span<TV> d, int m, int n)
        {
            Products.Copy(ref gx, ref d[0], n);
            basis.WTransposeTimes(ref d[0]);                                         // W^T gx
            Products.Copy(ref d[0], ref a[0], n);
            Products.Clear(ref Unsafe.Add(ref a[0], n), m - n);
            basis.Times(ref a[0]);                                                   // w = U (W^T gx)
            basis.WTimes(ref d[0]);                                                  // v = W (W^T gx)
            Products.Copy(ref a[0], ref gy, m);
            Products.Negate(ref x[0], n, ref b[0]);
            return ref b[0];
        }
    }
}
