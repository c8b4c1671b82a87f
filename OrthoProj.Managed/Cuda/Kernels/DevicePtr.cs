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

    /// <summary>The untyped address.</summary>
    public static implicit operator nint(DevicePtr<T> pointer) => pointer.Address;

    /// <summary>The pointer as a kernel argument (the 8 bytes of the address).</summary>
    public static implicit operator KernelArg(DevicePtr<T> pointer) => new(pointer.Address, KernelArgKind.Pointer);
}

/// <summary>What a kernel parameter is, as the driver reads it (cuLaunchKernel copies each by its size).</summary>
internal enum KernelArgKind
{
    /// <summary>A device pointer (8 bytes).</summary>
    Pointer,

    /// <summary>A 32-bit int.</summary>
    Int32,

    /// <summary>A 64-bit signed integer (<c>long long</c>, <c>i64</c>).</summary>
    Int64,

    /// <summary>A 64-bit unsigned integer (<c>unsigned long long</c>).</summary>
    UInt64,

    /// <summary>A float.</summary>
    Float32,

    /// <summary>A double.</summary>
    Float64,

    /// <summary>The kernel's element type T: <see cref="Float32"/> in the _f32 instance, <see cref="Float64"/> in _f64.</summary>
    Element,
}

/// <summary>
/// One kernel argument: its 8 bytes as the driver reads them (32-bit values in the low bytes,
/// little-endian) and its kind, which the launcher checks against the wrapper's declared parameter.
/// Only exact conversions exist: an int, a long, an unsigned long, a double, a
/// <see cref="DevicePtr{T}"/>, or an element value through <see cref="Element{T}"/>.
/// </summary>
internal readonly struct KernelArg(long bits, KernelArgKind kind)
{
    /// <summary>The raw bits the driver copies from.</summary>
    public long Bits { get; } = bits;

    /// <summary>What the argument is.</summary>
    public KernelArgKind Kind { get; } = kind;

    /// <summary>A 32-bit int argument.</summary>
    public static implicit operator KernelArg(int value) => new((uint)value, KernelArgKind.Int32);

    /// <summary>A 64-bit integer argument.</summary>
    public static implicit operator KernelArg(long value) => new(value, KernelArgKind.Int64);

    /// <summary>An unsigned 64-bit integer argument.</summary>
    public static implicit operator KernelArg(ulong value) => new(unchecked((long)value), KernelArgKind.UInt64);

    /// <summary>A double argument.</summary>
    public static implicit operator KernelArg(double value) => new(BitConverter.DoubleToInt64Bits(value), KernelArgKind.Float64);

    /// <summary>An argument of the kernel's element type (float or double).</summary>
    public static KernelArg Element<T>(T value)
        where T : unmanaged =>
        value switch
        {
            float f => new((uint)BitConverter.SingleToInt32Bits(f), KernelArgKind.Float32),
            double d => new(BitConverter.DoubleToInt64Bits(d), KernelArgKind.Float64),
            _ => throw new NotSupportedException($"Kernels are instantiated for float and double, not {typeof(T)}."),
        };
}

/// <summary>Typed pointers to device buffers, for the kernel launch wrappers.</summary>
internal static class DevicePtrExtensions
{
    /// <summary>The buffer's first element as a typed device pointer.</summary>
    public static DevicePtr<T> Ptr<T>(this OrthoProj.Native.DeviceBuffer<T> buffer)
        where T : unmanaged => new(buffer.DevicePointer);
}
