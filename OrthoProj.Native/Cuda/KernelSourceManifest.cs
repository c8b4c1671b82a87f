using System.Security.Cryptography;

namespace OrthoProj.Native;

/// <summary>
/// The source manifest of a kernel fatbin: the SHA-256 of every cuda/*.cu and *.cuh file it was
/// compiled from, one line "&lt;lowercase hex&gt;  &lt;file name&gt;" each (sha256sum's format),
/// written by cmake/OrthoProjSourceManifest.cmake. A fatbin is used only when its manifest names
/// exactly the sources of the running assembly, file for file: a fatbin left over from an older
/// checkout or package would otherwise run kernels whose parameters or semantics differ from what
/// the launch wrappers pass, which no driver check would notice.
/// </summary>
public static class KernelSourceManifest
{
    /// <summary>The manifest entries of <paramref name="sources"/>: file name to lowercase SHA-256 hex.</summary>
    /// <returns>File name to SHA-256 hash (lower-case hex).</returns>
    public static Dictionary<string, string> Hash(IReadOnlyDictionary<string, byte[]> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        return sources.ToDictionary(
            s => s.Key,
            s => Convert.ToHexStringLower(SHA256.HashData(s.Value)),
            StringComparer.Ordinal);
    }

    /// <summary>The manifest text for <paramref name="sources"/>, as the CMake script writes it.</summary>
    /// <returns>The manifest's text.</returns>
    public static string Format(IReadOnlyDictionary<string, byte[]> sources) =>
        string.Concat(Hash(sources).OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Value}  {e.Key}\n"));

    /// <summary>
    /// Compares the manifest at <paramref name="manifestPath"/> with <paramref name="expected"/>
    /// (from <see cref="Hash"/>): <c>null</c> when they list the same files with the same hashes,
    /// otherwise why not (missing manifest, unreadable line, first differing file).
    /// </summary>
    /// <returns><c>null</c> when they match; otherwise the reason.</returns>
    public static string? Compare(string manifestPath, IReadOnlyDictionary<string, string> expected)
    {
        ArgumentException.ThrowIfNullOrEmpty(manifestPath);
        ArgumentNullException.ThrowIfNull(expected);
        if (!File.Exists(manifestPath))
        {
            return $"its source manifest {Path.GetFileName(manifestPath)} is missing, so it cannot be matched to the kernel sources";
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines(manifestPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"its source manifest cannot be read ({e.Message})";
        }

        var recorded = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in lines)
        {
            if (line.Length == 0)
            {
                continue;
            }

            // sha256sum's text format: 64 hex digits, two spaces (or space and '*'), the name.
            if (line.Length < 67 || line[64] != ' ' || !IsHex(line.AsSpan(0, 64)))
            {
                return $"{Path.GetFileName(manifestPath)} has a malformed line '{line}'";
            }

            recorded[line[66..]] = line[..64].ToLowerInvariant();
        }

        foreach ((string name, string hash) in expected.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!recorded.TryGetValue(name, out string? found))
            {
                return $"it was built without cuda/{name}";
            }

            if (!string.Equals(found, hash, StringComparison.Ordinal))
            {
                return $"it was built from another cuda/{name} (sha256 {found[..12]}..., this assembly's is {hash[..12]}...)";
            }
        }

        string? extra = recorded.Keys.Where(n => !expected.ContainsKey(n)).Order(StringComparer.Ordinal).FirstOrDefault();
        return extra is null ? null : $"it was built with cuda/{extra}, which this assembly does not have";
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
