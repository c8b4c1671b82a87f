using System.Numerics;
using static OrthoProj.Native.Interop.Cublas;

namespace OrthoProj.Native;

/// <summary>
/// cuBLAS calls dispatched on the element type (S for float, D for double, C for
/// <see cref="Complex64"/>, Z for <see cref="Complex"/>; the complex scalars are passed as the
/// cuComplex / cuDoubleComplex they have the layout of), each checked with <see cref="CudaCheck"/>;
/// the counterpart of <see cref="CudaSolver"/>. Every operation flag is the ADJOINT: CUBLAS_OP_C for
/// complex elements, CUBLAS_OP_T for real ones. Pointers are device addresses, scalars are passed
/// from the host; dimensions are at least 1 (the callers handle empty ones).
/// </summary>
internal static unsafe class CudaBlas
{
    /// <summary>C_b = alpha op(A_b) op(B_b) + beta C_b for every b (gemmStridedBatched); op is the adjoint where asked.</summary>
    public static void GemmStridedBatched<T>(nint handle, bool transA, bool transB, int m, int n, int k, T alpha, nint a, int lda, long strideA, nint b, int ldb, long strideB, T beta, nint c, int ldc, long strideC, int count)
        where T : unmanaged, INumberBase<T>
    {
        cublasOperation_t opA = Op<T>(transA), opB = Op<T>(transB);
        if (typeof(T) == typeof(float))
        {
            float al = float.CreateTruncating(alpha), be = float.CreateTruncating(beta);
            CudaCheck.Check(cublasSgemmStridedBatched(handle, opA, opB, m, n, k, &al, (float*)a, lda, strideA, (float*)b, ldb, strideB, &be, (float*)c, ldc, strideC, count), "cublasSgemmStridedBatched");
        }
        else if (typeof(T) == typeof(double))
        {
            double al = double.CreateTruncating(alpha), be = double.CreateTruncating(beta);
            CudaCheck.Check(cublasDgemmStridedBatched(handle, opA, opB, m, n, k, &al, (double*)a, lda, strideA, (double*)b, ldb, strideB, &be, (double*)c, ldc, strideC, count), "cublasDgemmStridedBatched");
        }
        else if (typeof(T) == typeof(Complex64))
        {
            Complex64 al = As<T, Complex64>(alpha), be = As<T, Complex64>(beta);
            CudaCheck.Check(cublasCgemmStridedBatched(handle, opA, opB, m, n, k, &al, a, lda, strideA, b, ldb, strideB, &be, c, ldc, strideC, count), "cublasCgemmStridedBatched");
        }
        else if (typeof(T) == typeof(Complex))
        {
            Complex al = As<T, Complex>(alpha), be = As<T, Complex>(beta);
            CudaCheck.Check(cublasZgemmStridedBatched(handle, opA, opB, m, n, k, &al, a, lda, strideA, b, ldb, strideB, &be, c, ldc, strideC, count), "cublasZgemmStridedBatched");
        }
        else
        {
            throw Unsupported<T>();
        }
    }

    /// <summary>
    /// B_b = op(R_b)^-1 B_b (left) or B_b op(R_b)^-1 (right) with R_b upper triangular, non-unit
    /// diagonal (trsmBatched over device arrays of matrix pointers); op is the adjoint when <paramref name="transR"/>.
    /// </summary>
    public static void TrsmUpperBatched<T>(nint handle, bool right, bool transR, int m, int n, nint rArray, int ldr, nint bArray, int ldb, int count)
        where T : unmanaged, INumberBase<T>
    {
        cublasSideMode_t side = right ? cublasSideMode_t.CUBLAS_SIDE_RIGHT : cublasSideMode_t.CUBLAS_SIDE_LEFT;
        const cublasFillMode_t upper = cublasFillMode_t.CUBLAS_FILL_MODE_UPPER;
        const cublasDiagType_t nonUnit = cublasDiagType_t.CUBLAS_DIAG_NON_UNIT;
        if (typeof(T) == typeof(float))
        {
            float one = 1;
            CudaCheck.Check(cublasStrsmBatched(handle, side, upper, Op<T>(transR), nonUnit, m, n, &one, rArray, ldr, bArray, ldb, count), "cublasStrsmBatched");
        }
        else if (typeof(T) == typeof(double))
        {
            double one = 1;
            CudaCheck.Check(cublasDtrsmBatched(handle, side, upper, Op<T>(transR), nonUnit, m, n, &one, rArray, ldr, bArray, ldb, count), "cublasDtrsmBatched");
        }
        else if (typeof(T) == typeof(Complex64))
        {
            Complex64 one = Complex64.One;
            CudaCheck.Check(cublasCtrsmBatched(handle, side, upper, Op<T>(transR), nonUnit, m, n, &one, rArray, ldr, bArray, ldb, count), "cublasCtrsmBatched");
        }
        else if (typeof(T) == typeof(Complex))
        {
            Complex one = Complex.One;
            CudaCheck.Check(cublasZtrsmBatched(handle, side, upper, Op<T>(transR), nonUnit, m, n, &one, rArray, ldr, bArray, ldb, count), "cublasZtrsmBatched");
        }
        else
        {
            throw Unsupported<T>();
        }
    }

