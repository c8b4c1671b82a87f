using System.Buffers.Binary;
using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace OrthoProj.TorchSharp.Tests;

/// <summary>
/// The shipped Debian 12 loader fix (<see cref="LibTorchSharpLoader"/>) on folders of its own: a small
/// synthetic ELF64 with the same version needs as TorchSharp's library, either system faked (the
/// internal overload takes the system's answer), and a copy of the package's real library.
/// </summary>
[TestClass]
public sealed class LibTorchSharpLoaderTests
{
    private const string NativeFolder = "runtimes/linux-x64/native";
    private string root = string.Empty;

    [TestInitialize]
    public void CreateFolder() => root = Directory.CreateTempSubdirectory("orthoproj-loader-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(root, recursive: true);

    [TestMethod]
    public void OldLibstdcxx_MarksTheRequirementWeak_ChangingOneFlagOnly()
    {
        string library = WriteLibrary(Path.Combine(root, "app"), weak: false);
        byte[] before = File.ReadAllBytes(library);

        LibTorchSharpPreparation result = LibTorchSharpLoader.Prepare(Path.Combine(root, "app"), systemProvidesRequirement: false);

        Assert.AreEqual(LibTorchSharpPreparationOutcome.Patched, result.Outcome, result.Message);
        CollectionAssert.AreEqual(new[] { library }, result.Libraries.ToArray());
        byte[] after = File.ReadAllBytes(library);
        int[] changed = [.. Enumerable.Range(0, before.Length).Where(i => before[i] != after[i])];
        Assert.HasCount(1, changed);
        Assert.AreEqual(SyntheticElf.RequirementFlags, changed[0]);
        Assert.AreEqual(LibTorchSharpLoader.VersionNeedEdit.AlreadyWeak, LibTorchSharpLoader.MarkVersionNeedWeak(library, LibTorchSharpLoader.Requirement));
    }

    [TestMethod]
    public void SecondCall_ChangesNothing()
    {
        string library = WriteLibrary(Path.Combine(root, "app"), weak: false);
        Assert.AreEqual(LibTorchSharpPreparationOutcome.Patched, LibTorchSharpLoader.Prepare(Path.Combine(root, "app"), false).Outcome);
        byte[] once = File.ReadAllBytes(library);
        DateTime written = File.GetLastWriteTimeUtc(library);

        LibTorchSharpPreparation again = LibTorchSharpLoader.Prepare(Path.Combine(root, "app"), false);

        Assert.AreEqual(LibTorchSharpPreparationOutcome.AlreadyPrepared, again.Outcome, again.Message);
        CollectionAssert.AreEqual(once, File.ReadAllBytes(library));
        Assert.AreEqual(written, File.GetLastWriteTimeUtc(library));
    }

    [TestMethod]
    public void NewEnoughLibstdcxx_ReadsAndWritesNothing()
    {
        // Not even an ELF file: a no-op system must not look at the folder's libraries.
        string app = Path.Combine(root, "app");
        Directory.CreateDirectory(Path.Combine(app, NativeFolder));
        File.WriteAllText(Path.Combine(app, NativeFolder, "libLibTorchSharp.so"), "not an ELF file");

        LibTorchSharpPreparation result = LibTorchSharpLoader.Prepare(app, systemProvidesRequirement: true);

        Assert.AreEqual(LibTorchSharpPreparationOutcome.NotNeeded, result.Outcome);
        Assert.IsEmpty(result.Libraries);
        Assert.AreEqual("not an ELF file", File.ReadAllText(Path.Combine(app, NativeFolder, "libLibTorchSharp.so")));
    }

    [TestMethod]
    public void OnlyTheGivenFolderIsWritten_LinksIntoACacheAreReplacedNotWrittenThrough()
    {
        // The app's output holds a hard link (portable layout) and a symbolic link (RID-specific
        // layout) to a "package cache" copy outside it, as MSBuild's link options can make; a sibling
        // app holds a copy of its own. Only the two entries of the given folder may change.
        string cache = Path.Combine(root, "cache"), app = Path.Combine(root, "app"), sibling = Path.Combine(root, "sibling");
        string cached = WriteLibrary(cache, weak: false);
        string siblingCopy = WriteLibrary(sibling, weak: false);
        Directory.CreateDirectory(Path.Combine(app, NativeFolder));
        string hardLink = Path.Combine(app, NativeFolder, "libLibTorchSharp.so"), symbolicLink = Path.Combine(app, "libLibTorchSharp.so");
        using (var ln = Process.Start("ln", [cached, hardLink]))
        {
            ln.WaitForExit();
            Assert.AreEqual(0, ln.ExitCode, "ln could not make the hard link");
        }

        File.CreateSymbolicLink(symbolicLink, cached);
        byte[] original = File.ReadAllBytes(cached);
        Dictionary<string, byte[]> outside = Snapshot(root, except: app);

        LibTorchSharpPreparation result = LibTorchSharpLoader.Prepare(app, systemProvidesRequirement: false);

        Assert.AreEqual(LibTorchSharpPreparationOutcome.Patched, result.Outcome, result.Message);
        Assert.HasCount(2, result.Libraries);
        Dictionary<string, byte[]> outsideAfter = Snapshot(root, except: app);
        CollectionAssert.AreEquivalent(outside.Keys, outsideAfter.Keys);
        foreach ((string path, byte[] bytes) in outside)
        {
            CollectionAssert.AreEqual(bytes, outsideAfter[path], path + " outside the folder changed");
        }

        CollectionAssert.AreEqual(original, File.ReadAllBytes(cached));
        Assert.IsNull(new FileInfo(symbolicLink).LinkTarget, "the symbolic link should have been replaced by a file");
        foreach (string copy in new[] { hardLink, symbolicLink })
        {
            Assert.AreEqual(LibTorchSharpLoader.VersionNeedEdit.AlreadyWeak, LibTorchSharpLoader.MarkVersionNeedWeak(copy, LibTorchSharpLoader.Requirement));
        }

        Assert.AreEqual(LibTorchSharpLoader.VersionNeedEdit.MarkedWeak, LibTorchSharpLoader.MarkVersionNeedWeak(siblingCopy, LibTorchSharpLoader.Requirement));
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(app, NativeFolder), "*.tmp"), "a temporary file was left behind");
    }

    [TestMethod]
    public void LibraryWithoutTheRequirement_IsLeftAlone()
    {
        string app = Path.Combine(root, "app");
        string library = WriteLibrary(app, weak: false, version: "GLIBCXX_3.4.29");
        byte[] before = File.ReadAllBytes(library);

        LibTorchSharpPreparation result = LibTorchSharpLoader.Prepare(app, systemProvidesRequirement: false);

        Assert.AreEqual(LibTorchSharpPreparationOutcome.AlreadyPrepared, result.Outcome);
        StringAssert.Contains(result.Message, "does not require");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(library));
    }

    [TestMethod]
    public void NonElfFile_IsAClearError()
    {
        string app = Path.Combine(root, "app");
        Directory.CreateDirectory(Path.Combine(app, NativeFolder));
        File.WriteAllText(Path.Combine(app, NativeFolder, "libLibTorchSharp.so"), "#!/bin/sh\n");

        var e = Assert.ThrowsExactly<InvalidDataException>(() => LibTorchSharpLoader.Prepare(app, systemProvidesRequirement: false));
        StringAssert.Contains(e.Message, "libLibTorchSharp.so is not a little-endian ELF64 file");
    }

    [TestMethod]
    public void TruncatedElfFile_IsAClearError()
    {
        string library = WriteLibrary(Path.Combine(root, "app"), weak: false);
        byte[] elf = File.ReadAllBytes(library);
        File.WriteAllBytes(library, elf[..(elf.Length - 100)]);    // the section headers are at the end

        var e = Assert.ThrowsExactly<InvalidDataException>(() => LibTorchSharpLoader.Prepare(Path.Combine(root, "app"), systemProvidesRequirement: false));
        StringAssert.Contains(e.Message, "truncated or malformed");
    }

    [TestMethod]
    public void MissingLibraryOrFolder_IsAClearError()
    {
        string empty = Directory.CreateDirectory(Path.Combine(root, "empty")).FullName;
        var missingLibrary = Assert.ThrowsExactly<FileNotFoundException>(() => LibTorchSharpLoader.Prepare(empty, systemProvidesRequirement: false));
        StringAssert.Contains(missingLibrary.Message, "holds no libLibTorchSharp.so");

        Assert.ThrowsExactly<DirectoryNotFoundException>(() => LibTorchSharpLoader.PrepareForThisSystem(Path.Combine(root, "absent")));
        Assert.ThrowsExactly<ArgumentException>(() => LibTorchSharpLoader.PrepareForThisSystem(string.Empty));
    }

    [TestMethod]
    public void TheBuildTarget_PreparedThisProjectsOutput()
    {
        // buildTransitive/OrthoProj.TorchSharp.targets ran after this project's build, so the call in
        // LibTorchLoader found nothing left to do, on either kind of system.
        Assert.IsNotNull(LibTorchLoader.Preparation);
        Assert.AreNotEqual(LibTorchSharpPreparationOutcome.Patched, LibTorchLoader.Preparation.Outcome, LibTorchLoader.Report);
        Assert.AreEqual(
            LibTorchSharpLoader.SystemLibstdcxxProvidesRequirement() ? LibTorchSharpPreparationOutcome.NotNeeded : LibTorchSharpPreparationOutcome.AlreadyPrepared,
            LibTorchLoader.Preparation.Outcome,
            LibTorchLoader.Report);
    }

    [TestMethod]
    public void TorchSharpsOwnLibrary_OneFlagChanges_ThenNothing()
    {
        // The package's original (NuGet's cache, never written: the test works on a copy of it).
        string original = typeof(LibTorchSharpLoaderTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "TorchSharpNativeLibrary").Value!;
        if (!File.Exists(original))
        {
            Assert.Inconclusive($"TorchSharp's package library is not at {original}");
        }

        string app = Path.Combine(root, "app");
        Directory.CreateDirectory(Path.Combine(app, NativeFolder));
        string library = Path.Combine(app, NativeFolder, "libLibTorchSharp.so");
        File.Copy(original, library);
        byte[] before = File.ReadAllBytes(library);

        Assert.AreEqual(LibTorchSharpPreparationOutcome.Patched, LibTorchSharpLoader.Prepare(app, false).Outcome);
        byte[] after = File.ReadAllBytes(library);
        Assert.AreEqual(1, Enumerable.Range(0, before.Length).Count(i => before[i] != after[i]));
        Assert.AreEqual(LibTorchSharpPreparationOutcome.AlreadyPrepared, LibTorchSharpLoader.Prepare(app, false).Outcome);
        CollectionAssert.AreEqual(after, File.ReadAllBytes(library));
    }

    private static string WriteLibrary(string app, bool weak, string version = LibTorchSharpLoader.Requirement)
    {
        string folder = Path.Combine(app, NativeFolder);
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "libLibTorchSharp.so");
        File.WriteAllBytes(path, SyntheticElf.Build(version, weak));
        return path;
    }

    private static Dictionary<string, byte[]> Snapshot(string folder, string except) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(except + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .ToDictionary(f => f, File.ReadAllBytes);

    /// <summary>
    /// The smallest ELF64 the loader fix reads: a header, a string table, and a .gnu.version_r that asks
    /// libstdc++.so.6 for GLIBCXX_3.4.30 and for <c>version</c>, as TorchSharp 0.107.0's library does.
    /// </summary>
    private static class SyntheticElf
    {
        private const int Strings = 0x40, Verneed = 0x80, SectionHeaders = 0xC0;

        /// <summary>The second Vernaux entry's vna_flags (after the Verneed's 16 bytes and the first Vernaux's 16).</summary>
        public const int RequirementFlags = Verneed + 16 + 16 + 4;

        public static byte[] Build(string version, bool weak)
        {
            byte[] elf = new byte[SectionHeaders + (3 * 64)];
            Span<byte> s = elf;
            s[0] = 0x7f; s[1] = (byte)'E'; s[2] = (byte)'L'; s[3] = (byte)'F';
            s[4] = 2; s[5] = 1; s[6] = 1;                                          // ELF64, little-endian, version 1
            BinaryPrimitives.WriteUInt16LittleEndian(s[0x10..], 3);                // ET_DYN
            BinaryPrimitives.WriteUInt16LittleEndian(s[0x12..], 0x3E);             // x86-64
            BinaryPrimitives.WriteUInt32LittleEndian(s[0x14..], 1);
            BinaryPrimitives.WriteInt64LittleEndian(s[0x28..], SectionHeaders);    // e_shoff
            BinaryPrimitives.WriteUInt16LittleEndian(s[0x34..], 64);               // e_ehsize
            BinaryPrimitives.WriteUInt16LittleEndian(s[0x3A..], 64);               // e_shentsize
            BinaryPrimitives.WriteUInt16LittleEndian(s[0x3C..], 3);                // e_shnum

            const string names = "\0libstdc++.so.6\0GLIBCXX_3.4.30\0";
            byte[] table = Encoding.ASCII.GetBytes(names + version + "\0");
            table.CopyTo(s[Strings..]);
            int file = 1, older = names.IndexOf("GLIBCXX", StringComparison.Ordinal), wanted = names.Length;

            // Verneed: vn_version, vn_cnt = 2, vn_file, vn_aux = 16, vn_next = 0.
            BinaryPrimitives.WriteUInt16LittleEndian(s[Verneed..], 1);
            BinaryPrimitives.WriteUInt16LittleEndian(s[(Verneed + 2)..], 2);
            BinaryPrimitives.WriteUInt32LittleEndian(s[(Verneed + 4)..], (uint)file);
            BinaryPrimitives.WriteUInt32LittleEndian(s[(Verneed + 8)..], 16);
            // Vernaux: vna_hash, vna_flags, vna_other, vna_name, vna_next.
            WriteAux(s[(Verneed + 16)..], flags: 0, other: 2, name: older, next: 16);
            WriteAux(s[(Verneed + 32)..], flags: (ushort)(weak ? 2 : 0), other: 3, name: wanted, next: 0);

            // Section headers: [0] null, [1] the string table, [2] .gnu.version_r linked to [1].
            WriteSection(s[(SectionHeaders + 64)..], type: 3, offset: Strings, size: table.Length, link: 0);
            WriteSection(s[(SectionHeaders + 128)..], type: 0x6ffffffe, offset: Verneed, size: 48, link: 1);
            return elf;
        }

        private static void WriteAux(Span<byte> at, ushort flags, ushort other, int name, uint next)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(at[4..], flags);
            BinaryPrimitives.WriteUInt16LittleEndian(at[6..], other);
            BinaryPrimitives.WriteUInt32LittleEndian(at[8..], (uint)name);
            BinaryPrimitives.WriteUInt32LittleEndian(at[12..], next);
        }

        private static void WriteSection(Span<byte> at, uint type, long offset, long size, uint link)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(at[4..], type);
            BinaryPrimitives.WriteInt64LittleEndian(at[0x18..], offset);
            BinaryPrimitives.WriteInt64LittleEndian(at[0x20..], size);
            BinaryPrimitives.WriteUInt32LittleEndian(at[0x28..], link);
        }
    }
}
