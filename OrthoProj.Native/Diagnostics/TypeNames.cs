using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace OrthoProj.Native;

/// <summary>
/// Type names as a C# reader writes them, for messages: <c>HostMatrixBatch&lt;float&gt;</c> rather
/// than the runtime's <c>OrthoProj.HostMatrixBatch`1[[System.Single, System.Private.CoreLib, ...]]</c>,
/// and the public type a user holds rather than an internal subclass (<c>Projector&lt;double&gt;</c>
/// for an internal projector class). The one place of that spelling, so that every disposed-object
/// message of OrthoProj names its type the same way.
/// </summary>
internal static class TypeNames
{
    /// <summary>
    /// The C# name of <paramref name="type"/>, or of its nearest public base type when it is not
    /// visible outside OrthoProj: no namespace, keywords for the built-in types (<c>float</c>,
    /// <c>double</c>, <c>int</c>...), type arguments in angle brackets, nested types after their
    /// declaring type (<c>Outer&lt;float&gt;.Inner</c>), arrays as <c>float[,]</c>.
    /// </summary>
    /// <param name="type">The type to name, e.g. <c>instance.GetType()</c>.</param>
    /// <returns>The name, e.g. <c>HostMatrixBatch&lt;float&gt;</c>.</returns>
    public static string Of(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var name = new StringBuilder();
        Append(name, PublicAncestor(type));
        return name.ToString();
    }

    /// <summary>The C# name of <typeparamref name="T"/> (see <see cref="Of(Type)"/>).</summary>
    /// <typeparam name="T">The type to name.</typeparam>
    /// <returns>The name, e.g. <c>float</c>.</returns>
    public static string Of<T>() => Of(typeof(T));

    /// <summary>
    /// Throws <see cref="ObjectDisposedException"/> naming the public type of <paramref name="instance"/>
    /// when <paramref name="disposed"/> is true; the replacement of
    /// <see cref="ObjectDisposedException.ThrowIf(bool, object)"/>, whose message holds the runtime's
    /// mangled full name.
    /// </summary>
    /// <param name="disposed">Whether the object was disposed.</param>
    /// <param name="instance">The disposed object.</param>
    /// <exception cref="ObjectDisposedException"><paramref name="disposed"/> is true.</exception>
    [StackTraceHidden]
    public static void ThrowIfDisposed([DoesNotReturnIf(true)] bool disposed, object instance)
    {
        if (disposed)
        {
            throw Disposed(instance.GetType());
        }
    }

    /// <summary>
    /// Throws <see cref="ObjectDisposedException"/> naming <paramref name="publicType"/> when
    /// <paramref name="disposed"/> is true: for an internal object whose disposal the user sees as
    /// that of the public object owning it (e.g. a backend's memory pool, named as the backend).
    /// </summary>
    /// <param name="disposed">Whether the object was disposed.</param>
    /// <param name="publicType">The type to name in the message.</param>
    /// <exception cref="ObjectDisposedException"><paramref name="disposed"/> is true.</exception>
    [StackTraceHidden]
    public static void ThrowIfDisposed([DoesNotReturnIf(true)] bool disposed, Type publicType)
    {
        if (disposed)
        {
            throw Disposed(publicType);
        }
    }

    /// <summary>An <see cref="ObjectDisposedException"/> naming <paramref name="type"/> as <see cref="Of(Type)"/> does, to throw.</summary>
    /// <param name="type">The type of the disposed object.</param>
    /// <returns>The exception, e.g. with the message "Cannot access a disposed object. Object name: 'HostMatrixBatch&lt;float&gt;'."</returns>
    public static ObjectDisposedException Disposed(Type type) => new(Of(type));

    private static Type PublicAncestor(Type type)
    {
        Type current = type;
        while (!IsVisible(current) && current.BaseType is { } parent)
        {
            current = parent;
        }

        return current;
    }

    /// <summary>Public, and nested only in public types (<see cref="Type.IsVisible"/> also asks it of the type arguments, which do not matter here).</summary>
    private static bool IsVisible(Type type)
    {
        if (type.IsArray || type.IsPointer || type.IsByRef || type.IsGenericParameter)
        {
            return true;
        }

        for (Type? t = type; t is not null; t = t.DeclaringType)
        {
            if (!(t.IsPublic || t.IsNestedPublic))
            {
                return false;
            }
        }

        return true;
    }

    private static void Append(StringBuilder name, Type type)
    {
        if (type.IsArray)
        {
            Append(name, type.GetElementType()!);
            name.Append('[').Append(',', type.GetArrayRank() - 1).Append(']');
            return;
        }

        if (type.IsPointer || type.IsByRef)
        {
            Append(name, type.GetElementType()!);
            name.Append(type.IsPointer ? '*' : '&');
            return;
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            Append(name, underlying);
            name.Append('?');
            return;
        }

        if (Keyword(type) is { } keyword)
        {
            name.Append(keyword);
            return;
        }

        // A nested type's arguments are those of its declaring types first, then its own.
        Type[] arguments = type.IsGenericType ? type.GetGenericArguments() : [];
        AppendNested(name, type, arguments);
    }

    /// <summary>Appends <paramref name="type"/> after its declaring types; returns how many of <paramref name="arguments"/> they used.</summary>
    private static int AppendNested(StringBuilder name, Type type, Type[] arguments)
    {
        int used = 0;
        if (type.DeclaringType is { } outer && !type.IsGenericParameter)
        {
            used = AppendNested(name, outer, arguments);
            name.Append('.');
        }

        string simple = type.Name;
        int tick = simple.IndexOf('`', StringComparison.Ordinal);
        if (tick < 0)
        {
            name.Append(simple);
            return used;
        }

        int own = int.Parse(simple.AsSpan(tick + 1), System.Globalization.CultureInfo.InvariantCulture);
        name.Append(simple, 0, tick).Append('<');
        for (int i = 0; i < own; i++)
        {
            if (i > 0)
            {
                name.Append(", ");
            }

            Type argument = used + i < arguments.Length ? arguments[used + i] : typeof(object);
            Append(name, argument);
        }

        name.Append('>');
        return used + own;
    }

    private static string? Keyword(Type type) => Type.GetTypeCode(type) switch
    {
        _ when type.IsEnum => null,
        TypeCode.Boolean => "bool",
        TypeCode.Byte => "byte",
        TypeCode.SByte => "sbyte",
        TypeCode.Char => "char",
        TypeCode.Int16 => "short",
        TypeCode.UInt16 => "ushort",
        TypeCode.Int32 => "int",
        TypeCode.UInt32 => "uint",
        TypeCode.Int64 => "long",
        TypeCode.UInt64 => "ulong",
        TypeCode.Single => "float",
        TypeCode.Double => "double",
        TypeCode.Decimal => "decimal",
        TypeCode.String => "string",
        _ when type == typeof(object) => "object",
        _ when type == typeof(nint) => "nint",
        _ when type == typeof(nuint) => "nuint",
        _ => null,
    };
}
