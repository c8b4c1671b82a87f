using System.Numerics;
using System.Runtime.Intrinsics;
using OrthoProj.Kernels;

namespace OrthoProj.Tests.Core;

/// <summary>The in-register block transposes behind the layout conversions and the lanes' gather and scatter, at every width this processor has.</summary>
[TestClass]
public sealed class BlockTransposeTests
{
    [TestMethod]
    public void EverySupportedWidth_TransposesAStridedBlock()
    {
        int tested = 0;
        tested += Check<Vector256<float>, float>(8) + Check<Vector256<double>, double>(4);
        tested += Check<Vector512<float>, float>(16) + Check<Vector512<double>, double>(8);
        if (tested == 0)
        {
            Assert.Inconclusive("This processor has neither AVX nor AVX-512: the lanes gather element by element.");
        }
    }

    private static int Check<TV, T>(int w)
        where T : unmanaged, INumber<T>
    {
        if (!BlockTranspose.Supports<TV, T>())
        {
            return 0;
        }

        // Rows of the source w + 3 apart, of the destination w + 5 apart: strides are honoured.
        int srcStride = w + 3, dstStride = w + 5;
        var src = new T[w * srcStride];
        for (int i = 0; i < src.Length; i++)
        {
            src[i] = T.CreateTruncating(i + 1);
        }

        var dst = new T[w * dstStride];
        BlockTranspose.Transpose<TV, T>(ref src[0], srcStride, ref dst[0], dstStride);
        for (int r = 0; r < w; r++)
        {
            for (int c = 0; c < w; c++)
            {
                Assert.AreEqual(src[(r * srcStride) + c], dst[(c * dstStride) + r], $"{typeof(TV).Name}<{typeof(T).Name}> element ({r}, {c})");
            }

            for (int c = w; c < dstStride; c++)
            {
                Assert.AreEqual(T.Zero, dst[(r * dstStride) + c], "nothing written between destination rows");
            }
        }

        return 1;
    }
}
