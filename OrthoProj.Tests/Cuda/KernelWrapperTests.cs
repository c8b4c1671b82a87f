using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using OrthoProj.Cuda.Kernels;
using OrthoProj.Native;

namespace OrthoProj.Tests.Cuda;

/// <summary>
/// The typed kernel handles (<see cref="GeneralKernels"/>, <see cref="FusedKernels{T}"/>) and
/// parameter structs (Cuda/Kernels/GeneralKernelParams.cs, FusedKernelParams.cs) against the kernels: every kernel in cuda/*.cu
/// has a handle of its shape over its parameter struct; every struct of cuda/kernel_params.cuh
/// has a C# mirror with the same fields (names, order, types) at the same offsets and size under
/// C's layout rules; every kernel's _impl takes its struct's fields in order; every handle's
/// entries (float and double, each column tier) are in the module NVRTC compiles. Nothing here
/// needs a GPU.
/// </summary>
[TestClass]
public sealed partial class KernelWrapperTests
{
    [TestMethod]
    public void EverySourceKernel_HasAHandle_OverItsParameterStruct()
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

        Dictionary<string, SourceStruct> structs = KernelSourceParser.ParseStructs(KernelModule.ReadSource("kernel_params.cuh"), errors).ToDictionary(x => x.Name);
        foreach (IGrouping<string, SourceKernel> file in parsed.GroupBy(k => k.File))
        {
            KernelUnit? unit = KernelUnit.All.SingleOrDefault(u => u.SourceFile == file.Key);
            if (unit is null)
            {
                errors.Add($"{file.Key} declares {string.Join(", ", file.Select(k => k.Name))} but no KernelUnit(\"{file.Key}\") exists");
                continue;
            }

            foreach (SourceKernel kernel in file)
            {
                KernelHandle[] handles = [.. unit.Handles.Where(h => h.Name == kernel.Name)];
                int expectedHandles = kernel.ElementForms;
                if (handles.Length != expectedHandles)
                {
                    errors.Add($"{file.Key}: kernel {kernel.Name} has {handles.Length} handles; expected {expectedHandles} (one per element type)");
                    continue;
                }

                foreach (KernelHandle handle in handles)
                {
                    KernelShape shape = handle.Shape == KernelShape.TypedBlockPerItem ? KernelShape.Typed : handle.Shape;
                    if (shape != kernel.Shape)
                    {
                        errors.Add($"{kernel.Name}: the source instantiates it as {kernel.Shape}, the handle says {handle.Shape}");
                    }

                    string structName = handle.Parameters.Name.Split('`')[0];
                    if (structName != kernel.Struct)
                    {
                        errors.Add($"{kernel.Name}: the source passes {kernel.Struct}, the handle takes {handle.Parameters.Name}");
                    }
                }

                if (structs.TryGetValue(kernel.Struct, out SourceStruct? declared))
                {
                    string fields = string.Join(", ", declared.Fields.Select(f => f.Type));
                    string impl = string.Join(", ", kernel.Impl.Select(f => f.Type));
                    if (fields != impl)
                    {
                        errors.Add($"{kernel.Name}: {kernel.Struct} has ({fields}){Environment.NewLine}    but {kernel.Name}_impl takes ({impl})");
                    }
                }
                else
                {
                    errors.Add($"{kernel.Name}: {kernel.Struct} is not in kernel_params.cuh");
                }
            }

            foreach (KernelHandle handle in unit.Handles.Where(h => !file.Any(k => k.Name == h.Name)))
            {
                errors.Add($"handle {handle.Name} ({handle.Parameters.Name}) names a kernel that {file.Key} does not declare");
            }
        }

        foreach (KernelUnit unit in KernelUnit.All.Where(u => !parsed.Any(k => k.File == u.SourceFile)))
        {
            errors.Add($"{unit.SourceFile} declares no kernel in {string.Join(", ", files.Select(Path.GetFileName))}");
        }

