namespace OrthoProj;

/// <summary>
/// The SVD of a matrix of the batch did not converge (cuSOLVER gesvd / gesvdjBatched returned a
/// positive devInfo). Names the matrix index, the routine and its devInfo. Usually a sign of
/// extreme scaling; the input itself was finite (non-finite input is rejected before).
/// </summary>
public sealed class SvdNotConvergedException : ArithmeticException
{
    /// <summary>Creates the exception for matrix <paramref name="matrixIndex"/>.</summary>
    public SvdNotConvergedException(int matrixIndex, string routine, int info)
        : base($"The SVD of matrix {matrixIndex} of the batch did not converge ({routine} returned devInfo = {info}).")
    {
        MatrixIndex = matrixIndex;
        Routine = routine;
        Info = info;
    }

    /// <summary>Index in the batch of the first matrix whose SVD did not converge.</summary>
    public int MatrixIndex { get; }

    /// <summary>The cuSOLVER routine, e.g. cusolverDnSgesvdjBatched.</summary>
    public string Routine { get; }

    /// <summary>The devInfo it returned.</summary>
    public int Info { get; }
}
