using OrthoProj.Cuda;
using OrthoProj.Cuda.Kernels;

namespace OrthoProj;

public sealed partial class CudaBackend
{
    /// <summary>
    /// One operation's view of the backend: its workspace frame and typed, stream-ordered wrappers
    /// over cuBLAS, cuSOLVER and the kernels. Created under the backend's lock with the context
    /// current; used only inside that operation.
    /// </summary>
    internal sealed class Ops
    {
        private readonly KernelModule kernels;
        private readonly CublasHandle cublas;
        private readonly CusolverHandle cusolver;
        private readonly nint gesvdjParameters;

        internal Ops(CudaBackend backend, KernelModule kernels, CublasHandle cublas, CusolverHandle cusolver, nint gesvdjParameters, CudaScratch.Frame frame)
        {
            Backend = backend;
            this.kernels = kernels;
            this.cublas = cublas;
            this.cusolver = cusolver;
            this.gesvdjParameters = gesvdjParameters;
            Frame = frame;
        }

        public CudaBackend Backend { get; }

        public CudaScratch.Frame Frame { get; }

        private CudaDevice Device => Backend.CudaDevice;

        private CudaStream Stream => Backend.Stream;

        /// <summary>A new batch on the device, zero-filled on the stream when <paramref name="clear"/>.</summary>
        public CudaMatrixBatch<T> Alloc<T>(int rows, int cols, int count, bool clear = false)
            where T : unmanaged, INumberBase<T> => Backend.Allocate<T>(rows, cols, count, clear);

        /// <summary>Workspace for <paramref name="elements"/> values of <typeparamref name="T"/>.</summary>
        public DevicePtr<T> Temp<T>(long elements)
            where T : unmanaged => new(Frame.Take<T>(elements));

        /// <summary>The kernels of cuda/orthoproj_kernels.cu on the backend's stream (<see cref="GeneralKernels"/>).</summary>
        public KernelLauncher Kernels => new(kernels, Stream);

        /// <summary>The kernels of another loaded unit (e.g. the backend's fused kernels) on the backend's stream.</summary>
        public KernelLauncher Launcher(KernelModule module) => new(module, Stream);

        public void Copy<T>(DevicePtr<T> source, DevicePtr<T> destination, long elements)
            where T : unmanaged => DeviceCopy.DeviceToDevice<T>(Device, destination, source, elements, Stream);

        public void Clear<T>(DevicePtr<T> destination, long elements)
            where T : unmanaged => DeviceCopy.Clear<T>(Device, destination, elements, Stream);

        /// <summary>dst[b * dstStride + e] = src[b * srcStride + e], e &lt; len.</summary>
        public void CopyStrided<T>(DevicePtr<T> source, long sourceStride, DevicePtr<T> destination, long destinationStride, int len, int count)
            where T : unmanaged, INumberBase<T>
        {
            if (len > 0 && count > 0)
            {
                Kernels.CopyStrided((long)len * count, source, sourceStride, destination, destinationStride, len, count);
            }
        }

        /// <summary>dst (cols x rows) = src^T for each matrix.</summary>
        public void Transpose<T>(DevicePtr<T> source, int rows, int cols, long sourceStride, DevicePtr<T> destination, long destinationStride, int count)
            where T : unmanaged, INumberBase<T>
        {
            if ((long)rows * cols * count > 0)
            {
                Kernels.Transpose((long)rows * cols * count, source, rows, cols, sourceStride, destination, destinationStride, count);
            }
        }

        /// <summary>dst (cols x rows) = src^H for each matrix: the conjugate transpose (the transpose for a real element).</summary>
        public void Adjoint<T>(DevicePtr<T> source, int rows, int cols, long sourceStride, DevicePtr<T> destination, long destinationStride, int count)
            where T : unmanaged, INumberBase<T>
        {
            if (!Element<T>.IsComplex)
            {
                Transpose(source, rows, cols, sourceStride, destination, destinationStride, count);
            }
            else if ((long)rows * cols * count > 0)
            {
                Kernels.Adjoint((long)rows * cols * count, source, rows, cols, sourceStride, destination, destinationStride, count);
            }
        }

