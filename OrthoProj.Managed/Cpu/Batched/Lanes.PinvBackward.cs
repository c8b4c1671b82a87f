using System.Runtime.CompilerServices;

namespace OrthoProj.Cpu.Batched;

internal static partial class Lanes<T, TV, TOps>
{
    /// <summary>
    /// <see cref="Projection.PseudoInverse.Backward{T}"/> in the lanes for m &gt;= n, step for step (BackwardInto,
    /// Tall), one group of W matrices at a time: gA = -X^T (G X^T) + [Z - A (X Z)] + X^T (X W) with
    /// Z = G^T (X X^T) and W = G^T - G^T (X A), on A' = 2^e A, X' = 2^-e X and G' = 2^f G, scaled back by 2^(2e - f).
    /// </summary>
    internal static class PinvBackward
    {
        /// <summary>gA (m x n) for X = A+ (n x m) and G = dL/dX, scattered into <paramref name="output"/> when given.</summary>
        public static HostMatrixBatch<T> Backward(CpuBackend backend, HostMatrixBatch<T> a, HostMatrixBatch<T> pinv, HostMatrixBatch<T> gradPinv, ParallelOptions parallel, HostMatrixBatch<T>? output)
        {
            int m = a.Rows, n = a.Cols, count = a.Count, mn = m * n, nn = n * n;
            var ga = LaneGroups.Output(backend, m, n, count, output);
            LaneGroups.ForEach<TV>(LaneGroups.Count(count, TOps.Width), parallel, (6 * mn) + (5 * nn) + 4, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
                BackwardInto(a, pinv, gradPinv, g, s, ga));
            return ga;
        }

        /// <summary>gA of group g: the scaling, <see cref="Tall"/>, the scaling back.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void BackwardInto(HostMatrixBatch<T> a, HostMatrixBatch<T> pinv, HostMatrixBatch<T> gradPinv, int g, Span<TV> s, HostMatrixBatch<T> ga)
        {
            int m = a.Rows, n = a.Cols, w = TOps.Width, mn = m * n;
            Span<TV> sa = s[..mn], x = s.Slice(mn, mn), gs = s.Slice(2 * mn, mn), gav = s.Slice(3 * mn, mn);
            ref TV upA = ref s[(6 * mn) + (5 * n * n)];
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

        /// <summary>m &gt;= n: the n x n products X X^T, G X^T, X A, X Z, X W (scratch: 2 m n + 5 n n vectors).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Tall(Span<TV> a, Span<TV> x, Span<TV> g, Span<TV> ga, Span<TV> s, int m, int n)
        {
            int mn = m * n, nn = n * n;
            Span<TV> z = s[..mn], wv = s.Slice(mn, mn);
            Span<TV> gxt = s.Slice(2 * mn, nn), xxt = s.Slice((2 * mn) + nn, nn), xz = s.Slice((2 * mn) + (2 * nn), nn);
            Span<TV> xa = s.Slice((2 * mn) + (3 * nn), nn), xw = s.Slice((2 * mn) + (4 * nn), nn);

            // Term 1: -X^T (G X^T).
            Products.Gemm(false, true, n, n, m, ref g[0], n, ref x[0], n, ref gxt[0], negate: false, accumulate: false);
            Products.Gemm(true, false, m, n, n, ref x[0], n, ref gxt[0], n, ref ga[0], negate: true, accumulate: false);

            // Term 2: (I - A X) Z with Z = G^T (X X^T): Z - A (X Z).
            Products.Gemm(false, true, n, n, m, ref x[0], n, ref x[0], n, ref xxt[0], negate: false, accumulate: false);
            Products.Gemm(true, false, m, n, n, ref g[0], n, ref xxt[0], n, ref z[0], negate: false, accumulate: false);
            Products.Gemm(false, false, n, n, m, ref x[0], n, ref z[0], m, ref xz[0], negate: false, accumulate: false);
            Products.Gemm(false, false, m, n, n, ref a[0], m, ref xz[0], n, ref z[0], negate: true, accumulate: true);
            Products.Axpy(z, ga);

            // Term 3: X^T (X W) with W = G^T (I - X A) = G^T - G^T (X A).
            Products.Gemm(false, false, n, n, m, ref x[0], n, ref a[0], m, ref xa[0], negate: false, accumulate: false);
            Products.Transpose(g, n, m, wv);
            Products.Gemm(true, false, m, n, n, ref g[0], n, ref xa[0], n, ref wv[0], negate: true, accumulate: true);
            Products.Gemm(false, false, n, n, m, ref x[0], n, ref wv[0], m, ref xw[0], negate: false, accumulate: false);
            Products.Gemm(true, false, m, n, n, ref x[0], n, ref xw[0], n, ref ga[0], negate: false, accumulate: true);
        }
    }
}
