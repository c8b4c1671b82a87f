using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrthoProj.Cpu.Batched;

/// <summary>Applying Q, Q^T and R^-1 from the stored reflectors, and the small vector helpers they share.</summary>
internal sealed partial class BatchedQrEngine<T, TV, TOps>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : unmanaged
    where TOps : struct, ILaneOps<TV, T>
{
    /// <summary>x := Q^T x = H_(n-1) ... H_0 x for x of length m.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApplyQt(ref TV f, ref TV tau, int m, int n, ref TV x)
    {
        for (int k = 0; k < n; k++)
        {
            ApplyReflector(ref Unsafe.Add(ref f, k * m), Unsafe.Add(ref tau, k), k, m, ref x);
        }
    }

    /// <summary>x := Q x = H_0 ... H_(n-1) x for x of length m.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApplyQ(ref TV f, ref TV tau, int m, int n, ref TV x)
    {
        for (int k = n - 1; k >= 0; k--)
        {
            ApplyReflector(ref Unsafe.Add(ref f, k * m), Unsafe.Add(ref tau, k), k, m, ref x);
        }
    }

    /// <summary>x := Q^T x and z := Q^T z in one sweep over the reflectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApplyQt2(ref TV f, ref TV tau, int m, int n, ref TV x, ref TV z)
    {
        for (int k = 0; k < n; k++)
        {
            ApplyReflector2(ref Unsafe.Add(ref f, k * m), Unsafe.Add(ref tau, k), k, m, ref x, ref z);
        }
    }

    /// <summary>x := Q x and z := Q z in one sweep over the reflectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApplyQ2(ref TV f, ref TV tau, int m, int n, ref TV x, ref TV z)
    {
        for (int k = n - 1; k >= 0; k--)
        {
            ApplyReflector2(ref Unsafe.Add(ref f, k * m), Unsafe.Add(ref tau, k), k, m, ref x, ref z);
        }
    }

    /// <summary>One reflector on two vectors: each load of v feeds both, and four chains run at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ApplyReflector2(ref TV v, TV t, int k, int m, ref TV x, ref TV z)
    {
        TV sx = Unsafe.Add(ref x, k), sz = Unsafe.Add(ref z, k), sx1 = TOps.Zero, sz1 = TOps.Zero;
        int i = k + 1;
        for (; i + 2 <= m; i += 2)
        {
            TV v0 = Unsafe.Add(ref v, i), v1 = Unsafe.Add(ref v, i + 1);
            sx = TOps.Fma(v0, Unsafe.Add(ref x, i), sx);
            sz = TOps.Fma(v0, Unsafe.Add(ref z, i), sz);
            sx1 = TOps.Fma(v1, Unsafe.Add(ref x, i + 1), sx1);
            sz1 = TOps.Fma(v1, Unsafe.Add(ref z, i + 1), sz1);
        }

        if (i < m)
        {
            TV v0 = Unsafe.Add(ref v, i);
            sx = TOps.Fma(v0, Unsafe.Add(ref x, i), sx);
            sz = TOps.Fma(v0, Unsafe.Add(ref z, i), sz);
        }

        sx = TOps.Mul(TOps.Add(sx, sx1), t);
        sz = TOps.Mul(TOps.Add(sz, sz1), t);
        Unsafe.Add(ref x, k) = TOps.Sub(Unsafe.Add(ref x, k), sx);
        Unsafe.Add(ref z, k) = TOps.Sub(Unsafe.Add(ref z, k), sz);
        for (i = k + 1; i < m; i++)
        {
            TV vi = Unsafe.Add(ref v, i);
            Unsafe.Add(ref x, i) = TOps.Fnma(sx, vi, Unsafe.Add(ref x, i));
            Unsafe.Add(ref z, i) = TOps.Fnma(sz, vi, Unsafe.Add(ref z, i));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ApplyReflector(ref TV v, TV t, int k, int m, ref TV x)
    {
        // Four partial sums: one chain of dependent FMAs would wait on the FMA latency every row.
        TV s = Unsafe.Add(ref x, k), s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
        int i = k + 1;
        for (; i + 4 <= m; i += 4)
        {
            s = TOps.Fma(Unsafe.Add(ref v, i), Unsafe.Add(ref x, i), s);
            s1 = TOps.Fma(Unsafe.Add(ref v, i + 1), Unsafe.Add(ref x, i + 1), s1);
            s2 = TOps.Fma(Unsafe.Add(ref v, i + 2), Unsafe.Add(ref x, i + 2), s2);
            s3 = TOps.Fma(Unsafe.Add(ref v, i + 3), Unsafe.Add(ref x, i + 3), s3);
        }

        for (; i < m; i++)
        {
            s = TOps.Fma(Unsafe.Add(ref v, i), Unsafe.Add(ref x, i), s);
        }

        s = TOps.Mul(TOps.Add(TOps.Add(s, s1), TOps.Add(s2, s3)), t);
        Unsafe.Add(ref x, k) = TOps.Sub(Unsafe.Add(ref x, k), s);
        for (i = k + 1; i < m; i++)
        {
            Unsafe.Add(ref x, i) = TOps.Fnma(s, Unsafe.Add(ref v, i), Unsafe.Add(ref x, i));
        }
    }

    /// <summary>
    /// x[0..n) := R^-1 x[0..n) = 2^e R'^-1 x[0..n) (back substitution, column oriented), with
    /// 2^e = up[0] up[1] (<see cref="ScaleLanes"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SolveR(ref TV f, ref TV rinv, ref TV up, int m, int n, ref TV x)
    {
        for (int i = n - 1; i >= 0; i--)
        {
            TV xi = TOps.Mul(Unsafe.Add(ref x, i), Unsafe.Add(ref rinv, i));
            Unsafe.Add(ref x, i) = xi;
            ref TV col = ref Unsafe.Add(ref f, i * m);
            for (int r = 0; r < i; r++)
            {
                Unsafe.Add(ref x, r) = TOps.Fnma(Unsafe.Add(ref col, r), xi, Unsafe.Add(ref x, r));
            }
        }

        ScaleUp(ref up, n, ref x);
    }

    /// <summary>x[0..n) := R^-T x[0..n) = 2^e R'^-T x[0..n) (forward substitution, dot oriented).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SolveRT(ref TV f, ref TV rinv, ref TV up, int m, int n, ref TV x)
    {
        for (int i = 0; i < n; i++)
        {
            ref TV col = ref Unsafe.Add(ref f, i * m);
            TV s = Unsafe.Add(ref x, i);
            for (int j = 0; j < i; j++)
            {
                s = TOps.Fnma(Unsafe.Add(ref col, j), Unsafe.Add(ref x, j), s);
            }

            Unsafe.Add(ref x, i) = TOps.Mul(s, Unsafe.Add(ref rinv, i));
        }

        ScaleUp(ref up, n, ref x);
    }

    /// <summary>x[0..len) *= 2^e = up[0] up[1], in two exact steps (see <see cref="ScaleLanes"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScaleUp(ref TV up, int length, ref TV x)
    {
        TV u0 = up, u1 = Unsafe.Add(ref up, 1);
        for (int i = 0; i < length; i++)
        {
            Unsafe.Add(ref x, i) = TOps.Mul(TOps.Mul(Unsafe.Add(ref x, i), u0), u1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(ref TV src, ref TV dst, int length) =>
        MemoryMarshal.CreateReadOnlySpan(ref src, length).CopyTo(MemoryMarshal.CreateSpan(ref dst, length));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Clear(ref TV dst, int length) => MemoryMarshal.CreateSpan(ref dst, length).Clear();

    /// <summary>Q (m x n) of group g, column j = Q e_j.</summary>
    private void FormQ(int g, ref TV q) => FormQ(ref Qr(g), ref Tau(g), m, n, n, ref q);

    /// <summary>
    /// The first <paramref name="columns"/> columns of Q = H_0 ... H_(n-1) (m x columns, n &lt;= columns
    /// &lt;= m), column j = Q e_j, as LAPACK's org2r. H_k with k &gt; j leaves e_j as it is (v_k is zero
    /// above row k), so column j starts at H_min(j, n-1): exactly the same result, about half the work.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FormQ(ref TV f, ref TV tau, int m, int n, int columns, ref TV q)
    {
        TV one = TOps.Broadcast(T.One);
        Clear(ref q, m * columns);
        for (int j = 0; j < columns; j++)
        {
            ref TV qj = ref Unsafe.Add(ref q, j * m);
            Unsafe.Add(ref qj, j) = one;
            for (int k = Math.Min(j, n - 1); k >= 0; k--)
            {
                ApplyReflector(ref Unsafe.Add(ref f, k * m), Unsafe.Add(ref tau, k), k, m, ref qj);
            }
        }
    }
}