        /// <summary>A stream-ordered read of element <paramref name="index"/> (waits for the work queued before it).</summary>
        public T ReadElement<T>(DevicePtr<T> start, long index)
            where T : unmanaged
        {
            Backend.ReadPendingChecks();   // a wait anyway: pending deferred checks raise first, in call order
            Span<T> one = stackalloc T[1];
            DeviceCopy.DeviceToHost(Device, one, start.At(index), Stream);
            return one[0];
        }

        public T[] ReadElements<T>(DevicePtr<T> start, int count)
            where T : unmanaged
        {
            Backend.ReadPendingChecks();
            var values = new T[count];
            DeviceCopy.DeviceToHost<T>(Device, values, start, Stream);
            return values;
        }

        /// <summary>
        /// Reads back a devInfo-style array (n entries, <paramref name="stride"/> ints apart): the
        /// first nonzero entry is found on the device, so one int crosses the bus when all are zero;
        /// otherwise <paramref name="error"/>(index, value) is thrown.
        /// </summary>
        public void CheckInfo(DevicePtr<int> info, int n, int stride, Func<int, int, Exception> error)
        {
            if (n == 0)
            {
                return;
            }

            DevicePtr<int> flag = Temp<int>(1);
            Clear(flag, 1);
            Kernels.FirstFlagged(n, info, n, stride, flag);
            int found = ReadElement(flag, 0);
            if (found != 0)
            {
                int index = int.MaxValue - found;
                throw error(index, ReadElement(info, (long)index * stride));
            }
        }

        /// <summary>
        /// A device array of the <paramref name="count"/> matrix addresses start + b * matrixLength
        /// (elements), for cuBLAS *Batched.
        /// </summary>
        private unsafe DevicePtr<ulong> PointerArray<T>(DevicePtr<T> start, long matrixLength, int count)
            where T : unmanaged
        {
            DevicePtr<ulong> array = Temp<ulong>(count);
            Kernels.PointerArray(count, (ulong)start.Address, matrixLength * sizeof(T), count, array);
            return array;
        }

        // ------------------------------------------------------------ cuBLAS

        /// <summary>
        /// C_b = alpha op(A_b) op(B_b) + beta C_b for every b (cublas gemmStridedBatched); op(A) is
        /// m x k and op(B) k x n, C m x n, with m, n, k and the count read from the batches (column-major,
        /// leading dimension max(1, rows)). An empty inner dimension scales C by beta (BLAS semantics).
        /// op is the adjoint where asked (CUBLAS_OP_C for complex elements, CUBLAS_OP_T for real).
        /// </summary>
        public void Gemm<T>(bool transA, bool transB, T alpha, CudaMatrixBatch<T> a, CudaMatrixBatch<T> b, T beta, CudaMatrixBatch<T> c)
            where T : unmanaged, INumberBase<T>
        {
            int m = c.Rows, n = c.Cols, k = transA ? a.Rows : a.Cols, count = c.Count;
            if (m == 0 || n == 0 || count == 0)
            {
                return;
            }

            if (k == 0)
            {
                if (beta != T.One)
                {
                    Kernels.ScaleStrided((long)m * n * count, c.Ptr, m, n, LeadingDimension(c), c.MatrixLength, beta, count);
                }

                return;
            }

            CudaBlas.GemmStridedBatched(
                cublas.Enter(), transA, transB, m, n, k,
                alpha, a.Ptr, LeadingDimension(a), a.MatrixLength, b.Ptr, LeadingDimension(b), b.MatrixLength,
                beta, c.Ptr, LeadingDimension(c), c.MatrixLength, count);
        }

