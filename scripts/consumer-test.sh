#!/usr/bin/env bash
# The consumer's view: pack OrthoProj.Native and OrthoProj.Managed, install them from a local folder
# feed into a new console project (its own package cache, so nothing stale is used), and compute the
# original report's two losses' gradients through the installed packages, checked against float64
# central differences. Prints "consumer test: passed" and exits 0, or says what failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export NUGET_PACKAGES="$work/packages" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

for project in OrthoProj.Native OrthoProj.Managed; do
  dotnet pack "$root/$project/$project.csproj" -c Release -o "$work/feed" -p:Version=0.1.0 >"$work/pack.log" 2>&1 \
    || { cat "$work/pack.log"; echo "consumer test: failed (dotnet pack $project)"; exit 1; }
done

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
if (cd "$work/app" && dotnet run -c Release); then
  echo "consumer test: passed"
else
  echo "consumer test: failed (the report's losses through the installed package)"
  exit 1
fi
