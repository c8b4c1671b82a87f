using System.Numerics;

namespace OrthoProj.Cpu;

/// <summary>
/// QR forward (geqrf + orgqr through the provider, LAPACK's signs on every provider) and its
/// backward on the CPU. Both factor or differentiate each matrix scaled by a power of two
/// (<see cref="PowerOfTwoScaling"/>) and scale the results back exactly, so that they are correct
/// wherever they are representable.
/// </summary>
internal static class CpuQr
{
    public static QrResult<T> Factor<T>(HostLinalg<T> la, HostMatrixBatch<T> a, QrMode mode, ParallelOptions parallel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = a.Rows, n = a.Cols, k = Math.Min(m, n);
        bool thin = mode == QrMode.Reduced && m >= n;
        int qCols = thin ? k : m, rRows = thin ? k : m;
        var q = new HostMatrixBatch<T>(m, qCols, a.Count);
        var r = new HostMatrixBatch<T>(rRows, n, a.Count);
        Parallel.For(0, a.Count, parallel, b =>
        {
            // A' = 2^e A has the same Q; R = 2^-e R'.
            T[] ab = a.GetMatrix(b).ToArray();
            int e = PowerOfTwoScaling.ScaleToUnit<T>(ab);
            if (k == 0)
            {
                // Nothing to factor: Q is the identity's first qCols columns, R is all zeros.
                Span<T> qb = q.GetMatrix(b);
                for (int i = 0; i < qCols; i++)
                {
                    qb[(i * m) + i] = T.One;
                }
            }
            else if (thin)
            {
                T[] rb = la.ThinQr(ab, m, n);
                ab.CopyTo(q.GetMatrix(b));
                PowerOfTwoScaling.Scale<T>(rb, -e);
                rb.CopyTo(r.GetMatrix(b));
            }
            else
            {
                T[] qb = la.FullQr(ab, m, n);
                qb.CopyTo(q.GetMatrix(b));
                Span<T> rb = r.GetMatrix(b);
                ab.CopyTo(rb);
                ZeroBelowDiagonal(rb, m, n);
                PowerOfTwoScaling.Scale(rb, -e);
            }
        });
        return new QrResult<T>(q, r);
    }

    public static HostMatrixBatch<T> Backward<T>(HostLinalg<T> la, HostMatrixBatch<T> q, HostMatrixBatch<T> r, HostMatrixBatch<T>? gq, HostMatrixBatch<T>? gr, ParallelOptions parallel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = q.Rows, n = r.Cols, k = q.Cols;
        var ga = new HostMatrixBatch<T>(m, n, q.Count);
        if (k == 0)
        {
            return ga;
        }

        // The formula is homogeneous: gA(Q, R, gQ, gR) = 2^(e - f) gA(Q, 2^e R, 2^f gQ, 2^(f - e) gR).
        // e brings R to unit magnitude, f the larger of gQ and 2^-e gR; every intermediate is then
        // in range, and the result is scaled back once, exactly.
        var exponents = ScaleExponents(r, gq, gr, k, m, n);
        Parallel.For(0, q.Count, parallel, b =>
        {
            (int e, int f) = exponents[b];
            T[] qb = q.GetMatrix(b).ToArray();
            T[] rb = r.GetMatrix(b).ToArray();
            T[] gqb = gq is null ? new T[m * k] : gq.GetMatrix(b).ToArray();
            T[] grb = gr is null ? new T[k * n] : gr.GetMatrix(b).ToArray();
            PowerOfTwoScaling.Scale<T>(rb, e);
            PowerOfTwoScaling.Scale<T>(gqb, f);
            PowerOfTwoScaling.Scale<T>(grb, f - e);
            Span<T> gab = ga.GetMatrix(b);
            Compute(la, qb, rb, gqb, grb, m, n, k, gab);
            PowerOfTwoScaling.Scale(gab, e - f);
        });
        return ga;
    }

