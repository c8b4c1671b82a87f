using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace OrthoProj.Native;

/// <summary>
/// The safe layer over <see cref="LapackInterop"/> and <see cref="BlasInterop"/>: span-based,
/// for <see cref="float"/> (s routines), <see cref="double"/> (d routines), <see cref="Complex64"/>
/// (c routines) and <see cref="Complex"/> (z routines), column-major with explicit leading
/// dimensions. Each method checks that the spans cover what the routine touches
/// (so no call can read or write outside them), checks LAPACK's own argument rules before the call
/// (reference LAPACK/BLAS stop the process in XERBLA on an illegal argument, so the rule is
/// enforced here and reported as a <see cref="LapackException"/> with the INFO LAPACK would have
/// returned), queries and rents the workspace (LWORK = -1), and turns a nonzero INFO into a
/// <see cref="LapackException"/>.
/// </summary>
/// <remarks>
/// <para>
/// Complex conventions: the orthogonal factor's routines are the unitary ones (orgqr, ormqr, orm2r
/// call ungqr, unmqr, unm2r), the adjoint is TRANS = 'C' (Q^H, A^H), and gesdd returns V^H in VT
/// with real singular values. A caller can always pass 'C' for the adjoint: the real routines
/// read it as 'T' (for real matrices A^H = A^T). The one asymmetry is LAPACK's: unmqr/unm2r reject
/// 'T' (Q^T of a unitary Q is not offered), so <see cref="Ormqr{T}"/> and <see cref="Orm2r{T}"/>
/// with complex T take 'N' or 'C' only, while gemm and trsm take 'N', 'T' or 'C' for every T.
/// </para>
/// <para>
/// Each method dispatches on T through a chain of <c>typeof(T) == typeof(...)</c> tests over the
/// four element types; T is a value type, so the JIT folds the chain and each instantiation
/// compiles to its one native call. Any other T throws <see cref="NotSupportedException"/> before
/// anything is called.
/// </para>
/// </remarks>
internal static unsafe partial class Lapack
{
    /// <summary>
    /// Householder QR, LAPACK ?geqrf (s, d, c, z): A (m x n) = Q R; on exit R is on and above the
    /// diagonal and the reflectors' vectors below it, with their scalars in <paramref name="tau"/>
    /// (min(m, n)). For complex T, Q is unitary and R's diagonal is real (larfg makes each beta real).
    /// </summary>
    public static void Geqrf<T>(int m, int n, Span<T> a, int lda, Span<T> tau)
        where T : unmanaged, INumberBase<T>
    {
        string routine = Name<T>("geqrf");
        Require(routine, m >= 0, 1);
        Require(routine, n >= 0, 2);
        Require(routine, lda >= Math.Max(1, m), 4);
        int k = Math.Min(m, n);
        Covers(a, m, n, lda, nameof(a));
        Covers(tau, k, nameof(tau));
        if (k == 0)
        {
            return;
        }

        fixed (T* pa = a, pt = tau)
        {
            Check(routine, CallWithWorkspace<T, GeqrfCall<T>>(routine, new(m, n, pa, lda, pt), minimum: n));
        }
    }

    /// <summary>
    /// Forms the first n columns of Q = H(1) ... H(k) from geqrf's reflectors, LAPACK sorgqr/dorgqr
    /// (cungqr/zungqr for complex T, Q unitary): on entry the first k columns of A
    /// (m x n, m &gt;= n &gt;= k) hold the reflectors, on exit A is Q.
    /// </summary>
    public static void Orgqr<T>(int m, int n, int k, Span<T> a, int lda, ReadOnlySpan<T> tau)
        where T : unmanaged, INumberBase<T>
    {
        string routine = Name<T>("orgqr");
        Require(routine, m >= 0, 1);
        Require(routine, n >= 0 && n <= m, 2);
        Require(routine, k >= 0 && k <= n, 3);
        Require(routine, lda >= Math.Max(1, m), 5);
        Covers(a, m, n, lda, nameof(a));
        Covers(tau, k, nameof(tau));
        if (n == 0)
        {
            return;
        }

        fixed (T* pa = a, pt = tau)
        {
            Check(routine, CallWithWorkspace<T, OrgqrCall<T>>(routine, new(m, n, k, pa, lda, pt), minimum: n));
        }
    }

