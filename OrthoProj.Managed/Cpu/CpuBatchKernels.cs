using System.Runtime.CompilerServices;
using OrthoProj.Cpu.Providers;

namespace OrthoProj.Cpu;

/// <summary>
/// The CPU's batched primitives: each one runs its LAPACK/BLAS routine (<see cref="CpuLapack{T}"/>)
/// matrix by matrix, over the batch in parallel (the backend's degree of parallelism), on host
/// memory in place. Scratch comes from the shared array pool and goes back when the Run that took
/// it returns (the contract of <see cref="IBatchOps{T}.Scratch"/>, as CUDA's frame keeps it): a fresh
/// multi-megabyte array per temporary cost page faults and collections (12 % of a 2048 x 512 pinv).
/// </summary>
internal sealed class CpuBatchKernels<T>(CpuBackend backend, CpuLapack<T> lapack, ParallelOptions parallel) : BatchKernels<T>, IBatchOps<T>
    where T : unmanaged, INumberBase<T>
{
    // ormqr/orm2r set each reflector's diagonal to one while they run and restore it after, so two
    // threads applying the same reflectors at once would race: applications are serialized per
    // factor (a projector used from one thread never waits).
    private static readonly ConditionalWeakTable<MatrixBatch<T>, Lock> ReflectorLocks = new();

    public override Backend Backend => backend;

    /// <summary>On the CPU, ormqr per right-hand side costs less than forming Q with orgqr.</summary>
    public override bool KeepsReflectors(int m, int n) => lapack.SupportsReflectors;

    public override bool CanProveFullRank => true;

    /// <summary>The scratch this scope rented, returned when its Run ends; null on the shared instance.</summary>
    private List<HostMatrixBatch<T>>? scratch;

    /// <summary>Runs <paramref name="body"/> on a scope of its own, whose scratch goes back to the pool when it returns or throws.</summary>
    public override TResult Run<TResult>(Func<IBatchOps<T>, TResult> body)
    {
        var scope = new CpuBatchKernels<T>(backend, lapack, parallel) { scratch = [] };
        try
        {
            return body(scope);
        }
        finally
        {
            foreach (HostMatrixBatch<T> batch in scope.scratch)
            {
                batch.Dispose();
            }
        }
    }

    public MatrixBatch<T> Allocate(int rows, int cols, int count)
    {
        backend.CountResultAllocation();
        return HostMatrixBatch<T>.Rent(rows, cols, count, backend, clear: true);
    }

    public MatrixBatch<T> Scratch(int rows, int cols, int count, bool zeroed = false)
    {
        var batch = HostMatrixBatch<T>.Rent(rows, cols, count, backend, zeroed);
        (scratch ?? throw new InvalidOperationException("Scratch outside Run: nothing would return it to the pool.")).Add(batch);
        return batch;
    }

    public void Clear(MatrixBatch<T> x) => Host(x).Span.Clear();

    public void Copy(MatrixBatch<T> source, MatrixBatch<T> destination) => Host(source).Span.CopyTo(Host(destination).Span);

    public void CopyBlock(MatrixBatch<T> source, MatrixBatch<T> destination)
    {
        int rows = Math.Min(source.Rows, destination.Rows), cols = Math.Min(source.Cols, destination.Cols);
        ForEach(source.Count, (b, s, d) =>
        {
            d.Clear();
            for (int j = 0; j < cols; j++)
            {
                s.Slice(j * source.Rows, rows).CopyTo(d.Slice(j * destination.Rows, rows));
            }
        }, source, destination);
    }

    public void CopyColumns(MatrixBatch<T> source, int sourceColumn, MatrixBatch<T> destination, int destinationColumn, int columns)
    {
        int rows = source.Rows;
        ForEach(source.Count, (b, s, d) => s.Slice(sourceColumn * rows, columns * rows).CopyTo(d.Slice(destinationColumn * rows)), source, destination);
    }

    public void HermitianFromUpper(MatrixBatch<T> x) => ForEach(x.Count, (b, d, _) =>
    {
        int k = x.Rows;
        for (int j = 0; j < k; j++)
        {
            for (int i = j + 1; i < k; i++)
            {
                d[(j * k) + i] = Element<T>.Conjugate(d[(i * k) + j]);
            }

            if (Element<T>.IsComplex)
            {
                d[(j * k) + j] = Element<T>.FromReal(Element<T>.Real(d[(j * k) + j]));
            }
        }
    }, x, x);

    public void SetIdentity(MatrixBatch<T> x) => ForEach(x.Count, (b, d, _) =>
    {
        d.Clear();
        for (int i = 0; i < Math.Min(x.Rows, x.Cols); i++)
        {
            d[(i * x.Rows) + i] = T.One;
        }
    }, x, x);

    public void Transpose(MatrixBatch<T> source, MatrixBatch<T> destination) =>
        ForEach(source.Count, (b, s, d) => BlockTranspose.Matrices<T>(s, d, source.Rows, source.Cols), source, destination);

    public void Adjoint(MatrixBatch<T> source, MatrixBatch<T> destination) => ForEach(source.Count, (b, s, d) =>
    {
        BlockTranspose.Matrices<T>(s, d, source.Rows, source.Cols);
        if (Element<T>.IsComplex)
        {
            for (int i = 0; i < d.Length; i++)
            {
                d[i] = Element<T>.Conjugate(d[i]);
            }
        }
    }, source, destination);

    public void Gemm(bool adjointA, bool adjointB, T alpha, MatrixBatch<T> a, MatrixBatch<T> b, T beta, MatrixBatch<T> c)
    {
        int k = adjointA ? a.Rows : a.Cols;
        ForEach(c.Count, (i, cs, _) => lapack.Gemm(adjointA, adjointB, c.Rows, c.Cols, k, alpha, Host(a).GetMatrix(i), Host(b).GetMatrix(i), beta, cs), c, c);
    }

    public void Axpy(T alpha, MatrixBatch<T> x, MatrixBatch<T> y)
    {
        Span<T> ys = Host(y).Span;
        ReadOnlySpan<T> xs = Host(x).Span;
        for (int i = 0; i < ys.Length; i++)
        {
            ys[i] += alpha * xs[i];
        }
    }

    public void SolveUpper(MatrixBatch<T> r, bool adjoint, MatrixBatch<T> b, bool right = false) =>
        ForEach(b.Count, (i, bs, _) => lapack.SolveUpper(Host(r).GetMatrix(i), r.Rows, adjoint, right, bs, b.Rows, b.Cols), b, b);

    public void ScaleByPowerOfTwo(MatrixBatch<T> x, BatchInts e1, int c1, BatchInts? e2 = null, int c2 = 0)
    {
        int[] first = e1.ToHost(), second = e2?.ToHost() ?? new int[x.Count];
        ForEach(x.Count, (b, d, _) => PowerOfTwoScaling.Scale<T>(d, d, (c1 * first[b]) + (c2 * second[b])), x, x);
    }

    public BatchInts ScaleToUnit(MatrixBatch<T> source, MatrixBatch<T> destination)
    {
        var e = new int[source.Count];
        ForEach(source.Count, (b, s, d) => e[b] = PowerOfTwoScaling.ScaleToUnit<T>(s, d), source, destination);
        return new HostBatchInts(e);
    }

    public BatchInts ScaleToUnit(MatrixBatch<T> a, MatrixBatch<T> b, BatchInts s)
    {
        int[] shift = s.ToHost(), f = new int[a.Count];
        ForEach(a.Count, (i, sa, sb) =>
        {
            // The magnitudes ilogb(max |a|) and ilogb(max |2^-s b|); an all-zero matrix has none.
            int ma = PowerOfTwoScaling.MagnitudeOfMax<T>(sa), mb = PowerOfTwoScaling.MagnitudeOfMax<T>(sb);
            int magnitude = Math.Max(ma, mb == int.MinValue ? int.MinValue : mb - shift[i]);
            f[i] = magnitude == int.MinValue ? 0 : -magnitude;
            PowerOfTwoScaling.Scale<T>(sa, sa, f[i]);
            PowerOfTwoScaling.Scale<T>(sb, sb, f[i] - shift[i]);
        }, a, b);
        return new HostBatchInts(f);
    }

    public void ScaleColumns(MatrixBatch<T> x, MatrixBatch<T> factors) => ForEach(x.Count, (b, d, f) =>
    {
        for (int j = 0; j < x.Cols; j++)
        {
            Span<T> column = d.Slice(j * x.Rows, x.Rows);
            for (int i = 0; i < column.Length; i++)
            {
                column[i] *= f[j];
            }
        }
    }, x, factors);

    public void ZeroWhereFullRank(MatrixBatch<T> x, BatchInts rank, int full)
    {
        int[] r = rank.ToHost();
        ForEach(x.Count, (b, d, _) =>
        {
            if (r[b] >= full)
            {
                d.Clear();
            }
        }, x, x);
    }

    public void KeepSecondPassColumns(MatrixBatch<T> e, MatrixBatch<T> y, MatrixBatch<T> t) => ForEach(t.Count, (b, ts, _) =>
    {
        ReadOnlySpan<T> es = Host(e).GetMatrix(b), ys = Host(y).GetMatrix(b);
        int m = e.Rows;
        for (int j = 0; j < t.Cols; j++)
        {
            if (!Projection.ResidualPolicy.NeedsSecondPass(SumOfSquares(es.Slice(j * m, m)), SumOfSquares(ys.Slice(j * m, m))))
            {
                ts.Slice(j * t.Rows, t.Rows).Clear();
            }
        }
    }, t, t);

    public void Geqrf(MatrixBatch<T> a, MatrixBatch<T> tau) =>
        ForEach(a.Count, (b, s, t) => lapack.Geqrf(s, a.Rows, a.Cols, t), a, tau);

    public void Ormqr(bool adjoint, MatrixBatch<T> reflectors, MatrixBatch<T> tau, MatrixBatch<T> c)
    {
        lock (ReflectorLocks.GetValue(reflectors, _ => new Lock()))
        {
            ForEach(c.Count, (b, cs, t) => lapack.Ormqr(adjoint, Host(reflectors).GetMatrix(b), reflectors.Rows, reflectors.Cols, t, cs, c.Cols), c, tau);
        }
    }

    public BatchInts Qr(MatrixBatch<T> a, MatrixBatch<T> q, MatrixBatch<T> r)
    {
        int m = a.Rows, n = a.Cols;
        var e = new int[a.Count];
        ForEach(a.Count, (b, qs, rs) =>
        {
            // Each matrix scaled and factored while it is in cache; the complete Q leaves R in a copy.
            Span<T> work = q.Cols == n ? qs : new T[m * n];
            e[b] = PowerOfTwoScaling.ScaleToUnit<T>(Host(a).GetMatrix(b), work);
            if (q.Cols == n)
            {
                lapack.ThinQr(qs, m, n, rs);
                return;
            }

            lapack.FullQr(work, m, n, qs);
            work.CopyTo(rs);
        }, q, r);
        return new HostBatchInts(e);
    }

    public void ThinSvd(MatrixBatch<T> a, MatrixBatch<T> u, MatrixBatch<T> s, MatrixBatch<T> v) =>
        ForEach(a.Count, (b, sa, ss) => lapack.ThinSvd(sa, a.Rows, a.Cols, Host(u).GetMatrix(b), ss, Host(v).GetMatrix(b)), a, s);

    public int[] QrRank(MatrixBatch<T> r, BatchInts exponents, RankTolerance tolerance, int m, int n, out string firstDetail, out int firstDeficient)
    {
        int[] e = exponents.ToHost();
        var rank = new int[r.Count];
        var details = new string[r.Count];
        ForEach(r.Count, (b, rs, _) => rank[b] = tolerance.QrRank<T>(rs, r.Rows + 1, m, n, out details[b], e[b]), r, r);
        firstDeficient = Array.FindIndex(rank, x => x < n);
        firstDetail = firstDeficient < 0 ? string.Empty : details[firstDeficient];
        return rank;
    }

    public bool ProvesFullRank(MatrixBatch<T> r, MatrixBatch<T> rinv, BatchInts exponents, RankTolerance tolerance, int m, int n)
    {
        int[] e = exponents.ToHost();
        var proven = new bool[r.Count];
        ForEach(r.Count, (b, rs, ris) => proven[b] = tolerance.ProvesFullRank<T>(m, n, Math.Sqrt(SumOfSquares(rs)), Math.Sqrt(SumOfSquares(ris)), e[b]), r, rinv);
        return Array.TrueForAll(proven, p => p);
    }

    public BatchInts SvdRank(MatrixBatch<T> s, BatchInts exponents, RankTolerance tolerance, int m, int n, MatrixBatch<T> keep, MatrixBatch<T> inverse)
    {
        int[] e = exponents.ToHost();
        var rank = new int[s.Count];
        ForEach(s.Count, (b, ss, ks) =>
        {
            Span<T> inv = Host(inverse).GetMatrix(b);
            double threshold = tolerance.Threshold<T>(m, n, ss.Length == 0 ? 0 : Element<T>.Real(ss[0]), e[b]);
            for (int l = 0; l < ss.Length; l++)
            {
                bool kept = Element<T>.Real(ss[l]) > threshold;
                rank[b] += kept ? 1 : 0;
                ks[l] = kept ? T.One : T.Zero;
                inv[l] = kept ? T.One / ss[l] : T.Zero;
            }
        }, s, keep);
        return new HostBatchInts(rank);
    }

    private static HostMatrixBatch<T> Host(MatrixBatch<T> x) => (HostMatrixBatch<T>)x;

    /// <summary>sum |x_i|^2 in double.</summary>
    private static double SumOfSquares(ReadOnlySpan<T> x)
    {
        double sum = 0;
        foreach (T v in x)
        {
            sum += Element<T>.AbsSquared(v);
        }

        return sum;
    }

    /// <summary>Runs body(b, first[b], second[b]) for every matrix b, in parallel when the batch has several.</summary>
    private void ForEach(int count, SpanAction body, MatrixBatch<T> first, MatrixBatch<T> second)
    {
        HostMatrixBatch<T> f = Host(first), s = Host(second);
        if (count == 1 || parallel.MaxDegreeOfParallelism == 1)
        {
            for (int b = 0; b < count; b++)
            {
                body(b, f.GetMatrix(b), s.GetMatrix(b));
            }

            return;
        }

        Parallel.For(0, count, parallel, b => body(b, f.GetMatrix(b), s.GetMatrix(b)));
    }

    private delegate void SpanAction(int b, Span<T> first, Span<T> second);
}
