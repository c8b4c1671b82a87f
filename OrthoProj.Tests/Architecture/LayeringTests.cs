using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace OrthoProj.Tests.Architecture;

/// <summary>
/// The layers, enforced on the compiled assemblies (docs/architecture.md, "Layers"): Core
/// (OrthoProj.Managed/Core/**) names no type of the CPU layer (Cpu/**) or the CUDA layer (Cuda/**);
/// Cpu and Cuda may name Core; OrthoProj.Native names no other OrthoProj assembly.
/// </summary>
/// <remarks>
/// A type's layer is the folder of its source files, read from OrthoProj.Managed's portable PDB (the
/// documents of its methods' sequence points, and the compiler's type-definition documents for types
/// without method bodies; a nested type with neither, e.g. a compiler-generated one, takes its
/// enclosing type's layer), because namespaces do not say it: <c>CpuBackend</c> and
/// <c>CudaBackend</c> are in the root namespace. A type in a namespace <c>OrthoProj.Cpu*</c> or
/// <c>OrthoProj.Cuda*</c> counts as Cpu or Cuda wherever it is declared. Every type declared in
/// Core is scanned in its metadata and IL: base type, interfaces, generic constraints, fields,
/// method, property and event signatures, locals, catch clauses, every token in the method
/// bodies (calls, field accesses, type tokens, with their declaring types, signatures and generic
/// instantiations), method implementations and custom attributes with their arguments.
/// Compiler-generated nested types (lambdas, iterators, async state machines) are scanned as part of
/// the file they come from.
/// </remarks>
[TestClass]
public sealed class LayeringTests
{
    [TestMethod]
    public void CoreNamesNoTypeOfCpuOrCuda()
    {
        using var layers = ManagedLayers.Open();
        List<string> violations = layers.CoreViolations();
        Assert.IsEmpty(violations, "Core (OrthoProj.Managed/Core) must not name a type of Cpu or Cuda; supply it through a Core abstraction or move it into Core:\n" + string.Join("\n", violations));
    }

    [TestMethod]
    public void LayerMap_PlacesTheBackendsAndTheCoreTypes()
    {
        // Guards the test above against passing because nothing was classified (no PDB, moved folders).
        using var layers = ManagedLayers.Open();
        Assert.AreEqual(Layer.Core, layers.LayerOf(typeof(Backend)));
        Assert.AreEqual(Layer.Core, layers.LayerOf(typeof(HostMatrixBatch<>)));
        Assert.AreEqual(Layer.Core, layers.LayerOf(typeof(Linalg)));
        Assert.AreEqual(Layer.Cpu, layers.LayerOf(typeof(CpuBackend)), "CpuBackend is in the root namespace; its file places it");
        Assert.AreEqual(Layer.Cuda, layers.LayerOf(typeof(CudaBackend)), "CudaBackend is in the root namespace; its file places it");
        Assert.IsGreaterThan(20, layers.CoreTypeCount, "Core types found");
        List<string> unplaced = layers.UnplacedTypes();
        Assert.IsEmpty(unplaced, "OrthoProj types with no source file under Core/, Cpu/ or Cuda/:\n" + string.Join("\n", unplaced));
    }

    [TestMethod]
    public void NativeReferencesNoOtherOrthoProjAssembly()
    {
        string native = Path.Combine(AppContext.BaseDirectory, "OrthoProj.Native.dll");
        List<string> references = OrthoProjReferences(native);
        Assert.IsEmpty(references, "OrthoProj.Native is the bottom layer and must not reference " + string.Join(", ", references));

        // The same reading finds the reference that does exist, Managed on Native.
        CollectionAssert.Contains(OrthoProjReferences(typeof(Backend).Assembly.Location), "OrthoProj.Native");
    }

    [TestMethod]
    public void DefaultHostBackend_IsTheCpuDefault_RegisteredByTheCpuLayer()
    {
        Assert.AreSame(CpuBackend.Default, HostBackendProvider.Default);
    }

    private static List<string> OrthoProjReferences(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        MetadataReader md = pe.GetMetadataReader();
        return md.AssemblyReferences
            .Select(h => md.GetString(md.GetAssemblyReference(h).Name))
            .Where(name => name.StartsWith("OrthoProj", StringComparison.Ordinal))
            .ToList();
    }

