using System.Numerics;
using OrthoProj.Bench.Harness;
using OrthoProj.Native;

namespace OrthoProj.Bench.Targets;

/// <summary>
/// LAPACK geqrf / geqrf + orgqr straight through OrthoProj.Native's raw bindings (LapackInterop),
/// with the workspace queried once per case and reused: the least any QR-based method can cost on
/// this library. Each timed call first restores A (one memcpy per matrix; geqrf overwrites it).
/// Matrices of a batch run one after another on one thread, or over the batch with
/// Parallel.For when more threads are given; the library's own thread count is set to the same.
/// </summary>
internal sealed unsafe class LapackFloor : IFloor
{
    private readonly int threads;

    private LapackFloor(int threads, string description)
    {
        this.threads = threads;
        Description = description;
    }

    public string Description { get; }

    public static IFloor? TryCreate(int threads, out string reason)
    {
        var trace = new List<string>();
        if (!NativeLapack.TryVerify(trace))
        {
            reason = "no native LAPACK: " + (trace.Count > 0 ? trace[^1] : "not found");
            return null;
        }

        bool set = NativeLapack.SetThreads(threads);
        string control = set ? $"{NativeLapack.GetThreads()} thread(s) via {NativeLapack.ThreadControl}" : "no thread control (library default)";
        reason = string.Empty;
        return new LapackFloor(threads, $"LAPACK {LapackLibraries.LapackPath} ({control}), raw geqrf/orgqr bindings");
    }

    public ResultRow Run(BenchCase c, bool withOrgqr, RepPolicy policy, int seed)
    {
        if (c.Shape.M < c.Shape.N)
        {
            return ResultRow.Absent(c, Implementations.Floor, "the QR floor is defined for m >= n");
        }

        try
        {
            return c.Dtype == Dtype.F32 ? Run<float>(c, withOrgqr, policy, seed) : Run<double>(c, withOrgqr, policy, seed);
        }
        catch (Exception ex) when (ex is LapackException or InvalidOperationException or DllNotFoundException or EntryPointNotFoundException)
        {
            return ResultRow.Failed(c, Implementations.Floor, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private ResultRow Run<T>(BenchCase c, bool withOrgqr, RepPolicy policy, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (count, m, n, _) = c.Shape;
        int len = m * n;
        using var host = Inputs.Uniform<T>(m, n, count, seed);
        T[] source = host.Span.ToArray();
        T[] work = new T[source.Length];
        T[] tau = new T[n * count];
        int lwork = Math.Max(Query<T>(m, n, withOrgqr), 1);
        int lanes = threads > 1 && count > 1 ? threads : 1;
        T[][] workspaces = Enumerable.Range(0, lanes).Select(_ => new T[lwork]).ToArray();

        void One(int b, T[] ws)
        {
            source.AsSpan(b * len, len).CopyTo(work.AsSpan(b * len, len));
            int mm = m, nn = n, lda = m, lw = lwork, info = 0;
            fixed (T* pa = &work[b * len], pt = &tau[b * n], pw = ws)
            {
                if (typeof(T) == typeof(double))
                {
                    LapackInterop.dgeqrf_(&mm, &nn, (double*)pa, &lda, (double*)pt, (double*)pw, &lw, &info);
                    if (withOrgqr && info == 0)
                    {
                        LapackInterop.dorgqr_(&mm, &nn, &nn, (double*)pa, &lda, (double*)pt, (double*)pw, &lw, &info);
                    }
                }
                else
                {
                    LapackInterop.sgeqrf_(&mm, &nn, (float*)pa, &lda, (float*)pt, (float*)pw, &lw, &info);
                    if (withOrgqr && info == 0)
                    {
                        LapackInterop.sorgqr_(&mm, &nn, &nn, (float*)pa, &lda, (float*)pt, (float*)pw, &lw, &info);
                    }
                }
            }

            if (info != 0)
            {
                throw new InvalidOperationException($"{(withOrgqr ? "geqrf/orgqr" : "geqrf")} returned INFO = {info} for matrix {b}.");
            }
        }

        void Call()
        {
            if (lanes == 1)
            {
                for (int b = 0; b < count; b++)
                {
                    One(b, workspaces[0]);
                }
            }
            else
            {
                int chunk = (count + lanes - 1) / lanes;
                Parallel.For(0, lanes, new ParallelOptions { MaxDegreeOfParallelism = lanes }, lane =>
                {
                    for (int b = lane * chunk; b < Math.Min(count, (lane + 1) * chunk); b++)
                    {
                        One(b, workspaces[lane]);
                    }
                });
            }
        }

        TimingStats stats = Sampler.Run(HostClock.Instance, policy, Call);
        return new ResultRow
        {
            CaseId = c.Id,
            Implementation = Implementations.Floor,
            Status = RowStatus.Ok,
            Note = (withOrgqr ? "geqrf+orgqr" : "geqrf") + " (LAPACK, raw bindings)",
            SamplesSeconds = stats.Samples,
            Warmup = stats.Warmup,
            Threads = threads,
        };
    }

    /// <summary>LWORK for geqrf (and orgqr) from LAPACK's workspace query (LWORK = -1).</summary>
    private static int Query<T>(int m, int n, bool withOrgqr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int mm = m, nn = n, lda = m, query = -1, info = 0;
        T size = default, size2 = default, dummy = default;
        if (typeof(T) == typeof(double))
        {
            LapackInterop.dgeqrf_(&mm, &nn, (double*)&dummy, &lda, (double*)&dummy, (double*)&size, &query, &info);
            if (withOrgqr)
            {
                LapackInterop.dorgqr_(&mm, &nn, &nn, (double*)&dummy, &lda, (double*)&dummy, (double*)&size2, &query, &info);
            }
        }
        else
        {
            LapackInterop.sgeqrf_(&mm, &nn, (float*)&dummy, &lda, (float*)&dummy, (float*)&size, &query, &info);
            if (withOrgqr)
            {
                LapackInterop.sorgqr_(&mm, &nn, &nn, (float*)&dummy, &lda, (float*)&dummy, (float*)&size2, &query, &info);
            }
        }

        return (int)Math.Max(double.CreateTruncating(size), double.CreateTruncating(size2));
    }
}
