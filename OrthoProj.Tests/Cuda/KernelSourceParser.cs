using System.Text.RegularExpressions;
using OrthoProj.Cuda.Kernels;

namespace OrthoProj.Tests.Cuda;

/// <summary>One extern "C" kernel as instantiated in a cuda/*.cu file.</summary>
/// <param name="File">The .cu file's name.</param>
/// <param name="Name">The base name (before _n16/_f32 suffixes).</param>
/// <param name="Shape">How it is instantiated: OP_INSTANTIATE_UNTYPED, OP_INSTANTIATE or FUSED_INSTANTIATE.</param>
/// <param name="Struct">Its parameter struct (cuda/kernel_params.cuh).</param>
/// <param name="Impl">The normalized parameters of its name_impl template, as <see cref="KernelSourceParser.ParseParameters"/> gives them (empty when not found).</param>
/// <param name="Complex">Instantiated for complex elements too (OP_INSTANTIATE_COMPLEX: _c64 and _c128 beside _f32 and _f64).</param>
internal sealed record SourceKernel(string File, string Name, KernelShape Shape, string Struct, IReadOnlyList<(string Type, string Name)> Impl, bool Complex = false)
{
    /// <summary>The extern "C" entries per tier: 1 untyped, 2 typed (float, double), 4 with the complex forms.</summary>
    public int ElementForms => Shape == KernelShape.Untyped ? 1 : Complex ? 4 : 2;
}

/// <summary>One parameter struct of cuda/kernel_params.cuh.</summary>
/// <param name="Name">The struct's name.</param>
/// <param name="Fields">Each field as (normalized type, name, written): "T*", "int*", "int", "i64", "u64", "u64*", "double", "T".</param>
internal sealed record SourceStruct(string Name, IReadOnlyList<(string Type, string Name)> Fields);

/// <summary>
/// Reads the kernels of the cuda/*.cu sources (OP_INSTANTIATE, OP_INSTANTIATE_COMPLEX, OP_INSTANTIATE_UNTYPED and
/// FUSED_INSTANTIATE lines, each naming a kernel and its parameter struct, and each kernel's
/// name_impl parameter list) and the parameter structs of cuda/kernel_params.cuh (its
/// <c>#define Name_FIELDS(T, F) F(type, name) ...</c> lines). Anything kernel-like it does not
/// understand (another instantiation macro, an extern "C" or __global__ outside the macros) is
/// reported as an error, so a new form of declaration cannot slip past the checks unseen.
/// </summary>
internal static partial class KernelSourceParser
{
    /// <summary>The cuda/ folder copied next to the test binaries (OrthoProj.Tests.csproj), or null when it holds no .cu file.</summary>
    public static string[]? SourcesBesideTheTests(out string folder)
    {
        folder = Path.Combine(AppContext.BaseDirectory, "cuda");
        string[] files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.cu") : [];
        Array.Sort(files, StringComparer.Ordinal);
        return files.Length == 0 ? null : files;
    }

    /// <summary>The kernels of one source text; <paramref name="errors"/> lists what could not be read.</summary>
    public static List<SourceKernel> Parse(string file, string text, List<string> errors)
    {
        string code = CommentPattern().Replace(text, " ");
        var kernels = new List<SourceKernel>();
        foreach (Match m in AnyInstantiationPattern().Matches(code))
        {
            string macro = m.Groups[1].Value;
            KernelShape shape = macro switch
            {
                "OP_INSTANTIATE" or "OP_INSTANTIATE_COMPLEX" => KernelShape.Typed,
                "OP_INSTANTIATE_UNTYPED" => KernelShape.Untyped,
                "FUSED_INSTANTIATE" => KernelShape.WarpPerMatrix,
                _ => (KernelShape)(-1),
            };
            if ((int)shape < 0)
            {
                errors.Add($"{file}: unknown instantiation macro {macro}({m.Groups[2].Value}, ...)");
                continue;
            }

            string name = m.Groups[2].Value;
            Match impl = Regex.Match(code, @"__device__\s+void\s+" + name + @"_impl\s*\(([^)]*)\)");
            if (!impl.Success)
            {
                errors.Add($"{file}: {name} has no __device__ void {name}_impl(...)");
            }

            kernels.Add(new SourceKernel(file, name, shape, m.Groups[3].Value, impl.Success ? ParseParameters(impl.Groups[1].Value) : [], macro == "OP_INSTANTIATE_COMPLEX"));
        }

        int externs = ExternCPattern().Count(code), globals = GlobalPattern().Count(code);
        if (externs != 0 || globals != 0)
        {
            errors.Add($"{file}: {externs} extern \"C\" and {globals} __global__ outside the instantiation macros");
        }

        return kernels;
    }

