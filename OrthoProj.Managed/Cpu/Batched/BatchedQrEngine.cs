using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OrthoProj.Cpu.Batched;

/// <summary>The width-independent face of <see cref="BatchedQrEngine{T, TV, TOps}"/>.</summary>
internal interface IBatchedQrEngine<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Matrices per group (SIMD lanes).</summary>
    int Width { get; }

    HostMatrixBatch<T> Project(HostMatrixBatch<T> y);

    HostMatrixBatch<T> Residual(HostMatrixBatch<T> y);

    HostMatrixBatch<T> Matrix();

    HostMatrixBatch<T> Solve(HostMatrixBatch<T> y);

    ProjectorGradients<T> ProjectBackward(HostMatrixBatch<T> y, HostMatrixBatch<T> gradZ);

    ProjectorGradients<T> ResidualBackward(HostMatrixBatch<T> y, HostMatrixBatch<T> gradE);

    HostMatrixBatch<T> MatrixBackward(HostMatrixBatch<T> gradP);

    ProjectorGradients<T> SolveBackward(HostMatrixBatch<T> y, HostMatrixBatch<T> gradX);

    void Dispose();
}

/// <summary>
/// Householder QR of a batch of small m x n matrices (m &gt;= n, m &lt;= 64, n &lt;= 32) in lock-step
/// across SIMD lanes, and every projector operation fused per group of W = TOps.Width matrices.
/// </summary>
/// <remarks>
/// <para>Layout: the batch is split into groups of W matrices; element (i, j) of the W matrices of a
/// group is one lane vector at index <c>group * m * n + j * m + i</c>. The last group is padded with
/// identity-like matrices ([I_n; 0], zero right-hand sides), which factor to R = I with tau = 0 and
/// never produce NaN.</para>
/// <para>Factorization: LAPACK geqr2/larfg (with one power-of-two rescale per lane, below, in place of
/// larfg's rescaling loop): for column k,
/// beta = -sign(alpha) * ||(alpha, x)||, tau = (beta - alpha) / beta, v = x / (alpha - beta), and
/// tau = 0 (H = I) where x = 0. The storage keeps v below the diagonal, R on and above it, tau, and
/// 1 / R_kk. Q is never formed: Q^T y and Q c apply the n reflectors.</para>
/// <para>Rank: |R_jj| &lt;= max(atol, rtol * max_j |R_jj|) (the rule of <see cref="Projection.BatchedProjector{T}"/>)
/// raises <see cref="RankDeficientException"/> for the lowest such matrix index.</para>
/// <para>Range: a lane whose largest |a_ij| lies outside 2^+-40 (float) or 2^+-400 (double) is
/// scaled by a power of two before the factorization and R is scaled back, so column norms neither
/// overflow nor underflow; columns far below the largest one may still underflow to zero inside the
/// norm, and then fail the rank check, as they should.</para>
/// </remarks>
internal sealed class BatchedQrEngine<T, TV, TOps> : IBatchedQrEngine<T>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : unmanaged
    where TOps : struct, ILaneOps<TV, T>
{
    private readonly int m;
    private readonly int n;
    private readonly int count;
    private readonly int groups;
    // One aligned block: groups * m * n of factors (reflectors below the diagonal, R on and above),
    // then groups * n of tau, then groups * n of 1 / R_kk.
    private readonly PinnedLanes<TV> storage;
    private readonly ParallelOptions parallel;

    public BatchedQrEngine(HostMatrixBatch<T> a, RankTolerance tolerance, ParallelOptions parallel)
    {
        m = a.Rows;
        n = a.Cols;
        count = a.Count;
        this.parallel = parallel;
        int w = TOps.Width;
        groups = (count + w - 1) / w;
        // Rented: a fresh multi-megabyte array per projector costs page faults and zeroing on every
        // factorization; Gather and FactorGroup write every element of it, so stale contents never leak.
        storage = PinnedLanes<TV>.Rent(groups * ((m * n) + (2 * n)));
        var firstBad = new int[groups];
        T[] src = a.Array;
        Parallel.For(0, groups, parallel, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g) =>
        {
            Span<TV> f = MemoryMarshal.CreateSpan(ref Qr(g), m * n);
            Gather(src, m * n, g, f);
            int lanes = Math.Min(w, count - (g * w));
            if (lanes < w)
            {
                // Identity-like padding: [I_n; 0] factors to R = I, tau = 0.
                Span<T> ft = MemoryMarshal.Cast<TV, T>(f);
                for (int lane = lanes; lane < w; lane++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        ft[(((j * m) + j) * w) + lane] = T.One;
                    }
                }
            }

            bool scaled = ScaleLanes(ref f[0], m * n, out TV scale);
            FactorGroup(ref f[0], ref Tau(g), ref Rinv(g), m, n);
            if (scaled)
            {
                UnscaleR(ref f[0], ref Rinv(g), m, n, scale);
            }

            firstBad[g] = FirstRankDeficientLane(g, lanes, tolerance, out _, out _);
        });

        for (int g = 0; g < groups; g++)
        {
            if (firstBad[g] >= 0)
            {
                int lanes = Math.Min(w, count - (g * w));
                FirstRankDeficientLane(g, lanes, tolerance, out int rank, out string detail);
                Dispose();
                throw new RankDeficientException((g * w) + firstBad[g], rank, m, n, detail);
            }
        }
    }

    public int Width => TOps.Width;

    private ref TV Qr(int g) => ref Unsafe.Add(ref storage.Ref, g * m * n);

    private ref TV Tau(int g) => ref Unsafe.Add(ref storage.Ref, (groups * m * n) + (g * n));

    private ref TV Rinv(int g) => ref Unsafe.Add(ref storage.Ref, (groups * ((m * n) + n)) + (g * n));

    /// <summary>Returns the factor storage to the pool; the engine is unusable afterwards.</summary>
    public void Dispose()
    {
        storage.Dispose();
    }

    public HostMatrixBatch<T> Project(HostMatrixBatch<T> y)
    {
        int p = y.Cols;
        var result = Output(m, p);
        ForGroups(m * p, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
        {
            Span<TV> yv = s[..(m * p)];
            Gather(y.Array, m * p, g, yv);
            ref TV f = ref Qr(g);
            ref TV t = ref Tau(g);
            for (int c = 0; c < p; c++)
            {
                ref TV x = ref yv[c * m];
                ApplyQt(ref f, ref t, m, n, ref x);
                Clear(ref Unsafe.Add(ref x, n), m - n);
                ApplyQ(ref f, ref t, m, n, ref x);
            }

            Scatter(yv, result.Array, m * p, g);
        });
        return result;
    }

    public HostMatrixBatch<T> Residual(HostMatrixBatch<T> y)
    {
        int p = y.Cols;
        var result = Output(m, p);
        ForGroups((2 * m * p) + m, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
        {
            Span<TV> yv = s[..(m * p)];
            Span<TV> ev = s.Slice(m * p, m * p);
            Gather(y.Array, m * p, g, yv);
            ResidualGroup(g, ref yv[0], ref ev[0], ref s[2 * m * p], p);
            Scatter(ev, result.Array, m * p, g);
        });
        return result;
    }

    public HostMatrixBatch<T> Matrix()
    {
        var result = Output(m, m);
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

            Scatter(pv, result.Array, m * m, g);
        });
        return result;
    }

    public HostMatrixBatch<T> Solve(HostMatrixBatch<T> y)
    {
        int p = y.Cols;
        var result = Output(n, p);
        ForGroups((m * p) + (n * p), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
        {
            Span<TV> yv = s[..(m * p)];
            Span<TV> xv = s.Slice(m * p, n * p);
            Gather(y.Array, m * p, g, yv);
            ref TV f = ref Qr(g);
            ref TV t = ref Tau(g);
            ref TV ri = ref Rinv(g);
            for (int c = 0; c < p; c++)
            {
                ref TV x = ref yv[c * m];
                ApplyQt(ref f, ref t, m, n, ref x);
                SolveR(ref f, ref ri, m, n, ref x);
                Copy(ref x, ref xv[c * n], n);
            }

            Scatter(xv, result.Array, n * p, g);
        });
        return result;
    }

    public ProjectorGradients<T> ProjectBackward(HostMatrixBatch<T> y, HostMatrixBatch<T> gradZ) =>
        Backward(y, gradZ, BackwardKind.Project);

    public ProjectorGradients<T> ResidualBackward(HostMatrixBatch<T> y, HostMatrixBatch<T> gradE) =>
        Backward(y, gradE, BackwardKind.Residual);

    public ProjectorGradients<T> SolveBackward(HostMatrixBatch<T> y, HostMatrixBatch<T> gradX) =>
        Backward(y, gradX, BackwardKind.Solve);

    public HostMatrixBatch<T> MatrixBackward(HostMatrixBatch<T> gradP)
    {
        var result = Output(m, n);
        ForGroups((m * m) + (2 * m * n), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
        {
            // gA = (I - P)(gP + gP^T) Q R^-T: T_j = (I - P) S q_j, then gA R^T = T column by column.
            Span<TV> gp = s[..(m * m)];
            Span<TV> q = s.Slice(m * m, m * n);
            Span<TV> tm = s.Slice((m * m) + (m * n), m * n);
            Gather(gradP.Array, m * m, g, gp);
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

            Scatter(tm, result.Array, m * n, g);
        });
        return result;
    }

    /// <summary>
    /// Scales each lane's matrix by a power of two that brings its largest |a_ij| to [1, 2) when that
    /// largest entry lies outside [2^-SafeExponent, 2^SafeExponent], so that the unscaled sums of
    /// squares in the column norms neither overflow nor underflow (LAPACK's larfg rescales for the same
    /// reason). Powers of two scale exactly; reflectors and tau do not change, R and 1 / R_kk are
    /// scaled back by <see cref="UnscaleR"/>. Returns false (and leaves the group alone) when no lane
    /// needs it, the common case, after one pass over the group.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool ScaleLanes(ref TV a, int length, out TV scale)
    {
        // Four independent maxima: one chain would wait on the max latency at every element.
        TV m0 = TOps.Zero, m1 = TOps.Zero, m2 = TOps.Zero, m3 = TOps.Zero;
        int k = 0;
        for (; k + 4 <= length; k += 4)
        {
            m0 = TOps.Max(m0, TOps.Abs(Unsafe.Add(ref a, k)));
            m1 = TOps.Max(m1, TOps.Abs(Unsafe.Add(ref a, k + 1)));
            m2 = TOps.Max(m2, TOps.Abs(Unsafe.Add(ref a, k + 2)));
            m3 = TOps.Max(m3, TOps.Abs(Unsafe.Add(ref a, k + 3)));
        }

        for (; k < length; k++)
        {
            m0 = TOps.Max(m0, TOps.Abs(Unsafe.Add(ref a, k)));
        }

        TV max = TOps.Max(TOps.Max(m0, m1), TOps.Max(m2, m3));

        int w = TOps.Width;
        int safe = typeof(T) == typeof(float) ? 40 : 400;
        int limit = typeof(T) == typeof(float) ? 125 : 1021;   // 2^limit and 2^-limit are normal numbers
        Span<T> lanes = stackalloc T[w];
        bool any = false;
        for (int lane = 0; lane < w; lane++)
        {
            T mx = Unsafe.Add(ref Unsafe.As<TV, T>(ref max), lane);
            int e = mx == T.Zero ? 0 : T.ILogB(mx);
            bool outside = mx != T.Zero && (e > safe || e < -safe);
            any |= outside;
            lanes[lane] = outside ? T.ScaleB(T.One, Math.Clamp(-e, -limit, limit)) : T.One;
        }

        scale = Unsafe.ReadUnaligned<TV>(ref Unsafe.As<T, byte>(ref lanes[0]));
        if (!any)
        {
            return false;
        }

        for (int i = 0; i < length; i++)
        {
            Unsafe.Add(ref a, i) = TOps.Mul(Unsafe.Add(ref a, i), scale);
        }

        return true;
    }

    /// <summary>Undoes <see cref="ScaleLanes"/> on R (on and above the diagonal) and 1 / R_kk.</summary>
    private static void UnscaleR(ref TV a, ref TV rinv, int m, int n, TV scale)
    {
        TV inverse = TOps.Div(TOps.Broadcast(T.One), scale);
        for (int j = 0; j < n; j++)
        {
            ref TV aj = ref Unsafe.Add(ref a, j * m);
            for (int i = 0; i <= j; i++)
            {
                Unsafe.Add(ref aj, i) = TOps.Mul(Unsafe.Add(ref aj, i), inverse);
            }

            Unsafe.Add(ref rinv, j) = TOps.Mul(Unsafe.Add(ref rinv, j), scale);
        }
    }

    /// <summary>Householder QR of one group in place (LAPACK geqr2 in lock-step over the lanes).</summary>
    /// <remarks>
    /// Left-looking over blocks of four columns: a block first receives every earlier reflector, then is
    /// factored within itself. The four target columns stay in L1 while the reflectors stream past,
    /// where the right-looking order would sweep the whole trailing matrix (up to 128 KB per group)
    /// through the cache once per column.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FactorGroup(ref TV a, ref TV tau, ref TV rinv, int m, int n)
    {
        TV one = TOps.Broadcast(T.One);
        for (int jb = 0; jb < n; jb += 4)
        {
            int je = Math.Min(jb + 4, n);
            int k0 = 0;
            if (je - jb == 4)
            {
                for (; k0 + 2 <= jb; k0 += 2)
                {
                    ApplyPairToFourColumns(ref a, ref tau, k0, m, jb);
                }
            }

            for (int k = k0; k < jb; k++)
            {
                ApplyToColumns(ref a, ref Unsafe.Add(ref a, k * m), Unsafe.Add(ref tau, k), k, m, jb, je);
            }

            for (int k = jb; k < je; k++)
            {
                ref TV ak = ref Unsafe.Add(ref a, k * m);
                TV alpha = Unsafe.Add(ref ak, k);
                // The column norm is on the critical path of every column: four chains, not one.
                TV ss = TOps.Zero, ss1 = TOps.Zero, ss2 = TOps.Zero, ss3 = TOps.Zero;
                int r = k + 1;
                for (; r + 4 <= m; r += 4)
                {
                    TV v0 = Unsafe.Add(ref ak, r), v1 = Unsafe.Add(ref ak, r + 1), v2 = Unsafe.Add(ref ak, r + 2), v3 = Unsafe.Add(ref ak, r + 3);
                    ss = TOps.Fma(v0, v0, ss);
                    ss1 = TOps.Fma(v1, v1, ss1);
                    ss2 = TOps.Fma(v2, v2, ss2);
                    ss3 = TOps.Fma(v3, v3, ss3);
                }

                for (; r < m; r++)
                {
                    TV v = Unsafe.Add(ref ak, r);
                    ss = TOps.Fma(v, v, ss);
                }

                ss = TOps.Add(TOps.Add(ss, ss1), TOps.Add(ss2, ss3));

                TV norm = TOps.Sqrt(TOps.Fma(alpha, alpha, ss));
                TV beta = TOps.Neg(TOps.CopySign(norm, alpha));
                TV none = TOps.EqualsZero(ss);
                TV t = TOps.Select(none, TOps.Zero, TOps.Div(TOps.Sub(beta, alpha), beta));
                TV scale = TOps.Select(none, TOps.Zero, TOps.Div(one, TOps.Sub(alpha, beta)));
                beta = TOps.Select(none, alpha, beta);
                for (int i = k + 1; i < m; i++)
                {
                    Unsafe.Add(ref ak, i) = TOps.Mul(Unsafe.Add(ref ak, i), scale);
                }

                Unsafe.Add(ref ak, k) = beta;
                Unsafe.Add(ref tau, k) = t;
                Unsafe.Add(ref rinv, k) = TOps.Div(one, beta);
                ApplyToColumns(ref a, ref ak, t, k, m, k + 1, je);
            }
        }
    }

    /// <summary>
    /// Applies H_(k+1) H_k to the four columns [<paramref name="j"/>, j + 4) in one sweep. With
    /// s = v_k . a, u = v_(k+1) . a and c = v_(k+1) . v_k (all from the original a):
    /// H_k a = a - sk v_k with sk = tau_k s; v_(k+1) . (H_k a) = u - sk c; so both dot products come from
    /// one pass and both updates from a second, halving the loads and stores of a per reflector.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ApplyPairToFourColumns(ref TV a, ref TV tau, int k, int m, int j)
    {
        ref TV vk = ref Unsafe.Add(ref a, k * m);
        ref TV vl = ref Unsafe.Add(ref vk, m);
        ref TV a0 = ref Unsafe.Add(ref a, j * m);
        ref TV a1 = ref Unsafe.Add(ref a0, m);
        ref TV a2 = ref Unsafe.Add(ref a1, m);
        ref TV a3 = ref Unsafe.Add(ref a2, m);
        TV tk = Unsafe.Add(ref tau, k), tl = Unsafe.Add(ref tau, k + 1);
        int l = k + 1;

        // Rows k and l = k + 1 carry the implicit ones: v_k = (1, v_k[l], ...), v_l = (0, 1, ...).
        TV vkl = Unsafe.Add(ref vk, l);
        TV c = vkl;
        TV s0 = TOps.Fma(vkl, Unsafe.Add(ref a0, l), Unsafe.Add(ref a0, k));
        TV s1 = TOps.Fma(vkl, Unsafe.Add(ref a1, l), Unsafe.Add(ref a1, k));
        TV s2 = TOps.Fma(vkl, Unsafe.Add(ref a2, l), Unsafe.Add(ref a2, k));
        TV s3 = TOps.Fma(vkl, Unsafe.Add(ref a3, l), Unsafe.Add(ref a3, k));
        TV u0 = Unsafe.Add(ref a0, l), u1 = Unsafe.Add(ref a1, l), u2 = Unsafe.Add(ref a2, l), u3 = Unsafe.Add(ref a3, l);
        for (int i = l + 1; i < m; i++)
        {
            TV x = Unsafe.Add(ref vk, i), y = Unsafe.Add(ref vl, i);
            c = TOps.Fma(x, y, c);
            TV b0 = Unsafe.Add(ref a0, i), b1 = Unsafe.Add(ref a1, i), b2 = Unsafe.Add(ref a2, i), b3 = Unsafe.Add(ref a3, i);
            s0 = TOps.Fma(x, b0, s0);
            u0 = TOps.Fma(y, b0, u0);
            s1 = TOps.Fma(x, b1, s1);
            u1 = TOps.Fma(y, b1, u1);
            s2 = TOps.Fma(x, b2, s2);
            u2 = TOps.Fma(y, b2, u2);
            s3 = TOps.Fma(x, b3, s3);
            u3 = TOps.Fma(y, b3, u3);
        }

        s0 = TOps.Mul(s0, tk);
        s1 = TOps.Mul(s1, tk);
        s2 = TOps.Mul(s2, tk);
        s3 = TOps.Mul(s3, tk);
        u0 = TOps.Mul(TOps.Fnma(s0, c, u0), tl);
        u1 = TOps.Mul(TOps.Fnma(s1, c, u1), tl);
        u2 = TOps.Mul(TOps.Fnma(s2, c, u2), tl);
        u3 = TOps.Mul(TOps.Fnma(s3, c, u3), tl);

        // a -= sk v_k + sl v_l.
        Unsafe.Add(ref a0, k) = TOps.Sub(Unsafe.Add(ref a0, k), s0);
        Unsafe.Add(ref a1, k) = TOps.Sub(Unsafe.Add(ref a1, k), s1);
        Unsafe.Add(ref a2, k) = TOps.Sub(Unsafe.Add(ref a2, k), s2);
        Unsafe.Add(ref a3, k) = TOps.Sub(Unsafe.Add(ref a3, k), s3);
        Unsafe.Add(ref a0, l) = TOps.Sub(TOps.Fnma(s0, vkl, Unsafe.Add(ref a0, l)), u0);
        Unsafe.Add(ref a1, l) = TOps.Sub(TOps.Fnma(s1, vkl, Unsafe.Add(ref a1, l)), u1);
        Unsafe.Add(ref a2, l) = TOps.Sub(TOps.Fnma(s2, vkl, Unsafe.Add(ref a2, l)), u2);
        Unsafe.Add(ref a3, l) = TOps.Sub(TOps.Fnma(s3, vkl, Unsafe.Add(ref a3, l)), u3);
        for (int i = l + 1; i < m; i++)
        {
            TV x = Unsafe.Add(ref vk, i), y = Unsafe.Add(ref vl, i);
            Unsafe.Add(ref a0, i) = TOps.Fnma(u0, y, TOps.Fnma(s0, x, Unsafe.Add(ref a0, i)));
            Unsafe.Add(ref a1, i) = TOps.Fnma(u1, y, TOps.Fnma(s1, x, Unsafe.Add(ref a1, i)));
            Unsafe.Add(ref a2, i) = TOps.Fnma(u2, y, TOps.Fnma(s2, x, Unsafe.Add(ref a2, i)));
            Unsafe.Add(ref a3, i) = TOps.Fnma(u3, y, TOps.Fnma(s3, x, Unsafe.Add(ref a3, i)));
        }
    }

    /// <summary>
    /// Applies H_k = I - tau v v^T (v = column k below the diagonal, v_k = 1) to columns
    /// [<paramref name="js"/>, <paramref name="je"/>), four at a time: four independent dot products
    /// hide the FMA latency and share each load of v.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ApplyToColumns(ref TV a, ref TV ak, TV t, int k, int m, int js, int je)
    {
        int j = js;
        for (; j + 4 <= je; j += 4)
        {
            ref TV a0 = ref Unsafe.Add(ref a, j * m);
            ref TV a1 = ref Unsafe.Add(ref a0, m);
            ref TV a2 = ref Unsafe.Add(ref a1, m);
            ref TV a3 = ref Unsafe.Add(ref a2, m);
            TV s0 = Unsafe.Add(ref a0, k), s1 = Unsafe.Add(ref a1, k), s2 = Unsafe.Add(ref a2, k), s3 = Unsafe.Add(ref a3, k);
            for (int i = k + 1; i < m; i++)
            {
                TV v = Unsafe.Add(ref ak, i);
                s0 = TOps.Fma(v, Unsafe.Add(ref a0, i), s0);
                s1 = TOps.Fma(v, Unsafe.Add(ref a1, i), s1);
                s2 = TOps.Fma(v, Unsafe.Add(ref a2, i), s2);
                s3 = TOps.Fma(v, Unsafe.Add(ref a3, i), s3);
            }

            s0 = TOps.Mul(s0, t);
            s1 = TOps.Mul(s1, t);
            s2 = TOps.Mul(s2, t);
            s3 = TOps.Mul(s3, t);
            Unsafe.Add(ref a0, k) = TOps.Sub(Unsafe.Add(ref a0, k), s0);
            Unsafe.Add(ref a1, k) = TOps.Sub(Unsafe.Add(ref a1, k), s1);
            Unsafe.Add(ref a2, k) = TOps.Sub(Unsafe.Add(ref a2, k), s2);
            Unsafe.Add(ref a3, k) = TOps.Sub(Unsafe.Add(ref a3, k), s3);
            for (int i = k + 1; i < m; i++)
            {
                TV v = Unsafe.Add(ref ak, i);
                Unsafe.Add(ref a0, i) = TOps.Fnma(s0, v, Unsafe.Add(ref a0, i));
                Unsafe.Add(ref a1, i) = TOps.Fnma(s1, v, Unsafe.Add(ref a1, i));
                Unsafe.Add(ref a2, i) = TOps.Fnma(s2, v, Unsafe.Add(ref a2, i));
                Unsafe.Add(ref a3, i) = TOps.Fnma(s3, v, Unsafe.Add(ref a3, i));
            }
        }

        for (; j < je; j++)
        {
            ApplyReflector(ref ak, t, k, m, ref Unsafe.Add(ref a, j * m));
        }
    }

    /// <summary>x := Q^T x = H_(n-1) ... H_0 x for x of length m.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApplyQt(ref TV f, ref TV tau, int m, int n, ref TV x)
    {
        for (int k = 0; k < n; k++)
        {
            ApplyReflector(ref Unsafe.Add(ref f, k * m), Unsafe.Add(ref tau, k), k, m, ref x);
        }
    }

    /// <summary>x := Q x = H_0 ... H_(n-1) x for x of length m.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApplyQ(ref TV f, ref TV tau, int m, int n, ref TV x)
    {
        for (int k = n - 1; k >= 0; k--)
        {
            ApplyReflector(ref Unsafe.Add(ref f, k * m), Unsafe.Add(ref tau, k), k, m, ref x);
        }
    }

    /// <summary>x := Q^T x and z := Q^T z in one sweep over the reflectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApplyQt2(ref TV f, ref TV tau, int m, int n, ref TV x, ref TV z)
    {
        for (int k = 0; k < n; k++)
        {
            ApplyReflector2(ref Unsafe.Add(ref f, k * m), Unsafe.Add(ref tau, k), k, m, ref x, ref z);
        }
    }

    /// <summary>x := Q x and z := Q z in one sweep over the reflectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApplyQ2(ref TV f, ref TV tau, int m, int n, ref TV x, ref TV z)
    {
        for (int k = n - 1; k >= 0; k--)
        {
            ApplyReflector2(ref Unsafe.Add(ref f, k * m), Unsafe.Add(ref tau, k), k, m, ref x, ref z);
        }
    }

    /// <summary>One reflector on two vectors: each load of v feeds both, and four chains run at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ApplyReflector2(ref TV v, TV t, int k, int m, ref TV x, ref TV z)
    {
        TV sx = Unsafe.Add(ref x, k), sz = Unsafe.Add(ref z, k), sx1 = TOps.Zero, sz1 = TOps.Zero;
        int i = k + 1;
        for (; i + 2 <= m; i += 2)
        {
            TV v0 = Unsafe.Add(ref v, i), v1 = Unsafe.Add(ref v, i + 1);
            sx = TOps.Fma(v0, Unsafe.Add(ref x, i), sx);
            sz = TOps.Fma(v0, Unsafe.Add(ref z, i), sz);
            sx1 = TOps.Fma(v1, Unsafe.Add(ref x, i + 1), sx1);
            sz1 = TOps.Fma(v1, Unsafe.Add(ref z, i + 1), sz1);
        }

        if (i < m)
        {
            TV v0 = Unsafe.Add(ref v, i);
            sx = TOps.Fma(v0, Unsafe.Add(ref x, i), sx);
            sz = TOps.Fma(v0, Unsafe.Add(ref z, i), sz);
        }

        sx = TOps.Mul(TOps.Add(sx, sx1), t);
        sz = TOps.Mul(TOps.Add(sz, sz1), t);
        Unsafe.Add(ref x, k) = TOps.Sub(Unsafe.Add(ref x, k), sx);
        Unsafe.Add(ref z, k) = TOps.Sub(Unsafe.Add(ref z, k), sz);
        for (i = k + 1; i < m; i++)
        {
            TV vi = Unsafe.Add(ref v, i);
            Unsafe.Add(ref x, i) = TOps.Fnma(sx, vi, Unsafe.Add(ref x, i));
            Unsafe.Add(ref z, i) = TOps.Fnma(sz, vi, Unsafe.Add(ref z, i));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ApplyReflector(ref TV v, TV t, int k, int m, ref TV x)
    {
        // Four partial sums: one chain of dependent FMAs would wait on the FMA latency every row.
        TV s = Unsafe.Add(ref x, k), s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
        int i = k + 1;
        for (; i + 4 <= m; i += 4)
        {
            s = TOps.Fma(Unsafe.Add(ref v, i), Unsafe.Add(ref x, i), s);
            s1 = TOps.Fma(Unsafe.Add(ref v, i + 1), Unsafe.Add(ref x, i + 1), s1);
            s2 = TOps.Fma(Unsafe.Add(ref v, i + 2), Unsafe.Add(ref x, i + 2), s2);
            s3 = TOps.Fma(Unsafe.Add(ref v, i + 3), Unsafe.Add(ref x, i + 3), s3);
        }

        for (; i < m; i++)
        {
            s = TOps.Fma(Unsafe.Add(ref v, i), Unsafe.Add(ref x, i), s);
        }

        s = TOps.Mul(TOps.Add(TOps.Add(s, s1), TOps.Add(s2, s3)), t);
        Unsafe.Add(ref x, k) = TOps.Sub(Unsafe.Add(ref x, k), s);
        for (i = k + 1; i < m; i++)
        {
            Unsafe.Add(ref x, i) = TOps.Fnma(s, Unsafe.Add(ref v, i), Unsafe.Add(ref x, i));
        }
    }

    /// <summary>x[0..n) := R^-1 x[0..n) (back substitution, column oriented).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SolveR(ref TV f, ref TV rinv, int m, int n, ref TV x)
    {
        for (int i = n - 1; i >= 0; i--)
        {
            TV xi = TOps.Mul(Unsafe.Add(ref x, i), Unsafe.Add(ref rinv, i));
            Unsafe.Add(ref x, i) = xi;
            ref TV col = ref Unsafe.Add(ref f, i * m);
            for (int r = 0; r < i; r++)
            {
                Unsafe.Add(ref x, r) = TOps.Fnma(Unsafe.Add(ref col, r), xi, Unsafe.Add(ref x, r));
            }
        }
    }

    /// <summary>x[0..n) := R^-T x[0..n) (forward substitution, dot oriented).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SolveRT(ref TV f, ref TV rinv, int m, int n, ref TV x)
    {
        for (int i = 0; i < n; i++)
        {
            ref TV col = ref Unsafe.Add(ref f, i * m);
            TV s = Unsafe.Add(ref x, i);
            for (int j = 0; j < i; j++)
            {
                s = TOps.Fnma(Unsafe.Add(ref col, j), Unsafe.Add(ref x, j), s);
            }

            Unsafe.Add(ref x, i) = TOps.Mul(s, Unsafe.Add(ref rinv, i));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(ref TV src, ref TV dst, int length) =>
        MemoryMarshal.CreateReadOnlySpan(ref src, length).CopyTo(MemoryMarshal.CreateSpan(ref dst, length));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Clear(ref TV dst, int length) => MemoryMarshal.CreateSpan(ref dst, length).Clear();

    /// <summary>
    /// e = y - Q Q^T y for the p columns of a group, with a second pass (e -= Q Q^T e) in the lanes
    /// where some column kept less than half its norm: CpuProjector's rule, decided per matrix.
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
        TV quarter = TOps.Broadcast(T.CreateTruncating(0.25));
        TV flag = TOps.Zero;
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

            flag = TOps.Or(flag, TOps.LessThan(ne, TOps.Mul(quarter, ny)));
        }

        if (!TOps.Any(flag))
        {
            return;
        }

        for (int c = 0; c < p; c++)
        {
            ref TV ec = ref Unsafe.Add(ref e, c * m);
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
    private ProjectorGradients<T> Backward(HostMatrixBatch<T> y, HostMatrixBatch<T> g, BackwardKind kind)
    {
        int p = y.Cols;
        int gRows = g.Rows;
        var gradA = Output(m, n);
        var gradY = Output(m, p);
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
            Gather(y.Array, mp, grp, yv);
            Gather(g.Array, gRows * p, grp, gv);
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
                SolveR(ref f, ref ri, m, n, ref w1r);
                ref TV gc = ref gv[c * gRows];
                ref TV gyc = ref gyv[c * m];
                if (kind == BackwardKind.Solve)
                {
                    // d = R^-T gx (then R^-1 of it); w = Q [d; 0].
                    Copy(ref gc, ref dr, n);
                    SolveRT(ref f, ref ri, m, n, ref dr);
                    Copy(ref dr, ref w2r, n);
                    Clear(ref Unsafe.Add(ref w2r, n), m - n);
                    ApplyQ(ref f, ref t, m, n, ref w2r);
                    SolveR(ref f, ref ri, m, n, ref dr);
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
                    SolveR(ref f, ref ri, m, n, ref dr);
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

            Scatter(ga, gradA.Array, m * n, grp);
            Scatter(gyv, gradY.Array, mp, grp);
        });
        return new ProjectorGradients<T>(gradA, gradY);
    }

    /// <summary>Q (m x n) of group g, column j = Q e_j.</summary>
    private void FormQ(int g, ref TV q)
    {
        ref TV f = ref Qr(g);
        ref TV t = ref Tau(g);
        TV one = TOps.Broadcast(T.One);
        Clear(ref q, m * n);
        for (int j = 0; j < n; j++)
        {
            ref TV qj = ref Unsafe.Add(ref q, j * m);
            Unsafe.Add(ref qj, j) = one;
            ApplyQ(ref f, ref t, m, n, ref qj);
        }
    }

    /// <summary>
    /// The first lane (below <paramref name="lanes"/>) of group <paramref name="g"/> whose R has
    /// |R_jj| &lt;= max(atol, rtol * max |R_jj|), or -1; with that lane's rank and the detail text.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int FirstRankDeficientLane(int g, int lanes, RankTolerance tolerance, out int rank, out string detail)
    {
        int w = TOps.Width;
        ReadOnlySpan<T> f = MemoryMarshal.Cast<TV, T>(MemoryMarshal.CreateSpan(ref Qr(g), m * n));
        rank = n;
        detail = string.Empty;
        for (int lane = 0; lane < lanes; lane++)
        {
            double maxDiag = 0, minDiag = double.PositiveInfinity;
            for (int j = 0; j < n; j++)
            {
                double d = Math.Abs(ToDouble(f[(((j * m) + j) * w) + lane]));
                maxDiag = Math.Max(maxDiag, d);
                minDiag = Math.Min(minDiag, d);
            }

            double threshold = tolerance.Threshold<T>(m, n, maxDiag);
            if (minDiag > threshold)
            {
                continue;
            }

            // R_jj of this lane is at lane + j (m + 1) w in the interleaved factor.
            int r = tolerance.QrRank(f[lane..], (m + 1) * w, m, n, out string text);
            if (r < n)
            {
                rank = r;
                detail = text;
                return lane;
            }
        }

        return -1;
    }

    /// <summary>
    /// An output batch without zeroing: Scatter writes every element of every matrix, and zeroing a
    /// multi-megabyte result first would cost as much as writing it.
    /// </summary>
    private HostMatrixBatch<T> Output(int rows, int cols) =>
        HostMatrixBatch<T>.Wrap(GC.AllocateUninitializedArray<T>(rows * cols * count), rows, cols, count);

    /// <summary>double.CreateTruncating without the generic conversion call (it does not inline).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ToDouble(T value) =>
        typeof(T) == typeof(float) ? Unsafe.As<T, float>(ref value) : Unsafe.As<T, double>(ref value);

    /// <summary>Runs <paramref name="body"/> for every group with a per-worker scratch of <paramref name="scratch"/> lane vectors.</summary>
    private void ForGroups(int scratch, Action<int, Span<TV>> body) =>
        Parallel.For(
            0,
            groups,
            parallel,
            () => PinnedLanes<TV>.Rent(scratch),
            (g, _, s) =>
            {
                body(g, s.Span);
                return s;
            },
            s => s.Dispose());

    /// <summary>
    /// Copies the W matrices of group <paramref name="g"/> (each <paramref name="matLen"/> elements,
    /// column-major) from <paramref name="src"/> into lane layout; lanes past the batch get zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Gather(T[] src, int matLen, int g, Span<TV> dst)
    {
        int w = TOps.Width;
        int first = g * w;
        int lanes = Math.Min(w, count - first);
        Span<T> d = MemoryMarshal.Cast<TV, T>(dst[..matLen]);
        ref T dr = ref MemoryMarshal.GetReference(d);
        int done = 0;
        if (lanes == w && typeof(TV) == typeof(Vector512<T>) && LaneTranspose.IsSupported)
        {
            // Full group: W x W block transposes in registers, then the remainder element by element.
            ref T s0 = ref src[first * matLen];
            int blocks = matLen / w;
            for (int b = 0; b < blocks; b++)
            {
                LaneTranspose.Transpose(ref Unsafe.Add(ref s0, b * w), matLen, ref Unsafe.Add(ref dr, b * w * w), w);
            }

            done = blocks * w;
        }
        else if (lanes < w)
        {
            d.Clear();
        }

        for (int lane = 0; lane < lanes; lane++)
        {
            ref T s = ref src[(first + lane) * matLen];
            for (int e = done; e < matLen; e++)
            {
                Unsafe.Add(ref dr, (e * w) + lane) = Unsafe.Add(ref s, e);
            }
        }
    }

    /// <summary>Copies the valid lanes of group <paramref name="g"/> back to column-major matrices.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Scatter(Span<TV> src, T[] dst, int matLen, int g)
    {
        int w = TOps.Width;
        int first = g * w;
        int lanes = Math.Min(w, count - first);
        ref T sr = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<TV, T>(src[..matLen]));
        int done = 0;
        if (lanes == w && typeof(TV) == typeof(Vector512<T>) && LaneTranspose.IsSupported)
        {
            ref T d0 = ref dst[first * matLen];
            int blocks = matLen / w;
            for (int b = 0; b < blocks; b++)
            {
                LaneTranspose.Transpose(ref Unsafe.Add(ref sr, b * w * w), w, ref Unsafe.Add(ref d0, b * w), matLen);
            }

            done = blocks * w;
        }

        for (int lane = 0; lane < lanes; lane++)
        {
            ref T d = ref dst[(first + lane) * matLen];
            for (int e = done; e < matLen; e++)
            {
                Unsafe.Add(ref d, e) = Unsafe.Add(ref sr, (e * w) + lane);
            }
        }
    }
}
