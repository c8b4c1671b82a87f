namespace OrthoProj.Native;

/// <summary>
/// Finds the ahead-of-time kernel fatbin (<see cref="FileName"/>) and its source manifest
/// (<see cref="ManifestName"/>) that the OrthoProj.Managed package carries as native assets for
/// linux-x64, and checks that the manifest names exactly the kernel sources the caller was built
/// with. Only the file system is touched here: no CUDA library is needed, so the check also runs
/// (and is tested) on machines without a GPU.
/// </summary>
/// <remarks>
/// Where the files land depends on how the application was built: beside the assemblies for a
/// RID-specific build or publish and for a project reference; under
/// <c>runtimes/linux-x64/native/</c> of the output for a portable (no RID) build; in the NuGet
/// package folder when the host resolves assets from there (<c>dotnet run</c> of a package
/// consumer without copying). The host lists the folders of every native asset it resolved in
/// <c>NATIVE_DLL_SEARCH_DIRECTORIES</c>, which covers the last two; the first is
/// <see cref="AppContext.BaseDirectory"/>.
/// </remarks>
public static class ShippedFatbin
{
    /// <summary>The file name of the ahead-of-time kernel fatbin.</summary>
    public const string FileName = "orthoproj_kernels.fatbin";

    /// <summary>
    /// The file name of its source manifest: one line "&lt;sha256 hex&gt;  &lt;file name&gt;" per
    /// cuda/*.cu and *.cuh file the fatbin was compiled from (cmake/OrthoProjSourceManifest.cmake).
    /// </summary>
    public const string ManifestName = "orthoproj_kernels.sources.sha256";

    /// <summary>The folders searched, in order, without duplicates (they need not exist).</summary>
    /// <returns>The folders, in search order.</returns>
    public static IReadOnlyList<string> SearchFolders()
    {
        var folders = new List<string>();
        void Add(string? folder)
        {
            if (!string.IsNullOrWhiteSpace(folder)
                && !folders.Contains(Path.TrimEndingDirectorySeparator(folder), StringComparer.Ordinal))
            {
                folders.Add(Path.TrimEndingDirectorySeparator(folder));
            }
        }

        // AppContext.BaseDirectory is the assembly's folder for a normal deployment and the
        // executable's folder for a single-file publish (where Assembly.Location is empty).
        Add(AppContext.BaseDirectory);
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string nativeFolders)
        {
            foreach (string folder in nativeFolders.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                Add(folder);
            }
        }

        // A portable build's own copy, should the host not have listed it (e.g. a test runner
        // that loads the assemblies without the app's deps.json).
        Add(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native"));
        return folders;
    }

    /// <summary>
    /// The path of the first fatbin found in <see cref="SearchFolders"/> whose manifest lists
    /// exactly <paramref name="sources"/>, or <c>null</c>. <paramref name="trace"/> receives one
    /// line for every fatbin found and why it was not taken (no line when none is anywhere).
    /// </summary>
    /// <param name="sources">The kernel sources the caller embeds: file name and bytes.</param>
    /// <param name="trace">Receives the reasons a fatbin that was found is not used.</param>
    /// <returns>The fatbin's path, or <c>null</c> when none matches.</returns>
    public static string? Find(IReadOnlyDictionary<string, byte[]> sources, ICollection<string> trace)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(trace);
        Dictionary<string, string> expected = KernelSourceManifest.Hash(sources);
        foreach (string folder in SearchFolders())
        {
            string path = Path.Combine(folder, FileName);
            if (!File.Exists(path))
            {
                continue;
            }

            string? mismatch = KernelSourceManifest.Compare(Path.Combine(folder, ManifestName), expected);
            if (mismatch is null)
            {
                return path;
            }

            trace.Add($"{path} not used: {mismatch}");
        }

        return null;
    }
}
