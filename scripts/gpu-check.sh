#!/usr/bin/env bash
# The one script for OrthoProj's GPU check (see docs/cuda.md, "The GPU check").
#
#   scripts/gpu-check.sh prepare   on the development machine (has .NET, no GPU): builds the kernel
#                                  fatbin with CMake and nvcc where they are installed, publishes the
#                                  test runner and the benchmark self-contained for linux-x64 (one
#                                  shared runtime, the fatbin and the Python peers inside), packed as
#                                  publish/orthoproj-linux-x64.tar.gz in the git-ignored publish/,
#                                  which travels with the working tree; checks that publish/ stays
#                                  within 64 MiB and ends with "prepared: publish, N MiB".
#                                  (`publish` is the former name, kept as an alias.)
#   scripts/gpu-check.sh run       on the GPU machine (GPU and CUDA, no .NET, no network): finds the
#                                  CUDA libraries and, within GPU_CHECK_BUDGET seconds (default 400,
#                                  so that the table is out within 7 minutes of a fresh start), runs:
#                                  the CUDA backend's start (it FAILS, with the probe trace, where a
#                                  GPU is present and the backend does not start: never a pass by
#                                  skipping); the whole CUDA test suite (conformance, context,
#                                  fused path with its 2^+-100 and subnormal scaling, fatbin loading,
#                                  CUDA against the CPU); the GPU benchmark with the PyTorch CUDA
#                                  peer and the JAX peer where they import; compute-sanitizer
#                                  memcheck, initcheck and synccheck on a short CUDA run where the
#                                  tool is present. Each step has its own time limit, cut to what is
#                                  left of the budget. Logs go to $OUT (or publish/gpu-results), and
#                                  a short table is printed last; the exit code is 0 only when every
#                                  step passed.
#
#   scripts/gpu-check.sh build-emulation DIR   only builds that emulation into DIR (the tests use it).
#
#   scripts/gpu-check.sh emulate-run   `run` itself against that emulation, narrowed (built, not
#                                  published, executables): the script's logic checked in CI.
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
# `run` can be tried without a GPU against that emulation (GPU_CHECK_EXPECT_CUDA=1 makes the
# backend's start mandatory there too; GPU_CHECK_BENCH_SIZES and GPU_CHECK_SUITE_FILTER narrow the
# benchmark and the suite, which takes minutes in the emulation):
#   scripts/gpu-check.sh build-emulation /tmp/fake && ORTHOPROJ_CUDA_PATH=/tmp/fake \
#     GPU_CHECK_EXPECT_CUDA=1 GPU_CHECK_BENCH_SIZES="64x32x16" scripts/gpu-check.sh run
#
# It never changes the GPU's settings: the only nvidia-smi call is a read-only listing.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PUBLISH="$ROOT/publish"
SIZE_LIMIT_MIB=64                       # publish/ and the working tree travel together within 64 MiB
STEP_TIMEOUT="${GPU_CHECK_STEP_TIMEOUT:-540}"   # each command on the GPU box must end within 10 minutes

# The fatbin (CMakeLists.txt) with nvcc and a host compiler it accepts, as .ci/run builds it; where
# nvcc or CMake is missing the GPU run compiles the kernels with NVRTC instead (said below).
build_fatbin() {
  if ! command -v nvcc >/dev/null || ! command -v cmake >/dev/null; then
    echo "kernel fatbin: not built here (no nvcc or cmake; .ci/run installs Debian's nvidia-cuda-toolkit)"
    return 0
  fi
  local host_cxx="" candidate
  for candidate in g++-11 clang++-14 clang++-13 clang++-12 g++-10; do
    if command -v "$candidate" >/dev/null; then host_cxx=$candidate; break; fi
  done
  if [ -z "$host_cxx" ]; then
    echo "kernel fatbin: not built (no host compiler that nvcc 11.8 accepts: g++-11, clang++-12..14, g++-10)"
    return 0
  fi
  # Configured once; later builds re-run nvcc when cuda/ changed.
  if [ ! -f "$ROOT/build/CMakeCache.txt" ]; then
    CXX=$host_cxx CUDAHOSTCXX=$host_cxx cmake -S "$ROOT" -B "$ROOT/build" >/dev/null || { echo "kernel fatbin: cmake configure failed" >&2; return 1; }
  fi
  cmake --build "$ROOT/build" --target orthoproj_kernels >/dev/null || { echo "kernel fatbin: the build failed (cmake --build build --target orthoproj_kernels)" >&2; return 1; }
  echo "kernel fatbin: built, $(stat -c %s "$ROOT/build/orthoproj_kernels.fatbin") bytes (nvcc $(nvcc --version | sed -n 's/.*release \([0-9.]*\).*/\1/p'), host $host_cxx)"
}

