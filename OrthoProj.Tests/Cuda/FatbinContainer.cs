using System.Buffers.Binary;
using System.Text;

namespace OrthoProj.Tests.Cuda;

/// <summary>One entry of a fatbin: a CUBIN (ELF) for a real architecture or PTX for a virtual one.</summary>
/// <param name="IsElf">Whether it is a CUBIN (else PTX).</param>
/// <param name="Architecture">The SM version, e.g. 80 for sm_80 / compute_80.</param>
/// <param name="IsCompressed">Whether the payload is compressed (nvcc compresses PTX by default).</param>
/// <param name="Payload">The entry's bytes, as stored.</param>
internal sealed record FatbinEntry(bool IsElf, int Architecture, bool IsCompressed, ReadOnlyMemory<byte> Payload)
{
    /// <summary>"sm_80" for a CUBIN, "compute_90 (PTX)" for PTX.</summary>
    public override string ToString() => IsElf ? $"sm_{Architecture}" : $"compute_{Architecture} (PTX)";
}

/// <summary>
/// Reads a CUDA fatbin without the CUDA toolkit (cuobjdump is not on the test machines): the
/// container's entries, and the function symbols of each CUBIN's ELF symbol table, which is where
/// cuModuleGetFunction finds a kernel by name. Layout as nvcc 11 and 12 write it (fatbinary.h):
/// a 16-byte header (magic 0xBA55ED50, version, header size, payload size), then entries, each
/// with a header (kind 1 = PTX, 2 = ELF; header size; padded payload size; SM version at 28;
/// flags at 40, 0x2000 = compressed) and its payload.
/// </summary>
internal static class FatbinContainer
{
    private const uint Magic = 0xBA55ED50;
    private const ulong CompressedFlag = 0x2000;

    /// <summary>The entries of the fatbin <paramref name="image"/>.</summary>
    /// <exception cref="InvalidDataException">Not a fatbin, or truncated.</exception>
    public static List<FatbinEntry> ReadEntries(byte[] image)
    {
        ReadOnlySpan<byte> data = image;
        if (data.Length < 16 || BinaryPrimitives.ReadUInt32LittleEndian(data) != Magic)
        {
            throw new InvalidDataException("Not a fatbin: the magic number 0xBA55ED50 is missing.");
        }

        int headerSize = BinaryPrimitives.ReadUInt16LittleEndian(data[6..]);
        long end = checked(headerSize + (long)BinaryPrimitives.ReadUInt64LittleEndian(data[8..]));
        if (end > data.Length)
        {
            throw new InvalidDataException($"The fatbin is truncated: its header promises {end} bytes, the file has {data.Length}.");
        }

        var entries = new List<FatbinEntry>();
        for (long offset = headerSize; offset + 64 <= end;)
        {
            ReadOnlySpan<byte> entry = data[(int)offset..];
            int kind = BinaryPrimitives.ReadUInt16LittleEndian(entry);
            int entryHeaderSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]);
            long paddedSize = (long)BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]);
            int architecture = (int)BinaryPrimitives.ReadUInt32LittleEndian(entry[28..]);
            ulong flags = BinaryPrimitives.ReadUInt64LittleEndian(entry[40..]);
            if (kind is not (1 or 2) || entryHeaderSize < 64 || offset + entryHeaderSize + paddedSize > end)
            {
                throw new InvalidDataException($"Unreadable fatbin entry at byte {offset} (kind {kind}, header {entryHeaderSize} bytes).");
            }

            entries.Add(new FatbinEntry(
                kind == 2,
                architecture,
                (flags & CompressedFlag) != 0,
                image.AsMemory((int)(offset + entryHeaderSize), (int)paddedSize)));
            offset += entryHeaderSize + paddedSize;
        }

        return entries;
    }

    /// <summary>The names of the function symbols (STT_FUNC) in the ELF64 image <paramref name="elf"/>.</summary>
    /// <exception cref="InvalidDataException">Not a 64-bit little-endian ELF image.</exception>
    public static HashSet<string> FunctionSymbols(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < 64 || !elf[..4].SequenceEqual("\u007fELF"u8) || elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("Not a 64-bit little-endian ELF image.");
        }

        long sectionTable = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);
        int sectionSize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < sectionCount; i++)
        {
            ReadOnlySpan<byte> header = Section(elf, sectionTable, sectionSize, i);
            const uint SymbolTable = 2;
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != SymbolTable)
            {
                continue;
            }

            ReadOnlySpan<byte> symbols = Contents(elf, header);
            ReadOnlySpan<byte> strings = Contents(elf, Section(elf, sectionTable, sectionSize, (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..])));
            int entrySize = (int)BinaryPrimitives.ReadUInt64LittleEndian(header[0x38..]);
            for (int s = 0; entrySize > 0 && s + entrySize <= symbols.Length; s += entrySize)
            {
                const int FunctionType = 2;
                if ((symbols[s + 4] & 0xF) != FunctionType)
                {
                    continue;
                }

                ReadOnlySpan<byte> name = strings[(int)BinaryPrimitives.ReadUInt32LittleEndian(symbols[s..])..];
                names.Add(Encoding.UTF8.GetString(name[..name.IndexOf((byte)0)]));
            }
        }

        return names;
    }

    private static ReadOnlySpan<byte> Section(ReadOnlySpan<byte> elf, long sectionTable, int sectionSize, int index) =>
        elf.Slice(checked((int)(sectionTable + ((long)index * sectionSize))), sectionSize);

    private static ReadOnlySpan<byte> Contents(ReadOnlySpan<byte> elf, ReadOnlySpan<byte> sectionHeader) =>
        elf.Slice(
            checked((int)BinaryPrimitives.ReadUInt64LittleEndian(sectionHeader[0x18..])),
            checked((int)BinaryPrimitives.ReadUInt64LittleEndian(sectionHeader[0x20..])));
}
