using System.Diagnostics;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace OrthoProj.Tests.Architecture;

/// <summary>A layer of OrthoProj.Managed (docs/architecture.md, "Layers"); None for a type in none.</summary>
internal enum Layer
{
    None,
    Core,
    Cpu,
    Cuda,
}

/// <summary>OrthoProj.Managed's types placed in layers by their source files, and Core's references.</summary>
/// <remarks>
/// A type's layer is the folder of its source files, read from OrthoProj.Managed's portable PDB (the
/// documents of its methods' sequence points, and the compiler's type-definition documents for types
/// without method bodies; a nested type with neither, e.g. a compiler-generated one, takes its
/// enclosing type's layer), because namespaces do not say it: <c>CpuBackend</c> and
/// <c>CudaBackend</c> are in the root namespace. A type in a namespace <c>OrthoProj.Cpu*</c> or
/// <c>OrthoProj.Cuda*</c> counts as Cpu or Cuda wherever it is declared. Compiler-generated nested
/// types (lambdas, iterators, async state machines) are checked as part of the file they come from.
/// </remarks>
internal sealed class ManagedLayers : IDisposable
{
    private static readonly Guid TypeDefinitionDocuments = new("932E74BC-DBA9-4478-8D46-0F32A7BAB3D3");

    private readonly PEReader pe;
    private readonly MetadataReaderProvider pdbProvider;
    private readonly MetadataReader md;
    private readonly Module module;
    private readonly Dictionary<TypeDefinitionHandle, HashSet<Layer>> placed = [];
    private readonly Dictionary<TypeDefinitionHandle, string> files = [];

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

            foreach ((EntityHandle target, string where) in TypeReferenceScanner.Scan(pe, md, module, type))
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

    /// <summary>Cpu or Cuda for a namespace OrthoProj.Cpu* or OrthoProj.Cuda*, else None.</summary>
    public static Layer LayerOfNamespace(string ns) =>
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
}
