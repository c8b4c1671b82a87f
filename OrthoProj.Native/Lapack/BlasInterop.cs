using System.Numerics;
using System.Runtime.InteropServices;

namespace OrthoProj.Native;

/// <summary>
/// Raw BLAS level-3 bindings (Fortran interface, LP64), named like the exported symbols; see
/// <see cref="LapackInterop"/> for the calling convention. BLAS reports an illegal argument only
/// through XERBLA (which stops the process in reference BLAS), so <see cref="Lapack"/> validates
/// every argument before calling. The c and z routines take complex scalars and matrices as
/// pointers to interleaved pairs (<see cref="Complex64"/>, <see cref="Complex"/>); their TRANSA may
/// be 'N', 'T' or 'C' (conjugate transpose).
/// </summary>
internal static unsafe partial class BlasInterop
{
    [LibraryImport(Libraries.Blas, EntryPoint = "dgemm_")]
    internal static partial void dgemm_(byte* transa, byte* transb, int* m, int* n, int* k, double* alpha, double* a, int* lda, double* b, int* ldb, double* beta, double* c, int* ldc, nuint transaLength, nuint transbLength);

    [LibraryImport(Libraries.Blas, EntryPoint = "sgemm_")]
    internal static partial void sgemm_(byte* transa, byte* transb, int* m, int* n, int* k, float* alpha, float* a, int* lda, float* b, int* ldb, float* beta, float* c, int* ldc, nuint transaLength, nuint transbLength);

    [LibraryImport(Libraries.Blas, EntryPoint = "dtrsm_")]
    internal static partial void dtrsm_(byte* side, byte* uplo, byte* transa, byte* diag, int* m, int* n, double* alpha, double* a, int* lda, double* b, int* ldb, nuint sideLength, nuint uploLength, nuint transaLength, nuint diagLength);

    [LibraryImport(Libraries.Blas, EntryPoint = "strsm_")]
    internal static partial void strsm_(byte* side, byte* uplo, byte* transa, byte* diag, int* m, int* n, float* alpha, float* a, int* lda, float* b, int* ldb, nuint sideLength, nuint uploLength, nuint transaLength, nuint diagLength);

    [LibraryImport(Libraries.Blas, EntryPoint = "zgemm_")]
    internal static partial void zgemm_(byte* transa, byte* transb, int* m, int* n, int* k, Complex* alpha, Complex* a, int* lda, Complex* b, int* ldb, Complex* beta, Complex* c, int* ldc, nuint transaLength, nuint transbLength);

    [LibraryImport(Libraries.Blas, EntryPoint = "cgemm_")]
    internal static partial void cgemm_(byte* transa, byte* transb, int* m, int* n, int* k, Complex64* alpha, Complex64* a, int* lda, Complex64* b, int* ldb, Complex64* beta, Complex64* c, int* ldc, nuint transaLength, nuint transbLength);

    [LibraryImport(Libraries.Blas, EntryPoint = "ztrsm_")]
    internal static partial void ztrsm_(byte* side, byte* uplo, byte* transa, byte* diag, int* m, int* n, Complex* alpha, Complex* a, int* lda, Complex* b, int* ldb, nuint sideLength, nuint uploLength, nuint transaLength, nuint diagLength);

    [LibraryImport(Libraries.Blas, EntryPoint = "ctrsm_")]
    internal static partial void ctrsm_(byte* side, byte* uplo, byte* transa, byte* diag, int* m, int* n, Complex64* alpha, Complex64* a, int* lda, Complex64* b, int* ldb, nuint sideLength, nuint uploLength, nuint transaLength, nuint diagLength);
}
