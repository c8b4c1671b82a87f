using OrthoProj.Cuda.Kernels;

namespace OrthoProj.Cuda;

/// <summary>
/// The thin SVD of every matrix in workspace memory: U (m x kk, leading dimension m), s (kk,
/// descending), V (n x kk, leading dimension n), kk = min(m, n), with the devInfo per matrix still
/// on the device until <see cref="Check"/>.
/// </summary>
internal readonly record struct SvdFactors<T>(DevicePtr<T> U, long StrideU, DevicePtr<T> S, DevicePtr<T> V, long StrideV, int Kk, DevicePtr<int> Info, int Count, string Routine)
    where T : unmanaged
{
    /// <summary>Reads back devInfo: a positive value (no convergence) or a negative one (bad argument) throws, naming the matrix.</summary>
    public void Check(CudaBackend.Ops ops)
    {
        string routine = Routine;
        ops.CheckInfo(Info, Count, 1, (index, value) => value > 0
            ? new SvdNotConvergedException(index, routine, value)
            : CudaSolver.InvalidArgument(routine, index, value));
    }
}

/// <summary>
/// The thin SVD of a batch on the device, for the seam's ThinSvd (which serves the SVD projector and
/// the pseudo-inverse): gesvdjBatched for matrices up to 32 x 32, gesvd otherwise, on the adjoint
/// for wide matrices since cuSOLVER's gesvd needs m &gt;= n. Complex elements take the C/Z forms,
/// whose singular values are real (widened to elements here) and V = (V^H)^H by the adjoint kernel.
/// </summary>
internal static class CudaSvd
{
    /// <summary>Largest dimension gesvdjBatched accepts.</summary>
    private const int JacobiBatchedLimit = 32;

    /// <summary>
    /// The thin SVD of every matrix of <paramref name="a"/> (not modified), kk = min(m, n) &gt; 0.
    /// The seam has scaled a to unit magnitude (Core/Policies/PowerOfTwoScaling.cs) before.
    /// </summary>
    public static SvdFactors<T> Svd<T>(CudaBackend.Ops ops, CudaMatrixBatch<T> a)
        where T : unmanaged, INumberBase<T>
    {
        int m = a.Rows, n = a.Cols, kk = Math.Min(m, n), count = a.Count;
        long mn = (long)m * n;
        DevicePtr<T> work = ops.Temp<T>(mn * count);
        // cuSOLVER writes the singular values as reals: for a real element into s itself, for a
        // complex one into the first half of sReal (kk * count reals), widened below into s as
        // elements with no imaginary part (the seam holds them as T).
        DevicePtr<T> s = ops.Temp<T>((long)kk * count);
        DevicePtr<T> sReal = Element<T>.IsComplex ? ops.Temp<T>((long)kk * count) : s;
        DevicePtr<int> info = ops.Temp<int>(count);
        ops.Clear(info, count);
        SvdFactors<T> factors;
        if (m <= JacobiBatchedLimit && n <= JacobiBatchedLimit)
        {
            // One call for the whole batch; U is m x m and V n x n, of which the first kk columns are used.
            DevicePtr<T> u = ops.Temp<T>((long)m * m * count);
            DevicePtr<T> v = ops.Temp<T>((long)n * n * count);
            ops.Copy(a.Ptr, work, mn * count);
            ops.GesvdjBatched(work, m, n, sReal, u, v, info, count);
            factors = new SvdFactors<T>(u, (long)m * m, s, v, (long)n * n, kk, info, count, CudaSolver.Name<T>("gesvdjBatched"));
        }
        else if (m >= n)
        {
            DevicePtr<T> u = ops.Temp<T>(mn * count);
            DevicePtr<T> vt = ops.Temp<T>((long)n * n * count);
            DevicePtr<T> v = ops.Temp<T>((long)n * n * count);
            ops.Copy(a.Ptr, work, mn * count);
            ops.Gesvd(work, m, n, mn, sReal, u, mn, vt, (long)n * n, info, count);
            ops.Adjoint(vt, n, n, (long)n * n, v, (long)n * n, count);
            factors = new SvdFactors<T>(u, mn, s, v, (long)n * n, kk, info, count, CudaSolver.Name<T>("gesvd"));
        }
        else
        {
            // A^H = U' S V'^H (n x m, n > m) gives A = V' S U'^H: U_A = V' = (V'^H)^H, V_A = U'.
            DevicePtr<T> uPrime = ops.Temp<T>(mn * count);
            DevicePtr<T> vtPrime = ops.Temp<T>((long)m * m * count);
            DevicePtr<T> u = ops.Temp<T>((long)m * m * count);
            ops.Adjoint(a.Ptr, m, n, mn, work, mn, count);
            ops.Gesvd(work, n, m, mn, sReal, uPrime, mn, vtPrime, (long)m * m, info, count);
            ops.Adjoint(vtPrime, m, m, (long)m * m, u, (long)m * m, count);
            factors = new SvdFactors<T>(u, (long)m * m, s, uPrime, mn, kk, info, count, CudaSolver.Name<T>("gesvd"));
        }

        if (Element<T>.IsComplex)
        {
            // s[l] = sReal[l] + 0i: the reals kk * count apart by one, into every other real of s.
            long values = (long)kk * count;
            ops.Clear(s, values);
            if (Element<T>.IsSingle)
            {
                ops.Kernels.CopyStrided(values, GeneralKernels.Reals<T, float>(sReal), 1, GeneralKernels.Reals<T, float>(s), 2, 1, checked((int)values));
            }
            else
            {
                ops.Kernels.CopyStrided(values, GeneralKernels.Reals<T, double>(sReal), 1, GeneralKernels.Reals<T, double>(s), 2, 1, checked((int)values));
            }
        }

        return factors;
    }
}
