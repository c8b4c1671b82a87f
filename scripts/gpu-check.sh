#!/usr/bin/env bash
# The one script for OrthoProj's GPU check (see docs/cuda.md).
#
#   scripts/gpu-check.sh publish   on the development machine (has .NET, no GPU): publishes the
#                                  test runner and the benchmark self-contained for linux-x64,
#                                  sharing one runtime, packed as publish/orthoproj-linux-x64.tar.gz
#                                  (git-ignored), and checks the size.
#   scripts/gpu-check.sh run       on the GPU machine (has the GPU and CUDA, no .NET, no network):
#                                  finds the CUDA libraries and, within GPU_CHECK_BUDGET seconds
#                                  (default 470: one device call of 8 minutes), runs the CUDA
#                                  conformance suite and CUDA-versus-CPU, compute-sanitizer memcheck,
#                                  initcheck and synccheck on a short CUDA test run, and the GPU
#                                  benchmark with the PyTorch CUDA peer; logs go to $OUT (or
#                                  publish/gpu-results), and a short table is printed last.
#
#   scripts/gpu-check.sh build-emulation DIR   only builds that emulation into DIR (the tests use it).
#
#   scripts/gpu-check.sh emulate   on the development machine, no GPU needed: builds the host
#                                  emulation of the CUDA driver/cuBLAS/cuSOLVER in
#                                  OrthoProj.Tests/Cuda/Emulation (g++ and liblapack) into
#                                  build/fake-cuda, runs its hazard self-test, and runs the CUDA
#                                  tests against it through ORTHOPROJ_CUDA_PATH in its asynchronous
#                                  mode under the scheduler seeds FAKECUDA_SEEDS (default 1,2,3),
#                                  failing on any hazard. It checks the backend's orchestration, not
#                                  NVIDIA's libraries; it is not a GPU result.
#
# It never changes the GPU's settings: the only nvidia-smi call is a read-only listing.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PUBLISH="$ROOT/publish"
SIZE_LIMIT_MIB=60
STEP_TIMEOUT="${GPU_CHECK_STEP_TIMEOUT:-540}"   # each command on the GPU box must end within 10 minutes