        /// <summary>
        /// Solves with the upper triangular R_b in place of B_b for every b (cublas trsmBatched, over
        /// pointer arrays built here): left: op(R) X = B (B m x n, R m x m); right: X op(R) = B (R n x n).
        /// op is the adjoint (^H; ^T for real elements) when <paramref name="transR"/>.
        /// </summary>
        public void TrsmBatched<T>(bool right, bool transR, CudaMatrixBatch<T> r, CudaMatrixBatch<T> b)
            where T : unmanaged, INumberBase<T>
        {
            if (b.Length == 0)
            {
                return;
            }

            DevicePtr<ulong> rArray = PointerArray(r.Ptr, r.MatrixLength, r.Count);
            DevicePtr<ulong> bArray = PointerArray(b.Ptr, b.MatrixLength, b.Count);
            CudaBlas.TrsmUpperBatched<T>(cublas.Enter(), right, transR, b.Rows, b.Cols, rArray, r.Rows, bArray, b.Rows, b.Count);
        }

        /// <summary>y = alpha x + y over every element of the batches (cublas axpy).</summary>
        public void Axpy<T>(T alpha, CudaMatrixBatch<T> x, CudaMatrixBatch<T> y)
            where T : unmanaged, INumberBase<T>
        {
            int n = checked((int)x.Length);
            if (n == 0)
            {
                return;
            }

            CudaBlas.Axpy(cublas.Enter(), n, alpha, x.Ptr, y.Ptr);
        }

        // ------------------------------------------------------------ cuSOLVER

        /// <summary>
        /// geqrf on each m x n matrix of <paramref name="a"/> in place: R in the upper triangle,
        /// reflectors below, their scalars in tau (k = min(m, n) per matrix, k apart); devInfo of matrix b in info[b].
        /// </summary>
        public void Geqrf<T>(CudaMatrixBatch<T> a, DevicePtr<T> tau, DevicePtr<int> info)
            where T : unmanaged, INumberBase<T>
        {
            int m = a.Rows, n = a.Cols, k = Math.Min(m, n), count = a.Count;
            long stride = a.MatrixLength;
            if (k == 0 || count == 0)
            {
                return;
            }

            DevicePtr<T> pa = a.Ptr;
            if (m >= n && BatchesQr(m, count))
            {
                // One cuBLAS call for the whole batch; geqrf's devInfo is never positive, and a
                // bad argument is reported on the host at once, so info stays as cleared.
                CudaBlas.GeqrfBatched<T>(cublas.Enter(), m, n, PointerArray(pa, stride, count), m, PointerArray(tau, k, count), count);
                return;
            }

            nint handle = cusolver.Enter();
            int lwork = CudaSolver.GeqrfBufferSize<T>(handle, m, n, pa, m);
            DevicePtr<T> work = Temp<T>(lwork);
            for (int b = 0; b < count; b++)
            {
                CudaSolver.Geqrf<T>(handle, m, n, pa.At(b * stride), m, tau.At((long)b * k), work, lwork, info.At(b));
            }
        }