    internal enum Layer
    {
        None,
        Core,
        Cpu,
        Cuda,
    }

    /// <summary>OrthoProj.Managed's types placed in layers by their source files, and Core's references.</summary>
    private sealed class ManagedLayers : IDisposable
    {
        private static readonly Guid TypeDefinitionDocuments = new("932E74BC-DBA9-4478-8D46-0F32A7BAB3D3");
        private static readonly OpCode[] OneByte = new OpCode[256];
        private static readonly OpCode[] TwoByte = new OpCode[256];

        private readonly PEReader pe;
        private readonly MetadataReaderProvider pdbProvider;
        private readonly MetadataReader md;
        private readonly Module module;
        private readonly Dictionary<TypeDefinitionHandle, HashSet<Layer>> placed = [];
        private readonly Dictionary<TypeDefinitionHandle, string> files = [];

        static ManagedLayers()
        {
            foreach (FieldInfo field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                var op = (OpCode)field.GetValue(null)!;
                ushort value = unchecked((ushort)op.Value);
                if (op.Size == 1)
                {
                    OneByte[value] = op;
                }
                else
                {
                    TwoByte[value & 0xFF] = op;
                }
            }
        }

        private ManagedLayers(PEReader pe, MetadataReaderProvider pdbProvider, Module module)
        {
            this.pe = pe;
            this.pdbProvider = pdbProvider;
            this.module = module;
            md = pe.GetMetadataReader();
            MetadataReader pdb = pdbProvider.GetMetadataReader();
            foreach (MethodDebugInformationHandle h in pdb.MethodDebugInformation)
            {
                MethodDebugInformation info = pdb.GetMethodDebugInformation(h);
                TypeDefinitionHandle type = md.GetMethodDefinition(h.ToDefinitionHandle()).GetDeclaringType();
                if (!info.Document.IsNil)
                {
                    Place(type, pdb, info.Document);
                }

                foreach (SequencePoint point in info.GetSequencePoints())
                {
                    Place(type, pdb, point.Document);
                }
            }

            foreach (CustomDebugInformationHandle h in pdb.CustomDebugInformation)
            {
                CustomDebugInformation cdi = pdb.GetCustomDebugInformation(h);
                if (cdi.Parent.Kind != HandleKind.TypeDefinition || pdb.GetGuid(cdi.Kind) != TypeDefinitionDocuments)
                {
                    continue;
                }

                BlobReader blob = pdb.GetBlobReader(cdi.Value);
                while (blob.RemainingBytes > 0)
                {
                    Place((TypeDefinitionHandle)cdi.Parent, pdb, MetadataTokens.DocumentHandle(blob.ReadCompressedInteger()));
                }
            }
        }

        public int CoreTypeCount => md.TypeDefinitions.Count(t => LayerOf(t) == Layer.Core);

        public static ManagedLayers Open()
        {
            Assembly assembly = typeof(Backend).Assembly;
            var pe = new PEReader(File.OpenRead(assembly.Location));
            if (!pe.TryOpenAssociatedPortablePdb(assembly.Location, p => File.Exists(p) ? File.OpenRead(p) : null, out MetadataReaderProvider? pdb, out _) || pdb is null)
            {
                pe.Dispose();

                // A build always has it; the GPU check's published runner drops symbols (and runs only the CUDA tests).
                Assert.Inconclusive($"No portable PDB beside {assembly.Location} (published without symbols?): the layers are read from the source files it names.");
                throw new UnreachableException();
            }

            return new ManagedLayers(pe, pdb, assembly.ManifestModule);
        }

        public void Dispose()
        {
            pdbProvider.Dispose();
            pe.Dispose();
        }

        public Layer LayerOf(Type type) => LayerOf((TypeDefinitionHandle)MetadataTokens.EntityHandle(type.MetadataToken));

        /// <summary>
        /// The type's layer: the folder of its source files (a type in several layers counts as
        /// each, and <see cref="CoreViolations"/> reports it), else its enclosing type's; a
        /// namespace OrthoProj.Cpu* or OrthoProj.Cuda* makes it Cpu or Cuda.
        /// </summary>
        public Layer LayerOf(TypeDefinitionHandle handle)
        {
            Layer byNamespace = LayerOfNamespace(OutermostNamespace(handle));
            if (byNamespace != Layer.None)
            {
                return byNamespace;
            }

            for (TypeDefinitionHandle h = handle; !h.IsNil; h = md.GetTypeDefinition(h).GetDeclaringType())
            {
                if (placed.TryGetValue(h, out HashSet<Layer>? set))
                {
                    return set.Contains(Layer.Cpu) ? Layer.Cpu : set.Contains(Layer.Cuda) ? Layer.Cuda : set.Single();
                }
            }

            return Layer.None;
        }

