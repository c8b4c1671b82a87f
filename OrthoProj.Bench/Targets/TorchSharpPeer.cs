using System.Diagnostics;
using System.Text.Json.Nodes;
using OrthoProj.Bench.Harness;

namespace OrthoProj.Bench.Targets;

/// <summary>
/// TorchSharp (libtorch 2.10, in process) through the peer executable bench/TorchSharpPeer, run like
/// bench/torch_peer.py over <see cref="PeerProtocol"/>: libtorch's own ops (the "TorchSharp" column)
/// and OrthoProj.TorchSharp's adapter on the same cases (the "OrthoProj.TorchSharp" column, whose
/// overhead over the bare OrthoProj call the report shows). The bench itself never references
/// libtorch: the peer is a project of its own, built on demand (<see cref="BuildCommand"/>).
/// </summary>
public sealed class TorchSharpPeer
{
    /// <summary>
    /// Why complex rows are skipped here: the peer's routes (BareRoutes, and the adapter's element
    /// dispatch in bench/TorchSharpPeer) are written over float32 and float64 tensors; the complex
    /// rows' libtorch figure is PyTorch's (torch_peer.py, the same libtorch kernels).
    /// </summary>
    public const string ComplexNote = "skipped for complex: bench/TorchSharpPeer's routes (libtorch ops and the OrthoProj.TorchSharp adapter) take float32/float64 tensors only; PyTorch's column times libtorch on complex";

    /// <summary>The project folder, relative to the repository root.</summary>
    public const string ProjectFolder = "bench/TorchSharpPeer";

    /// <summary>The command that builds the peer (from the repository root).</summary>
    public const string BuildCommand = "dotnet build -c Release " + ProjectFolder;

    private TorchSharpPeer(string executable, string[] prefix)
    {
        Executable = executable;
        prefixArgs = prefix;
    }

    private readonly string[] prefixArgs;

    /// <summary>What is started: the peer's apphost, or dotnet with the peer's dll.</summary>
    public string Executable { get; }

    /// <summary>What the peer reported about itself (versions, threads, the adapter's backend).</summary>
    public JsonObject? Info { get; private set; }

    /// <summary>
    /// The built peer: $ORTHOPROJ_TORCHSHARP_PEER (its dll or apphost), else
    /// bench/TorchSharpPeer/bin/{Release,Debug}/net10.0 above the executable or the working directory.
    /// Null with a one-line reason and the command that enables it otherwise.
    /// </summary>
    public static TorchSharpPeer? TryFind(out string reason)
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("ORTHOPROJ_TORCHSHARP_PEER") is { Length: > 0 } env)
        {
            candidates.Add(env.EndsWith(".dll", StringComparison.Ordinal) ? env : env + ".dll");
        }

        string? root = FindRepositoryRoot();
        if (root is not null)
        {
            candidates.AddRange(new[] { "Release", "Debug" }.Select(config => Path.Combine(root, ProjectFolder, "bin", config, "net10.0", "TorchSharpPeer.dll")));
        }

        string? dll = candidates.FirstOrDefault(File.Exists);
        if (dll is null)
        {
            reason = root is null
                ? $"{ProjectFolder} not found above the executable or the working directory (or set ORTHOPROJ_TORCHSHARP_PEER)"
                : $"the TorchSharp peer is not built: {BuildCommand}, or run the bench with --torchsharp";
            return null;
        }

        reason = string.Empty;
        string apphost = dll[..^".dll".Length];
        return File.Exists(apphost) && !OperatingSystem.IsWindows()
            ? new TorchSharpPeer(apphost, [])
            : new TorchSharpPeer(DotnetHost, [dll]);
    }

    /// <summary>The repository root: the first folder above the executable or the working directory that holds bench/TorchSharpPeer.</summary>
    public static string? FindRepositoryRoot() => FindAbove(Path.Combine(ProjectFolder, "TorchSharpPeer.csproj")) is { } csproj
        ? Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(csproj)))
        : null;

    /// <summary>The first existing <paramref name="relative"/> path above the executable's folder or the working directory.</summary>
    public static string? FindAbove(string relative)
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>The dotnet host that runs this process's SDK commands.</summary>
    public static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>Builds a project (Release) with the output going to <paramref name="log"/>; returns the exit code.</summary>
    public static int BuildProject(string projectFolder, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var psi = new ProcessStartInfo(DotnetHost) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "build", "-c", "Release", "-nologo", "-v", "q", projectFolder })
        {
            psi.ArgumentList.Add(a);
        }

        log($"{DotnetHost} build -c Release {projectFolder}");
        try
        {
            using Process process = Process.Start(psi)!;
            process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 } l && l.Contains("error", StringComparison.OrdinalIgnoreCase)) { log(l); } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } l) { log(l); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            log($"{DotnetHost}: {ex.Message}");
            return -1;
        }
    }

    /// <summary>Runs every CPU case in one peer process: a TorchSharp row and an adapter row per case.</summary>
    public IReadOnlyList<ResultRow> Run(IReadOnlyList<BenchCase> cases, RepPolicy policy, int seed, int threads)
    {
        ArgumentNullException.ThrowIfNull(cases);
        if (cases.Count == 0)
        {
            return [];
        }

        var (rc, stdout, stderr) = PeerProtocol.RunProcess(Executable, prefixArgs, PeerProtocol.Request(cases, policy, seed, threads).ToJsonString(), 1800, threads);
        string? why = rc != 0 ? $"TorchSharpPeer exited {rc}: {stderr.Trim().Split('\n').LastOrDefault()}" : null;
        if (why is null)
        {
            try
            {
                var (rows, info) = PeerProtocol.Parse(stdout, cases, threads, Implementations.TorchSharp, Implementations.Adapter);
                Info = info;
                return rows;
            }
            catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidOperationException)
            {
                why = "TorchSharpPeer's reply: " + ex.Message;
            }
        }

        return [.. cases.SelectMany(c => new[] { ResultRow.Failed(c, Implementations.TorchSharp, why), ResultRow.Failed(c, Implementations.Adapter, why) })];
    }
}
