using System.Numerics;

namespace OrthoProj.Cpu;

/// <summary>
/// Pseudo-inverse through the SVD (Math.NET SingularValueDecomposition: LAPACK gesdd) and its
/// backward. Both work on each matrix scaled by a power of two (<see cref="PowerOfTwoScaling"/>)
/// and scale the result back exactly: pinv(2^e A) = 2^-e pinv(A), and the Golub-Pereyra gradient
/// is homogeneous (see <see cref="Backward{T}"/>).
/// </summary>
internal static class CpuPinv
{
    public static PinvResult<T> Pinv<T>(HostLinalg<T> la, HostMatrixBatch<T> a, RankTolerance tolerance, ParallelOptions parallel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = a.Rows, n = a.Cols;
        var x = new HostMatrixBatch<T>(n, m, a.Count);
        var rank = new int[a.Count];
        Parallel.For(0, a.Count, parallel, b =>
        {
            var svd = ThinSvd.Compute(la, a.GetMatrix(b), m, n, tolerance);
            rank[b] = svd.Rank;
            svd.PseudoInverse(la, x.GetMatrix(b));
        });
        return new PinvResult<T>(x, rank);
    }

    /// <summary>
    /// gA = -X^T G X^T + (I - A X) G^T X X^T + X^T X G^T (I - X A), with the products ordered so
    /// that every temporary is min(m, n) x min(m, n): for m &gt;= n through X X^T, G X^T and X A
    /// (n x n); for m &lt; n through X^T X, G^T X and A X (m x m). Ten gemms of 2 m n min(m, n)
    /// flops each.
    /// </summary>
    /// <remarks>
    /// Every term has degree 2 in X, 1 in G and 0 in A X, so gA(A, X, G) = 2^(2e - f)
    /// gA(2^e A, 2^-e X, 2^f G): e brings A to unit magnitude (then 2^-e X is the pseudo-inverse
    /// of a unit-magnitude matrix), f brings G there, and the result is scaled back once, exactly.
    /// Where the true gradient is out of range the result is +-Inf (or 0), never NaN.
    /// </remarks>
    public static HostMatrixBatch<T> Backward<T>(HostLinalg<T> la, HostMatrixBatch<T> a, HostMatrixBatch<T> x, HostMatrixBatch<T> g, ParallelOptions parallel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = a.Rows, n = a.Cols;
        var ga = new HostMatrixBatch<T>(m, n, a.Count);
        if (m == 0 || n == 0)
        {
            return ga;
        }

        Parallel.For(0, a.Count, parallel, b =>
        {
            T[] ab = a.GetMatrix(b).ToArray();
            T[] xb = x.GetMatrix(b).ToArray();
            T[] gb = g.GetMatrix(b).ToArray();
            int e = PowerOfTwoScaling.ScaleToUnit<T>(ab);
            PowerOfTwoScaling.Scale<T>(xb, -e);
            int f = PowerOfTwoScaling.ScaleToUnit<T>(gb);
            T[] result = m >= n ? TallBackward(la, ab, xb, gb, m, n) : WideBackward(la, ab, xb, gb, m, n);
            PowerOfTwoScaling.Scale<T>(result, (2 * e) - f);
            result.CopyTo(ga.GetMatrix(b));
        });
        return ga;
    }

    /// <summary>m &gt;= n: A m x n, X and G n x m; temporaries n x n.</summary>
    private static T[] TallBackward<T>(HostLinalg<T> la, T[] a, T[] x, T[] g, int m, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Term 1: -X^T (G X^T).
        T[] gxt = la.Mul(g, n, m, false, x, n, m, true);                    // n x n
        T[] result = la.Mul(x, n, m, true, gxt, n, n, false);                // m x n
        Negate(result);

        // Term 2: (I - A X) Z with Z = G^T (X X^T): Z - A (X Z).
        T[] xxt = la.Mul(x, n, m, false, x, n, m, true);                    // n x n
        T[] z = la.Mul(g, n, m, true, xxt, n, n, false);                     // m x n
        T[] xz = la.Mul(x, n, m, false, z, m, n, false);                     // n x n
        la.MulAdd(-T.One, a, m, n, false, xz, n, n, false, T.One, z);
        Add(result, z);

        // Term 3: X^T (X W) with W = G^T (I - X A) = G^T - G^T (X A).
        T[] xa = la.Mul(x, n, m, false, a, m, n, false);                     // n x n
        T[] w = HostLinalg<T>.Transposed(g, n, m);                           // m x n
        la.MulAdd(-T.One, g, n, m, true, xa, n, n, false, T.One, w);
        T[] xw = la.Mul(x, n, m, false, w, m, n, false);                     // n x n
        la.MulAdd(T.One, x, n, m, true, xw, n, n, false, T.One, result);
        return result;
    }

