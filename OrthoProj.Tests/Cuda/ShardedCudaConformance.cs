using System.Numerics;
using OrthoProj.Tests.Conformance;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// The conformance suite with every operation sharded across all visible devices
/// (<see cref="ShardedBackend"/>): two in the host emulation with FAKECUDA_DEVICES=2
/// (scripts/gpu-check.sh emulate and CudaEmulationTests run it so), one on a one-GPU machine.
/// </summary>
[TestClass]
[RequiresCudaDevice]
public sealed class ShardedCudaConformance : ConformanceSuite
{
    private static readonly Lazy<(ShardedBackend? Backend, string Reason)> Sharded = new(() =>
    {
        try
        {
            return (new ShardedBackend(CudaDeviceGroup.Create()), string.Empty);
        }
        catch (InvalidOperationException ex)
        {
            return (null, ex.Message);
        }
    });

    protected override Backend Backend => Sharded.Value.Backend ?? throw new AssertInconclusiveException("No CUDA device group: " + Sharded.Value.Reason);
}

/// <summary>
/// Every operation of a <see cref="Backend"/> expressed as one sharded call: the host batch is split
/// by matrices into one contiguous slice per device (<see cref="CudaDeviceGroup.Split"/>), each slice
/// computed by its device's <see cref="CudaBackend"/>, the results gathered into host batches.
/// Matrix indices in errors are the batch's (a slice's index plus the slice's start). Slices run one
/// after the other, so that the first failing matrix is the one reported, as on one device.
/// </summary>
internal sealed class ShardedBackend(CudaDeviceGroup group) : Backend
{
    public override string Name => "cuda-sharded";

    public override DeviceKind Device => DeviceKind.Cpu;

    public override string Description => $"{group.Backends.Count} CUDA device(s), sharded by matrices";

    public override MatrixBatch<T> Zeros<T>(int rows, int cols, int count) => new HostMatrixBatch<T>(rows, cols, count);

    public override MatrixBatch<T> FromHost<T>(ReadOnlySpan<T> data, int rows, int cols, int count) => HostMatrixBatch<T>.FromArray(data, rows, cols, count);

    protected override bool AcceptsStorageOf<T>(MatrixBatch<T> x) => x is HostMatrixBatch<T>;

    protected internal override bool TryFindNonFinite<T>(MatrixBatch<T> x, out int index, out double value) =>
        CpuBackend.Default.TryFindNonFinite(x, out index, out value);

    protected override QrResult<T> QrCore<T>(MatrixBatch<T> a, QrMode mode, MatrixBatch<T>? qOut, MatrixBatch<T>? rOut)
    {
        int m = a.Rows, n = a.Cols, c = mode == QrMode.Complete ? m : Math.Min(m, n);
        HostMatrixBatch<T> q = Into(qOut, m, c, a.Count);
        HostMatrixBatch<T> r = Into(rOut, c, n, a.Count);
        ForEachShard(a.Count, (cuda, start, size) =>
        {
            using MatrixBatch<T> ad = Up(cuda, a, start, size);
            using QrResult<T> qr = cuda.Qr(ad, mode);
            Down(qr.Q, q, start);
            Down(qr.R, r, start);
        });
        return new QrResult<T>(q, r);
    }

    protected override MatrixBatch<T> QrBackwardCore<T>(MatrixBatch<T> q, MatrixBatch<T> r, MatrixBatch<T>? gradQ, MatrixBatch<T>? gradR, MatrixBatch<T>? output)
    {
        HostMatrixBatch<T> ga = Into(output, q.Rows, r.Cols, q.Count);
        ForEachShard(q.Count, (cuda, start, size) =>
        {
            using MatrixBatch<T> qd = Up(cuda, q, start, size), rd = Up(cuda, r, start, size);
            using MatrixBatch<T>? gq = gradQ is null ? null : Up(cuda, gradQ, start, size);
            using MatrixBatch<T>? gr = gradR is null ? null : Up(cuda, gradR, start, size);
            using MatrixBatch<T> g = cuda.QrBackward(qd, rd, gq, gr);
            Down(g, ga, start);
        });
        return ga;
    }