        public List<string> UnplacedTypes() =>
            md.TypeDefinitions
                .Where(t => LayerOf(t) == Layer.None && OutermostNamespace(t).StartsWith("OrthoProj", StringComparison.Ordinal) && !md.GetString(md.GetTypeDefinition(t).Name).StartsWith('<'))
                .Select(Name)
                .ToList();

        public List<string> CoreViolations()
        {
            var violations = new List<string>();
            foreach (TypeDefinitionHandle type in md.TypeDefinitions)
            {
                if (!IsCore(type))
                {
                    continue;
                }

                if (placed.TryGetValue(type, out HashSet<Layer>? set) && set.Count > 1)
                {
                    violations.Add($"{Name(type)} ({SourceFile(type)}) is declared in {string.Join(" and ", set)}");
                }

                var references = new References(this);
                Scan(type, references);
                foreach ((EntityHandle target, string where) in references.Found)
                {
                    Layer layer = LayerOfReference(target);
                    if (layer is Layer.Cpu or Layer.Cuda)
                    {
                        violations.Add($"{Name(type)} ({SourceFile(type)}) names {layer} type {NameOf(target)} in {where}");
                    }
                }
            }

            return violations.Distinct().ToList();
        }

        private bool IsCore(TypeDefinitionHandle type)
        {
            for (TypeDefinitionHandle h = type; !h.IsNil; h = md.GetTypeDefinition(h).GetDeclaringType())
            {
                if (placed.TryGetValue(h, out HashSet<Layer>? set))
                {
                    return set.Contains(Layer.Core);
                }
            }

            return false;
        }

        private void Place(TypeDefinitionHandle type, MetadataReader pdb, DocumentHandle document)
        {
            string path = pdb.GetString(pdb.GetDocument(document).Name).Replace('\\', '/');
            const string Project = "/OrthoProj.Managed/";
            int at = path.LastIndexOf(Project, StringComparison.Ordinal);
            if (at < 0)
            {
                return;
            }

            string relative = path[(at + Project.Length)..];
            Layer layer = relative.Split('/')[0] switch
            {
                "Core" => Layer.Core,
                "Cpu" => Layer.Cpu,
                "Cuda" => Layer.Cuda,
                _ => Layer.None,
            };
            if (layer == Layer.None)
            {
                return;
            }

            if (!placed.TryGetValue(type, out HashSet<Layer>? set))
            {
                placed[type] = set = [];
                files[type] = relative;
            }

            set.Add(layer);
        }

        private string SourceFile(TypeDefinitionHandle type)
        {
            for (TypeDefinitionHandle h = type; !h.IsNil; h = md.GetTypeDefinition(h).GetDeclaringType())
            {
                if (files.TryGetValue(h, out string? file))
                {
                    return file;
                }
            }

            return "?";
        }

        private static Layer LayerOfNamespace(string ns) =>
            ns == "OrthoProj.Cpu" || ns.StartsWith("OrthoProj.Cpu.", StringComparison.Ordinal) ? Layer.Cpu
            : ns == "OrthoProj.Cuda" || ns.StartsWith("OrthoProj.Cuda.", StringComparison.Ordinal) ? Layer.Cuda
            : Layer.None;

        private string OutermostNamespace(TypeDefinitionHandle handle)
        {
            TypeDefinition type = md.GetTypeDefinition(handle);
            while (!type.GetDeclaringType().IsNil)
            {
                type = md.GetTypeDefinition(type.GetDeclaringType());
            }

            return md.GetString(type.Namespace);
        }