    /// <summary>m &lt; n: temporaries m x m.</summary>
    private static T[] WideBackward<T>(HostLinalg<T> la, T[] a, T[] x, T[] g, int m, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Term 1: -(G^T X)^T X^T.
        T[] gtx = la.Mul(g, n, m, true, x, n, m, false);                     // m x m
        T[] result = la.Mul(gtx, m, m, true, x, n, m, true);                 // m x n
        Negate(result);

        // Term 2: (I - A X) Z with Z = (G^T X) X^T: Z - (A X) Z.
        T[] z = la.Mul(gtx, m, m, false, x, n, m, true);                     // m x n
        T[] ax = la.Mul(a, m, n, false, x, n, m, false);                     // m x m
        T[] axz = la.Mul(ax, m, m, false, z, m, n, false);
        for (int i = 0; i < z.Length; i++)
        {
            z[i] -= axz[i];
        }

        Add(result, z);

        // Term 3: (X^T X) W with W = G^T - (G^T X) A.
        T[] xtx = la.Mul(x, n, m, true, x, n, m, false);                     // m x m
        T[] w = HostLinalg<T>.Transposed(g, n, m);                           // m x n
        la.MulAdd(-T.One, gtx, m, m, false, a, m, n, false, T.One, w);
        la.MulAdd(T.One, xtx, m, m, false, w, m, n, false, T.One, result);
        return result;
    }

    private static void Negate<T>(Span<T> a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = -a[i];
        }
    }

    private static void Add<T>(Span<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < a.Length; i++)
        {
            a[i] += b[i];
        }
    }
}

/// <summary>
/// The thin SVD of one matrix truncated to its numerical rank: U_r (m x r), s (r), V_r (n x r),
/// with the singular values above max(atol, rtol * s_max).
/// </summary>
internal sealed class ThinSvd<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public required int Rows { get; init; }

    public required int Cols { get; init; }

    public required int Rank { get; init; }

    /// <summary>U_r, m x r.</summary>
    public required T[] U { get; init; }

    /// <summary>Kept singular values, r.</summary>
    public required T[] S { get; init; }

    /// <summary>
    /// The exponent e of the scaling the SVD was computed under (<see cref="PowerOfTwoScaling"/>):
    /// the singular values of 2^e A are 2^e <see cref="S"/>, held in <see cref="ScaledS"/>.
    /// </summary>
    public required int ScaleExponent { get; init; }

    /// <summary>The kept singular values of 2^<see cref="ScaleExponent"/> A (unit magnitude range).</summary>
    public required T[] ScaledS { get; init; }

    /// <summary>V_r, n x r.</summary>
    public required T[] V { get; init; }

    /// <summary>
    /// Writes A+ = 2^e (V_r S'_r^-1) U_r^T (n x m) into <paramref name="destination"/>, one gemm
    /// over the scaled singular values S' and an exact scaling by 2^e.
    /// </summary>
    public void PseudoInverse(HostLinalg<T> la, Span<T> destination)
    {
        int m = Rows, n = Cols;
        var vs = new T[n * Rank];
        for (int l = 0; l < Rank; l++)
        {
            T inv = T.One / ScaledS[l];
            for (int i = 0; i < n; i++)
            {
                vs[(l * n) + i] = V[(l * n) + i] * inv;
            }
        }

        T[] x = la.Mul(vs, n, Rank, false, U, m, Rank, true);
        PowerOfTwoScaling.Scale<T>(x, ScaleExponent);
        x.CopyTo(destination);
    }
}

/// <summary>Builds <see cref="ThinSvd{T}"/>.</summary>
internal static class ThinSvd
{
    public static ThinSvd<T> Compute<T>(HostLinalg<T> la, ReadOnlySpan<T> a, int m, int n, RankTolerance tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The SVD of 2^e A, unit magnitude: U and V are A's, the singular values 2^e times A's.
        // Neither Math.NET's managed SVD (which fails to converge near the top of the range and
        // loses rank near the bottom) nor gesdd then sees extreme magnitudes.
        T[] scaled = a.ToArray();
        int e = PowerOfTwoScaling.ScaleToUnit<T>(scaled);
        var (s, u, vt) = la.Svd(scaled, m, n);
        double sMax = s.Length == 0 ? 0 : double.CreateTruncating(s[0]);
        double threshold = tolerance.Threshold<T>(m, n, sMax, e);
        int rank = 0;
        while (rank < s.Length && double.CreateTruncating(s[rank]) > threshold)
        {
            rank++;
        }

        // V_r = (first r rows of V^T)^T; V^T is k x n.
        int k = s.Length;
        var v = new T[n * rank];
        for (int l = 0; l < rank; l++)
        {
            for (int i = 0; i < n; i++)
            {
                v[(l * n) + i] = vt[(i * k) + l];
            }
        }

        T[] kept = s.AsSpan(0, rank).ToArray();
        T[] unscaled = (T[])kept.Clone();
        PowerOfTwoScaling.Scale<T>(unscaled, -e);
        return new ThinSvd<T>
        {
            Rows = m,
            Cols = n,
            Rank = rank,
            U = u.AsSpan(0, m * rank).ToArray(),
            S = unscaled,
            ScaleExponent = e,
            ScaledS = kept,
            V = v,
        };
    }
}
