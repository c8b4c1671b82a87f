using System.Numerics;
using MathNet.Numerics.Providers.LinearAlgebra;

namespace OrthoProj.Cpu.Providers;

/// <summary>
/// Math.NET Numerics' managed provider: no native library needed. Math.NET works on whole arrays,
/// so each call copies its operands once; its QR has no reflector interface, so Q comes explicit
/// (<see cref="CpuLapack{T}.SupportsReflectors"/> is false). The QR sign convention is brought to
/// LAPACK's in <see cref="HostLinalg{T}"/>, the one place that calls Math.NET's factorizations.
/// </summary>
internal sealed class ManagedCpuLapack<T> : CpuLapack<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly HostLinalg<T> la = new(ManagedLinearAlgebraProvider.Instance);

    public override string Name => "Math.NET managed";

    public override bool SupportsReflectors => false;

    public override void Gemm(bool transA, bool transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, ReadOnlySpan<T> b, T beta, Span<T> c)
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        T[] cc = c[..(m * n)].ToArray();
        la.MulAdd(alpha, a[..(m * k)].ToArray(), transA ? k : m, transA ? m : k, transA, b[..(k * n)].ToArray(), transB ? n : k, transB ? k : n, transB, beta, cc);
        cc.CopyTo(c);
    }

    public override void SolveUpper(ReadOnlySpan<T> r, int n, bool transpose, Span<T> b, int p) =>
        HostLinalg<T>.SolveUpperLeft(r, n, n, transpose, b, p);

    public override void ThinQr(Span<T> a, int m, int n, Span<T> r)
    {
        T[] q = a[..(m * n)].ToArray();
        la.ThinQr(q, m, n).CopyTo(r);
        q.CopyTo(a);
    }

    public override void ThinSvd(Span<T> a, int m, int n, Span<T> u, Span<T> s, Span<T> v)
    {
        int k = Math.Min(m, n);
        if (k == 0)
        {
            return;
        }

        (T[] ss, T[] uu, T[] vt) = la.Svd(a[..(m * n)].ToArray(), m, n);
        ss.CopyTo(s);
        uu.CopyTo(u);
        for (int j = 0; j < n; j++)
        {
            for (int l = 0; l < k; l++)
            {
                v[(l * n) + j] = vt[(j * k) + l];
            }
        }
    }
}
