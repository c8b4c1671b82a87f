#!/usr/bin/env python3
"""PyTorch peer of OrthoProj.Bench: times the same workloads the same way, in one process.

Input (stdin, JSON):
  {"threads": 1, "seed": 1234, "warmup": 1, "min_reps": 3, "max_reps": 50, "budget_s": 0.3,
   "cases": [{"id": "cpu/proj.both/4096x32x16/f32", "workload": "proj.both", "device": "cpu",
              "count": 4096, "m": 32, "n": 16, "p": 1, "dtype": "f32"}, ...]}
Optional "deadline_s": no case starts once that many seconds have passed; the rest report absent.
Output (stdout, JSON): {"torch": version, "cuda": ..., "threads": n, "results": [{"id", "status",
  "samples_s", "warmup", "note"}]}

Inputs: every entry uniform in [-1, 1) from torch.Generator seeded like the C# side (same
distribution, not the same values: the generators differ); for complex dtypes ("c64", "c128":
torch.complex64, torch.complex128) the real and the imaginary part each uniform in [-1, 1).
Complex backward: complex cotangents (grad_outputs) for complex outputs, torch's convention
(the gradient of the real loss Re<g, out>); the projection uses the adjoint Q^H. Timing: `warmup` untimed calls, then
timed calls until min_reps calls and budget_s seconds are done (at most max_reps); a warm-up call
slower than single_shot_above_s ends the warm-up, and no call starts once the timed work would pass
case_cap_s (one call is always timed): exactly the rule of the C# Sampler.
CPU: time.perf_counter around each call. CUDA: a pair of CUDA events around each call and
torch.cuda.synchronize() before reading them. Backward workloads run the forward once outside the timed region and time torch.autograd.grad(..., retain_graph=True).
"""
import json
import re
import sys
import time

import torch


DTYPES = {"f32": torch.float32, "f64": torch.float64, "c64": torch.complex64, "c128": torch.complex128}


def uniform(shape, gen, dtype, device):
    if dtype.is_complex:
        real = torch.float32 if dtype == torch.complex64 else torch.float64
        re = torch.rand(shape, generator=gen, dtype=real) * 2 - 1
        im = torch.rand(shape, generator=gen, dtype=real) * 2 - 1
        return torch.complex(re, im).to(device)
    x = torch.rand(shape, generator=gen, dtype=dtype) * 2 - 1
    return x.to(device)


def make_call(case, dtype, device, seed):
    b, m, n, p = case["count"], case["m"], case["n"], case["p"]
    k = min(m, n)
    gen = torch.Generator().manual_seed(seed)
    a = uniform((b, m, n), gen, dtype, device)
    y = uniform((b, m, p), gen, dtype, device)
    gz = uniform((b, m, p), gen, dtype, device)
    gq = uniform((b, m, k), gen, dtype, device)
    gr = torch.triu(uniform((b, k, n), gen, dtype, device))
    gx = uniform((b, n, m), gen, dtype, device)
    w = case["workload"]

    def project(a_, y_):
        q, _ = torch.linalg.qr(a_)
        qh = q.transpose(-2, -1).conj() if q.is_complex() else q.transpose(-2, -1)
        return q @ (qh @ y_)

    if w == "proj.fwd":
        def call():
            with torch.no_grad():
                project(a, y)
        return call, "torch.linalg.qr, Q (Q^H y)" if dtype.is_complex else "torch.linalg.qr, Q (Q^T y)"
    if w == "proj.both":
        def call():
            a_ = a.detach().requires_grad_()
            y_ = y.detach().requires_grad_()
            z = project(a_, y_)
            torch.autograd.grad(z, (a_, y_), gz)
        return call, ("qr + Q (Q^H y), autograd.grad for gA, gy (complex grad_outputs)" if dtype.is_complex
                      else "qr + Q (Q^T y), autograd.grad for gA, gy")
    if w == "proj.bwd":
        a_ = a.detach().requires_grad_()
        y_ = y.detach().requires_grad_()
        z = project(a_, y_)
        return (lambda: torch.autograd.grad(z, (a_, y_), gz, retain_graph=True)), "autograd.grad through qr + matmuls"
    if w == "qr.fwd":
        def call():
            with torch.no_grad():
                torch.linalg.qr(a)
        return call, "torch.linalg.qr (reduced)"
    if w == "qr.bwd":
        a_ = a.detach().requires_grad_()
        q, r = torch.linalg.qr(a_)
        return (lambda: torch.autograd.grad((q, r), a_, (gq, gr), retain_graph=True)), "autograd.grad of linalg.qr"
    if w == "pinv.fwd":
        def call():
            with torch.no_grad():
                torch.linalg.pinv(a)
        return call, "torch.linalg.pinv"
    if w == "pinv.bwd":
        a_ = a.detach().requires_grad_()
        x = torch.linalg.pinv(a_)
        return (lambda: torch.autograd.grad(x, a_, gx, retain_graph=True)), "autograd.grad of linalg.pinv"
    if w == "lstsq":
        def call():
            with torch.no_grad():
                torch.linalg.lstsq(a, y, driver="gels")
        return call, "torch.linalg.lstsq(driver='gels', QR-based)"
    raise ValueError("unknown workload " + w)