    /// <summary>The parameter structs of cuda/kernel_params.cuh.</summary>
    public static List<SourceStruct> ParseStructs(string text, List<string> errors)
    {
        string code = CommentPattern().Replace(text, " ");
        var structs = new List<SourceStruct>();
        foreach (Match m in FieldsPattern().Matches(code))
        {
            string name = m.Groups[1].Value;
            var fields = new List<(string, string)>();
            foreach (Match f in FieldPattern().Matches(m.Groups[2].Value))
            {
                fields.AddRange(ParseParameters(f.Groups[1].Value + " " + f.Groups[2].Value));
            }

            if (fields.Count == 0)
            {
                errors.Add($"kernel_params.cuh: {name}_FIELDS lists no F(type, name)");
            }

            if (!Regex.IsMatch(code, @"OP_DECLARE_PARAMS(_UNTYPED)?\(" + name + @"\)"))
            {
                errors.Add($"kernel_params.cuh: {name}_FIELDS is never declared as a struct (OP_DECLARE_PARAMS({name}))");
            }

            structs.Add(new SourceStruct(name, fields));
        }

        return structs;
    }

    /// <summary>Normalizes one C parameter list: "(const T* x, i64 stride)" -> [("T*", "x"), ("i64", "stride")].</summary>
    public static List<(string Type, string Name)> ParseParameters(string list)
    {
        var result = new List<(string, string)>();
        foreach (string raw in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string p = SpacesPattern().Replace(raw.Replace("const ", " ", StringComparison.Ordinal).Replace("*", " * ", StringComparison.Ordinal), " ").Trim();
            int split = p.LastIndexOf(' ');
            string name = p[(split + 1)..];
            string type = p[..split].Replace(" *", "*", StringComparison.Ordinal).Trim();
            bool pointer = type.EndsWith('*');
            string core = pointer ? type[..^1].Trim() : type;
            core = core switch
            {
                "long long" or "i64" => "i64",
                "unsigned long long" => "u64",
                _ => core,
            };
            result.Add((pointer ? core + "*" : core, name));
        }

        return result;
    }

    /// <summary>
    /// A C# field's type, as declared in the struct's generic definition, in the notation of
    /// <see cref="ParseParameters"/> (the type parameter reads as "T").
    /// </summary>
    public static string Normalize(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(DevicePtr<>) ? Normalize(type.GetGenericArguments()[0]) + "*"
        : type.IsGenericParameter ? "T"
        : type == typeof(int) ? "int"
        : type == typeof(long) ? "i64"
        : type == typeof(ulong) ? "u64"
        : type == typeof(double) ? "double"
        : type == typeof(float) ? "float"
        : type.Name;

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex CommentPattern();

    [GeneratedRegex(@"^\s*(\w*INSTANTIATE\w*)\(\s*(\w+)\s*,\s*(\w+)\s*\)", RegexOptions.Multiline)]
    private static partial Regex AnyInstantiationPattern();

    [GeneratedRegex(@"#define\s+(\w+)_FIELDS\(T, F\)([^\n]*)")]
    private static partial Regex FieldsPattern();

    [GeneratedRegex(@"F\(([^,()]+),\s*(\w+)\)")]
    private static partial Regex FieldPattern();

    [GeneratedRegex(@"extern\s+""C""")]
    private static partial Regex ExternCPattern();

    [GeneratedRegex(@"\b__global__\b")]
    private static partial Regex GlobalPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex SpacesPattern();
}
