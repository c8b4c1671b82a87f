using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrthoProj.Cpu.Providers;

/// <summary>
/// LAPACK's unblocked Householder QR (dgeqr2 over dlarfg, dorg2r; for complex elements zgeqr2 over
/// zlarfg, zung2r) in managed code, for the managed route: Math.NET's own QR flips the last column of
/// Q (and row of R) of square and wide matrices against LAPACK's sign convention, and OrthoProj gives
/// one answer on every route. The real path is dgeqr2's arithmetic, unchanged since before complex
/// elements; the complex path is separate code (each branch on <c>typeof(T)</c>, folded by the JIT).
/// </summary>
/// <typeparam name="T">float, double, <see cref="Complex64"/> or <see cref="Complex"/>.</typeparam>
internal static class Householder<T>
    where T : unmanaged, INumberBase<T>
{
    /// <summary>
    /// Unblocked Householder QR with LAPACK's conventions (dgeqr2 over dlarfg): overwrites
    /// <paramref name="a"/> (m x n) with R on and above the diagonal and the reflectors v (v_0 = 1
    /// implicit) below it, and returns tau (min(m, n)). Column j's reflector gives
    /// R_jj = beta = -sign(alpha) * ||(alpha, x)|| and tau = (beta - alpha) / beta; when nothing
    /// below the diagonal is nonzero (always for the last column of a square or wide matrix) the
    /// reflector is the identity: tau = 0 and R_jj = alpha, unchanged. For complex elements (zgeqr2
    /// over zlarfg) beta = -sign(Re alpha) * ||(alpha, x)|| is real, so R's diagonal is real: the
    /// reflector is the identity only where x = 0 and alpha is already real, and H(j)^H (tau
    /// conjugated) is what is applied to the columns on the right.
    /// </summary>
    public static T[] Geqr2(Span<T> a, int m, int n)
    {
        int k = Math.Min(m, n);
        var tau = new T[k];
        if (Element<T>.IsComplex)
        {
            for (int j = 0; j < k; j++)
            {
                Span<T> v = a.Slice((j * m) + j, m - j);
                tau[j] = LarfgComplex(v);
                if (tau[j] == T.Zero)
                {
                    continue;
                }

                T tauH = Element<T>.Conjugate(tau[j]);
                for (int c = j + 1; c < n; c++)
                {
                    ApplyReflectorComplex(v, tauH, a.Slice((c * m) + j, m - j));
                }
            }

            return tau;
        }

        for (int j = 0; j < k; j++)
        {
            Span<T> v = a.Slice((j * m) + j, m - j);
            tau[j] = Larfg(v);
            if (tau[j] == T.Zero)
            {
                continue;
            }

            for (int c = j + 1; c < n; c++)
            {
                ApplyReflector(v, tau[j], a.Slice((c * m) + j, m - j));
            }
        }

        return tau;
    }

    /// <summary>
    /// Forms the first <paramref name="cols"/> columns of Q = H(0) ... H(k-1) in place from the k
    /// reflectors in the first k columns of <paramref name="q"/> (m x cols, cols &gt;= k), LAPACK dorg2r
    /// (zung2r for complex elements: H(i) = I - tau v v^H, the same steps).
    /// </summary>
    public static void Org2r(Span<T> q, int m, int cols, int k, ReadOnlySpan<T> tau)
    {
        for (int j = k; j < cols; j++)
        {
            Span<T> c = q.Slice(j * m, m);
            c.Clear();
            c[j] = T.One;
        }

        for (int i = k - 1; i >= 0; i--)
        {
            Span<T> v = q.Slice((i * m) + i, m - i);
            if (i < cols - 1)
            {
                v[0] = T.One;
                for (int c = i + 1; c < cols; c++)
                {
                    if (Element<T>.IsComplex)
                    {
                        ApplyReflectorComplex(v, tau[i], q.Slice((c * m) + i, m - i));
                    }
                    else
                    {
                        ApplyReflector(v, tau[i], q.Slice((c * m) + i, m - i));
                    }
                }
            }

            for (int l = 1; l < v.Length; l++)
            {
                v[l] *= -tau[i];
            }

            v[0] = T.One - tau[i];
            q.Slice(i * m, i).Clear();
        }
    }

    /// <summary>
    /// LAPACK dlarfg on x = (alpha, x_1..): returns tau and leaves (beta, v_1..) in x, with
    /// H = I - tau (1, v) (1, v)^T and H x = beta e_1. Tiny beta is rescaled as dlarfg does.
    /// </summary>
    private static T Larfg(Span<T> x)
    {
        if (typeof(T) == typeof(float))
        {
            float tau = Real<float>.Larfg(MemoryMarshal.Cast<T, float>(x));
            return Unsafe.As<float, T>(ref tau);
        }

        double tauD = Real<double>.Larfg(MemoryMarshal.Cast<T, double>(x));
        return Unsafe.As<double, T>(ref tauD);
    }

    /// <summary>
    /// LAPACK zlarfg on x = (alpha, x_1..): returns tau and leaves (beta, v_1..) in x, with
    /// H = I - tau (1, v) (1, v)^H, H^H x = beta e_1 and beta real: beta = -sign(Re alpha) *
    /// ||(alpha, x)||, tau = ((beta - Re alpha) / beta, -Im alpha / beta), v = x / (alpha - beta).
    /// H = I (tau = 0) only where x = 0 and alpha is real. Tiny beta is rescaled as zlarfg does.
    /// The real scalars are computed in double and rounded to the real type where zlarfg stores them.
    /// </summary>
    private static T LarfgComplex(Span<T> x)
    {
        Span<T> tail = x[1..];
        double xnorm = ComplexNorm(tail);
        T alpha = x[0];
        double alphr = Element<T>.Real(alpha), alphi = Imaginary(alpha);
        if (xnorm == 0 && alphi == 0)
        {
            return T.Zero;
        }

        double beta = RoundReal(-Math.CopySign(Lapy3(alphr, alphi, xnorm), alphr));
        // dlamch('S') / dlamch('E'), with LAPACK's eps = 2^-24 (2^-53), the unit roundoff.
        double safmin = Element<T>.IsSingle ? Math.ScaleB(1.0, -102) : Math.ScaleB(1.0, -969);
        int knt = 0;
        if (Math.Abs(beta) < safmin)
        {
            // zdscal by 1 / safmin, a power of two: exact on both parts.
            double rsafmn = 1 / safmin;
            do
            {
                knt++;
                ScaleParts(tail, rsafmn);
                beta *= rsafmn;
                alphi *= rsafmn;
                alphr *= rsafmn;
            }
            while (Math.Abs(beta) < safmin && knt < 20);

            xnorm = ComplexNorm(tail);
            alpha = Make(alphr, alphi);
            beta = RoundReal(-Math.CopySign(Lapy3(alphr, alphi, xnorm), alphr));
        }

        T tau = Make((beta - alphr) / beta, -alphi / beta);
        T scale = T.One / (alpha - Element<T>.FromReal(beta));     // zladiv(1, alpha - beta)
        for (int i = 0; i < tail.Length; i++)
        {
            tail[i] *= scale;
        }

        for (int j = 0; j < knt; j++)
        {
            beta *= safmin;
        }

        x[0] = Element<T>.FromReal(beta);
        return tau;
    }

    /// <summary>
    /// c = (I - tau v v^H) c with v_0 = 1 (whatever is stored there), LAPACK zlarf from the left on
    /// one column, in zgemv's and zgerc's order: w = c^H v, c += v (-tau conj(w)).
    /// </summary>
    private static void ApplyReflectorComplex(ReadOnlySpan<T> v, T tau, Span<T> c)
    {
        T w = Element<T>.Conjugate(c[0]);
        for (int i = 1; i < v.Length; i++)
        {
            w += Element<T>.Conjugate(c[i]) * v[i];
        }

        T temp = -tau * Element<T>.Conjugate(w);
        c[0] += temp;
        for (int i = 1; i < v.Length; i++)
        {
            c[i] += v[i] * temp;
        }
    }

    /// <summary>dznrm2 (scnrm2): the 2-norm of a complex vector is the 2-norm of the reals it is made of.</summary>
    private static double ComplexNorm(ReadOnlySpan<T> x) =>
        Element<T>.IsSingle ? Householder<float>.Norm(MemoryMarshal.Cast<T, float>(x)) : Householder<double>.Norm(MemoryMarshal.Cast<T, double>(x));

    /// <summary>Multiplies both parts of every element by <paramref name="factor"/> (zdscal).</summary>
    private static void ScaleParts(Span<T> x, double factor)
    {
        if (Element<T>.IsSingle)
        {
            Span<float> parts = MemoryMarshal.Cast<T, float>(x);
            for (int i = 0; i < parts.Length; i++)
            {
                parts[i] = (float)(parts[i] * factor);
            }
        }
        else
        {
            Span<double> parts = MemoryMarshal.Cast<T, double>(x);
            for (int i = 0; i < parts.Length; i++)
            {
                parts[i] *= factor;
            }
        }
    }

    /// <summary>dlapy3: sqrt(x^2 + y^2 + z^2) without needless overflow or underflow.</summary>
    private static double Lapy3(double x, double y, double z)
    {
        double xa = Math.Abs(x), ya = Math.Abs(y), za = Math.Abs(z);
        double w = Math.Max(xa, Math.Max(ya, za));
        if (w == 0)
        {
            return xa + ya + za;
        }

        double xw = xa / w, yw = ya / w, zw = za / w;
        return w * Math.Sqrt((xw * xw) + (yw * yw) + (zw * zw));
    }

    /// <summary>A real scalar rounded to T's real type (float for <see cref="Complex64"/>), as zlarfg/clarfg keep it.</summary>
    private static double RoundReal(double x) => Element<T>.IsSingle ? (float)x : x;

    /// <summary>Im(x) of a complex element.</summary>
    private static double Imaginary(T x) =>
        typeof(T) == typeof(Complex) ? Unsafe.As<T, Complex>(ref x).Imaginary : Unsafe.As<T, Complex64>(ref x).Imaginary;

    /// <summary>The complex element re + i im, each part rounded to T's real type.</summary>
    private static T Make(double re, double im)
    {
        if (typeof(T) == typeof(Complex))
        {
            var z = new Complex(re, im);
            return Unsafe.As<Complex, T>(ref z);
        }

        var z64 = new Complex64((float)re, (float)im);
        return Unsafe.As<Complex64, T>(ref z64);
    }

    /// <summary>c = (I - tau v v^T) c with v_0 = 1 (whatever is stored there), LAPACK dlarf on one column.</summary>
    private static void ApplyReflector(ReadOnlySpan<T> v, T tau, Span<T> c)
    {
        T w = c[0];
        for (int i = 1; i < v.Length; i++)
        {
            w += v[i] * c[i];
        }

        w *= tau;
        c[0] -= w;
        for (int i = 1; i < v.Length; i++)
        {
            c[i] -= w * v[i];
        }
    }

    /// <summary>The 2-norm without overflow or harmful underflow (scaled by the largest magnitude, as dnrm2).</summary>
    private static T Norm(ReadOnlySpan<T> x)
    {
        T max = T.Zero;
        foreach (T v in x)
        {
            max = T.MaxMagnitudeNumber(max, v);
        }

        max = T.Abs(max);
        if (max == T.Zero)
        {
            return T.Zero;
        }

        // Accumulate in double for both types, scaled by 2^-ilogb(max) (exact): no overflow, and
        // no underflow of the squares that matter.
        int exponent = double.ILogB(double.CreateTruncating(max));
        double sum = 0;
        foreach (T v in x)
        {
            double d = Math.ScaleB(double.CreateTruncating(v), -exponent);
            sum += d * d;
        }

        return T.CreateTruncating(Math.ScaleB(Math.Sqrt(sum), exponent));
    }

    /// <summary>The real reflector (dlarfg), in the real type itself: the arithmetic of the code before complex elements.</summary>
    private static class Real<TR>
        where TR : unmanaged, IFloatingPointIeee754<TR>
    {
        public static TR Larfg(Span<TR> x)
        {
            if (x.Length <= 1)
            {
                return TR.Zero;
            }

            Span<TR> tail = x[1..];
            TR xnorm = Householder<TR>.Norm(tail);
            if (xnorm == TR.Zero)
            {
                return TR.Zero;
            }

            TR alpha = x[0];
            TR beta = TR.Hypot(alpha, xnorm);
            beta = TR.IsNegative(alpha) ? beta : -beta;
            // dlamch('S') / dlamch('E'), with LAPACK's eps = 2^-24 (2^-53), the unit roundoff.
            TR safmin = TR.CreateTruncating(typeof(TR) == typeof(float) ? Math.ScaleB(1.0, -102) : Math.ScaleB(1.0, -969));
            int knt = 0;
            if (TR.Abs(beta) < safmin)
            {
                TR rsafmn = TR.One / safmin;
                do
                {
                    knt++;
                    for (int i = 0; i < tail.Length; i++)
                    {
                        tail[i] *= rsafmn;
                    }

                    beta *= rsafmn;
                    alpha *= rsafmn;
                }
                while (TR.Abs(beta) < safmin && knt < 20);

                xnorm = Householder<TR>.Norm(tail);
                beta = TR.Hypot(alpha, xnorm);
                beta = TR.IsNegative(alpha) ? beta : -beta;
            }

            TR tau = (beta - alpha) / beta;
            TR scale = TR.One / (alpha - beta);
            for (int i = 0; i < tail.Length; i++)
            {
                tail[i] *= scale;
            }

            for (int j = 0; j < knt; j++)
            {
                beta *= safmin;
            }

            x[0] = beta;
            return tau;
        }
    }
}
