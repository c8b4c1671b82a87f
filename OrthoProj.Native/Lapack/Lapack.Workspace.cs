using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace OrthoProj.Native;

/// <summary>
/// LAPACK's workspace protocol, written once for every routine that takes one: the query
/// (LWORK = -1), the optimal size read from WORK(1), a pooled workspace, the call; and each such
/// routine bound as an <c>IWorkspaceCall</c> that dispatches on the element type.
/// </summary>
internal static unsafe partial class Lapack
{
    /// <summary>
    /// One LAPACK routine that takes a workspace, its other arguments bound: <see cref="Invoke"/>
    /// calls the s, d, c or z routine with the given WORK and LWORK and
    /// returns INFO. <see cref="CallWithWorkspace{T, TCall}"/> runs the query (LWORK = -1), the
    /// rent and the call for every such routine; the struct is a generic argument, so each call
    /// site is specialized and inlined, with no delegate or allocation.
    /// </summary>
    private interface IWorkspaceCall<T>
        where T : unmanaged
    {
        int Invoke(T* work, int lwork);
    }

    /// <summary>
    /// The workspace pattern of LAPACK written once: the query (LWORK = -1, the optimal size in
    /// WORK(1), its real part for the complex routines), a workspace of at least <paramref name="minimum"/> rented from the shared pool,
    /// the call, the return of the workspace. Returns the call's INFO (a failed query throws).
    /// </summary>
    private static int CallWithWorkspace<T, TCall>(string routine, TCall call, int minimum)
        where T : unmanaged, INumberBase<T>
        where TCall : struct, IWorkspaceCall<T>
    {
        T size = default;
        Check(routine, call.Invoke(&size, -1));
        int lwork = WorkSize(size, minimum);
        T[] work = ArrayPool<T>.Shared.Rent(lwork);
        try
        {
            fixed (T* pw = work)
            {
                return call.Invoke(pw, lwork);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(work);
        }
    }

    private readonly struct GeqrfCall<T>(int m, int n, T* a, int lda, T* tau) : IWorkspaceCall<T>
        where T : unmanaged
    {
        public int Invoke(T* work, int lwork)
        {
            int mm = m, nn = n, ld = lda, info = 0;
            if (typeof(T) == typeof(double))
            {
                LapackInterop.dgeqrf_(&mm, &nn, (double*)a, &ld, (double*)tau, (double*)work, &lwork, &info);
            }
            else if (typeof(T) == typeof(float))
            {
                LapackInterop.sgeqrf_(&mm, &nn, (float*)a, &ld, (float*)tau, (float*)work, &lwork, &info);
            }
            else if (typeof(T) == typeof(Complex))
            {
                LapackInterop.zgeqrf_(&mm, &nn, (Complex*)a, &ld, (Complex*)tau, (Complex*)work, &lwork, &info);
            }
            else if (typeof(T) == typeof(Complex64))
            {
                LapackInterop.cgeqrf_(&mm, &nn, (Complex64*)a, &ld, (Complex64*)tau, (Complex64*)work, &lwork, &info);
            }
            else
            {
                throw Unsupported<T>();
            }

            return info;
        }
    }

    private readonly struct OrgqrCall<T>(int m, int n, int k, T* a, int lda, T* tau) : IWorkspaceCall<T>
        where T : unmanaged
    {
        public int Invoke(T* work, int lwork)
        {
            int mm = m, nn = n, kk = k, ld = lda, info = 0;
            if (typeof(T) == typeof(double))
            {
                LapackInterop.dorgqr_(&mm, &nn, &kk, (double*)a, &ld, (double*)tau, (double*)work, &lwork, &info);
            }
            else if (typeof(T) == typeof(float))
            {
                LapackInterop.sorgqr_(&mm, &nn, &kk, (float*)a, &ld, (float*)tau, (float*)work, &lwork, &info);
            }
            else if (typeof(T) == typeof(Complex))
            {
                LapackInterop.zungqr_(&mm, &nn, &kk, (Complex*)a, &ld, (Complex*)tau, (Complex*)work, &lwork, &info);
            }
            else if (typeof(T) == typeof(Complex64))
            {
                LapackInterop.cungqr_(&mm, &nn, &kk, (Complex64*)a, &ld, (Complex64*)tau, (Complex64*)work, &lwork, &info);
            }
            else
            {
                throw Unsupported<T>();
            }

            return info;
        }
    }

    private readonly struct OrmqrCall<T>(byte side, byte trans, int m, int n, int k, T* a, int lda, T* tau, T* c, int ldc) : IWorkspaceCall<T>
        where T : unmanaged
    {
        public int Invoke(T* work, int lwork)
        {
            byte s = side, t = trans;
            int mm = m, nn = n, kk = k, la = lda, lc = ldc, info = 0;
            if (typeof(T) == typeof(double))
            {
                LapackInterop.dormqr_(&s, &t, &mm, &nn, &kk, (double*)a, &la, (double*)tau, (double*)c, &lc, (double*)work, &lwork, &info, 1, 1);
            }
            else if (typeof(T) == typeof(float))
            {
                LapackInterop.sormqr_(&s, &t, &mm, &nn, &kk, (float*)a, &la, (float*)tau, (float*)c, &lc, (float*)work, &lwork, &info, 1, 1);
            }
            else if (typeof(T) == typeof(Complex))
            {
                LapackInterop.zunmqr_(&s, &t, &mm, &nn, &kk, (Complex*)a, &la, (Complex*)tau, (Complex*)c, &lc, (Complex*)work, &lwork, &info, 1, 1);
            }
            else if (typeof(T) == typeof(Complex64))
            {
                LapackInterop.cunmqr_(&s, &t, &mm, &nn, &kk, (Complex64*)a, &la, (Complex64*)tau, (Complex64*)c, &lc, (Complex64*)work, &lwork, &info, 1, 1);
            }
            else
            {
                throw Unsupported<T>();
            }

            return info;
        }
    }

    // s (and rwork, used by the complex routines only) are of T's real type.
    private readonly struct GesddCall<T, TReal>(byte jobz, int m, int n, T* a, int lda, TReal* s, T* u, int ldu, T* vt, int ldvt, TReal* rwork, int* iwork) : IWorkspaceCall<T>
        where T : unmanaged
        where TReal : unmanaged
    {
        public int Invoke(T* work, int lwork)
        {
            byte j = jobz;
            int mm = m, nn = n, la = lda, lu = ldu, lv = ldvt, info = 0;
            if (typeof(T) == typeof(double))
            {
                LapackInterop.dgesdd_(&j, &mm, &nn, (double*)a, &la, (double*)s, (double*)u, &lu, (double*)vt, &lv, (double*)work, &lwork, iwork, &info, 1);
            }
            else if (typeof(T) == typeof(float))
            {
                LapackInterop.sgesdd_(&j, &mm, &nn, (float*)a, &la, (float*)s, (float*)u, &lu, (float*)vt, &lv, (float*)work, &lwork, iwork, &info, 1);
            }
            else if (typeof(T) == typeof(Complex))
            {
                LapackInterop.zgesdd_(&j, &mm, &nn, (Complex*)a, &la, (double*)s, (Complex*)u, &lu, (Complex*)vt, &lv, (Complex*)work, &lwork, (double*)rwork, iwork, &info, 1);
            }
            else if (typeof(T) == typeof(Complex64))
            {
                LapackInterop.cgesdd_(&j, &mm, &nn, (Complex64*)a, &la, (float*)s, (Complex64*)u, &lu, (Complex64*)vt, &lv, (Complex64*)work, &lwork, (float*)rwork, iwork, &info, 1);
            }
            else
            {
                throw Unsupported<T>();
            }

            return info;
        }
    }

    // The optimal LWORK comes back as a floating-point number (the real part of a complex WORK(1));
    // round up (single precision cannot hold every integer above 2^24) and never go below the
    // routine's documented minimum.
    private static int WorkSize<T>(T query, int minimum)
        where T : unmanaged, INumberBase<T>
    {
        double q;
        bool single;
        if (typeof(T) == typeof(double))
        {
            (q, single) = (Unsafe.BitCast<T, double>(query), false);
        }
        else if (typeof(T) == typeof(float))
        {
            (q, single) = (Unsafe.BitCast<T, float>(query), true);
        }
        else if (typeof(T) == typeof(Complex))
        {
            (q, single) = (Unsafe.BitCast<T, Complex>(query).Real, false);
        }
        else if (typeof(T) == typeof(Complex64))
        {
            (q, single) = (Unsafe.BitCast<T, Complex64>(query).Real, true);
        }
        else
        {
            throw Unsupported<T>();
        }

        double size = single ? q * (1 + 1e-6) : q;
        return (int)Math.Max(minimum, Math.Min(Math.Ceiling(size), Array.MaxLength));
    }
}
