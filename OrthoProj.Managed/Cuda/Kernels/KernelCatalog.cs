using System.Collections.Frozen;
using System.Reflection;

namespace OrthoProj.Cuda.Kernels;

/// <summary>How a kernel's C++ template is instantiated as extern "C" entries, and how it is launched.</summary>
internal enum KernelShape
{
    /// <summary>One entry, no element type; grid-stride over the work items (the wrapper's first parameter).</summary>
    Untyped,

    /// <summary>name_f32 and name_f64 (OP_INSTANTIATE); grid-stride over the work items (the wrapper's first parameter), or one block per item where the wrapper launches it so (max_exponent).</summary>
    Typed,

    /// <summary>
    /// name_n16/_n32 x _f32/_f64 (FUSED_INSTANTIATE); one warp per matrix, the tier chosen by the
    /// kernel's parameter <c>n</c>, the grid by its parameter <c>count</c>.
    /// </summary>
    WarpPerMatrix,
}

/// <summary>Marks a static class whose methods are the launch wrappers of one translation unit in cuda/.</summary>
/// <param name="sourceFile">The .cu file's name in cuda/ (also its embedded resource name).</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class KernelUnitAttribute(string sourceFile) : Attribute
{
    /// <summary>The .cu file's name.</summary>
    public string SourceFile { get; } = sourceFile;
}

/// <summary>
/// Marks a launch wrapper: an extension method on <see cref="KernelLauncher"/> whose parameters
/// (after the launcher, and after the work-item count for grid-stride kernels) are the kernel's C
/// parameters, in order and typed (<see cref="DevicePtr{T}"/> for <c>T*</c>, int, long for
/// <c>i64</c>, double, T). The kernel table is built from these attributes, so a kernel exists for
/// the host exactly when it has a wrapper.
/// </summary>
/// <param name="name">The kernel's base name in the source (before _n16/_f32 suffixes).</param>
/// <param name="shape">How it is instantiated and launched.</param>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
internal sealed class CudaKernelAttribute(string name, KernelShape shape) : Attribute
{
    /// <summary>The kernel's base name.</summary>
    public string Name { get; } = name;

    /// <summary>How it is instantiated and launched.</summary>
    public KernelShape Shape { get; } = shape;
}

/// <summary>One kernel: its wrapper, its entry names and its parameter kinds (derived from the wrapper).</summary>
internal sealed class KernelEntry
{
    /// <summary>The column tiers of <see cref="KernelShape.WarpPerMatrix"/> kernels (FUSED_INSTANTIATE in cuda/fused_common.cuh).</summary>
    public static readonly int[] ColumnTiers = [16, 32];

    private readonly string[] entryNames; // [tier * 2 + (f64 ? 1 : 0)]

    internal KernelEntry(MethodInfo wrapper, CudaKernelAttribute attribute)
    {
        Wrapper = wrapper;
        Name = attribute.Name;
        Shape = attribute.Shape;
        ParameterInfo[] parameters = wrapper.GetParameters();
        int skip = Shape == KernelShape.WarpPerMatrix ? 1 : 2;
        if (parameters.Length < skip || parameters[0].ParameterType != typeof(KernelLauncher)
            || (skip == 2 && (parameters[1].ParameterType != typeof(long) || parameters[1].Name != "workItems")))
        {
            throw new InvalidOperationException($"Kernel wrapper {wrapper.DeclaringType?.Name}.{wrapper.Name} must take (this KernelLauncher{(skip == 2 ? ", long workItems" : string.Empty)}, kernel parameters...).");
        }

        Parameters = parameters[skip..];
        Kinds = [.. Parameters.Select(p => KindOf(p.ParameterType))];
        entryNames = Shape switch
        {
            KernelShape.Untyped => [Name, Name],
            KernelShape.Typed => [Name + "_f32", Name + "_f64"],
            _ => [.. ColumnTiers.SelectMany(tier => new[] { $"{Name}_n{tier}_f32", $"{Name}_n{tier}_f64" })],
        };
    }

