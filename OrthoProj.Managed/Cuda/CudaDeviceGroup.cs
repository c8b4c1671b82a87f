namespace OrthoProj;

/// <summary>
/// Several CUDA devices used for one batch: one <see cref="CudaBackend"/> per device, each with its
/// own stream, memory pool and status word, and a batch split by matrices into one contiguous shard
/// per device, computed in parallel (one host thread per device) and gathered on the host. The
/// single-device API is unchanged: a shard is an ordinary batch of that device's backend, and any
/// operation on it may be called inside <see cref="Map{T}"/>.
/// </summary>
/// <remarks>
/// <para>Why shard by matrices: every OrthoProj operation treats the matrices of a batch
/// independently, so a shard's results are exactly those the whole batch would give for its
/// matrices (the same kernels on the same data), and no device needs another's data.</para>
/// <para>Beyond one machine, split the batch across processes with the framework already in use (one
/// process per GPU under MPI or torch.distributed, each creating its own <see cref="CudaBackend"/>
/// for its local device and working on its rank's slice of the batch, <see cref="Split"/> giving the
/// same contiguous slices); OrthoProj has no scheduler of its own.</para>
/// <para>Gathering goes through host memory: with peer-to-peer copies between devices a gather on one
/// device would save a round trip; not done.</para>
/// </remarks>
public sealed class CudaDeviceGroup : IDisposable
{
    private readonly CudaBackend[] backends;

    private CudaDeviceGroup(CudaBackend[] backends) => this.backends = backends;

    /// <summary>One backend per device of the group, in the order of the ordinals given.</summary>
    public IReadOnlyList<CudaBackend> Backends => backends;

