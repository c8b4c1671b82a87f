using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace OrthoProj.TorchSharp.Tests;

/// <summary>
/// Marks one symbol-version requirement of an ELF64 little-endian shared library weak (VER_FLG_WEAK
/// in its .gnu.version_r entry), so that the dynamic loader accepts a system library lacking that
/// version. patchelf has no option for it. Used on the test output's copy only (see LibTorchLoader).
/// </summary>
internal static class ElfVersionNeed
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>
    /// TorchSharp 0.107.0's libLibTorchSharp.so asks for GLIBCXX_3.4.32 (GCC 13's libstdc++) for one
    /// symbol it never relocates, std::ios_base_library_init; Debian 12's libstdc++ stops at 3.4.30.
    /// Where the process's libstdc++ lacks that symbol, the requirement is marked weak in the copy in
    /// <paramref name="outputFolder"/> (a test's or a sample's own output, never anything shipped).
    /// Returns what was done, for the log.
    /// </summary>
    public static string PrepareLibTorchSharp(string outputFolder)
    {
        const string requirement = "GLIBCXX_3.4.32";
        if (!OperatingSystem.IsLinux()
            || (NativeLibrary.TryLoad("libstdc++.so.6", out nint handle) && NativeLibrary.TryGetExport(handle, "_ZSt21ios_base_library_initv", out _)))
        {
            return "the system's libstdc++ provides " + requirement + "; nothing to do";
        }

        string library = Path.Combine(outputFolder, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!File.Exists(library))
        {
            return library + " is absent; TorchSharp will report why it cannot load";
        }

        return MarkWeak(library, requirement)
            ? $"marked {requirement} weak in {library} (the system's libstdc++ lacks it)"
            : $"{requirement} was already weak in {library}";
    }

    /// <summary>Sets the weak flag on the requirement <paramref name="version"/>; false when it was already weak or is absent.</summary>
    /// <exception cref="InvalidDataException">The file is not a little-endian ELF64 object.</exception>
    public static bool MarkWeak(string path, string version)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException($"{path} is not a little-endian ELF64 file.");
        }

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
            for (long need = I64(elf, header + 0x18); ; )
            {
                long aux = need + U32(elf, need + 8);
                for (int a = 0; a < U16(elf, need + 2); a++, aux += U32(elf, aux + 12))
                {
                    if (Name(elf, strings + U32(elf, aux + 8)) == version)
                    {
                        ushort flags = U16(elf, aux + 4);
                        if ((flags & VerFlagWeak) != 0)
                        {
                            return false;
                        }

                        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan((int)aux + 4), (ushort)(flags | VerFlagWeak));
                        File.WriteAllBytes(path, elf);
                        return true;
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

        return false;
    }

    private static ushort U16(byte[] b, long at) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan((int)at));

    private static uint U32(byte[] b, long at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan((int)at));

    private static long I64(byte[] b, long at) => BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan((int)at));

    private static string Name(byte[] b, long at) => Encoding.ASCII.GetString(b, (int)at, Array.IndexOf(b, (byte)0, (int)at) - (int)at);
}