        /// <summary>A definition's layer from <see cref="LayerOf(TypeDefinitionHandle)"/>; another assembly's type's from its namespace.</summary>
        private Layer LayerOfReference(EntityHandle target)
        {
            if (target.Kind == HandleKind.TypeDefinition)
            {
                return LayerOf((TypeDefinitionHandle)target);
            }

            var reference = md.GetTypeReference((TypeReferenceHandle)target);
            while (reference.ResolutionScope.Kind == HandleKind.TypeReference)
            {
                reference = md.GetTypeReference((TypeReferenceHandle)reference.ResolutionScope);
            }

            return LayerOfNamespace(md.GetString(reference.Namespace));
        }

        private string Name(TypeDefinitionHandle handle)
        {
            TypeDefinition type = md.GetTypeDefinition(handle);
            string name = md.GetString(type.Name);
            return type.GetDeclaringType().IsNil
                ? (type.Namespace.IsNil ? name : md.GetString(type.Namespace) + "." + name)
                : Name(type.GetDeclaringType()) + "+" + name;
        }

        private string NameOf(EntityHandle target)
        {
            if (target.Kind == HandleKind.TypeDefinition)
            {
                return Name((TypeDefinitionHandle)target);
            }

            TypeReference reference = md.GetTypeReference((TypeReferenceHandle)target);
            return md.GetString(reference.Namespace) + "." + md.GetString(reference.Name);
        }

        private void Scan(TypeDefinitionHandle handle, References refs)
        {
            TypeDefinition type = md.GetTypeDefinition(handle);
            refs.Where = "its declaration";
            refs.Entity(type.BaseType);
            foreach (InterfaceImplementationHandle i in type.GetInterfaceImplementations())
            {
                InterfaceImplementation implementation = md.GetInterfaceImplementation(i);
                refs.Entity(implementation.Interface);
                refs.Attributes(implementation.GetCustomAttributes());
            }

            refs.GenericParameters(type.GetGenericParameters());
            refs.Attributes(type.GetCustomAttributes());
            foreach (MethodImplementationHandle i in type.GetMethodImplementations())
            {
                MethodImplementation implementation = md.GetMethodImplementation(i);
                refs.Entity(implementation.MethodBody);
                refs.Entity(implementation.MethodDeclaration);
            }

            foreach (FieldDefinitionHandle f in type.GetFields())
            {
                FieldDefinition field = md.GetFieldDefinition(f);
                refs.Where = "field " + md.GetString(field.Name);
                field.DecodeSignature(refs, null);
                refs.Attributes(field.GetCustomAttributes());
            }

            foreach (PropertyDefinitionHandle p in type.GetProperties())
            {
                PropertyDefinition property = md.GetPropertyDefinition(p);
                refs.Where = "property " + md.GetString(property.Name);
                property.DecodeSignature(refs, null);
                refs.Attributes(property.GetCustomAttributes());
            }

            foreach (EventDefinitionHandle e in type.GetEvents())
            {
                EventDefinition @event = md.GetEventDefinition(e);
                refs.Where = "event " + md.GetString(@event.Name);
                refs.Entity(@event.Type);
                refs.Attributes(@event.GetCustomAttributes());
            }

            foreach (MethodDefinitionHandle m in type.GetMethods())
            {
                MethodDefinition method = md.GetMethodDefinition(m);
                refs.Where = "method " + md.GetString(method.Name);
                method.DecodeSignature(refs, null);
                refs.GenericParameters(method.GetGenericParameters());
                refs.Attributes(method.GetCustomAttributes());
                foreach (ParameterHandle p in method.GetParameters())
                {
                    refs.Attributes(md.GetParameter(p).GetCustomAttributes());
                }

                if (method.RelativeVirtualAddress != 0)
                {
                    ScanBody(pe.GetMethodBody(method.RelativeVirtualAddress), refs);
                }
            }
        }

        private void ScanBody(MethodBodyBlock body, References refs)
        {
            if (!body.LocalSignature.IsNil)
            {
                refs.Entity(body.LocalSignature);
            }

            foreach (ExceptionRegion region in body.ExceptionRegions)
            {
                if (!region.CatchType.IsNil)
                {
                    refs.Entity(region.CatchType);
                }
            }

            BlobReader il = body.GetILReader();
            while (il.RemainingBytes > 0)
            {
                byte first = il.ReadByte();
                OpCode op = first == 0xFE ? TwoByte[il.ReadByte()] : OneByte[first];
                switch (op.OperandType)
                {
                    case OperandType.InlineNone:
                        break;
                    case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                        il.Offset += 1;
                        break;
                    case OperandType.InlineVar:
                        il.Offset += 2;
                        break;
                    case OperandType.InlineI8 or OperandType.InlineR:
                        il.Offset += 8;
                        break;
                    case OperandType.InlineSwitch:
                        il.Offset += 4 * il.ReadInt32();
                        break;
                    case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineSig or OperandType.InlineTok or OperandType.InlineType:
                        refs.Entity(MetadataTokens.EntityHandle(il.ReadInt32()));
                        break;
                    default:
                        // InlineBrTarget, InlineI, InlineString, ShortInlineR.
                        il.Offset += 4;
                        break;
                }
            }
        }

