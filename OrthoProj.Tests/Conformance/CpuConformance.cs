using MathNet.Numerics.Providers.LinearAlgebra;

namespace OrthoProj.Tests.Conformance;

/// <summary>The conformance suite on the CPU over Math.NET's managed provider (always available).</summary>
[TestClass]
public sealed class CpuManagedConformance : ConformanceSuite
{
    private static readonly CpuBackend Cpu = CpuBackend.CreateManaged();

    protected override Backend Backend => Cpu;
}

/// <summary>
/// The conformance suite on the CPU over the system's native LAPACK. Reported as skipped
/// (inconclusive), with the probe trace, on a machine without one.
/// </summary>
[TestClass]
public sealed class CpuNativeConformance : ConformanceSuite
{
    private static readonly Lazy<(CpuBackend? Backend, string Reason)> Native = new(() =>
        CpuBackend.TryCreateNative(out CpuBackend? backend, out IReadOnlyList<string> trace)
            ? (backend, string.Empty)
            : (null, "No native LAPACK on this machine: " + string.Join("; ", trace)));

    protected override Backend Backend => Native.Value.Backend ?? throw new AssertInconclusiveException(Native.Value.Reason);
}
