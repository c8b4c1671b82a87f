using System.Text;
using System.Text.RegularExpressions;
using OrthoProj.Cuda.Kernels;
using OrthoProj.Native;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// The typed launch wrappers (<see cref="GeneralKernels"/>, <see cref="FusedKernels"/>) against the
/// kernels: every extern "C" kernel in cuda/*.cu has a wrapper with the same parameters (types and
/// names, in order), every wrapper's entries (float and double, each column tier) are in the module
/// NVRTC compiles, and arguments reach the driver as the kernel reads them. Nothing here needs a GPU.
/// </summary>
[TestClass]
public sealed partial class KernelWrapperTests
{
    [TestMethod]
    public void EverySourceKernel_HasAWrapper_WithItsParameters()
    {
        string[] files = RequireSources();
        var errors = new List<string>();
        var parsed = new List<SourceKernel>();
        var text = new StringBuilder();
        foreach (string path in files)
        {
            string source = File.ReadAllText(path);
            text.Append(source);
            parsed.AddRange(KernelSourceParser.Parse(Path.GetFileName(path), source, errors));
        }

        foreach (IGrouping<string, SourceKernel> file in parsed.GroupBy(k => k.File))
        {
            KernelUnit? unit = KernelUnit.All.SingleOrDefault(u => u.SourceFile == file.Key);
            if (unit is null)
            {
                errors.Add($"{file.Key} declares {string.Join(", ", file.Select(k => k.Name))} but no [KernelUnit(\"{file.Key}\")] wrapper class exists");
                continue;
            }

            foreach (SourceKernel kernel in file)
            {
                KernelEntry? entry = unit.Entries.SingleOrDefault(e => e.Name == kernel.Name);
                if (entry is null)
                {
                    errors.Add($"{file.Key}: kernel {kernel.Name} has no wrapper in {unit.WrapperType.Name}");
                    continue;
                }

                if (entry.Shape != kernel.Shape)
                {
                    errors.Add($"{kernel.Name}: the source instantiates it as {kernel.Shape}, the wrapper {entry.Wrapper.Name} says {entry.Shape}");
                }

                string expected = string.Join(", ", kernel.Parameters.Select(p => $"{p.Type} {p.Name}"));
                string actual = string.Join(", ", entry.Parameters.Select(p => $"{KernelSourceParser.Normalize(p.ParameterType)} {p.Name}"));
                if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"{kernel.Name}: source ({expected}){Environment.NewLine}    wrapper {entry.Wrapper.Name} ({actual})");
                }
            }