    /// <summary>The launch wrapper.</summary>
    public MethodInfo Wrapper { get; }

    /// <summary>The kernel's base name.</summary>
    public string Name { get; }

    /// <summary>How it is instantiated and launched.</summary>
    public KernelShape Shape { get; }

    /// <summary>The wrapper's parameters that are the kernel's, in the kernel's order.</summary>
    public IReadOnlyList<ParameterInfo> Parameters { get; }

    /// <summary>The kind of each kernel parameter.</summary>
    public KernelArgKind[] Kinds { get; }

    /// <summary>Every extern "C" entry of this kernel in the module.</summary>
    public IEnumerable<string> EntryNames => entryNames.Distinct(StringComparer.Ordinal);

    /// <summary>The column tier for n columns (a tier holds NMAX columns per row slot in registers).</summary>
    public static int TierIndex(int cols) => cols <= ColumnTiers[0] ? 0 : 1;

    /// <summary>The entry for element type double (<paramref name="f64"/>) or float, at tier <paramref name="tierIndex"/>.</summary>
    public string EntryName(bool f64, int tierIndex) => entryNames[(tierIndex * 2) + (f64 ? 1 : 0)];

    private static KernelArgKind KindOf(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(DevicePtr<>) ? KernelArgKind.Pointer
        : type.IsGenericParameter ? KernelArgKind.Element
        : type == typeof(int) ? KernelArgKind.Int32
        : type == typeof(long) ? KernelArgKind.Int64
        : type == typeof(ulong) ? KernelArgKind.UInt64
        : type == typeof(double) ? KernelArgKind.Float64
        : type == typeof(float) ? KernelArgKind.Float32
        : throw new InvalidOperationException($"A kernel parameter cannot be a {type}.");
}

/// <summary>
/// One translation unit of cuda/ and its kernels, derived by reflection from the wrapper class
/// marked <see cref="KernelUnitAttribute"/> (see <see cref="GeneralKernels"/>, <see cref="FusedKernels"/>).
/// </summary>
internal sealed class KernelUnit
{
    private readonly FrozenDictionary<string, KernelEntry> byWrapper;

    /// <summary>The unit of the wrapper class <paramref name="wrappers"/> (each class holds its one instance).</summary>
    internal KernelUnit(Type wrappers)
    {
        WrapperType = wrappers;
        SourceFile = wrappers.GetCustomAttribute<KernelUnitAttribute>()?.SourceFile
            ?? throw new InvalidOperationException($"{wrappers.Name} lacks [KernelUnit].");
        var entries = new List<KernelEntry>();
        foreach (MethodInfo method in wrappers.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static).OrderBy(m => m.MetadataToken))
        {
            if (method.GetCustomAttribute<CudaKernelAttribute>() is { } attribute)
            {
                entries.Add(new KernelEntry(method, attribute));
            }
        }

        Entries = entries;
        byWrapper = entries.ToFrozenDictionary(e => e.Wrapper.Name, StringComparer.Ordinal);
    }

    /// <summary>Every unit the backend loads.</summary>
    public static IReadOnlyList<KernelUnit> All { get; } = [GeneralKernels.Unit, FusedKernels.Unit];

    /// <summary>The .cu file in cuda/.</summary>
    public string SourceFile { get; }

    /// <summary>The class holding the wrappers.</summary>
    public Type WrapperType { get; }

    /// <summary>Every kernel with a wrapper.</summary>
    public IReadOnlyList<KernelEntry> Entries { get; }

    /// <summary>Every extern "C" entry name the wrappers launch.</summary>
    public IEnumerable<string> EntryNames => Entries.SelectMany(e => e.EntryNames);

    /// <summary>The kernel whose wrapper method is named <paramref name="wrapperName"/>.</summary>
    public KernelEntry ByWrapper(string wrapperName) =>
        byWrapper.TryGetValue(wrapperName, out KernelEntry? entry) ? entry
        : throw new InvalidOperationException($"{WrapperType.Name}.{wrapperName} is not a [CudaKernel] wrapper.");
}
