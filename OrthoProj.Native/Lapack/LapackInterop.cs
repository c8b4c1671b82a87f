using System.Numerics;
using System.Runtime.InteropServices;

namespace OrthoProj.Native;

/// <summary>
/// Raw LAPACK bindings (Fortran 77 interface, LP64: 32-bit integers), named like the exported
/// symbols. Every argument is passed by pointer, as Fortran does; the trailing <c>nuint</c>
/// parameters are the hidden lengths gfortran appends for CHARACTER arguments. Libraries written in
/// C (OpenBLAS's interface layer, MKL) ignore them, but gfortran-built reference LAPACK may read
/// them, and leaving them out has corrupted stacks in practice (the LAPACK 3.9 / gfortran 9 issue).
/// The c and z routines take their complex arguments as pointers to interleaved (real, imaginary)
/// pairs: <see cref="Complex64"/> (two floats) and <see cref="Complex"/> (two doubles) have exactly
/// that layout. Their real arguments (gesdd's singular values and RWORK) stay float or double.
/// Only blittable types appear, so these work with or without DisableRuntimeMarshalling.
/// Callers go through <see cref="Lapack"/>, which validates arguments, queries workspaces and
/// checks INFO.
/// </summary>
internal static unsafe partial class LapackInterop
{
    // ---- QR: geqrf (factor), orgqr/ungqr (form Q), ormqr/unmqr (apply Q, Q^T or Q^H) ----

    [LibraryImport(Libraries.Lapack, EntryPoint = "dgeqrf_")]
    internal static partial void dgeqrf_(int* m, int* n, double* a, int* lda, double* tau, double* work, int* lwork, int* info);

    [LibraryImport(Libraries.Lapack, EntryPoint = "sgeqrf_")]
    internal static partial void sgeqrf_(int* m, int* n, float* a, int* lda, float* tau, float* work, int* lwork, int* info);

    [LibraryImport(Libraries.Lapack, EntryPoint = "dorgqr_")]
    internal static partial void dorgqr_(int* m, int* n, int* k, double* a, int* lda, double* tau, double* work, int* lwork, int* info);

    [LibraryImport(Libraries.Lapack, EntryPoint = "sorgqr_")]
    internal static partial void sorgqr_(int* m, int* n, int* k, float* a, int* lda, float* tau, float* work, int* lwork, int* info);

    [LibraryImport(Libraries.Lapack, EntryPoint = "dormqr_")]
    internal static partial void dormqr_(byte* side, byte* trans, int* m, int* n, int* k, double* a, int* lda, double* tau, double* c, int* ldc, double* work, int* lwork, int* info, nuint sideLength, nuint transLength);

    [LibraryImport(Libraries.Lapack, EntryPoint = "sormqr_")]
    internal static partial void sormqr_(byte* side, byte* trans, int* m, int* n, int* k, float* a, int* lda, float* tau, float* c, int* ldc, float* work, int* lwork, int* info, nuint sideLength, nuint transLength);

    [LibraryImport(Libraries.Lapack, EntryPoint = "zgeqrf_")]
    internal static partial void zgeqrf_(int* m, int* n, Complex* a, int* lda, Complex* tau, Complex* work, int* lwork, int* info);

    [LibraryImport(Libraries.Lapack, EntryPoint = "cgeqrf_")]
    internal static partial void cgeqrf_(int* m, int* n, Complex64* a, int* lda, Complex64* tau, Complex64* work, int* lwork, int* info);

    [LibraryImport(Libraries.Lapack, EntryPoint = "zungqr_")]
    internal static partial void zungqr_(int* m, int* n, int* k, Complex* a, int* lda, Complex* tau, Complex* work, int* lwork, int* info);

    [LibraryImport(Libraries.Lapack, EntryPoint = "cungqr_")]
    internal static partial void cungqr_(int* m, int* n, int* k, Complex64* a, int* lda, Complex64* tau, Complex64* work, int* lwork, int* info);

