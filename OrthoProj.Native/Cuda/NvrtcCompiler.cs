using System.Security.Cryptography;
using System.Text;
using static OrthoProj.Native.Interop.Nvrtc;

namespace OrthoProj.Native;

/// <summary>The kind of a compiled kernel image.</summary>
public enum CudaImageKind
{
    /// <summary>Machine code for one architecture (sm_XY).</summary>
    Cubin,

    /// <summary>PTX for a virtual architecture (compute_XY), compiled by the driver on load.</summary>
    Ptx,
}

/// <summary>A kernel image produced by <see cref="NvrtcCompiler"/>, ready for <see cref="CudaModule.Load"/>.</summary>
public sealed class CudaKernelImage
{
    internal CudaKernelImage(byte[] image, CudaImageKind kind, string target, int requestedArchitecture, string log, bool fromCache, string cacheKey)
    {
        Image = image;
        Kind = kind;
        Target = target;
        RequestedArchitecture = requestedArchitecture;
        Log = log;
        FromCache = fromCache;
        CacheKey = cacheKey;
    }

    /// <summary>The CUBIN (ELF) bytes or the PTX text bytes.</summary>
    public ReadOnlyMemory<byte> Image { get; }

    /// <summary>Whether <see cref="Image"/> is a CUBIN or PTX.</summary>
    public CudaImageKind Kind { get; }

    /// <summary>The --gpu-architecture value used, e.g. "sm_90" or "compute_90".</summary>
    public string Target { get; }

    /// <summary>The architecture asked for (major * 10 + minor).</summary>
    public int RequestedArchitecture { get; }

    /// <summary>The compiler log (warnings); empty when the image came from the cache.</summary>
    public string Log { get; }

    /// <summary>Whether the image was read from the disk cache instead of compiled.</summary>
    public bool FromCache { get; }

    /// <summary>The SHA-256 (hex) of source, headers, options, target and NVRTC version.</summary>
    public string CacheKey { get; }
}

/// <summary>
/// Compiles CUDA C++ with NVRTC to a CUBIN for the exact device architecture
/// (<c>--gpu-architecture=sm_XY</c>, nvrtcGetCUBIN). When NVRTC is older than the device (the
/// architecture is above the newest it supports), it emits PTX for the newest virtual
/// architecture it knows instead, which the driver compiles on load. Images are cached on disk,
/// keyed by the SHA-256 of the source, headers and options together with the target and the
/// NVRTC version, in <c>ORTHOPROJ_KERNEL_CACHE</c> or else <c>~/.cache/orthoproj/kernels</c>.
/// A failed compilation throws <see cref="NvrtcCompilationException"/> carrying the log.
/// </summary>
public sealed class NvrtcCompiler
{
    /// <summary>The environment variable that names the cache folder.</summary>
    public const string CacheVariable = "ORTHOPROJ_KERNEL_CACHE";

    private static readonly Lazy<Version> LazyVersion = new(QueryVersion, LazyThreadSafetyMode.PublicationOnly);
    private static readonly Lazy<int[]> LazyArchitectures = new(QuerySupportedArchitectures, LazyThreadSafetyMode.PublicationOnly);

    /// <summary>
    /// Creates a compiler caching in <paramref name="cacheDirectory"/>, or when null in
    /// <c>ORTHOPROJ_KERNEL_CACHE</c>, or in ~/.cache/orthoproj/kernels (XDG_CACHE_HOME honoured).
    /// </summary>
    /// <param name="cacheDirectory">The cache folder; null for the default.</param>
    /// <param name="useCache">False to neither read nor write the cache.</param>
    public NvrtcCompiler(string? cacheDirectory = null, bool useCache = true)
    {
        CacheDirectory = useCache ? cacheDirectory ?? DefaultCacheDirectory() : null;
    }

    /// <summary>The NVRTC version (nvrtcVersion), e.g. 11.8.</summary>
    /// <exception cref="NativeLibraryLoadException">NVRTC cannot be loaded.</exception>
    public static Version NvrtcVersion => LazyVersion.Value;

    /// <summary>The real architectures this NVRTC can emit CUBINs for (nvrtcGetSupportedArchs), ascending.</summary>
    public static IReadOnlyList<int> SupportedArchitectures => LazyArchitectures.Value;

    /// <summary>The cache folder, or null when caching is off.</summary>
    public string? CacheDirectory { get; }