prepare() {
  command -v dotnet >/dev/null || { echo "prepare needs the .NET SDK (run it on the development machine)" >&2; exit 2; }
  build_fatbin || exit 1
  # Two self-contained single-file executables would each carry the runtime (about 40 MiB apiece,
  # over the size limit together). Instead both apps are published self-contained into one folder,
  # where they share one copy of the runtime, and that folder travels as one tar.gz.
  local app="$PUBLISH/app"
  # Everything in publish/ travels: start it empty (a local run's gpu-results included).
  rm -rf "$PUBLISH"
  mkdir -p "$PUBLISH"
  local common=(-c Release -r linux-x64 --self-contained true -p:DebugType=none -p:GenerateDocumentationFile=false -p:SatelliteResourceLanguages=en)
  dotnet publish "$ROOT/OrthoProj.Tests/OrthoProj.Tests.csproj" "${common[@]}" -o "$app" -v q || exit 1
  dotnet publish "$ROOT/OrthoProj.Bench/OrthoProj.Bench.csproj" "${common[@]}" -o "$app" -v q || exit 1
  rm -rf "$app/Microsoft.CodeCoverage" "$app"/*.pdb
  # The fatbin and its source manifest come with OrthoProj.Managed's output when CMake built them and
  # they match cuda/ (OrthoProj.Managed/ShippedFatbin.targets); say whether they did.
  if [ -f "$app/orthoproj_kernels.fatbin" ]; then
    echo "kernel fatbin: included ($(du -h "$app/orthoproj_kernels.fatbin" | cut -f1))"
  else
    echo "kernel fatbin: none (not built, or stale: see the build's OrthoProj.Managed line); the GPU run uses NVRTC and ShippedFatbinTests report inconclusive"
  fi
  for peer in torch_peer.py jax_peer.py; do
    [ -f "$app/bench/$peer" ] || { echo "bench/$peer is missing from the published benchmark" >&2; exit 1; }
  done
  { git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown; } > "$app/COMMIT"
  git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo "(with uncommitted changes)" >> "$app/COMMIT"
  echo "unpacked: $(du -sh "$app" | cut -f1)"
  tar -C "$PUBLISH" -czf "$PUBLISH/orthoproj-linux-x64.tar.gz" app || exit 1
  rm -rf "$app"
  local mib tree_kib
  mib=$(( ($(du -sk "$PUBLISH" | cut -f1) + 1023) / 1024 ))
  # What else travels: the tracked files of the working tree.
  tree_kib=$(git -C "$ROOT" ls-files -z 2>/dev/null | (cd "$ROOT" && xargs -0 du -ck 2>/dev/null) | tail -n 1 | cut -f1)
  ls -la "$PUBLISH"
  echo "working tree (tracked files): $(( (${tree_kib:-0} + 1023) / 1024 )) MiB; limit for both together: ${SIZE_LIMIT_MIB} MiB"
  if [ $(( mib * 1024 + ${tree_kib:-0} )) -gt $(( SIZE_LIMIT_MIB * 1024 )) ]; then
    echo "publish/ (${mib} MiB) and the working tree are too large to travel together" >&2
    exit 1
  fi
  echo "prepared: publish, ${mib} MiB"
}

# Unpacks publish/orthoproj-linux-x64.tar.gz into a scratch folder (the GPU box's disk is fresh
# each time) and prints the folder holding the executables.
unpack() {
  local tarball="$PUBLISH/orthoproj-linux-x64.tar.gz" dest="${TMPDIR:-/tmp}/orthoproj-gpu-check"
  [ -f "$tarball" ] || { echo "$tarball is missing: run 'scripts/gpu-check.sh prepare' on the development machine first" >&2; return 2; }
  rm -rf "$dest" && mkdir -p "$dest" && tar -C "$dest" -xzf "$tarball" || return 2
  echo "$dest/app"
}

# Folders holding cuBLAS, cuSOLVER and NVRTC, printed one per line in this order: ORTHOPROJ_CUDA_PATH's
# folders, the toolkit's (/usr/local/cuda*/lib64, .../targets/x86_64-linux/lib), those the system
# loader knows (ldconfig -p), and the pip wheels of the image's Python (nvidia/cu13/lib,
# nvidia/cublas/lib, ...). The GPU machine (docs/cuda.md): CUDA 13 in /usr/local/cuda-13.0, PyTorch
# and JAX with their own copies in site-packages/nvidia/.
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
    if compgen -G "$d/libcublas.so.*" >/dev/null || compgen -G "$d/libcusolver.so.*" >/dev/null || compgen -G "$d/libnvrtc.so.*" >/dev/null \
       || compgen -G "$d/libcuda.so.*" >/dev/null; then
      echo "$d"
    fi
  done
}

