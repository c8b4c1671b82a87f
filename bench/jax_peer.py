#!/usr/bin/env python3
"""JAX peer of OrthoProj.Bench: times the same workloads the same way, in one process.

The protocol of bench/torch_peer.py (OrthoProj.Bench/Targets/PeerProtocol.cs):
Input (stdin, JSON): {"threads", "seed", "warmup", "min_reps", "max_reps", "budget_s",
  "single_shot_above_s", "case_cap_s", "deadline_s" (optional: no case starts once that many
  seconds have passed; the rest report absent), "cases": [{"id", "workload", "device", "count", "m", "n",
  "p", "dtype"}, ...]}
Output (stdout, one JSON line): {"jax": version, "jaxlib": version, "backend": platform,
  "cuda_device": name or null, "threads": n, "results": [{"id", "status", "samples_s", "warmup",
  "note"}]}

Why JAX: from 0.10 its batched QR of matrices up to 128 x 128 runs its own Householder kernels on
the GPU, the strongest public anchor for OrthoProj's fused small-matrix path.

Each workload is one jax.jit function of the whole batch (jnp.linalg.qr takes (b, m, n) arrays);
backward workloads time the jitted VJP pullback. The first call compiles: it is always made, untimed,
whatever the request's warm-up count (a request of 0 still gets 1). Timing: time.perf_counter around
the call and jax.block_until_ready on its result (JAX has no CUDA events to read), then the C# side
takes the median of the samples like every other implementation's. The rep policy is the C#
Sampler's, exactly as in torch_peer.py. Inputs: uniform in [-1, 1) from numpy's generator seeded
like the C# side (same distribution, not the same values); complex dtypes (c64, c128) take real and
imaginary parts each uniform in [-1, 1), and the projection Q^H y. JAX's VJP of a complex function
takes the conjugate of torch's cotangent convention: the same work, so the timing compares. float32 matrix products at "highest"
precision (no TF32, as PyTorch's default), GPU memory allocated as needed
(XLA_PYTHON_CLIENT_PREALLOCATE=false). CPU threads: XLA's Eigen pool is single-threaded when
threads == 1 (XLA_FLAGS, set before jax is imported); otherwise XLA's default.

Where `import jax` fails every case is reported absent with the reason, so a machine without JAX
costs the bench one interpreter start.
"""
import json
import os
import sys
import time


def absent_all(req, why, info=None):
    out = dict(info or {})
    out.setdefault("jax", None)
    out["results"] = [{"id": c["id"], "status": "absent", "note": why} for c in req["cases"]]
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