    protected override PinvResult<T> PinvCore<T>(MatrixBatch<T> a, RankTolerance tolerance, MatrixBatch<T>? output)
    {
        HostMatrixBatch<T> x = Into(output, a.Cols, a.Rows, a.Count);
        var rank = new int[a.Count];
        ForEachShard(a.Count, (cuda, start, size) =>
        {
            using MatrixBatch<T> ad = Up(cuda, a, start, size);
            using PinvResult<T> p = cuda.Pinv(ad, tolerance);
            Down(p.Pinv, x, start);
            p.Rank.ToArray().CopyTo(rank, start);
        });
        return new PinvResult<T>(x, rank);
    }

    protected override MatrixBatch<T> PinvBackwardCore<T>(MatrixBatch<T> a, MatrixBatch<T> pinv, MatrixBatch<T> gradPinv, MatrixBatch<T>? output)
    {
        HostMatrixBatch<T> ga = Into(output, a.Rows, a.Cols, a.Count);
        ForEachShard(a.Count, (cuda, start, size) =>
        {
            using MatrixBatch<T> ad = Up(cuda, a, start, size), xd = Up(cuda, pinv, start, size), gd = Up(cuda, gradPinv, start, size);
            using MatrixBatch<T> g = cuda.PinvBackward(ad, xd, gd);
            Down(g, ga, start);
        });
        return ga;
    }

    protected override Projector<T> ProjectorCore<T>(MatrixBatch<T> a, ProjectorMethod method, RankTolerance tolerance)
    {
        MatrixBatch<T> columns = ColumnMajor(a);
        var parts = new List<(CudaBackend Cuda, int Start, Projector<T> Projector, MatrixBatch<T> A)>();
        try
        {
            ForEachShard(a.Count, (cuda, start, size) =>
            {
                MatrixBatch<T> ad = Up(cuda, columns, start, size);     // lives as long as the projector
                try
                {
                    parts.Add((cuda, start, cuda.Projector(ad, method, tolerance), ad));
                }
                catch
                {
                    ad.Dispose();
                    throw;
                }
            });
        }
        catch
        {
            parts.ForEach(p =>
            {
                p.Projector.Dispose();
                p.A.Dispose();
            });
            throw;
        }

        return new ShardedProjector<T>(this, a, method, parts);
    }

    /// <summary>Runs <paramref name="body"/> on each device's non-empty slice, in device order; a rank error names the batch's index.</summary>
    internal void ForEachShard(int count, Action<CudaBackend, int, int> body)
    {
        (int Start, int Count)[] shards = CudaDeviceGroup.Split(count, group.Backends.Count);
        for (int d = 0; d < shards.Length; d++)
        {
            (int start, int size) = shards[d];
            if (size == 0 && (count > 0 || d > 0))
            {
                continue;     // an empty batch still runs once, on the first device
            }

            try
            {
                body(group.Backends[d], start, size);
            }
            catch (RankDeficientException ex) when (start > 0)
            {
                throw new RankDeficientException(ex.MatrixIndex + start, ex.Rank, ex.Rows, ex.Cols, ex.Detail, ex.Hint);
            }
        }
    }

    /// <summary>Matrices start..start+size of a host batch (column-major), uploaded to <paramref name="cuda"/>.</summary>
    internal static MatrixBatch<T> Up<T>(CudaBackend cuda, MatrixBatch<T> x, int start, int size)
        where T : unmanaged, INumberBase<T> =>
        cuda.FromHost<T>(((HostMatrixBatch<T>)x).Span.Slice(start * x.MatrixLength, size * x.MatrixLength), x.Rows, x.Cols, size);

    /// <summary>A device result into matrices start.. of a host batch.</summary>
    /// <summary>
    /// The host batch the shards are gathered into: a column-major output the caller gave (gathered in
    /// place), else a new one (a row-major output then receives it through Backend.Deliver).
    /// </summary>
    private static HostMatrixBatch<T> Into<T>(MatrixBatch<T>? output, int rows, int cols, int count)
        where T : unmanaged, INumberBase<T> =>
        output is HostMatrixBatch<T> { Layout: MatrixLayout.ColumnMajor } host ? host : new HostMatrixBatch<T>(rows, cols, count);

    internal static void Down<T>(MatrixBatch<T> result, HostMatrixBatch<T> into, int start)
        where T : unmanaged, INumberBase<T> =>
        result.CopyTo(into.Span.Slice(start * into.MatrixLength, result.Length));
}