# Whether this machine has an NVIDIA GPU: nvidia-smi lists one, or the device node exists.
has_gpu() {
  { command -v nvidia-smi >/dev/null && nvidia-smi -L 2>/dev/null | grep -q '^GPU '; } || [ -e /dev/nvidia0 ]
}

# Runs one step with a time limit, logging to $RESULTS/<name>.log; records "name|rc|seconds|summary".
ROWS=()
step() {
  local name="$1"; shift
  local log="$RESULTS/$name.log" start end rc summary
  start=$(date +%s)
  echo "== $name: $*" > "$log"
  echo "== $name (limit ${STEP_TIMEOUT} s)"
  timeout -k 10 "$STEP_TIMEOUT" "$@" >> "$log" 2>&1
  rc=$?
  end=$(date +%s)
  [ "$rc" = 124 ] && echo "(ended by the step's time limit of ${STEP_TIMEOUT} s)" >> "$log"
  summary=$(grep -E '^\s*(total|failed|succeeded|skipped):' "$log" | tr -s ' ' | tr '\n' ' ')
  # Exit code 7 of a Microsoft.Testing.Platform runner: the session was aborted (its --timeout).
  grep -q 'Test session was aborted' "$log" && summary="CUT SHORT by the runner's --timeout; $summary"
  # A test run cut short still says how far it got ("running... N completed, M failed | active: T").
  [ "$rc" = 124 ] && summary="TIMED OUT after ${STEP_TIMEOUT} s; $summary$(grep -E '^running\.\.\. ' "$log" | tail -n 1 | cut -c12-110)"
  # The benchmark's closing line wraps at the console's width: name its timing, not its last fragment.
  [ -z "$summary" ] && grep -q '^Wrote .*bench\.json' "$log" && summary="bench written ($(grep -oE 'whole run [0-9.]+ s' "$log" | tail -n 1))"
  [ -z "$summary" ] && summary=$(tail -n +2 "$log" | grep -v '^\s*$' | tail -n 1 | cut -c1-80)
  [ -z "$summary" ] && summary="(no output)"
  ROWS+=("$name|$rc|$((end - start))|$summary")
  [ "${STEP_TAIL:-25}" -gt 0 ] && tail -n "${STEP_TAIL:-25}" "$log"
  return $rc
}

