using System.Runtime.InteropServices;
using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace OrthoProj;

/// <summary>
/// Conversions between <see cref="HostMatrixBatch{T}"/> and Math.NET Numerics' matrices (copies), and
/// between <see cref="Complex64"/> and Math.NET's <see cref="Complex32"/> (one layout: no copy for spans).
/// </summary>
public static class MathNetInterop
{
    extension<T>(HostMatrixBatch<T> batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>Stacks Math.NET matrices of one shape into a batch.</summary>
        /// <returns>A new column-major batch of matrices.Count x (rows x cols), in the list's order.</returns>
        /// <exception cref="ArgumentException">The list is empty or the shapes differ.</exception>
        public static HostMatrixBatch<T> FromMatrices(IReadOnlyList<Matrix<T>> matrices)
        {
            ArgumentNullException.ThrowIfNull(matrices);
            if (matrices.Count == 0)
            {
                throw new ArgumentException("At least one matrix is needed to know the shape.", nameof(matrices));
            }

            int rows = matrices[0].RowCount, cols = matrices[0].ColumnCount;
            var result = new HostMatrixBatch<T>(rows, cols, matrices.Count);
            for (int b = 0; b < matrices.Count; b++)
            {
                Matrix<T> m = matrices[b];
                if (m.RowCount != rows || m.ColumnCount != cols)
                {
                    throw new ArgumentException($"Matrix {b} is {m.RowCount} x {m.ColumnCount}; matrix 0 is {rows} x {cols}.", nameof(matrices));
                }

                m.ToColumnMajorArray().CopyTo(result.GetMatrix(b));
            }

            return result;
        }

        /// <summary>Matrix <paramref name="index"/> as a Math.NET dense matrix (a copy), from either <see cref="MatrixLayout"/>.</summary>
        /// <returns>A new dense matrix of <see cref="MatrixBatch{T}.Rows"/> x <see cref="MatrixBatch{T}.Cols"/>.</returns>
        public Matrix<T> ToMatrix(int index = 0) => batch.Layout == MatrixLayout.RowMajor
            ? Matrix<T>.Build.DenseOfRowMajor(batch.Rows, batch.Cols, batch.GetMatrix(index).ToArray())
            : Matrix<T>.Build.Dense(batch.Rows, batch.Cols, batch.GetMatrix(index).ToArray());
    }

    extension(Complex64 value)
    {
        /// <summary>The same number as Math.NET's single-precision complex type.</summary>
        /// <returns>Real and imaginary parts unchanged.</returns>
        public Complex32 ToComplex32() => new(value.Real, value.Imaginary);
    }

    extension(Complex32 value)
    {
        /// <summary>The same number as OrthoProj's single-precision complex element.</summary>
        /// <returns>Real and imaginary parts unchanged.</returns>
        public Complex64 ToComplex64() => new(value.Real, value.Imaginary);
    }

    /// <summary>The same memory read as Math.NET's complex type: both are a real float followed by an imaginary float.</summary>
    /// <param name="values">Complex64 values.</param>
    /// <returns>A span over the same memory.</returns>
    public static Span<Complex32> AsComplex32(Span<Complex64> values) => MemoryMarshal.Cast<Complex64, Complex32>(values);

    /// <summary>The same memory read as OrthoProj's complex element: both are a real float followed by an imaginary float.</summary>
    /// <param name="values">Complex32 values.</param>
    /// <returns>A span over the same memory.</returns>
    public static Span<Complex64> AsComplex64(Span<Complex32> values) => MemoryMarshal.Cast<Complex32, Complex64>(values);
}
