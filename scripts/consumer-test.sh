#!/usr/bin/env bash
# The consumer's view: pack OrthoProj.Native and OrthoProj.Managed, install them from a local folder
# feed into a new console project (its own package cache, so nothing stale is used), and compute the
# original report's two losses' gradients through the installed packages, checked against float64
# central differences. When CMake built the kernel fatbin (build/orthoproj_kernels.fatbin), it also
# checks that OrthoProj.Managed's package carries it under runtimes/linux-x64/native/, that it lands
# in the output of a portable app (runtimes/linux-x64/native/) and of a RID-specific one (beside the
# assemblies), and that the library finds it there and its manifest matches the embedded kernel
# sources.
# Then the TorchSharp user's view: OrthoProj.TorchSharp from the same feed in a new console app with
# TorchSharp 0.107.0 and libtorch-cpu-linux-x64 2.10.0, which must start with no step of its own on
# Debian 12 (the package's build target prepares libLibTorchSharp.so, after build and after publish),
# and whose TorchLinalg.Residual gradient and Hessian-vector product must match torch.linalg.qr's route.
# Prints "consumer test: passed" and exits 0, or says what failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS
# The machine's package folder serves the third-party packages read-only (a fallback folder: libtorch
# is about 1 GB, and the test suite has restored it there), while this run's own, empty package
# folder takes the packages restored here. The OrthoProj packages get a version of this run's own,
# so that neither folder can hold a stale copy of them.
machine_packages=$(dotnet nuget locals global-packages -l | sed 's/^global-packages: *//')
version="0.1.0-consumer.$(date +%s)"
export NUGET_PACKAGES="$work/packages" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

for project in OrthoProj.Native OrthoProj.Managed OrthoProj.TorchSharp; do
  dotnet pack "$root/$project/$project.csproj" -c Release -o "$work/feed" -p:Version="$version" >"$work/pack-$project.log" 2>&1 \
    || { cat "$work/pack-$project.log"; echo "consumer test: failed (dotnet pack $project)"; exit 1; }
done
cp "$work/pack-OrthoProj.Managed.log" "$work/pack.log"
echo "consumer test: packed OrthoProj.Native, OrthoProj.Managed and OrthoProj.TorchSharp $version in $((SECONDS - start)) s"
# The pack's one line about the fatbin (packed, or why not).
grep -E 'OrthoProj.Managed: (no CUDA kernel fatbin|the CUDA kernel fatbin)' "$work/pack.log" | head -1 | sed 's/^ *//' || true

fatbin_built=false
[ -f "$root/build/orthoproj_kernels.fatbin" ] && fatbin_built=true
fatbin_files="runtimes/linux-x64/native/orthoproj_kernels.fatbin runtimes/linux-x64/native/orthoproj_kernels.sources.sha256"
if $fatbin_built; then
  listing=$(unzip -Z1 "$work/feed/OrthoProj.Managed.$version.nupkg")
  for file in $fatbin_files; do
    grep -qx "$file" <<<"$listing" \
      || { echo "consumer test: failed (build/orthoproj_kernels.fatbin exists but the OrthoProj.Managed package lacks $file)"; exit 1; }
  done
fi

# A new console project in folder $1, named after it, referencing the packages given as id=version.
new_app() {
  local dir="$1" reference
  shift
  mkdir -p "$dir"
  {
    printf '%s\n' '<Project Sdk="Microsoft.NET.Sdk">' '  <PropertyGroup>' '    <OutputType>Exe</OutputType>' \
      '    <TargetFramework>net10.0</TargetFramework>' '    <Nullable>enable</Nullable>' \
      '    <ImplicitUsings>enable</ImplicitUsings>' '  </PropertyGroup>' '  <ItemGroup>'
    for reference in "$@"; do
      printf '    <PackageReference Include="%s" Version="%s" />\n' "${reference%%=*}" "${reference#*=}"
    done
    printf '%s\n' '  </ItemGroup>' '</Project>'
  } >"$dir/$(basename "$dir").csproj"
}

new_app "$work/app"
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
# The local feed for OrthoProj's packages; the machine's configured sources for their dependencies.
(cd "$work/app" && dotnet add package OrthoProj.Managed --version "$version" >"$work/add.log" 2>&1) \
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