# step with a limit of min($2, what is left of the budget) seconds; not run when under 15 s remain.
BUDGET_END=0
budget_step() {
  local name="$1" limit="$2"; shift 2
  local left=$((BUDGET_END - $(date +%s)))
  if [ "$left" -lt 15 ]; then
    ROWS+=("$name|-|0|NOT RUN: the ${BUDGET} s budget is spent")
    return 1
  fi
  [ "$limit" -gt "$left" ] && limit="$left"
  # @RUNNER_TIMEOUT@ in the command becomes "Ns", 10 s inside the step's limit: the test runner's own
  # --timeout, so that a run cut short still reports what passed and failed before `timeout` ends it.
  local args=() a
  for a in "$@"; do args+=("${a//@RUNNER_TIMEOUT@/$((limit > 20 ? limit - 10 : limit))s}"); done
  STEP_TIMEOUT="$limit" step "$name" "${args[@]}"
}

# The test runner's "skipped" lines of a log (MSTest prints "skipped NAME (reason)"), one per line.
skipped_tests() { grep -E '^\s*skipped [A-Za-z_]' "$1" | sed -E 's/^\s*skipped //' | cut -c1-160; }

# One compute-sanitizer tool on the short CUDA run. A sanitizer that refuses the device (gVisor:
# "Device not supported") is reported in the table and does not fail the check; errors it finds do.
sanitize() {
  local tool="$1" sanitizer="$2" filter="$3" tests="$4" log
  log="$RESULTS/sanitizer-$tool.log"
  if budget_step "sanitizer-$tool" 35 "$sanitizer" --tool "$tool" --error-exitcode 99 --target-processes all "$tests" --filter "$filter"; then
    return 0
  fi
  # What it reports when it cannot work at all, as opposed to errors it found in our code.
  if ! grep -qE '========= (Invalid|Uninitialized|Race|Barrier|Program hit|ERROR SUMMARY: [1-9])' "$log"; then
    local why
    if grep -qiE 'device not supported|not supported on this (device|platform)' "$log"; then
      why=$(grep -iE 'not supported' "$log" | head -n 1 | sed 's/^=* *//' | cut -c1-80)
      unset 'ROWS[${#ROWS[@]}-1]'
      ROWS+=("sanitizer-$tool|-|0|refused the device (gVisor?), not a failure: $why")
      return 0
    fi
    if grep -qiE 'unable to find injection library|unable to (start|launch)|cannot (find|load)' "$log"; then
      why=$(grep -iE 'unable to|cannot' "$log" | head -n 1 | sed 's/^=* *//' | cut -c1-80)
      unset 'ROWS[${#ROWS[@]}-1]'
      ROWS+=("sanitizer-$tool|-|0|the tool could not start, not a failure: $why")
      return 0
    fi
  fi
  return 1
}

# The commit the executables were built from: prepare's COMMIT file, else the checkout's HEAD.
commit_of() {
  head -n 1 "$1/COMMIT" 2>/dev/null || git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown
}