        /// <summary>
        /// orgqr on each matrix of <paramref name="q"/> (m x cols) in place: Q from the k reflectors of
        /// <see cref="Geqrf{T}"/> in its first k columns, their scalars <paramref name="tauStride"/> apart; devInfo of matrix b in info[b].
        /// </summary>
        public void Orgqr<T>(CudaMatrixBatch<T> q, int k, DevicePtr<T> tau, long tauStride, DevicePtr<int> info)
            where T : unmanaged, INumberBase<T>
        {
            int m = q.Rows, cols = q.Cols, count = q.Count;
            long stride = q.MatrixLength;
            if (cols == 0 || count == 0)
            {
                return;
            }

            DevicePtr<T> a = q.Ptr;
            if (BatchesQr(m, count))
            {
                // Q = H_0 ... H_{k-1} [I; 0] for the whole batch in one launch, built transposed in
                // scratch (Q^T, cols x m: row r of Q is contiguous) so that apply_reflectors' threads,
                // one per column of Q, read and write consecutive addresses; the reflectors stay
                // where geqrf left them until the transpose writes Q over them.
                long wStride = (long)m * cols;
                DevicePtr<T> w = Temp<T>(wStride * count);
                Kernels.SetIdentity(wStride * count, w, cols, m, wStride, count);
                Kernels.ApplyReflectors((long)cols * count, a, stride, tau, tauStride, m, k, w, wStride, cols, cols, 1, 0, count);
                Transpose(w, cols, m, wStride, a, stride, count);
                return;
            }

            nint handle = cusolver.Enter();
            int lwork = CudaSolver.OrgqrBufferSize<T>(handle, m, cols, k, a, m, tau);
            DevicePtr<T> work = Temp<T>(lwork);
            for (int b = 0; b < count; b++)
            {
                CudaSolver.Orgqr<T>(handle, m, cols, k, a.At(b * stride), m, tau.At(b * tauStride), work, lwork, info.At(b));
            }
        }

        /// <summary>
        /// C_b = op(Q_b) C_b (m x p) for every matrix of <paramref name="c"/>, op the adjoint when
        /// <paramref name="transpose"/> (unmqr with CUBLAS_OP_C for complex elements), Q_b the m x m product of
        /// the k reflectors (k = the columns of <paramref name="reflectors"/>, their scalars k apart in
        /// <paramref name="tau"/>) stored by <see cref="Geqrf{T}"/> (ormqr, Q never formed; one
        /// cuSOLVER call per matrix); devInfo into the backend's status word.
        /// </summary>
        public void Ormqr<T>(bool transpose, CudaMatrixBatch<T> reflectors, DevicePtr<T> tau, CudaMatrixBatch<T> c)
            where T : unmanaged, INumberBase<T>
        {
            int m = c.Rows, p = c.Cols, k = reflectors.Cols, count = c.Count;
            long stride = reflectors.MatrixLength, strideC = c.MatrixLength;
            if (m == 0 || p == 0 || k == 0 || count == 0)
            {
                return;
            }

            // Always one cuSOLVER call per matrix: Q is kept as reflectors (and applied here) only
            // from CudaBatchKernels.ReflectorMinElements elements per matrix on, where each call
            // has work enough; a batched branch here (apply_reflectors) could never run before the
            // batched-QR rule became PyTorch's and would serve at most 256 x 256 batches now.
            DevicePtr<T> pr = reflectors.Ptr, pc = c.Ptr;
            nint handle = cusolver.Enter();
            int lwork = CudaSolver.OrmqrBufferSize<T>(handle, transpose, m, p, k, pr, m, tau, pc, m);
            DevicePtr<T> work = Temp<T>(lwork);
            DevicePtr<int> info = Temp<int>(count);
            Clear(info, count);
            for (int b = 0; b < count; b++)
            {
                CudaSolver.Ormqr<T>(handle, transpose, m, p, k, pr.At(b * stride), m, tau.At((long)b * k), pc.At(b * strideC), m, work, lwork, info.At(b));
            }

            // ormqr's devInfo is never positive (a negative one is a rejected argument, a bug, never
            // the data): it goes into the status word instead of a read of its own, so that a
            // projector kept as reflectors (m n >= 65,536) applies Q without waiting for the host;
            // it raises at the next status read (the next call's input check in the default mode).
            string routine = CudaSolver.Name<T>("ormqr");
            CudaStatus.Slot slot = Backend.ReserveCheck(
                (found, bits) => CudaSolver.InvalidArgument(routine, int.MaxValue - found, (int)(bits & 0xFFFFFFFF)));
            Kernels.FirstFlagged(count, info, count, 1, slot.Flag);

            // The flagged devInfo itself, as 4 raw bytes: read_flagged copies an element, never converts it.
            Kernels.ReadFlagged(1, new DevicePtr<float>(info), slot.Flag, slot.Value<float>());
        }

