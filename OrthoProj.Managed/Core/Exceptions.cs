namespace OrthoProj;

/// <summary>
/// A matrix of the batch has numerical rank below what the operation needs (full column rank for
/// the QR method, a nonsingular leading block of R for <see cref="Backend.QrBackward{T}"/>). Names
/// the matrix index and the rank found, and says what to do in the context where it was raised
/// (for the QR-method projector: use <see cref="ProjectorMethod.Svd"/>).
/// </summary>
public sealed class RankDeficientException : ArithmeticException
{
    /// <summary>The advice for the QR-method projector (the default).</summary>
    public const string QrMethodHint = "The QR method needs full column rank; use ProjectorMethod.Svd for rank-deficient input.";

    /// <summary>The advice for <see cref="Backend.QrBackward{T}"/>.</summary>
    public const string QrBackwardHint =
        "QrBackward needs the leading min(m, n) x min(m, n) block of R to be nonsingular: the QR factorization is not differentiable " +
        "at a rank-deficient A (its gradient is unbounded there). Remove or perturb the dependent columns, or differentiate a " +
        "rank-revealing quantity (Pinv and PinvBackward) instead.";

    /// <summary>Creates the exception for matrix <paramref name="matrixIndex"/> of an m x n batch, with the QR method's advice.</summary>
    public RankDeficientException(int matrixIndex, int rank, int rows, int cols, string detail)
        : this(matrixIndex, rank, rows, cols, detail, QrMethodHint)
    {
    }

    /// <summary>
    /// Creates the exception for matrix <paramref name="matrixIndex"/> of an m x n batch, with the
    /// advice <paramref name="hint"/> (e.g. <see cref="QrMethodHint"/> or <see cref="QrBackwardHint"/>)
    /// closing the message.
    /// </summary>
    public RankDeficientException(int matrixIndex, int rank, int rows, int cols, string detail, string hint)
        : base($"Matrix {matrixIndex} of the batch ({rows} x {cols}) has numerical rank {rank} < {Math.Min(rows, cols)} ({detail}). {hint}")
    {
        MatrixIndex = matrixIndex;
        Rank = rank;
        Rows = rows;
        Cols = cols;
        Detail = detail;
        Hint = hint;
    }

    /// <summary>Index in the batch of the first rank-deficient matrix.</summary>
    public int MatrixIndex { get; }

    /// <summary>The numerical rank found.</summary>
    public int Rank { get; }

    /// <summary>Rows of each matrix of the batch (m).</summary>
    public int Rows { get; }

    /// <summary>Columns of each matrix of the batch (n).</summary>
    public int Cols { get; }

    /// <summary>What failed the rank rule, e.g. "|R[3,3]| = 1e-17 &lt;= tolerance 2e-15".</summary>
    public string Detail { get; }

    /// <summary>The advice closing the message.</summary>
    public string Hint { get; }
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