            foreach (KernelEntry entry in unit.Entries.Where(e => !file.Any(k => k.Name == e.Name)))
            {
                errors.Add($"{unit.WrapperType.Name}.{entry.Wrapper.Name} wraps {entry.Name}, which {file.Key} does not declare");
            }
        }

        foreach (KernelUnit unit in KernelUnit.All.Where(u => !parsed.Any(k => k.File == u.SourceFile)))
        {
            errors.Add($"{unit.WrapperType.Name} wraps {unit.SourceFile}, which declares no kernel in {string.Join(", ", files.Select(Path.GetFileName))}");
        }

        Assert.IsGreaterThanOrEqualTo(KernelUnit.All.Sum(u => u.Entries.Count), parsed.Count, "kernels read from the sources");
        Assert.AreEqual(0, errors.Count, string.Join(Environment.NewLine, errors));
        StringAssert.DoesNotMatch(text.ToString(), FastMathPattern(), "no fast-math intrinsics: results must match the CPU to rounding");
        Assert.IsFalse(KernelModule.CompileOptions.Any(o => o.Contains("fast", StringComparison.OrdinalIgnoreCase)), "no --use_fast_math");
    }

    [TestMethod]
    public void TheSourcesBesideTheTests_AreTheEmbeddedOnes()
    {
        string[] files = RequireSources();
        CollectionAssert.AreEquivalent(
            files.Select(Path.GetFileName).ToList(),
            KernelModule.SourceNames().Where(n => n.EndsWith(".cu", StringComparison.Ordinal)).ToList(),
            "the parsed files are the ones the library compiles");
        foreach (string path in files)
        {
            Assert.AreEqual(File.ReadAllText(path), KernelModule.ReadSource(Path.GetFileName(path)), Path.GetFileName(path));
        }
    }

    [TestMethod]
    public void Parser_ReportsWhatItCannotRead()
    {
        var errors = new List<string>();
        const string Source = """
            // extern "C" in a comment is not a kernel
            #define A_PARAMS(T) (const T* x, i64 stride, const int* rank, int count)
            OP_INSTANTIATE(alpha, A_PARAMS, (x, stride, rank, count))
            extern "C" __global__ void beta(unsigned long long base, long long s, unsigned long long* out) { }
            NEW_INSTANTIATE(gamma, A_PARAMS, (x))
            OP_INSTANTIATE(delta, MISSING_PARAMS, (x))
            template <typename T> __global__ void epsilon(T* x) { }
            """;
        List<SourceKernel> kernels = KernelSourceParser.Parse("test.cu", Source, errors);
        CollectionAssert.AreEqual(new[] { "alpha", "beta" }, kernels.Select(k => k.Name).ToArray());
        CollectionAssert.AreEqual(new[] { ("T*", "x"), ("i64", "stride"), ("int*", "rank"), ("int", "count") }, kernels[0].Parameters.ToArray());
        CollectionAssert.AreEqual(new[] { ("u64", "base"), ("i64", "s"), ("u64*", "out") }, kernels[1].Parameters.ToArray());
        Assert.AreEqual(3, errors.Count, string.Join(Environment.NewLine, errors));
        StringAssert.Contains(errors[0], "NEW_INSTANTIATE");
        StringAssert.Contains(errors[1], "MISSING_PARAMS");
        StringAssert.Contains(errors[2], "2 __global__");
    }

    [TestMethod]
    [DataRow(80)]
    [DataRow(90)]
    public void EveryWrapperEntry_IsInTheCompiledModule_ForFloatAndDouble(int architecture)
    {
        try
        {
            _ = NvrtcCompiler.NvrtcVersion;
        }
        catch (DllNotFoundException e)
        {
            Assert.Inconclusive("NVRTC is not installed: " + e.Message);
        }

        foreach (KernelUnit unit in KernelUnit.All)
        {
            CudaKernelImage image = KernelModule.Compile(new NvrtcCompiler(useCache: false), unit.SourceFile, architecture);
            Assert.AreEqual(CudaImageKind.Cubin, image.Kind, $"NVRTC {NvrtcCompiler.NvrtcVersion} should know sm_{architecture}");
            byte[] cubin = image.Image.ToArray();
            Assert.IsTrue(cubin.AsSpan().StartsWith("\u007fELF"u8), "a CUBIN is an ELF image");
            foreach (KernelEntry entry in unit.Entries)
            {
                string[] names = [.. entry.EntryNames];
                int expected = entry.Shape switch { KernelShape.Untyped => 1, KernelShape.Typed => 2, _ => 2 * KernelEntry.ColumnTiers.Length };
                Assert.HasCount(expected, names, $"{entry.Name}: one entry per element type (and tier)");
                if (entry.Shape != KernelShape.Untyped)
                {
                    Assert.AreEqual(names.Length / 2, names.Count(n => n.EndsWith("_f32", StringComparison.Ordinal)), $"{entry.Name}: float entries");
                    Assert.AreEqual(names.Length / 2, names.Count(n => n.EndsWith("_f64", StringComparison.Ordinal)), $"{entry.Name}: double entries");
                }

                foreach (string name in names)
                {
                    // extern "C": the lowered name is the name itself; the ELF string table holds each
                    // entry's symbol as a NUL-delimited string.
                    byte[] symbol = Encoding.ASCII.GetBytes("\0" + name + "\0");
                    Assert.IsGreaterThanOrEqualTo(0, cubin.AsSpan().IndexOf(symbol), $"{unit.SourceFile}: kernel {name} ({entry.Wrapper.Name}) missing from the sm_{architecture} CUBIN");
                }
            }
        }
    }

    [TestMethod]
    public void WrapperNames_AreUniquePerUnit_AndEveryUnitHasKernels()
    {
        // The launcher finds a kernel by its wrapper's method name: an overload would be ambiguous.
        foreach (KernelUnit unit in KernelUnit.All)
        {
            Assert.IsNotEmpty(unit.Entries, unit.SourceFile);
            var names = unit.Entries.Select(e => e.Wrapper.Name).ToList();
            CollectionAssert.AllItemsAreUnique(names, unit.SourceFile);
            CollectionAssert.AllItemsAreUnique(unit.Entries.Select(e => e.Name).ToList(), unit.SourceFile);
            Assert.AreEqual(unit.WrapperType.GetMethods().Count(m => m.IsStatic && m.DeclaringType == unit.WrapperType && m.Name != "get_Unit"), names.Count, $"{unit.WrapperType.Name}: every public method is a [CudaKernel] wrapper");
        }
    }

    [TestMethod]
    public void KernelArguments_AreTheBytesTheDriverReads()
    {
        Assert.AreEqual((long)(uint)BitConverter.SingleToInt32Bits(-1.5f), KernelArg.Element(-1.5f).Bits);
        Assert.AreEqual(KernelArgKind.Float32, KernelArg.Element(-1.5f).Kind);
        Assert.AreEqual(0L, KernelArg.Element(0.0f).Bits >> 32, "a float argument occupies the low four bytes only");
        Assert.AreEqual(BitConverter.DoubleToInt64Bits(-1.5), KernelArg.Element(-1.5).Bits);
        Assert.AreEqual(KernelArgKind.Float64, ((KernelArg)0.25).Kind);
        KernelArg minusOne = -1;
        Assert.AreEqual(0xFFFF_FFFFL, minusOne.Bits, "an int occupies the low four bytes only");
        Assert.AreEqual(KernelArgKind.Int32, minusOne.Kind);
        Assert.AreEqual(-1L, ((KernelArg)(-1L)).Bits);
        Assert.AreEqual(KernelArgKind.Int64, ((KernelArg)(-1L)).Kind);
        Assert.AreEqual(KernelArgKind.UInt64, ((KernelArg)ulong.MaxValue).Kind);
        KernelArg pointer = new DevicePtr<float>(unchecked((nint)0x7f00_1234_5600));
        Assert.AreEqual(0x7f00_1234_5600L, pointer.Bits);
        Assert.AreEqual(KernelArgKind.Pointer, pointer.Kind);
        Assert.ThrowsExactly<NotSupportedException>(() => KernelArg.Element((Half)1));
    }

    [TestMethod]
    public void ParameterKinds_FollowTheWrapperSignature()
    {
        KernelEntry scale = GeneralKernels.Unit.ByWrapper(nameof(GeneralKernels.ScaleStrided));
        CollectionAssert.AreEqual(
            new[] { KernelArgKind.Pointer, KernelArgKind.Int32, KernelArgKind.Int32, KernelArgKind.Int32, KernelArgKind.Int64, KernelArgKind.Element, KernelArgKind.Int32 },
            scale.Kinds);
        Assert.AreEqual("scale_strided_f64", scale.EntryName(f64: true, 0));
        KernelEntry pointers = GeneralKernels.Unit.ByWrapper(nameof(GeneralKernels.PointerArray));
        Assert.AreEqual("pointer_array", pointers.EntryName(f64: true, 0));
        Assert.ThrowsExactly<InvalidOperationException>(() => GeneralKernels.Unit.ByWrapper("NoSuchKernel"));
    }

    private static string[] RequireSources()
    {
        string[]? files = KernelSourceParser.SourcesBesideTheTests(out string folder);
        if (files is null)
        {
            Assert.Inconclusive($"No .cu files in {folder}: the kernel sources were not copied next to the tests (OrthoProj.Tests.csproj copies cuda/*.cu), so the wrappers cannot be checked against them.");
        }

        return files!;
    }

    [GeneratedRegex(@"__fmul_|__fdiv|__fdividef|__expf|__logf|__sinf|__cosf|__powf")]
    private static partial Regex FastMathPattern();
}