    /// <summary>
    /// geqrf of every matrix in one call (cublas&lt;t&gt;geqrfBatched): pointer arrays of the m x n
    /// matrices (leading dimension lda) and of their tau; LAPACK's reflectors and signs. Throws
    /// <see cref="CudaException"/> for a bad argument (the host-side info).
    /// </summary>
    public static void GeqrfBatched<T>(nint handle, int m, int n, nint aArray, int lda, nint tauArray, int count)
        where T : unmanaged, INumberBase<T>
    {
        int info = 0;
        if (typeof(T) == typeof(float))
        {
            CudaCheck.Check(cublasSgeqrfBatched(handle, m, n, aArray, lda, tauArray, &info, count), "cublasSgeqrfBatched");
        }
        else if (typeof(T) == typeof(double))
        {
            CudaCheck.Check(cublasDgeqrfBatched(handle, m, n, aArray, lda, tauArray, &info, count), "cublasDgeqrfBatched");
        }
        else if (typeof(T) == typeof(Complex64))
        {
            CudaCheck.Check(cublasCgeqrfBatched(handle, m, n, aArray, lda, tauArray, &info, count), "cublasCgeqrfBatched");
        }
        else if (typeof(T) == typeof(Complex))
        {
            CudaCheck.Check(cublasZgeqrfBatched(handle, m, n, aArray, lda, tauArray, &info, count), "cublasZgeqrfBatched");
        }
        else
        {
            throw Unsupported<T>();
        }

        if (info != 0)
        {
            throw new ArgumentException($"cublas geqrfBatched rejected argument {-info} (m = {m}, n = {n}, lda = {lda}, count = {count}).");
        }
    }

    /// <summary>y = alpha x + y over n contiguous elements (axpy).</summary>
    public static void Axpy<T>(nint handle, int n, T alpha, nint x, nint y)
        where T : unmanaged, INumberBase<T>
    {
        if (typeof(T) == typeof(float))
        {
            float al = float.CreateTruncating(alpha);
            CudaCheck.Check(cublasSaxpy_v2(handle, n, &al, (float*)x, 1, (float*)y, 1), "cublasSaxpy_v2");
        }
        else if (typeof(T) == typeof(double))
        {
            double al = double.CreateTruncating(alpha);
            CudaCheck.Check(cublasDaxpy_v2(handle, n, &al, (double*)x, 1, (double*)y, 1), "cublasDaxpy_v2");
        }
        else if (typeof(T) == typeof(Complex64))
        {
            Complex64 al = As<T, Complex64>(alpha);
            CudaCheck.Check(cublasCaxpy_v2(handle, n, &al, x, 1, y, 1), "cublasCaxpy_v2");
        }
        else if (typeof(T) == typeof(Complex))
        {
            Complex al = As<T, Complex>(alpha);
            CudaCheck.Check(cublasZaxpy_v2(handle, n, &al, x, 1, y, 1), "cublasZaxpy_v2");
        }
        else
        {
            throw Unsupported<T>();
        }
    }

    private static NotSupportedException Unsupported<T>() =>
        new($"OrthoProj's cuBLAS bindings take float, double, Complex64 and Complex elements; {typeof(T).Name} is not one of them.");

    /// <summary>The adjoint as cuBLAS names it: CUBLAS_OP_C for a complex element, CUBLAS_OP_T for a real one.</summary>
    internal static cublasOperation_t Op<T>(bool adjoint) =>
        !adjoint ? cublasOperation_t.CUBLAS_OP_N
        : typeof(T) == typeof(Complex64) || typeof(T) == typeof(Complex) ? cublasOperation_t.CUBLAS_OP_C
        : cublasOperation_t.CUBLAS_OP_T;

    private static TTo As<TFrom, TTo>(TFrom value)
        where TFrom : unmanaged
        where TTo : unmanaged => System.Runtime.CompilerServices.Unsafe.As<TFrom, TTo>(ref value);
}
