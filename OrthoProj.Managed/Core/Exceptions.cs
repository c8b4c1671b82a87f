namespace OrthoProj;

/// <summary>
/// A matrix of the batch has numerical rank below what the operation needs (full column rank for
/// the QR method). Names the matrix index and the rank found; use <see cref="ProjectorMethod.Svd"/>
/// for rank-deficient input.
/// </summary>
public sealed class RankDeficientException : ArithmeticException
{
    /// <summary>Creates the exception for matrix <paramref name="matrixIndex"/> of an m x n batch.</summary>
    public RankDeficientException(int matrixIndex, int rank, int rows, int cols, string detail)
        : base($"Matrix {matrixIndex} of the batch ({rows} x {cols}) has numerical rank {rank} < {Math.Min(rows, cols)} ({detail}). " +
               "The QR method needs full column rank; use ProjectorMethod.Svd for rank-deficient input.")
    {
        MatrixIndex = matrixIndex;
        Rank = rank;
    }

    /// <summary>Index in the batch of the first rank-deficient matrix.</summary>
    public int MatrixIndex { get; }

    /// <summary>The numerical rank found.</summary>
    public int Rank { get; }
}

/// <summary>An input holds NaN or an infinity; raised before any computation so that it never reaches a gradient.</summary>
public sealed class NonFiniteInputException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="paramName"/> with the first bad element's location.</summary>
    public NonFiniteInputException(string paramName, int matrixIndex, int row, int col, double value)
        : base($"{paramName} holds a non-finite value ({value}) at matrix {matrixIndex}, row {row}, column {col}.", paramName)
    {
        MatrixIndex = matrixIndex;
        Row = row;
        Col = col;
    }

    /// <summary>Index in the batch of the matrix holding the first non-finite value.</summary>
    public int MatrixIndex { get; }

    /// <summary>Row of that value.</summary>
    public int Row { get; }

    /// <summary>Column of that value.</summary>
    public int Col { get; }
}
