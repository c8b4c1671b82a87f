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
            where T : unmanaged, IFloatingPointIeee754<T> => Backend.Allocate<T>(rows, cols, count, clear);

        /// <summary>Workspace for <paramref name="elements"/> values of <typeparamref name="T"/>.</summary>
        public DevicePtr<T> Temp<T>(long elements)
            where T : unmanaged => new(Frame.Take<T>(elements));

        /// <summary>The kernels of cuda/orthoproj_kernels.cu on the backend's stream (<see cref="GeneralKernels"/>).</summary>
        public KernelLauncher Kernels => new(kernels, Stream);

        /// <summary>The kernels of another loaded unit (e.g. the backend's fused kernels) on the backend's stream.</summary>
        public KernelLauncher Launcher(KernelModule module) => new(module, Stream);

        public void Copy<T>(nint source, nint destination, long elements)
            where T : unmanaged => DeviceCopy.DeviceToDevice<T>(Device, destination, source, elements, Stream);

        public void Clear<T>(nint destination, long elements)
            where T : unmanaged => DeviceCopy.Clear<T>(Device, destination, elements, Stream);

        /// <summary>dst[b * dstStride + e] = src[b * srcStride + e], e &lt; len.</summary>
        public void CopyStrided<T>(nint source, long sourceStride, nint destination, long destinationStride, int len, int count)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (len > 0 && count > 0)
            {
                Kernels.CopyStrided((long)len * count, new DevicePtr<T>(source), sourceStride, new DevicePtr<T>(destination), destinationStride, len, count);
            }
        }

        /// <summary>dst (cols x rows) = src^T for each matrix.</summary>
        public void Transpose<T>(nint source, int rows, int cols, long sourceStride, nint destination, long destinationStride, int count)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if ((long)rows * cols * count > 0)
            {
                Kernels.Transpose((long)rows * cols * count, new DevicePtr<T>(source), rows, cols, sourceStride, new DevicePtr<T>(destination), destinationStride, count);
            }
        }

        /// <summary>A stream-ordered read of element <paramref name="index"/> (waits for the work queued before it).</summary>
        public unsafe T ReadElement<T>(nint start, long index)
            where T : unmanaged
        {
            Backend.status.Read(Stream);   // a wait anyway: pending deferred checks raise first, in call order
            Span<T> one = stackalloc T[1];
            DeviceCopy.DeviceToHost(Device, one, start + (nint)(index * sizeof(T)), Stream);
            return one[0];
        }

        public T[] ReadElements<T>(nint start, int count)
            where T : unmanaged
        {
            Backend.status.Read(Stream);
            var values = new T[count];
            DeviceCopy.DeviceToHost<T>(Device, values, start, Stream);
            return values;
        }

        /// <summary>
        /// Reads back a devInfo-style array (n entries, <paramref name="stride"/> ints apart): the
        /// first nonzero entry is found on the device, so one int crosses the bus when all are zero;
        /// otherwise <paramref name="error"/>(index, value) is thrown.
        /// </summary>
        public void CheckInfo(nint info, int n, int stride, Func<int, int, Exception> error)
        {
            if (n == 0)
            {
                return;
            }

            DevicePtr<int> flag = Temp<int>(1);
            Clear<int>(flag, 1);
            Kernels.FirstFlagged(n, new DevicePtr<int>(info), n, stride, flag);
            int found = ReadElement<int>(flag, 0);
            if (found != 0)
            {
                int index = int.MaxValue - found;
                throw error(index, ReadElement<int>(info, (long)index * stride));
            }
        }

        /// <summary>A device array of count pointers base + b * strideBytes (for cuBLAS *Batched).</summary>
        public nint PointerArray(nint start, long strideBytes, int count)
        {
            DevicePtr<ulong> array = Temp<ulong>(count);
            Kernels.PointerArray(count, (ulong)start, strideBytes, count, array);
            return array;
        }

        // ------------------------------------------------------------ cuBLAS

        /// <summary>
        /// C_b = alpha op(A_b) op(B_b) + beta C_b for every b (cublas gemmStridedBatched); op(A) is
        /// m x k, op(B) k x n. An empty inner dimension scales C by beta (BLAS semantics).
        /// </summary>
        public void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha, nint a, int lda, long strideA, nint b, int ldb, long strideB, T beta, nint c, int ldc, long strideC, int count)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (m == 0 || n == 0 || count == 0)
            {
                return;
            }

            if (k == 0)
            {
                if (beta != T.One)
                {
                    Kernels.ScaleStrided((long)m * n * count, new DevicePtr<T>(c), m, n, ldc, strideC, beta, count);
                }

                return;
            }

            CudaBlas.GemmStridedBatched(cublas.Enter(), transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, count);
        }

        /// <summary>
        /// Solves with the upper triangular R_b in place of B_b for every b (cublas trsmBatched):
        /// left: op(R) X = B (B m x n, R m x m); right: X op(R) = B (R n x n). op is ^T when
        /// <paramref name="transR"/>. Pointer arrays come from <see cref="PointerArray"/>.
        /// </summary>
        public void TrsmBatched<T>(bool right, bool transR, int m, int n, nint rArray, int ldr, nint bArray, int ldb, int count)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (m == 0 || n == 0 || count == 0)
            {
                return;
            }

            CudaBlas.TrsmUpperBatched<T>(cublas.Enter(), right, transR, m, n, rArray, ldr, bArray, ldb, count);
        }

        /// <summary>y = alpha x + y over <paramref name="n"/> contiguous elements (cublas axpy).</summary>
        public void Axpy<T>(int n, T alpha, nint x, nint y)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (n == 0)
            {
                return;
            }

            CudaBlas.Axpy(cublas.Enter(), n, alpha, x, y);
        }

        // ------------------------------------------------------------ cuSOLVER

        /// <summary>
        /// geqrf on each m x n matrix (leading dimension m) in place: R in the upper triangle,
        /// reflectors below, their scalars in tau (min(m, n) per matrix); devInfo of matrix b in info[b].
        /// </summary>
        public void Geqrf<T>(nint a, int m, int n, long stride, nint tau, nint info, int count)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int k = Math.Min(m, n);
            if (k == 0 || count == 0)
            {
                return;
            }

            if (m >= n && BatchesQr(m, count))
            {
                // One cuBLAS call for the whole batch; geqrf's devInfo is never positive, and a
                // bad argument is reported on the host at once, so info stays as cleared.
                CudaBlas.GeqrfBatched<T>(
                    cublas.Enter(), m, n, PointerArray(a, stride * SizeOf<T>(), count), m, PointerArray(tau, k * SizeOf<T>(), count), count);
                return;
            }

            nint handle = cusolver.Enter();
            int lwork = CudaSolver.GeqrfBufferSize<T>(handle, m, n, a, m);
            nint work = Temp<T>(lwork);
            for (int b = 0; b < count; b++)
            {
                CudaSolver.Geqrf<T>(handle, m, n, Offset<T>(a, b * stride), m, Offset<T>(tau, (long)b * k), work, lwork, info + (4 * b));
            }
        }

        /// <summary>orgqr on each matrix: the m x cols Q from k reflectors of <see cref="Geqrf{T}"/>, in place.</summary>
        public void Orgqr<T>(nint a, int m, int cols, int k, long stride, nint tau, long tauStride, nint info, int count)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (cols == 0 || count == 0)
            {
                return;
            }

            if (BatchesQr(m, count))
            {
                // Q = H_0 ... H_{k-1} [I; 0] for the whole batch in one launch, built transposed in
                // scratch (Q^T, cols x m: row r of Q is contiguous) so that apply_reflectors' threads,
                // one per column of Q, read and write consecutive addresses; the reflectors stay
                // where geqrf left them until the transpose writes Q over them.
                nint w = Temp<T>((long)m * cols * count);
                long wStride = (long)m * cols;
                Kernels.SetIdentity(wStride * count, new DevicePtr<T>(w), cols, m, wStride, count);
                Kernels.ApplyReflectors((long)cols * count, new DevicePtr<T>(a), stride, new DevicePtr<T>(tau), tauStride, m, k, new DevicePtr<T>(w), wStride, cols, cols, 1, 0, count);
                Transpose<T>(w, cols, m, wStride, a, stride, count);
                return;
            }

            nint handle = cusolver.Enter();
            int lwork = CudaSolver.OrgqrBufferSize<T>(handle, m, cols, k, a, m, tau);
            nint work = Temp<T>(lwork);
            for (int b = 0; b < count; b++)
            {
                CudaSolver.Orgqr<T>(handle, m, cols, k, Offset<T>(a, b * stride), m, Offset<T>(tau, b * tauStride), work, lwork, info + (4 * b));
            }
        }

        /// <summary>
        /// C_b = op(Q_b) C_b (m x p) for every matrix, Q_b the m x m product of the k reflectors
        /// stored by <see cref="Geqrf{T}"/> (ormqr, Q never formed; one cuSOLVER call per matrix); devInfo into the status word.
        /// </summary>
        public void Ormqr<T>(bool transpose, int m, int p, int k, nint reflectors, long stride, nint tau, nint c, long strideC, int count)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (m == 0 || p == 0 || k == 0 || count == 0)
            {
                return;
            }

            // Always one cuSOLVER call per matrix: Q is kept as reflectors (and applied here) only
            // from CudaBatchKernels.ReflectorMinElements elements per matrix on, where each call
            // has work enough; a batched branch here (apply_reflectors) could never run before the
            // batched-QR rule became PyTorch's and would serve at most 256 x 256 batches now.
            nint handle = cusolver.Enter();
            int lwork = CudaSolver.OrmqrBufferSize<T>(handle, transpose, m, p, k, reflectors, m, tau, c, m);
            nint work = Temp<T>(lwork);
            nint info = Temp<int>(count);
            Clear<int>(info, count);
            for (int b = 0; b < count; b++)
            {
                CudaSolver.Ormqr<T>(handle, transpose, m, p, k, Offset<T>(reflectors, b * stride), m, Offset<T>(tau, (long)b * k), Offset<T>(c, b * strideC), m, work, lwork, info + (4 * b));
            }

            // ormqr's devInfo is never positive (a negative one is a rejected argument, a bug, never
            // the data): it goes into the status word instead of a read of its own, so that a
            // projector kept as reflectors (m n >= 65,536) applies Q without waiting for the host;
            // it raises at the next status read (the next call's input check in the default mode).
            string routine = CudaSolver.Name<T>("ormqr");
            (DevicePtr<int> flag, nint value) = Backend.status.Reserve(
                Stream, (found, bits) => CudaSolver.InvalidArgument(routine, int.MaxValue - found, (int)(bits & 0xFFFFFFFF)));
            Kernels.FirstFlagged(count, new DevicePtr<int>(info), count, 1, flag);

            // The flagged devInfo itself, as 4 raw bytes: read_flagged copies an element, never converts it.
            Kernels.ReadFlagged(1, new DevicePtr<float>(info), flag, new DevicePtr<float>(value));
        }

        /// <summary>
        /// gesvd (m &gt;= n) of each matrix, destroying it: U m x n ("S"), s n, V^T n x n ("S"); devInfo in info[b].
        /// </summary>
        public void Gesvd<T>(nint a, int m, int n, long stride, nint s, nint u, long strideU, nint vt, long strideVt, nint info, int count)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            nint handle = cusolver.Enter();
            int lwork = CudaSolver.GesvdBufferSize<T>(handle, m, n);
            nint work = Temp<T>(lwork);
            nint rwork = Temp<T>(n);
            for (int b = 0; b < count; b++)
            {
                CudaSolver.Gesvd<T>(
                    handle, m, n, Offset<T>(a, b * stride), m, Offset<T>(s, (long)b * n),
                    Offset<T>(u, b * strideU), m, Offset<T>(vt, b * strideVt), n, work, lwork, rwork, info + (4 * b));
            }
        }

        /// <summary>gesvdjBatched (m, n &lt;= 32), destroying A: U m x m, s min(m, n), V n x n per matrix; info per matrix.</summary>
        public void GesvdjBatched<T>(nint a, int m, int n, nint s, nint u, nint v, nint info, int count)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            nint handle = cusolver.Enter();
            int lwork = CudaSolver.GesvdjBatchedBufferSize<T>(handle, m, n, a, s, u, v, gesvdjParameters, count);
            nint work = Temp<T>(lwork);
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

        private static unsafe long SizeOf<T>()
            where T : unmanaged => sizeof(T);

        /// <summary>The address of element <paramref name="index"/> of a T array at <paramref name="start"/>.</summary>
        public static unsafe nint Offset<T>(nint start, long index)
            where T : unmanaged => start + (nint)(index * sizeof(T));
    }
}
