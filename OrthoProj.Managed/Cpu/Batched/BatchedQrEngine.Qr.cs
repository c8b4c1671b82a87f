using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrthoProj.Cpu.Batched;

/// <summary>
/// <see cref="Backend.Qr{T}"/> in the lanes (see <see cref="BatchedQr{T}"/>): the projector's
/// factorization without its rank check, then Q formed and R written out, one group of W matrices at a time.
/// </summary>
internal sealed partial class BatchedQrEngine<T, TV, TOps>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : unmanaged
    where TOps : struct, ILaneOps<TV, T>
{
    /// <summary>
    /// A = Q R with LAPACK's signs (geqr2 then org2r) for a batch of m x n matrices, m &gt;= n: per
    /// group, 2^e A is factored in the lanes (<see cref="ScaleLanes"/>, <see cref="FactorGroup"/>), so
    /// the reflectors are A's and R' = 2^e R; Q's first c columns are formed from them (c = n reduced,
    /// m complete), and R = 2^-e R' (c x n, zeros below the diagonal) is scaled back exactly, in one
    /// rounding as <see cref="PowerOfTwoScaling.Scale{T}"/>. Any rank: a zero column gives tau = 0
    /// (H = I) and a zero diagonal, as LAPACK's larfg.
    /// </summary>
    /// <remarks>Q and R are scattered straight into <paramref name="qOut"/> and <paramref name="rOut"/> when given (either layout).</remarks>
    public static QrResult<T> FactorQr(CpuBackend backend, HostMatrixBatch<T> a, QrMode mode, ParallelOptions parallel, HostMatrixBatch<T>? qOut = null, HostMatrixBatch<T>? rOut = null)
    {
        int m = a.Rows, n = a.Cols, count = a.Count, w = TOps.Width;
        int c = mode == QrMode.Complete ? m : n;
        var q = qOut ?? Rent(backend, m, c, count);
        var r = rOut ?? Rent(backend, c, n, count);
        int groups = (count + w - 1) / w;
        int mn = m * n;
        ForGroups(groups, parallel, mn + (2 * n) + 2 + (m * c) + (c * n), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
        {
            Span<TV> f = s[..mn];
            ref TV tau = ref s[mn];
            ref TV rinv = ref s[mn + n];
            ref TV up = ref s[mn + (2 * n)];
            Span<TV> qv = s.Slice(mn + (2 * n) + 2, m * c);
            Span<TV> rv = s.Slice(mn + (2 * n) + 2 + (m * c), c * n);
            Gather(a, g, f);
            PadWithIdentity(f, m, n, Math.Min(w, count - (g * w)));
            ScaleLanes(ref f[0], mn, ref up);
            FactorGroup(ref f[0], ref tau, ref rinv, m, n);
            FormQ(ref f[0], ref tau, m, n, c, ref qv[0]);
            Scatter(qv, q, g);

            // R' on and above the diagonal, zeros below; then 2^-e per lane.
            rv.Clear();
            for (int j = 0; j < n; j++)
            {
                Copy(ref f[j * m], ref rv[j * c], j + 1);
            }

            Span<int> back = stackalloc int[w];
            LaneExponents(ref up, back);
            for (int lane = 0; lane < w; lane++)
            {
                back[lane] = -back[lane];
            }

            ScaleLanesBy(ref rv[0], c * n, back);
            Scatter(rv, r, g);
        });
        return new QrResult<T>(q, r);
    }

    /// <summary>Lanes from <paramref name="lanes"/> on (past the batch, zeroed by Gather) become [I_n; 0], which factors to R = I, tau = 0.</summary>
    private static void PadWithIdentity(Span<TV> x, int rows, int cols, int lanes)
    {
        int w = TOps.Width;
        Span<T> xt = MemoryMarshal.Cast<TV, T>(x);
        for (int lane = lanes; lane < w; lane++)
        {
            for (int j = 0; j < cols; j++)
            {
                xt[(((j * rows) + j) * w) + lane] = T.One;
            }
        }
    }

    /// <summary>The exponent e of each lane from <see cref="ScaleLanes"/>'s 2^e = up[0] up[1].</summary>
    private static void LaneExponents(ref TV up, Span<int> e)
    {
        ReadOnlySpan<T> u = MemoryMarshal.Cast<TV, T>(MemoryMarshal.CreateReadOnlySpan(ref up, 2));
        for (int lane = 0; lane < e.Length; lane++)
        {
            e[lane] = T.ILogB(u[lane]) + T.ILogB(u[e.Length + lane]);
        }
    }

    /// <summary>
    /// x[0..length) of lane l times 2^s[l], each element rounded once, bit for bit as
    /// <see cref="PowerOfTwoScaling.Scale{T}"/> on that lane's matrix: one multiply by 2^s where |s| &lt;= 126
    /// (float) or 1022 (double), which the lanes do together; T.ScaleB element by element beyond (subnormal
    /// scales), lane by lane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScaleLanesBy(ref TV x, int length, ReadOnlySpan<int> s)
    {
        int w = TOps.Width;
        int limit = typeof(T) == typeof(float) ? 126 : 1022;
        Span<T> factors = stackalloc T[w];
        bool multiply = false, wide = false;
        for (int lane = 0; lane < w; lane++)
        {
            int e = s[lane];
            bool near = Math.Abs(e) <= limit;
            factors[lane] = near ? PowerOfTwoScaling.Pow2<T>(e) : T.One;
            multiply |= near && e != 0;
            wide |= !near;
        }

        if (multiply)
        {
            TV fv = Unsafe.ReadUnaligned<TV>(ref Unsafe.As<T, byte>(ref factors[0]));
            for (int i = 0; i < length; i++)
            {
                Unsafe.Add(ref x, i) = TOps.Mul(Unsafe.Add(ref x, i), fv);
            }
        }

        if (wide)
        {
            ref T xt = ref Unsafe.As<TV, T>(ref x);
            for (int lane = 0; lane < w; lane++)
            {
                if (Math.Abs(s[lane]) > limit)
                {
                    for (int i = 0; i < length; i++)
                    {
                        ref T xi = ref Unsafe.Add(ref xt, (i * w) + lane);
                        xi = T.ScaleB(xi, s[lane]);
                    }
                }
            }
        }
    }
}