run() {
  BUDGET="${GPU_CHECK_BUDGET:-400}"
  local started
  started=$(date +%s)
  BUDGET_END=$(( started + BUDGET ))
  RESULTS="${OUT:-$PUBLISH/gpu-results}"
  mkdir -p "$RESULTS"
  # The prepared tarball, or (GPU_CHECK_TESTS and GPU_CHECK_BENCH: built executables) what
  # `emulate-run` points it at, so that this very function is tested against the emulation.
  local app tests bench
  if [ -n "${GPU_CHECK_TESTS:-}" ]; then
    tests="$GPU_CHECK_TESTS" bench="${GPU_CHECK_BENCH:-}" app="$(dirname "$GPU_CHECK_TESTS")"
  else
    app="$(unpack)" || exit 2
    tests="$app/OrthoProj.Tests" bench="$app/OrthoProj.Bench"
  fi
  [ -x "$tests" ] || { echo "$tests is missing" >&2; exit 2; }

  local gpu=0 expect=0
  has_gpu && gpu=1
  [ "$gpu" = 1 ] || [ "${GPU_CHECK_EXPECT_CUDA:-0}" = 1 ] && expect=1
  {
    echo "commit: $(commit_of "$app")"
    echo "host: $(uname -a)"
    nvidia-smi -L 2>&1 || echo "nvidia-smi not found"
    echo "/dev/nvidia0: $([ -e /dev/nvidia0 ] && echo present || echo absent)"
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>/dev/null
    echo "--- ls /usr/local/cuda*/lib64"; ls -d /usr/local/cuda*/lib64 2>&1
    echo "--- ldconfig -p (CUDA)"; ldconfig -p 2>/dev/null | grep -E 'cublas|cusolver|nvrtc|libcuda\.' || echo "(none)"
  } > "$RESULTS/environment.txt" 2>&1

  local folders
  folders="$(find_cuda_folders | paste -sd: -)"
  export ORTHOPROJ_CUDA_PATH="$folders"
  export LD_LIBRARY_PATH="${folders}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export ORTHOPROJ_KERNEL_CACHE="${ORTHOPROJ_KERNEL_CACHE:-$RESULTS/kernel-cache}"
  # The fatbin tests fail, rather than report inconclusive, when prepare included the fatbin.
  [ -f "$app/orthoproj_kernels.fatbin" ] && export ORTHOPROJ_EXPECT_FATBIN=1
  export ORTHOPROJ_EXPECT_CUDA="$expect"
  {
    echo "GPU present: $([ "$gpu" = 1 ] && echo yes || echo 'no (this is not a GPU result)')"
    echo "ORTHOPROJ_CUDA_PATH=$ORTHOPROJ_CUDA_PATH"
    echo "ORTHOPROJ_KERNEL_CACHE=$ORTHOPROJ_KERNEL_CACHE"
    echo "kernel fatbin: $([ -f "$app/orthoproj_kernels.fatbin" ] && echo shipped || echo 'none (NVRTC)')"
  } | tee -a "$RESULTS/environment.txt"

  # Each step gets its own limit, cut to what is left of the budget (GPU_CHECK_BUDGET, default 400 s:
  # the table must be out within 7 minutes of a fresh start, start-up and unpacking included), and
  # the short table comes last whatever happened. Order: what decides the verdict first.
  local status=0
  # 1. The backend must start where there is a GPU: CudaAvailabilityTests fails, with the probe
  #    trace (CudaBackend.DefaultUnavailableReason), under ORTHOPROJ_EXPECT_CUDA=1.
  if ! STEP_TAIL=0 budget_step cuda-start 40 "$tests" --filter "FullyQualifiedName~CudaAvailabilityTests" --timeout @RUNNER_TIMEOUT@; then
    status=1
    echo
    echo "FAILED: the CUDA backend did not start$([ "$gpu" = 1 ] && echo ' on a machine that has a GPU'). The probe trace:"
    # The assertion's message up to the stack trace (the whole log: $RESULTS/cuda-start.log).
    sed -n '/Why:/,/^\s*at /p' "$RESULTS/cuda-start.log" | grep -vE '^\s*at ' | head -n 40
    grep -q 'Why:' "$RESULTS/cuda-start.log" || tail -n 30 "$RESULTS/cuda-start.log"
  elif [ "$expect" = 0 ]; then
    ROWS+=("(verdict)|-|0|no GPU here and GPU_CHECK_EXPECT_CUDA unset: CUDA tests skip; not a GPU check")
  fi

  if [ "$status" = 0 ]; then
    # 2. The whole CUDA suite: conformance (one device; the sharded path over every visible device),
    #    context handling, the fused path (FusedPathTests, FusedConformance: 2^+-100 and subnormal
    #    scaling), the general path's scale and sign suite, CUDA against the CPU, status and error
    #    modes, the kernel table against the machine's NVRTC and the shipped fatbin
    #    (ShippedFatbinTests). Not the emulation's own tests (they build it with g++), nor
    #    FusedKernelsWithoutDeviceTests (ptxas register and spill figures of NVRTC 11.8 for sm_80 and
    #    sm_90: minutes of compiling that need no GPU and that CI runs).
    #    GPU_CHECK_SUITE_FILTER replaces the filter (for trying the script against the emulation).
    local filter_cuda="${GPU_CHECK_SUITE_FILTER:-FullyQualifiedName~OrthoProj.Tests.Cuda&FullyQualifiedName!~CudaEmulationTests&FullyQualifiedName!~FusedKernelsWithoutDeviceTests}"
    budget_step cuda-suite 160 "$tests" --filter "$filter_cuda" --timeout @RUNNER_TIMEOUT@ --results-directory "$RESULTS/trx-cuda" --report-trx || status=1
    skipped_tests "$RESULTS/cuda-suite.log" > "$RESULTS/cuda-suite-skipped.txt"
    if [ -s "$RESULTS/cuda-suite-skipped.txt" ]; then
      echo "skipped in the CUDA suite ($(wc -l < "$RESULTS/cuda-suite-skipped.txt")): see cuda-suite-skipped.txt"
      head -n 15 "$RESULTS/cuda-suite-skipped.txt"
    fi

    # 3. The GPU benchmark: the GPU targets (65,536 x 32 x 16 and 8192 x 1024 f32) and a batch sweep
    #    of 32 x 16, next to the cuSOLVER floor, the PyTorch CUDA peer and the JAX peer, each peer
    #    within its own --peer-timeout (it reports what it measured by then).
    if [ -x "$bench" ]; then
      local sizes=(${GPU_CHECK_BENCH_SIZES:-65536x32x16 8192x1024 1024x32x16 8192x32x16 262144x32x16}) size_args=() s
      for s in "${sizes[@]}"; do size_args+=(--size "$s"); done
      STEP_TAIL=45 budget_step gpu-bench 130 "$bench" run --suite quick --backend cuda --dtype f32 -w proj.fwd proj.both qr.fwd \
        "${size_args[@]}" --peer-timeout "${GPU_CHECK_PEER_TIMEOUT:-40}" --no-torchsharp --no-mathnet --out "$RESULTS/bench" || status=1
      [ -f "$RESULTS/bench/bench.md" ] && cp "$RESULTS/bench/bench.md" "$RESULTS/bench-table.md"
    else
      ROWS+=("gpu-bench|-|0|not in the tarball")
      status=1
    fi

    # 4. compute-sanitizer on a short CUDA run (each tool slows kernels 10-100x).
    local sanitizer filter_short="FullyQualifiedName~CudaStatusTests|FullyQualifiedName~FusedPathTests.Fused_EqualsGeneralPath"
    sanitizer="$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -n 1)"
    if [ -n "$sanitizer" ]; then
      local tool
      for tool in memcheck initcheck synccheck; do
        sanitize "$tool" "$sanitizer" "$filter_short" "$tests" || status=1
      done
    else
      ROWS+=("sanitizer|-|0|compute-sanitizer not found: memcheck, initcheck, synccheck not run")
    fi
  fi

  echo
  if [ -f "$RESULTS/gpu-bench.log" ]; then
    # The bench's console table (its compact columns), as it printed it.
    echo "--- benchmark (full table: $RESULTS/bench-table.md)"
    sed -n '/^[┌╭+]/,/^[└╰+]/p' "$RESULTS/gpu-bench.log" | tail -n 40
  fi
  echo
  echo "OrthoProj GPU check ($(commit_of "$app" | cut -c1-12)), $(( $(date +%s) - started )) s, logs in $RESULTS"
  printf '%-22s %4s %6s  %s\n' step rc secs summary
  local row
  for row in "${ROWS[@]}"; do
    IFS='|' read -r name rc secs summary <<< "$row"
    printf '%-22s %4s %6s  %s\n' "$name" "$rc" "$secs" "$summary"
  done | tee "$RESULTS/summary.txt"
  echo "verdict: $([ "$status" = 0 ] && echo PASSED || echo FAILED)$([ "$gpu" = 1 ] || echo ' (no GPU: not a GPU result)')" | tee -a "$RESULTS/summary.txt"
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
  # The GPU check's own `run`, against the emulation in place of the GPU.
  echo "== the GPU check's run, against the emulation"
  local run_check
  run_check="$(emulate_run)" || status=1
  echo "$run_check" | grep -v '^gpu-check run against'
  [ "$HAZARDS" -eq 0 ] || status=1
  # Last: the verdict lines, and what a steady-state training step pays per call
  # (OrthoProj.Tests/Cuda/SteadyStateCountTests.cs).
  echo
  echo "(logs: $logs)"
  echo "$selftest" | grep '^hazard self-test' || { echo "hazard self-test: did not run"; status=1; }
  echo "asynchronous emulation: $PASSED tests passed, $FAILED failed, $HAZARDS hazards (seeds $seeds)"
  echo "$run_check" | grep '^gpu-check run against' || echo "gpu-check run against the emulation: did not run"
  if [ -f "$counts" ]; then grep '^steady state' "$counts"; else echo "no steady-state counts were written" >&2; status=1; fi
  return $status
}

