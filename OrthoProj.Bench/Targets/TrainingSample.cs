using System.Diagnostics;
using System.Globalization;

namespace OrthoProj.Bench.Targets;

/// <summary>
/// The <c>train</c> command: runs samples/TorchSharpTraining (built on first use, Release) as it is,
/// so that the bench and the sample report the same comparison: a small TorchSharp network trained
/// through OrthoProj.TorchSharp and through torch.linalg.qr from the same weights, with the first
/// step's float64 gradients of both routes compared and the median time per training step of each.
/// </summary>
public static class TrainingSample
{
    /// <summary>The sample's folder, relative to the repository root.</summary>
    public const string ProjectFolder = "samples/TorchSharpTraining";

    /// <summary>Builds the sample if needed and runs it for <paramref name="steps"/> steps; its output goes to <paramref name="log"/> line by line.</summary>
    public static int Run(int steps, int threads, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(log);
        string? csproj = TorchSharpPeer.FindAbove(Path.Combine(ProjectFolder, "TorchSharpTraining.csproj"));
        if (csproj is null)
        {
            log($"{ProjectFolder} not found above the executable or the working directory; run the bench from the repository.");
            return 1;
        }

        string folder = Path.GetDirectoryName(csproj)!;
        string dll = Path.Combine(folder, "bin", "Release", "net10.0", "TorchSharpTraining.dll");
        if (!File.Exists(dll))
        {
            log($"{ProjectFolder} is not built yet (it restores libtorch-cpu-linux-x64, about 600 MB, once):");
            int rc = TorchSharpPeer.BuildProject(folder, log);
            if (rc != 0 || !File.Exists(dll))
            {
                log($"building {ProjectFolder} failed (exit {rc}).");
                return rc == 0 ? 1 : rc;
            }
        }

        string apphost = dll[..^".dll".Length];
        bool useApphost = File.Exists(apphost) && !OperatingSystem.IsWindows();
        var psi = new ProcessStartInfo(useApphost ? apphost : TorchSharpPeer.DotnetHost) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (!useApphost)
        {
            psi.ArgumentList.Add(dll);
        }

        psi.ArgumentList.Add(steps.ToString(CultureInfo.InvariantCulture));
        string t = threads.ToString(CultureInfo.InvariantCulture);
        psi.Environment["OPENBLAS_NUM_THREADS"] = t;
        psi.Environment["OMP_NUM_THREADS"] = t;
        psi.Environment["MKL_NUM_THREADS"] = t;
        log($"{ProjectFolder}, {steps} Adam steps per route, batch 256 x 32 x 16 (the sample sets 1 libtorch thread):");
        using Process process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is { } l) { log(l); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } l) { log(l); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        return process.ExitCode;
    }
}