        /// <summary>
        /// Collects the type definitions and references a member names, through signatures, members,
        /// instantiations and attribute arguments. Types decode to boxed handles (or, for an
        /// attribute's serialized type names, reflection types), everything else to null.
        /// </summary>
        private sealed class References(ManagedLayers owner) : ISignatureTypeProvider<object?, object?>, ICustomAttributeTypeProvider<object?>
        {
            private readonly MetadataReader md = owner.md;
            private readonly HashSet<EntityHandle> decoded = [];

            public List<(EntityHandle Type, string Where)> Found { get; } = [];

            public string Where { get; set; } = "";

            public void Entity(EntityHandle handle)
            {
                if (handle.IsNil)
                {
                    return;
                }

                switch (handle.Kind)
                {
                    case HandleKind.TypeDefinition:
                        Found.Add((handle, Where));
                        break;
                    case HandleKind.TypeReference:
                        Found.Add((handle, Where));
                        Entity(md.GetTypeReference((TypeReferenceHandle)handle).ResolutionScope is { Kind: HandleKind.TypeReference } scope ? scope : default);
                        break;
                    case HandleKind.TypeSpecification:
                        if (decoded.Add(handle))
                        {
                            md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null);
                        }

                        break;
                    case HandleKind.MethodDefinition:
                        MethodDefinition method = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                        Entity(method.GetDeclaringType());
                        method.DecodeSignature(this, null);
                        break;
                    case HandleKind.FieldDefinition:
                        FieldDefinition field = md.GetFieldDefinition((FieldDefinitionHandle)handle);
                        Entity(field.GetDeclaringType());
                        field.DecodeSignature(this, null);
                        break;
                    case HandleKind.MemberReference:
                        MemberReference member = md.GetMemberReference((MemberReferenceHandle)handle);
                        Entity(member.Parent);
                        if (member.GetKind() == MemberReferenceKind.Method)
                        {
                            member.DecodeMethodSignature(this, null);
                        }
                        else
                        {
                            member.DecodeFieldSignature(this, null);
                        }

                        break;
                    case HandleKind.MethodSpecification:
                        MethodSpecification specification = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                        Entity(specification.Method);
                        specification.DecodeSignature(this, null);
                        break;
                    case HandleKind.StandaloneSignature:
                        StandaloneSignature signature = md.GetStandaloneSignature((StandaloneSignatureHandle)handle);
                        if (signature.GetKind() == StandaloneSignatureKind.LocalVariables)
                        {
                            signature.DecodeLocalSignature(this, null);
                        }
                        else
                        {
                            signature.DecodeMethodSignature(this, null);
                        }

                        break;
                    case HandleKind.ModuleReference or HandleKind.ModuleDefinition or HandleKind.AssemblyReference:
                        break;
                    default:
                        throw new InvalidOperationException($"Unexpected metadata entity {handle.Kind} in {Where}: extend the layering test.");
                }
            }

            public void GenericParameters(GenericParameterHandleCollection parameters)
            {
                foreach (GenericParameterHandle p in parameters)
                {
                    GenericParameter parameter = md.GetGenericParameter(p);
                    Attributes(parameter.GetCustomAttributes());
                    foreach (GenericParameterConstraintHandle c in parameter.GetConstraints())
                    {
                        GenericParameterConstraint constraint = md.GetGenericParameterConstraint(c);
                        Entity(constraint.Type);
                        Attributes(constraint.GetCustomAttributes());
                    }
                }
            }