# The TorchSharp user's app. No call to LibTorchSharpLoader: on Debian 12 it starts only because the
# package's build target prepared the copy of libLibTorchSharp.so in its output (and publish) folder.
new_app "$work/torchapp" "OrthoProj.TorchSharp=$version" TorchSharp=0.107.0 libtorch-cpu-linux-x64=2.10.0
cat >"$work/torchapp/Program.cs" <<'CS'
// TorchLinalg.Residual against torch's own route, e = y - Q (Q^T y) with Q from torch.linalg.qr, in
// float64: the gradient of L = <w, e> with respect to A and y ("grad"), and the Hessian-vector product
// H v of L (torch.autograd.grad with create_graph, then the gradient of <grad L, v>; "hvp").
using OrthoProj.TorchSharp;
using TorchSharp;
using static TorchSharp.torch;

string part = args.Length > 0 ? args[0] : "grad";
var gen = new Generator(2026);
Tensor a = randn([4, 12, 5], dtype: ScalarType.Float64, generator: gen);
Tensor y = randn([4, 12, 3], dtype: ScalarType.Float64, generator: gen);
Tensor w = randn([4, 12, 3], dtype: ScalarType.Float64, generator: gen);
Tensor va = randn([4, 12, 5], dtype: ScalarType.Float64, generator: gen);
Tensor vy = randn([4, 12, 3], dtype: ScalarType.Float64, generator: gen);

Tensor TorchResidual(Tensor al, Tensor yl)
{
    (Tensor q, _) = linalg.qr(al);
    return yl - q.matmul(q.transpose(-2, -1).matmul(yl));
}

Tensor[] Gradient(Func<Tensor, Tensor, Tensor> residual, bool secondOrder)
{
    Tensor al = a.clone().requires_grad_(true), yl = y.clone().requires_grad_(true);
    Tensor loss = (residual(al, yl) * w).sum();
    // TorchSharp, unlike PyTorch, does not make retain_graph follow create_graph.
    IList<Tensor> g = autograd.grad([loss], [al, yl], retain_graph: secondOrder, create_graph: secondOrder);
    if (!secondOrder)
    {
        return [.. g];
    }

    Tensor inner = (g[0] * va).sum() + (g[1] * vy).sum();
    return [.. autograd.grad([inner], [al, yl])];
}

bool secondOrder = part == "hvp";
Tensor[] ours = Gradient(TorchLinalg.Residual, secondOrder), theirs = Gradient(TorchResidual, secondOrder);
double worst = 0;
foreach ((Tensor o, Tensor t) in ours.Zip(theirs))
{
    worst = Math.Max(worst, (o - t).abs().max().item<double>() / t.abs().max().item<double>());
}

// NaN fails the check too.
bool ok = worst <= 1e-9;
Console.WriteLine($"TorchLinalg.Residual {(secondOrder ? "Hessian-vector product" : "gradient")} (dL/dA, dL/dy), float64, 4 x 12 x 5: largest relative difference from torch.linalg.qr's route {worst:E1} (limit 1e-9) -> {(ok ? "ok" : "FAILED")}");
return ok ? 0 : 1;
CS
cat >"$work/torchapp/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="local" value="$work/feed" />
  </packageSources>
  <fallbackPackageFolders>
    <add key="machine" value="$machine_packages" />
  </fallbackPackageFolders>
</configuration>
XML
torch_start=$SECONDS
(cd "$work/torchapp" && dotnet build -c Release >"$work/torch-build.log" 2>&1) \
  || { cat "$work/torch-build.log"; echo "consumer test: failed (building the TorchSharp app from the local feed)"; exit 1; }
# The build target's line, where it changed the output's copy (Debian 12).
grep -o 'OrthoProj.TorchSharp: marked.*' "$work/torch-build.log" | head -1 || true
torch_out="$work/torchapp/bin/Release/net10.0"
for part in grad hvp; do
  (cd "$torch_out" && dotnet torchapp.dll "$part") \
    || { echo "consumer test: failed (TorchLinalg.Residual's $part through the installed OrthoProj.TorchSharp)"; exit 1; }
done
# A RID-specific publish puts libLibTorchSharp.so beside the assemblies: the target's other layout.
(cd "$work/torchapp" && dotnet publish -c Release -r linux-x64 --self-contained false -o "$work/torchpub" >"$work/torch-publish.log" 2>&1) \
  || { cat "$work/torch-publish.log"; echo "consumer test: failed (publishing the TorchSharp app)"; exit 1; }
(cd "$work/torchpub" && dotnet torchapp.dll grad) \
  || { echo "consumer test: failed (the published TorchSharp app)"; exit 1; }
echo "consumer test: TorchSharp app built, run and published in $((SECONDS - torch_start)) s; whole consumer test $((SECONDS - start)) s"
echo "consumer test: passed"