        Assert.AreEqual(KernelUnit.All.Sum(u => u.Handles.Count), parsed.Sum(k => k.ElementForms), "handles against the kernels read from the sources");
        Assert.AreEqual(0, errors.Count, string.Join(Environment.NewLine, errors));
        StringAssert.DoesNotMatch(text.ToString(), FastMathPattern(), "no fast-math intrinsics: results must match the CPU to rounding");
        Assert.IsFalse(KernelModule.CompileOptions.Any(o => o.Contains("fast", StringComparison.OrdinalIgnoreCase)), "no --use_fast_math");
    }

    [TestMethod]
    public void EveryParameterStruct_MatchesTheHeader_FieldsTypesOffsetsAndSize()
    {
        var errors = new List<string>();
        List<SourceStruct> structs = KernelSourceParser.ParseStructs(KernelModule.ReadSource("kernel_params.cuh"), errors);
        Assert.IsNotEmpty(structs, "kernel_params.cuh declares structs");
        Type[] mirrors = [.. typeof(KernelHandle).Assembly.GetTypes().Where(t => t.Namespace == typeof(KernelHandle).Namespace && t.IsValueType && t.Name.Split('`')[0].EndsWith("Params", StringComparison.Ordinal))];
        CollectionAssert.AreEquivalent(structs.Select(x => x.Name).ToList(), mirrors.Select(t => t.Name.Split('`')[0]).ToList(), "one C# struct per struct of kernel_params.cuh");
        foreach (SourceStruct declared in structs)
        {
            Type open = mirrors.Single(t => t.Name.Split('`')[0] == declared.Name);
            bool typed = open.IsGenericTypeDefinition;
            foreach (Type? element in typed ? new[] { typeof(float), typeof(double) } : new Type?[] { null })
            {
                Type closed = element is null ? open : open.MakeGenericType(element);
                CheckLayout(declared, closed, element, errors);
            }
        }

        Assert.AreEqual(0, errors.Count, string.Join(Environment.NewLine, errors));
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
            template <typename T> __device__ void alpha_impl(const T* x, i64 stride, const int* rank, int count) { }
            OP_INSTANTIATE(alpha, AlphaParams)
            __device__ void beta_impl(unsigned long long base, long long s, unsigned long long* out) { }
            OP_INSTANTIATE_UNTYPED(beta, BetaParams)
            NEW_INSTANTIATE(gamma, AlphaParams)
            OP_INSTANTIATE(delta, AlphaParams)
            template <typename T> __global__ void epsilon(T* x) { }
            """;
        List<SourceKernel> kernels = KernelSourceParser.Parse("test.cu", Source, errors);
        CollectionAssert.AreEqual(new[] { "alpha", "beta", "delta" }, kernels.Select(k => k.Name).ToArray());
        CollectionAssert.AreEqual(new[] { ("T*", "x"), ("i64", "stride"), ("int*", "rank"), ("int", "count") }, kernels[0].Impl.ToArray());
        CollectionAssert.AreEqual(new[] { ("u64", "base"), ("i64", "s"), ("u64*", "out") }, kernels[1].Impl.ToArray());
        Assert.AreEqual(KernelShape.Untyped, kernels[1].Shape);
        Assert.AreEqual(3, errors.Count, string.Join(Environment.NewLine, errors));
        StringAssert.Contains(errors[0], "NEW_INSTANTIATE");
        StringAssert.Contains(errors[1], "delta_impl");
        StringAssert.Contains(errors[2], "1 __global__");

        var structErrors = new List<string>();
        List<SourceStruct> structs = KernelSourceParser.ParseStructs(
            """
            #define AlphaParams_FIELDS(T, F) F(const T*, x) F(i64, stride) F(unsigned long long*, out)
            OP_DECLARE_PARAMS(AlphaParams)
            #define LostParams_FIELDS(T, F) F(int, n)
            """,
            structErrors);
        CollectionAssert.AreEqual(new[] { ("T*", "x"), ("i64", "stride"), ("u64*", "out") }, structs[0].Fields.ToArray());
        Assert.HasCount(1, structErrors, string.Join(Environment.NewLine, structErrors));
        StringAssert.Contains(structErrors[0], "LostParams");
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
            foreach (IGrouping<string, KernelHandle> kernel in unit.Handles.GroupBy(h => h.Name))
            {
                string[] names = [.. kernel.SelectMany(h => h.EntryNames)];
                KernelShape shape = kernel.First().Shape;
                int forms = kernel.Count();   // one handle per element type: 2 real, 4 with the complex forms
                int expected = shape switch { KernelShape.Untyped => 1, KernelShape.WarpPerMatrix => 2 * KernelHandle.ColumnTiers.Length, _ => forms };
                Assert.HasCount(expected, names, $"{kernel.Key}: one entry per element type (and tier)");
                CollectionAssert.AllItemsAreUnique(names, kernel.Key);
                if (shape != KernelShape.Untyped)
                {
                    int perType = shape == KernelShape.WarpPerMatrix ? KernelHandle.ColumnTiers.Length : 1;
                    Assert.AreEqual(perType, names.Count(n => n.EndsWith("_f32", StringComparison.Ordinal)), $"{kernel.Key}: float entries");
                    Assert.AreEqual(perType, names.Count(n => n.EndsWith("_f64", StringComparison.Ordinal)), $"{kernel.Key}: double entries");
                    Assert.AreEqual(forms == 4 ? 1 : 0, names.Count(n => n.EndsWith("_c64", StringComparison.Ordinal)), $"{kernel.Key}: complex64 entries");
                    Assert.AreEqual(forms == 4 ? 1 : 0, names.Count(n => n.EndsWith("_c128", StringComparison.Ordinal)), $"{kernel.Key}: complex128 entries");
                }

                foreach (string name in names)
                {
                    // extern "C": the lowered name is the name itself; the ELF string table holds each
                    // entry's symbol as a NUL-delimited string.
                    byte[] symbol = Encoding.ASCII.GetBytes("\0" + name + "\0");
                    Assert.IsGreaterThanOrEqualTo(0, cubin.AsSpan().IndexOf(symbol), $"{unit.SourceFile}: kernel {name} missing from the sm_{architecture} CUBIN");
                }
            }
        }
    }

    [TestMethod]
    public void Handles_SelectTheirEntries_AndWarpLaunchesAreCheckedBeforehand()
    {
        Assert.AreEqual("scale_strided_f64", GeneralKernels.Handles<double>.ScaleStrided.EntryName);
        Assert.AreEqual("scale_strided_f32", GeneralKernels.Handles<float>.ScaleStrided.EntryName);
        Assert.AreEqual(KernelShape.TypedBlockPerItem, GeneralKernels.RealHandles<float>.MaxExponent.Shape);
        Assert.AreEqual("scale_strided_c64", GeneralKernels.Handles<Complex64>.ScaleStrided.EntryName);
        Assert.AreEqual("adjoint_c128", GeneralKernels.Handles<System.Numerics.Complex>.Adjoint.EntryName);
        Assert.AreEqual("pointer_array", GeneralKernels.PointerArrayKernel.EntryName);
        Assert.AreEqual("fused_project_backward_n16_f32", FusedKernels<float>.ProjectBackward.EntryName(16));
        Assert.AreEqual("fused_qr_factor_n32_f64", FusedKernels<double>.QrFactor.EntryName(17));
        Assert.IsNull(KernelLauncher.WarpCannotImplement(64, 32, 0));
        Assert.IsNull(KernelLauncher.WarpCannotImplement(1, 1, 5));
        Assert.IsNotNull(KernelLauncher.WarpCannotImplement(65, 32, 1), "m > 64");
        Assert.IsNotNull(KernelLauncher.WarpCannotImplement(64, 33, 1), "n > 32");
        Assert.IsNotNull(KernelLauncher.WarpCannotImplement(3, 4, 1), "n > m");
        Assert.IsNotNull(KernelLauncher.WarpCannotImplement(3, 0, 1), "n = 0");
        Assert.ThrowsExactly<InvalidOperationException>(() => new WarpKernel<FusedForwardParams<Half>>("fused_project"), "a typed kernel over neither float nor double");
        foreach (KernelUnit unit in KernelUnit.All)
        {
            Assert.IsNotEmpty(unit.Handles, unit.SourceFile);
            CollectionAssert.AllItemsAreUnique(unit.Handles.SelectMany(h => h.EntryNames).ToList(), unit.SourceFile);
        }
    }

    // The C layout of the header's fields (natural alignment, as nvcc and the host compilers lay
    // out these structs) against the C# struct's: names, order, types, offsets, size.
    private static void CheckLayout(SourceStruct declared, Type closed, Type? element, List<string> errors)
    {
        FieldInfo[] fields = [.. closed.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).OrderBy(f => f.MetadataToken)];
        string where = closed.Name.Split('`')[0] + (element is null ? string.Empty : $"<{element.Name}>");
        if (fields.Length != declared.Fields.Count)
        {
            errors.Add($"{where}: {fields.Length} fields in C#, {declared.Fields.Count} in kernel_params.cuh");
            return;
        }

        int offset = 0, align = 1, elementSize = element == typeof(double) ? 8 : 4;
        for (int i = 0; i < fields.Length; i++)
        {
            (string type, string name) = declared.Fields[i];
            int size = type == "T" ? elementSize : type is "int" ? 4 : 8;
            offset = (offset + size - 1) / size * size;
            align = Math.Max(align, size);
            Type declaredType = closed.IsGenericType ? closed.GetGenericTypeDefinition().GetField(fields[i].Name)!.FieldType : fields[i].FieldType;
            string csType = KernelSourceParser.Normalize(declaredType);
            if (!string.Equals(fields[i].Name, name.Replace("_", string.Empty, StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase) || csType != type)
            {
                errors.Add($"{where} field {i}: C# {csType} {fields[i].Name}, kernel_params.cuh {type} {name}");
            }

            (int csOffset, int csSize) = FieldBytes(closed, fields[i]);
            if (csOffset != offset || csSize != size)
            {
                errors.Add($"{where}.{fields[i].Name}: C# bytes [{csOffset}, +{csSize}), C [{offset}, +{size})");
            }

            offset += size;
        }

        int total = (offset + align - 1) / align * align;
        int csTotal = (int)typeof(KernelWrapperTests).GetMethod(nameof(SizeOf), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(closed).Invoke(null, null)!;
        if (csTotal != total)
        {
            errors.Add($"{where}: sizeof {csTotal} in C#, {total} in C");
        }
    }

    // Where a field's bytes lie in the struct: set to all ones in a zeroed instance, then found.
    private static (int Offset, int Size) FieldBytes(Type closed, FieldInfo field)
    {
        object instance = Activator.CreateInstance(closed)!;
        // Each branch boxed as its own type (a conditional over numbers would widen them all to double).
        object ones = field.FieldType.IsGenericType
            ? Activator.CreateInstance(field.FieldType, (nint)(-1))!
            : field.FieldType == typeof(int) ? (object)(-1)
            : field.FieldType == typeof(long) ? (object)(-1L)
            : field.FieldType == typeof(ulong) ? (object)ulong.MaxValue
            : field.FieldType == typeof(double) ? (object)BitConverter.Int64BitsToDouble(-1L)
            : field.FieldType == typeof(float) ? (object)BitConverter.Int32BitsToSingle(-1)
            : throw new InvalidOperationException($"no all-ones value for {field.FieldType}");
        field.SetValue(instance, ones);
        byte[] bytes = (byte[])typeof(KernelWrapperTests).GetMethod(nameof(BytesOf), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(closed).Invoke(null, [instance])!;
        int first = Array.IndexOf(bytes, (byte)0xFF), last = Array.LastIndexOf(bytes, (byte)0xFF);
        return (first, last - first + 1);
    }

    private static int SizeOf<TStruct>()
        where TStruct : unmanaged => Unsafe.SizeOf<TStruct>();

    private static byte[] BytesOf<TStruct>(object boxed)
        where TStruct : unmanaged
    {
        TStruct value = (TStruct)boxed;
        return MemoryMarshal.AsBytes(new ReadOnlySpan<TStruct>(ref value)).ToArray();
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
