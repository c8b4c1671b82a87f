using System.Numerics;
using OrthoProj.Bench.Harness;
using OrthoProj.Native;

namespace OrthoProj.Bench.Targets;

/// <summary>
/// The GPU session the GPU rows share: device 0's primary context, one stream, a cuSOLVER handle
/// on it, and the event clock. Opened only where a device is present.
/// </summary>
public sealed class CudaSession : IDisposable
{
    private CudaSession(CudaDevice device)
    {
        Device = device;
        Stream = device.CreateStream();
        Solver = CusolverHandle.Create(device);
        Solver.SetStream(Stream);
        Clock = new CudaEventClock(device, Stream);
    }

    /// <summary>The device.</summary>
    public CudaDevice Device { get; }

    /// <summary>The stream every GPU row runs on.</summary>
    public CudaStream Stream { get; }

    /// <summary>cuSOLVER on <see cref="Stream"/>.</summary>
    public CusolverHandle Solver { get; }

    /// <summary>Events around each call on <see cref="Stream"/>.</summary>
    public IBenchClock Clock { get; }

    /// <summary>Opens device 0, or returns null with the driver's reason.</summary>
    public static CudaSession? TryOpen(out string reason)
    {
        if (!CudaDevice.TryOpen(0, out CudaDevice? device, out reason))
        {
            return null;
        }

        try
        {
            return new CudaSession(device!);
        }
        catch (CudaException ex)
        {
            device!.Dispose();
            reason = ex.Message;
            return null;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Solver.Dispose();
        Stream.Dispose();
        Device.Dispose();
    }
}

/// <summary>
/// Device time of one call: an event recorded on the stream before and after, then the end event
/// synchronized (so asynchronous launches count in full) and the elapsed time read from the events.
/// </summary>
public sealed class CudaEventClock(CudaDevice device, CudaStream stream) : IBenchClock
{
    private readonly CudaEvent start = device.CreateEvent();
    private readonly CudaEvent end = device.CreateEvent();

    /// <inheritdoc/>
    public string Method => "CUDA events on the stream around each call, end event synchronized";

    /// <inheritdoc/>
    public double Time(Action call)
    {
        ArgumentNullException.ThrowIfNull(call);
        start.Record(stream);
        call();
        end.Record(stream);
        end.Synchronize();
        return CudaEvent.ElapsedMilliseconds(start, end) / 1e3;
    }
}

/// <summary>
/// cuSOLVER geqrf / geqrf + orgqr straight through the raw bindings, one call per matrix (cuSOLVER
/// has no batched geqrf; this is also PyTorch's route for the orgqr half), workspace queried once
/// per case. Each timed call first restores A with one device-to-device copy. devInfo is read back
/// once, after an untimed call, and a nonzero value fails the row.
/// </summary>
internal sealed unsafe class CudaFloor(CudaSession gpu) : IFloor
{
    public string Description => $"cuSOLVER on {gpu.Device.Name} (raw geqrf/orgqr bindings)";

