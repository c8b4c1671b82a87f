using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrthoProj.Cpu.Batched;

internal static partial class Lanes<T, TV, TOps>
{
    /// <summary>
    /// The rank rules' lane forms: the QR rule (<see cref="RankTolerance.QrRank{T}"/>, the seam's QrRank) per
    /// lane, its fast path in the lanes, and pinv's proof of full rank (<see cref="RankTolerance.ProvesFullRank{T}"/>).
    /// </summary>
    internal static class Rank
    {
        /// <summary>
        /// The QR rule's fast path for atol = 0 (then scale-free), in the lanes: true when every lane's
        /// min |R_jj| exceeds <paramref name="margin"/> (rtol * 1.001, broadcast) times max |R_jj|, a
        /// margin that no rounding of the exact rule (in double, <see cref="RankTolerance.QrRank{T}"/>)
        /// can cross; otherwise the lanes go to that rule. R_jj at f[j (ld + 1)].
        /// </summary>
        public static bool ClearlyFullRank(ref TV f, int ld, int n, TV margin)
        {
            TV max = TOps.Zero, min = TOps.Broadcast(T.PositiveInfinity);
            for (int j = 0; j < n; j++)
            {
                TV d = TOps.Abs(Unsafe.Add(ref f, (j * ld) + j));
                max = TOps.Max(max, d);
                min = TOps.Select(TOps.LessThan(d, min), d, min);
            }

            TV threshold = TOps.Mul(margin, max);
            return !TOps.Any(TOps.Select(TOps.LessThan(threshold, min), TOps.Zero, TOps.EqualsZero(TOps.Zero)));
        }

        /// <summary>
        /// The first lane (below <paramref name="lanes"/>) whose R (diagonal at f[j (ld + 1)], of 2^e A with e
        /// per lane in <paramref name="e"/>) has |R_jj| &lt;= max(atol, rtol * max |R_jj|) under the rule for an
        /// m x n matrix, or -1; with that lane's rank and the detail text. The factor is of 2^e A, so the rule
        /// compares |R'_jj| with max(atol 2^e, rtol * max |R'_jj|): the unscaled rule exactly.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static int FirstDeficientLane(ref TV f, int ld, int m, int n, int lanes, ReadOnlySpan<int> e, RankTolerance tolerance, out int rank, out string detail)
        {
            int w = TOps.Width;
            ReadOnlySpan<T> d = MemoryMarshal.Cast<TV, T>(MemoryMarshal.CreateReadOnlySpan(ref f, ((n - 1) * (ld + 1)) + 1));
            rank = n;
            detail = string.Empty;
            for (int lane = 0; lane < lanes; lane++)
            {
                double maxDiag = 0, minDiag = double.PositiveInfinity;
                for (int j = 0; j < n; j++)
                {
                    double v = Math.Abs(Scaling.ToDouble(d[(((j * ld) + j) * w) + lane]));
                    maxDiag = Math.Max(maxDiag, v);
                    minDiag = Math.Min(minDiag, v);
                }

                if (minDiag > tolerance.Threshold<T>(m, n, maxDiag, e[lane]))
                {
                    continue;
                }

                // R_jj of this lane is at lane + j (ld + 1) w in the interleaved factor.
                int r = tolerance.QrRank(d[lane..], (ld + 1) * w, m, n, out string text, e[lane]);
                if (r < n)
                {
                    rank = r;
                    detail = text;
                    return lane;
                }
            }

            return -1;
        }

        /// <summary>Whether every valid lane passes <see cref="RankTolerance.ProvesFullRank{T}"/>, from ||R'||_F (R' on and above f's diagonal) and ||X'||_F.</summary>
        public static bool ProvesFullRank(ref TV f, Span<TV> xv, int m, int n, int lanes, ReadOnlySpan<int> e, RankTolerance tolerance)
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

        /// <summary>
        /// Whether X A = I (n x n) in every lane, for X = A+ (n x m) and A m x n: X A is the orthogonal
        /// projector onto A's row space, whose trace is its rank, so trace(X A) &gt; n - 1/2 proves rank n.
        /// A NaN trace proves nothing, and passes: the result is NaN in that lane either way.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static bool ProjectorIsIdentity(ref TV x, ref TV a, int m, int n)
        {
            TV trace = TOps.Zero;
            for (int j = 0; j < n; j++)
            {
                for (int k = 0; k < m; k++)
                {
                    trace = TOps.Fma(Unsafe.Add(ref x, j + (k * n)), Unsafe.Add(ref a, k + (j * m)), trace);
                }
            }

            return !TOps.Any(TOps.LessThan(trace, TOps.Broadcast(T.CreateTruncating(n - 0.5))));
        }
    }
}
