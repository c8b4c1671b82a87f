using System.Reflection;

namespace OrthoProj.Cuda.Kernels;

/// <summary>
/// The kernels of one translation unit of cuda/ (<see cref="KernelUnit"/>) for one device: the one
/// loader for every unit. It takes the ahead-of-time <c>orthoproj_kernels.fatbin</c> shipped with
/// this package (CMakeLists.txt compiles every cuda/*.cu into it; <see cref="ShippedFatbin"/> finds
/// it) when its source manifest matches the sources embedded here, it holds code for the device and
/// every entry of the unit; otherwise it compiles the unit's source at first use with NVRTC for the
/// device's exact architecture (cached on disk by <see cref="NvrtcCompiler"/>), and
/// <see cref="Origin"/> says why the fatbin was passed over. The sources travel inside this
/// assembly as resources named "cuda/&lt;file&gt;".
/// </summary>
internal sealed class KernelModule : IDisposable
{
    private static readonly Lazy<IReadOnlyDictionary<string, byte[]>> EmbeddedSourceBytes = new(ReadSourceBytes);

    private readonly CudaModule module;

    private KernelModule(KernelUnit unit, CudaModule module, string origin)
    {
        Unit = unit;
        this.module = module;
        Origin = origin;
    }

    /// <summary>The translation unit.</summary>
    public KernelUnit Unit { get; }

    /// <summary>Where the kernels came from (fatbin, or NVRTC version, target and disk cache).</summary>
    public string Origin { get; }

    /// <summary>
    /// The NVRTC options every compilation uses. No fast math, and --fmad=false: NVRTC (like nvcc)
    /// contracts a * b + c into one fused multiply-add by default, rounding once where the CPU and
    /// the host emulation round twice; the results would then differ by a few ulps, and the
    /// borderline decisions taken on the device (the rank rule, the residual's second pass) could
    /// flip against the CPU's. Separate rounding keeps them the same operations as the C++ source
    /// says. CMakeLists.txt passes the same flag to nvcc for the shipped fatbin.
    /// </summary>
    public static IReadOnlyList<string> CompileOptions { get; } = ["--std=c++17", "--fmad=false"];

    /// <summary>The names of the embedded sources ("orthoproj_kernels.cu", ...).</summary>
    public static IReadOnlyList<string> SourceNames() =>
        [.. typeof(KernelModule).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("cuda/", StringComparison.Ordinal))
            .Select(n => n["cuda/".Length..])
            .Order(StringComparer.Ordinal)];

    /// <summary>The text of embedded source <paramref name="fileName"/>.</summary>
    /// <exception cref="FileNotFoundException">No such resource.</exception>
    public static string ReadSource(string fileName)
    {
        Assembly assembly = typeof(KernelModule).Assembly;
        using Stream stream = assembly.GetManifestResourceStream("cuda/" + fileName)
            ?? throw new FileNotFoundException($"The kernel source 'cuda/{fileName}' is not embedded in {assembly.GetName().Name}.", fileName);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Every embedded source (*.cu and *.cuh) by file name, as bytes: what a shipped fatbin's manifest must list.</summary>
    public static IReadOnlyDictionary<string, byte[]> SourceBytes() => EmbeddedSourceBytes.Value;

    /// <summary>Every embedded header (*.cuh) by include name, for NVRTC.</summary>
    public static IReadOnlyDictionary<string, string> Headers() =>
        SourceNames().Where(n => n.EndsWith(".cuh", StringComparison.Ordinal)).ToDictionary(n => n, ReadSource, StringComparer.Ordinal);

    /// <summary>Compiles embedded source <paramref name="fileName"/> with NVRTC for <paramref name="architecture"/>.</summary>
    public static CudaKernelImage Compile(NvrtcCompiler compiler, string fileName, int architecture, IReadOnlyList<string>? extraOptions = null) =>
        compiler.Compile(ReadSource(fileName), fileName, architecture, [.. CompileOptions, .. extraOptions ?? []], Headers());

    /// <summary>Loads <paramref name="unit"/> for <paramref name="device"/>: the shipped fatbin when it has every entry, else NVRTC.</summary>
    /// <exception cref="NvrtcCompilationException">The source does not compile (a bug; the log is attached).</exception>
    /// <exception cref="CudaException">The driver rejects the compiled image.</exception>
    /// <exception cref="InvalidOperationException">The compiled image lacks an entry some wrapper launches.</exception>
    public static KernelModule Load(CudaDevice device, KernelUnit unit)
    {
        string? fatbinNote = null;
        try
        {
            var passedOver = new List<string>();
            CudaModule? shipped = CudaModule.TryLoadShippedFatbin(device, SourceBytes(), passedOver);
            if (passedOver.Count > 0)
            {
                fatbinNote = "; " + string.Join("; ", passedOver);
            }

            if (shipped is not null)
            {
                string? missing = FirstMissing(shipped, unit);
                if (missing is null)
                {
                    return new KernelModule(unit, shipped, $"{CudaModule.ShippedFatbinName} (ahead of time)");
                }

                shipped.Dispose();
                fatbinNote += $"; the shipped {CudaModule.ShippedFatbinName} lacks {missing}";
            }
        }
        catch (CudaException e)
        {
            // CUDA_ERROR_NO_BINARY_FOR_GPU and the like: the fatbin does not serve this device.
            fatbinNote += $"; the shipped {CudaModule.ShippedFatbinName} was rejected ({e.StatusName})";
        }

        var compiler = new NvrtcCompiler();
        CudaKernelImage image = Compile(compiler, unit.SourceFile, device.Architecture);
        CudaModule module;
        string? absent;
        try
        {
            module = CudaModule.Load(device, image.Image.Span);
            absent = FirstMissing(module, unit);
            if (absent is not null)
            {
                module.Dispose();
            }
        }
        catch (CudaException) when (image.FromCache)
        {
            module = null!;
            absent = "(the driver rejected the cached image)";
        }

        if (absent is not null && image.FromCache)
        {
            // A corrupt or stale cache entry: evicted and compiled once more, never kept.
            compiler.Evict(image);
            image = Compile(compiler, unit.SourceFile, device.Architecture);
            module = CudaModule.Load(device, image.Image.Span);
            absent = FirstMissing(module, unit);
            if (absent is not null)
            {
                module.Dispose();
            }
        }

        if (absent is not null)
        {
            throw new InvalidOperationException($"The compiled {unit.SourceFile} lacks {absent}.");
        }

        return new KernelModule(unit, module, $"NVRTC {NvrtcCompiler.NvrtcVersion} {image.Target} {image.Kind}{(image.FromCache ? " (disk cache)" : string.Empty)}{fatbinNote}");
    }

    /// <summary>The entry <paramref name="entryName"/> (resolved once, then cached by the module).</summary>
    public CudaKernel Get(string entryName) => module.GetKernel(entryName);

    /// <summary>Unloads the module.</summary>
    public void Dispose() => module.Dispose();

    private static IReadOnlyDictionary<string, byte[]> ReadSourceBytes()
    {
        Assembly assembly = typeof(KernelModule).Assembly;
        var bytes = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string name in SourceNames())
        {
            using Stream stream = assembly.GetManifestResourceStream("cuda/" + name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            bytes[name] = copy.ToArray();
        }

        return bytes;
    }

    private static string? FirstMissing(CudaModule module, KernelUnit unit)
    {
        foreach (string name in unit.EntryNames)
        {
            try
            {
                _ = module.GetKernel(name);
            }
            catch (CudaException)
            {
                return name;
            }
        }

        return null;
    }
}