# `run` itself against the emulation, narrowed (the start check, the status and context tests, a
# small benchmark): the script's own logic (library search, the start check that fails instead of
# skipping, budgets, the table, the verdict) is exercised on every machine; .ci/run calls it. Not a
# GPU result, and it says so.
emulate_run() {
  local fake="$ROOT/build/fake-cuda" out="$ROOT/build/fake-cuda/run-check" rc
  # Rebuilt when any of its sources (the emulation's, or the kernels and parameter structs it
  # compiles in) is newer than the library: a stale one reads today's launches with yesterday's layout.
  if [ ! -x "$fake/libfakecuda.so" ] || [ -n "$(find "$ROOT/OrthoProj.Tests/Cuda/Emulation" "$ROOT/cuda" -newer "$fake/libfakecuda.so" -type f | head -n 1)" ]; then
    build_emulation "$fake" || return 1
  fi
  dotnet build "$ROOT/OrthoProj.Tests/OrthoProj.Tests.csproj" -c Release -v q -nologo >/dev/null || return 1
  dotnet build "$ROOT/OrthoProj.Bench/OrthoProj.Bench.csproj" -c Release -v q -nologo >/dev/null || return 1
  rm -rf "$out"
  (
    export OUT="$out" ORTHOPROJ_CUDA_PATH="$fake" GPU_CHECK_EXPECT_CUDA=1 GPU_CHECK_BUDGET=300
    export GPU_CHECK_TESTS="$ROOT/OrthoProj.Tests/bin/Release/net10.0/OrthoProj.Tests"
    export GPU_CHECK_BENCH="$ROOT/OrthoProj.Bench/bin/Release/net10.0/OrthoProj.Bench"
    export GPU_CHECK_SUITE_FILTER="FullyQualifiedName~CudaStatusTests|FullyQualifiedName~CudaContextTests"
    export GPU_CHECK_BENCH_SIZES="64x32x16" ORTHOPROJ_KERNEL_CACHE="$fake/kernel-cache"
    run
  ) > "$out.log" 2>&1
  rc=$?
  sed -n '/^OrthoProj GPU check/,$p' "$out.log"
  # Against the emulation the verdict must be a pass that says it is not a GPU result.
  if [ "$rc" -eq 0 ] && grep -q '^verdict: PASSED (no GPU: not a GPU result)' "$out.log"; then
    echo "gpu-check run against the emulation: passed (log: $out.log)"
  else
    echo "gpu-check run against the emulation: FAILED (exit $rc; log: $out.log)"
    tail -n 40 "$out.log"
    return 1
  fi
}

case "${1:-}" in
  prepare|publish) prepare ;;
  emulate) emulate ;;
  emulate-run) emulate_run ;;
  build-emulation) [ -n "${2:-}" ] || { echo "usage: $0 build-emulation DIR" >&2; exit 2; }; build_emulation "$2" ;;
  run) run ;;
  *) echo "usage: $0 prepare|run|emulate|emulate-run|build-emulation DIR" >&2; exit 2 ;;
esac
