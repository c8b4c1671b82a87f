using System.Numerics;
using static OrthoProj.Native.Interop.Cusolver;

namespace OrthoProj.Native;

/// <summary>
/// cuSOLVER dense calls dispatched on the element type (S for float, D for double, C for
/// <see cref="Complex64"/>, Z for <see cref="Complex"/>: orgqr/ormqr are ungqr/unmqr for complex
/// elements, and the flag of ormqr is the adjoint, CUBLAS_OP_C for complex, CUBLAS_OP_T for real),
/// each checked with <see cref="CudaCheck"/>. Pointers are device addresses; devInfo stays on the
/// device for the caller to summarize and read back. The singular values of the SVDs (and gesvd's
/// rwork) are of the element's real type: float for S and C, double for D and Z.
/// </summary>
internal static unsafe class CudaSolver
{
    private const sbyte JobSome = (sbyte)'S';

    public static nint CreateGesvdjInfo()
    {
        nint info;
        CudaCheck.Check(cusolverDnCreateGesvdjInfo(&info), "cusolverDnCreateGesvdjInfo");
        return info;
    }

    public static void DestroyGesvdjInfo(nint info)
    {
        if (info != 0)
        {
            _ = cusolverDnDestroyGesvdjInfo(info);
        }
    }

    public static int GeqrfBufferSize<T>(nint handle, int m, int n, nint a, int lda)
    {
        int lwork;
        CudaCheck.Check(
            Letter<T>() switch
            {
                'S' => cusolverDnSgeqrf_bufferSize(handle, m, n, (float*)a, lda, &lwork),
                'D' => cusolverDnDgeqrf_bufferSize(handle, m, n, (double*)a, lda, &lwork),
                'C' => cusolverDnCgeqrf_bufferSize(handle, m, n, a, lda, &lwork),
                _ => cusolverDnZgeqrf_bufferSize(handle, m, n, a, lda, &lwork),
            },
            Name<T>("geqrf_bufferSize"));
        return lwork;
    }

    public static void Geqrf<T>(nint handle, int m, int n, nint a, int lda, nint tau, nint work, int lwork, nint info) =>
        CudaCheck.Check(
            Letter<T>() switch
            {
                'S' => cusolverDnSgeqrf(handle, m, n, (float*)a, lda, (float*)tau, (float*)work, lwork, (int*)info),
                'D' => cusolverDnDgeqrf(handle, m, n, (double*)a, lda, (double*)tau, (double*)work, lwork, (int*)info),
                'C' => cusolverDnCgeqrf(handle, m, n, a, lda, tau, work, lwork, (int*)info),
                _ => cusolverDnZgeqrf(handle, m, n, a, lda, tau, work, lwork, (int*)info),
            },
            Name<T>("geqrf"));

    public static int OrgqrBufferSize<T>(nint handle, int m, int n, int k, nint a, int lda, nint tau)
    {
        int lwork;
        CudaCheck.Check(
            Letter<T>() switch
            {
                'S' => cusolverDnSorgqr_bufferSize(handle, m, n, k, (float*)a, lda, (float*)tau, &lwork),
                'D' => cusolverDnDorgqr_bufferSize(handle, m, n, k, (double*)a, lda, (double*)tau, &lwork),
                'C' => cusolverDnCungqr_bufferSize(handle, m, n, k, a, lda, tau, &lwork),
                _ => cusolverDnZungqr_bufferSize(handle, m, n, k, a, lda, tau, &lwork),
            },
            Name<T>("orgqr_bufferSize"));
        return lwork;
    }

    /// <summary>Forms the m x n Q from k reflectors (orgqr; ungqr for complex elements).</summary>
    public static void Orgqr<T>(nint handle, int m, int n, int k, nint a, int lda, nint tau, nint work, int lwork, nint info) =>
        CudaCheck.Check(
            Letter<T>() switch
            {
                'S' => cusolverDnSorgqr(handle, m, n, k, (float*)a, lda, (float*)tau, (float*)work, lwork, (int*)info),
                'D' => cusolverDnDorgqr(handle, m, n, k, (double*)a, lda, (double*)tau, (double*)work, lwork, (int*)info),
                'C' => cusolverDnCungqr(handle, m, n, k, a, lda, tau, work, lwork, (int*)info),
                _ => cusolverDnZungqr(handle, m, n, k, a, lda, tau, work, lwork, (int*)info),
            },
            Name<T>("orgqr"));

