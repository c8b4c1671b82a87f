using System.Numerics;

namespace OrthoProj.Cpu;

/// <summary>QR forward (Math.NET ThinQRFactor / QRFactor: geqrf + orgqr) and its backward on the CPU.</summary>
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
            T[] ab = a.GetMatrix(b).ToArray();
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
                rb.CopyTo(r.GetMatrix(b));
            }
            else
            {
                T[] qb = la.FullQr(ab, m, n);
                qb.CopyTo(q.GetMatrix(b));
                Span<T> rb = r.GetMatrix(b);
                ab.CopyTo(rb);
                ZeroBelowDiagonal(rb, m, n);
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

        int singular = FirstSingular(r, k, out int rank, out int zeroColumn);
        if (singular >= 0)
        {
            throw new RankDeficientException(singular, rank, m, n, $"R[{zeroColumn},{zeroColumn}] = 0, so R^-T does not exist");
        }

        Parallel.For(0, q.Count, parallel, b =>
        {
            T[] qb = q.GetMatrix(b).ToArray();
            T[] rb = r.GetMatrix(b).ToArray();
            T[] gqb = gq is null ? new T[m * k] : gq.GetMatrix(b).ToArray();
            T[] grb = gr is null ? new T[k * n] : gr.GetMatrix(b).ToArray();
            Span<T> gab = ga.GetMatrix(b);
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
        });
        return ga;
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

    /// <summary>The first matrix whose leading k x k block of R has an exact zero on the diagonal, or -1.</summary>
    private static int FirstSingular<T>(HostMatrixBatch<T> r, int k, out int rank, out int zeroColumn)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int b = 0; b < r.Count; b++)
        {
            ReadOnlySpan<T> rb = r.GetMatrix(b);
            int nonzero = 0;
            zeroColumn = -1;
            for (int j = 0; j < k; j++)
            {
                if (rb[(j * r.Rows) + j] == T.Zero)
                {
                    zeroColumn = zeroColumn < 0 ? j : zeroColumn;
                }
                else
                {
                    nonzero++;
                }
            }

            if (zeroColumn >= 0)
            {
                rank = nonzero;
                return b;
            }
        }

        rank = k;
        zeroColumn = -1;
        return -1;
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
