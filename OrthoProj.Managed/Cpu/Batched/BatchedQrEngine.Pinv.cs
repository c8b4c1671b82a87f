using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrthoProj.Cpu.Batched;

/// <summary><see cref="Backend.Pinv{T}"/> in the lanes, for tall batches proven of full rank.</summary>
internal sealed partial class BatchedQrEngine<T, TV, TOps>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : unmanaged
    where TOps : struct, ILaneOps<TV, T>
{
    /// <summary>
    /// A+ = 2^e R'^-1 Q^T (n x m) of a batch of m x n matrices, m &gt;= n, each proven of full rank
    /// under torch.linalg.pinv's rule as <see cref="Projection.PseudoInverse"/> proves it: per group,
    /// 2^e A = Q R' in the lanes, Q formed, X' = R'^-1 Q^T column by column (column i is R'^-1 q_i,
    /// q_i row i of Q), the proof from ||R'||_F and ||X'||_F (= ||R'^-1||_F, Q's columns being
    /// orthonormal, <see cref="RankTolerance.ProvesFullRank{T}"/>), then A+ = 2^e X' in one exact
    /// scaling. Null when some matrix is not proven: the caller takes the SVD route for the batch.
    /// </summary>
    /// <remarks>A+ is scattered straight into <paramref name="output"/> when given (either layout); when some matrix is not proven it holds partial values, and the caller's SVD route overwrites it.</remarks>
    public static HostMatrixBatch<T>? PinvFullRank(CpuBackend backend, HostMatrixBatch<T> a, RankTolerance tolerance, ParallelOptions parallel, HostMatrixBatch<T>? output = null)
    {
        int m = a.Rows, n = a.Cols, count = a.Count, w = TOps.Width;
        int groups = (count + w - 1) / w;
        int mn = m * n;
        var x = output ?? Rent(backend, n, m, count);
        int unproven = 0;
        ForGroups(groups, parallel, (3 * mn) + (2 * n) + 2, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
        {
            Span<TV> f = s[..mn];
            ref TV tau = ref s[mn];
            ref TV rinv = ref s[mn + n];
            ref TV up = ref s[mn + (2 * n)];
            Span<TV> qv = s.Slice(mn + (2 * n) + 2, mn);
            Span<TV> xv = s.Slice((2 * mn) + (2 * n) + 2, mn);
            int lanes = Math.Min(w, count - (g * w));
            Gather(a, g, f);
            PadWithIdentity(f, m, n, lanes);
            ScaleLanes(ref f[0], mn, ref up);
            FactorGroup(ref f[0], ref tau, ref rinv, m, n);
            FormQ(ref f[0], ref tau, m, n, n, ref qv[0]);
            for (int i = 0; i < m; i++)
            {
                ref TV xi = ref xv[i * n];
                for (int j = 0; j < n; j++)
                {
                    Unsafe.Add(ref xi, j) = qv[(j * m) + i];
                }

                SolveScaledR(ref f[0], ref rinv, m, n, ref xi);
            }

            Span<int> e = stackalloc int[w];
            LaneExponents(ref up, e);
            if (!Proven(ref f[0], xv, m, n, lanes, e, tolerance))
            {
                Interlocked.Exchange(ref unproven, 1);
                return;
            }

            ScaleLanesBy(ref xv[0], mn, e);      // A+ = 2^e (2^e A)+
            Scatter(xv, x, g);
        });

        if (unproven != 0)
        {
            if (output is null)
            {
                x.Dispose();
            }

            return null;
        }

        return x;
    }

    /// <summary>Whether every valid lane passes <see cref="RankTolerance.ProvesFullRank{T}"/>, from ||R'||_F (R' on and above f's diagonal) and ||X'||_F.</summary>
    private static bool Proven(ref TV f, Span<TV> xv, int m, int n, int lanes, ReadOnlySpan<int> e, RankTolerance tolerance)
    {
        TV sr = TOps.Zero, sx = TOps.Zero;
        for (int j = 0; j < n; j++)
        {
            ref TV col = ref Unsafe.Add(ref f, j * m);
            for (int i = 0; i <= j; i++)
            {
                TV v = Unsafe.Add(ref col, i);
                sr = TOps.Fma(v, v, sr);
            }
        }

        foreach (TV v in xv)
        {
            sx = TOps.Fma(v, v, sx);
        }

        ReadOnlySpan<T> r2 = MemoryMarshal.Cast<TV, T>(MemoryMarshal.CreateReadOnlySpan(ref sr, 1));
        ReadOnlySpan<T> x2 = MemoryMarshal.Cast<TV, T>(MemoryMarshal.CreateReadOnlySpan(ref sx, 1));
        for (int lane = 0; lane < lanes; lane++)
        {
            if (!tolerance.ProvesFullRank<T>(m, n, Math.Sqrt(double.CreateTruncating(r2[lane])), Math.Sqrt(double.CreateTruncating(x2[lane])), e[lane]))
            {
                return false;
            }
        }

        return true;
    }
}