def timer(device):
    if device == "cuda":
        def t(call):
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            start.record()
            call()
            end.record()
            torch.cuda.synchronize()
            return start.elapsed_time(end) / 1000.0
        return t

    def t(call):
        s = time.perf_counter()
        call()
        return time.perf_counter() - s
    return t


def run_case(case, req):
    device = case["device"]
    if device == "cuda" and not torch.cuda.is_available():
        return {"id": case["id"], "status": "absent", "note": "torch.cuda.is_available() is False"}
    dtype = DTYPES.get(case["dtype"])
    if dtype is None:
        return {"id": case["id"], "status": "failed", "note": "unknown dtype %r" % case["dtype"]}
    try:
        call, note = make_call(case, dtype, device, req["seed"])
        t = timer(device)
        single = req.get("single_shot_above_s") or float("inf")
        cap = req.get("case_cap_s") or float("inf")
        warmup = 0
        while warmup < req["warmup"]:
            warmup += 1
            if t(call) > single:
                break
        samples, total = [], 0.0
        while (len(samples) < req["max_reps"] and (len(samples) < req["min_reps"] or total < req["budget_s"])
               and (not samples or total + samples[-1] <= cap)):
            s = t(call)
            samples.append(s)
            total += s
        return {"id": case["id"], "status": "ok", "samples_s": samples, "warmup": warmup, "note": note}
    except Exception as e:  # reported, never hidden: the row shows failed with the message
        return {"id": case["id"], "status": "failed", "note": "%s: %s" % (type(e).__name__, e)}


def blas_info():
    """BLAS_INFO / LAPACK_INFO from torch's build configuration (e.g. 'BLAS_INFO=generic')."""
    found = re.findall(r"\b((?:BLAS|LAPACK)_INFO=[^,\s]+)", torch.__config__.show())
    return ", ".join(found) or None


def run_all(req, run):
    """run(case) for each case until req["deadline_s"] seconds have passed (none: all); the rest absent."""
    start, deadline = time.perf_counter(), req.get("deadline_s")
    results = []
    for c in req["cases"]:
        if deadline is not None and time.perf_counter() - start > deadline:
            results.append({"id": c["id"], "status": "absent", "note": "the peer's %.0f s were spent before this case" % deadline})
        else:
            results.append(run(c))
    return results


def main():
    req = json.load(sys.stdin)
    torch.set_num_threads(int(req["threads"]))
    results = run_all(req, lambda c: run_case(c, req))
    out = {
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cuda_device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "threads": torch.get_num_threads(),
        "blas": blas_info(),
        "results": results,
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