publish() {
  command -v dotnet >/dev/null || { echo "publish needs the .NET SDK (run it on the development machine)" >&2; exit 2; }
  # Two self-contained single-file executables would each carry the runtime (about 40 MiB apiece,
  # over the size limit together). Instead both apps are published self-contained into one folder,
  # where they share one copy of the runtime, and that folder travels as one tar.gz.
  local app="$PUBLISH/app"
  rm -rf "$app" "$PUBLISH/orthoproj-linux-x64.tar.gz" "$PUBLISH/tests" "$PUBLISH/bench" "$PUBLISH/COMMIT"
  local common=(-c Release -r linux-x64 --self-contained true -p:DebugType=none -p:GenerateDocumentationFile=false -p:SatelliteResourceLanguages=en)
  dotnet publish "$ROOT/OrthoProj.Tests/OrthoProj.Tests.csproj" "${common[@]}" -o "$app" || exit 1
  dotnet publish "$ROOT/OrthoProj.Bench/OrthoProj.Bench.csproj" "${common[@]}" -o "$app" || exit 1
  rm -rf "$app/Microsoft.CodeCoverage" "$app"/*.pdb
  # The kernel fatbin and its source manifest come with OrthoProj.Managed's output when CMake built
  # them and they match cuda/ (OrthoProj.Managed/ShippedFatbin.targets); say whether they did.
  if [ -f "$app/orthoproj_kernels.fatbin" ]; then
    echo "kernel fatbin: included ($(du -h "$app/orthoproj_kernels.fatbin" | cut -f1))"
  else
    echo "kernel fatbin: none (not built, or stale: see the build's OrthoProj.Managed line); the GPU run uses NVRTC"
  fi
  git -C "$ROOT" rev-parse HEAD > "$app/COMMIT" 2>/dev/null || true
  echo "unpacked: $(du -sh "$app" | cut -f1)"
  tar -C "$PUBLISH" -czf "$PUBLISH/orthoproj-linux-x64.tar.gz" app || exit 1
  rm -rf "$app"
  local mib
  mib=$(du -sm "$PUBLISH" | cut -f1)
  ls -la "$PUBLISH"
  echo "publish/: ${mib} MiB in all (limit ${SIZE_LIMIT_MIB} MiB)"
  if [ "$mib" -ge "$SIZE_LIMIT_MIB" ]; then
    echo "publish/ is too large to send with the working tree" >&2
    exit 1
  fi
}

# Unpacks publish/orthoproj-linux-x64.tar.gz into a scratch folder (the GPU box's disk is fresh
# each time) and prints the folder holding the executables.
unpack() {
  local tarball="$PUBLISH/orthoproj-linux-x64.tar.gz" dest="${TMPDIR:-/tmp}/orthoproj-gpu-check"
  [ -f "$tarball" ] || { echo "$tarball is missing: run 'scripts/gpu-check.sh publish' on the development machine first" >&2; return 2; }
  rm -rf "$dest" && mkdir -p "$dest" && tar -C "$dest" -xzf "$tarball" || return 2
  echo "$dest/app"
}

# Folders holding cuBLAS, cuSOLVER and NVRTC of one CUDA major, newest first; printed one per line.
find_cuda_folders() {
  local candidates=()
  [ -n "${ORTHOPROJ_CUDA_PATH:-}" ] && IFS=: read -r -a candidates <<< "$ORTHOPROJ_CUDA_PATH"
  for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda-*/lib64 /usr/local/cuda-*/targets/x86_64-linux/lib; do
    [ -d "$d" ] && candidates+=("$d")
  done
  # Folders the system loader knows (ldconfig -p lists "name (abi) => path").
  while read -r path; do candidates+=("$(dirname "$path")"); done < <(ldconfig -p 2>/dev/null | grep -E 'libcublas\.so\.|libcusolver\.so\.|libnvrtc\.so\.' | sed 's/.*=> //')
  # pip wheels of the image's Python (nvidia/cu13/lib, nvidia/cublas/lib, ...).
  for py in python3 python; do
    command -v "$py" >/dev/null || continue
    while read -r site; do
      for d in "$site"/nvidia/*/lib "$site"/nvidia/cu*/lib; do [ -d "$d" ] && candidates+=("$d"); done
    done < <("$py" -c 'import site,sys; print("\n".join(site.getsitepackages()+[site.getusersitepackages()]))' 2>/dev/null)
    break
  done
  local seen="" d
  for d in "${candidates[@]}"; do
    d="$(readlink -f "$d" 2>/dev/null || echo "$d")"
    case ":$seen:" in *":$d:"*) continue ;; esac
    seen="$seen:$d"
    if compgen -G "$d/libcublas.so.*" >/dev/null || compgen -G "$d/libcusolver.so.*" >/dev/null || compgen -G "$d/libnvrtc.so.*" >/dev/null; then
      echo "$d"
    fi
  done
}

# Runs one step with a time limit, logging to $RESULTS/<name>.log; records "name|rc|seconds|summary".
ROWS=()
step() {
  local name="$1"; shift
  local log="$RESULTS/$name.log" start end rc summary
  start=$(date +%s)
  echo "== $name: $*" > "$log"
  echo "== $name"
  timeout "$STEP_TIMEOUT" "$@" >> "$log" 2>&1
  rc=$?
  end=$(date +%s)
  summary=$(grep -E '^\s*(total|failed|succeeded|skipped):' "$log" | tr -s ' ' | tr '\n' ' ')
  [ -z "$summary" ] && summary=$(tail -n +2 "$log" | grep -v '^\s*$' | tail -n 1 | cut -c1-80)
  [ -z "$summary" ] && summary="(no output)"
  ROWS+=("$name|$rc|$((end - start))|$summary")
  tail -n 25 "$log"
  return $rc
}