    /// <summary>
    /// Per matrix, (e, f) for <see cref="Backward{T}"/>'s scaling, after QrBackward's rank rule:
    /// the leading k x k block of 2^e R must have rank k under the default
    /// <see cref="RankTolerance"/> (<see cref="RankTolerance.QrRank{T}"/>, the QR-method projector's
    /// rule, with rtol = eps * max(m, n)); the first matrix that fails raises
    /// <see cref="RankDeficientException"/>.
    /// </summary>
    private static (int E, int F)[] ScaleExponents<T>(HostMatrixBatch<T> r, HostMatrixBatch<T>? gq, HostMatrixBatch<T>? gr, int k, int m, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var exponents = new (int E, int F)[r.Count];
        var diagonal = new T[k];
        for (int b = 0; b < r.Count; b++)
        {
            ReadOnlySpan<T> rb = r.GetMatrix(b);
            int e = PowerOfTwoScaling.Exponent(rb);
            for (int j = 0; j < k; j++)
            {
                diagonal[j] = T.ScaleB(rb[(j * k) + j], e);
            }

            int rank = default(RankTolerance).QrRank<T>(diagonal, 1, Math.Max(m, n), k, out string detail, e);
            if (rank < k)
            {
                throw new RankDeficientException(b, rank, m, n, detail, RankDeficientException.QrBackwardHint);
            }

            // The magnitude exponents (ilogb of the largest entry) of gQ and of 2^-e gR.
            int magnitude = int.MinValue;
            if (gq is not null && MaxMagnitude(gq.GetMatrix(b)) is var mq && mq != T.Zero)
            {
                magnitude = T.ILogB(mq);
            }

            if (gr is not null && MaxMagnitude(gr.GetMatrix(b)) is var mr && mr != T.Zero)
            {
                magnitude = Math.Max(magnitude, T.ILogB(mr) - e);
            }

            exponents[b] = (e, magnitude == int.MinValue ? 0 : -magnitude);
        }

        return exponents;
    }

    private static T MaxMagnitude<T>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = T.Zero;
        foreach (T v in x)
        {
            max = T.MaxMagnitudeNumber(max, v);
        }

        return T.Abs(max);
    }

    /// <summary>gA of one matrix from Q, R, gQ, gR (gQ is overwritten), into <paramref name="gab"/>.</summary>
    private static void Compute<T>(HostLinalg<T> la, T[] qb, T[] rb, T[] gqb, T[] grb, int m, int n, int k, Span<T> gab)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m >= n)
        {
            SquareRule(la, qb, rb, k, gqb, grb, m).CopyTo(gab);
            return;
        }

        // Wide: A = [X | Y], R = [U | V] with U = R[:, :m]. Y = Q V, so
        // gX = square rule on (gQ + Y gV^T, gU) = (gQ + Q (V gV^T), gU), and gY = Q gV.
        int w = n - m;
        T[] u = rb.AsSpan(0, m * m).ToArray();
        T[] v = rb.AsSpan(m * m, m * w).ToArray();
        T[] gu = grb.AsSpan(0, m * m).ToArray();
        T[] gv = grb.AsSpan(m * m, m * w).ToArray();
        T[] vgvt = la.Mul(v, m, w, false, gv, m, w, true);
        la.MulAdd(T.One, qb, m, m, false, vgvt, m, m, false, T.One, gqb);
        SquareRule(la, qb, u, m, gqb, gu, m).CopyTo(gab[..(m * m)]);
        la.Mul(qb, m, m, false, gv, m, w, false).CopyTo(gab[(m * m)..]);
    }

    /// <summary>
    /// gA = (gQ + Q S) R^-T with M = gR R^T - Q^T gQ and S its upper triangle mirrored to the lower,
    /// for Q m x k, R k x k.
    /// </summary>
    private static T[] SquareRule<T>(HostLinalg<T> la, T[] q, T[] r, int k, T[] gq, T[] gr, int m)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] s = la.Mul(gr, k, k, false, r, k, k, true);
        la.MulAdd(-T.One, q, m, k, true, gq, m, k, false, T.One, s);
        for (int j = 0; j < k; j++)
        {
            for (int i = j + 1; i < k; i++)
            {
                s[(j * k) + i] = s[(i * k) + j];
            }
        }

        T[] c = (T[])gq.Clone();
        la.MulAdd(T.One, q, m, k, false, s, k, k, false, T.One, c);
        HostLinalg<T>.SolveUpperTransposedRight(r, k, k, c, m);
        return c;
    }

    private static void ZeroBelowDiagonal<T>(Span<T> a, int m, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int j = 0; j < n; j++)
        {
            for (int i = j + 1; i < m; i++)
            {
                a[(j * m) + i] = T.Zero;
            }
        }
    }
}
