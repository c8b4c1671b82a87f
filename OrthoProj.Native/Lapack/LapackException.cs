namespace OrthoProj.Native;

/// <summary>
/// A LAPACK or BLAS routine reported failure through its INFO argument (or would have: arguments
/// that LAPACK rejects are checked before the call, because reference LAPACK's XERBLA stops the
/// process). <see cref="Info"/> &lt; 0: argument number -INFO had an illegal value;
/// <see cref="Info"/> &gt; 0: a routine-specific numerical failure, e.g. gesdd's bidiagonal
/// divide and conquer did not converge.
/// </summary>
public sealed class LapackException : ArithmeticException
{
    /// <summary>Creates the exception for <paramref name="routine"/> and its INFO value.</summary>
    /// <param name="routine">The routine, lower case with its precision prefix, e.g. "dgeqrf".</param>
    /// <param name="info">The INFO value, nonzero.</param>
    /// <param name="detail">Optional context appended to the message.</param>
    public LapackException(string routine, int info, string? detail = null)
        : base(FormatMessage(routine, info, detail))
    {
        Routine = routine;
        Info = info;
        Meaning = Explain(routine, info);
    }

    /// <summary>The routine, e.g. "dgesdd".</summary>
    public string Routine { get; }

    /// <summary>The INFO value: negative for an illegal argument, positive for a numerical failure.</summary>
    public int Info { get; }

    /// <summary>What <see cref="Info"/> means for <see cref="Routine"/>.</summary>
    public string Meaning { get; }

    /// <summary>For <see cref="Info"/> &lt; 0, the 1-based position of the illegal argument; otherwise 0.</summary>
    public int IllegalArgument => Info < 0 ? -Info : 0;

    private static string FormatMessage(string routine, int info, string? detail) =>
        $"LAPACK {routine} failed with INFO = {info}: {Explain(routine, info)}." + (detail is null ? string.Empty : " " + detail);

    private static string Explain(string routine, int info)
    {
        if (info < 0)
        {
            return $"argument {-info} had an illegal value";
        }

        string name = routine.Length > 1 ? routine[1..] : routine;
        return name switch
        {
            "gesdd" => $"the bidiagonal divide and conquer (bdsdc) did not converge; {info} singular values did not converge (the SVD was not computed)",
            _ => $"routine-specific failure {info}",
        };
    }
}
