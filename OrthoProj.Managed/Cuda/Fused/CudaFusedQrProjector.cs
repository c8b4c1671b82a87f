using OrthoProj.Cuda.Kernels;

namespace OrthoProj.Cuda.Fused;

/// <summary>
/// The QR-method projector for batches of small matrices (1 &lt;= n &lt;= m &lt;= 64, n &lt;= 32) on the
/// fused kernels of cuda/fused_qr.cu: one warp per matrix, the matrix in registers. The projector keeps
/// only the Householder factor (m x n per matrix, geqrf layout) and tau (n per matrix): every
/// operation reloads it and applies Q^T / Q through the reflectors and R^-1 / R^-T by substitution,
/// never forming Q or P unless <see cref="Projector{T}.Matrix"/> asks for P. Each operation is one
/// kernel launch; the backward passes compute x = A+ y and r = (I - P) y again in the same pass
/// rather than saving them (rereading y costs m values per column, saving x and r would cost m + n
/// written and read back). The factor is of 2^e A with <see cref="PowerOfTwoScaling"/>'s exponent
/// per matrix, kept in <see cref="exponents"/>: the kernels that apply R^-1 or R^-T scale back by 2^e.
/// The factor, tau and exponents are blocks of the backend's memory pool: Dispose gives them back for
/// reuse in stream order (cuMemFree right away could free them under queued kernels, or stall the
/// device where it waits), and a steady state that builds a projector per step allocates nothing.
/// </summary>
internal sealed class CudaFusedQrProjector<T> : Projector<T>
    where T : unmanaged, INumberBase<T>
{
    private readonly CudaBackend backend;
    private readonly KernelModule kernels;
    private readonly CudaMemoryPool.Block factor;     // m x n per matrix: R on and above the diagonal, reflectors below
    private readonly CudaMemoryPool.Block tau;        // n per matrix
    private readonly CudaMemoryPool.Block exponents;  // e per matrix: the factor is of 2^e A

    private CudaFusedQrProjector(CudaBackend backend, KernelModule kernels, int m, int n, int count, CudaMemoryPool.Block factor, CudaMemoryPool.Block tau, CudaMemoryPool.Block exponents)
        : base(backend, m, n, count, ProjectorMethod.Qr, FullRank(n, count))
    {
        this.backend = backend;
        this.kernels = kernels;
        this.factor = factor;
        this.tau = tau;
        this.exponents = exponents;
    }

    /// <summary>
    /// Factors every matrix of <paramref name="a"/> with fused_qr_factor and applies the QR method's
    /// rank rule on the device; one int is read back (the lowest rank-deficient index, if any).
    /// </summary>
    /// <exception cref="RankDeficientException">A matrix has rank below n; names the lowest such index.</exception>
    public static CudaFusedQrProjector<T> Create(CudaBackend backend, CudaBackend.Ops ops, CudaMatrixBatch<T> a, RankTolerance tolerance)
    {
        int m = a.Rows, n = a.Cols, count = a.Count;
        if (!SmallMatrixPolicy.Fits(ProjectorMethod.Qr, m, n, count))
        {
            throw new ArgumentException($"The fused path takes 1 <= n <= m <= {SmallMatrixPolicy.MaxRows}, n <= {SmallMatrixPolicy.MaxCols}, a non-empty batch; A is {a.Shape}.", nameof(a));
        }

        KernelModule kernels = backend.FusedKernels;
        long mn = (long)m * n;
        return Owned.Build(owned =>
        {
            CudaMemoryPool pool = backend.MemoryPool;
            CudaMemoryPool.Block f = owned.Track(pool.Rent(mn * count * SizeOf<T>()));
            CudaMemoryPool.Block t = owned.Track(pool.Rent(n * (long)count * SizeOf<T>()));
            CudaMemoryPool.Block e = owned.Track(pool.Rent(count * (long)sizeof(int)));
            DevicePtr<int> rank = ops.Temp<int>(count);
            DevicePtr<int> flag = ops.Temp<int>(1);
            ops.Clear<int>(flag, 1);
            (double atol, double rtol) = tolerance.Resolve<T>(m, n);
            ops.Launcher(kernels).Launch(FusedKernels<T>.QrFactor, new FusedQrFactorParams<T> { A = a.Ptr, M = m, N = n, Count = count, Factor = Ptr<T>(f), Tau = Ptr<T>(t), Exponent = Ptr<int>(e), Rank = rank, Atol = atol, Rtol = rtol, FirstBad = flag });
            int found = ops.ReadElement(flag, 0);
            if (found != 0)
            {
                int bad = int.MaxValue - found;
                int badRank = ops.ReadElement(rank, bad);
                int badExponent = ops.ReadElement(Ptr<int>(e), bad);
                T[] fb = ops.ReadElements(Ptr<T>(f).At(bad * mn), checked((int)mn));
                throw new RankDeficientException(bad, badRank, m, n, Detail(tolerance, fb, m, n, badExponent));
            }

            return new CudaFusedQrProjector<T>(backend, kernels, m, n, count, f, t, e);
        });
    }

    protected override MatrixBatch<T> ProjectCore(MatrixBatch<T> y, MatrixBatch<T>? output) => Forward(y, Rows, output, FusedKernels<T>.Project);

    protected override MatrixBatch<T> ResidualCore(MatrixBatch<T> y, MatrixBatch<T>? output) => Forward(y, Rows, output, FusedKernels<T>.Residual);

    protected override MatrixBatch<T> SolveCore(MatrixBatch<T> y, MatrixBatch<T>? output) => backend.Run(ops => Owned.Build(owned =>
    {
        CudaMatrixBatch<T> x = Target(ops, owned, output, Cols, y.Cols);
        if (y.Cols > 0)
        {
            ops.Launcher(kernels).Launch(FusedKernels<T>.Solve, new FusedSolveParams<T> { Factor = Ptr<T>(factor), Tau = Ptr<T>(tau), Exponent = Ptr<int>(exponents), M = Rows, N = Cols, Count = Count, Y = Ptr(y), P = y.Cols, X = x.Ptr });
        }

        return x;
    }));

    protected override MatrixBatch<T> MatrixCore(MatrixBatch<T>? output) => backend.Run(ops => Owned.Build(owned =>
    {
        CudaMatrixBatch<T> p = Target(ops, owned, output, Rows, Rows);
        ops.Launcher(kernels).Launch(FusedKernels<T>.Matrix, new FusedMatrixParams<T> { Factor = Ptr<T>(factor), Tau = Ptr<T>(tau), M = Rows, N = Cols, Count = Count, Pm = p.Ptr });
        return p;
    }));

    protected override ProjectorGradients<T> ProjectBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradZ, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY) => Backward(y, gradZ, gradA, gradY, FusedKernels<T>.ProjectBackward);

    protected override ProjectorGradients<T> ResidualBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradE, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY) => Backward(y, gradE, gradA, gradY, FusedKernels<T>.ResidualBackward);

    protected override ProjectorGradients<T> SolveBackwardCore(MatrixBatch<T> y, MatrixBatch<T> gradX, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY) => Backward(y, gradX, gradA, gradY, FusedKernels<T>.SolveBackward);

    protected override MatrixBatch<T> MatrixBackwardCore(MatrixBatch<T> gradP, MatrixBatch<T>? output) => backend.Run(ops => Owned.Build(owned =>
    {
        CudaMatrixBatch<T> ga = Target(ops, owned, output, Rows, Cols);
        ops.Launcher(kernels).Launch(FusedKernels<T>.MatrixBackward, new FusedMatrixBackwardParams<T> { Factor = Ptr<T>(factor), Tau = Ptr<T>(tau), Exponent = Ptr<int>(exponents), M = Rows, N = Cols, Count = Count, Gp = Ptr(gradP), Ga = ga.Ptr });
        return ga;
    }));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            factor.Dispose();
            tau.Dispose();
            exponents.Dispose();
        }
    }

    /// <summary>The rank rule's message for one matrix's factor of 2^e A (R's diagonal at stride ld + 1).</summary>
    private static string Detail(RankTolerance tolerance, T[] factor, int m, int n, int exponent)
    {
        _ = tolerance.QrRank<T>(factor, m + 1, m, n, out string detail, exponent);
        return detail;
    }

    private static DevicePtr<T> Ptr(MatrixBatch<T> x) => ((CudaMatrixBatch<T>)x).Ptr;

    private static DevicePtr<TElement> Ptr<TElement>(CudaMemoryPool.Block block)
        where TElement : unmanaged => new(block.Pointer);

    private static unsafe long SizeOf<TElement>()
        where TElement : unmanaged => sizeof(TElement);

    /// <summary>
    /// The batch a kernel writes a rows x cols result into: the caller's output when given (a device
    /// batch, column-major, of this device; the public layer ordered its stream), written in place by
    /// the kernel; else a new one from the pool, released if the operation fails.
    /// </summary>
    private CudaMatrixBatch<T> Target(CudaBackend.Ops ops, List<IDisposable> owned, MatrixBatch<T>? output, int rows, int cols, bool clear = false)
    {
        if (output is null)
        {
            backend.CountResultAllocation();
            return owned.Track(ops.Alloc<T>(rows, cols, Count, clear));
        }

        var given = (CudaMatrixBatch<T>)output;
        if (clear && given.Length > 0)
        {
            ops.Clear(given.Ptr, given.Length);
        }

        return given;
    }

    /// <summary>One forward kernel over Y (m x p) into the output, or a new outRows x p batch.</summary>
    private MatrixBatch<T> Forward(MatrixBatch<T> y, int outRows, MatrixBatch<T>? output, WarpKernel<FusedForwardParams<T>> kernel) => backend.Run(ops => Owned.Build(owned =>
    {
        CudaMatrixBatch<T> result = Target(ops, owned, output, outRows, y.Cols);
        if (y.Cols > 0)
        {
            ops.Launcher(kernels).Launch(kernel, new FusedForwardParams<T> { Factor = Ptr<T>(factor), Tau = Ptr<T>(tau), M = Rows, N = Cols, Count = Count, Y = Ptr(y), P = y.Cols, Result = result.Ptr });
        }

        return result;
    }));

    /// <summary>One backward kernel: gA (m x n, zero when p = 0) and gy (m x p), into the outputs given or new batches.</summary>
    private ProjectorGradients<T> Backward(MatrixBatch<T> y, MatrixBatch<T> g, MatrixBatch<T>? gradA, MatrixBatch<T>? gradY, WarpKernel<FusedBackwardParams<T>> kernel) => backend.Run(ops => Owned.Build(owned =>
    {
        int p = y.Cols;
        CudaMatrixBatch<T> ga = Target(ops, owned, gradA, Rows, Cols, clear: p == 0), gy = Target(ops, owned, gradY, Rows, p);
        if (p > 0)
        {
            ops.Launcher(kernels).Launch(kernel, new FusedBackwardParams<T> { Factor = Ptr<T>(factor), Tau = Ptr<T>(tau), Exponent = Ptr<int>(exponents), M = Rows, N = Cols, Count = Count, Y = Ptr(y), G = Ptr(g), P = p, Ga = ga.Ptr, Gy = gy.Ptr });
        }

        return new ProjectorGradients<T>(ga, gy);
    }));
}
