using System.Numerics;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// The projector of <see cref="ShardedBackend"/>: one device projector per slice of A; every
/// operation runs each slice of its right-hand sides on that slice's device and gathers the results
/// into host batches (an output the caller gives is filled by the public layer).
/// </summary>
internal sealed class ShardedProjector<T>(ShardedBackend backend, MatrixBatch<T> a, ProjectorMethod method, List<(CudaBackend Cuda, int Start, Projector<T> Projector, MatrixBatch<T> A)> parts)
    : Projector<T>(backend, a.Rows, a.Cols, a.Count, method, [.. parts.SelectMany(p => p.Projector.Rank)])
    where T : unmanaged, INumberBase<T>
{
    protected override MatrixBatch<T> ProjectCore(MatrixBatch<T> y, MatrixBatch<T>? output) => Forward(Rows, y, (p, yd) => p.Project(yd));

    protected override MatrixBatch<T> ResidualCore(MatrixBatch<T> y, MatrixBatch<T>? output) => Forward(Rows, y, (p, yd) => p.Residual(yd));

    protected override MatrixBatch<T> SolveCore(MatrixBatch<T> y, MatrixBatch<T>? output) => Forward(Cols, y, (p, yd) => p.Solve(yd));

    protected override MatrixBatch<T> MatrixCore(MatrixBatch<T>? output)
    {
        var result = new HostMatrixBatch<T>(Rows, Rows, Count);
        foreach ((CudaBackend _, int start, Projector<T> p, _) in parts)
        {
            using MatrixBatch<T> part = p.Matrix();
            ShardedBackend.Down(part, result, start);
        }

        return result;
    }

    protected override MatrixBatch<T> MatrixBackwardCore(MatrixBatch<T> gradP, MatrixBatch<T>? output)
    {
        var result = new HostMatrixBatch<T>(Rows, Cols, Count);
        foreach ((CudaBackend cuda, int start, Projector<T> p, _) in parts)
        {
            using MatrixBatch<T> g = ShardedBackend.Up(cuda, gradP, start, p.Count);
            using MatrixBatch<T> part = p.MatrixBackward(g);
            ShardedBackend.Down(part, result, start);
        }

        return result;
    }

    protected override ProjectorGradients<T> ProjectBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradZ, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY) =>
        Backward(y, gradZ, (p, yd, gd) => p.ProjectBackward(yd, gd));

    protected override ProjectorGradients<T> ResidualBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradE, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY) =>
        Backward(y, gradE, (p, yd, gd) => p.ResidualBackward(yd, gd));

    protected override ProjectorGradients<T> SolveBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradX, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY) =>
        Backward(y, gradX, (p, yd, gd) => p.SolveBackward(yd, gd));

    protected override void Dispose(bool disposing)
    {
        parts.ForEach(p =>
        {
            p.Projector.Dispose();
            p.A.Dispose();
        });
        base.Dispose(disposing);
    }

    private HostMatrixBatch<T> Forward(int rows, MatrixBatch<T> y, Func<Projector<T>, MatrixBatch<T>, MatrixBatch<T>> op)
    {
        var result = new HostMatrixBatch<T>(rows, y.Cols, Count);
        foreach ((CudaBackend cuda, int start, Projector<T> p, _) in parts)
        {
            using MatrixBatch<T> yd = ShardedBackend.Up(cuda, y, start, p.Count);
            using MatrixBatch<T> part = op(p, yd);
            ShardedBackend.Down(part, result, start);
        }

        return result;
    }

    private ProjectorGradients<T> Backward(MatrixBatch<T> y, MatrixBatch<T> g, Func<Projector<T>, MatrixBatch<T>, MatrixBatch<T>, ProjectorGradients<T>> op)
    {
        var ga = new HostMatrixBatch<T>(Rows, Cols, Count);
        var gy = new HostMatrixBatch<T>(Rows, y.Cols, Count);
        foreach ((CudaBackend cuda, int start, Projector<T> p, _) in parts)
        {
            using MatrixBatch<T> yd = ShardedBackend.Up(cuda, y, start, p.Count), gd = ShardedBackend.Up(cuda, g, start, p.Count);
            using ProjectorGradients<T> part = op(p, yd, gd);
            ShardedBackend.Down(part.GradA, ga, start);
            ShardedBackend.Down(part.GradY, gy, start);
        }

        return new ProjectorGradients<T>(ga, gy);
    }
}
