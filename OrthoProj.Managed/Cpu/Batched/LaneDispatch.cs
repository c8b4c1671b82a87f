using System.Runtime.Intrinsics;

namespace OrthoProj.Cpu.Batched;

/// <summary>The SIMD width the batched path runs at; <see cref="Auto"/> picks the widest accelerated one.</summary>
internal enum LaneWidth
{
    Auto,
    Scalar,
    Vector128,
    Vector256,
    Vector512,
}

/// <summary>
/// An operation of the lanes, run at the lane vector type <c>TV</c> and its arithmetic <c>TOps</c> that
/// <see cref="LaneDispatch"/> chooses: the one place where Vector128, 256 or 512 is picked.
/// </summary>
internal interface ILaneOperation<T, TResult>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    TResult Run<TV, TOps>()
        where TV : unmanaged
        where TOps : struct, ILaneOps<TV, T>;
}

/// <summary>The width dispatcher: every lane operation is entered through <see cref="Run{T, TResult}"/>.</summary>
internal static class LaneDispatch
{
    /// <summary>The width <paramref name="width"/> stands for: itself, or under <see cref="LaneWidth.Auto"/> the widest accelerated one.</summary>
    public static LaneWidth Resolve(LaneWidth width) => width switch
    {
        LaneWidth.Auto when Vector512.IsHardwareAccelerated => LaneWidth.Vector512,
        LaneWidth.Auto when Vector256.IsHardwareAccelerated => LaneWidth.Vector256,
        LaneWidth.Auto when Vector128.IsHardwareAccelerated => LaneWidth.Vector128,
        LaneWidth.Auto => LaneWidth.Scalar,
        _ => width,
    };

    /// <summary>Runs <paramref name="operation"/> at <paramref name="width"/> (resolved).</summary>
    public static TResult Run<T, TResult>(LaneWidth width, ILaneOperation<T, TResult> operation)
        where T : unmanaged, IFloatingPointIeee754<T> => Resolve(width) switch
    {
        LaneWidth.Vector512 => operation.Run<Vector512<T>, Lanes512<T>>(),
        LaneWidth.Vector256 => operation.Run<Vector256<T>, Lanes256<T>>(),
        LaneWidth.Vector128 => operation.Run<Vector128<T>, Lanes128<T>>(),
        _ => operation.Run<T, LanesScalar<T>>(),
    };

    /// <summary>The matrices per lane vector at <paramref name="width"/>.</summary>
    public static int Width<T>(LaneWidth width)
        where T : unmanaged, IFloatingPointIeee754<T> => Run(width, default(WidthOf<T>));

    private readonly struct WidthOf<T> : ILaneOperation<T, int>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int Run<TV, TOps>()
            where TV : unmanaged
            where TOps : struct, ILaneOps<TV, T> => TOps.Width;
    }
}

/// <summary>The loop over groups of W matrices, and the results the lanes write.</summary>
internal static class LaneGroups
{
    /// <summary>Groups of <paramref name="width"/> matrices that hold <paramref name="count"/>.</summary>
    public static int Count(int count, int width) => (count + width - 1) / width;

    /// <summary>The matrices of the batch in group <paramref name="g"/> (the last group may be partial).</summary>
    public static int Lanes(int g, int count, int width) => Math.Min(width, count - (g * width));

    /// <summary>Runs <paramref name="body"/> for <paramref name="groups"/> groups with a per-worker scratch of <paramref name="scratch"/> lane vectors.</summary>
    public static void ForEach<TV>(int groups, ParallelOptions parallel, int scratch, Action<int, Span<TV>> body)
        where TV : unmanaged =>
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

    /// <summary>
    /// The caller's output, or a pooled batch without zeroing: the scatter writes every element of every
    /// matrix, and zeroing a multi-megabyte result first would cost as much as writing it. A new batch
    /// is counted in <see cref="Backend.ResultAllocations"/> (tests check that given outputs take its place).
    /// </summary>
    public static HostMatrixBatch<T> Output<T>(Backend backend, int rows, int cols, int count, MatrixBatch<T>? output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (output is not null)
        {
            return (HostMatrixBatch<T>)output;
        }

        backend.CountResultAllocation();
        return HostMatrixBatch<T>.Rent(rows, cols, count, backend, clear: false);
    }
}
