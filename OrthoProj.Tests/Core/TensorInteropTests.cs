using System.Numerics.Tensors;
using System.Buffers;
using OrthoProj.Tests.Conformance;
using OrthoProj.Tests.Support;

namespace OrthoProj.Tests.Core;

/// <summary>Batches from and to System.Numerics.Tensors: in place where the strides allow, one copy otherwise.</summary>
[TestClass]
public sealed class TensorInteropTests
{
    [TestMethod]
    public void COrderedTensor_IsARowMajorBatchOverTheSameMemory()
    {
        double[] data = Enumerable.Range(0, 2 * 3 * 4 * 5).Select(i => (double)i).ToArray();
        Tensor<double> tensor = Tensor.Create(data, [2, 3, 4, 5]);
        HostMatrixBatch<double> batch = tensor.AsMatrixBatch();
        Assert.AreEqual("6 x (4 x 5)", batch.Shape);
        Assert.AreEqual(MatrixLayout.RowMajor, batch.Layout);
        Assert.AreEqual(tensor[1, 2, 3, 4], batch[5, 3, 4], "matrix (1, 2) is batch index 1 * 3 + 2");
        batch[5, 3, 4] = -1;
        Assert.AreEqual(-1, tensor[1, 2, 3, 4], "the batch writes the tensor's memory");
    }

    [TestMethod]
    public void ColumnMajorStrides_AreAColumnMajorBatch_AndAsTensorGivesThemBack()
    {
        HostMatrixBatch<double> columns = TestData.Random<double>(4, 3, 2, seed: 1);
        Tensor<double> tensor = columns.AsTensor();
        CollectionAssert.AreEqual(new nint[] { 12, 1, 4 }, tensor.Strides.ToArray());
        Assert.AreEqual(columns[1, 3, 2], tensor[1, 3, 2]);
        HostMatrixBatch<double> back = tensor.AsMatrixBatch();
        Assert.AreEqual(MatrixLayout.ColumnMajor, back.Layout);
        back[0, 1, 1] = 42;
        Assert.AreEqual(42, columns[0, 1, 1], "no copy either way");

        Tensor<double> rows = LayoutSuite.RowMajor(columns).AsTensor();
        CollectionAssert.AreEqual(new nint[] { 12, 3, 1 }, rows.Strides.ToArray());
        Assert.AreEqual(columns[1, 3, 2], rows[1, 3, 2]);
    }

    [TestMethod]
    public void StridedSlice_IsRefusedInPlace_AndCopiedByToMatrixBatch()
    {
        Tensor<double> wide = Tensor.Create(Enumerable.Range(0, 2 * 4 * 6).Select(i => (double)i).ToArray(), [2, 4, 6]);
        Tensor<double> slice = wide.Slice(new NRange[] { .., .., 1..4 });      // 2 x (4 x 3), row stride 6
        var e = Assert.ThrowsExactly<ArgumentException>(() => slice.AsMatrixBatch());
        StringAssert.Contains(e.Message, "ToMatrixBatch");
        HostMatrixBatch<double> copy = slice.AsReadOnlyTensorSpan().ToMatrixBatch();
        Assert.AreEqual("2 x (4 x 3)", copy.Shape);
        for (int b = 0; b < 2; b++)
        {
            for (int i = 0; i < 4; i++)
            {
                for (int j = 0; j < 3; j++)
                {
                    Assert.AreEqual(wide[b, i, j + 1], copy[b, i, j]);
                }
            }
        }
    }

    [TestMethod]
    public void CopyTo_WritesAnyStrides()
    {
        HostMatrixBatch<double> x = TestData.Random<double>(3, 2, 4, seed: 2);
        Tensor<double> target = Tensor.Create(new double[4 * 3 * 5], [2, 2, 3, 5]);
        TensorSpan<double> columns = target.AsTensorSpan(new NRange[] { .., .., .., 1..3 });     // (2, 2, 3, 2), strided
        x.CopyTo(columns);
        Assert.AreEqual(x[3, 2, 1], target[1, 1, 2, 2]);
        Assert.AreEqual(0, target[1, 1, 2, 0], "nothing outside the destination is written");
        Assert.ThrowsExactly<ArgumentException>(() => x.CopyTo(Tensor.Create(new double[12], [4, 3]).AsTensorSpan()));
    }

    [TestMethod]
    public void Projector_OnTensors_WritesTheResultIntoATensor()
    {
        HostMatrixBatch<double> a = FullRankData.Random<double>(32, 16, 9, seed: 3);
        HostMatrixBatch<double> y = TestData.Random<double>(32, 2, 9, seed: 4);
        using Projector<double> reference = Linalg.Projector(a);
        using Projector<double> fromTensor = Linalg.Projector(LayoutSuite.RowMajor(a).AsTensor().AsMatrixBatch());
        Tensor<double> z = Tensor.Create(new double[9 * 32 * 2], [3, 3, 32, 2]);
        fromTensor.Project(LayoutSuite.RowMajor(y).AsTensor().AsMatrixBatch(), z.AsMatrixBatch());
        CollectionAssert.AreEqual(reference.Project(y).ToArray(), z.AsMatrixBatch().ToArray());
    }

    [TestMethod]
    public void FewerThanTwoDimensions_IsRefused() =>
        Assert.ThrowsExactly<ArgumentException>(() => Tensor.Create(new double[3], [3]).AsMatrixBatch());
}