            public void Attributes(CustomAttributeHandleCollection attributes)
            {
                foreach (CustomAttributeHandle a in attributes)
                {
                    CustomAttribute attribute = md.GetCustomAttribute(a);
                    Entity(attribute.Constructor);
                    CustomAttributeValue<object?> value = attribute.DecodeValue(this);
                    foreach (CustomAttributeTypedArgument<object?> argument in value.FixedArguments)
                    {
                        Argument(argument);
                    }

                    foreach (CustomAttributeNamedArgument<object?> argument in value.NamedArguments)
                    {
                        Argument(new CustomAttributeTypedArgument<object?>(argument.Type, argument.Value));
                    }
                }
            }

            // typeof(X) in an attribute: the argument's value is X's serialized name.
            private void Argument(CustomAttributeTypedArgument<object?> argument)
            {
                if (argument.Value is ImmutableArray<CustomAttributeTypedArgument<object?>> elements)
                {
                    foreach (CustomAttributeTypedArgument<object?> element in elements)
                    {
                        Argument(element);
                    }
                }
                else if (IsSystemType(argument.Type) && argument.Value is string name)
                {
                    GetTypeFromSerializedName(name);
                }
            }

            private Type Resolve(object? type) => type switch
            {
                Type t => t,
                EntityHandle h => owner.module.ResolveType(MetadataTokens.GetToken(h)),
                _ => throw new InvalidOperationException($"An attribute argument's type in {Where} is not a named type."),
            };

            public object? GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
            {
                Entity(handle);
                return (EntityHandle)handle;
            }

            public object? GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
            {
                Entity(handle);
                return (EntityHandle)handle;
            }

            public object? GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind)
            {
                Entity(handle);
                return null;
            }

            public object? GetTypeFromSerializedName(string name)
            {
                Type type = Type.GetType(name, throwOnError: false) ?? owner.module.Assembly.GetType(name, throwOnError: true)!;
                if (type.Module == owner.module)
                {
                    Found.Add((MetadataTokens.EntityHandle(type.MetadataToken), Where + " (a type named in an attribute)"));
                }
                else if (LayerOfNamespace(type.Namespace ?? "") != Layer.None)
                {
                    throw new InvalidOperationException($"{Where} names {type} of another assembly in an attribute: extend the layering test.");
                }

                return type;
            }

            public bool IsSystemType(object? type) => type switch
            {
                Type t => t == typeof(Type),
                EntityHandle { Kind: HandleKind.TypeReference } h => md.GetTypeReference((TypeReferenceHandle)h) is var r
                    && md.GetString(r.Namespace) == "System" && md.GetString(r.Name) == "Type",
                _ => false,
            };

            public PrimitiveTypeCode GetUnderlyingEnumType(object? type) => Type.GetTypeCode(Enum.GetUnderlyingType(Resolve(type))) switch
            {
                TypeCode.SByte => PrimitiveTypeCode.SByte,
                TypeCode.Byte => PrimitiveTypeCode.Byte,
                TypeCode.Int16 => PrimitiveTypeCode.Int16,
                TypeCode.UInt16 => PrimitiveTypeCode.UInt16,
                TypeCode.Int32 => PrimitiveTypeCode.Int32,
                TypeCode.UInt32 => PrimitiveTypeCode.UInt32,
                TypeCode.Int64 => PrimitiveTypeCode.Int64,
                TypeCode.UInt64 => PrimitiveTypeCode.UInt64,
                TypeCode code => throw new InvalidOperationException($"Enum of {code} in an attribute of {Where}."),
            };

            public object? GetSystemType() => typeof(Type);

            public object? GetModifiedType(object? modifier, object? unmodifiedType, bool isRequired) => null;

            public object? GetPinnedType(object? elementType) => null;

            public object? GetArrayType(object? elementType, ArrayShape shape) => null;

            public object? GetByReferenceType(object? elementType) => null;

            public object? GetPointerType(object? elementType) => null;

            public object? GetSZArrayType(object? elementType) => null;

            public object? GetFunctionPointerType(MethodSignature<object?> signature) => null;

            public object? GetGenericInstantiation(object? genericType, ImmutableArray<object?> typeArguments) => null;

            public object? GetGenericMethodParameter(object? genericContext, int index) => null;

            public object? GetGenericTypeParameter(object? genericContext, int index) => null;

            public object? GetPrimitiveType(PrimitiveTypeCode typeCode) => null;
        }
    }
}