    // unmqr takes TRANS = 'N' or 'C' (Q^H); 'T' is illegal there (INFO = -2).
    [LibraryImport(Libraries.Lapack, EntryPoint = "zunmqr_")]
    internal static partial void zunmqr_(byte* side, byte* trans, int* m, int* n, int* k, Complex* a, int* lda, Complex* tau, Complex* c, int* ldc, Complex* work, int* lwork, int* info, nuint sideLength, nuint transLength);

    [LibraryImport(Libraries.Lapack, EntryPoint = "cunmqr_")]
    internal static partial void cunmqr_(byte* side, byte* trans, int* m, int* n, int* k, Complex64* a, int* lda, Complex64* tau, Complex64* c, int* ldc, Complex64* work, int* lwork, int* info, nuint sideLength, nuint transLength);

    // orm2r is ormqr's unblocked kernel (one reflector at a time, BLAS level 2). For a few
    // right-hand sides it beats ormqr, whose blocked path rebuilds each block's triangular factor
    // (larft, about m k nb flops) on every call.
    [LibraryImport(Libraries.Lapack, EntryPoint = "dorm2r_")]
    internal static partial void dorm2r_(byte* side, byte* trans, int* m, int* n, int* k, double* a, int* lda, double* tau, double* c, int* ldc, double* work, int* info, nuint sideLength, nuint transLength);

    [LibraryImport(Libraries.Lapack, EntryPoint = "sorm2r_")]
    internal static partial void sorm2r_(byte* side, byte* trans, int* m, int* n, int* k, float* a, int* lda, float* tau, float* c, int* ldc, float* work, int* info, nuint sideLength, nuint transLength);

    [LibraryImport(Libraries.Lapack, EntryPoint = "zunm2r_")]
    internal static partial void zunm2r_(byte* side, byte* trans, int* m, int* n, int* k, Complex* a, int* lda, Complex* tau, Complex* c, int* ldc, Complex* work, int* info, nuint sideLength, nuint transLength);

    [LibraryImport(Libraries.Lapack, EntryPoint = "cunm2r_")]
    internal static partial void cunm2r_(byte* side, byte* trans, int* m, int* n, int* k, Complex64* a, int* lda, Complex64* tau, Complex64* c, int* ldc, Complex64* work, int* info, nuint sideLength, nuint transLength);

    // ---- SVD: gesdd (divide and conquer) ----

    [LibraryImport(Libraries.Lapack, EntryPoint = "dgesdd_")]
    internal static partial void dgesdd_(byte* jobz, int* m, int* n, double* a, int* lda, double* s, double* u, int* ldu, double* vt, int* ldvt, double* work, int* lwork, int* iwork, int* info, nuint jobzLength);

    [LibraryImport(Libraries.Lapack, EntryPoint = "sgesdd_")]
    internal static partial void sgesdd_(byte* jobz, int* m, int* n, float* a, int* lda, float* s, float* u, int* ldu, float* vt, int* ldvt, float* work, int* lwork, int* iwork, int* info, nuint jobzLength);

    // The complex gesdd's singular values and RWORK are real; VT returns V^H.
    [LibraryImport(Libraries.Lapack, EntryPoint = "zgesdd_")]
    internal static partial void zgesdd_(byte* jobz, int* m, int* n, Complex* a, int* lda, double* s, Complex* u, int* ldu, Complex* vt, int* ldvt, Complex* work, int* lwork, double* rwork, int* iwork, int* info, nuint jobzLength);

    [LibraryImport(Libraries.Lapack, EntryPoint = "cgesdd_")]
    internal static partial void cgesdd_(byte* jobz, int* m, int* n, Complex64* a, int* lda, float* s, Complex64* u, int* ldu, Complex64* vt, int* ldvt, Complex64* work, int* lwork, float* rwork, int* iwork, int* info, nuint jobzLength);
}
