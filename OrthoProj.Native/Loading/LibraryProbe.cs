using System.Runtime.InteropServices;

namespace OrthoProj.Native;

/// <summary>
/// Loads one native library from an ordered list of versioned file names, first from the folders
/// named by an environment override and then through the platform's normal search. Every attempt
/// is recorded so that a failure can report the whole trace.
/// </summary>
internal static class LibraryProbe
{
    /// <summary>
    /// Tries <paramref name="fileNames"/> in order in each folder of the environment variable
    /// <paramref name="overrideVariable"/> (a path-separator list) and then by bare name.
    /// Returns the handle and the path or name that loaded, or <c>false</c> with the trace filled.
    /// </summary>
    public static bool TryLoad(
        IEnumerable<string> fileNames,
        string? overrideVariable,
        List<string> trace,
        out nint handle,
        out string loadedFrom)
    {
        string[] folders = OverrideFolders(overrideVariable);
        foreach (string fileName in fileNames)
        {
            foreach (string folder in folders)
            {
                string path = Path.Combine(folder, fileName);
                if (!File.Exists(path))
                {
                    trace.Add($"{path}: no such file (from {overrideVariable})");
                    continue;
                }

                if (TryLoadOne(path, trace, out handle))
                {
                    loadedFrom = path;
                    return true;
                }
            }

            if (TryLoadOne(fileName, trace, out handle))
            {
                loadedFrom = fileName;
                return true;
            }
        }

        handle = 0;
        loadedFrom = string.Empty;
        return false;
    }

    /// <summary>The folders listed in <paramref name="overrideVariable"/>, empty when unset.</summary>
    public static string[] OverrideFolders(string? overrideVariable)
    {
        string? value = overrideVariable is null ? null : Environment.GetEnvironmentVariable(overrideVariable);
        return string.IsNullOrWhiteSpace(value)
            ? []
            : value.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static bool TryLoadOne(string nameOrPath, List<string> trace, out nint handle)
    {
        try
        {
            handle = NativeLibrary.Load(nameOrPath);
            trace.Add($"{nameOrPath}: loaded");
            return true;
        }
        catch (DllNotFoundException e)
        {
            // The loader's message carries dlerror(): "cannot open shared object file", a missing
            // dependency, or a wrong ELF class. Keep only its first line.
            trace.Add($"{nameOrPath}: {FirstLine(e.Message)}");
        }
        catch (BadImageFormatException e)
        {
            trace.Add($"{nameOrPath}: bad image ({FirstLine(e.Message)})");
        }

        handle = 0;
        return false;
    }

    private static string FirstLine(string message)
    {
        int newline = message.IndexOf('\n', StringComparison.Ordinal);
        return (newline < 0 ? message : message[..newline]).Trim();
    }
}
