using System.Runtime.CompilerServices;

namespace OrthoProj.Cpu;

/// <summary>
/// Supplies <see cref="CpuBackend.Default"/> to Core as the default host backend
/// (<see cref="HostBackendProvider"/>), so that Core reaches it without naming the CPU layer. Only
/// the factory is registered here: the backend is still created on first use.
/// </summary>
internal static class HostBackendRegistration
{
#pragma warning disable CA2255 // A module initializer is how a lower layer is supplied before any caller can ask for it.
    [ModuleInitializer]
    internal static void Register() => HostBackendProvider.Register(static () => CpuBackend.Default);
#pragma warning restore CA2255
}
