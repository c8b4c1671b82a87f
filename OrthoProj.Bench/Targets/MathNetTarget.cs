using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;
using OrthoProj.Bench.Harness;

namespace OrthoProj.Bench.Targets;

/// <summary>
/// The Math.NET Numerics baseline: what a .NET user writes without OrthoProj, through Math.NET's own
/// API (Matrix.QR(Thin), Matrix.PseudoInverse, QR.Solve) on its managed provider, matrix by matrix.
/// Math.NET has no reverse mode, so backward workloads are absent for it.
/// </summary>
public sealed class MathNetTarget(int threads)
{
    /// <summary>Math.NET version, for the report.</summary>
    public static string Version => typeof(Control).Assembly.GetName().Version?.ToString() ?? "?";

    /// <summary>Model throughput used to decide what to skip in the quick suite (measured: 2048 x 512 QR ~ 0.7 s).</summary>
    public const double EstimatedFlopsPerSecond = 2e9;

    /// <summary>Runs a case, or says why not.</summary>
    public ResultRow Run(BenchCase c, RepPolicy policy, int seed, double maxSeconds)
    {
        if (c.Device != BenchDevice.Cpu)
        {
            return ResultRow.Absent(c, Implementations.MathNet, "Math.NET runs on the CPU only");
        }

        if (c.Dtype.IsComplex())
        {
            return ResultRow.Skipped(c, Implementations.MathNet, "skipped for complex: this baseline is written over Math.NET's real matrices (Matrix<float>, Matrix<double>); its Complex32/Complex matrices are not wired in");
        }

        if (c.Workload is Workload.ProjectBackward or Workload.ProjectBoth or Workload.QrBackward or Workload.PinvBackward)
        {
            return ResultRow.Absent(c, Implementations.MathNet, "Math.NET has no backward (no reverse-mode derivatives)");
        }

        double estimate = c.Flops / EstimatedFlopsPerSecond;
        if (estimate > maxSeconds)
        {
            return ResultRow.Skipped(c, Implementations.MathNet, $"skipped in this suite: estimated {estimate:0.#} s per call > {maxSeconds:0.#} s");
        }

        // Math.NET's global provider: managed, with the stated thread count.
        Control.UseManaged();
        Control.MaxDegreeOfParallelism = threads;
        try
        {
            return c.Dtype == Dtype.F32 ? Run<float>(c, policy, seed, estimate) : Run<double>(c, policy, seed, estimate);   // real only: complex returned above
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return ResultRow.Failed(c, Implementations.MathNet, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private ResultRow Run<T>(BenchCase c, RepPolicy policy, int seed, double estimate)
        where T : unmanaged, IEquatable<T>, IFormattable, System.Numerics.IFloatingPointIeee754<T>
    {
        var (count, m, n, p) = c.Shape;
        using var ha = Inputs.Uniform<T>(m, n, count, seed);
        using var hy = Inputs.Uniform<T>(m, p, count, seed + 1);
        var a = Enumerable.Range(0, count).Select(b => Matrix<T>.Build.Dense(m, n, ha.GetMatrix(b).ToArray())).ToArray();
        var y = Enumerable.Range(0, count).Select(b => Matrix<T>.Build.Dense(m, p, hy.GetMatrix(b).ToArray())).ToArray();
        Action<int> one = c.Workload switch
        {
            Workload.ProjectForward => b =>
            {
                QR<T> qr = a[b].QR(QRMethod.Thin);
                _ = qr.Q * qr.Q.TransposeThisAndMultiply(y[b]);
            },
            Workload.QrForward => b =>
            {
                QR<T> qr = a[b].QR(QRMethod.Thin);
                _ = qr.Q;
                _ = qr.R;
            },
            Workload.PinvForward => b => _ = a[b].PseudoInverse(),
            Workload.LeastSquares => b => _ = a[b].QR(QRMethod.Thin).Solve(y[b]),
            _ => throw new ArgumentOutOfRangeException(nameof(c), c.Workload, null),
        };

        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        void Call()
        {
            if (threads == 1 || count == 1)
            {
                for (int b = 0; b < count; b++)
                {
                    one(b);
                }
            }
            else
            {
                Parallel.For(0, count, options, one);
            }
        }

        TimingStats stats = Sampler.Run(HostClock.Instance, policy, Call, estimate);
        string what = c.Workload switch
        {
            Workload.ProjectForward => "QR(Thin) then Q (Q^T y)",
            Workload.QrForward => "QR(Thin): Q and R",
            Workload.PinvForward => "PseudoInverse (SVD)",
            _ => "QR(Thin).Solve",
        };
        return new ResultRow
        {
            CaseId = c.Id,
            Implementation = Implementations.MathNet,
            Status = RowStatus.Ok,
            Note = stats.Warmup == 0 && stats.Samples.Count == 1 ? what + "; one call, no warm-up (slow)" : what,
            SamplesSeconds = stats.Samples,
            Warmup = stats.Warmup,
            Threads = threads,
        };
    }
}
