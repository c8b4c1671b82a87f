using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace OrthoProj.TorchSharp;

/// <summary>
/// A contiguous CPU tensor's storage as <see cref="Memory{T}"/>, without a copy: OrthoProj's host
/// batches read and write libtorch's memory in place. The manager holds the tensor, so the storage
/// lives as long as the memory is used.
/// </summary>
internal sealed unsafe class TensorMemory<T> : MemoryManager<T>
    where T : unmanaged
{
    private readonly Tensor tensor;
    private readonly T* pointer;
    private readonly int length;

    /// <param name="tensor">
    /// A contiguous CPU tensor whose element type is <typeparamref name="T"/>: libtorch's complex64
    /// (8 bytes) and complex128 (16 bytes) are <see cref="Complex64"/> and
    /// <see cref="System.Numerics.Complex"/>, real part first; the length counts elements of that size.
    /// </param>
    public TensorMemory(Tensor tensor)
    {
        this.tensor = tensor;
        Span<byte> bytes = tensor.bytes;     // the storage from the tensor's offset on, as libtorch holds it
        pointer = (T*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(bytes));
        length = bytes.Length / sizeof(T);
    }

    /// <inheritdoc/>
    public override Span<T> GetSpan() => new(pointer, length);

    /// <inheritdoc/>
    public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

    /// <inheritdoc/>
    public override void Unpin()
    {
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        // The tensor belongs to the caller's graph; TorchSharp releases it.
    }

    /// <summary>Keeps the tensor reachable while the memory is in use.</summary>
    internal Tensor Tensor => tensor;
}
