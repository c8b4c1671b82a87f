namespace OrthoProj.Cpu.Providers;

/// <summary>
/// LAPACK's unblocked Householder QR (dgeqr2 over dlarfg, dorg2r) in managed code, for the managed
/// route: Math.NET's own QR flips the last column of Q (and row of R) of square and wide matrices
/// against LAPACK's sign convention, and OrthoProj gives one answer on every route.
/// </summary>
internal static class Householder<T>
    where T : unmanaged, INumberBase<T>
{
    /// <summary>
    /// Unblocked Householder QR with LAPACK's conventions (dgeqr2 over dlarfg): overwrites
    /// <paramref name="a"/> (m x n) with R on and above the diagonal and the reflectors v (v_0 = 1
    /// implicit) below it, and returns tau (min(m, n)). Column j's reflector gives
    /// R_jj = beta = -sign(alpha) * ||(alpha, x)|| and tau = (beta - alpha) / beta; when nothing
    /// below the diagonal is nonzero (always for the last column of a square or wide matrix) the
    /// reflector is the identity: tau = 0 and R_jj = alpha, unchanged.
    /// </summary>
    public static T[] Geqr2(Span<T> a, int m, int n)
    {
        int k = Math.Min(m, n);
        var tau = new T[k];
        for (int j = 0; j < k; j++)
        {
            Span<T> v = a.Slice((j * m) + j, m - j);
            tau[j] = Larfg(v);
            if (tau[j] == T.Zero)
            {
                continue;
            }

            for (int c = j + 1; c < n; c++)
            {
                ApplyReflector(v, tau[j], a.Slice((c * m) + j, m - j));
            }
        }

        return tau;
    }

    /// <summary>
    /// Forms the first <paramref name="cols"/> columns of Q = H(0) ... H(k-1) in place from the k
    /// reflectors in the first k columns of <paramref name="q"/> (m x cols, cols &gt;= k), LAPACK dorg2r.
    /// </summary>
    public static void Org2r(Span<T> q, int m, int cols, int k, ReadOnlySpan<T> tau)
    {
        for (int j = k; j < cols; j++)
        {
            Span<T> c = q.Slice(j * m, m);
            c.Clear();
            c[j] = T.One;
        }

        for (int i = k - 1; i >= 0; i--)
        {
            Span<T> v = q.Slice((i * m) + i, m - i);
            if (i < cols - 1)
            {
                v[0] = T.One;
                for (int c = i + 1; c < cols; c++)
                {
                    ApplyReflector(v, tau[i], q.Slice((c * m) + i, m - i));
                }
            }

            for (int l = 1; l < v.Length; l++)
            {
                v[l] *= -tau[i];
            }

            v[0] = T.One - tau[i];
            q.Slice(i * m, i).Clear();
        }
    }

    /// <summary>
    /// LAPACK dlarfg on x = (alpha, x_1..): returns tau and leaves (beta, v_1..) in x, with
    /// H = I - tau (1, v) (1, v)^T and H x = beta e_1. Tiny beta is rescaled as dlarfg does.
    /// </summary>
    private static T Larfg(Span<T> x)
    {
        if (x.Length <= 1)
        {
            return T.Zero;
        }

        Span<T> tail = x[1..];
        T xnorm = Norm(tail);
        if (xnorm == T.Zero)
        {
            return T.Zero;
        }

        T alpha = x[0];
        T beta = T.Hypot(alpha, xnorm);
        beta = T.IsNegative(alpha) ? beta : -beta;
        // dlamch('S') / dlamch('E'), with LAPACK's eps = 2^-24 (2^-53), the unit roundoff.
        T safmin = T.CreateTruncating(typeof(T) == typeof(float) ? Math.ScaleB(1.0, -102) : Math.ScaleB(1.0, -969));
        int knt = 0;
        if (T.Abs(beta) < safmin)
        {
            T rsafmn = T.One / safmin;
            do
            {
                knt++;
                for (int i = 0; i < tail.Length; i++)
                {
                    tail[i] *= rsafmn;
                }

                beta *= rsafmn;
                alpha *= rsafmn;
            }
            while (T.Abs(beta) < safmin && knt < 20);

            xnorm = Norm(tail);
            beta = T.Hypot(alpha, xnorm);
            beta = T.IsNegative(alpha) ? beta : -beta;
        }

        T tau = (beta - alpha) / beta;
        T scale = T.One / (alpha - beta);
        for (int i = 0; i < tail.Length; i++)
        {
            tail[i] *= scale;
        }

        for (int j = 0; j < knt; j++)
        {
            beta *= safmin;
        }

        x[0] = beta;
        return tau;
    }

    /// <summary>c = (I - tau v v^T) c with v_0 = 1 (whatever is stored there), LAPACK dlarf on one column.</summary>
    private static void ApplyReflector(ReadOnlySpan<T> v, T tau, Span<T> c)
    {
        T w = c[0];
        for (int i = 1; i < v.Length; i++)
        {
            w += v[i] * c[i];
        }

        w *= tau;
        c[0] -= w;
        for (int i = 1; i < v.Length; i++)
        {
            c[i] -= w * v[i];
        }
    }

    /// <summary>The 2-norm without overflow or harmful underflow (scaled by the largest magnitude, as dnrm2).</summary>
    private static T Norm(ReadOnlySpan<T> x)
    {
        T max = T.Zero;
        foreach (T v in x)
        {
            max = T.MaxMagnitudeNumber(max, v);
        }

        max = T.Abs(max);
        if (max == T.Zero)
        {
            return T.Zero;
        }

        // Accumulate in double for both types, scaled by 2^-ilogb(max) (exact): no overflow, and
        // no underflow of the squares that matter.
        int exponent = double.ILogB(double.CreateTruncating(max));
        double sum = 0;
        foreach (T v in x)
        {
            double d = Math.ScaleB(double.CreateTruncating(v), -exponent);
            sum += d * d;
        }

        return T.CreateTruncating(Math.ScaleB(Math.Sqrt(sum), exponent));
    }
}
