using System.Runtime.CompilerServices;

namespace OrthoProj.Cpu.Batched;

internal static partial class Lanes<T, TV, TOps>
{
    /// <summary>
    /// <see cref="Projection.PseudoInverse.Backward{T}"/> in the lanes for m &gt;= n, step for step (BackwardInto,
    /// Tall, SymmetrizedProduct), one group of W matrices at a time: gA = G^T S - A M with S = X X^T, H = G X^T,
    /// K = S H and M = K + K^T + (S H^T)(X A - I), on A' = 2^e A, X' = 2^-e X and G' = 2^f G, scaled back by
    /// 2^(2e - f). The last term of M is left out where trace(X A) &gt; n - 1/2 in every lane: X A is the
    /// orthogonal projector onto A's row space, whose trace is its rank, so that proves X A = I.
    /// </summary>
    internal static class PinvBackward
    {
        /// <summary>gA (m x n) for X = A+ (n x m) and G = dL/dX, scattered into <paramref name="output"/> when given.</summary>
        public static HostMatrixBatch<T> Backward(CpuBackend backend, HostMatrixBatch<T> a, HostMatrixBatch<T> pinv, HostMatrixBatch<T> gradPinv, ParallelOptions parallel, HostMatrixBatch<T>? output)
        {
            int m = a.Rows, n = a.Cols, count = a.Count, mn = m * n, nn = n * n;
            var ga = LaneGroups.Output(backend, m, n, count, output);
            LaneGroups.ForEach<TV>(LaneGroups.Count(count, TOps.Width), parallel, (4 * mn) + (5 * nn) + 4, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
                BackwardInto(a, pinv, gradPinv, g, s, ga));
            return ga;
        }

        /// <summary>gA of group g: the scaling, <see cref="Tall"/>, the scaling back.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void BackwardInto(HostMatrixBatch<T> a, HostMatrixBatch<T> pinv, HostMatrixBatch<T> gradPinv, int g, Span<TV> s, HostMatrixBatch<T> ga)
        {
            int m = a.Rows, n = a.Cols, w = TOps.Width, mn = m * n;
            Span<TV> sa = s[..mn], x = s.Slice(mn, mn), gs = s.Slice(2 * mn, mn), gav = s.Slice(3 * mn, mn);
            ref TV upA = ref s[(4 * mn) + (5 * n * n)];
            ref TV upG = ref Unsafe.Add(ref upA, 2);
            Span<int> e = stackalloc int[w], f = stackalloc int[w];

            // ScaleToUnit(a, sa); Copy(pinv, x) scaled by 2^-e; ScaleToUnit(gradPinv, g).
            Layout.Gather(a, g, sa);
            Layout.Gather(pinv, g, x);
            Layout.Gather(gradPinv, g, gs);
            Scaling.ScaleToUnit(ref sa[0], mn, ref upA);
            Scaling.Exponents(ref upA, e, -1);
            Scaling.ScaleByPowerOfTwo(ref x[0], mn, e);      // X' = 2^-e X
            Scaling.ScaleToUnit(ref gs[0], mn, ref upG);
            Scaling.Exponents(ref upG, f);

            Tall(sa, x, gs, gav, s[(4 * mn)..], m, n);

            Scaling.Combine(e, -2, f, -1, f);               // 2e - f, e negated above
            Scaling.ScaleByPowerOfTwo(ref gav[0], mn, f);
            Layout.Scatter(gav, ga, g);
        }

        /// <summary>m &gt;= n: gA = G^T S - A M, every product n x n but those two (scratch: 5 n n vectors).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Tall(Span<TV> a, Span<TV> x, Span<TV> g, Span<TV> ga, Span<TV> s, int m, int n)
        {
            int nn = n * n;
            Span<TV> sx = s[..nn], h = s.Slice(nn, nn), k = s.Slice(2 * nn, nn), l = s.Slice(3 * nn, nn), xa = s.Slice(4 * nn, nn);
            Products.Gemm(false, true, n, n, m, ref x[0], n, ref x[0], n, ref sx[0], negate: false, accumulate: false);
            Products.Gemm(false, true, n, n, m, ref g[0], n, ref x[0], n, ref h[0], negate: false, accumulate: false);

            // SymmetrizedProduct: M = K^T + K (over h), + L (X A - I) unless X A = I is proven; L reads H, so before it is overwritten.
            Products.Gemm(false, false, n, n, n, ref sx[0], n, ref h[0], n, ref k[0], negate: false, accumulate: false);
            bool fullRank = Rank.ProjectorIsIdentity(ref x[0], ref a[0], m, n);
            if (!fullRank)
            {
                Products.Gemm(false, true, n, n, n, ref sx[0], n, ref h[0], n, ref l[0], negate: false, accumulate: false);
                Products.Gemm(false, false, n, n, m, ref x[0], n, ref a[0], m, ref xa[0], negate: false, accumulate: false);
                Products.SubtractIdentity(ref xa[0], n);
            }

            Products.Transpose(k, n, n, h);
            Products.Axpy(k, h);
            if (!fullRank)
            {
                Products.Gemm(false, false, n, n, n, ref l[0], n, ref xa[0], n, ref h[0], negate: false, accumulate: true);
            }

            Products.Gemm(true, false, m, n, n, ref g[0], n, ref sx[0], n, ref ga[0], negate: false, accumulate: false);
            Products.Gemm(false, false, m, n, n, ref a[0], m, ref h[0], n, ref ga[0], negate: true, accumulate: true);
        }
    }
}
