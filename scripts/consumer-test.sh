#!/usr/bin/env bash
# The consumer's view: pack OrthoProj.Native and OrthoProj.Managed, install them from a local folder
# feed into a new console project (its own package cache, so nothing stale is used), and compute the
# original report's two losses' gradients through the installed packages, checked against float64
# central differences. When CMake built the kernel fatbin (build/orthoproj_kernels.fatbin), it also
# checks that OrthoProj.Managed's package carries it under runtimes/linux-x64/native/, that it lands
# in the output of a portable app (runtimes/linux-x64/native/) and of a RID-specific one (beside the
# assemblies), and that the library finds it there and its manifest matches the embedded kernel
# sources. Prints "consumer test: passed" and exits 0, or says what failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export NUGET_PACKAGES="$work/packages" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

for project in OrthoProj.Native OrthoProj.Managed; do
  dotnet pack "$root/$project/$project.csproj" -c Release -o "$work/feed" -p:Version=0.1.0 >"$work/pack.log" 2>&1 \
    || { cat "$work/pack.log"; echo "consumer test: failed (dotnet pack $project)"; exit 1; }
done
# The pack's one line about the fatbin (packed, or why not).
grep -E 'OrthoProj.Managed: (no CUDA kernel fatbin|the CUDA kernel fatbin)' "$work/pack.log" | head -1 | sed 's/^ *//' || true

fatbin_built=false
[ -f "$root/build/orthoproj_kernels.fatbin" ] && fatbin_built=true
fatbin_files="runtimes/linux-x64/native/orthoproj_kernels.fatbin runtimes/linux-x64/native/orthoproj_kernels.sources.sha256"
if $fatbin_built; then
  listing=$(unzip -Z1 "$work/feed/OrthoProj.Managed.0.1.0.nupkg")
  for file in $fatbin_files; do
    grep -qx "$file" <<<"$listing" \
      || { echo "consumer test: failed (build/orthoproj_kernels.fatbin exists but the OrthoProj.Managed package lacks $file)"; exit 1; }
  done
fi

mkdir -p "$work/app"
cat >"$work/app/app.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
</Project>
XML
cat >"$work/app/Program.cs" <<'CS'
// The original report through the installed package: for V = rand(32, 16) and y = e1, the gradients of
// L1 = sum(pinv(V)) and L2 = sum((Q^T y)^T Q^T) = <1, P y> with respect to V, in float64, against
// central differences of the same losses.
using OrthoProj;
using OrthoProj.Native;

if (args is ["fatbin"])
{
    // Where the library looks for the shipped fatbin, and whether it takes it: the manifest must
    // match the kernel sources embedded in OrthoProj.Managed.
    var assembly = typeof(Linalg).Assembly;
    var sources = assembly.GetManifestResourceNames().Where(n => n.StartsWith("cuda/", StringComparison.Ordinal))
        .ToDictionary(n => n["cuda/".Length..], n => { using var s = assembly.GetManifestResourceStream(n)!; using var m = new MemoryStream(); s.CopyTo(m); return m.ToArray(); });
    var trace = new List<string>();
    string? found = ShippedFatbin.Find(sources, trace);
    Console.WriteLine($"fatbin: {found ?? "none"} (searched {string.Join(", ", ShippedFatbin.SearchFolders())}){string.Concat(trace.Select(t => "; " + t))}");
    return found is null ? 1 : 0;
}

var random = new Random(7);
double[] v = [.. Enumerable.Range(0, 32 * 16).Select(_ => random.NextDouble())];
double L1(double[] x) { using var p = Linalg.Pinv(HostMatrixBatch<double>.Wrap(x, 32, 16)); return p.Pinv.ToArray().Sum(); }
double L2(double[] x)
{
    using var proj = Linalg.Projector(HostMatrixBatch<double>.Wrap(x, 32, 16));
    var y = new HostMatrixBatch<double>(32, 1); y[0, 0, 0] = 1;
    using var z = proj.Project(y);
    return z.ToArray().Sum();
}

var a = HostMatrixBatch<double>.Wrap(v, 32, 16);
using var pinv = Linalg.Pinv(a);
var ones = new HostMatrixBatch<double>(16, 32); ones.Span.Fill(1);
double[] g1 = Linalg.PinvBackward(a, pinv.Pinv, ones).ToArray();
using var projector = Linalg.Projector(a);
var e1 = new HostMatrixBatch<double>(32, 1); e1[0, 0, 0] = 1;
var gz = new HostMatrixBatch<double>(32, 1); gz.Span.Fill(1);
double[] g2 = projector.ProjectBackward(e1, gz).GradA.ToArray();

double worst = 0;
foreach ((Func<double[], double> loss, double[] g) in new[] { ((Func<double[], double>)L1, g1), (L2, g2) })
{
    for (int i = 0; i < v.Length; i += 37)
    {
        double[] plus = (double[])v.Clone(), minus = (double[])v.Clone();
        plus[i] += 1e-6; minus[i] -= 1e-6;
        double fd = (loss(plus) - loss(minus)) / 2e-6;
        worst = Math.Max(worst, Math.Abs(fd - g[i]) / Math.Max(1, Math.Abs(fd)));
    }
}

Console.WriteLine($"backend: {a.Backend.Description}; largest gradient error against central differences: {worst:E1}");
return worst < 1e-6 ? 0 : 1;
CS
cat >"$work/app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="local" value="$work/feed" />
  </packageSources>
</configuration>
XML
# The local feed first; nuget.org (or the machine's configured mirror) for OrthoProj's dependencies.
(cd "$work/app" && dotnet add package OrthoProj.Managed --version 0.1.0 >"$work/add.log" 2>&1) \
  || { cat "$work/add.log"; echo "consumer test: failed (installing OrthoProj.Managed from the local feed)"; exit 1; }
if ! (cd "$work/app" && dotnet run -c Release); then
  echo "consumer test: failed (the report's losses through the installed package)"
  exit 1
fi

if $fatbin_built; then
  # A portable app (no RID) gets the native assets under runtimes/<rid>/native/; a RID-specific one
  # beside its assemblies. In both the library must find the fatbin and take it.
  for rid in "" linux-x64; do
    out="$work/app/bin/Release/net10.0${rid:+/$rid}"
    expected="$out/${rid:+orthoproj_kernels.fatbin}"
    [ -n "$rid" ] || expected="$out/runtimes/linux-x64/native/orthoproj_kernels.fatbin"
    (cd "$work/app" && dotnet build -c Release ${rid:+-r $rid} >"$work/build.log" 2>&1) \
      || { cat "$work/build.log"; echo "consumer test: failed (building the ${rid:-portable} app)"; exit 1; }
    [ -f "$expected" ] || { echo "consumer test: failed (no fatbin at $expected)"; exit 1; }
    (cd "$out" && dotnet app.dll fatbin) \
      || { echo "consumer test: failed (the ${rid:-portable} app does not take the fatbin in its output)"; exit 1; }
  done
else
  echo "consumer test: no kernel fatbin was built (no nvcc), so the package carries none and NVRTC compiles the kernels at run time"
fi
echo "consumer test: passed"