    public static int OrmqrBufferSize<T>(nint handle, bool adjoint, int m, int n, int k, nint a, int lda, nint tau, nint c, int ldc)
    {
        int lwork;
        var side = Interop.Cublas.cublasSideMode_t.CUBLAS_SIDE_LEFT;
        var op = CudaBlas.Op<T>(adjoint);
        CudaCheck.Check(
            Letter<T>() switch
            {
                'S' => cusolverDnSormqr_bufferSize(handle, side, op, m, n, k, (float*)a, lda, (float*)tau, (float*)c, ldc, &lwork),
                'D' => cusolverDnDormqr_bufferSize(handle, side, op, m, n, k, (double*)a, lda, (double*)tau, (double*)c, ldc, &lwork),
                'C' => cusolverDnCunmqr_bufferSize(handle, side, op, m, n, k, a, lda, tau, c, ldc, &lwork),
                _ => cusolverDnZunmqr_bufferSize(handle, side, op, m, n, k, a, lda, tau, c, ldc, &lwork),
            },
            Name<T>("ormqr_bufferSize"));
        return lwork;
    }

    /// <summary>C = op(Q) C from the left, Q = H_1 ... H_k of geqrf (ormqr; unmqr for complex elements), op the adjoint when <paramref name="adjoint"/>.</summary>
    public static void Ormqr<T>(nint handle, bool adjoint, int m, int n, int k, nint a, int lda, nint tau, nint c, int ldc, nint work, int lwork, nint info)
    {
        var side = Interop.Cublas.cublasSideMode_t.CUBLAS_SIDE_LEFT;
        var op = CudaBlas.Op<T>(adjoint);
        CudaCheck.Check(
            Letter<T>() switch
            {
                'S' => cusolverDnSormqr(handle, side, op, m, n, k, (float*)a, lda, (float*)tau, (float*)c, ldc, (float*)work, lwork, (int*)info),
                'D' => cusolverDnDormqr(handle, side, op, m, n, k, (double*)a, lda, (double*)tau, (double*)c, ldc, (double*)work, lwork, (int*)info),
                'C' => cusolverDnCunmqr(handle, side, op, m, n, k, a, lda, tau, c, ldc, work, lwork, (int*)info),
                _ => cusolverDnZunmqr(handle, side, op, m, n, k, a, lda, tau, c, ldc, work, lwork, (int*)info),
            },
            Name<T>("ormqr"));
    }

    public static int GesvdBufferSize<T>(nint handle, int m, int n)
    {
        int lwork;
        CudaCheck.Check(
            Letter<T>() switch
            {
                'S' => cusolverDnSgesvd_bufferSize(handle, m, n, &lwork),
                'D' => cusolverDnDgesvd_bufferSize(handle, m, n, &lwork),
                'C' => cusolverDnCgesvd_bufferSize(handle, m, n, &lwork),
                _ => cusolverDnZgesvd_bufferSize(handle, m, n, &lwork),
            },
            Name<T>("gesvd_bufferSize"));
        return lwork;
    }

    /// <summary>gesvd: s and rwork are of the real type (float for S and C, double for D and Z).</summary>
    public static void Gesvd<T>(nint handle, int m, int n, nint a, int lda, nint s, nint u, int ldu, nint vt, int ldvt, nint work, int lwork, nint rwork, nint info) =>
        CudaCheck.Check(
            Letter<T>() switch
            {
                'S' => cusolverDnSgesvd(handle, JobSome, JobSome, m, n, (float*)a, lda, (float*)s, (float*)u, ldu, (float*)vt, ldvt, (float*)work, lwork, (float*)rwork, (int*)info),
                'D' => cusolverDnDgesvd(handle, JobSome, JobSome, m, n, (double*)a, lda, (double*)s, (double*)u, ldu, (double*)vt, ldvt, (double*)work, lwork, (double*)rwork, (int*)info),
                'C' => cusolverDnCgesvd(handle, JobSome, JobSome, m, n, a, lda, (float*)s, u, ldu, vt, ldvt, work, lwork, (float*)rwork, (int*)info),
                _ => cusolverDnZgesvd(handle, JobSome, JobSome, m, n, a, lda, (double*)s, u, ldu, vt, ldvt, work, lwork, (double*)rwork, (int*)info),
            },
            Name<T>("gesvd"));

