// Self-contained on purpose (no other file of this project, no TorchSharp): the package's build
// target runs this same file, compiled into OrthoProj.TorchSharp.LoaderFix, so that the policy and
// the ELF edit live in one place (buildTransitive/OrthoProj.TorchSharp.targets says why a tool).
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace OrthoProj.TorchSharp;

/// <summary>What <see cref="LibTorchSharpLoader.PrepareForThisSystem"/> found and did.</summary>
public enum LibTorchSharpPreparationOutcome
{
    /// <summary>Not Linux, or the system's libstdc++ provides the version: nothing was read or written.</summary>
    NotNeeded,

    /// <summary>Every copy in the folder already loads here (the requirement is weak or absent); nothing was written.</summary>
    AlreadyPrepared,

    /// <summary>The requirement was marked weak in at least one copy in the folder.</summary>
    Patched,
}

/// <summary>The result of <see cref="LibTorchSharpLoader.PrepareForThisSystem"/>.</summary>
/// <param name="Outcome">What was found and done.</param>
/// <param name="Libraries">The copies of libLibTorchSharp.so that were examined (full paths); empty when <see cref="LibTorchSharpPreparationOutcome.NotNeeded"/>.</param>
/// <param name="Message">One line for a log.</param>
public sealed record LibTorchSharpPreparation(LibTorchSharpPreparationOutcome Outcome, IReadOnlyList<string> Libraries, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Message;
}

/// <summary>
/// Makes TorchSharp's native library load on Linux systems whose libstdc++ is older than the one it
/// was linked against (Debian 12). TorchSharp 0.107.0's libLibTorchSharp.so asks for the version
/// GLIBCXX_3.4.32 (GCC 13's libstdc++) for one symbol, std::ios_base_library_init, that it never
/// relocates; Debian 12's libstdc++ stops at GLIBCXX_3.4.30, so the dynamic loader refuses the
/// library. Marking that one version requirement weak (VER_FLG_WEAK in its .gnu.version_r entry; the
/// loader then accepts its absence) makes it load; patchelf has no option for this.
/// </summary>
/// <remarks>
/// OrthoProj.TorchSharp's package applies this after every Build and Publish of an application that
/// references it (MSBuild property <c>OrthoProjPatchLibTorchSharp=false</c> turns that off). Call it
/// yourself, before the first TorchSharp call, only when libtorch reaches your application's folder
/// some other way.
/// </remarks>
public static class LibTorchSharpLoader
{
    /// <summary>The version requirement that Debian 12's libstdc++ cannot satisfy.</summary>
    public const string Requirement = "GLIBCXX_3.4.32";

    private const string LibraryName = "libLibTorchSharp.so";

    // The one symbol behind the requirement: present exactly when the libstdc++ defines GLIBCXX_3.4.32.
    private const string RequirementSymbol = "_ZSt21ios_base_library_initv";

    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>
    /// Where this process's libstdc++ lacks <see cref="Requirement"/>, marks that requirement weak in the
    /// copies of libLibTorchSharp.so in <paramref name="directory"/> (an application's output or publish
    /// folder: <c>runtimes/linux-x64/native/</c> of a portable app, or the folder itself for a
    /// RID-specific one). Idempotent: a second call writes nothing.
    /// </summary>
    /// <param name="directory">The application's own folder, e.g. <see cref="AppContext.BaseDirectory"/>.</param>
    /// <returns>What was found and done, with a line for the log.</returns>
    /// <remarks>
    /// Only files inside <paramref name="directory"/> are written, each replaced by a new file (written
    /// beside it, then renamed over it): a copy that is a hard or symbolic link to NuGet's package cache
    /// or to a system file becomes a file of its own, and the target is never modified. Nothing is read
    /// or written on other systems than Linux, or where the system's libstdc++ is new enough.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is null or empty.</exception>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    /// <exception cref="FileNotFoundException">The fix is needed and the folder holds no libLibTorchSharp.so.</exception>
    /// <exception cref="InvalidDataException">A libLibTorchSharp.so there is not a well-formed little-endian ELF64 file.</exception>
    public static LibTorchSharpPreparation PrepareForThisSystem(string directory) =>
        Prepare(directory, !OperatingSystem.IsLinux() || SystemLibstdcxxProvidesRequirement());

