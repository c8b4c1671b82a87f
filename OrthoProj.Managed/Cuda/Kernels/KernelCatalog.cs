using System.Reflection;

namespace OrthoProj.Cuda.Kernels;

/// <summary>How a kernel's C++ template is instantiated as extern "C" entries, and how it is launched.</summary>
internal enum KernelShape
{
    /// <summary>One entry, no element type (OP_INSTANTIATE_UNTYPED); grid-stride over the launch's work items.</summary>
    Untyped,

    /// <summary>
    /// name_f32 and name_f64 (OP_INSTANTIATE), and name_c64 and name_c128 as well where the holder is
    /// <see cref="ComplexFormsAttribute"/> (OP_INSTANTIATE_COMPLEX); grid-stride over the launch's work items.
    /// </summary>
    Typed,

    /// <summary>name_f32 and name_f64 (OP_INSTANTIATE); one block per item (max_exponent).</summary>
    TypedBlockPerItem,

    /// <summary>
    /// name_n16/_n32 x _f32/_f64 (FUSED_INSTANTIATE); one warp per matrix, the tier chosen by the
    /// parameters' column count, the grid by their matrix count (<see cref="IWarpParams"/>).
    /// </summary>
    WarpPerMatrix,
}

/// <summary>
/// The parameters of a warp-per-matrix kernel: the shape that picks the column tier and the grid,
/// and the kernel's can-implement check (as CUTLASS's): a launch the kernel cannot take is refused
/// on the host, before anything is queued.
/// </summary>
internal interface IWarpParams
{
    /// <summary>Rows of each matrix (m).</summary>
    int Rows { get; }

    /// <summary>Columns of each matrix (n): picks the tier.</summary>
    int Cols { get; }

    /// <summary>Matrices: one warp each.</summary>
    int Count { get; }
}

/// <summary>
/// A typed handle of one kernel: its base name in cuda/, how it is launched, its parameter struct
/// (Cuda/Kernels/GeneralKernelParams.cs and FusedKernelParams.cs, the mirror of cuda/kernel_params.cuh) and the extern "C" entries it
/// selects. Handles are static fields of the unit classes (<see cref="GeneralKernels"/>,
/// <see cref="FusedKernels{T}"/>); the launcher takes the handle and a struct of the handle's own
/// parameter type, so a kernel and its arguments are matched by the compiler.
/// </summary>
internal abstract class KernelHandle
{
    /// <summary>The column tiers of <see cref="KernelShape.WarpPerMatrix"/> kernels (FUSED_INSTANTIATE in cuda/fused_common.cuh).</summary>
    public static readonly int[] ColumnTiers = [16, 32];

    private protected KernelHandle(string name, KernelShape shape, Type parameters)
    {
        Name = name;
        Shape = shape;
        Parameters = parameters;
        Type? element = parameters.IsGenericType ? parameters.GetGenericArguments()[0] : null;
        bool complex = element == typeof(Complex64) || element == typeof(Complex);
        if ((shape == KernelShape.Untyped) != (element is null)
            || (element is not null && element != typeof(float) && element != typeof(double) && !complex)
            || (complex && shape != KernelShape.Typed))
        {
            throw new InvalidOperationException($"Kernel {name} ({shape}) cannot take {parameters}: typed kernels take a struct over float or double (grid-stride ones also over Complex64 or Complex), untyped ones a struct without an element type.");
        }

        string suffix = Suffix(element);
        EntryNames = shape switch
        {
            KernelShape.Untyped => [name],
            KernelShape.WarpPerMatrix => [.. ColumnTiers.Select(tier => $"{name}_n{tier}{suffix}")],
            _ => [name + suffix],
        };
    }

    /// <summary>The element types a holder of typed handles is closed over: float and double, and the complex two where it is <see cref="ComplexFormsAttribute"/>.</summary>
    public static Type[] ElementTypes(Type holder) =>
        holder.IsDefined(typeof(ComplexFormsAttribute), inherit: false)
            ? [typeof(float), typeof(double), typeof(Complex64), typeof(Complex)]
            : [typeof(float), typeof(double)];

