namespace OrthoProj.Tests.Core;

/// <summary>
/// The slips a newcomer met: parameter names in FromArray's exceptions, FromArray's layout, C#'s own
/// two-dimensional arrays, and disposed-object messages that name the type as C# writes it.
/// </summary>
[TestClass]
public sealed class HostMatrixBatchSlipsTests
{
    [TestMethod]
    public void FromArray_NamesItsOwnParameter_WhenTheLengthIsWrong()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => HostMatrixBatch<float>.FromArray(new float[5], 2, 3));
        Assert.AreEqual("data", e.ParamName);
        var w = Assert.ThrowsExactly<ArgumentException>(() => HostMatrixBatch<float>.Wrap(new float[5], 2, 3));
        Assert.AreEqual("memory", w.ParamName);
        var l = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => HostMatrixBatch<float>.FromArray(new float[6], 2, 3, layout: (MatrixLayout)7));
        Assert.AreEqual("layout", l.ParamName);
    }

    [TestMethod]
    public void FromArray_RowMajor_ReadsCOrderedData_AndCopies()
    {
        double[] c = [1, 2, 3, 4, 5, 6];   // rows (1, 2, 3) and (4, 5, 6)
        HostMatrixBatch<double> batch = HostMatrixBatch<double>.FromArray(c, 2, 3, layout: MatrixLayout.RowMajor);
        Assert.AreEqual(MatrixLayout.RowMajor, batch.Layout);
        Assert.AreEqual(2.0, batch[0, 0, 1]);
        Assert.AreEqual(4.0, batch[0, 1, 0]);
        CollectionAssert.AreEqual(new double[] { 1, 4, 2, 5, 3, 6 }, batch.ToArray(), "ToArray is column-major");
        c[0] = 42;
        Assert.AreEqual(1.0, batch[0, 0, 0], "FromArray copies");

        HostMatrixBatch<double> columns = HostMatrixBatch<double>.FromArray(batch.ToArray(), 2, 3);
        Assert.AreEqual(MatrixLayout.ColumnMajor, columns.Layout);
        CollectionAssert.AreEqual(batch.ToArray2D(), columns.ToArray2D(), "the same matrix in either layout");
    }

    [TestMethod]
    public void Array2D_IsTheRowMajorWrapOfTheSameData_AndToArray2DGivesItBack()
    {
        float[,] m = { { 1, 2, 3 }, { 4, 5, 6 } };
        HostMatrixBatch<float> fromArray = HostMatrixBatch<float>.FromArray(m);
        HostMatrixBatch<float> wrapped = HostMatrixBatch<float>.Wrap(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3, layout: MatrixLayout.RowMajor);
        Assert.AreEqual("1 x (2 x 3)", fromArray.Shape);
        Assert.AreEqual(MatrixLayout.ColumnMajor, fromArray.Layout, "copied into the layout the backends compute in");
        CollectionAssert.AreEqual(wrapped.ToArray(), fromArray.ToArray());
        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                Assert.AreEqual(m[i, j], fromArray[0, i, j]);
            }
        }

        CollectionAssert.AreEqual(m, fromArray.ToArray2D());
        CollectionAssert.AreEqual(m, wrapped.ToArray2D());
        m[0, 0] = 42;
        Assert.AreEqual(1f, fromArray[0, 0, 0], "FromArray copies");
    }

    [TestMethod]
    public void Array2DBatch_StacksMatricesInOrder_AndRejectsMixedShapes()
    {
        double[,] a = { { 1, 2 }, { 3, 4 }, { 5, 6 } };
        double[,] b = { { 7, 8 }, { 9, 10 }, { 11, 12 } };
        HostMatrixBatch<double> batch = HostMatrixBatch<double>.FromArray(a, b);
        Assert.AreEqual("2 x (3 x 2)", batch.Shape);
        CollectionAssert.AreEqual(a, batch.ToArray2D(0));
        CollectionAssert.AreEqual(b, batch.ToArray2D(1));
        CollectionAssert.AreEqual(new double[] { 1, 3, 5, 2, 4, 6, 7, 9, 11, 8, 10, 12 }, batch.ToArray());

        var mixed = Assert.ThrowsExactly<ArgumentException>(() => HostMatrixBatch<double>.FromArray(a, new double[2, 3]));
        Assert.AreEqual("matrices", mixed.ParamName);
        var none = Assert.ThrowsExactly<ArgumentException>(() => HostMatrixBatch<double>.FromArray(ReadOnlySpan<double[,]>.Empty));
        Assert.AreEqual("matrices", none.ParamName);
        var nul = Assert.ThrowsExactly<ArgumentNullException>(() => HostMatrixBatch<double>.FromArray((double[,])null!));
        Assert.AreEqual("matrix", nul.ParamName);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => batch.ToArray2D(2));
    }

    [TestMethod]
    public void Array2D_EmptyAndOneByOne()
    {
        Assert.AreEqual("1 x (0 x 3)", HostMatrixBatch<float>.FromArray(new float[0, 3]).Shape);
        Assert.AreEqual(0, HostMatrixBatch<float>.FromArray(new float[0, 3]).ToArray2D().GetLength(0));
        Assert.AreEqual(5.0, HostMatrixBatch<double>.FromArray(new double[,] { { 5 } }).ToArray2D()[0, 0]);
    }

    [TestMethod]
    public void Array2D_LargerThanATile_RoundTrips()
    {
        var m = new double[37, 70];
        for (int i = 0; i < 37; i++)
        {
            for (int j = 0; j < 70; j++)
            {
                m[i, j] = (i * 1000) + j;
            }
        }

        HostMatrixBatch<double> batch = HostMatrixBatch<double>.FromArray(m, m);
        Assert.AreEqual(m[36, 69], batch[1, 36, 69]);
        Assert.AreEqual(m[5, 40], batch[0, 5, 40]);
        CollectionAssert.AreEqual(m, batch.ToArray2D(1));
        HostMatrixBatch<double> rowMajor = HostMatrixBatch<double>.FromArray(batch.ToArray(), 70, 37, 2, MatrixLayout.RowMajor);
        Assert.AreEqual(m[5, 40], rowMajor[0, 40, 5], "column-major data read row-major is the transpose");
    }

    [TestMethod]
    public void MathNetToMatrix_ReadsEitherLayout()
    {
        double[,] m = { { 1, 2, 3 }, { 4, 5, 6 } };
        HostMatrixBatch<double> rowMajor = HostMatrixBatch<double>.FromArray([1, 2, 3, 4, 5, 6], 2, 3, layout: MatrixLayout.RowMajor);
        CollectionAssert.AreEqual(m, rowMajor.ToMatrix().ToArray());
        CollectionAssert.AreEqual(m, HostMatrixBatch<double>.FromArray(m).ToMatrix().ToArray());
    }

    [TestMethod]
    public void DisposedBatch_NamesItsTypeAsCSharpWritesIt()
    {
        var batch = new HostMatrixBatch<float>(2, 2);
        batch.Dispose();
        var e = Assert.ThrowsExactly<ObjectDisposedException>(() => batch.ToArray());
        StringAssert.Contains(e.Message, "HostMatrixBatch<float>");
        Assert.DoesNotContain("`", e.Message);
        Assert.AreEqual("HostMatrixBatch<float>", e.ObjectName);
        Assert.DoesNotContain("`", batch.ToString());
        StringAssert.StartsWith(batch.ToString(), "HostMatrixBatch<float>[1 x (2 x 2)]");
    }

    [TestMethod]
    public void DisposedProjector_NamesThePublicType()
    {
        using var a = HostMatrixBatch<double>.FromArray(new double[,] { { 1, 0 }, { 0, 1 }, { 1, 1 } });
        using var y = HostMatrixBatch<double>.FromArray(new double[,] { { 1 }, { 2 }, { 3 } });
        Projector<double> p = Linalg.Projector(a);
        p.Dispose();
        var e = Assert.ThrowsExactly<ObjectDisposedException>(() => p.Project(y));
        Assert.AreEqual("Projector<double>", e.ObjectName, "the public type, whichever internal class computes");
        Assert.DoesNotContain("`", e.Message);
    }

    [TestMethod]
    [DataRow(typeof(HostMatrixBatch<float>), "HostMatrixBatch<float>")]
    [DataRow(typeof(MatrixBatch<double>), "MatrixBatch<double>")]
    [DataRow(typeof(Dictionary<string, int[]>), "Dictionary<string, int[]>")]
    [DataRow(typeof(Dictionary<int, string>.KeyCollection), "Dictionary<int, string>.KeyCollection")]
    [DataRow(typeof(float[,]), "float[,]")]
    [DataRow(typeof(int?), "int?")]
    [DataRow(typeof(List<>), "List<T>")]
    [DataRow(typeof(MatrixLayout), "MatrixLayout")]
    public void TypeNames_SpellTypesAsCSharpDoes(Type type, string expected) =>
        Assert.AreEqual(expected, OrthoProj.Native.TypeNames.Of(type));

    [TestMethod]
    public void TypeNames_NameTheNearestPublicBase_OfAnInternalType() =>
        Assert.AreEqual("ProjectorNameProbe<float>", OrthoProj.Native.TypeNames.Of(typeof(InternalProjectorStandIn)));

    private sealed class InternalProjectorStandIn : PublicBaseStandIn;

    /// <summary>Stands for an internal subclass of a public generic type; the helper walks to the public one.</summary>
    internal class PublicBaseStandIn : ProjectorNameProbe<float>;
}

/// <summary>A public generic type named like the one the helper should reach.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1812", Justification = "Only its name is used.")]
public abstract class ProjectorNameProbe<T>;
