using System.Diagnostics;

namespace OrthoProj.Native;

/// <summary>
/// A non-owning view of <see cref="Length"/> elements of device memory at <see cref="Pointer"/>:
/// a slice of a <see cref="DeviceBuffer{T}"/>, or memory owned by another framework (a PyTorch
/// tensor's data_ptr, a CuPy array) used in place without a copy. The caller keeps the memory
/// alive while the view is used. Copies validate lengths before any native call.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
[DebuggerDisplay("DeviceView<{typeof(T).Name,nq}>[{Length}] @ 0x{Pointer:x}")]
public readonly struct DeviceView<T> : IEquatable<DeviceView<T>>
    where T : unmanaged
{
    /// <summary>Creates a view over caller-owned device memory in <paramref name="device"/>'s context.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="device"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative or its byte size overflows.</exception>
    /// <exception cref="ArgumentException"><paramref name="pointer"/> is zero while <paramref name="length"/> is not, or misaligned for <typeparamref name="T"/>.</exception>
    public DeviceView(CudaDevice device, nint pointer, long length)
        : this(pointer, length, device ?? throw new ArgumentNullException(nameof(device)))
    {
    }

    // Without a device the view never switches context; used by slices of a view and by tests
    // that exercise validation where no GPU exists.
    internal unsafe DeviceView(nint pointer, long length, CudaDevice? device)
    {
        _ = DeviceCopy.CheckedByteCount<T>(length);
        if (pointer == 0 && length != 0)
        {
            throw new ArgumentException($"A null device pointer cannot hold {length} elements.", nameof(pointer));
        }

        // Natural alignment of T: the largest power of two dividing its size, at most 16 bytes.
        int alignment = Math.Min(sizeof(T) & -sizeof(T), 16);
        if (pointer % alignment != 0)
        {
            throw new ArgumentException($"Device pointer 0x{pointer:x} is not aligned for {typeof(T).Name}.", nameof(pointer));
        }

        Pointer = pointer;
        Length = length;
        Device = device;
    }

    /// <summary>The device address of the first element.</summary>
    public nint Pointer { get; }

    /// <summary>The number of elements.</summary>
    public long Length { get; }

    /// <summary>The size in bytes.</summary>
    public unsafe long SizeInBytes => Length * sizeof(T);

    /// <summary>The device whose context copies run in; null only for the default value.</summary>
    public CudaDevice? Device { get; }

    /// <summary>Whether the view has no elements.</summary>
    public bool IsEmpty => Length == 0;

    /// <summary>Compares two views by address, length and device.</summary>
    public static bool operator ==(DeviceView<T> left, DeviceView<T> right) => left.Equals(right);

    /// <summary>Compares two views by address, length and device.</summary>
    public static bool operator !=(DeviceView<T> left, DeviceView<T> right) => !left.Equals(right);

    /// <summary>The sub-view of <paramref name="length"/> elements from <paramref name="start"/>.</summary>
    /// <returns>A view of elements <paramref name="start"/> to <paramref name="start"/> + <paramref name="length"/> - 1 (no copy).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside the view.</exception>
    public unsafe DeviceView<T> Slice(long start, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (start > Length - length)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"Range [{start}, {start}+{length}) exceeds the view's {Length} elements.");
        }

        return new DeviceView<T>(length == 0 && Pointer == 0 ? 0 : Pointer + (nint)(start * sizeof(T)), length, Device);
    }

    /// <summary>Copies <paramref name="source"/> (exactly <see cref="Length"/> elements) to the device (cuMemcpyHtoD_v2).</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public void CopyFrom(ReadOnlySpan<T> source)
    {
        DeviceCopy.RequireSameLength(Length, source.Length, nameof(source), "The source span");
        DeviceCopy.HostToDevice(Device, Pointer, source, null);
    }

    /// <summary>
    /// Queues a copy of <paramref name="source"/> on <paramref name="stream"/> (cuMemcpyHtoDAsync_v2).
    /// From pageable memory the span may be reused on return; from pinned memory
    /// (<see cref="PinnedHostBuffer{T}"/>) it must stay unchanged until the stream reaches the copy.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public void CopyFrom(ReadOnlySpan<T> source, CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        DeviceCopy.RequireSameLength(Length, source.Length, nameof(source), "The source span");
        DeviceCopy.HostToDevice(Device, Pointer, source, stream);
    }

    /// <summary>Copies the device memory into <paramref name="destination"/> (exactly <see cref="Length"/> elements; cuMemcpyDtoH_v2).</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public void CopyTo(Span<T> destination)
    {
        DeviceCopy.RequireSameLength(Length, destination.Length, nameof(destination), "The destination span");
        DeviceCopy.DeviceToHost(Device, destination, Pointer, null);
    }

    /// <summary>
    /// Queues a copy into <paramref name="destination"/> on <paramref name="stream"/>
    /// (cuMemcpyDtoHAsync_v2). Into pageable memory the driver completes it before returning;
    /// into pinned memory read the data only after synchronizing the stream.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public void CopyTo(Span<T> destination, CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        DeviceCopy.RequireSameLength(Length, destination.Length, nameof(destination), "The destination span");
        DeviceCopy.DeviceToHost(Device, destination, Pointer, stream);
    }

    /// <summary>Copies device to device into <paramref name="destination"/> (cuMemcpyDtoD_v2, or the Async form on <paramref name="stream"/>).</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public void CopyTo(DeviceView<T> destination, CudaStream? stream = null)
    {
        DeviceCopy.RequireSameLength(Length, destination.Length, nameof(destination), "The destination view");
        DeviceCopy.DeviceToDevice<T>(Device ?? destination.Device, destination.Pointer, Pointer, Length, stream);
    }

    /// <summary>Sets every byte to zero (cuMemsetD8_v2, or cuMemsetD8Async on <paramref name="stream"/>).</summary>
    public void Clear(CudaStream? stream = null) => DeviceCopy.Clear<T>(Device, Pointer, Length, stream);

    /// <summary>Copies the device memory into a new array.</summary>
    /// <returns>A new array of <see cref="Length"/> elements.</returns>
    /// <exception cref="InvalidOperationException">The view holds more elements than an array can.</exception>
    public T[] ToArray()
    {
        if (Length > Array.MaxLength)
        {
            throw new InvalidOperationException($"{Length} elements do not fit in one array.");
        }

        var result = new T[Length];
        CopyTo(result);
        return result;
    }

    /// <inheritdoc/>
    public bool Equals(DeviceView<T> other) => Pointer == other.Pointer && Length == other.Length && ReferenceEquals(Device, other.Device);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DeviceView<T> other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Pointer, Length);

    /// <inheritdoc/>
    public override string ToString() => $"DeviceView<{typeof(T).Name}>[{Length}] @ 0x{Pointer:x}";
}