# step with a limit of min($2, what is left of the budget) seconds; skipped when under 20 s remain.
BUDGET_END=0
budget_step() {
  local name="$1" limit="$2"; shift 2
  local left=$((BUDGET_END - $(date +%s)))
  if [ "$left" -lt 20 ]; then
    ROWS+=("$name|-|0|skipped: the ${GPU_CHECK_BUDGET:-470} s budget is spent")
    return 1
  fi
  [ "$limit" -gt "$left" ] && limit="$left"
  STEP_TIMEOUT="$limit" step "$name" "$@"
}

run() {
  BUDGET_END=$(( $(date +%s) + ${GPU_CHECK_BUDGET:-470} ))
  RESULTS="${OUT:-$PUBLISH/gpu-results}"
  mkdir -p "$RESULTS"
  local app
  app="$(unpack)" || exit 2
  local tests="$app/OrthoProj.Tests" bench="$app/OrthoProj.Bench"
  [ -x "$tests" ] || { echo "$tests is missing from the tarball" >&2; exit 2; }

  {
    echo "commit: $(cat "$app/COMMIT" 2>/dev/null || echo unknown)"
    echo "host: $(uname -a)"
    nvidia-smi -L 2>&1 || echo "nvidia-smi not found"
    echo "--- ls /usr/local/cuda*/lib64"; ls -d /usr/local/cuda*/lib64 2>&1
    echo "--- ldconfig -p (CUDA)"; ldconfig -p 2>/dev/null | grep -E 'cublas|cusolver|nvrtc|libcuda\.' || echo "(none)"
  } > "$RESULTS/environment.txt" 2>&1

  local folders
  folders="$(find_cuda_folders | paste -sd: -)"
  export ORTHOPROJ_CUDA_PATH="$folders"
  export LD_LIBRARY_PATH="${folders}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export ORTHOPROJ_KERNEL_CACHE="${ORTHOPROJ_KERNEL_CACHE:-$RESULTS/kernel-cache}"
  { echo "ORTHOPROJ_CUDA_PATH=$ORTHOPROJ_CUDA_PATH"; echo "ORTHOPROJ_KERNEL_CACHE=$ORTHOPROJ_KERNEL_CACHE"; } | tee -a "$RESULTS/environment.txt"

  # The whole check fits one device call of 8 minutes (GPU_CHECK_BUDGET seconds, default 470, of a
  # 15-minute session that includes the machine's start-up): each step gets its own limit, cut to
  # what is left of the budget, and the short table comes last whatever happened.
  local status=0 filter_conf filter_short sanitizer
  filter_conf="FullyQualifiedName~CudaConformance|FullyQualifiedName~CudaFusedConformance|FullyQualifiedName~CudaGeneralPath|FullyQualifiedName~CudaMatchesCpu|FullyQualifiedName~CudaStatusTests|FullyQualifiedName~FusedPathTests|FullyQualifiedName~CudaAvailability"
  # A short CUDA run for compute-sanitizer (each tool slows kernels 10-100x).
  filter_short="FullyQualifiedName~CudaStatusTests|FullyQualifiedName~FusedPathTests.Fused_EqualsGeneralPath"
  budget_step cuda-conformance 180 "$tests" --filter "$filter_conf" --results-directory "$RESULTS/trx-cuda" --report-trx || status=1
  sanitizer="$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -n 1)"
  if [ -n "$sanitizer" ]; then
    local tool
    for tool in memcheck initcheck synccheck; do
      budget_step "sanitizer-$tool" 60 "$sanitizer" --tool "$tool" --error-exitcode 99 --target-processes all "$tests" --filter "$filter_short" || status=1
    done
  else
    ROWS+=("sanitizer|-|0|compute-sanitizer not found")
  fi
  if [ -x "$bench" ]; then
    # 65,536 x 32 x 16 and 8192 x 1024 f32 (the GPU targets) and a batch sweep of 32 x 16, with the
    # PyTorch CUDA peer the bench runs itself when torch imports.
    budget_step gpu-bench 150 "$bench" run --suite quick --backend cuda --dtype f32 -w proj qr \
      --size 65536x32x16 --size 8192x1024 --size 1024x32x16 --size 8192x32x16 --size 262144x32x16 \
      --out "$RESULTS/bench" || true
    [ -f "$RESULTS/bench/bench.md" ] && cp "$RESULTS/bench/bench.md" "$RESULTS/bench-table.md"
  else
    ROWS+=("gpu-bench|-|0|not published")
  fi
  echo
  echo "OrthoProj GPU check ($(cut -c1-12 "$app/COMMIT" 2>/dev/null)), logs in $RESULTS"
  printf '%-22s %4s %6s  %s\n' step rc secs summary
  local row
  for row in "${ROWS[@]}"; do
    IFS='|' read -r name rc secs summary <<< "$row"
    printf '%-22s %4s %6s  %s\n' "$name" "$rc" "$secs" "$summary"
  done | tee "$RESULTS/summary.txt"
  return $status
}

