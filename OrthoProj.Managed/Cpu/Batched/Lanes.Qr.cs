using System.Runtime.CompilerServices;

namespace OrthoProj.Cpu.Batched;

internal static partial class Lanes<T, TV, TOps>
{
    /// <summary>
    /// <see cref="Projection.QrDecomposition.Factor{T}"/> in the lanes for m &gt;= n, step for step: per group
    /// of W matrices, Qr (Copy, ScaleToUnit, Geqrf, Q formed) and R scaled back by ScaleByPowerOfTwo(r, e, -1).
    /// LAPACK's signs (geqr2 then org2r); any rank: a zero column gives tau = 0 (H = I) and a zero diagonal.
    /// </summary>
    internal static class Qr
    {
        /// <summary>A = Q R, reduced (Q m x n, R n x n) or complete (Q m x m, R m x n), scattered into the outputs when given (either layout).</summary>
        public static QrResult<T> Factor(CpuBackend backend, HostMatrixBatch<T> a, QrMode mode, ParallelOptions parallel, HostMatrixBatch<T>? qOut, HostMatrixBatch<T>? rOut)
        {
            int m = a.Rows, n = a.Cols, count = a.Count, w = TOps.Width;
            int c = mode == QrMode.Complete ? m : n;     // Q's columns: thin, or complete
            var q = LaneGroups.Output(backend, m, c, count, qOut);
            var r = LaneGroups.Output(backend, c, n, count, rOut);
            int mn = m * n;
            LaneGroups.ForEach<TV>(LaneGroups.Count(count, w), parallel, mn + (2 * n) + 2 + (m * c) + (c * n), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g, s) =>
            {
                Span<TV> f = s[..mn], qv = s.Slice(mn + (2 * n) + 2, m * c), rv = s.Slice(mn + (2 * n) + 2 + (m * c), c * n);
                ref TV up = ref s[mn + (2 * n)];
                FactorGroup(a, g, f, ref s[mn], ref s[mn + n], ref up, c, ref qv[0]);
                Layout.Scatter(qv, q, g);
                UpperBlock(f, m, n, c, rv);
                Span<int> e = stackalloc int[w];
                Scaling.Exponents(ref up, e, -1);
                Scaling.ScaleByPowerOfTwo(ref rv[0], c * n, e);      // R = 2^-e R'
                Layout.Scatter(rv, r, g);
            });
            return new QrResult<T>(q, r);
        }

        /// <summary>
        /// The seam's Qr on one group: A gathered into <paramref name="f"/> (padded past the batch with [I_n; 0]),
        /// scaled to unit magnitude (2^e into <paramref name="up"/>), factored (reflectors and R' in f, tau, 1 / R'_kk)
        /// and Q's first <paramref name="columns"/> columns formed into <paramref name="q"/>.
        /// </summary>
        public static void FactorGroup(HostMatrixBatch<T> a, int g, Span<TV> f, ref TV tau, ref TV rinv, ref TV up, int columns, ref TV q)
        {
            int m = a.Rows, n = a.Cols;
            Layout.Gather(a, g, f);
            Layout.PadWithIdentity(f, m, n, LaneGroups.Lanes(g, a.Count, TOps.Width));
            Scaling.ScaleToUnit(ref f[0], m * n, ref up);
            Householder.Geqrf(ref f[0], ref tau, ref rinv, m, n);
            Reflectors.FormQ(ref f[0], ref tau, m, n, columns, ref q);
        }

        /// <summary>The seam's CopyBlock of R: R' (on and above f's diagonal, m x n) into r (rows x n), zeros below.</summary>
        private static void UpperBlock(Span<TV> f, int m, int n, int rows, Span<TV> r)
        {
            r.Clear();
            for (int j = 0; j < n; j++)
            {
                Products.Copy(ref f[j * m], ref r[j * rows], j + 1);
            }
        }
    }
}
