using System.Text.RegularExpressions;
using OrthoProj.Cuda.Kernels;

namespace OrthoProj.Tests.Cuda;

/// <summary>One extern "C" kernel as declared in a cuda/*.cu file.</summary>
/// <param name="File">The .cu file's name.</param>
/// <param name="Name">The base name (before _n16/_f32 suffixes).</param>
/// <param name="Shape">How it is instantiated: a plain extern "C" kernel, OP_INSTANTIATE or FUSED_INSTANTIATE.</param>
/// <param name="Parameters">Each parameter as (normalized type, name): "T*", "int*", "int", "i64", "u64", "double", "T".</param>
internal sealed record SourceKernel(string File, string Name, KernelShape Shape, IReadOnlyList<(string Type, string Name)> Parameters);

/// <summary>
/// Reads the kernel declarations of the cuda/*.cu sources: the plain <c>extern "C" __global__</c>
/// kernels and those instantiated by OP_INSTANTIATE (cuda/orthoproj_common.cuh) and
/// FUSED_INSTANTIATE (cuda/fused_common.cuh) with their <c>#define X_PARAMS(T) (...)</c> lists.
/// Anything kernel-like it does not understand (another instantiation macro, an extern "C" or
/// __global__ it cannot read) is reported as an error, so a new form of declaration cannot slip
/// past the wrapper check unseen.
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
        var defines = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in DefinePattern().Matches(code))
        {
            defines[m.Groups[1].Value] = m.Groups[2].Value;
        }

        var kernels = new List<SourceKernel>();
        int instantiations = 0;
        foreach (Match m in AnyInstantiationPattern().Matches(code))
        {
            instantiations++;
            string macro = m.Groups[1].Value;
            KernelShape shape = macro switch
            {
                "OP_INSTANTIATE" => KernelShape.Typed,
                "FUSED_INSTANTIATE" => KernelShape.WarpPerMatrix,
                _ => (KernelShape)(-1),
            };
            if ((int)shape < 0)
            {
                errors.Add($"{file}: unknown instantiation macro {macro}({m.Groups[2].Value}, ...)");
                continue;
            }

            string paramsMacro = m.Groups[3].Value;
            if (!defines.TryGetValue(paramsMacro, out string? list))
            {
                errors.Add($"{file}: {m.Groups[2].Value} uses {paramsMacro}, which has no #define {paramsMacro}(T) (...)");
                continue;
            }

            kernels.Add(new SourceKernel(file, m.Groups[2].Value, shape, ParseParameters(list)));
        }

        int direct = 0;
        foreach (Match m in ExternKernelPattern().Matches(code))
        {
            direct++;
            kernels.Add(new SourceKernel(file, m.Groups[1].Value, KernelShape.Untyped, ParseParameters(m.Groups[2].Value)));
        }

        int externs = ExternCPattern().Count(code), globals = GlobalPattern().Count(code);
        if (externs != direct || globals != direct)
        {
            errors.Add($"{file}: {externs} extern \"C\" and {globals} __global__ outside the instantiation macros, of which {direct} were read as kernels");
        }

        return kernels;
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

    /// <summary>A wrapper parameter's type in the same notation as <see cref="ParseParameters"/>.</summary>
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

    [GeneratedRegex(@"#define\s+(\w+)\(T\)\s*\(([^)]*)\)")]
    private static partial Regex DefinePattern();

    [GeneratedRegex(@"^\s*(\w*INSTANTIATE\w*)\(\s*(\w+)\s*,\s*(\w+)", RegexOptions.Multiline)]
    private static partial Regex AnyInstantiationPattern();

    [GeneratedRegex(@"extern\s+""C""\s+__global__\s+(?:__launch_bounds__\([^)]*\)\s+)?void\s+(\w+)\s*\(([^)]*)\)")]
    private static partial Regex ExternKernelPattern();

    [GeneratedRegex(@"extern\s+""C""")]
    private static partial Regex ExternCPattern();

    [GeneratedRegex(@"\b__global__\b")]
    private static partial Regex GlobalPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex SpacesPattern();
}
