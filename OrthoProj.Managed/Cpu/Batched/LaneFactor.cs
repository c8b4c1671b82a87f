using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrthoProj.Cpu.Batched;

/// <summary>
/// The projector's factor in the lanes, the counterpart of <see cref="Projection.BasisFactory.FromQr{T}"/>
/// and <see cref="Projection.HouseholderBasis{T}"/>: 2^e A = Q R' per lane, Q kept as reflectors (U = Q's
/// first n columns, W = R^-1), and the basis's operations on one column of one group.
/// </summary>
/// <remarks>
/// Layout: the batch is split into groups of W matrices; element (i, j) of the W matrices of a group is
/// one lane vector. The last group is padded with [I_n; 0], which factors to R = I with tau = 0 and never
/// produces NaN. Per group, four sections (<see cref="GroupStorage{TV}"/>): m n of factors (reflectors
/// below the diagonal, R' = 2^e R on and above), n of tau, n of 1 / R'_kk and 2 of 2^e per lane.
/// </remarks>
internal sealed class LaneFactor<T, TV, TOps> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : unmanaged
    where TOps : struct, ILaneOps<TV, T>
{
    private readonly GroupStorage<TV> storage;

    /// <summary>Factors <paramref name="a"/> (m &gt;= n); <paramref name="maxChunkBytes"/> bounds each native chunk of lane storage.</summary>
    /// <exception cref="RankDeficientException">The lowest rank-deficient matrix index.</exception>
    public LaneFactor(HostMatrixBatch<T> a, RankTolerance tolerance, ParallelOptions parallel, long maxChunkBytes)
    {
        Rows = a.Rows;
        Cols = a.Cols;
        Count = a.Count;
        Parallel = parallel;
        Groups = LaneGroups.Count(Count, TOps.Width);
        // Pooled when small: Gather and Geqrf write every element of it, so stale contents never leak.
        storage = new GroupStorage<TV>(Groups, [Rows * Cols, Cols, Cols, 2], maxChunkBytes);
        try
        {
            FromQr(a, tolerance);
        }
        catch
        {
            storage.Dispose();
            throw;
        }
    }

    public int Rows { get; }

    public int Cols { get; }

    public int Count { get; }

    public int Groups { get; }

    public ParallelOptions Parallel { get; }

    /// <summary>The reflectors and R' of group g (m x n).</summary>
    public ref TV Qr(int g) => ref storage.Section(g, 0);

    /// <summary>tau of group g (n).</summary>
    public ref TV Tau(int g) => ref storage.Section(g, 1);

    /// <summary>1 / R'_kk of group g (n).</summary>
    public ref TV Rinv(int g) => ref storage.Section(g, 2);

    /// <summary>2^e of group g as two factors per lane (<see cref="Lanes{T, TV, TOps}.Scaling.ScaleToUnit"/>).</summary>
    public ref TV Up(int g) => ref storage.Section(g, 3);

    /// <summary>The basis of group g: U, W and the residual on its columns (<see cref="LaneBasis{T, TV, TOps}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public LaneBasis<T, TV, TOps> Group(int g) => new(ref Qr(g), ref Tau(g), ref Rinv(g), ref Up(g), Rows, Cols);

    /// <summary>Returns or frees the factor storage.</summary>
    public void Dispose() => storage.Dispose();

    /// <summary>Per group: Copy (gather), pad, ScaleToUnit, Geqrf, then the QR rank rule for the batch.</summary>
    private void FromQr(HostMatrixBatch<T> a, RankTolerance tolerance)
    {
        int m = Rows, n = Cols, w = TOps.Width;
        var firstBad = new int[Groups];
        (double atol, double rtol) = tolerance.Resolve<T>(m, n);
        TV margin = TOps.Broadcast(T.CreateTruncating(rtol * 1.001));     // once per factorization, not per group
        System.Threading.Tasks.Parallel.For(0, Groups, Parallel, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g) =>
        {
            Span<TV> f = MemoryMarshal.CreateSpan(ref Qr(g), m * n);
            Lanes<T, TV, TOps>.Layout.Gather(a, g, f);
            int lanes = LaneGroups.Lanes(g, Count, w);
            Lanes<T, TV, TOps>.Layout.PadWithIdentity(f, m, n, lanes);     // [I_n; 0] factors to R = I, tau = 0
            Lanes<T, TV, TOps>.Scaling.ScaleToUnit(ref f[0], m * n, ref Up(g));
            Lanes<T, TV, TOps>.Householder.Geqrf(ref f[0], ref Tau(g), ref Rinv(g), m, n);
            firstBad[g] = atol == 0 && Lanes<T, TV, TOps>.Rank.ClearlyFullRank(ref f[0], m, n, margin) ? -1 : QrRank(g, tolerance, out _, out _);
        });

        for (int g = 0; g < Groups; g++)
        {
            if (firstBad[g] >= 0)
            {
                QrRank(g, tolerance, out int rank, out string detail);
                throw new RankDeficientException((g * w) + firstBad[g], rank, m, n, detail);
            }
        }
    }

    /// <summary>The first rank-deficient lane of group g, or -1 (<see cref="Lanes{T, TV, TOps}.Rank.FirstDeficientLane"/>).</summary>
    private int QrRank(int g, RankTolerance tolerance, out int rank, out string detail)
    {
        Span<int> e = stackalloc int[TOps.Width];
        Lanes<T, TV, TOps>.Scaling.Exponents(ref Up(g), e);
        return Lanes<T, TV, TOps>.Rank.FirstDeficientLane(ref Qr(g), Rows, Rows, Cols, LaneGroups.Lanes(g, Count, TOps.Width), e, tolerance, out rank, out detail);
    }
}
