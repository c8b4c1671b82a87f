namespace OrthoProj;

/// <summary>
/// Where Core finds the default host backend (<see cref="Linalg.HostBackend"/> when none was set,
/// hence the backend of every host batch the caller made) without naming the CPU layer: the CPU
/// layer registers it when the assembly loads (Cpu/HostBackendRegistration.cs, a module
/// initializer, so before any code of the assembly runs). The factory is called on each use; the
/// CPU layer's creates its backend once.
/// </summary>
internal static class HostBackendProvider
{
    private static Func<Backend>? factory;

    /// <summary>The registered default host backend.</summary>
    /// <exception cref="InvalidOperationException">No layer registered one.</exception>
    internal static Backend Default =>
        (Volatile.Read(ref factory) ?? throw new InvalidOperationException("No default host backend is registered; set Linalg.HostBackend."))();

    /// <summary>Registers the factory of the default host backend (the CPU layer, once, at load).</summary>
    internal static void Register(Func<Backend> defaultBackend)
    {
        ArgumentNullException.ThrowIfNull(defaultBackend);
        Volatile.Write(ref factory, defaultBackend);
    }
}
