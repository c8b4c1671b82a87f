using System.Numerics;

namespace OrthoProj.Cpu;

/// <summary>Pseudo-inverse through the SVD (Math.NET SingularValueDecomposition: LAPACK gesdd) and its backward.</summary>
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
            svd.PseudoInverse(x.GetMatrix(b));
        });
        return new PinvResult<T>(x, rank);
    }

    /// <summary>
    /// gA = -X^T G X^T + (I - A X) G^T X X^T + X^T X G^T (I - X A), with the m x m products
    /// G^T X and X^T X formed once so that no temporary is larger than m x n or n x n.
    /// </summary>
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

            T[] gtx = la.Mul(gb, n, m, true, xb, n, m, false);      // G^T X, m x m
            T[] xtx = la.Mul(xb, n, m, true, xb, n, m, false);      // X^T X, m x m

            // Term 1: -X^T G X^T = -(G^T X)^T X^T = -(X (G^T X))^T.
            T[] result = la.Mul(gtx, m, m, true, xb, n, m, true);   // (G^T X)^T X^T, m x n
            Negate(result);

            // Term 2: (I - A X) Z with Z = (G^T X) X^T, m x n: Z - A (X Z).
            T[] z = la.Mul(gtx, m, m, false, xb, n, m, true);
            T[] xz = la.Mul(xb, n, m, false, z, m, n, false);       // n x n
            la.MulAdd(-T.One, ab, m, n, false, xz, n, n, false, T.One, z);
            Add(result, z);

            // Term 3: (X^T X) W with W = G^T (I - X A) = G^T - (G^T X) A, m x n.
            T[] w = HostLinalg<T>.Transposed(gb, n, m);
            la.MulAdd(-T.One, gtx, m, m, false, ab, m, n, false, T.One, w);
            la.MulAdd(T.One, xtx, m, m, false, w, m, n, false, T.One, result);

            result.CopyTo(ga.GetMatrix(b));
        });
        return ga;
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

    /// <summary>V_r, n x r.</summary>
    public required T[] V { get; init; }

    /// <summary>Writes A+ = V_r S_r^-1 U_r^T (n x m) into <paramref name="destination"/>.</summary>
    public void PseudoInverse(Span<T> destination)
    {
        int m = Rows, n = Cols;
        destination.Clear();
        for (int l = 0; l < Rank; l++)
        {
            T inv = T.One / S[l];
            for (int j = 0; j < m; j++)
            {
                T uj = U[(l * m) + j] * inv;
                Span<T> col = destination.Slice(j * n, n);
                ReadOnlySpan<T> vl = V.AsSpan(l * n, n);
                for (int i = 0; i < n; i++)
                {
                    col[i] += vl[i] * uj;
                }
            }
        }
    }
}

/// <summary>Builds <see cref="ThinSvd{T}"/>.</summary>
internal static class ThinSvd
{
    public static ThinSvd<T> Compute<T>(HostLinalg<T> la, ReadOnlySpan<T> a, int m, int n, RankTolerance tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (s, u, vt) = la.Svd(a.ToArray(), m, n);
        double sMax = s.Length == 0 ? 0 : double.CreateTruncating(s[0]);
        double threshold = tolerance.Threshold<T>(m, n, sMax);
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

        return new ThinSvd<T>
        {
            Rows = m,
            Cols = n,
            Rank = rank,
            U = u.AsSpan(0, m * rank).ToArray(),
            S = s.AsSpan(0, rank).ToArray(),
            V = v,
        };
    }
}
