// dotnet OrthoProj.TorchSharp.LoaderFix.dll FOLDER...: LibTorchSharpLoader.PrepareForThisSystem on each
// folder, one line each on stdout ("OrthoProj.TorchSharp: ..."); exit 1 with the reason on stderr
// when a folder cannot be prepared, which fails the build that ran it.
using OrthoProj.TorchSharp;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: dotnet OrthoProj.TorchSharp.LoaderFix.dll FOLDER...");
    return 2;
}

foreach (string folder in args)
{
    try
    {
        Console.WriteLine("OrthoProj.TorchSharp: " + LibTorchSharpLoader.PrepareForThisSystem(folder).Message);
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
    {
        Console.Error.WriteLine("error: OrthoProj.TorchSharp: " + e.Message);
        return 1;
    }
}

return 0;
