using OrthoProj.Cuda.Kernels;

namespace OrthoProj.Cuda;

/// <summary>
/// The CUDA general path's batched primitives: cuBLAS strided-batched gemm and batched trsm,
/// cuSOLVER geqrf/orgqr/ormqr/SVD, and OrthoProj's kernels (cuda/orthoproj_kernels.cu) for layout,
/// scaling and the rank and second-pass rules; for float, double, complex64 and complex128 (the
/// complex elements through the C/Z routines, every adjoint flag CUBLAS_OP_C, and the kernels'
/// complex forms). Each <see cref="Run{TResult}"/> holds the backend's
/// lock with a fresh scratch frame; scratch batches are views into that frame.
/// </summary>
internal sealed class CudaBatchKernels<T>(CudaBackend backend) : BatchKernels<T>
    where T : unmanaged, INumberBase<T>
{
    /// <summary>
    /// From this many elements per matrix Q stays as reflectors (ormqr per application); below it,
    /// Q is formed once (orgqr) and applied by one strided-batched gemm for the whole batch.
    /// </summary>
    internal const long ReflectorMinElements = 65536;

    public override Backend Backend => backend;

    public override bool KeepsReflectors(int m, int n) => (long)m * n >= ReflectorMinElements;

    public override TResult Run<TResult>(Func<IBatchOps<T>, TResult> body) => backend.Run(ops => body(new Scope(backend, ops)));

    private static DevicePtr<T> Ptr(MatrixBatch<T> x) => ((CudaMatrixBatch<T>)x).Ptr;

    private static DevicePtr<int> Ptr(BatchInts x) => ((DeviceBatchInts)x).Pointer;

    private static CudaMatrixBatch<T> AsCuda(MatrixBatch<T> x) => (CudaMatrixBatch<T>)x;

    private static DevicePtr<T> Offset(MatrixBatch<T> x, int column) => Ptr(x).At((long)column * x.Rows);

    private sealed class Scope(CudaBackend backend, CudaBackend.Ops ops) : IBatchOps<T>
    {
        public MatrixBatch<T> Allocate(int rows, int cols, int count)
        {
            backend.CountResultAllocation();
            return ops.Alloc<T>(rows, cols, count, clear: true);
        }

        public MatrixBatch<T> Scratch(int rows, int cols, int count, bool zeroed = false)
        {
            long length = (long)rows * cols * count;
            DevicePtr<T> pointer = ops.Temp<T>(length);
            if (zeroed)
            {
                ops.Clear<T>(pointer, length);
            }

            return new CudaMatrixBatch<T>(backend, new DeviceView<T>(backend.CudaDevice, pointer, length), rows, cols, count);
        }

        public void Clear(MatrixBatch<T> x) => ops.Clear(Ptr(x), x.Length);

        public void Copy(MatrixBatch<T> source, MatrixBatch<T> destination) => ops.Copy(Ptr(source), Ptr(destination), source.Length);

        public void CopyBlock(MatrixBatch<T> source, MatrixBatch<T> destination)
        {
            int rows = Math.Min(source.Rows, destination.Rows), cols = Math.Min(source.Cols, destination.Cols);
            if (rows < destination.Rows || cols < destination.Cols)
            {
                ops.Clear(Ptr(destination), destination.Length);
            }

            long total = (long)rows * cols * source.Count;
            if (total > 0)
            {
                ops.Kernels.CopyBlock(total, Ptr(source), source.Rows, source.MatrixLength, Ptr(destination), destination.Rows, destination.MatrixLength, rows, cols, source.Count);
            }
        }

        public void CopyColumns(MatrixBatch<T> source, int sourceColumn, MatrixBatch<T> destination, int destinationColumn, int columns)
        {
            long total = (long)source.Rows * columns * source.Count;
            if (total > 0)
            {
                ops.Kernels.CopyBlock(
                    total, Offset(source, sourceColumn), source.Rows, source.MatrixLength,
                    Offset(destination, destinationColumn), destination.Rows, destination.MatrixLength, source.Rows, columns, source.Count);
            }
        }

        // mirror_upper conjugates into the lower triangle and keeps the diagonal's real part for a
        // complex element; for a real one it is the mirror.
        public void HermitianFromUpper(MatrixBatch<T> x) => ops.Kernels.MirrorUpper(x.Length, Ptr(x), x.Rows, x.MatrixLength, x.Count);

        public void SetIdentity(MatrixBatch<T> x)
        {
            if (x.Length > 0)
            {
                ops.Kernels.SetIdentity(x.Length, Ptr(x), x.Rows, x.Cols, x.MatrixLength, x.Count);
            }
        }

        public void Transpose(MatrixBatch<T> source, MatrixBatch<T> destination) =>
            ops.Transpose(Ptr(source), source.Rows, source.Cols, source.MatrixLength, Ptr(destination), destination.MatrixLength, source.Count);

        public void Adjoint(MatrixBatch<T> source, MatrixBatch<T> destination) =>
            ops.Adjoint(Ptr(source), source.Rows, source.Cols, source.MatrixLength, Ptr(destination), destination.MatrixLength, source.Count);

        public void Gemm(bool adjointA, bool adjointB, T alpha, MatrixBatch<T> a, MatrixBatch<T> b, T beta, MatrixBatch<T> c) =>
            ops.Gemm(adjointA, adjointB, alpha, AsCuda(a), AsCuda(b), beta, AsCuda(c));

        public void Axpy(T alpha, MatrixBatch<T> x, MatrixBatch<T> y) => ops.Axpy(alpha, AsCuda(x), AsCuda(y));

        public void SolveUpper(MatrixBatch<T> r, bool adjoint, MatrixBatch<T> b, bool right = false) =>
            ops.TrsmBatched(right, transR: adjoint, AsCuda(r), AsCuda(b));

        public void ScaleByPowerOfTwo(MatrixBatch<T> x, BatchInts e1, int c1, BatchInts? e2 = null, int c2 = 0)
        {
            // The kernels keep magnitudes L = -e: 2^(c e) = 2^(-c L).
            if (x.Length > 0)
            {
                ops.Kernels.ScaleExp2(x.Length, Ptr(x), x.Rows, x.Cols, Math.Max(1, x.Rows), x.MatrixLength, Ptr(e1), -c1, e2 is null ? DevicePtr<int>.Null : Ptr(e2), -c2, x.Count);
            }
        }

        public BatchInts ScaleToUnit(MatrixBatch<T> source, MatrixBatch<T> destination) => Owned.Fill(new DeviceBatchInts(backend, destination.Count, holdsMagnitudes: true), magnitudes =>
        {
            if (!ReferenceEquals(source, destination))
            {
                Copy(source, destination);
            }

            if (destination.Count > 0)
            {
                ops.Kernels.MaxExponent(destination.Count, Ptr(destination), destination.Rows, destination.Cols, Math.Max(1, destination.Rows), destination.MatrixLength, DevicePtr<int>.Null, 0, destination.Count, magnitudes.Pointer);
                ScaleByPowerOfTwo(destination, magnitudes, +1);
            }
        });

        // Magnitudes L = -f: the larger of ilogb(max |a|) and ilogb(max |b|) + L_s (the magnitude
        // of 2^-s b); then a = 2^-L a and b = 2^(L_s - L) b.
        public BatchInts ScaleToUnit(MatrixBatch<T> a, MatrixBatch<T> b, BatchInts s) => Owned.Fill(new DeviceBatchInts(backend, a.Count, holdsMagnitudes: true), magnitudes =>
        {
            if (a.Count > 0)
            {
                ops.Kernels.MaxExponent(a.Count, Ptr(a), a.Rows, a.Cols, Math.Max(1, a.Rows), a.MatrixLength, DevicePtr<int>.Null, 0, a.Count, magnitudes.Pointer);
                ops.Kernels.MaxExponent(b.Count, Ptr(b), b.Rows, b.Cols, Math.Max(1, b.Rows), b.MatrixLength, Ptr(s), 1, b.Count, magnitudes.Pointer);
                ScaleByPowerOfTwo(a, magnitudes, +1);
                ScaleByPowerOfTwo(b, magnitudes, +1, s, -1);
            }
        });

        public void ScaleColumns(MatrixBatch<T> x, MatrixBatch<T> factors)
        {
            if (x.Length > 0)
            {
                ops.Kernels.ScaleColumns(x.Length, Ptr(x), x.Rows, x.Cols, x.MatrixLength, Ptr(factors), factors.MatrixLength, x.Count);
            }
        }

        public void ZeroWhereFullRank(MatrixBatch<T> x, BatchInts rank, int full)
        {
            if (x.Length > 0)
            {
                ops.Kernels.ZeroFullRank(x.Length, Ptr(x), x.MatrixLength, x.MatrixLength, Ptr(rank), full, x.Count);
            }
        }

        public void KeepSecondPassColumns(MatrixBatch<T> e, MatrixBatch<T> y, MatrixBatch<T> t)
        {
            if ((long)e.Cols * e.Count > 0)
            {
                ops.Kernels.ResidualSecondPass((long)e.Cols * e.Count, Ptr(e), Ptr(y), e.Rows, e.Cols, e.MatrixLength, Ptr(t), t.Rows, t.MatrixLength, e.Count);
            }
        }

        public void Geqrf(MatrixBatch<T> a, MatrixBatch<T> tau)
        {
            DevicePtr<int> info = Info(a.Count);
            ops.Geqrf(AsCuda(a), Ptr(tau), info);
            Check(info, a.Count, "geqrf");
        }

        public void Ormqr(bool adjoint, MatrixBatch<T> reflectors, MatrixBatch<T> tau, MatrixBatch<T> c) =>
            ops.Ormqr(adjoint, AsCuda(reflectors), Ptr(tau), AsCuda(c));

        public BatchInts Qr(MatrixBatch<T> a, MatrixBatch<T> q, MatrixBatch<T> r)
        {
            // Factor 2^e A in q when it has A's shape; otherwise (Q m x m) in scratch, then take R and
            // form Q from the identity with the k reflectors in its first k columns.
            int m = a.Rows, n = a.Cols, k = Math.Min(m, n), count = a.Count;
            bool thin = q.Cols == n;
            MatrixBatch<T> factored = thin ? q : Scratch(m, n, count);
            BatchInts e = ScaleToUnit(a, factored);
            if (k == 0 || count == 0)
            {
                return e;
            }

            DevicePtr<T> tau = ops.Temp<T>((long)k * count);
            DevicePtr<int> info = Info(2 * count);
            ops.Geqrf(AsCuda(factored), tau, info);
            ops.Kernels.ExtractUpper(r.Length, Ptr(factored), m, n, factored.MatrixLength, Ptr(r), r.Rows, r.MatrixLength, count);
            if (!thin)
            {
                SetIdentity(q);
                ops.CopyStrided(Ptr(factored), a.MatrixLength, Ptr(q), q.MatrixLength, m * k, count);
            }

            ops.Orgqr(AsCuda(q), k, tau, k, info.At(count));
            ops.CheckInfo(info, 2 * count, 1, (index, value) => index < count
                ? CudaSolver.InvalidArgument(CudaSolver.Name<T>("geqrf"), index, value)
                : CudaSolver.InvalidArgument(CudaSolver.Name<T>("orgqr"), index - count, value));
            return e;
        }

        public void ThinSvd(MatrixBatch<T> a, MatrixBatch<T> u, MatrixBatch<T> s, MatrixBatch<T> v)
        {
            if (Math.Min(a.Rows, a.Cols) == 0 || a.Count == 0)
            {
                return;
            }

            SvdFactors<T> svd = CudaSvd.Svd(ops, AsCuda(a));
            ops.CopyStrided(svd.U, svd.StrideU, Ptr(u), u.MatrixLength, u.MatrixLength, u.Count);
            ops.CopyStrided(svd.V, svd.StrideV, Ptr(v), v.MatrixLength, v.MatrixLength, v.Count);
            ops.Copy(svd.S, Ptr(s), s.Length);
            svd.Check(ops);
        }

        public int[] QrRank(MatrixBatch<T> r, BatchInts exponents, RankTolerance tolerance, int m, int n, out string firstDetail, out int firstDeficient)
        {
            firstDetail = string.Empty;
            firstDeficient = -1;
            if (r.Count == 0)
            {
                return [];
            }

            (double atol, double rtol) = tolerance.Resolve<T>(m, n);
            DevicePtr<int> rank = ops.Temp<int>(r.Count);
            ops.Kernels.QrRank(r.Count, Ptr(r), r.Rows, n, r.MatrixLength, r.Count, atol, rtol, rank, Ptr(exponents));
            int[] ranks = ops.ReadElements(rank, r.Count);
            firstDeficient = Array.FindIndex(ranks, x => x < n);
            if (firstDeficient >= 0)
            {
                // Only for the message: the failing matrix's factor, judged on the host by the same rule.
                T[] factor = ops.ReadElements(Ptr(r).At((long)firstDeficient * r.MatrixLength), r.MatrixLength);
                _ = tolerance.QrRank<T>(factor, r.Rows + 1, m, n, out firstDetail, exponents.ToHost()[firstDeficient]);
            }

            return ranks;
        }

        /// <summary>No device reduction for the proof yet (<see cref="BatchKernels{T}.CanProveFullRank"/> is false): the SVD decides on CUDA.</summary>
        public bool ProvesFullRank(MatrixBatch<T> r, MatrixBatch<T> rinv, BatchInts exponents, RankTolerance tolerance, int m, int n) =>
            throw new NotSupportedException("The CUDA backend proves no rank without the SVD.");

        public BatchInts SvdRank(MatrixBatch<T> s, BatchInts exponents, RankTolerance tolerance, int m, int n, MatrixBatch<T> keep, MatrixBatch<T> inverse) =>
            Owned.Fill(new DeviceBatchInts(backend, s.Count), rank =>
            {
                if (s.Count > 0)
                {
                    (double atol, double rtol) = tolerance.Resolve<T>(m, n);
                    ops.Kernels.SvdThreshold(s.Count, Ptr(s), s.Rows, s.MatrixLength, s.Count, atol, rtol, rank.Pointer, Ptr(inverse), Ptr(keep), Ptr(exponents));
                }
            });

        private DevicePtr<int> Info(int count)
        {
            DevicePtr<int> info = ops.Temp<int>(count);
            ops.Clear(info, count);
            return info;
        }

        private void Check(DevicePtr<int> info, int count, string routine) =>
            ops.CheckInfo(info, count, 1, (index, value) => CudaSolver.InvalidArgument(CudaSolver.Name<T>(routine), index, value));
    }
}

