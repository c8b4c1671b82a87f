using OrthoProj.Bench.Harness;

namespace OrthoProj.Bench.Targets;

/// <summary>
/// The raw library floor: the same factorization straight through the bindings, without OrthoProj's
/// validation, allocation or backward bookkeeping. On the CPU: LAPACK geqrf, and geqrf + orgqr;
/// on the GPU: cuSOLVER geqrf, and geqrf + orgqr. Complex rows (CPU only) take the c/z routines,
/// geqrf and ungqr (orgqr's complex name), under the same rule. Which routine a workload is compared with:
/// qr.fwd against geqrf + orgqr (it forms Q); every other workload against geqrf alone, the
/// factorization any method needs at least (for pinv a lower bound, not the same work).
/// </summary>
public interface IFloor
{
    /// <summary>What the report names it after, e.g. "LAPACK (libopenblas.so.0)".</summary>
    string Description { get; }

    /// <summary>Runs geqrf (and orgqr when <paramref name="withOrgqr"/>) over the batch, matrix by matrix.</summary>
    ResultRow Run(BenchCase c, bool withOrgqr, RepPolicy policy, int seed);
}

/// <summary>Finds the floor for a device, or says why there is none.</summary>
public static class Floors
{
    /// <summary>Whether <paramref name="w"/> is compared with geqrf + orgqr (true) or geqrf (false).</summary>
    public static bool UsesOrgqr(Workload w) => w == Workload.QrForward;

    /// <summary>The routine name a workload's floor column shows.</summary>
    public static string Routine(Workload w) => UsesOrgqr(w) ? "geqrf+orgqr" : "geqrf";

    /// <summary>The routine name for a workload and element type: ungqr, orgqr's complex name, for c64 and c128.</summary>
    public static string Routine(Workload w, Dtype d) => UsesOrgqr(w) ? (d.IsComplex() ? "geqrf+ungqr" : "geqrf+orgqr") : "geqrf";

    /// <summary>The CPU floor (LAPACK through OrthoProj.Native's bindings), or null with the reason.</summary>
    public static IFloor? TryCreateCpu(int threads, out string reason) => LapackFloor.TryCreate(threads, out reason);

    /// <summary>The GPU floor (cuSOLVER through OrthoProj.Native's bindings) on an open session, or null with the reason.</summary>
    public static IFloor? TryCreateCuda(CudaSession? session, string noDeviceReason, out string reason)
    {
        reason = session is null ? noDeviceReason : string.Empty;
        return session is null ? null : new CudaFloor(session);
    }
}
