using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrthoProj.Cpu.Batched;

/// <summary>
/// <see cref="BatchedQrProjector{T}"/> at W = TOps.Width lanes: Householder QR of a batch of small
/// m x n matrices (m &gt;= n, m &lt;= 64, n &lt;= 32) in lock-step across SIMD lanes, and every projector
/// operation fused per group of W matrices.
/// </summary>
/// <remarks>
/// <para>Layout: the batch is split into groups of W matrices; element (i, j) of the W matrices of a
/// group is one lane vector at index <c>group * m * n + j * m + i</c>. The last group is padded with
/// identity-like matrices ([I_n; 0], zero right-hand sides), which factor to R = I with tau = 0 and
/// never produce NaN.</para>
/// <para>Factorization: LAPACK geqr2/larfg (with one power-of-two rescale per lane, below, in place of
/// larfg's rescaling loop): for column k,
/// beta = -sign(alpha) * ||(alpha, x)||, tau = (beta - alpha) / beta, v = x / (alpha - beta), and
/// tau = 0 (H = I) where x = 0. The storage keeps v below the diagonal, R' = 2^e R on and above it, tau,
/// 1 / R'_kk and 2^e. The projector never forms Q (but for Matrix()): Q^T y and Q c apply the n
/// reflectors. Backend.Qr and QrBackward run on the same kernels without a stored factor (the
/// static FactorQr and QrBackward, BatchedQrEngine.Qr.cs and .QrBackward.cs).</para>
/// <para>Rank: |R_jj| &lt;= max(atol, rtol * max_j |R_jj|) (the rule of <see cref="Projection.BatchedProjector{T}"/>)
/// raises <see cref="RankDeficientException"/> for the lowest such matrix index.</para>
/// <para>Range: every lane is scaled by PowerOfTwoScaling's 2^e before the factorization (its largest
/// |a_ij| in [1, 2)) and the factor is kept scaled; every application of R^-1 or R^-T is scaled back
/// by 2^e, exactly. Column norms neither overflow nor underflow; columns far below the largest one
/// may still underflow to zero inside the norm, and then fail the rank check, as they should.</para>
/// </remarks>
internal sealed partial class BatchedQrEngine<T, TV, TOps> : BatchedQrProjector<T>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : unmanaged
    where TOps : struct, ILaneOps<TV, T>
{
    private readonly int m;
    private readonly int n;
    private readonly int count;
    private readonly int groups;
    // Per group, four sections: m * n of factors (reflectors below the diagonal, R' = 2^e R on and
    // above), n of tau, n of 1 / R'_kk and 2 of 2^e per lane (ScaleLanes); each section of all the
    // groups of a chunk contiguous (GroupStorage).
    private readonly GroupStorage<TV> storage;
    private readonly ParallelOptions parallel;

    /// <summary>Factors <paramref name="a"/>; <paramref name="maxChunkBytes"/> bounds each native chunk of lane storage (tests lower it).</summary>
    public BatchedQrEngine(CpuBackend backend, HostMatrixBatch<T> a, RankTolerance tolerance, ParallelOptions parallel, long maxChunkBytes)
        : base(backend, a)
    {
        m = a.Rows;
        n = a.Cols;
        count = a.Count;
        this.parallel = parallel;
        groups = (count + TOps.Width - 1) / TOps.Width;
        // Pooled when small: a fresh multi-megabyte array per projector costs page faults and zeroing on
        // every factorization; Gather and FactorGroup write every element of it, so stale contents never leak.
        storage = new GroupStorage<TV>(groups, [m * n, n, n, 2], maxChunkBytes);
        try
        {
            Factor(a, tolerance);
        }
        catch
        {
            // A rank-deficient matrix, or anything thrown mid-factorization: the storage is not handed out.
            storage.Dispose();
            throw;
        }
    }

    /// <summary>Factors every group, then raises <see cref="RankDeficientException"/> for the lowest rank-deficient index.</summary>
    private void Factor(HostMatrixBatch<T> a, RankTolerance tolerance)
    {
        int w = TOps.Width;
        var firstBad = new int[groups];
        (double atol, double rtol) = tolerance.Resolve<T>(m, n);
        TV margin = TOps.Broadcast(T.CreateTruncating(rtol * 1.001));     // once per factorization, not per group
        Parallel.For(0, groups, parallel, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (g) =>
        {
            Span<TV> f = MemoryMarshal.CreateSpan(ref Qr(g), m * n);
            Gather(a, g, f);
            int lanes = Math.Min(w, count - (g * w));
            PadWithIdentity(f, m, n, lanes);     // [I_n; 0] factors to R = I, tau = 0
            ScaleLanes(ref f[0], m * n, ref Up(g));
            FactorGroup(ref f[0], ref Tau(g), ref Rinv(g), m, n);

            firstBad[g] = atol == 0 && ClearlyFullRank(ref f[0], margin) ? -1 : FirstRankDeficientLane(g, lanes, tolerance, out _, out _);
        });

        for (int g = 0; g < groups; g++)
        {
            if (firstBad[g] >= 0)
            {
                int lanes = Math.Min(w, count - (g * w));
                FirstRankDeficientLane(g, lanes, tolerance, out int rank, out string detail);
                throw new RankDeficientException((g * w) + firstBad[g], rank, m, n, detail);
            }
        }
    }

    private ref TV Qr(int g) => ref storage.Section(g, 0);

    private ref TV Tau(int g) => ref storage.Section(g, 1);

    private ref TV Rinv(int g) => ref storage.Section(g, 2);

    private ref TV Up(int g) => ref storage.Section(g, 3);

    /// <inheritdoc/>
    private protected override bool ReadsRowMajor => true;

    /// <inheritdoc/>
    protected override MatrixBatch<T> ProjectCore(MatrixBatch<T> y, MatrixBatch<T>? output) =>
        y.Cols == 0 ? Output(Rows, 0, output) : Project((HostMatrixBatch<T>)y, output);

    /// <inheritdoc/>
    protected override MatrixBatch<T> ResidualCore(MatrixBatch<T> y, MatrixBatch<T>? output) =>
        y.Cols == 0 ? Output(Rows, 0, output) : Residual((HostMatrixBatch<T>)y, output);

    /// <inheritdoc/>
    protected override MatrixBatch<T> SolveCore(MatrixBatch<T> y, MatrixBatch<T>? output) =>
        y.Cols == 0 ? Output(Cols, 0, output) : Solve((HostMatrixBatch<T>)y, output);

    /// <inheritdoc/>
    protected override ProjectorGradients<T> ProjectBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradZ, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY) =>
        y.Cols == 0 ? ZeroGradients(gradA, gradY) : Backward((HostMatrixBatch<T>)y, (HostMatrixBatch<T>)gradZ, BackwardKind.Project, gradA, gradY);

    /// <inheritdoc/>
    protected override ProjectorGradients<T> ResidualBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradE, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY) =>
        y.Cols == 0 ? ZeroGradients(gradA, gradY) : Backward((HostMatrixBatch<T>)y, (HostMatrixBatch<T>)gradE, BackwardKind.Residual, gradA, gradY);

    /// <inheritdoc/>
    protected override ProjectorGradients<T> SolveBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradX, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY) =>
        y.Cols == 0 ? ZeroGradients(gradA, gradY) : Backward((HostMatrixBatch<T>)y, (HostMatrixBatch<T>)gradX, BackwardKind.Solve, gradA, gradY);

    /// <summary>Returns or frees the factor storage.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            storage.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>The gradients when Y has no columns: gA = 0 (m x n), gy empty (m x 0).</summary>
    private ProjectorGradients<T> ZeroGradients(MatrixBatch<T>? gradA, MatrixBatch<T>? gradY)
    {
        HostMatrixBatch<T> zeros = Output(Rows, Cols, gradA);
        zeros.Span.Clear();
        return new(zeros, Output(Rows, 0, gradY));
    }

    /// <summary>
    /// The caller's output, or a pooled batch without zeroing: Scatter writes every element of every
    /// matrix, and zeroing a multi-megabyte result first would cost as much as writing it.
    /// </summary>
    private HostMatrixBatch<T> Output(int rows, int cols, MatrixBatch<T>? output)
    {
        if (output is not null)
        {
            return (HostMatrixBatch<T>)output;
        }

        return Rent(Backend, rows, cols, count);
    }

    /// <summary>
    /// A result batch from the pool, not zeroed (the scatter writes every element), counted in
    /// <see cref="Backend.ResultAllocations"/> (tests check that given outputs take its place).
    /// </summary>
    private static HostMatrixBatch<T> Rent(Backend backend, int rows, int cols, int count)
    {
        backend.CountResultAllocation();
        return HostMatrixBatch<T>.Rent(rows, cols, count, backend, clear: false);
    }

    /// <summary>double.CreateTruncating without the generic conversion call (it does not inline).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ToDouble(T value) =>
        typeof(T) == typeof(float) ? Unsafe.As<T, float>(ref value) : Unsafe.As<T, double>(ref value);

    /// <summary>Runs <paramref name="body"/> for every group with a per-worker scratch of <paramref name="scratch"/> lane vectors.</summary>
    private void ForGroups(int scratch, Action<int, Span<TV>> body) => ForGroups(groups, parallel, scratch, body);

    /// <summary>Runs <paramref name="body"/> for <paramref name="groups"/> groups with a per-worker scratch of <paramref name="scratch"/> lane vectors.</summary>
    private static void ForGroups(int groups, ParallelOptions parallel, int scratch, Action<int, Span<TV>> body) =>
        Parallel.For(
            0,
            groups,
            parallel,
            () => PinnedLanes<TV>.Rent(scratch),
            (g, _, s) =>
            {
                body(g, s.Span);
                return s;
            },
            s => s.Dispose());
}
