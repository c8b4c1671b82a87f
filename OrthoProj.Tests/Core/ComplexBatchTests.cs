using System.Numerics;
using System.Numerics.Tensors;

namespace OrthoProj.Tests.Core;

/// <summary>
/// Host batches of complex elements (<see cref="Complex64"/> and <see cref="Complex"/>): created,
/// indexed, read from and written to C# arrays and tensors in either layout, each element where the
/// layout says, at sizes that cross the blocked transposer's tiles. No operation takes them yet
/// (docs/complex.md); the element types a batch refuses are refused with their name.
/// </summary>
[TestClass]
public sealed class ComplexBatchTests
{
    [TestMethod]
    public void Complex64Batch_ReadsAndWritesEitherLayout()
    {
        foreach ((int rows, int cols, int count) in new[] { (3, 2, 2), (37, 41, 2), (1, 1, 1), (0, 3, 2) })
        {
            RoundTrips<Complex64>(rows, cols, count, (b, i, j) => new Complex64(b + (0.5f * i), j - (0.25f * i)));
        }
    }

    [TestMethod]
    public void Complex128Batch_ReadsAndWritesEitherLayout()
    {
        foreach ((int rows, int cols, int count) in new[] { (3, 2, 2), (33, 40, 2), (1, 1, 1) })
        {
            RoundTrips<Complex>(rows, cols, count, (b, i, j) => new Complex(b + (0.5 * i), j - (0.25 * i)));
        }
    }

    [TestMethod]
    public void ComplexBatch_ReadsATensorInPlace()
    {
        Tensor<Complex64> tensor = Tensor.Create(new Complex64[2 * 3 * 4], [2, 3, 4]);
        for (int b = 0; b < 2; b++)
        {
            for (int i = 0; i < 3; i++)
            {
                for (int j = 0; j < 4; j++)
                {
                    tensor[b, i, j] = new Complex64(b, (10 * i) + j);
                }
            }
        }

        HostMatrixBatch<Complex64> batch = tensor.AsMatrixBatch();
        Assert.AreEqual(MatrixLayout.RowMajor, batch.Layout);
        Assert.AreEqual(new Complex64(1, 23), batch[1, 2, 3]);
        batch[0, 1, 2] = new Complex64(-7, 7);
        Assert.AreEqual(new Complex64(-7, 7), tensor[0, 1, 2], "the batch is a view of the tensor's storage");
        Complex64[] columnMajor = batch.ToArray();
        Assert.AreEqual(new Complex64(0, 10), columnMajor[1], "element (0, 1, 0), column-major");
    }

    [TestMethod]
    public void ABatch_RefusesTypesItCannotHold_ByName()
    {
        var e = Assert.ThrowsExactly<NotSupportedException>(() => new HostMatrixBatch<Half>(2, 2));
        StringAssert.Contains(e.Message, "Half");
        StringAssert.Contains(e.Message, "Complex64");
    }

    private static void RoundTrips<T>(int rows, int cols, int count, Func<int, int, int, T> value)
        where T : unmanaged, INumberBase<T>
    {
        string shape = $"{typeof(T).Name} {count} x ({rows} x {cols})";
        var columnMajor = new T[rows * cols * count];
        var rowMajor = new T[rows * cols * count];
        var arrays = new T[count][,];
        for (int b = 0; b < count; b++)
        {
            arrays[b] = new T[rows, cols];
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < cols; j++)
                {
                    columnMajor[(b * rows * cols) + (j * rows) + i] = value(b, i, j);
                    rowMajor[(b * rows * cols) + (i * cols) + j] = value(b, i, j);
                    arrays[b][i, j] = value(b, i, j);
                }
            }
        }

        HostMatrixBatch<T> fromColumns = HostMatrixBatch<T>.FromArray(columnMajor, rows, cols, count);
        HostMatrixBatch<T> fromRows = HostMatrixBatch<T>.FromArray(rowMajor, rows, cols, count, MatrixLayout.RowMajor);
        HostMatrixBatch<T> fromArrays = HostMatrixBatch<T>.FromArray(arrays);
        HostMatrixBatch<T> wrapped = HostMatrixBatch<T>.Wrap(rowMajor.AsMemory(), rows, cols, count, MatrixLayout.RowMajor);
        foreach ((HostMatrixBatch<T> batch, string how) in new[] { (fromColumns, "column-major"), (fromRows, "row-major"), (fromArrays, "T[,]"), (wrapped, "wrapped row-major") })
        {
            CollectionAssert.AreEqual(columnMajor, batch.ToArray(), $"{shape}, {how}: ToArray is column-major");
            for (int b = 0; b < count; b++)
            {
                CollectionAssert.AreEqual(arrays[b], batch.ToArray2D(b), $"{shape}, {how}: ToArray2D({b})");
                for (int i = 0; i < rows; i++)
                {
                    for (int j = 0; j < cols; j++)
                    {
                        Assert.AreEqual(value(b, i, j), batch[b, i, j], $"{shape}, {how}: element ({b}, {i}, {j})");
                    }
                }
            }
        }
    }
}