    /// <summary><see cref="PrepareForThisSystem"/> with the system's answer given (tests fake either system).</summary>
    internal static LibTorchSharpPreparation Prepare(string directory, bool systemProvidesRequirement)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string folder = Path.GetFullPath(directory);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"OrthoProj.TorchSharp: the folder to prepare for libtorch, {folder}, does not exist.");
        }

        if (systemProvidesRequirement)
        {
            return new(LibTorchSharpPreparationOutcome.NotNeeded, [], $"the system's libstdc++ provides {Requirement} (or this is not Linux); {LibraryName} needs no change");
        }

        string[] libraries = [.. new[] { Path.Combine(folder, "runtimes", "linux-x64", "native", LibraryName), Path.Combine(folder, LibraryName) }.Where(File.Exists)];
        if (libraries.Length == 0)
        {
            throw new FileNotFoundException(
                $"OrthoProj.TorchSharp: the system's libstdc++ lacks {Requirement} and {folder} holds no {LibraryName} (neither in runtimes/linux-x64/native/ nor in the folder itself) to prepare; is TorchSharp referenced, and is this the application's folder?",
                Path.Combine(folder, "runtimes", "linux-x64", "native", LibraryName));
        }

        var edits = libraries.Select(library => (library, edit: MarkVersionNeedWeak(library, Requirement))).ToArray();
        bool patched = edits.Any(e => e.edit == VersionNeedEdit.MarkedWeak);
        string details = string.Join("; ", edits.Select(e => e.edit switch
        {
            VersionNeedEdit.MarkedWeak => $"marked {Requirement} weak in {e.library}",
            VersionNeedEdit.AlreadyWeak => $"{Requirement} was already weak in {e.library}",
            _ => $"{e.library} does not require {Requirement}",
        }));
        return new(
            patched ? LibTorchSharpPreparationOutcome.Patched : LibTorchSharpPreparationOutcome.AlreadyPrepared,
            libraries,
            details + " (the system's libstdc++ lacks it)");
    }

    /// <summary>Whether the libstdc++ this process uses (the one the loader will give TorchSharp) defines the requirement's symbol.</summary>
    internal static bool SystemLibstdcxxProvidesRequirement()
    {
        if (!NativeLibrary.TryLoad("libstdc++.so.6", out nint handle))
        {
            return false;
        }

        try
        {
            return NativeLibrary.TryGetExport(handle, RequirementSymbol, out _);
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    /// <summary>What <see cref="MarkVersionNeedWeak"/> did.</summary>
    internal enum VersionNeedEdit
    {
        /// <summary>The file does not ask for the version.</summary>
        NotRequired,

        /// <summary>The requirement was weak already; nothing written.</summary>
        AlreadyWeak,

        /// <summary>The requirement was marked weak and the file replaced.</summary>
        MarkedWeak,
    }

    /// <summary>Sets the weak flag on every requirement of <paramref name="version"/> in the ELF file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed little-endian ELF64 file.</exception>
    internal static VersionNeedEdit MarkVersionNeedWeak(string path, string version)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException($"OrthoProj.TorchSharp: {path} is not a little-endian ELF64 file.");
        }

        var flagOffsets = new List<int>();
        bool alreadyWeak = false;
        try
        {
            long sectionTable = I64(elf, 0x28);
            int entrySize = U16(elf, 0x3A), sections = U16(elf, 0x3C);
            for (int i = 0; i < sections; i++)
            {
                long header = sectionTable + ((long)i * entrySize);
                if (U32(elf, header + 4) != ShtGnuVerneed)
                {
                    continue;
                }

                // Verneed entries (vn_cnt at 2, vn_aux at 8, vn_next at 12), each with Vernaux entries
                // (vna_flags at 4, vna_name at 8, vna_next at 12); names index the linked string table.
                long strings = I64(elf, sectionTable + ((long)U32(elf, header + 0x28) * entrySize) + 0x18);
                long need = I64(elf, header + 0x18);
                for (int needs = 0; needs < elf.Length / 16; needs++)    // bounded: a malformed chain cannot loop forever
                {
                    long aux = need + U32(elf, need + 8);
                    for (int a = 0; a < U16(elf, need + 2); a++, aux += U32(elf, aux + 12))
                    {
                        if (Name(elf, strings + U32(elf, aux + 8)) == version)
                        {
                            if ((U16(elf, aux + 4) & VerFlagWeak) != 0)
                            {
                                alreadyWeak = true;
                            }
                            else
                            {
                                flagOffsets.Add(checked((int)(aux + 4)));
                            }
                        }
                    }

                    uint next = U32(elf, need + 12);
                    if (next == 0)
                    {
                        break;
                    }

                    need += next;
                }
            }
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            throw new InvalidDataException($"OrthoProj.TorchSharp: {path} is a truncated or malformed ELF64 file (its section headers or version needs point outside it).", e);
        }

        if (flagOffsets.Count == 0)
        {
            return alreadyWeak ? VersionNeedEdit.AlreadyWeak : VersionNeedEdit.NotRequired;
        }

        foreach (int at in flagOffsets)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(at), (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(at)) | VerFlagWeak));
        }

        Replace(path, elf);
        return VersionNeedEdit.MarkedWeak;
    }

    // A new file renamed over the old one: a link (hard or symbolic) into NuGet's cache or the system is
    // replaced, never written through, and a reader never sees a half-written library.
    private static void Replace(string path, byte[] contents)
    {
        string temporary = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + "." + Environment.ProcessId + ".tmp");
        try
        {
            File.WriteAllBytes(temporary, contents);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, File.GetUnixFileMode(path));
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static ushort U16(byte[] b, long at) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(checked((int)at), 2));

    private static uint U32(byte[] b, long at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(checked((int)at), 4));

    private static long I64(byte[] b, long at) => BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(checked((int)at), 8));

    private static string Name(byte[] b, long at)
    {
        int start = checked((int)at);
        int end = Array.IndexOf(b, (byte)0, start);
        return end < 0 ? throw new ArgumentOutOfRangeException(nameof(at)) : Encoding.ASCII.GetString(b, start, end - start);
    }
}