/// <summary>
/// One int per matrix in device memory (zeroed), owned: ranks, or scale exponents e held as the
/// kernels' magnitudes L = ilogb(max |a|) = -e (max_exponent's convention, with an all-zero
/// matrix marked apart; see cuda/orthoproj_kernels.cu). The memory is a block of the backend's
/// pool, given back on Dispose: reused in stream order, never freed while queued work reads it.
/// Create it inside an operation (under the backend's lock).
/// </summary>
internal sealed class DeviceBatchInts : BatchInts
{
    private const int NoMagnitude = -(1 << 30);   // OP_EXP_NONE: an all-zero matrix, e = 0
    private readonly CudaBackend backend;
    private readonly CudaMemoryPool.Block block;
    private readonly DeviceView<int> view;
    private readonly bool holdsMagnitudes;

    public DeviceBatchInts(CudaBackend backend, int count, bool holdsMagnitudes = false)
    {
        this.backend = backend;
        this.holdsMagnitudes = holdsMagnitudes;
        block = backend.MemoryPool.Rent((long)count * sizeof(int));
        view = new DeviceView<int>(backend.CudaDevice, block.Pointer, count);
        if (count > 0)
        {
            view.Clear(backend.Stream);
        }
    }

    /// <summary>The device address of the first value.</summary>
    public DevicePtr<int> Pointer => new(view.Pointer);

    /// <inheritdoc/>
    public override int[] ToHost()
    {
        var values = new int[view.Length];
        backend.CopyToHost(view, values);
        if (holdsMagnitudes)
        {
            for (int b = 0; b < values.Length; b++)
            {
                values[b] = values[b] == NoMagnitude ? 0 : -values[b];
            }
        }

        return values;
    }

    /// <inheritdoc/>
    public override void Dispose() => block.Dispose();
}