    /// <summary>
    /// Applies Q = H(1) ... H(k) from geqrf's reflectors to C (m x n), LAPACK sormqr/dormqr
    /// (cunmqr/zunmqr for complex T): C = op(Q) C (<paramref name="side"/> 'L') or C op(Q) ('R'),
    /// op = identity ('N') or adjoint ('C'; Q^H, which is Q^T for real T). Real T also takes 'T';
    /// complex T rejects it as unmqr does (INFO = -2). A holds the reflectors (nq x k, nq = m for
    /// 'L', n for 'R').
    /// </summary>
    /// <remarks>
    /// LAPACK declares A input/output: the unblocked kernel (orm2r) overwrites each diagonal element
    /// with 1 while it applies a reflector and restores it afterwards. A is bit-identical on exit,
    /// but two concurrent calls on the same A race; callers sharing reflectors must serialize.
    /// </remarks>
    public static void Ormqr<T>(char side, char trans, int m, int n, int k, Span<T> a, int lda, ReadOnlySpan<T> tau, Span<T> c, int ldc)
        where T : unmanaged, INumberBase<T>
    {
        string routine = Name<T>("ormqr");
        bool left = CheckApplyQArguments(routine, side, trans, m, n, k, a, lda, tau, c, ldc, out byte t);
        if (m == 0 || n == 0 || k == 0)
        {
            return;
        }

        byte s = (byte)char.ToUpperInvariant(side);
        fixed (T* pa = a, pt = tau, pc = c)
        {
            Check(routine, CallWithWorkspace<T, OrmqrCall<T>>(routine, new(s, t, m, n, k, pa, lda, pt, pc, ldc), minimum: left ? n : m));
        }
    }

