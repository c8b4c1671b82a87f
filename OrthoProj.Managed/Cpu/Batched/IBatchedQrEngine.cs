namespace OrthoProj.Cpu.Batched;

/// <summary>The width-independent face of <see cref="BatchedQrEngine{T, TV, TOps}"/>.</summary>
internal interface IBatchedQrEngine<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    HostMatrixBatch<T> Project(HostMatrixBatch<T> y);

    HostMatrixBatch<T> Residual(HostMatrixBatch<T> y);

    HostMatrixBatch<T> Matrix();

    HostMatrixBatch<T> Solve(HostMatrixBatch<T> y);

    ProjectorGradients<T> ProjectBackward(HostMatrixBatch<T> y, HostMatrixBatch<T> gradZ);

    ProjectorGradients<T> ResidualBackward(HostMatrixBatch<T> y, HostMatrixBatch<T> gradE);

    HostMatrixBatch<T> MatrixBackward(HostMatrixBatch<T> gradP);

    ProjectorGradients<T> SolveBackward(HostMatrixBatch<T> y, HostMatrixBatch<T> gradX);

    void Dispose();
}
