using System.Reflection;
using OrthoProj.Native;

namespace OrthoProj.Cuda;

/// <summary>
/// The kernels of cuda/*.cu for one device: loaded from the ahead-of-time
/// <c>orthoproj_kernels.fatbin</c> next to the application when one is shipped and holds code
/// for the device, otherwise compiled at first use by NVRTC for the device's exact architecture
/// (cached on disk by <see cref="NvrtcCompiler"/>). The sources travel inside this assembly as
/// resources named "cuda/&lt;file&gt;".
/// </summary>
internal sealed class CudaKernels : IDisposable
{
    /// <summary>The translation unit holding every kernel.</summary>
    public const string SourceFile = "orthoproj_kernels.cu";

    /// <summary>Kernels with one instance per element type (suffix _f32 / _f64).</summary>
    public static readonly string[] TypedKernels =
    [
        "find_nonfinite", "qr_diag_check", "qr_rank", "svd_threshold", "residual_second_pass", "zero_full_rank",
        "copy_strided", "transpose", "set_identity", "extract_upper", "mirror_upper", "symmetrize_sum",
        "scale_columns", "scale_strided", "copy_block", "max_exponent", "scale_exp2",
    ];

    /// <summary>Kernels without an element type.</summary>
    public static readonly string[] UntypedKernels = ["first_flagged", "pointer_array"];

    private readonly CudaModule module;

    private CudaKernels(CudaModule module, string origin)
    {
        this.module = module;
        Origin = origin;
    }

    /// <summary>Every entry name the backend launches.</summary>
    public static IEnumerable<string> AllEntryNames =>
        TypedKernels.SelectMany(k => new[] { k + "_f32", k + "_f64" }).Concat(UntypedKernels);

    /// <summary>Where the kernels came from, for <see cref="CudaBackend.Description"/>.</summary>
    public string Origin { get; }

    /// <summary>The NVRTC options every compilation uses (no fast math: results must match the CPU to rounding).</summary>
    public static IReadOnlyList<string> CompileOptions { get; } = ["--std=c++17"];

    /// <summary>The names of the embedded sources ("orthoproj_kernels.cu", ...).</summary>
    public static IReadOnlyList<string> SourceNames() =>
        [.. typeof(CudaKernels).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("cuda/", StringComparison.Ordinal))
            .Select(n => n["cuda/".Length..])
            .Order(StringComparer.Ordinal)];

    /// <summary>The text of embedded source <paramref name="fileName"/>.</summary>
    /// <exception cref="FileNotFoundException">No such resource.</exception>
    public static string ReadSource(string fileName)
    {
        Assembly assembly = typeof(CudaKernels).Assembly;
        using Stream stream = assembly.GetManifestResourceStream("cuda/" + fileName)
            ?? throw new FileNotFoundException($"The kernel source 'cuda/{fileName}' is not embedded in {assembly.GetName().Name}.", fileName);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Every embedded header (*.cuh) by include name, for NVRTC.</summary>
    public static IReadOnlyDictionary<string, string> Headers() =>
        SourceNames().Where(n => n.EndsWith(".cuh", StringComparison.Ordinal)).ToDictionary(n => n, ReadSource, StringComparer.Ordinal);

    /// <summary>Compiles embedded source <paramref name="fileName"/> with NVRTC for <paramref name="architecture"/>.</summary>
    public static CudaKernelImage Compile(NvrtcCompiler compiler, string fileName, int architecture) =>
        compiler.Compile(ReadSource(fileName), fileName, architecture, CompileOptions, Headers());

    /// <summary>Loads the shipped fatbin when it serves <paramref name="device"/>, else compiles with NVRTC.</summary>
    /// <exception cref="NvrtcCompilationException">The sources do not compile (a bug; the log is attached).</exception>
    /// <exception cref="CudaException">The driver rejects the image or a kernel is missing.</exception>
    public static CudaKernels Load(CudaDevice device)
    {
        string? fatbinNote = null;
        try
        {
            CudaModule? shipped = CudaModule.TryLoadShippedFatbin(device);
            if (shipped is not null)
            {
                var kernels = new CudaKernels(shipped, $"{CudaModule.ShippedFatbinName} (ahead of time)");
                if (kernels.TryResolveAll(out string? missing))
                {
                    return kernels;
                }

                kernels.Dispose();
                fatbinNote = $"; the shipped {CudaModule.ShippedFatbinName} lacks {missing}";
            }
        }
        catch (CudaException e)
        {
            // CUDA_ERROR_NO_BINARY_FOR_GPU and the like: the fatbin does not serve this device.
            fatbinNote = $"; the shipped {CudaModule.ShippedFatbinName} was rejected ({e.StatusName})";
        }

        CudaKernelImage image = Compile(new NvrtcCompiler(), SourceFile, device.Architecture);
        CudaModule module = CudaModule.Load(device, image.Image.Span);
        var compiled = new CudaKernels(module, $"NVRTC {NvrtcCompiler.NvrtcVersion} {image.Target} {image.Kind}{(image.FromCache ? " (disk cache)" : string.Empty)}{fatbinNote}");
        if (!compiled.TryResolveAll(out string? absent))
        {
            compiled.Dispose();
            throw new InvalidOperationException($"The compiled kernel module lacks {absent}.");
        }

        return compiled;
    }

    /// <summary>The kernel <paramref name="name"/> instantiated for <typeparamref name="T"/>.</summary>
    public CudaKernel Get<T>(string name) => module.GetKernel(name + (typeof(T) == typeof(float) ? "_f32" : "_f64"));

    /// <summary>An untyped kernel.</summary>
    public CudaKernel Get(string name) => module.GetKernel(name);

    public void Dispose() => module.Dispose();

    private bool TryResolveAll(out string? missing)
    {
        foreach (string name in AllEntryNames)
        {
            try
            {
                _ = module.GetKernel(name);
            }
            catch (CudaException)
            {
                missing = name;
                return false;
            }
        }

        missing = null;
        return true;
    }
}
