using System.Runtime.CompilerServices;

namespace OrthoProj.Cpu.Batched;

/// <summary>The backward operations: the three with right-hand sides (one fused kernel) and MatrixBackward.</summary>
internal sealed partial class BatchedQrEngine<T, TV, TOps>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : unmanaged
    where TOps : struct, ILaneOps<TV, T>
{
    /// <inheritdoc/>
    protected override MatrixBatch<T> MatrixBackwardCore(MatrixBatch<T> gradP, MatrixBatch<T>? output)
    {
        var result = Output(m, n, output);
        ForGroups((m * m) + (2 * m * n), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
        {
            // gA = (I - P)(gP + gP^T) Q R^-T: T_j = (I - P) S q_j, then gA R^T = T column by column.
            Span<TV> gp = s[..(m * m)];
            Span<TV> q = s.Slice(m * m, m * n);
            Span<TV> tm = s.Slice((m * m) + (m * n), m * n);
            Gather((HostMatrixBatch<T>)gradP, g, gp);
            FormQ(g, ref q[0]);
            ref TV f = ref Qr(g);
            ref TV ta = ref Tau(g);
            ref TV gp0 = ref gp[0];
            for (int j = 0; j < n; j++)
            {
                ref TV qj = ref q[j * m];
                ref TV tj = ref tm[j * m];
                for (int i = 0; i < m; i++)
                {
                    // (gP^T q)_i = column i of gP dotted with q.
                    ref TV gcol = ref Unsafe.Add(ref gp0, i * m);
                    TV acc = TOps.Zero;
                    for (int k = 0; k < m; k++)
                    {
                        acc = TOps.Fma(Unsafe.Add(ref gcol, k), Unsafe.Add(ref qj, k), acc);
                    }

                    Unsafe.Add(ref tj, i) = acc;
                }

                for (int k = 0; k < m; k++)
                {
                    ref TV gcol = ref Unsafe.Add(ref gp0, k * m);
                    TV qk = Unsafe.Add(ref qj, k);
                    for (int i = 0; i < m; i++)
                    {
                        Unsafe.Add(ref tj, i) = TOps.Fma(Unsafe.Add(ref gcol, i), qk, Unsafe.Add(ref tj, i));
                    }
                }

                // (I - P) t = Q [0; (Q^T t)_(n..m)].
                ApplyQt(ref f, ref ta, m, n, ref tj);
                Clear(ref tj, n);
                ApplyQ(ref f, ref ta, m, n, ref tj);
            }

            // gA R^T = T: gA[:, j] = (T[:, j] - sum_(k > j) R[j, k] gA[:, k]) / R[j, j].
            ref TV ri = ref Rinv(g);
            for (int j = n - 1; j >= 0; j--)
            {
                ref TV tj = ref tm[j * m];
                for (int k = j + 1; k < n; k++)
                {
                    TV rjk = Unsafe.Add(ref f, (k * m) + j);
                    ref TV tk = ref tm[k * m];
                    for (int i = 0; i < m; i++)
                    {
                        Unsafe.Add(ref tj, i) = TOps.Fnma(rjk, Unsafe.Add(ref tk, i), Unsafe.Add(ref tj, i));
                    }
                }

                TV d = Unsafe.Add(ref ri, j);
                for (int i = 0; i < m; i++)
                {
                    Unsafe.Add(ref tj, i) = TOps.Mul(Unsafe.Add(ref tj, i), d);
                }
            }

            // That solved with R' = 2^e R: gA = 2^e (T R'^-T).
            ScaleUp(ref Up(g), m * n, ref tm[0]);

            Scatter(tm, result, g);
        });
        return result;
    }

    private enum BackwardKind
    {
        Project,
        Residual,
        Solve,
    }

    /// <summary>
    /// The three backwards with right-hand sides, fused per group. With x = R^-1 Q^T y and
    /// r = (I - P) y (the residual rule above), each column adds a rank-2 term a b^T + r d^T to gA:
    /// project: gy = P gz, a = gz - gy, b = x, d = R^-1 Q^T gz;
    /// residual: gy = gz - P gz, a = gy, b = -x, d = -R^-1 Q^T gz;
    /// solve: w = Q R^-T gx, gy = w, a = w, b = -x, d = R^-1 R^-T gx.
    /// </summary>
    private ProjectorGradients<T> Backward(HostMatrixBatch<T> y, HostMatrixBatch<T> g, BackwardKind kind, MatrixBatch<T>? gradAOutput, MatrixBatch<T>? gradYOutput)
    {
        int p = y.Cols;
        int gRows = g.Rows;
        var gradA = Output(m, n, gradAOutput);
        var gradY = Output(m, p, gradYOutput);
        int mp = m * p;
        ForGroups((3 * mp) + (gRows * p) + (m * n) + (2 * m) + (2 * n) + (2 * n * p), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (grp, s) =>
        {
            Span<TV> yv = s[..mp];
            Span<TV> ev = s.Slice(mp, mp);
            Span<TV> gyv = s.Slice(2 * mp, mp);
            Span<TV> gv = s.Slice(3 * mp, gRows * p);
            int o = (3 * mp) + (gRows * p);
            Span<TV> ga = s.Slice(o, m * n);
            Span<TV> w1 = s.Slice(o + (m * n), m);
            Span<TV> w2 = s.Slice(o + (m * n) + m, m);
            Span<TV> bv = s.Slice(o + (m * n) + (2 * m), n);
            Span<TV> dv = s.Slice(o + (m * n) + (2 * m) + n, n);
            Span<TV> heads = s.Slice(o + (m * n) + (2 * m) + (2 * n), n * p);
            Span<TV> gHeads = s.Slice(o + (m * n) + (2 * m) + (2 * n) + (n * p), n * p);
            Gather(y, grp, yv);
            Gather(g, grp, gv);
            ref TV f = ref Qr(grp);
            ref TV t = ref Tau(grp);
            ref TV ri = ref Rinv(grp);
            if (kind == BackwardKind.Solve)
            {
                ResidualGroup(grp, ref yv[0], ref ev[0], ref w1[0], p, heads);
            }
            else
            {
                // P g into gyv and (Q^T g)[0..n) into gHeads, in the residual's sweeps.
                ResidualGroup(grp, ref yv[0], ref ev[0], ref w1[0], p, heads, gv, gHeads, gyv, w2);
            }

            ref TV w1r = ref w1[0];
            ref TV w2r = ref w2[0];
            ref TV br = ref bv[0];
            ref TV dr = ref dv[0];
            for (int c = 0; c < p; c++)
            {
                // x = R^-1 (Q^T y)[0..n) into w1[0..n), from the heads the residual kept.
                Copy(ref heads[c * n], ref w1r, n);
                SolveR(ref f, ref ri, ref Up(grp), m, n, ref w1r);
                ref TV gc = ref gv[c * gRows];
                ref TV gyc = ref gyv[c * m];
                if (kind == BackwardKind.Solve)
                {
                    // d = R^-T gx (then R^-1 of it); w = Q [d; 0].
                    Copy(ref gc, ref dr, n);
                    SolveRT(ref f, ref ri, ref Up(grp), m, n, ref dr);
                    Copy(ref dr, ref w2r, n);
                    Clear(ref Unsafe.Add(ref w2r, n), m - n);
                    ApplyQ(ref f, ref t, m, n, ref w2r);
                    SolveR(ref f, ref ri, ref Up(grp), m, n, ref dr);
                    Copy(ref w2r, ref gyc, m);
                    for (int j = 0; j < n; j++)
                    {
                        Unsafe.Add(ref br, j) = TOps.Neg(Unsafe.Add(ref w1r, j));
                    }
                }
                else
                {
                    // cg = Q^T g; d = R^-1 cg[0..n); P g = Q [cg; 0].
                    // d = R^-1 (Q^T g)[0..n); P g is already in gy's column.
                    Copy(ref gHeads[c * n], ref dr, n);
                    SolveR(ref f, ref ri, ref Up(grp), m, n, ref dr);
                    if (kind == BackwardKind.Project)
                    {
                        // gy = P g; a = g - gy.
                        for (int i = 0; i < m; i++)
                        {
                            Unsafe.Add(ref w2r, i) = TOps.Sub(Unsafe.Add(ref gc, i), Unsafe.Add(ref gyc, i));
                        }

                        Copy(ref w1r, ref br, n);
                    }
                    else
                    {
                        // gy = g - P g = a; b = -x, d = -d.
                        for (int i = 0; i < m; i++)
                        {
                            TV gy = TOps.Sub(Unsafe.Add(ref gc, i), Unsafe.Add(ref gyc, i));
                            Unsafe.Add(ref gyc, i) = gy;
                            Unsafe.Add(ref w2r, i) = gy;
                        }

                        for (int j = 0; j < n; j++)
                        {
                            Unsafe.Add(ref br, j) = TOps.Neg(Unsafe.Add(ref w1r, j));
                            Unsafe.Add(ref dr, j) = TOps.Neg(Unsafe.Add(ref dr, j));
                        }
                    }
                }

                // gA += a b^T + r d^T, a in w2 (the first column writes gA without reading it).
                ref TV rc = ref ev[c * m];
                ref TV gar = ref ga[0];
                for (int j = 0; j < n; j++)
                {
                    ref TV gaj = ref Unsafe.Add(ref gar, j * m);
                    TV bj = Unsafe.Add(ref br, j);
                    TV dj = Unsafe.Add(ref dr, j);
                    if (c == 0)
                    {
                        for (int i = 0; i < m; i++)
                        {
                            Unsafe.Add(ref gaj, i) = TOps.Fma(Unsafe.Add(ref w2r, i), bj, TOps.Mul(Unsafe.Add(ref rc, i), dj));
                        }
                    }
                    else
                    {
                        for (int i = 0; i < m; i++)
                        {
                            Unsafe.Add(ref gaj, i) = TOps.Fma(Unsafe.Add(ref w2r, i), bj, TOps.Fma(Unsafe.Add(ref rc, i), dj, Unsafe.Add(ref gaj, i)));
                        }
                    }
                }
            }

            Scatter(ga, gradA, grp);
            Scatter(gyv, gradY, grp);
        });
        return new ProjectorGradients<T>(gradA, gradY);
    }
}