    /// <summary>
    /// Opens a backend on each of <paramref name="ordinals"/> (null: every visible device) with
    /// <paramref name="options"/> (a caller's <see cref="CudaBackendOptions.ExternalStream"/> belongs
    /// to one device and is refused here).
    /// </summary>
    /// <returns>The group, one backend per device in the order of <paramref name="ordinals"/>; the caller disposes it.</returns>
    /// <exception cref="InvalidOperationException">No device is visible, or one of them cannot start; the message says why.</exception>
    /// <exception cref="ArgumentException">An ordinal is repeated, or an external stream is given.</exception>
    public static CudaDeviceGroup Create(IReadOnlyList<int>? ordinals = null, CudaBackendOptions? options = null)
    {
        if (options?.ExternalStream is not null)
        {
            throw new ArgumentException("A device group creates one stream per device; an external stream belongs to one device.", nameof(options));
        }

        if (ordinals is null)
        {
            if (!CudaDevice.TryGetDeviceCount(out int count, out string reason) || count == 0)
            {
                throw new InvalidOperationException($"No CUDA device is visible: {reason}");
            }

            ordinals = [.. Enumerable.Range(0, count)];
        }

        if (ordinals.Count == 0 || ordinals.Distinct().Count() != ordinals.Count)
        {
            throw new ArgumentException("Give one or more distinct device ordinals.", nameof(ordinals));
        }

        var opened = new List<CudaBackend>();
        try
        {
            foreach (int ordinal in ordinals)
            {
                opened.Add(CudaBackend.Create(ordinal, options ?? new CudaBackendOptions()));
            }

            return new CudaDeviceGroup([.. opened]);
        }
        catch
        {
            foreach (CudaBackend backend in opened)
            {
                backend.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// <paramref name="count"/> matrices split into <paramref name="parts"/> contiguous shards as
    /// equal as can be (the first count % parts shards one matrix larger): (first matrix, matrices).
    /// The same split serves processes (part = rank) when the batch is spread across machines.
    /// </summary>
    /// <returns><paramref name="parts"/> shards, each (first matrix, number of matrices), in order.</returns>
    public static (int Start, int Count)[] Split(int count, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parts);
        var shards = new (int, int)[parts];
        int start = 0;
        for (int p = 0; p < parts; p++)
        {
            int size = (count / parts) + (p < count % parts ? 1 : 0);
            shards[p] = (start, size);
            start += size;
        }

        return shards;
    }

    /// <summary>
    /// Runs <paramref name="operation"/> on every device's shard of the host batches
    /// <paramref name="inputs"/> (each column-major, matrix after matrix, <paramref name="count"/>
    /// matrices of its own rows x cols) in parallel, and gathers the batches it returns into host
    /// arrays, matrix after matrix in the original order. The shard batches and the returned ones are
    /// disposed afterwards; every shard must return the same number of results with the same shapes
    /// per matrix. A device with an empty shard is skipped.
    /// </summary>
    /// <returns>One host array per result of <paramref name="operation"/>.</returns>
    /// <exception cref="ArgumentException">An input's length is not rows * cols * count.</exception>
    /// <exception cref="AggregateException">A shard failed (its exception inside).</exception>
    public T[][] Map<T>(IReadOnlyList<(T[] Data, int Rows, int Cols)> inputs, int count, Func<CudaBackend, IReadOnlyList<MatrixBatch<T>>, IReadOnlyList<MatrixBatch<T>>> operation)
        where T : unmanaged, INumberBase<T>
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(operation);
        foreach ((T[] data, int rows, int cols) in inputs)
        {
            if (data.LongLength != CudaBackend.CheckShape<T>(rows, cols, count))
            {
                throw new ArgumentException($"An input of {count} x ({rows} x {cols}) needs {(long)rows * cols * count} elements; it has {data.LongLength}.", nameof(inputs));
            }
        }

        (int Start, int Count)[] shards = Split(count, backends.Length);
        var results = new (int Rows, int Cols, T[] Data)[backends.Length][];
        Parallel.For(0, backends.Length, new ParallelOptions { MaxDegreeOfParallelism = backends.Length }, d =>
        {
            (int start, int size) = shards[d];
            if (size == 0)
            {
                return;
            }

            CudaBackend backend = backends[d];
            var batches = new List<MatrixBatch<T>>();
            try
            {
                foreach ((T[] data, int rows, int cols) in inputs)
                {
                    long matrix = (long)rows * cols;
                    batches.Add(backend.FromHost<T>(data.AsSpan(checked((int)(start * matrix)), checked((int)(size * matrix))), rows, cols, size));
                }

                IReadOnlyList<MatrixBatch<T>> outputs = operation(backend, batches);
                try
                {
                    results[d] = [.. outputs.Select(o => (o.Rows, o.Cols, o.ToArray()))];
                }
                finally
                {
                    foreach (MatrixBatch<T> output in outputs)
                    {
                        output.Dispose();
                    }
                }
            }
            finally
            {
                foreach (MatrixBatch<T> batch in batches)
                {
                    batch.Dispose();
                }
            }
        });

        return Gather(results, shards, count);
    }

    /// <summary>Disposes every device's backend.</summary>
    public void Dispose()
    {
        foreach (CudaBackend backend in backends)
        {
            backend.Dispose();
        }
    }

    private static T[][] Gather<T>((int Rows, int Cols, T[] Data)[][] results, (int Start, int Count)[] shards, int count)
    {
        (int Rows, int Cols, T[] Data)[]? first = results.FirstOrDefault(r => r is not null);
        if (first is null)
        {
            return [];
        }

        var gathered = new T[first.Length][];
        for (int k = 0; k < first.Length; k++)
        {
            long matrix = (long)first[k].Rows * first[k].Cols;
            gathered[k] = new T[matrix * count];
            for (int d = 0; d < results.Length; d++)
            {
                if (results[d] is null)
                {
                    continue;
                }

                (int rows, int cols, T[] data) = results[d][k];
                if (rows != first[k].Rows || cols != first[k].Cols)
                {
                    throw new InvalidOperationException($"Result {k} is {rows} x {cols} per matrix on one device and {first[k].Rows} x {first[k].Cols} on another.");
                }

                data.CopyTo(gathered[k], shards[d].Start * matrix);
            }
        }

        return gathered;
    }
}
