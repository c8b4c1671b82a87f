using static OrthoProj.Native.Interop.Cusolver;

namespace OrthoProj.Native;

/// <summary>
/// cuSOLVER dense calls dispatched on the element type (S for float, D for double), each checked
/// with <see cref="CudaCheck"/>. Pointers are device addresses; devInfo stays on the device for
/// the caller to summarize and read back.
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
            IsSingle<T>() ? cusolverDnSgeqrf_bufferSize(handle, m, n, (float*)a, lda, &lwork) : cusolverDnDgeqrf_bufferSize(handle, m, n, (double*)a, lda, &lwork),
            Name<T>("geqrf_bufferSize"));
        return lwork;
    }

    public static void Geqrf<T>(nint handle, int m, int n, nint a, int lda, nint tau, nint work, int lwork, nint info) =>
        CudaCheck.Check(
            IsSingle<T>()
                ? cusolverDnSgeqrf(handle, m, n, (float*)a, lda, (float*)tau, (float*)work, lwork, (int*)info)
                : cusolverDnDgeqrf(handle, m, n, (double*)a, lda, (double*)tau, (double*)work, lwork, (int*)info),
            Name<T>("geqrf"));

    public static int OrgqrBufferSize<T>(nint handle, int m, int n, int k, nint a, int lda, nint tau)
    {
        int lwork;
        CudaCheck.Check(
            IsSingle<T>()
                ? cusolverDnSorgqr_bufferSize(handle, m, n, k, (float*)a, lda, (float*)tau, &lwork)
                : cusolverDnDorgqr_bufferSize(handle, m, n, k, (double*)a, lda, (double*)tau, &lwork),
            Name<T>("orgqr_bufferSize"));
        return lwork;
    }

    public static void Orgqr<T>(nint handle, int m, int n, int k, nint a, int lda, nint tau, nint work, int lwork, nint info) =>
        CudaCheck.Check(
            IsSingle<T>()
                ? cusolverDnSorgqr(handle, m, n, k, (float*)a, lda, (float*)tau, (float*)work, lwork, (int*)info)
                : cusolverDnDorgqr(handle, m, n, k, (double*)a, lda, (double*)tau, (double*)work, lwork, (int*)info),
            Name<T>("orgqr"));

    public static int OrmqrBufferSize<T>(nint handle, bool transpose, int m, int n, int k, nint a, int lda, nint tau, nint c, int ldc)
    {
        int lwork;
        var side = Interop.Cublas.cublasSideMode_t.CUBLAS_SIDE_LEFT;
        var op = transpose ? Interop.Cublas.cublasOperation_t.CUBLAS_OP_T : Interop.Cublas.cublasOperation_t.CUBLAS_OP_N;
        CudaCheck.Check(
            IsSingle<T>()
                ? cusolverDnSormqr_bufferSize(handle, side, op, m, n, k, (float*)a, lda, (float*)tau, (float*)c, ldc, &lwork)
                : cusolverDnDormqr_bufferSize(handle, side, op, m, n, k, (double*)a, lda, (double*)tau, (double*)c, ldc, &lwork),
            Name<T>("ormqr_bufferSize"));
        return lwork;
    }

    /// <summary>C = op(Q) C from the left, Q = H_1 ... H_k of geqrf (ormqr).</summary>
    public static void Ormqr<T>(nint handle, bool transpose, int m, int n, int k, nint a, int lda, nint tau, nint c, int ldc, nint work, int lwork, nint info)
    {
        var side = Interop.Cublas.cublasSideMode_t.CUBLAS_SIDE_LEFT;
        var op = transpose ? Interop.Cublas.cublasOperation_t.CUBLAS_OP_T : Interop.Cublas.cublasOperation_t.CUBLAS_OP_N;
        CudaCheck.Check(
            IsSingle<T>()
                ? cusolverDnSormqr(handle, side, op, m, n, k, (float*)a, lda, (float*)tau, (float*)c, ldc, (float*)work, lwork, (int*)info)
                : cusolverDnDormqr(handle, side, op, m, n, k, (double*)a, lda, (double*)tau, (double*)c, ldc, (double*)work, lwork, (int*)info),
            Name<T>("ormqr"));
    }

    public static int GesvdBufferSize<T>(nint handle, int m, int n)
    {
        int lwork;
        CudaCheck.Check(
            IsSingle<T>() ? cusolverDnSgesvd_bufferSize(handle, m, n, &lwork) : cusolverDnDgesvd_bufferSize(handle, m, n, &lwork),
            Name<T>("gesvd_bufferSize"));
        return lwork;
    }

    public static void Gesvd<T>(nint handle, int m, int n, nint a, int lda, nint s, nint u, int ldu, nint vt, int ldvt, nint work, int lwork, nint rwork, nint info) =>
        CudaCheck.Check(
            IsSingle<T>()
                ? cusolverDnSgesvd(handle, JobSome, JobSome, m, n, (float*)a, lda, (float*)s, (float*)u, ldu, (float*)vt, ldvt, (float*)work, lwork, (float*)rwork, (int*)info)
                : cusolverDnDgesvd(handle, JobSome, JobSome, m, n, (double*)a, lda, (double*)s, (double*)u, ldu, (double*)vt, ldvt, (double*)work, lwork, (double*)rwork, (int*)info),
            Name<T>("gesvd"));

    public static int GesvdjBatchedBufferSize<T>(nint handle, int m, int n, nint a, nint s, nint u, nint v, nint parameters, int batch)
    {
        int lwork;
        const cusolverEigMode_t Vectors = cusolverEigMode_t.CUSOLVER_EIG_MODE_VECTOR;
        CudaCheck.Check(
            IsSingle<T>()
                ? cusolverDnSgesvdjBatched_bufferSize(handle, Vectors, m, n, (float*)a, m, (float*)s, (float*)u, m, (float*)v, n, &lwork, parameters, batch)
                : cusolverDnDgesvdjBatched_bufferSize(handle, Vectors, m, n, (double*)a, m, (double*)s, (double*)u, m, (double*)v, n, &lwork, parameters, batch),
            Name<T>("gesvdjBatched_bufferSize"));
        return lwork;
    }

    public static void GesvdjBatched<T>(nint handle, int m, int n, nint a, nint s, nint u, nint v, nint work, int lwork, nint info, nint parameters, int batch)
    {
        const cusolverEigMode_t Vectors = cusolverEigMode_t.CUSOLVER_EIG_MODE_VECTOR;
        CudaCheck.Check(
            IsSingle<T>()
                ? cusolverDnSgesvdjBatched(handle, Vectors, m, n, (float*)a, m, (float*)s, (float*)u, m, (float*)v, n, (float*)work, lwork, (int*)info, parameters, batch)
                : cusolverDnDgesvdjBatched(handle, Vectors, m, n, (double*)a, m, (double*)s, (double*)u, m, (double*)v, n, (double*)work, lwork, (int*)info, parameters, batch),
            Name<T>("gesvdjBatched"));
    }

    /// <summary>The exported name, e.g. cusolverDnSgeqrf, for error messages.</summary>
    public static string Name<T>(string routine) => "cusolverDn" + (IsSingle<T>() ? "S" : "D") + routine;

    private static bool IsSingle<T>() => typeof(T) == typeof(float);

    /// <summary>A devInfo &lt; 0: cuSOLVER rejected an argument (a bug in the caller, never a property of the data).</summary>
    public static CudaException InvalidArgument(string routine, int matrix, int info) =>
        new(CudaComponent.Cusolver, routine, info, "devInfo < 0", $"argument {-info} was rejected for matrix {matrix} of the batch");
}