    /// <summary>The default cache folder: ORTHOPROJ_KERNEL_CACHE, else $XDG_CACHE_HOME or ~/.cache, plus orthoproj/kernels.</summary>
    /// <returns>The folder's path (it need not exist).</returns>
    public static string DefaultCacheDirectory()
    {
        string? configured = Environment.GetEnvironmentVariable(CacheVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = !string.IsNullOrWhiteSpace(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "orthoproj", "kernels");
    }

    /// <summary>Compiles for <paramref name="device"/>'s architecture.</summary>
    /// <returns>The compiled image.</returns>
    public CudaKernelImage Compile(string source, string programName, CudaDevice device, IReadOnlyList<string>? options = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        return Compile(source, programName, device.Architecture, options, headers);
    }

    /// <summary>
    /// Compiles <paramref name="source"/> for architecture <paramref name="architecture"/>
    /// (major * 10 + minor, e.g. 90 for sm_90), returning a CUBIN, or PTX when NVRTC does not
    /// know that architecture yet.
    /// </summary>
    /// <param name="source">CUDA C++ source.</param>
    /// <param name="programName">The name NVRTC uses in its log (e.g. the file name).</param>
    /// <param name="architecture">The target compute capability as major * 10 + minor.</param>
    /// <param name="options">Extra NVRTC options (e.g. "-std=c++17", "--include-path=..."); must not set the architecture.</param>
    /// <param name="headers">In-memory headers by include name, for #include without a file system.</param>
    /// <returns>The compiled image.</returns>
    /// <exception cref="ArgumentException">Empty source or name, or an option sets the architecture.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="architecture"/> is below what NVRTC supports.</exception>
    /// <exception cref="NvrtcCompilationException">The source does not compile; the log is attached.</exception>
    public CudaKernelImage Compile(string source, string programName, int architecture, IReadOnlyList<string>? options = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(programName);
        options ??= [];
        headers ??= new Dictionary<string, string>();
        foreach (string option in options)
        {
            if (option.StartsWith("--gpu-architecture", StringComparison.Ordinal) || option.StartsWith("-arch", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Option '{option}' sets the architecture; pass it as the architecture argument instead.", nameof(options));
            }
        }

        (string target, CudaImageKind kind) = ChooseTarget(architecture);
        List<string> allOptions = [$"--gpu-architecture={target}", .. options];
        string key = CacheKey(source, headers, allOptions, target);

        string? cached = CachePath(key, kind);
        if (cached is not null && TryReadCache(cached, out byte[]? image))
        {
            return new CudaKernelImage(image, kind, target, architecture, string.Empty, fromCache: true, key);
        }

        (byte[] compiled, string log) = CompileWithNvrtc(source, programName, allOptions, headers, kind);
        if (cached is not null)
        {
            TryWriteCache(cached, compiled);
        }

        return new CudaKernelImage(compiled, kind, target, architecture, log, fromCache: false, key);
    }

    private static (string Target, CudaImageKind Kind) ChooseTarget(int architecture)
    {
        IReadOnlyList<int> supported = SupportedArchitectures;
        if (supported.Count == 0 || supported.Contains(architecture))
        {
            return ($"sm_{architecture}", CudaImageKind.Cubin);
        }

        if (architecture < supported[0])
        {
            throw new ArgumentOutOfRangeException(nameof(architecture), architecture,
                $"NVRTC {NvrtcVersion} supports sm_{supported[0]} to sm_{supported[^1]}.");
        }

        // Newer device than this NVRTC (or an architecture it skips): PTX for the newest virtual
        // architecture not above the device; the driver JIT-compiles it for the real one.
        int fallback = supported.Last(a => a <= architecture);
        return ($"compute_{fallback}", CudaImageKind.Ptx);
    }

    private static string CacheKey(string source, IReadOnlyDictionary<string, string> headers, List<string> options, string target)
    {
        var text = new StringBuilder();
        text.Append("orthoproj-nvrtc-v1\n").Append(NvrtcVersion).Append('\n').Append(target).Append('\n');
        foreach (string option in options)
        {
            text.Append(option).Append('\n');
        }

        foreach (KeyValuePair<string, string> header in headers.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            text.Append("#header ").Append(header.Key).Append('\n').Append(header.Value).Append('\n');
        }

        text.Append("#source\n").Append(source);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private string? CachePath(string key, CudaImageKind kind) =>
        CacheDirectory is null ? null : Path.Combine(CacheDirectory, key + (kind == CudaImageKind.Cubin ? ".cubin" : ".ptx"));

    /// <summary>
    /// Deletes the disk-cache entry <paramref name="image"/> was read from, so that the next
    /// <see cref="Compile(string, string, int, IReadOnlyList{string}?, IReadOnlyDictionary{string, string}?)"/>
    /// compiles afresh: for a cached image the driver rejected or that lacks an entry (a truncated or
    /// corrupt file would otherwise fail every later start). Nothing for an image not from the cache.
    /// </summary>
    public void Evict(CudaKernelImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        string? path = image.FromCache ? CachePath(image.CacheKey, image.Kind) : null;
        if (path is null)
        {
            return;
        }

        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only cache: the next start compiles again and fails to write, as before.
        }
    }

    private static bool TryReadCache(string path, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? image)
    {
        try
        {
            image = File.Exists(path) ? File.ReadAllBytes(path) : null;
            return image is { Length: > 0 };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            image = null;
            return false;
        }
    }

    private static void TryWriteCache(string path, byte[] image)
    {
        // The cache is an optimization: a read-only or full disk must not fail the compilation.
        // Write to a unique temporary name and rename, so concurrent processes never see a torn file.
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            string temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            File.WriteAllBytes(temporary, image);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static unsafe (byte[] Image, string Log) CompileWithNvrtc(
        string source, string programName, List<string> options, IReadOnlyDictionary<string, string> headers, CudaImageKind kind)
    {
        var pinned = new List<byte[]>();
        byte[] Utf8(string s)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(s + "\0");
            pinned.Add(bytes);
            return bytes;
        }

        byte[] sourceBytes = Utf8(source);
        byte[] nameBytes = Utf8(programName);
        byte[][] headerContents = [.. headers.Values.Select(Utf8)];
        byte[][] headerNames = [.. headers.Keys.Select(Utf8)];
        byte[][] optionBytes = [.. options.Select(Utf8)];

        // The byte arrays are pinned with GCHandles so that arrays of their addresses can be passed.
        var handles = new List<System.Runtime.InteropServices.GCHandle>(pinned.Count);
        try
        {
            foreach (byte[] bytes in pinned)
            {
                handles.Add(System.Runtime.InteropServices.GCHandle.Alloc(bytes, System.Runtime.InteropServices.GCHandleType.Pinned));
            }

            nint* contentPointers = stackalloc nint[Math.Max(1, headerContents.Length)];
            nint* namePointers = stackalloc nint[Math.Max(1, headerNames.Length)];
            nint* optionPointers = stackalloc nint[Math.Max(1, optionBytes.Length)];
            for (int i = 0; i < headerContents.Length; i++)
            {
                contentPointers[i] = AddressOf(headerContents[i]);
                namePointers[i] = AddressOf(headerNames[i]);
            }

            for (int i = 0; i < optionBytes.Length; i++)
            {
                optionPointers[i] = AddressOf(optionBytes[i]);
            }

            nint program;
            CudaCheck.Check(
                nvrtcCreateProgram(
                    &program, (byte*)AddressOf(sourceBytes), (byte*)AddressOf(nameBytes), headerContents.Length,
                    headerContents.Length == 0 ? null : (byte**)contentPointers,
                    headerNames.Length == 0 ? null : (byte**)namePointers),
                "nvrtcCreateProgram");
            try
            {
                nvrtcResult status = nvrtcCompileProgram(program, optionBytes.Length, (byte**)optionPointers);
                string log = ReadLog(program);
                if (status != nvrtcResult.NVRTC_SUCCESS)
                {
                    string name = Enum.IsDefined(status) ? status.ToString() : $"NVRTC_ERROR_{(int)status}";
                    throw new NvrtcCompilationException(programName, (int)status, name, log, options);
                }

                return (kind == CudaImageKind.Cubin ? ReadCubin(program) : ReadPtx(program), log);
            }
            finally
            {
                _ = nvrtcDestroyProgram(&program);
            }
        }
        finally
        {
            foreach (var handle in handles)
            {
                handle.Free();
            }
        }

        static nint AddressOf(byte[] bytes) => (nint)System.Runtime.CompilerServices.Unsafe.AsPointer(ref bytes[0]);
    }

    private static unsafe string ReadLog(nint program)
    {
        nuint size;
        CudaCheck.Check(nvrtcGetProgramLogSize(program, &size), "nvrtcGetProgramLogSize");
        if (size <= 1)
        {
            return string.Empty;
        }

        byte[] log = new byte[(int)size];
        fixed (byte* p = log)
        {
            CudaCheck.Check(nvrtcGetProgramLog(program, p), "nvrtcGetProgramLog");
        }

        return Encoding.UTF8.GetString(log, 0, log.Length - 1).TrimEnd();
    }

    private static unsafe byte[] ReadCubin(nint program)
    {
        nuint size;
        CudaCheck.Check(nvrtcGetCUBINSize(program, &size), "nvrtcGetCUBINSize");
        byte[] cubin = new byte[(int)size];
        fixed (byte* p = cubin)
        {
            CudaCheck.Check(nvrtcGetCUBIN(program, p), "nvrtcGetCUBIN");
        }

        return cubin;
    }

    private static unsafe byte[] ReadPtx(nint program)
    {
        nuint size;
        CudaCheck.Check(nvrtcGetPTXSize(program, &size), "nvrtcGetPTXSize");
        byte[] ptx = new byte[(int)size];
        fixed (byte* p = ptx)
        {
            CudaCheck.Check(nvrtcGetPTX(program, p), "nvrtcGetPTX");
        }

        return ptx;
    }

    private static unsafe Version QueryVersion()
    {
        int major, minor;
        CudaCheck.Check(nvrtcVersion(&major, &minor), "nvrtcVersion");
        return new Version(major, minor);
    }

    private static unsafe int[] QuerySupportedArchitectures()
    {
        int count;
        CudaCheck.Check(nvrtcGetNumSupportedArchs(&count), "nvrtcGetNumSupportedArchs");
        int[] architectures = new int[count];
        fixed (int* p = architectures)
        {
            CudaCheck.Check(nvrtcGetSupportedArchs(p), "nvrtcGetSupportedArchs");
        }

        Array.Sort(architectures);
        return architectures;
    }
}
