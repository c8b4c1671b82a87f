using System.Numerics;

namespace OrthoProj.Native;

/// <summary>
/// What every safe routine checks before a native call: LAPACK's argument rules (reported with the
/// INFO LAPACK would return), that spans cover what the routine touches, the TRANS letters each
/// element type takes, the routine's name for T; and INFO turned into a <see cref="LapackException"/>.
/// </summary>
internal static partial class Lapack
{
    /// <summary>
    /// LAPACK's argument rules shared by ormqr/unmqr and orm2r/unm2r; returns whether Q is applied
    /// from the left, and in <paramref name="code"/> the TRANS to pass: 'N', or for the adjoint 'T'
    /// (real T, where 'C' is read as 'T') or 'C' (complex T, where 'T' is illegal: INFO = -2).
    /// </summary>
    private static bool CheckApplyQArguments<T>(string routine, char side, char trans, int m, int n, int k, Span<T> a, int lda, ReadOnlySpan<T> tau, Span<T> c, int ldc, out byte code)
        where T : unmanaged
    {
        bool left = side is 'L' or 'l';
        Require(routine, left || side is 'R' or 'r', 1);
        code = trans switch
        {
            'N' or 'n' => (byte)'N',
            'C' or 'c' => IsComplex<T>() ? (byte)'C' : (byte)'T',
            'T' or 't' when !IsComplex<T>() => (byte)'T',
            _ => 0,
        };
        Require(routine, code != 0, 2);
        Require(routine, m >= 0, 3);
        Require(routine, n >= 0, 4);
        int nq = left ? m : n;
        Require(routine, k >= 0 && k <= nq, 5);
        Require(routine, lda >= Math.Max(1, nq), 7);
        Require(routine, ldc >= Math.Max(1, m), 10);
        Covers<T>(a, nq, k, lda, nameof(a));
        Covers(tau, k, nameof(tau));
        Covers<T>(c, m, n, ldc, nameof(c));
        return left;
    }

    /// <summary>Throws a <see cref="LapackException"/> for a nonzero INFO.</summary>
    internal static void Check(string routine, int info)
    {
        if (info != 0)
        {
            throw new LapackException(routine, info);
        }
    }

    // BLAS's op for gemm and trsm: 'N', 'T' or 'C'. The real routines read 'C' as 'T' and are
    // passed 'T'; the complex ones get the letter itself.
    private static bool TryBlasOp<T>(char op, out byte code)
    {
        code = op switch
        {
            'N' or 'n' => (byte)'N',
            'T' or 't' => (byte)'T',
            'C' or 'c' => IsComplex<T>() ? (byte)'C' : (byte)'T',
            _ => 0,
        };
        return code != 0;
    }

    private static bool IsComplex<T>() => typeof(T) == typeof(Complex64) || typeof(T) == typeof(Complex);

    /// <summary>
    /// The routine's name with its precision prefix: s (float), d (double), c (<see cref="Complex64"/>)
    /// or z (<see cref="Complex"/>); the complex names of the orthogonal-factor routines are the
    /// unitary ones (orgqr, ormqr, orm2r become ungqr, unmqr, unm2r). Throws
    /// <see cref="NotSupportedException"/> for any other T, before anything is called.
    /// </summary>
    private static string Name<T>(string routine)
    {
        if (typeof(T) == typeof(double))
        {
            return "d" + routine;
        }

        if (typeof(T) == typeof(float))
        {
            return "s" + routine;
        }

        if (typeof(T) == typeof(Complex))
        {
            return "z" + Unitary(routine);
        }

        if (typeof(T) == typeof(Complex64))
        {
            return "c" + Unitary(routine);
        }

        throw Unsupported<T>();

        static string Unitary(string routine) => routine.StartsWith("or", StringComparison.Ordinal) ? "un" + routine[2..] : routine;
    }

    private static NotSupportedException Unsupported<T>() =>
        new($"LAPACK bindings exist for float, double, OrthoProj.Complex64 and System.Numerics.Complex; {typeof(T).Name} is not supported.");

    // LAPACK's own argument rule, checked before the call; position is the 1-based argument number.
    private static void Require(string routine, bool legal, int position)
    {
        if (!legal)
        {
            throw new LapackException(routine, -position, "Checked before the call; the library was not called.");
        }
    }

    private static void Covers<T>(ReadOnlySpan<T> x, int rows, int cols, int ld, string name)
    {
        long needed = rows == 0 || cols == 0 ? 0 : ((long)ld * (cols - 1)) + rows;
        if (x.Length < needed)
        {
            throw new ArgumentException($"{name} holds {x.Length} elements; a {rows} x {cols} matrix with leading dimension {ld} needs {needed}.", name);
        }
    }

    private static void Covers<T>(ReadOnlySpan<T> x, int length, string name)
    {
        if (x.Length < length)
        {
            throw new ArgumentException($"{name} holds {x.Length} elements; {length} are needed.", name);
        }
    }
}
