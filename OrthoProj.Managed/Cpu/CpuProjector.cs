using System.Numerics;

namespace OrthoProj.Cpu;

/// <summary>
/// The projector on the CPU, one factor per matrix. Each factor exposes P = U U^T and
/// A+ = W U^T through a basis U (m x r) and an operator W (n x r): under QR, U = Q and W = R^-1
/// (applied by triangular solves, never formed); under SVD, U = U_r and W = V_r S_r^-1. Every
/// operation and backward is written once over these.
/// </summary>
internal sealed class CpuProjector<T> : Projector<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly HostLinalg<T> la;
    private readonly ParallelOptions parallel;
    private readonly Factor[] factors;

    public CpuProjector(CpuBackend backend, HostLinalg<T> la, HostMatrixBatch<T> a, ProjectorMethod method, RankTolerance tolerance, ParallelOptions parallel)
        : this(backend, la, a, method, parallel, Build(la, a, method, tolerance, parallel))
    {
    }

    private CpuProjector(CpuBackend backend, HostLinalg<T> la, HostMatrixBatch<T> a, ProjectorMethod method, ParallelOptions parallel, Factor[] factors)
        : base(backend, a.Rows, a.Cols, a.Count, method, Array.ConvertAll(factors, f => f.Rank))
    {
        this.la = la;
        this.parallel = parallel;
        this.factors = factors;
    }

    protected override MatrixBatch<T> ProjectCore(MatrixBatch<T> y) =>
        Map(y, Rows, (f, yb, p) => f.BasisTimes(f.BasisTransposeTimes(yb, p), p));

    protected override MatrixBatch<T> ResidualCore(MatrixBatch<T> y) =>
        Map(y, Rows, (f, yb, p) => f.Residual(yb, p));

    protected override MatrixBatch<T> MatrixCore()
    {
        var result = new HostMatrixBatch<T>(Rows, Rows, Count);
        Parallel.For(0, Count, parallel, b =>
        {
            Factor f = factors[b];
            la.Mul(f.U, Rows, f.Rank, false, f.U, Rows, f.Rank, true).CopyTo(result.GetMatrix(b));
        });
        return result;
    }

    protected override MatrixBatch<T> SolveCore(MatrixBatch<T> y) =>
        Map(y, Cols, (f, yb, p) => f.ApplyW(f.BasisTransposeTimes(yb, p), p));

    protected override ProjectorGradients<T> ProjectBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradZ) =>
        Gradients(y, gradZ, (f, yb, gb, p, gA) =>
        {
            // gy = P gz; gA = (I - P) gz x^T + r u^T, x = A+ y, r = (I - P) y, u = A+ gz.
            T[] x = f.ApplyW(f.BasisTransposeTimes(yb, p), p);
            T[] r = f.Residual(yb, p);
            T[] cg = f.BasisTransposeTimes(gb, p);
            T[] gy = f.BasisTimes(cg, p);
            T[] u = f.ApplyW(cg, p);
            T[] rg = Subtract(gb, gy);
            la.MulAdd(T.One, rg, Rows, p, false, x, Cols, p, true, T.Zero, gA);
            la.MulAdd(T.One, r, Rows, p, false, u, Cols, p, true, T.One, gA);
            return gy;
        });

    protected override ProjectorGradients<T> ResidualBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradE) =>
        Gradients(y, gradE, (f, yb, gb, p, gA) =>
        {
            // gy = (I - P) ge; gA = -[(I - P) ge x^T + r (A+ ge)^T].
            T[] x = f.ApplyW(f.BasisTransposeTimes(yb, p), p);
            T[] r = f.Residual(yb, p);
            T[] cg = f.BasisTransposeTimes(gb, p);
            T[] gy = Subtract(gb, f.BasisTimes(cg, p));
            T[] u = f.ApplyW(cg, p);
            la.MulAdd(-T.One, gy, Rows, p, false, x, Cols, p, true, T.Zero, gA);
            la.MulAdd(-T.One, r, Rows, p, false, u, Cols, p, true, T.One, gA);
            return gy;
        });

    protected override MatrixBatch<T> MatrixBackwardCore(MatrixBatch<T> gradP)
    {
        var gp = (HostMatrixBatch<T>)gradP;
        var result = new HostMatrixBatch<T>(Rows, Cols, Count);
        int m = Rows;
        Parallel.For(0, Count, parallel, b =>
        {
            // gA = (I - P)(gP + gP^T) A+^T = [(I - P) S U] W^T, S = gP + gP^T.
            Factor f = factors[b];
            ReadOnlySpan<T> g = gp.GetMatrix(b);
            var s = new T[m * m];
            for (int j = 0; j < m; j++)
            {
                for (int i = 0; i < m; i++)
                {
                    s[(j * m) + i] = g[(j * m) + i] + g[(i * m) + j];
                }
            }

            T[] su = la.Mul(s, m, m, false, f.U, m, f.Rank, false);                 // m x r
            T[] psu = f.BasisTimes(f.BasisTransposeTimes(su, f.Rank), f.Rank);
            T[] t = Subtract(su, psu);                                               // (I - P) S U
            T[] wt = f.ApplyW(HostLinalg<T>.Transposed(t, m, f.Rank), m);            // W t^T, n x m
            HostLinalg<T>.Transposed(wt, Cols, m).CopyTo(result.GetMatrix(b));
        });
        return result;
    }

    protected override ProjectorGradients<T> SolveBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradX) =>
        Gradients(y, gradX, (f, yb, gb, p, gA) =>
        {
            // w = A+^T gx = U (W^T gx); v = A+ A+^T gx = W (W^T gx); gy = w;
            // gA = -w x^T + r v^T + (A+^T x) ((I - A+ A) gx)^T.
            T[] x = f.ApplyW(f.BasisTransposeTimes(yb, p), p);
            T[] r = f.Residual(yb, p);
            T[] wtg = f.ApplyWTransposed(gb, p);
            T[] w = f.BasisTimes(wtg, p);
            T[] v = f.ApplyW(wtg, p);
            la.MulAdd(-T.One, w, Rows, p, false, x, Cols, p, true, T.Zero, gA);
            la.MulAdd(T.One, r, Rows, p, false, v, Cols, p, true, T.One, gA);
            if (f.Rank < Cols)
            {
                T[] ng = f.RowSpaceComplement(gb, p);
                T[] xt = f.BasisTimes(f.ApplyWTransposed(x, p), p);
                la.MulAdd(T.One, xt, Rows, p, false, ng, Cols, p, true, T.One, gA);
            }

            return w;
        });

    private static T[] Subtract(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
    {
        var c = new T[a.Length];
        for (int i = 0; i < c.Length; i++)
        {
            c[i] = a[i] - b[i];
        }

        return c;
    }

    private static Factor[] Build(HostLinalg<T> la, HostMatrixBatch<T> a, ProjectorMethod method, RankTolerance tolerance, ParallelOptions parallel)
    {
        int m = a.Rows, n = a.Cols;
        var factors = new Factor[a.Count];
        Parallel.For(0, a.Count, parallel, b =>
        {
            factors[b] = method == ProjectorMethod.Qr
                ? Factor.FromQr(la, a.GetMatrix(b), m, n, tolerance)
                : Factor.FromSvd(la, a.GetMatrix(b), m, n, tolerance);
        });

        if (method == ProjectorMethod.Qr)
        {
            for (int b = 0; b < factors.Length; b++)
            {
                if (factors[b].Rank < n)
                {
                    throw new RankDeficientException(b, factors[b].Rank, m, n, factors[b].RankDetail);
                }
            }
        }

        return factors;
    }

    private HostMatrixBatch<T> Map(MatrixBatch<T> y, int outRows, Func<Factor, T[], int, T[]> op)
    {
        var yb = (HostMatrixBatch<T>)y;
        int p = y.Cols;
        var result = new HostMatrixBatch<T>(outRows, p, Count);
        Parallel.For(0, Count, parallel, b => op(factors[b], yb.GetMatrix(b).ToArray(), p).CopyTo(result.GetMatrix(b)));
        return result;
    }

    /// <summary>Runs a backward per matrix: the delegate fills gA (m x n) and returns gy (m x p).</summary>
    private ProjectorGradients<T> Gradients(MatrixBatch<T> y, MatrixBatch<T> g, Func<Factor, T[], T[], int, T[], T[]> op)
    {
        var yb = (HostMatrixBatch<T>)y;
        var gb = (HostMatrixBatch<T>)g;
        int p = y.Cols;
        var gradA = new HostMatrixBatch<T>(Rows, Cols, Count);
        var gradY = new HostMatrixBatch<T>(Rows, p, Count);
        Parallel.For(0, Count, parallel, b =>
        {
            var ga = new T[Rows * Cols];
            T[] gy = op(factors[b], yb.GetMatrix(b).ToArray(), gb.GetMatrix(b).ToArray(), p, ga);
            ga.CopyTo(gradA.GetMatrix(b));
            gy.CopyTo(gradY.GetMatrix(b));
        });
        return new ProjectorGradients<T>(gradA, gradY);
    }

    /// <summary>
    /// One matrix's factorization: basis U (m x r) and W (n x r) with A+ = W U^T. Under QR with
    /// native LAPACK, U = Q is kept as geqrf's Householder reflectors and applied with ormqr
    /// (Q^T y is the first r rows of ormqr('L', 'T') on y; Q c is ormqr('L', 'N') on [c; 0]), which
    /// halves the factorization's cost against forming Q with orgqr; the explicit U is formed
    /// lazily, only for Matrix() and its backward.
    /// </summary>
    private sealed class Factor
    {
        // ormqr writes the reflectors' diagonal while it runs (and restores it), and U is formed
        // on first use: both are serialized per factor so that a projector stays thread-safe.
        private readonly Lock gate = new();
        private HostLinalg<T> la = null!;
        private int m;
        private int n;
        private T[]? r;     // QR: R, n x n upper triangular; W = R^-1.
        private T[]? v;     // SVD: V_r, n x r; W = V_r S_r^-1.
        private T[]? s;     // SVD: kept singular values.
        private T[]? reflectors;    // QR, native: geqrf's output, m x n (R above, reflectors below).
        private T[]? tau;           // QR, native: the reflectors' scalars, n.
        private T[]? u;

        /// <summary>The explicit basis, m x r; under native QR formed from the reflectors on first use (orgqr).</summary>
        public T[] U
        {
            get => u ?? FormQ();
            private set => u = value;
        }

        public int Rank { get; private set; }

        public string RankDetail { get; private set; } = string.Empty;

        public static Factor FromQr(HostLinalg<T> la, ReadOnlySpan<T> a, int m, int n, RankTolerance tolerance)
        {
            T[] q = a.ToArray();
            if (la.IsNative && n > 0)
            {
                // geqrf only: the reflectors stay in q, R is copied out of its upper triangle.
                T[] tau = HostLinalg<T>.Geqrf(q, m, n);
                var rn = new T[n * n];
                for (int j = 0; j < n; j++)
                {
                    Array.Copy(q, j * m, rn, j * n, j + 1);
                }

                var native = new Factor { la = la, m = m, n = n, r = rn, reflectors = q, tau = tau };
                native.SetRank(tolerance);
                return native;
            }

            T[] r = n == 0 ? [] : la.ThinQr(q, m, n);
            var factor = new Factor { la = la, m = m, n = n, r = r, U = q };
            factor.SetRank(tolerance);
            return factor;
        }

        public static Factor FromSvd(HostLinalg<T> la, ReadOnlySpan<T> a, int m, int n, RankTolerance tolerance)
        {
            ThinSvd<T> svd = ThinSvd.Compute(la, a, m, n, tolerance);
            return new Factor { la = la, m = m, n = n, v = svd.V, s = svd.S, U = svd.U, Rank = svd.Rank };
        }

        /// <summary>U^T y: r x p.</summary>
        public T[] BasisTransposeTimes(T[] y, int p)
        {
            if (reflectors is null)
            {
                return la.Mul(U, m, Rank, true, y, m, p, false);
            }

            T[] c = (T[])y.Clone();
            ApplyQ(true, c, p);
            var result = new T[Rank * p];
            for (int col = 0; col < p; col++)
            {
                Array.Copy(c, col * m, result, col * Rank, Rank);
            }

            return result;
        }

        /// <summary>U c: m x p.</summary>
        public T[] BasisTimes(T[] c, int p)
        {
            if (reflectors is null)
            {
                return la.Mul(U, m, Rank, false, c, Rank, p, false);
            }

            var result = new T[m * p];
            for (int col = 0; col < p; col++)
            {
                Array.Copy(c, col * Rank, result, col * m, Rank);
            }

            ApplyQ(false, result, p);
            return result;
        }

        /// <summary>W c (n x p) for c r x p: R^-1 c, or V_r S_r^-1 c.</summary>
        public T[] ApplyW(T[] c, int p)
        {
            if (r is not null)
            {
                T[] x = (T[])c.Clone();
                if (reflectors is not null)
                {
                    HostLinalg<T>.TrsmUpperLeft(r, n, n, false, x, p);
                }
                else
                {
                    HostLinalg<T>.SolveUpperLeft(r, n, n, false, x, p);
                }

                return x;
            }

            return la.Mul(v!, n, Rank, false, ScaleRows(c, p), Rank, p, false);
        }

        /// <summary>W^T g (r x p) for g n x p: R^-T g, or S_r^-1 V_r^T g.</summary>
        public T[] ApplyWTransposed(T[] g, int p)
        {
            if (r is not null)
            {
                T[] x = (T[])g.Clone();
                if (reflectors is not null)
                {
                    HostLinalg<T>.TrsmUpperLeft(r, n, n, true, x, p);
                }
                else
                {
                    HostLinalg<T>.SolveUpperLeft(r, n, n, true, x, p);
                }

                return x;
            }

            return ScaleRows(la.Mul(v!, n, Rank, true, g, n, p, false), p);
        }

        /// <summary>(I - A+ A) g = g - V_r V_r^T g, n x p (zero at full column rank).</summary>
        public T[] RowSpaceComplement(T[] g, int p)
        {
            T[] vtg = la.Mul(v!, n, Rank, true, g, n, p, false);
            T[] result = (T[])g.Clone();
            la.MulAdd(-T.One, v!, n, Rank, false, vtg, Rank, p, false, T.One, result);
            return result;
        }

        /// <summary>
        /// e = y - U (U^T y), with one more pass (e -= U (U^T e)) when a column lost more than half
        /// its norm: then cancellation has made e's part in range(A) large relative to e.
        /// </summary>
        public T[] Residual(T[] y, int p)
        {
            if (reflectors is not null)
            {
                // e = Q [0; (Q^T y)[r:]]: two orthogonal transformations and no subtraction, so no
                // cancellation and no second pass, however close y lies to range(A).
                T[] t = (T[])y.Clone();
                ApplyQ(true, t, p);
                for (int col = 0; col < p; col++)
                {
                    Array.Clear(t, col * m, Rank);
                }

                ApplyQ(false, t, p);
                return t;
            }

            T[] e = (T[])y.Clone();
            la.MulAdd(-T.One, U, m, Rank, false, BasisTransposeTimes(y, p), Rank, p, false, T.One, e);
            for (int col = 0; col < p; col++)
            {
                if (Norm(e.AsSpan(col * m, m)) < 0.5 * Norm(y.AsSpan(col * m, m)))
                {
                    la.MulAdd(-T.One, U, m, Rank, false, BasisTransposeTimes(e, p), Rank, p, false, T.One, e);
                    break;
                }
            }

            return e;
        }

        private void SetRank(RankTolerance tolerance)
        {
            Rank = tolerance.QrRank<T>(r, n + 1, m, n, out string detail);
            RankDetail = detail;
        }

        /// <summary>C = Q C or Q^T C in place (C m x p) from the reflectors, LAPACK ormqr.</summary>
        private void ApplyQ(bool transpose, T[] c, int p)
        {
            lock (gate)
            {
                HostLinalg<T>.Ormqr(transpose, reflectors!, m, n, tau!, c, p);
            }
        }

        private T[] FormQ()
        {
            lock (gate)
            {
                if (u is null)
                {
                    // orgqr overwrites its input, so Q is formed in a copy and the reflectors stay.
                    var q = new T[m * n];
                    Array.Copy(reflectors!, q, q.Length);
                    HostLinalg<T>.Orgqr(q, m, n, n, tau!);
                    u = q;
                }

                return u;
            }
        }

        private static double Norm(ReadOnlySpan<T> x)
        {
            double sum = 0;
            foreach (T xi in x)
            {
                double d = double.CreateTruncating(xi);
                sum += d * d;
            }

            return Math.Sqrt(sum);
        }

        private T[] ScaleRows(T[] c, int p)
        {
            var scaled = new T[c.Length];
            for (int col = 0; col < p; col++)
            {
                for (int l = 0; l < Rank; l++)
                {
                    scaled[(col * Rank) + l] = c[(col * Rank) + l] / s![l];
                }
            }

            return scaled;
        }
    }
}
