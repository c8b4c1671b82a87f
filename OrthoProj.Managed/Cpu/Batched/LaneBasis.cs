using System.Runtime.CompilerServices;

namespace OrthoProj.Cpu.Batched;

/// <summary>
/// One group's range basis, the lanes' <see cref="Projection.HouseholderBasis{T}"/> on single columns:
/// U = Q's first n columns applied through the reflectors, W = R^-1 by triangular solves, the residual
/// with <see cref="Projection.ResidualPolicy"/>'s second pass, and the backward's parts.
/// </summary>
internal readonly ref struct LaneBasis<T, TV, TOps>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : unmanaged
    where TOps : struct, ILaneOps<TV, T>
{
    private readonly ref TV f;
    private readonly ref TV tau;
    private readonly ref TV rinv;
    private readonly ref TV up;
    private readonly int m;
    private readonly int n;

    public LaneBasis(ref TV f, ref TV tau, ref TV rinv, ref TV up, int m, int n)
    {
        this.f = ref f;
        this.tau = ref tau;
        this.rinv = ref rinv;
        this.up = ref up;
        this.m = m;
        this.n = n;
    }

    /// <summary>x := Q^T x (length m): U^T x in rows [0, n), the rest of Q^T x below.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void TransposeTimes(ref TV x) => Lanes<T, TV, TOps>.Reflectors.ApplyQt(ref f, ref tau, m, n, ref x);

    /// <summary>x := Q x: U c for c = x[0..n) where rows [n, m) are zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Times(ref TV x) => Lanes<T, TV, TOps>.Reflectors.ApplyQ(ref f, ref tau, m, n, ref x);

    /// <summary>x := P x = U (U^T x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Project(ref TV x) => Lanes<T, TV, TOps>.Reflectors.Project(ref f, ref tau, m, n, ref x);

    /// <summary>x := (I - P) x = Q [0; (Q^T x)[n..m)].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Complement(ref TV x) => Lanes<T, TV, TOps>.Reflectors.Complement(ref f, ref tau, m, n, ref x);

    /// <summary>x[0..n) := W x[0..n) = R^-1 x[0..n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WTimes(ref TV x) => Lanes<T, TV, TOps>.Triangular.SolveR(ref f, ref rinv, ref up, m, n, ref x);

    /// <summary>x[0..n) := W^T x[0..n) = R^-T x[0..n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WTransposeTimes(ref TV x) => Lanes<T, TV, TOps>.Triangular.SolveRT(ref f, ref rinv, ref up, m, n, ref x);

    /// <summary>U itself (m x n).</summary>
    public void Basis(ref TV u) => Lanes<T, TV, TOps>.Reflectors.FormQ(ref f, ref tau, m, n, n, ref u);

    /// <summary>C := C W^T = 2^e C R'^-T for C m x n (a right-side solve).</summary>
    public void TimesWTranspose(ref TV c)
    {
        Lanes<T, TV, TOps>.Triangular.SolveUpperTransposeRight(ref f, m, ref rinv, m, n, ref c);
        Lanes<T, TV, TOps>.Scaling.ScaleUp(ref up, m * n, ref c);
    }

    /// <summary>
    /// e = y - Q Q^T y for the p columns of y (m x p), with a second pass in the lanes where column c kept
    /// less than half its norm (<see cref="Projection.ResidualPolicy"/>, per lane and per column); with
    /// <paramref name="heads"/> non-empty also U^T y there (n x p). <paramref name="tmp"/>: m vectors.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Residual(ref TV y, ref TV e, ref TV tmp, int p, Span<TV> heads = default)
    {
        TV quarter = Quarter();
        for (int c = 0; c < p; c++)
        {
            ref TV yc = ref Unsafe.Add(ref y, c * m);
            Lanes<T, TV, TOps>.Products.Copy(ref yc, ref tmp, m);
            TransposeTimes(ref tmp);
            if (!heads.IsEmpty)
            {
                Lanes<T, TV, TOps>.Products.Copy(ref tmp, ref heads[c * n], n);
            }

            Lanes<T, TV, TOps>.Products.Clear(ref Unsafe.Add(ref tmp, n), m - n);
            Times(ref tmp);
            KeepSecondPass(ref yc, ref tmp, ref Unsafe.Add(ref e, c * m), quarter);
        }
    }

    /// <summary>
    /// What a backward needs from y and its cotangent g (both m x p), in one sweep of the reflectors over
    /// both: r = (I - P) y into <paramref name="r"/>, U^T y into <paramref name="cy"/> and U^T g into
    /// <paramref name="cg"/> (n x p each), P g into <paramref name="pg"/>. <paramref name="tmp"/> and
    /// <paramref name="tmp2"/>: m vectors each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Parts(ref TV y, ref TV g, int p, ref TV r, Span<TV> cy, Span<TV> cg, ref TV pg, ref TV tmp, ref TV tmp2)
    {
        TV quarter = Quarter();
        for (int c = 0; c < p; c++)
        {
            ref TV yc = ref Unsafe.Add(ref y, c * m);
            Lanes<T, TV, TOps>.Products.Copy(ref yc, ref tmp, m);
            Lanes<T, TV, TOps>.Products.Copy(ref Unsafe.Add(ref g, c * m), ref tmp2, m);
            Lanes<T, TV, TOps>.Reflectors.ApplyQt2(ref f, ref tau, m, n, ref tmp, ref tmp2);
            Lanes<T, TV, TOps>.Products.Copy(ref tmp2, ref cg[c * n], n);
            Lanes<T, TV, TOps>.Products.Clear(ref Unsafe.Add(ref tmp2, n), m - n);
            Lanes<T, TV, TOps>.Products.Copy(ref tmp, ref cy[c * n], n);
            Lanes<T, TV, TOps>.Products.Clear(ref Unsafe.Add(ref tmp, n), m - n);
            Lanes<T, TV, TOps>.Reflectors.ApplyQ2(ref f, ref tau, m, n, ref tmp, ref tmp2);
            Lanes<T, TV, TOps>.Products.Copy(ref tmp2, ref Unsafe.Add(ref pg, c * m), m);
            KeepSecondPass(ref yc, ref tmp, ref Unsafe.Add(ref r, c * m), quarter);
        }
    }

    private static TV Quarter() => TOps.Broadcast(T.CreateTruncating(Projection.ResidualPolicy.LossFraction * Projection.ResidualPolicy.LossFraction));

    /// <summary>
    /// e = y - P y from P y in <paramref name="py"/>, then <see cref="Projection.ResidualPolicy.NeedsSecondPass"/>
    /// per lane from the sums of squares: e -= P e in the lanes that lost more than half the norm, at once,
    /// while the column is still in cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void KeepSecondPass(ref TV y, ref TV py, ref TV e, TV quarter)
    {
        TV ny = TOps.Zero, ne = TOps.Zero;
        for (int i = 0; i < m; i++)
        {
            TV yi = Unsafe.Add(ref y, i);
            TV ei = TOps.Sub(yi, Unsafe.Add(ref py, i));
            Unsafe.Add(ref e, i) = ei;
            ny = TOps.Fma(yi, yi, ny);
            ne = TOps.Fma(ei, ei, ne);
        }

        TV flag = TOps.LessThan(ne, TOps.Mul(quarter, ny));
        if (!TOps.Any(flag))
        {
            return;
        }

        Lanes<T, TV, TOps>.Products.Copy(ref e, ref py, m);
        Project(ref py);
        for (int i = 0; i < m; i++)
        {
            TV ei = Unsafe.Add(ref e, i);
            Unsafe.Add(ref e, i) = TOps.Select(flag, TOps.Sub(ei, Unsafe.Add(ref py, i)), ei);
        }
    }
}
