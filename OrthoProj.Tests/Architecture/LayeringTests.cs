using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace OrthoProj.Tests.Architecture;

/// <summary>
/// The layers, enforced on the compiled assemblies (docs/architecture.md, "Layers"): Core
/// (OrthoProj.Managed/Core/**) names no type of the CPU layer (Cpu/**) or the CUDA layer (Cuda/**);
/// Cpu and Cuda may name Core; OrthoProj.Native names no other OrthoProj assembly.
/// </summary>
/// <remarks>
/// Checked on the compiled assemblies, not the sources, so that no spelling of a dependency escapes:
/// <see cref="ManagedLayers"/> places each type in a layer by its source files (namespaces do not say
/// it), and <see cref="TypeReferenceScanner"/> collects every type a Core type names in its metadata
/// and IL.
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
}