def main():
    req = json.load(sys.stdin)
    threads = int(req.get("threads", 1))
    # JAX takes 75% of the GPU's memory at start by default; the bench's own process still holds its pool.
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    if threads == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()
    try:
        import jax
        import jax.numpy as jnp
        import numpy as np
    except Exception as e:  # reported as absent, with the reason
        absent_all(req, "import jax failed: %s: %s" % (type(e).__name__, e))
        return

    jax.config.update("jax_enable_x64", True)            # float64 cases; float32 stays float32
    jax.config.update("jax_default_matmul_precision", "highest")

    def devices(platform):
        try:
            return jax.devices(platform)
        except Exception:
            return []

    gpus = devices("gpu") or devices("cuda")
    cpus = devices("cpu")

    def uniform(rng, shape, dtype):
        if np.issubdtype(dtype, np.complexfloating):   # real and imaginary parts each uniform in [-1, 1)
            re = rng.random(shape) * 2 - 1
            return (re + 1j * (rng.random(shape) * 2 - 1)).astype(dtype)
        return (rng.random(shape) * 2 - 1).astype(dtype)

    def project(a, y):
        q, _ = jnp.linalg.qr(a)
        return q @ (jnp.conj(jnp.swapaxes(q, -2, -1)) @ y)   # Q^H y (conj is the identity for real q)

    def make_call(case, device):
        b, m, n, p = case["count"], case["m"], case["n"], case["p"]
        k = min(m, n)
        dtype = {"f32": np.float32, "f64": np.float64, "c64": np.complex64, "c128": np.complex128}[case["dtype"]]
        rng = np.random.default_rng(req["seed"])
        put = lambda x: jax.device_put(x, device)
        a = put(uniform(rng, (b, m, n), dtype))
        y = put(uniform(rng, (b, m, p), dtype))
        gz = put(uniform(rng, (b, m, p), dtype))
        gq = put(uniform(rng, (b, m, k), dtype))
        gr = put(np.triu(uniform(rng, (b, k, n), dtype)))
        gx = put(uniform(rng, (b, n, m), dtype))
        w = case["workload"]
        if w == "proj.fwd":
            f = jax.jit(project)
            return (lambda: f(a, y)), "jit(jnp.linalg.qr, Q (Q^T y))"
        if w == "proj.both":
            f = jax.jit(lambda a_, y_, g_: jax.vjp(project, a_, y_)[1](g_))
            return (lambda: f(a, y, gz)), "jit(qr + Q (Q^T y) and its VJP for gA, gy)"
        if w == "proj.bwd":
            _, pull = jax.vjp(project, a, y)
            f = jax.jit(pull)
            return (lambda: f(gz)), "jit(VJP pullback of qr + matmuls)"
        if w == "qr.fwd":
            f = jax.jit(jnp.linalg.qr)
            return (lambda: f(a)), "jit(jnp.linalg.qr) (reduced)"
        if w == "qr.bwd":
            _, pull = jax.vjp(jnp.linalg.qr, a)
            f = jax.jit(pull)
            return (lambda: f((gq, gr))), "jit(VJP pullback of jnp.linalg.qr)"
        if w == "pinv.fwd":
            f = jax.jit(jnp.linalg.pinv)
            return (lambda: f(a)), "jit(jnp.linalg.pinv)"
        if w == "pinv.bwd":
            _, pull = jax.vjp(jnp.linalg.pinv, a)
            f = jax.jit(pull)
            return (lambda: f(gx)), "jit(VJP pullback of jnp.linalg.pinv)"
        if w == "lstsq":
            f = jax.jit(jax.vmap(lambda a_, y_: jnp.linalg.lstsq(a_, y_)[0]))
            return (lambda: f(a, y)), "jit(vmap(jnp.linalg.lstsq)) (SVD-based)"
        raise ValueError("unknown workload " + w)

    def run_case(case):
        if case["device"] == "cuda":
            if not gpus:
                return {"id": case["id"], "status": "absent", "note": "JAX sees no GPU (jax.devices('gpu') is empty)"}
            device = gpus[0]
        else:
            device = cpus[0] if cpus else None
        try:
            call, note = make_call(case, device)

            def t():
                s = time.perf_counter()
                jax.block_until_ready(call())
                return time.perf_counter() - s

            single = req.get("single_shot_above_s") or float("inf")
            cap = req.get("case_cap_s") or float("inf")
            warmup = 0
            while warmup < max(1, req["warmup"]):   # the first call compiles: never timed
                warmup += 1
                if t() > single and warmup > 1:
                    break
            samples, total = [], 0.0
            while (len(samples) < req["max_reps"] and (len(samples) < req["min_reps"] or total < req["budget_s"])
                   and (not samples or total + samples[-1] <= cap)):
                s = t()
                samples.append(s)
                total += s
            return {"id": case["id"], "status": "ok", "samples_s": samples, "warmup": warmup, "note": note}
        except Exception as e:  # reported, never hidden: the row shows failed with the message
            return {"id": case["id"], "status": "failed", "note": "%s: %s" % (type(e).__name__, str(e).split("\n")[0])}

    try:
        import jaxlib
        jaxlib_version = getattr(jaxlib, "__version__", None)
    except Exception:
        jaxlib_version = None
    info = {
        "jax": jax.__version__,
        "jaxlib": jaxlib_version,
        "backend": jax.default_backend(),
        "cuda_device": gpus[0].device_kind if gpus else None,
        "threads": threads if threads == 1 else os.cpu_count(),
    }
    start, deadline = time.perf_counter(), req.get("deadline_s")
    results = []
    for c in req["cases"]:
        if deadline is not None and time.perf_counter() - start > deadline:
            results.append({"id": c["id"], "status": "absent", "note": "the peer's %.0f s were spent before this case" % deadline})
        else:
            results.append(run_case(c))
    info["results"] = results
    json.dump(info, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