# The one build of the host emulation (also called by OrthoProj.Tests/Cuda/CudaEmulationTests.cs):
# the emulation's sources (fake_cuda.cpp with the kernels of cuda/ compiled as host C++, the
# scheduler, the hazard tracker, cuBLAS/cuSOLVER) as one library under the driver, cuBLAS and
# cuSOLVER file names that the CUDA 11 probe looks for, and the detector's self-test against it.
build_emulation() {
  local fake="$1" src="$ROOT/OrthoProj.Tests/Cuda/Emulation"
  mkdir -p "$fake"
  g++ -std=c++17 -O1 -fPIC -shared -fvisibility=hidden -I"$ROOT/cuda" \
    -o "$fake/libfakecuda.so" "$src/fake_cuda.cpp" "$src/scheduler.cpp" "$src/hazards.cpp" "$src/libraries.cpp" -llapack || return 1
  g++ -std=c++17 -O1 -o "$fake/hazard_selftest" "$src/hazard_selftest.cpp" -L"$fake" -lfakecuda -Wl,-rpath,'$ORIGIN' || return 1
  # Links, not copies: the loader then maps one file once, so one set of counters (fake_cuda.cpp's
  # fakecuda_counters) sees the driver, cuBLAS and cuSOLVER calls together.
  local name
  for name in libcuda.so.1 libcublas.so.11 libcusolver.so.11; do ln -sfn libfakecuda.so "$fake/$name"; done
}

# One run of the test executable against the emulation; adds its counts to PASSED/FAILED/HAZARDS.
# Arguments: seed, devices, filter, log name; the environment of the caller (ORTHOPROJ_*) applies.
PASSED=0 FAILED=0 HAZARDS=0
emulated_run() {
  local seed="$1" devices="$2" filter="$3" log="$4" rc n
  FAKECUDA_MODE=async FAKECUDA_SEED="$seed" FAKECUDA_DEVICES="$devices" \
    "$ROOT/OrthoProj.Tests/bin/Release/net10.0/OrthoProj.Tests" --filter "$filter" > "$log" 2>&1
  rc=$?
  grep -E '^\s*(total|failed|succeeded|skipped|duration):' "$log" | tr -s ' ' | tr '\n' ' '
  echo
  n=$(grep -E '^\s*succeeded:' "$log" | tail -n 1 | tr -dc '0-9'); PASSED=$((PASSED + ${n:-0}))
  n=$(grep -E '^\s*failed:' "$log" | tail -n 1 | tr -dc '0-9'); FAILED=$((FAILED + ${n:-0}))
  # A run that ends without its summary (a crash) counts as a failure.
  if [ "$rc" -ne 0 ] && ! grep -qE '^\s*failed:\s*[1-9]' "$log"; then FAILED=$((FAILED + 1)); echo "(exit code $rc without failed tests: counted as one failure; see $log)"; fi
  n=$(grep -c '^HAZARD ' "$log"); HAZARDS=$((HAZARDS + n))
  if [ "$n" -gt 0 ]; then
    echo "hazards in this run (distinct, addresses and numbers elided):"
    grep '^HAZARD ' "$log" | sed -E 's/0x[0-9a-f]+/0x.../g; s/#[0-9]+/#n/g; s/[0-9]+ bytes/n bytes/g; s/(offset|\+)[ ]?[0-9]+/\1 n/g' | sort | uniq -c | sort -rn | head -n 20
  fi
  return $rc
}

