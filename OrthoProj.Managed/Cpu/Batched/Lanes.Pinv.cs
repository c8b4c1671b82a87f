using System.Runtime.CompilerServices;

namespace OrthoProj.Cpu.Batched;

internal static partial class Lanes<T, TV, TOps>
{
    /// <summary>
    /// <see cref="Projection.PseudoInverse.Compute{T}"/>'s full-rank route (ViaQr) in the lanes, step for step:
    /// per group, Qr of 2^e A, X' = R'^-1 Q^T by triangular solves, ProvesFullRank from ||R'||_F and
    /// ||X'||_F (= ||R'^-1||_F, Q's columns being orthonormal), then A+ = 2^e X' by ScaleByPowerOfTwo.
    /// </summary>
    internal static class Pinv
    {
        /// <summary>
        /// A+ (n x m) of a tall batch when every matrix is proven of full rank, or null (the caller takes the SVD
        /// route for the batch; a given <paramref name="output"/> then holds partial values, which that route overwrites).
        /// </summary>
        public static HostMatrixBatch<T>? ViaQr(CpuBackend backend, HostMatrixBatch<T> a, RankTolerance tolerance, ParallelOptions parallel, HostMatrixBatch<T>? output)
        {
            int m = a.Rows, n = a.Cols, count = a.Count, w = TOps.Width, mn = m * n;
            var x = LaneGroups.Output(backend, n, m, count, output);
            int unproven = 0;
            LaneGroups.ForEach<TV>(LaneGroups.Count(count, w), parallel, (3 * mn) + (2 * n) + 2, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
            {
                Span<TV> f = s[..mn], qv = s.Slice(mn + (2 * n) + 2, mn), xv = s.Slice((2 * mn) + (2 * n) + 2, mn);
                ref TV rinv = ref s[mn + n];
                ref TV up = ref s[mn + (2 * n)];
                Qr.FactorGroup(a, g, f, ref s[mn], ref rinv, ref up, n, ref qv[0]);
                SolveUpper(f, ref rinv, qv, m, n, xv);
                Span<int> e = stackalloc int[w];
                Scaling.Exponents(ref up, e);
                if (!Rank.ProvesFullRank(ref f[0], xv, m, n, LaneGroups.Lanes(g, count, w), e, tolerance))
                {
                    Interlocked.Exchange(ref unproven, 1);
                    return;
                }

                Scaling.ScaleByPowerOfTwo(ref xv[0], mn, e);      // A+ = 2^e (2^e A)+
                Layout.Scatter(xv, x, g);
            });

            if (unproven == 0)
            {
                return x;
            }

            if (output is null)
            {
                x.Dispose();
            }

            return null;
        }

        /// <summary>X' = R'^-1 Q^T (n x m): column i is R'^-1 q_i, q_i row i of Q.</summary>
        private static void SolveUpper(Span<TV> f, ref TV rinv, Span<TV> q, int m, int n, Span<TV> x)
        {
            for (int i = 0; i < m; i++)
            {
                ref TV xi = ref x[i * n];
                for (int j = 0; j < n; j++)
                {
                    Unsafe.Add(ref xi, j) = q[(j * m) + i];
                }

                Triangular.SolveScaledR(ref f[0], ref rinv, m, n, ref xi);
            }
        }
    }
}