    /// <summary>
    /// Applies Q from geqrf's reflectors to C exactly as <see cref="Ormqr{T}"/> does, one reflector
    /// at a time, LAPACK sorm2r/dorm2r (cunm2r/zunm2r for complex T; ormqr's unblocked kernel). Faster than ormqr for a few columns
    /// of C, where ormqr's per-call block setup (larft) dominates. Same arguments, same caveat on A.
    /// </summary>
    public static void Orm2r<T>(char side, char trans, int m, int n, int k, Span<T> a, int lda, ReadOnlySpan<T> tau, Span<T> c, int ldc)
        where T : unmanaged, INumberBase<T>
    {
        string routine = Name<T>("orm2r");
        bool left = CheckApplyQArguments(routine, side, trans, m, n, k, a, lda, tau, c, ldc, out byte t);
        if (m == 0 || n == 0 || k == 0)
        {
            return;
        }

        byte s = (byte)char.ToUpperInvariant(side);
        int info = 0;
        int lwork = left ? n : m;
        T[] work = ArrayPool<T>.Shared.Rent(lwork);
        try
        {
            fixed (T* pa = a, pt = tau, pc = c, pw = work)
            {
                if (typeof(T) == typeof(double))
                {
                    LapackInterop.dorm2r_(&s, &t, &m, &n, &k, (double*)pa, &lda, (double*)pt, (double*)pc, &ldc, (double*)pw, &info, 1, 1);
                }
                else if (typeof(T) == typeof(float))
                {
                    LapackInterop.sorm2r_(&s, &t, &m, &n, &k, (float*)pa, &lda, (float*)pt, (float*)pc, &ldc, (float*)pw, &info, 1, 1);
                }
                else if (typeof(T) == typeof(Complex))
                {
                    LapackInterop.zunm2r_(&s, &t, &m, &n, &k, (Complex*)pa, &lda, (Complex*)pt, (Complex*)pc, &ldc, (Complex*)pw, &info, 1, 1);
                }
                else if (typeof(T) == typeof(Complex64))
                {
                    LapackInterop.cunm2r_(&s, &t, &m, &n, &k, (Complex64*)pa, &lda, (Complex64*)pt, (Complex64*)pc, &ldc, (Complex64*)pw, &info, 1, 1);
                }
                else
                {
                    throw Unsupported<T>();
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(work);
        }

        Check(routine, info);
    }

    /// <summary>
    /// SVD by divide and conquer, LAPACK ?gesdd (s, d, c, z): A (m x n, destroyed) = U diag(s) V^T
    /// for real T, U diag(s) V^H for complex T (VT receives V^H, the adjoint, not the transpose), s
    /// real and in decreasing order. <paramref name="jobz"/>: 'A' (U m x m, V^T n x n), 'S' (U m x min,
    /// V^T min x n) or 'N' (values only; U and V^T not referenced).
    /// </summary>
    /// <typeparam name="T">The element type: float, double, <see cref="Complex64"/> or <see cref="Complex"/>.</typeparam>
    /// <typeparam name="TReal">The real type of <typeparamref name="T"/>, the type of the singular
    /// values: float for float and <see cref="Complex64"/>, double for double and <see cref="Complex"/>.</typeparam>
    /// <exception cref="ArgumentException"><typeparamref name="TReal"/> is not the real type of <typeparamref name="T"/>.</exception>
    /// <exception cref="LapackException">INFO &gt; 0: the divide and conquer did not converge.</exception>
    public static void Gesdd<T, TReal>(char jobz, int m, int n, Span<T> a, int lda, Span<TReal> s, Span<T> u, int ldu, Span<T> vt, int ldvt)
        where T : unmanaged, INumberBase<T>
        where TReal : unmanaged, INumberBase<TReal>
    {
        string routine = Name<T>("gesdd");
        bool complex = IsComplex<T>();
        Type real = typeof(T) == typeof(double) || typeof(T) == typeof(Complex) ? typeof(double) : typeof(float);
        if (typeof(TReal) != real)
        {
            throw new ArgumentException($"{routine} returns its singular values as {real.Name}, the real type of {typeof(T).Name}; TReal is {typeof(TReal).Name}.", nameof(s));
        }

        char job = char.ToUpperInvariant(jobz);
        if (job is 'O')
        {
            throw new ArgumentOutOfRangeException(nameof(jobz), jobz, "JOBZ = 'O' (overwrite A) is not supported here; use 'A', 'S' or 'N'.");
        }

        Require(routine, job is 'A' or 'S' or 'N', 1);
        Require(routine, m >= 0, 2);
        Require(routine, n >= 0, 3);
        Require(routine, lda >= Math.Max(1, m), 5);
        int k = Math.Min(m, n);
        bool vectors = job != 'N';
        Require(routine, ldu >= 1 && (!vectors || ldu >= m), 8);
        Require(routine, ldvt >= 1 && (!vectors || ldvt >= (job == 'A' ? n : k)), 10);
        Covers(a, m, n, lda, nameof(a));
        Covers(s, k, nameof(s));
        if (vectors)
        {
            Covers(u, m, job == 'A' ? m : k, ldu, nameof(u));
            Covers(vt, job == 'A' ? n : k, n, ldvt, nameof(vt));
        }

        if (k == 0)
        {
            return;
        }

        byte j = (byte)job;

        // The complex routines also take a real workspace RWORK (LRWORK is not an argument, so it
        // cannot be queried): 7 min(m, n) for values only (LAPACK 3.7+ documents 5 min(m, n); 7 is
        // what earlier versions need), else max(5 mn^2 + 5 mn, 2 mx mn + 2 mn^2 + mn).
        long rworkLength = 0;
        if (complex)
        {
            long mn = k, mx = Math.Max(m, n);
            rworkLength = vectors ? Math.Max((5 * mn * mn) + (5 * mn), (2 * mx * mn) + (2 * mn * mn) + mn) : 7 * mn;
            if (rworkLength > Array.MaxLength)
            {
                throw new ArgumentOutOfRangeException(nameof(m), $"{routine} with {m} x {n} needs a real workspace of {rworkLength} elements, more than an array holds.");
            }
        }

        int[] iwork = ArrayPool<int>.Shared.Rent(8 * k);
        TReal[] rwork = complex ? ArrayPool<TReal>.Shared.Rent((int)rworkLength) : [];
        try
        {
            fixed (T* pa = a, pu = u, pv = vt)
            fixed (TReal* ps = s, pr = rwork)
            fixed (int* pi = iwork)
            {
                Check(routine, CallWithWorkspace<T, GesddCall<T, TReal>>(routine, new(j, m, n, pa, lda, ps, pu, ldu, pv, ldvt, pr, pi), minimum: 1));
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(iwork);
            if (complex)
            {
                ArrayPool<TReal>.Shared.Return(rwork);
            }
        }
    }

    /// <summary>
    /// C = alpha op(A) op(B) + beta C, BLAS ?gemm (s, d, c, z); op(A) is m x k, op(B) is k x n,
    /// C is m x n. op is 'N' (identity), 'T' (transpose) or 'C' (adjoint, the conjugate
    /// transpose; for real T the same as 'T'). With k = 0 the product is empty and C = beta C
    /// (beta = 0 clears C, NaN included).
    /// </summary>
    public static void Gemm<T>(char transa, char transb, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
        where T : unmanaged, INumberBase<T>
    {
        string routine = Name<T>("gemm");
        Require(routine, TryBlasOp<T>(transa, out byte sa), 1);
        Require(routine, TryBlasOp<T>(transb, out byte sb), 2);
        bool ta = sa != (byte)'N', tb = sb != (byte)'N';
        Require(routine, m >= 0, 3);
        Require(routine, n >= 0, 4);
        Require(routine, k >= 0, 5);
        int rowsA = ta ? k : m, colsA = ta ? m : k, rowsB = tb ? n : k, colsB = tb ? k : n;
        Require(routine, lda >= Math.Max(1, rowsA), 8);
        Require(routine, ldb >= Math.Max(1, rowsB), 10);
        Require(routine, ldc >= Math.Max(1, m), 13);
        Covers(a, rowsA, colsA, lda, nameof(a));
        Covers(b, rowsB, colsB, ldb, nameof(b));
        Covers(c, m, n, ldc, nameof(c));
        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            for (int j = 0; j < n; j++)
            {
                Span<T> col = c.Slice(j * ldc, m);
                if (beta == T.Zero)
                {
                    col.Clear();
                }
                else
                {
                    for (int i = 0; i < m; i++)
                    {
                        col[i] *= beta;
                    }
                }
            }

            return;
        }

        fixed (T* pa = a, pb = b, pc = c)
        {
            if (typeof(T) == typeof(double))
            {
                double al = Unsafe.BitCast<T, double>(alpha), be = Unsafe.BitCast<T, double>(beta);
                BlasInterop.dgemm_(&sa, &sb, &m, &n, &k, &al, (double*)pa, &lda, (double*)pb, &ldb, &be, (double*)pc, &ldc, 1, 1);
            }
            else if (typeof(T) == typeof(float))
            {
                float al = Unsafe.BitCast<T, float>(alpha), be = Unsafe.BitCast<T, float>(beta);
                BlasInterop.sgemm_(&sa, &sb, &m, &n, &k, &al, (float*)pa, &lda, (float*)pb, &ldb, &be, (float*)pc, &ldc, 1, 1);
            }
            else if (typeof(T) == typeof(Complex))
            {
                Complex al = Unsafe.BitCast<T, Complex>(alpha), be = Unsafe.BitCast<T, Complex>(beta);
                BlasInterop.zgemm_(&sa, &sb, &m, &n, &k, &al, (Complex*)pa, &lda, (Complex*)pb, &ldb, &be, (Complex*)pc, &ldc, 1, 1);
            }
            else if (typeof(T) == typeof(Complex64))
            {
                Complex64 al = Unsafe.BitCast<T, Complex64>(alpha), be = Unsafe.BitCast<T, Complex64>(beta);
                BlasInterop.cgemm_(&sa, &sb, &m, &n, &k, &al, (Complex64*)pa, &lda, (Complex64*)pb, &ldb, &be, (Complex64*)pc, &ldc, 1, 1);
            }
            else
            {
                throw Unsupported<T>();
            }
        }
    }

    /// <summary>
    /// Solves op(A) X = alpha B (<paramref name="side"/> 'L') or X op(A) = alpha B ('R') in place
    /// of B (m x n), A triangular, BLAS ?trsm (s, d, c, z); op is 'N', 'T' or 'C' (adjoint; for
    /// real T the same as 'T'). No test for singularity is made: a zero on the diagonal gives
    /// infinities, as in BLAS.
    /// </summary>
    public static void Trsm<T>(char side, char uplo, char transa, char diag, int m, int n, T alpha, ReadOnlySpan<T> a, int lda, Span<T> b, int ldb)
        where T : unmanaged, INumberBase<T>
    {
        string routine = Name<T>("trsm");
        bool left = side is 'L' or 'l';
        Require(routine, left || side is 'R' or 'r', 1);
        Require(routine, uplo is 'U' or 'u' or 'L' or 'l', 2);
        Require(routine, TryBlasOp<T>(transa, out byte t), 3);
        Require(routine, diag is 'U' or 'u' or 'N' or 'n', 4);
        Require(routine, m >= 0, 5);
        Require(routine, n >= 0, 6);
        int order = left ? m : n;
        Require(routine, lda >= Math.Max(1, order), 9);
        Require(routine, ldb >= Math.Max(1, m), 11);
        Covers(a, order, order, lda, nameof(a));
        Covers(b, m, n, ldb, nameof(b));
        if (m == 0 || n == 0)
        {
            return;
        }

        byte s = (byte)char.ToUpperInvariant(side), u = (byte)char.ToUpperInvariant(uplo);
        byte d = (byte)char.ToUpperInvariant(diag);
        fixed (T* pa = a, pb = b)
        {
            if (typeof(T) == typeof(double))
            {
                double al = Unsafe.BitCast<T, double>(alpha);
                BlasInterop.dtrsm_(&s, &u, &t, &d, &m, &n, &al, (double*)pa, &lda, (double*)pb, &ldb, 1, 1, 1, 1);
            }
            else if (typeof(T) == typeof(float))
            {
                float al = Unsafe.BitCast<T, float>(alpha);
                BlasInterop.strsm_(&s, &u, &t, &d, &m, &n, &al, (float*)pa, &lda, (float*)pb, &ldb, 1, 1, 1, 1);
            }
            else if (typeof(T) == typeof(Complex))
            {
                Complex al = Unsafe.BitCast<T, Complex>(alpha);
                BlasInterop.ztrsm_(&s, &u, &t, &d, &m, &n, &al, (Complex*)pa, &lda, (Complex*)pb, &ldb, 1, 1, 1, 1);
            }
            else if (typeof(T) == typeof(Complex64))
            {
                Complex64 al = Unsafe.BitCast<T, Complex64>(alpha);
                BlasInterop.ctrsm_(&s, &u, &t, &d, &m, &n, &al, (Complex64*)pa, &lda, (Complex64*)pb, &ldb, 1, 1, 1, 1);
            }
            else
            {
                throw Unsupported<T>();
            }
        }
    }
}