    /// <summary>gesvdjBatched's workspace; s is of the real type.</summary>
    public static int GesvdjBatchedBufferSize<T>(nint handle, int m, int n, nint a, nint s, nint u, nint v, nint parameters, int batch)
    {
        int lwork;
        const cusolverEigMode_t Vectors = cusolverEigMode_t.CUSOLVER_EIG_MODE_VECTOR;
        CudaCheck.Check(
            Letter<T>() switch
            {
                'S' => cusolverDnSgesvdjBatched_bufferSize(handle, Vectors, m, n, (float*)a, m, (float*)s, (float*)u, m, (float*)v, n, &lwork, parameters, batch),
                'D' => cusolverDnDgesvdjBatched_bufferSize(handle, Vectors, m, n, (double*)a, m, (double*)s, (double*)u, m, (double*)v, n, &lwork, parameters, batch),
                'C' => cusolverDnCgesvdjBatched_bufferSize(handle, Vectors, m, n, a, m, (float*)s, u, m, v, n, &lwork, parameters, batch),
                _ => cusolverDnZgesvdjBatched_bufferSize(handle, Vectors, m, n, a, m, (double*)s, u, m, v, n, &lwork, parameters, batch),
            },
            Name<T>("gesvdjBatched_bufferSize"));
        return lwork;
    }

    /// <summary>gesvdjBatched: U m x m, s (real type) min(m, n), V (not V^H) n x n per matrix.</summary>
    public static void GesvdjBatched<T>(nint handle, int m, int n, nint a, nint s, nint u, nint v, nint work, int lwork, nint info, nint parameters, int batch)
    {
        const cusolverEigMode_t Vectors = cusolverEigMode_t.CUSOLVER_EIG_MODE_VECTOR;
        CudaCheck.Check(
            Letter<T>() switch
            {
                'S' => cusolverDnSgesvdjBatched(handle, Vectors, m, n, (float*)a, m, (float*)s, (float*)u, m, (float*)v, n, (float*)work, lwork, (int*)info, parameters, batch),
                'D' => cusolverDnDgesvdjBatched(handle, Vectors, m, n, (double*)a, m, (double*)s, (double*)u, m, (double*)v, n, (double*)work, lwork, (int*)info, parameters, batch),
                'C' => cusolverDnCgesvdjBatched(handle, Vectors, m, n, a, m, (float*)s, u, m, v, n, work, lwork, (int*)info, parameters, batch),
                _ => cusolverDnZgesvdjBatched(handle, Vectors, m, n, a, m, (double*)s, u, m, v, n, work, lwork, (int*)info, parameters, batch),
            },
            Name<T>("gesvdjBatched"));
    }

    /// <summary>The exported name, e.g. cusolverDnSgeqrf or cusolverDnZungqr, for error messages.</summary>
    public static string Name<T>(string routine)
    {
        char letter = Letter<T>();
        if (letter is 'C' or 'Z')
        {
            // The unitary forms of the orthogonal routines.
            routine = routine.StartsWith("orgqr", StringComparison.Ordinal) ? "ungqr" + routine[5..]
                : routine.StartsWith("ormqr", StringComparison.Ordinal) ? "unmqr" + routine[5..]
                : routine;
        }

        return "cusolverDn" + letter + routine;
    }

    /// <summary>LAPACK's letter of the element type: S, D, C (<see cref="Complex64"/>) or Z (<see cref="Complex"/>).</summary>
    private static char Letter<T>() =>
        typeof(T) == typeof(float) ? 'S'
        : typeof(T) == typeof(double) ? 'D'
        : typeof(T) == typeof(Complex64) ? 'C'
        : typeof(T) == typeof(Complex) ? 'Z'
        : throw new NotSupportedException($"OrthoProj's cuSOLVER bindings take float, double, Complex64 and Complex elements; {typeof(T).Name} is not one of them.");

    /// <summary>A devInfo &lt; 0: cuSOLVER rejected an argument (a bug in the caller, never a property of the data).</summary>
    public static CudaException InvalidArgument(string routine, int matrix, int info) =>
        new(CudaComponent.Cusolver, routine, info, "devInfo < 0", $"argument {-info} was rejected for matrix {matrix} of the batch");
}
