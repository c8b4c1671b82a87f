using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using OrthoProj;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// The bare OrthoProj call behind each adapter route, timed in this process interleaved with the
/// adapter (<see cref="Policy.SamplePair"/>), so that the adapter's overhead is measured on the same
/// machine state: the same operations on column-major host batches made from the same tensors
/// (outside the timed region), with no tensors, no autograd and no layout handling.
/// </summary>
internal static class BareRoutes
{
    /// <summary>The timed bare call of <paramref name="workload"/> (seconds), or null for a workload without one.</summary>
    public static Func<double>? Create(string workload, Tensor a, Tensor y, Tensor gz, Tensor gq, Tensor gr, Tensor gx) =>
        a.dtype == ScalarType.Float32 ? Create<float>(workload, a, y, gz, gq, gr, gx) : Create<double>(workload, a, y, gz, gq, gr, gx);

    private static Func<double>? Create<T>(string workload, Tensor at, Tensor yt, Tensor gzt, Tensor gqt, Tensor grt, Tensor gxt)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        HostMatrixBatch<T> a = Batch<T>(at), y = Batch<T>(yt), gz = Batch<T>(gzt), gq = Batch<T>(gqt), gr = Batch<T>(grt), gx = Batch<T>(gxt);
        return workload switch
        {
            "proj.fwd" => () => Time(() =>
            {
                using Projector<T> p = Linalg.Projector(a);
                p.Project(y).Dispose();
            }),
            "proj.both" => () => Time(() =>
            {
                using Projector<T> p = Linalg.Projector(a);
                p.Project(y).Dispose();
                p.ProjectBackward(y, gz).Dispose();
            }),
            "proj.bwd" => Backward(() => Linalg.Projector(a), p => p.ProjectBackward(y, gz).Dispose()),
            "qr.fwd" => () => Time(() => Linalg.Qr(a).Dispose()),
            "qr.bwd" => Backward(() => Linalg.Qr(a), qr => Linalg.QrBackward(qr.Q, qr.R, gq, gr).Dispose()),
            "pinv.fwd" => () => Time(() => Linalg.Pinv(a).Dispose()),
            "pinv.bwd" => Backward(() => Linalg.Pinv(a), x => Linalg.PinvBackward(a, x.Pinv, gx).Dispose()),
            "lstsq" => () => Time(() =>
            {
                using Projector<T> p = Linalg.Projector(a);
                p.Solve(y).Dispose();
            }),
            _ => null,
        };
    }

    /// <summary>A backward's timed part only, from a forward made untimed for each call (as the adapter's graph is).</summary>
    private static Func<double> Backward<TState>(Func<TState> forward, Action<TState> backward)
        where TState : IDisposable => () =>
        {
            using TState state = forward();
            return Time(() => backward(state));
        };

    private static double Time(Action call)
    {
        long start = Stopwatch.GetTimestamp();
        call();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>A (..., rows, cols) tensor as a new column-major batch (its transposed view made contiguous, copied once).</summary>
    private static HostMatrixBatch<T> Batch<T>(Tensor t)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)t.shape[^2], cols = (int)t.shape[^1];
        using Tensor columns = t.detach().transpose(-1, -2).contiguous();
        T[] data = MemoryMarshal.Cast<byte, T>(columns.bytes).ToArray();
        return HostMatrixBatch<T>.Wrap(data, rows, cols, data.Length / Math.Max(rows * cols, 1));
    }
}
