using OrthoProj.Bench.Harness;

namespace OrthoProj.Bench.Targets;

/// <summary>
/// LAPACK geqrf / geqrf + orgqr through OrthoProj.Native's bindings. The bindings are not on this
/// branch yet (branch lapack), so the floor is reported absent rather than measured some other way.
/// </summary>
internal sealed class LapackFloor
{
    public static IFloor? TryCreate(int threads, out string reason)
    {
        _ = threads;
        reason = "LAPACK bindings (OrthoProj.Native) not merged yet";
        return null;
    }
}