        /// <summary>
        /// gesvd (m &gt;= n) of each m x n matrix (<paramref name="stride"/> apart), destroying it:
        /// U m x n ("S"), s n (n apart, of the real type: <paramref name="s"/> is the address of
        /// reals), V^H n x n ("S"); devInfo in info[b].
        /// </summary>
        public void Gesvd<T>(DevicePtr<T> a, int m, int n, long stride, nint s, DevicePtr<T> u, long strideU, DevicePtr<T> vt, long strideVt, DevicePtr<int> info, int count)
            where T : unmanaged, INumberBase<T>
        {
            nint handle = cusolver.Enter();
            int lwork = CudaSolver.GesvdBufferSize<T>(handle, m, n);
            DevicePtr<T> work = Temp<T>(lwork);
            DevicePtr<T> rwork = Temp<T>(n);   // rwork: min(m, n) - 1 reals, fewer bytes than n elements
            int realSize = Element<T>.IsSingle ? sizeof(float) : sizeof(double);
            for (int b = 0; b < count; b++)
            {
                CudaSolver.Gesvd<T>(
                    handle, m, n, a.At(b * stride), m, s + (nint)((long)b * n * realSize),
                    u.At(b * strideU), m, vt.At(b * strideVt), n, work, lwork, rwork, info.At(b));
            }
        }

        /// <summary>gesvdjBatched (m, n &lt;= 32), destroying A: U m x m, s min(m, n) (reals: <paramref name="s"/> is their address), V n x n per matrix; info per matrix.</summary>
        public void GesvdjBatched<T>(DevicePtr<T> a, int m, int n, nint s, DevicePtr<T> u, DevicePtr<T> v, DevicePtr<int> info, int count)
            where T : unmanaged, INumberBase<T>
        {
            nint handle = cusolver.Enter();
            int lwork = CudaSolver.GesvdjBatchedBufferSize<T>(handle, m, n, a, s, u, v, gesvdjParameters, count);
            DevicePtr<T> work = Temp<T>(lwork);
            CudaSolver.GesvdjBatched<T>(handle, m, n, a, s, u, v, work, lwork, info, gesvdjParameters, count);
        }

        /// <summary>
        /// Whether a batch of m-row matrices is factored by one cuBLAS geqrfBatched call (m &gt;= n)
        /// and its Q formed by one apply_reflectors launch, rather than by one cuSOLVER geqrf and
        /// orgqr call per matrix: PyTorch's rule (aten/src/ATen/native/cuda/linalg/
        /// BatchLinearAlgebra.cpp, geqrf_kernel, from the benchmarks of pytorch/pytorch#56253),
        /// m &lt;= 256 and at least max(2, m / 16) matrices. geqrfBatched and apply_reflectors work
        /// unblocked, one matrix per block and one column per thread with O(m k) serial work each,
        /// which beats a host loop of blocked cuSOLVER calls (launch cost: 1024 x (128 x 64) would be
        /// 2048 calls per projector) only while matrices are short and many; a few tall ones
        /// (2 x 4096 x 15, under the former m n &lt; 65,536 rule) are far faster per matrix in cuSOLVER.
        /// The one place this choice is made (geqrf and orgqr alike).
        /// </summary>
        internal static bool BatchesQr(int m, int count) =>
            m <= BatchedQrMaxRows && count >= Math.Max(2, m / 16);

        /// <summary>The most rows for which <see cref="BatchesQr"/> takes the batched routines (PyTorch's 256).</summary>
        internal const int BatchedQrMaxRows = 256;

        /// <summary>cuBLAS's leading dimension of a column-major batch (at least 1, even for an empty one).</summary>
        private static int LeadingDimension<T>(CudaMatrixBatch<T> x)
            where T : unmanaged, INumberBase<T> => Math.Max(1, x.Rows);
    }
}