    public ResultRow Run(BenchCase c, bool withOrgqr, RepPolicy policy, int seed)
    {
        if (c.Shape.M < c.Shape.N)
        {
            return ResultRow.Absent(c, Implementations.Floor, "the QR floor is defined for m >= n");
        }

        if (c.Dtype.IsComplex())
        {
            return ResultRow.Absent(c, Implementations.Floor, "no complex floor on the GPU: the floor binds cuSOLVER's S/D geqrf only");
        }

        try
        {
            return c.Dtype == Dtype.F32 ? Run<float>(c, withOrgqr, policy, seed) : Run<double>(c, withOrgqr, policy, seed);
        }
        catch (Exception ex) when (ex is CudaException or InvalidOperationException or DllNotFoundException or EntryPointNotFoundException)
        {
            return ResultRow.Failed(c, Implementations.Floor, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private ResultRow Run<T>(BenchCase c, bool withOrgqr, RepPolicy policy, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (count, m, n, _) = c.Shape;
        long len = (long)m * n;
        using var host = Inputs.Uniform<T>(m, n, count, seed);
        using DeviceBuffer<T> source = DeviceBuffer<T>.CreateFrom(gpu.Device, host.Span);
        using DeviceBuffer<T> a = gpu.Device.Allocate<T>(source.Length);
        using DeviceBuffer<T> tau = gpu.Device.Allocate<T>((long)n * count);
        using DeviceBuffer<int> info = gpu.Device.Allocate<int>(count, clear: true);
        nint h = gpu.Solver.Enter();
        int lwork = 0, lwork2 = 0;
        if (typeof(T) == typeof(double))
        {
            CudaCheck.Check(Interop.Cusolver.cusolverDnDgeqrf_bufferSize(h, m, n, (double*)a.DevicePointer, m, &lwork), "cusolverDnDgeqrf_bufferSize");
            if (withOrgqr)
            {
                CudaCheck.Check(Interop.Cusolver.cusolverDnDorgqr_bufferSize(h, m, n, n, (double*)a.DevicePointer, m, (double*)tau.DevicePointer, &lwork2), "cusolverDnDorgqr_bufferSize");
            }
        }
        else
        {
            CudaCheck.Check(Interop.Cusolver.cusolverDnSgeqrf_bufferSize(h, m, n, (float*)a.DevicePointer, m, &lwork), "cusolverDnSgeqrf_bufferSize");
            if (withOrgqr)
            {
                CudaCheck.Check(Interop.Cusolver.cusolverDnSorgqr_bufferSize(h, m, n, n, (float*)a.DevicePointer, m, (float*)tau.DevicePointer, &lwork2), "cusolverDnSorgqr_bufferSize");
            }
        }

        int lw = Math.Max(1, Math.Max(lwork, lwork2));
        using DeviceBuffer<T> work = gpu.Device.Allocate<T>(lw);

        // CreateFrom and the clearing Allocate ran on the legacy stream, which the non-blocking
        // gpu.Stream is not ordered after: wait for them before queuing the calls there.
        gpu.Device.Synchronize();

        void Call()
        {
            source.View.CopyTo(a.View, gpu.Stream);
            nint handle = gpu.Solver.Enter();
            for (int b = 0; b < count; b++)
            {
                nint pa = a.DevicePointer + (nint)(b * len * sizeof(T));
                nint pt = tau.DevicePointer + (nint)((long)b * n * sizeof(T));
                int* pi = (int*)info.DevicePointer + b;
                if (typeof(T) == typeof(double))
                {
                    CudaCheck.Check(Interop.Cusolver.cusolverDnDgeqrf(handle, m, n, (double*)pa, m, (double*)pt, (double*)work.DevicePointer, lw, pi), "cusolverDnDgeqrf");
                    if (withOrgqr)
                    {
                        CudaCheck.Check(Interop.Cusolver.cusolverDnDorgqr(handle, m, n, n, (double*)pa, m, (double*)pt, (double*)work.DevicePointer, lw, pi), "cusolverDnDorgqr");
                    }
                }
                else
                {
                    CudaCheck.Check(Interop.Cusolver.cusolverDnSgeqrf(handle, m, n, (float*)pa, m, (float*)pt, (float*)work.DevicePointer, lw, pi), "cusolverDnSgeqrf");
                    if (withOrgqr)
                    {
                        CudaCheck.Check(Interop.Cusolver.cusolverDnSorgqr(handle, m, n, n, (float*)pa, m, (float*)pt, (float*)work.DevicePointer, lw, pi), "cusolverDnSorgqr");
                    }
                }
            }
        }

        // One untimed call whose devInfo is read back: a failed factorization never posts a time.
        Call();
        gpu.Stream.Synchronize();
        int[] infos = info.View.ToArray();
        int bad = Array.FindIndex(infos, i => i != 0);
        if (bad >= 0)
        {
            return ResultRow.Failed(c, Implementations.Floor, $"devInfo = {infos[bad]} for matrix {bad}");
        }

        TimingStats stats = Sampler.Run(gpu.Clock, policy, Call);
        return new ResultRow
        {
            CaseId = c.Id,
            Implementation = Implementations.Floor,
            Status = RowStatus.Ok,
            Note = (withOrgqr ? "geqrf+orgqr" : "geqrf") + " (cuSOLVER, raw bindings, one call per matrix)",
            SamplesSeconds = stats.Samples,
            Warmup = stats.Warmup,
            Threads = 1,
        };
    }
}
