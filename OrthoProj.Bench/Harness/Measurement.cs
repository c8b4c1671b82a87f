using System.Diagnostics;

namespace OrthoProj.Bench.Harness;

/// <summary>
/// Times one call of a workload. The host clock brackets the call with <see cref="Stopwatch"/>; a
/// device clock (CUDA) records events on the stream around the call and synchronizes before
/// reading them, so that asynchronous launches are counted in full.
/// </summary>
public interface IBenchClock
{
    /// <summary>What the report says about how time was taken.</summary>
    string Method { get; }

    /// <summary>Runs <paramref name="call"/> once and returns its duration in seconds.</summary>
    double Time(Action call);
}

/// <summary>Wall-clock timing on the host: the call returns when its result is in host memory.</summary>
public sealed class HostClock : IBenchClock
{
    /// <summary>The one instance.</summary>
    public static HostClock Instance { get; } = new();

    /// <inheritdoc/>
    public string Method => "host Stopwatch around each call";

    /// <inheritdoc/>
    public double Time(Action call)
    {
        long start = Stopwatch.GetTimestamp();
        call();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}

/// <summary>
/// How many times to run: <see cref="Warmup"/> untimed calls, then timed calls until both
/// <see cref="MinReps"/> calls and <see cref="BudgetSeconds"/> of timed work are done, at most
/// <see cref="MaxReps"/>. Slow calls are cut short so that a suite keeps its time: a warm-up call
/// slower than <see cref="SingleShotAboveSeconds"/> ends the warm-up, and no call starts once the
/// timed work would pass <see cref="CaseCapSeconds"/> (at least one call is always timed). The
/// PyTorch peer applies the same rule.
/// </summary>
public sealed record RepPolicy(int Warmup, int MinReps, int MaxReps, double BudgetSeconds)
{
    /// <summary>
    /// A call expected (Math.NET's model) or measured in warm-up to take longer than this gets no
    /// (further) warm-up.
    /// </summary>
    public double SingleShotAboveSeconds { get; init; } = double.PositiveInfinity;

    /// <summary>Timed work per case after which no further call starts, even below <see cref="MinReps"/>.</summary>
    public double CaseCapSeconds { get; init; } = double.PositiveInfinity;
}

/// <summary>Summary statistics of the timed calls, in seconds.</summary>
public sealed record TimingStats(IReadOnlyList<double> Samples, int Warmup)
{
    /// <summary>Median.</summary>
    public double Median => Quantile(0.5);

    /// <summary>Fastest call.</summary>
    public double Min => Samples.Min();

    /// <summary>Slowest call.</summary>
    public double Max => Samples.Max();

    /// <summary>First quartile.</summary>
    public double Q1 => Quantile(0.25);

    /// <summary>Third quartile.</summary>
    public double Q3 => Quantile(0.75);

    /// <summary>Median absolute deviation relative to the median: the spread the table prints.</summary>
    public double RelativeMad
    {
        get
        {
            double med = Median;
            var dev = Samples.Select(s => Math.Abs(s - med)).Order().ToList();
            double mad = QuantileOf(dev, 0.5);
            return med > 0 ? mad / med : 0;
        }
    }

    /// <summary>Linear-interpolated quantile.</summary>
    public double Quantile(double q) => QuantileOf(Samples.Order().ToList(), q);

    private static double QuantileOf(List<double> sorted, double q)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + ((pos - lo) * (sorted[hi] - sorted[lo]));
    }
}

/// <summary>Runs the warm-up and the repetitions of <see cref="RepPolicy"/>.</summary>
public static class Sampler
{
    /// <summary>Times <paramref name="call"/>; <paramref name="expectedSeconds"/> (when known) can select a single shot.</summary>
    public static TimingStats Run(IBenchClock clock, RepPolicy policy, Action call, double expectedSeconds = 0)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(call);
        int warmup = 0;
        if (expectedSeconds <= policy.SingleShotAboveSeconds)
        {
            while (warmup < policy.Warmup)
            {
                warmup++;
                if (clock.Time(call) > policy.SingleShotAboveSeconds)
                {
                    break;
                }
            }
        }

        var samples = new List<double>();
        double total = 0;
        while (samples.Count < policy.MaxReps && (samples.Count < policy.MinReps || total < policy.BudgetSeconds)
            && (samples.Count == 0 || total + samples[^1] <= policy.CaseCapSeconds))
        {
            double t = clock.Time(call);
            samples.Add(t);
            total += t;
        }

        return new TimingStats(samples, warmup);
    }
}
