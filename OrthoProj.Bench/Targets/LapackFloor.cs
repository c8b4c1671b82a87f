using System.Numerics;
using OrthoProj.Bench.Harness;
using OrthoProj.Native;

namespace OrthoProj.Bench.Targets;

/// <summary>
/// LAPACK geqrf / geqrf + orgqr straight through OrthoProj.Native's raw bindings (LapackInterop):
/// s/d routines for float and double, c/z geqrf and ungqr (orgqr's complex name) for complex64 and
/// complex128,
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
            return c.Dtype switch
            {
                Dtype.F32 => Run<float>(c, withOrgqr, policy, seed),
                Dtype.F64 => Run<double>(c, withOrgqr, policy, seed),
                Dtype.C64 => Run<Complex64>(c, withOrgqr, policy, seed),
                Dtype.C128 => Run<Complex>(c, withOrgqr, policy, seed),
                _ => throw new ArgumentOutOfRangeException(nameof(c), c.Dtype, null),
            };
        }
        catch (Exception ex) when (ex is LapackException or InvalidOperationException or DllNotFoundException or EntryPointNotFoundException)
        {
            return ResultRow.Failed(c, Implementations.Floor, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private ResultRow Run<T>(BenchCase c, bool withOrgqr, RepPolicy policy, int seed)
        where T : unmanaged, INumberBase<T>
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
            int mm = m, nn = n, lda = m, lw = lwork, info;
            fixed (T* pa = &work[b * len], pt = &tau[b * n], pw = ws)
            {
                info = Factor(&mm, &nn, pa, &lda, pt, pw, &lw);
                if (withOrgqr && info == 0)
                {
                    info = FormQ(&mm, &nn, pa, &lda, pt, pw, &lw);
                }
            }

            if (info != 0)
            {
                throw new InvalidOperationException($"{RoutineNames<T>(withOrgqr)} returned INFO = {info} for matrix {b}.");
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
            Note = RoutineNames<T>(withOrgqr) + " (LAPACK, raw bindings)" + (!Inputs.IsComplex<T>() ? string.Empty
                : withOrgqr ? "; ungqr is orgqr's complex name"
                : "; the factorization alone, as for the real rows (no unmqr: the floor is what every QR-based method needs at least)"),
            SamplesSeconds = stats.Samples,
            Warmup = stats.Warmup,
            Threads = threads,
        };
    }

    /// <summary>LWORK for geqrf (and orgqr/ungqr) from LAPACK's workspace query (LWORK = -1; the real part of WORK(1) for complex routines).</summary>
    private static int Query<T>(int m, int n, bool withOrgqr)
        where T : unmanaged, INumberBase<T>
    {
        int mm = m, nn = n, lda = m, query = -1;
        T size = default, size2 = default, dummy = default;
        _ = Factor(&mm, &nn, &dummy, &lda, &dummy, &size, &query);
        if (withOrgqr)
        {
            _ = FormQ(&mm, &nn, &dummy, &lda, &dummy, &size2, &query);
        }

        return (int)Math.Max(Inputs.AsComplex(size).Real, Inputs.AsComplex(size2).Real);
    }

    /// <summary>"sgeqrf+sorgqr", "zgeqrf+zungqr", ...: the routines a row of this element type times.</summary>
    private static string RoutineNames<T>(bool withOrgqr)
    {
        (string letter, string formQ) = typeof(T) == typeof(float) ? ("s", "orgqr")
            : typeof(T) == typeof(double) ? ("d", "orgqr")
            : typeof(T) == typeof(Complex64) ? ("c", "ungqr")
            : ("z", "ungqr");
        return withOrgqr ? $"{letter}geqrf+{letter}{formQ}" : $"{letter}geqrf";
    }

    /// <summary>geqrf of the element type (s, d, c, z); returns INFO.</summary>
    private static int Factor<T>(int* m, int* n, T* a, int* lda, T* tau, T* work, int* lwork)
        where T : unmanaged
    {
        int info = 0;
        if (typeof(T) == typeof(double))
        {
            LapackInterop.dgeqrf_(m, n, (double*)a, lda, (double*)tau, (double*)work, lwork, &info);
        }
        else if (typeof(T) == typeof(float))
        {
            LapackInterop.sgeqrf_(m, n, (float*)a, lda, (float*)tau, (float*)work, lwork, &info);
        }
        else if (typeof(T) == typeof(Complex))
        {
            LapackInterop.zgeqrf_(m, n, (Complex*)a, lda, (Complex*)tau, (Complex*)work, lwork, &info);
        }
        else if (typeof(T) == typeof(Complex64))
        {
            LapackInterop.cgeqrf_(m, n, (Complex64*)a, lda, (Complex64*)tau, (Complex64*)work, lwork, &info);
        }
        else
        {
            throw new NotSupportedException($"no geqrf for {typeof(T).Name}");
        }

        return info;
    }

    /// <summary>orgqr (real) or ungqr (complex) of the element type, Q's first n columns over A; returns INFO.</summary>
    private static int FormQ<T>(int* m, int* n, T* a, int* lda, T* tau, T* work, int* lwork)
        where T : unmanaged
    {
        int info = 0;
        if (typeof(T) == typeof(double))
        {
            LapackInterop.dorgqr_(m, n, n, (double*)a, lda, (double*)tau, (double*)work, lwork, &info);
        }
        else if (typeof(T) == typeof(float))
        {
            LapackInterop.sorgqr_(m, n, n, (float*)a, lda, (float*)tau, (float*)work, lwork, &info);
        }
        else if (typeof(T) == typeof(Complex))
        {
            LapackInterop.zungqr_(m, n, n, (Complex*)a, lda, (Complex*)tau, (Complex*)work, lwork, &info);
        }
        else if (typeof(T) == typeof(Complex64))
        {
            LapackInterop.cungqr_(m, n, n, (Complex64*)a, lda, (Complex64*)tau, (Complex64*)work, lwork, &info);
        }
        else
        {
            throw new NotSupportedException($"no orgqr/ungqr for {typeof(T).Name}");
        }

        return info;
    }
}