# The CUDA tests against the host emulation in its asynchronous mode (streams as queues, a seeded
# scheduler, hazards reported): first the detector's self-test, then the whole CUDA suite under
# each seed of FAKECUDA_SEEDS (default 1,2,3) on one emulated device, and the multi-device,
# sharded and status tests on two, each seed a different interleaving that CUDA allows. Ends with
# the self-test's line, one line of totals, and the steady-state lines (the first seed's run).
emulate() {
  local fake="$ROOT/build/fake-cuda" counts status=0 selftest seeds="${FAKECUDA_SEEDS:-1,2,3}" seed first=1
  local logs="$fake/logs"
  build_emulation "$fake" || exit 1
  rm -rf "$logs" && mkdir -p "$logs"
  echo "== hazard self-test (the HAZARD lines of its known-bad sequences: $logs/selftest.log)"
  selftest="$("$fake/hazard_selftest" 2> "$logs/selftest.log")" || status=1
  echo "$selftest"
  dotnet build "$ROOT/OrthoProj.Tests/OrthoProj.Tests.csproj" -c Release -v q || exit 1
  counts="$fake/steady-state.txt"
  rm -f "$counts"
  export ORTHOPROJ_CUDA_PATH="$fake" ORTHOPROJ_KERNEL_CACHE="$fake/kernel-cache"
  for seed in ${seeds//,/ }; do
    # (CudaEmulationTests is left out: it builds this emulation again and runs a subset of the same
    # tests in child processes, for dotnet test.) The steady-state counts come from the first seed.
    echo "== asynchronous emulation, seed $seed: the CUDA suite, one device"
    if [ "$first" = 1 ]; then export ORTHOPROJ_STEADY_STATE_FILE="$counts"; else unset ORTHOPROJ_STEADY_STATE_FILE; fi
    emulated_run "$seed" 1 "FullyQualifiedName~OrthoProj.Tests.Cuda&FullyQualifiedName!~CudaEmulationTests" "$logs/seed$seed-1dev.log" || status=1
    unset ORTHOPROJ_STEADY_STATE_FILE
    first=0
    # The sharded path and the conformance suite again with two emulated devices: on device 0, and
    # sharded across both (ShardedCudaConformance), and the status tests on both.
    echo "== asynchronous emulation, seed $seed: two devices"
    emulated_run "$seed" 2 "FullyQualifiedName~MultiDevice|FullyQualifiedName~CudaConformance|FullyQualifiedName~ShardedCudaConformance|FullyQualifiedName~CudaStatusTests" "$logs/seed$seed-2dev.log" || status=1
  done
  [ "$HAZARDS" -eq 0 ] || status=1
  # Last: the verdict lines, and what a steady-state training step pays per call
  # (OrthoProj.Tests/Cuda/SteadyStateCountTests.cs).
  echo
  echo "(logs: $logs)"
  echo "$selftest" | grep '^hazard self-test' || { echo "hazard self-test: did not run"; status=1; }
  echo "asynchronous emulation: $PASSED tests passed, $FAILED failed, $HAZARDS hazards (seeds $seeds)"
  if [ -f "$counts" ]; then grep '^steady state' "$counts"; else echo "no steady-state counts were written" >&2; status=1; fi
  return $status
}

case "${1:-}" in
  publish) publish ;;
  emulate) emulate ;;
  build-emulation) [ -n "${2:-}" ] || { echo "usage: $0 build-emulation DIR" >&2; exit 2; }; build_emulation "$2" ;;
  run) run ;;
  *) echo "usage: $0 publish|run|emulate|build-emulation DIR" >&2; exit 2 ;;
esac
