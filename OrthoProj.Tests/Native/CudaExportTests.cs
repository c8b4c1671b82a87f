using System.Reflection;
using System.Runtime.InteropServices;
using OrthoProj.Native;

namespace OrthoProj.Tests.Native;

/// <summary>
/// Every symbol the bindings import must exist in the libraries of the pinned CUDA major. This
/// catches misspelled names and _v2 mistakes without a GPU: cuBLAS, cuSOLVER and NVRTC are
/// plain shared libraries that load anywhere (Debian's CUDA 11.8 packages on CI).
/// </summary>
[TestClass]
public sealed class CudaExportTests
{
    private static readonly HashSet<string> CudaLibraryNames = [Libraries.CudaDriver, Libraries.Cublas, Libraries.Cusolver, Libraries.Nvrtc];

    [TestMethod]
    public void ExportTableListsEveryLibraryImport()
    {
        var bound = new HashSet<(string, string)>();
        foreach (Type type in typeof(CudaExports).Assembly.GetTypes())
        {
            foreach (MethodInfo method in type.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<LibraryImportAttribute>() is { } import && CudaLibraryNames.Contains(import.LibraryName))
                {
                    bound.Add((import.LibraryName, import.EntryPoint ?? method.Name));
                }
            }
        }

        var listed = CudaExports.All.ToHashSet();
        Assert.AreEqual(CudaExports.All.Length, listed.Count, "CudaExports.All has duplicates.");
        string[] unlisted = [.. bound.Except(listed).Select(b => $"{b.Item1} {b.Item2}")];
        string[] stale = [.. listed.Except(bound).Select(b => $"{b.Item1} {b.Item2}")];
        Assert.AreEqual(0, unlisted.Length, "Bound but missing from CudaExports.All: " + string.Join(", ", unlisted));
        Assert.AreEqual(0, stale.Length, "Listed in CudaExports.All but not bound: " + string.Join(", ", stale));
        Assert.IsTrue(bound.Count > 100, $"Only {bound.Count} CUDA imports found by reflection.");
    }

    [TestMethod]
    [DataRow(Libraries.Cublas)]
    [DataRow(Libraries.Cusolver)]
    [DataRow(Libraries.Nvrtc)]
    [DataRow(Libraries.CudaDriver)]
    public void EveryExportResolves(string library)
    {
        nint handle = CudaTestSupport.RequireLibrary(library);
        string[] symbols = [.. CudaExports.All.Where(e => e.Library == library).Select(e => e.Symbol)];
        Assert.IsTrue(symbols.Length > 0, $"No exports listed for {library}.");
        string[] missing = [.. symbols.Where(s => !NativeLibrary.TryGetExport(handle, s, out _))];
        CudaLibraries.LoadedFrom.TryGetValue(Component(library), out string? from);
        Assert.AreEqual(0, missing.Length, $"{missing.Length} of {symbols.Length} exports missing from {from}: {string.Join(", ", missing)}");
    }

    private static string Component(string library) => library switch
    {
        Libraries.Cublas => "cuBLAS",
        Libraries.Cusolver => "cuSOLVER",
        Libraries.Nvrtc => "NVRTC",
        _ => "CUDA driver",
    };
}