    /// <summary>The entry suffix of an element type: _f32, _f64, _c64 (complex64), _c128 (complex128).</summary>
    public static string Suffix(Type? element) =>
        element == typeof(double) ? "_f64"
        : element == typeof(Complex64) ? "_c64"
        : element == typeof(Complex) ? "_c128"
        : "_f32";

    /// <summary>The kernel's base name in the source (before _n16/_f32 suffixes).</summary>
    public string Name { get; }

    /// <summary>How it is instantiated and launched.</summary>
    public KernelShape Shape { get; }

    /// <summary>The parameter struct, closed over the element type.</summary>
    public Type Parameters { get; }

    /// <summary>The extern "C" entries this handle launches (one per column tier for warp-per-matrix kernels).</summary>
    public IReadOnlyList<string> EntryNames { get; }

    /// <summary>The column tier for n columns (a tier holds NMAX columns per row slot in registers).</summary>
    public static int TierIndex(int cols) => cols <= ColumnTiers[0] ? 0 : 1;

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>A grid-stride or block-per-item kernel taking <typeparamref name="TParams"/>.</summary>
/// <typeparam name="TParams">Its parameter struct.</typeparam>
/// <param name="name">The kernel's base name.</param>
/// <param name="blockPerItem">One block per item (max_exponent) rather than one thread.</param>
internal sealed class Kernel<TParams>(string name, bool blockPerItem = false)
    : KernelHandle(name, !typeof(TParams).IsGenericType ? KernelShape.Untyped : blockPerItem ? KernelShape.TypedBlockPerItem : KernelShape.Typed, typeof(TParams))
    where TParams : unmanaged
{
    /// <summary>The one entry.</summary>
    public string EntryName => EntryNames[0];
}

/// <summary>A warp-per-matrix kernel (cuda/fused_qr.cu) taking <typeparamref name="TParams"/>.</summary>
/// <typeparam name="TParams">Its parameter struct.</typeparam>
/// <param name="name">The kernel's base name.</param>
internal sealed class WarpKernel<TParams>(string name) : KernelHandle(name, KernelShape.WarpPerMatrix, typeof(TParams))
    where TParams : unmanaged, IWarpParams
{
    /// <summary>The entry of the tier for <paramref name="cols"/> columns.</summary>
    public string EntryName(int cols) => EntryNames[TierIndex(cols)];
}

/// <summary>
/// Marks a generic holder of kernel handles whose kernels are instantiated for complex elements too
/// (OP_INSTANTIATE_COMPLEX: name_c64 and name_c128 beside name_f32 and name_f64).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class ComplexFormsAttribute : Attribute;

/// <summary>
/// One translation unit of cuda/ and its kernels: the handles held as static fields by its classes
/// (a generic class over the element type is read closed over float and double, and over Complex64
/// and Complex where it is <see cref="ComplexFormsAttribute"/>).
/// </summary>
internal sealed class KernelUnit
{
    /// <summary>The unit of <paramref name="sourceFile"/>, its handles in <paramref name="holders"/>.</summary>
    internal KernelUnit(string sourceFile, params Type[] holders)
    {
        SourceFile = sourceFile;
        var handles = new List<KernelHandle>();
        foreach (Type holder in holders)
        {
            Type[] closed = holder.IsGenericTypeDefinition ? [.. KernelHandle.ElementTypes(holder).Select(t => holder.MakeGenericType(t))] : [holder];
            foreach (Type type in closed)
            {
                foreach (FieldInfo field in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static).OrderBy(f => f.MetadataToken))
                {
                    if (field.GetValue(null) is KernelHandle handle)
                    {
                        handles.Add(handle);
                    }
                }
            }
        }

        Handles = handles;
    }

    /// <summary>Every unit the backend loads.</summary>
    public static IReadOnlyList<KernelUnit> All { get; } = [GeneralKernels.Unit, FusedKernels.Unit];

    /// <summary>The .cu file in cuda/.</summary>
    public string SourceFile { get; }

    /// <summary>Every handle, per element type.</summary>
    public IReadOnlyList<KernelHandle> Handles { get; }

    /// <summary>Every extern "C" entry name the handles launch.</summary>
    public IEnumerable<string> EntryNames => Handles.SelectMany(h => h.EntryNames).Distinct(StringComparer.Ordinal);
}
