using System.Runtime.CompilerServices;

namespace OrthoProj.Cpu.Batched;

/// <summary>The forward operations: Project, Residual, Matrix and Solve, fused per group.</summary>
internal sealed partial class BatchedQrEngine<T, TV, TOps>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : unmanaged
    where TOps : struct, ILaneOps<TV, T>
{
    private HostMatrixBatch<T> Project(HostMatrixBatch<T> y, MatrixBatch<T>? output)
    {
        int p = y.Cols;
        var result = Output(m, p, output);
        ForGroups(m * p, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
        {
            Span<TV> yv = s[..(m * p)];
            Gather(y, g, yv);
            ref TV f = ref Qr(g);
            ref TV t = ref Tau(g);
            for (int c = 0; c < p; c++)
            {
                ref TV x = ref yv[c * m];
                ApplyQt(ref f, ref t, m, n, ref x);
                Clear(ref Unsafe.Add(ref x, n), m - n);
                ApplyQ(ref f, ref t, m, n, ref x);
            }

            Scatter(yv, result, g);
        });
        return result;
    }

    private HostMatrixBatch<T> Residual(HostMatrixBatch<T> y, MatrixBatch<T>? output)
    {
        int p = y.Cols;
        var result = Output(m, p, output);
        ForGroups((2 * m * p) + m, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
        {
            Span<TV> yv = s[..(m * p)];
            Span<TV> ev = s.Slice(m * p, m * p);
            Gather(y, g, yv);
            ResidualGroup(g, ref yv[0], ref ev[0], ref s[2 * m * p], p);
            Scatter(ev, result, g);
        });
        return result;
    }

    /// <inheritdoc/>
    protected override MatrixBatch<T> MatrixCore(MatrixBatch<T>? output)
    {
        var result = Output(m, m, output);
        ForGroups((m * n) + (m * m), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
        {
            Span<TV> q = s[..(m * n)];
            Span<TV> pv = s.Slice(m * n, m * m);
            FormQ(g, ref q[0]);
            pv.Clear();
            for (int l = 0; l < m; l++)
            {
                ref TV pl = ref pv[l * m];
                for (int j = 0; j < n; j++)
                {
                    ref TV qj = ref q[j * m];
                    TV qlj = Unsafe.Add(ref qj, l);
                    for (int i = 0; i < m; i++)
                    {
                        Unsafe.Add(ref pl, i) = TOps.Fma(Unsafe.Add(ref qj, i), qlj, Unsafe.Add(ref pl, i));
                    }
                }
            }

            Scatter(pv, result, g);
        });
        return result;
    }

    private HostMatrixBatch<T> Solve(HostMatrixBatch<T> y, MatrixBatch<T>? output)
    {
        int p = y.Cols;
        var result = Output(n, p, output);
        ForGroups((m * p) + (n * p), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
        {
            Span<TV> yv = s[..(m * p)];
            Span<TV> xv = s.Slice(m * p, n * p);
            Gather(y, g, yv);
            ref TV f = ref Qr(g);
            ref TV t = ref Tau(g);
            ref TV ri = ref Rinv(g);
            for (int c = 0; c < p; c++)
            {
                ref TV x = ref yv[c * m];
                ApplyQt(ref f, ref t, m, n, ref x);
                SolveR(ref f, ref ri, ref Up(g), m, n, ref x);
                Copy(ref x, ref xv[c * n], n);
            }

            Scatter(xv, result, g);
        });
        return result;
    }

    /// <summary>
    /// e = y - Q Q^T y for the p columns of a group, with a second pass (e_c -= Q Q^T e_c) in the lanes
    /// where column c kept less than half its norm (||e_c||^2 &lt; 0.25 ||y_c||^2), decided per lane and
    /// per column: ResidualPolicy's rule (Core/Projection/RangeBasis.cs); other columns are left as they are.
    /// </summary>
    /// <remarks>
    /// With <paramref name="heads"/> non-empty, also stores (Q^T y)[0..n) of each column there (n x p).
    /// With <paramref name="gIn"/> non-empty (m x p, the cotangent), the same sweeps also carry it:
    /// (Q^T g)[0..n) goes to <paramref name="gHeads"/> and P g to <paramref name="pg"/>, using
    /// <paramref name="tmp2"/> (m); one pass over the reflectors then serves both right-hand sides.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ResidualGroup(int g, ref TV y, ref TV e, ref TV tmp, int p, Span<TV> heads = default, Span<TV> gIn = default, Span<TV> gHeads = default, Span<TV> pg = default, Span<TV> tmp2 = default)
    {
        ref TV f = ref Qr(g);
        ref TV t = ref Tau(g);
        TV quarter = TOps.Broadcast(T.CreateTruncating(Projection.ResidualPolicy.LossFraction * Projection.ResidualPolicy.LossFraction));
        for (int c = 0; c < p; c++)
        {
            ref TV yc = ref Unsafe.Add(ref y, c * m);
            ref TV ec = ref Unsafe.Add(ref e, c * m);
            Copy(ref yc, ref tmp, m);
            if (gIn.IsEmpty)
            {
                ApplyQt(ref f, ref t, m, n, ref tmp);
            }
            else
            {
                ref TV t2 = ref tmp2[0];
                Copy(ref gIn[c * m], ref t2, m);
                ApplyQt2(ref f, ref t, m, n, ref tmp, ref t2);
                Copy(ref t2, ref gHeads[c * n], n);
                Clear(ref Unsafe.Add(ref t2, n), m - n);
            }

            if (!heads.IsEmpty)
            {
                Copy(ref tmp, ref heads[c * n], n);
            }

            Clear(ref Unsafe.Add(ref tmp, n), m - n);
            if (gIn.IsEmpty)
            {
                ApplyQ(ref f, ref t, m, n, ref tmp);
            }
            else
            {
                ApplyQ2(ref f, ref t, m, n, ref tmp, ref tmp2[0]);
                Copy(ref tmp2[0], ref pg[c * m], m);
            }

            TV ny = TOps.Zero, ne = TOps.Zero;
            for (int i = 0; i < m; i++)
            {
                TV yi = Unsafe.Add(ref yc, i);
                TV ei = TOps.Sub(yi, Unsafe.Add(ref tmp, i));
                Unsafe.Add(ref ec, i) = ei;
                ny = TOps.Fma(yi, yi, ny);
                ne = TOps.Fma(ei, ei, ne);
            }

            // Projection.ResidualPolicy.NeedsSecondPass, per lane and for this column alone, from the sums above;
            // the second pass follows at once, while the column is still in cache.
            TV flag = TOps.LessThan(ne, TOps.Mul(quarter, ny));
            if (!TOps.Any(flag))
            {
                continue;
            }

            Copy(ref ec, ref tmp, m);
            ApplyQt(ref f, ref t, m, n, ref tmp);
            Clear(ref Unsafe.Add(ref tmp, n), m - n);
            ApplyQ(ref f, ref t, m, n, ref tmp);
            for (int i = 0; i < m; i++)
            {
                TV ei = Unsafe.Add(ref ec, i);
                Unsafe.Add(ref ec, i) = TOps.Select(flag, TOps.Sub(ei, Unsafe.Add(ref tmp, i)), ei);
            }
        }
    }
}
