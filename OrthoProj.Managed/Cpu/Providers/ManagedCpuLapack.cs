using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MathNet.Numerics;
using MathNet.Numerics.Providers.LinearAlgebra;

namespace OrthoProj.Cpu.Providers;

/// <summary>
/// The managed route, no native library needed: products and the SVD through Math.NET Numerics'
/// managed provider (which works on whole arrays, so each call copies its operands once), QR through
/// <see cref="Householder{T}"/> (LAPACK's algorithm and signs, zgeqr2/zung2r's for complex elements).
/// It has no reflector interface (<see cref="CpuLapack{T}.SupportsReflectors"/> is false): Q comes explicit.
/// </summary>
/// <typeparam name="T">float, double, <see cref="Complex64"/> or <see cref="Complex"/>.</typeparam>
internal sealed class ManagedCpuLapack<T> : CpuLapack<T>
    where T : unmanaged, INumberBase<T>
{
    private static readonly ManagedLinearAlgebraProvider Provider = ManagedLinearAlgebraProvider.Instance;

    public override string Name => "Math.NET managed";

    public override bool SupportsReflectors => false;

    protected override void GemmCore(bool adjointA, bool adjointB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, ReadOnlySpan<T> b, T beta, Span<T> c)
    {
        Span<T> cc = c[..(m * n)];
        T[] result = typeof(T) == typeof(Complex64) ? [] : cc.ToArray();
        // The adjoint: Transpose for real operands, ConjugateTranspose (which Math.NET's managed
        // provider conjugates; ManagedComplexLapackTests checks it) for complex ones.
        var adjoint = Element<T>.IsComplex ? Transpose.ConjugateTranspose : Transpose.Transpose;
        var ta = adjointA ? adjoint : Transpose.DontTranspose;
        var tb = adjointB ? adjoint : Transpose.DontTranspose;
        int ar = adjointA ? k : m, ac = adjointA ? m : k, br = adjointB ? n : k, bc = adjointB ? k : n;
        if (typeof(T) == typeof(double))
        {
            Provider.MatrixMultiplyWithUpdate(ta, tb, double.CreateTruncating(alpha), Array<double>(a, ar * ac), ar, ac, Array<double>(b, br * bc), br, bc, double.CreateTruncating(beta), (double[])(object)result);
        }
        else if (typeof(T) == typeof(float))
        {
            Provider.MatrixMultiplyWithUpdate(ta, tb, float.CreateTruncating(alpha), Array<float>(a, ar * ac), ar, ac, Array<float>(b, br * bc), br, bc, float.CreateTruncating(beta), (float[])(object)result);
        }
        else if (typeof(T) == typeof(Complex))
        {
            Provider.MatrixMultiplyWithUpdate(ta, tb, As<Complex>(alpha), Array<Complex>(a, ar * ac), ar, ac, Array<Complex>(b, br * bc), br, bc, As<Complex>(beta), (Complex[])(object)result);
        }
        else
        {
            // Complex64 and Math.NET's Complex32 share one layout: the arrays are copies of the reinterpreted spans.
            Complex32[] c32 = MathNetInterop.AsComplex32(MemoryMarshal.Cast<T, Complex64>(cc)).ToArray();
            Provider.MatrixMultiplyWithUpdate(ta, tb, As<Complex64>(alpha).ToComplex32(), Complex32s(a, ar * ac), ar, ac, Complex32s(b, br * bc), br, bc, As<Complex64>(beta).ToComplex32(), c32);
            MathNetInterop.AsComplex64(c32).CopyTo(MemoryMarshal.Cast<T, Complex64>(cc));
            return;
        }

        result.CopyTo(cc);
    }

    public override void SolveUpper(ReadOnlySpan<T> r, int n, bool adjoint, bool right, Span<T> b, int rows, int cols)
    {
        // op(R) = R^H reads conj(R) transposed; Conjugate is the identity for real elements.
        if (!right)
        {
            // op(R) x = b per column of b: back substitution for R, forward for R^H.
            for (int col = 0; col < cols; col++)
            {
                Span<T> x = b.Slice(col * n, n);
                for (int step = 0; step < n; step++)
                {
                    int i = adjoint ? step : n - 1 - step;
                    T sum = x[i];
                    for (int j = adjoint ? 0 : i + 1; j < (adjoint ? i : n); j++)
                    {
                        sum -= (adjoint ? Element<T>.Conjugate(r[(i * n) + j]) : r[(j * n) + i]) * x[j];
                    }

                    x[i] = sum / (adjoint ? Element<T>.Conjugate(r[(i * n) + i]) : r[(i * n) + i]);
                }
            }

            return;
        }

        // X op(R) = B by columns of X: column j of X R is sum_{l <= j} X[:, l] R[l, j] (solved
        // first to last), of X R^H it is sum_{l >= j} X[:, l] conj(R[j, l]) (last to first).
        for (int step = 0; step < n; step++)
        {
            int j = adjoint ? n - 1 - step : step;
            Span<T> xj = b.Slice(j * rows, rows);
            for (int l = adjoint ? j + 1 : 0; l < (adjoint ? n : j); l++)
            {
                T coefficient = adjoint ? Element<T>.Conjugate(r[(l * n) + j]) : r[(j * n) + l];
                ReadOnlySpan<T> xl = b.Slice(l * rows, rows);
                for (int i = 0; i < rows; i++)
                {
                    xj[i] -= xl[i] * coefficient;
                }
            }

            T d = adjoint ? Element<T>.Conjugate(r[(j * n) + j]) : r[(j * n) + j];
            for (int i = 0; i < rows; i++)
            {
                xj[i] /= d;
            }
        }
    }

    public override void ThinQr(Span<T> a, int m, int n, Span<T> r)
    {
        T[] tau = Householder<T>.Geqr2(a, m, n);
        CopyUpper(a, m, n, r);

        Householder<T>.Org2r(a, m, n, n, tau);
    }

    public override void FullQr(Span<T> a, int m, int n, Span<T> q)
    {
        int k = Math.Min(m, n);
        T[] tau = Householder<T>.Geqr2(a, m, n);
        q.Clear();
        a[..(m * k)].CopyTo(q);
        Householder<T>.Org2r(q, m, m, k, tau);
        ZeroBelowDiagonal(a, m, n);
    }

    public override void ThinSvd(Span<T> a, int m, int n, Span<T> u, Span<T> s, Span<T> v)
    {
        int k = Math.Min(m, n);
        if (k == 0)
        {
            return;
        }

        // Math.NET computes the full SVD A = U S VT with VT = V^H (V^T for real elements; checked by
        // ManagedComplexLapackTests): keep U's first k columns (a prefix) and VT's first k rows.
        T[] full = a[..(m * n)].ToArray(), ss = new T[k], uu = new T[m * m], vt = new T[n * n];
        if (typeof(T) == typeof(double))
        {
            Provider.SingularValueDecomposition(true, (double[])(object)full, m, n, (double[])(object)ss, (double[])(object)uu, (double[])(object)vt);
        }
        else if (typeof(T) == typeof(float))
        {
            Provider.SingularValueDecomposition(true, (float[])(object)full, m, n, (float[])(object)ss, (float[])(object)uu, (float[])(object)vt);
        }
        else if (typeof(T) == typeof(Complex))
        {
            Provider.SingularValueDecomposition(true, (Complex[])(object)full, m, n, (Complex[])(object)ss, (Complex[])(object)uu, (Complex[])(object)vt);
        }
        else
        {
            Complex32[] full32 = Complex32s(full, m * n), ss32 = new Complex32[k], uu32 = new Complex32[m * m], vt32 = new Complex32[n * n];
            Provider.SingularValueDecomposition(true, full32, m, n, ss32, uu32, vt32);
            MemoryMarshal.Cast<Complex32, T>(ss32).CopyTo(ss);
            MemoryMarshal.Cast<Complex32, T>(uu32).CopyTo(uu);
            MemoryMarshal.Cast<Complex32, T>(vt32).CopyTo(vt);
        }

        // Singular values are real: drop whatever imaginary part the complex routine leaves.
        for (int i = 0; i < k; i++)
        {
            s[i] = Element<T>.IsComplex ? Element<T>.FromReal(Element<T>.Real(ss[i])) : ss[i];
        }

        uu.AsSpan(0, m * k).CopyTo(u);
        AdjointVt(vt, n, n, k, v);
    }

    private static TElement[] Array<TElement>(ReadOnlySpan<T> x, int length) =>
        (TElement[])(object)x[..length].ToArray();

    private static Complex32[] Complex32s(ReadOnlySpan<T> x, int length) =>
        MemoryMarshal.Cast<T, Complex32>(x[..length]).ToArray();

    private static TElement As<TElement>(T x)
        where TElement : unmanaged => Unsafe.As<T, TElement>(ref x);
}
