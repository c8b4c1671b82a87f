using System.Runtime.InteropServices;

namespace OrthoProj.Native;

/// <summary>
/// Raw BLAS level-3 bindings (Fortran interface, LP64), named like the exported symbols; see
/// <see cref="LapackInterop"/> for the calling convention. BLAS reports an illegal argument only
/// through XERBLA (which stops the process in reference BLAS), so <see cref="Lapack"/> validates
/// every argument before calling.
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
}
