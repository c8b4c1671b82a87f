using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp;

/// <summary>A computation generic in the element type, run by <see cref="Elements.Dispatch{TCall, TResult}"/> for a tensor's dtype.</summary>
/// <typeparam name="TResult">What the computation returns.</typeparam>
internal interface IElementCall<out TResult>
{
    /// <summary>The computation for elements of type <typeparamref name="T"/>.</summary>
    TResult Run<T>()
        where T : unmanaged, INumberBase<T>;
}

/// <summary>The one place where a tensor's dtype becomes OrthoProj's element type.</summary>
internal static class Elements
{
    /// <summary>Whether OrthoProj computes on tensors of <paramref name="dtype"/>.</summary>
    public static bool IsSupported(ScalarType dtype) =>
        dtype is ScalarType.Float32 or ScalarType.Float64 or ScalarType.ComplexFloat32 or ScalarType.ComplexFloat64;

    /// <summary>
    /// Runs <paramref name="call"/> with the element type of <paramref name="dtype"/>: float32 as
    /// <see cref="float"/>, float64 as <see cref="double"/>, complex64 as <see cref="Complex64"/>
    /// (two floats, the real part first, as libtorch's <c>c10::complex&lt;float&gt;</c>) and
    /// complex128 as <see cref="Complex"/> (two doubles, as <c>c10::complex&lt;double&gt;</c>).
    /// </summary>
    /// <exception cref="ArgumentException">Another dtype (the public entries refuse it first).</exception>
    public static TResult Dispatch<TCall, TResult>(ScalarType dtype, TCall call)
        where TCall : IElementCall<TResult> => dtype switch
        {
            ScalarType.Float32 => call.Run<float>(),
            ScalarType.Float64 => call.Run<double>(),
            ScalarType.ComplexFloat32 => call.Run<Complex64>(),
            ScalarType.ComplexFloat64 => call.Run<Complex>(),
            _ => throw new ArgumentException($"{dtype}: OrthoProj takes float32, float64, complex64 or complex128."),
        };
}
