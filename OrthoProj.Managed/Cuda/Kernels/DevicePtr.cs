namespace OrthoProj.Cuda.Kernels;

/// <summary>
/// A device address of an array of <typeparamref name="T"/>: what a kernel parameter <c>T*</c>
/// (or <c>const T*</c>) receives. Typed so that a launch wrapper's argument list is checked by the
/// compiler: a float array cannot be passed where a kernel reads ints. Made from an untyped address
/// only explicitly (<see cref="DevicePtr{T}(nint)"/>); it converts back to <see cref="nint"/>
/// implicitly, for cuBLAS, cuSOLVER and copies, which take untyped addresses.
/// </summary>
/// <typeparam name="T">The element type the kernel reads or writes.</typeparam>
/// <param name="address">The device address (0: a null pointer, which some kernels accept).</param>
internal readonly struct DevicePtr<T>(nint address)
    where T : unmanaged
{
    /// <summary>The null pointer, for optional kernel arguments (e.g. max_exponent's shift).</summary>
    public static DevicePtr<T> Null => default;

    /// <summary>The device address.</summary>
    public nint Address { get; } = address;

    /// <summary>The address of element <paramref name="index"/> (an element offset, never a byte one).</summary>
    public unsafe DevicePtr<T> At(long index) => new(Address + (nint)(index * sizeof(T)));

    /// <summary>The untyped address.</summary>
    public static implicit operator nint(DevicePtr<T> pointer) => pointer.Address;
}
