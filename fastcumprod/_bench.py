"""`python -m fastcumprod bench`: speed against numpy, torch and np.copyto."""
import time

import numpy as np

from . import _dispatch, _reference
from ._api import cumprod
from ._cases import CASES

# Lanes checked against the (slow, exact) complex reference per case.
_COMPLEX_CHECK_LANES = 16


def _best_times(contenders, rounds):
    """Best time of each contender, running them in turn in every round so that
    drifts in machine load fall on all of them alike."""
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def _check(case, x, y):
    """y against the reference: all of it, or for complex a few lanes."""
    if y.dtype.kind == "c":
        lanes = tuple(slice(None) if a == case.dim else slice(0, _COMPLEX_CHECK_LANES)
                      for a in range(x.ndim))
        x, y = x[lanes], y[lanes]
    expected = _reference.cumprod(x, case.dim, dtype=case.result)
    if y.dtype != expected.dtype or not np.array_equal(
            np.ascontiguousarray(y).view(np.uint8), np.ascontiguousarray(expected).view(np.uint8)):
        raise AssertionError(f"{case.name}: result differs from the reference")


def _contenders(case, x, torch):
    out = case.make_out(cumprod(x.flat[:1], 0, dtype=case.result).dtype)
    # the floor: a copy of the result's bytes between contiguous arrays
    copy_src = np.ones(out.shape, out.dtype)
    copy_dst = np.empty_like(copy_src)
    # numpy and torch write into the same out=: where a buffer lies against
    # the input costs every contender alike (a 2**24 float64 chain into a
    # buffer 4 KiB below the input's end: 16 ms; at other gaps: 14 ms, for
    # fastcumprod, torch and a C loop alike; AMD EPYC).  Each out= contender
    # runs after a new result or a copy of as many bytes, which leaves little
    # of the last one's writes in the cache.
    np_out = out
    res = {
        "fastcumprod": lambda: cumprod(x, case.dim, dtype=case.result),
        "fcp out=": lambda: cumprod(x, case.dim, dtype=case.result, out=out),
        "numpy": lambda: np.cumprod(x, axis=case.dim, dtype=case.result),
        "np out=": lambda: np.cumprod(x, axis=case.dim, dtype=case.result, out=np_out),
        "copyto": lambda: np.copyto(copy_dst, copy_src),
    }
    if torch is not None:
        # torch cannot wrap negative strides: it gets a contiguous copy, untimed.
        t = torch.from_numpy(x if all(s >= 0 for s in x.strides) else x.copy())
        t_out = torch.from_numpy(out)
        dtype = None if case.result is None else getattr(torch, case.result)
        threads = torch.get_num_threads()

        def torch_one_thread():
            torch.set_num_threads(1)
            try:
                torch.cumprod(t, case.dim, dtype=dtype)
            finally:
                torch.set_num_threads(threads)

        res["torch"] = lambda: torch.cumprod(t, case.dim, dtype=dtype)
        res["torch out="] = lambda: torch.cumprod(t, case.dim, dtype=dtype, out=t_out)
        res["torch 1 thr"] = torch_one_thread
    return res


def select_cases(full=False, select=None):
    """The cases to run: the quick ones, every one with full; with select,
    every case (quick or not) whose name contains it, case-insensitively."""
    if select is not None:
        return [c for c in CASES if select.lower() in c.name.lower()]
    return [c for c in CASES if full or c.quick]


def run(full=False, rounds=5, select=None, print=print):
    """Time every case (the quick ones unless full), print a row as each ends."""
    try:
        import torch
    except ImportError:
        torch = None
    cases = select_cases(full, select)
    names = ["fastcumprod", "fcp out=", "numpy", "np out="]
    names += (["torch", "torch out=", "torch 1 thr"] if torch else []) + ["copyto"]
    peers = ["numpy"] + (["torch"] if torch else [])
    head = (f"{'case':28s}" + "".join(f"{n:>12s}" for n in names) + f"{'vs numpy':>10s}"
            + (f"{'vs torch':>10s}" if torch else "") + f"{'out= vs':>10s}{'out/copy':>10s}")
    print("times in ms, best of %d interleaved rounds; 'vs X' = time of X / time of "
          "fastcumprod, new results; 'out= vs' = %s into out= / fcp out=; "
          "'out/copy' = fcp out= / np.copyto of the result's bytes"
          % (rounds, "the faster of numpy and torch" if torch else "numpy"))
    print(head)
    rows = []
    for case in cases:
        x = case.make()
        contenders = _contenders(case, x, torch)
        for fn in contenders.values():
            fn()
        _dispatch.wait_prepared()  # time what auto settles on, not a compile
        _check(case, x, cumprod(x, case.dim, dtype=case.result))
        best = _best_times(contenders, rounds)
        line = f"{case.name:28s}" + "".join(f"{best[n] * 1e3:12.2f}" for n in names)
        line += "".join(f"{best[p] / best['fastcumprod']:10.1f}" for p in peers)
        line += f"{_faster(best, peers, ' out=') / best['fcp out=']:10.1f}"
        line += f"{best['fcp out='] / best['copyto']:10.2f}"
        print(line)
        rows.append((case, best))
    if rows:
        new = [_faster(best, peers) / best["fastcumprod"] for _, best in rows]
        out = [_faster(best, peers, " out=") / best["fcp out="] for _, best in rows]
        over = ("numpy and torch, the faster of them in each case," if torch
                else "numpy (torch is not installed)")
        print(f"geometric-mean speed-up over {over} over {len(rows)} cases: "
              f"{_geomean(new):.1f}x new results, {_geomean(out):.1f}x into out=")
    return rows


def _faster(best, peers, suffix=""):
    """The faster peer's time (numpy's out= column is 'np out=')."""
    return min(best[p.replace("numpy", "np") + suffix if suffix else p] for p in peers)


def _geomean(values):
    return float(np.exp(np.mean(np.log(values))))


def run_numpy(full=False, rounds=5, select=None, print=print):
    """fastcumprod.numpy.cumprod against numpy.cumprod (the same results, bit
    for bit: checked) on every case (the quick ones unless full)."""
    import warnings
    from . import numpy as fnp
    cases = select_cases(full, select)
    print("fastcumprod.numpy against numpy (numpy's semantics); times in ms, best of %d "
          "interleaved rounds" % rounds)
    print(f"{'case':28s}{'fcp.numpy':>12s}{'fcp out=':>12s}{'numpy':>12s}{'copyto':>12s}"
          f"{'vs numpy':>10s}{'out/copy':>10s}")
    speedups = []
    for case in cases:
        x = case.make()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
            expected = np.cumprod(x, axis=case.dim, dtype=case.result)
            out = case.make_out(expected.dtype)
            copy_src = np.ones(out.shape, out.dtype)
            copy_dst = np.empty_like(copy_src)
            contenders = {
                "fcp.numpy": lambda: fnp.cumprod(x, case.dim, dtype=case.result),
                "fcp out=": lambda: fnp.cumprod(x, case.dim, dtype=case.result, out=out),
                "numpy": lambda: np.cumprod(x, axis=case.dim, dtype=case.result),
                "copyto": lambda: np.copyto(copy_dst, copy_src)}
            for fn in contenders.values():
                fn()
            _dispatch.wait_prepared()
            y = fnp.cumprod(x, case.dim, dtype=case.result)
            if y.dtype != expected.dtype or not np.array_equal(
                    np.ascontiguousarray(y).view(np.uint8),
                    np.ascontiguousarray(expected).view(np.uint8)):
                raise AssertionError(f"{case.name}: fastcumprod.numpy differs from numpy")
            best = _best_times(contenders, rounds)
        speedups.append(best["numpy"] / best["fcp.numpy"])
        print(f"{case.name:28s}" + "".join(f"{best[k] * 1e3:12.2f}" for k in contenders)
              + f"{speedups[-1]:10.1f}{best['fcp out='] / best['copyto']:10.2f}")
    if speedups:
        print(f"geometric-mean speedup over numpy: {np.exp(np.mean(np.log(speedups))):.1f}x "
              f"over {len(speedups)} cases")
    return speedups


def run_variants(full=False, rounds=5, select=None, print=print):
    """reverse, exclusive and nancumprod against plain cumprod on every case,
    each into out= (the quick ones unless full): what each variant costs."""
    from ._api import nancumprod
    cases = select_cases(full, select)
    names = ["cumprod", "reverse", "exclusive", "nancumprod"]
    print("the scan family into out=; times in ms, best of %d interleaved rounds; "
          "'x' = time / plain cumprod's" % rounds)
    print(f"{'case':28s}" + "".join(f"{n:>12s}" for n in names)
          + "".join(f"{n[:9] + ' x':>12s}" for n in names[1:]))
    worst = 0.0
    for case in cases:
        x = case.make()
        out = case.make_out(cumprod(x.flat[:1], 0, dtype=case.result).dtype)
        contenders = {
            "cumprod": lambda: cumprod(x, case.dim, dtype=case.result, out=out),
            "reverse": lambda: cumprod(x, case.dim, dtype=case.result, out=out, reverse=True),
            "exclusive": lambda: cumprod(x, case.dim, dtype=case.result, out=out,
                                         exclusive=True),
            "nancumprod": lambda: nancumprod(x, case.dim, dtype=case.result, out=out)}
        for fn in contenders.values():
            fn()
        _dispatch.wait_prepared()
        best = _best_times(contenders, rounds)
        ratios = [best[n] / best["cumprod"] for n in names[1:]]
        worst = max(worst, *ratios)
        print(f"{case.name:28s}" + "".join(f"{best[n] * 1e3:12.2f}" for n in names)
              + "".join(f"{r:12.2f}" for r in ratios))
    print(f"slowest variant: {worst:.2f}x plain cumprod")
    return worst


def crossover(rounds=5, print=print):
    """Cython against numba (at the current thread count) by size, for rows,
    chains and a lone integer lane, with a new result and with out=: where
    auto's thresholds come from."""
    from ._dispatch import get_backend, set_backend
    rng = np.random.default_rng(0)
    print(f"threads {_dispatch.get_num_threads()}; times in us, best of {rounds} interleaved "
          f"rounds; new: a new result, out: out= of written pages")
    print(f"{'elements':>10s}  {'layout':22s}{'cy new':>9s}{'nb new':>9s}{'nb/cy':>7s}"
          f"{'cy out':>9s}{'nb out':>9s}{'nb/cy':>7s}")
    previous = get_backend()
    try:
        for log2 in range(14, 25, 2):
            size = 1 << log2
            cols = min(size, 1024)
            cases = [("rows (2-D C, dim 0)", rng.uniform(0.999, 1.001, (size // cols, cols)), 0),
                     ("chains (2-D C, dim 1)", rng.uniform(0.999, 1.001, (cols, size // cols)), 1),
                     ("1-D int64", rng.integers(1, 3, size), 0)]
            for name, x, dim in cases:
                out = np.empty_like(x)
                set_backend("numba")
                cumprod(x, dim, out=out)  # compile or load before timing

                def run(backend, buffer):
                    set_backend(backend)
                    cumprod(x, dim, out=buffer)

                best = _best_times({"cy new": lambda: run("cython", None),
                                    "nb new": lambda: run("numba", None),
                                    "cy out": lambda: run("cython", out),
                                    "nb out": lambda: run("numba", out)}, rounds)
                us = {k: v * 1e6 for k, v in best.items()}
                print(f"{size:10d}  {name:22s}{us['cy new']:9.1f}{us['nb new']:9.1f}"
                      f"{us['nb new'] / us['cy new']:7.2f}{us['cy out']:9.1f}{us['nb out']:9.1f}"
                      f"{us['nb out'] / us['cy out']:7.2f}")
    finally:
        set_backend(previous)


def scaling(rounds=5, print=print):
    """The numba kernels (out=) on the 2-D and 3-D cases at 1, 2, 4, 8 and 16
    threads (those the machine has), beside the Cython kernel, torch at the
    same thread counts and np.copyto of the result's bytes."""
    import os
    from ._dispatch import get_backend, get_num_threads, set_backend, set_num_threads
    try:
        import torch
    except ImportError:
        torch = None
    counts = [t for t in (1, 2, 4, 8, 16) if t <= (os.cpu_count() or 1)]
    cases = [c for c in CASES if len(c.shape) > 1]
    print(f"times in ms with out=, best of {rounds} interleaved rounds; {os.cpu_count()} CPUs")
    head = "".join(f"{f'nb {t}':>8s}" for t in counts) + f"{'cython':>8s}{'copyto':>8s}"
    if torch is not None:
        head += "".join(f"{f'torch {t}':>9s}" for t in counts)
    print(f"{'case':26s}" + head)
    saved = get_backend(), get_num_threads()
    torch_threads = torch.get_num_threads() if torch is not None else None
    try:
        for case in cases:
            x = case.make()
            out = np.empty_like(x, dtype=cumprod(x.flat[:1], 0, dtype=case.result).dtype)

            def run(backend, threads=1):
                set_backend(backend)
                set_num_threads(threads)
                cumprod(x, case.dim, dtype=case.result, out=out)

            run("numba")
            copy_src = out.copy(order="K")  # written pages: untouched ones read as zeros
            contenders = {t: (lambda t=t: run("numba", t)) for t in counts}
            contenders["cython"] = lambda: run("cython")
            contenders["copyto"] = lambda: np.copyto(out, copy_src)
            if torch is not None:
                t_x = torch.from_numpy(x if all(s >= 0 for s in x.strides) else x.copy())
                t_out = torch.empty(x.shape, dtype=torch.from_numpy(out[:0]).dtype)
                dtype = None if case.result is None else getattr(torch, case.result)

                def run_torch(threads):
                    torch.set_num_threads(threads)
                    torch.cumprod(t_x, case.dim, dtype=dtype, out=t_out)

                contenders.update({f"torch {t}": (lambda t=t: run_torch(t)) for t in counts})
            best = _best_times(contenders, rounds)
            print(f"{case.name:26s}" + "".join(f"{best[k] * 1e3:8.2f}" for k in counts)
                  + f"{best['cython'] * 1e3:8.2f}{best['copyto'] * 1e3:8.2f}"
                  + "".join(f"{best[f'torch {t}'] * 1e3:9.2f}" for t in counts if torch is not None))
    finally:
        set_backend(saved[0])
        set_num_threads(saved[1])
        if torch is not None:
            torch.set_num_threads(torch_threads)


# The six large calls auto may give numba: (name, shape, dtype, dim, dtype=).
STARTUP_CASES = [
    ("float64 along 0", (4096, 4096), "float64", 0, None),
    ("float32 along 1", (4096, 4096), "float32", 1, None),
    ("int32 along 0", (4096, 4096), "int32", 0, None),
    ("complex128 along 1", (1024, 4096), "complex128", 1, None),
    ("lone int64 lane", (2**24,), "int64", 0, None),
    ("int16 into int32", (4096, 4096), "int16", 0, "int32"),
]

_STARTUP_CHILD = """
import json, sys, time
start = time.perf_counter()
import numpy as np, fastcumprod
from fastcumprod import _bench, _dispatch
report = {"import": time.perf_counter() - start, "cases": []}
arrays = []
for name, shape, dtype, dim, result in _bench.STARTUP_CASES:
    rng = np.random.default_rng(0)
    x = (rng.integers(1, 3, shape) if np.dtype(dtype).kind in "iu"
         else rng.uniform(0.999, 1.001, shape)).astype(dtype)
    # out's pages mapped: a first write to fresh pages costs numpy as much
    # (64 MiB: 15-150 ms here), and is not fastcumprod's start-up
    out = np.zeros(shape, fastcumprod.cumprod(x.flat[:1], 0, dtype=result).dtype)
    out[...] = 1
    arrays.append((name, x, dim, result, out))
for name, x, dim, result, out in arrays:
    t0 = time.perf_counter()
    fastcumprod.cumprod(x, dim, dtype=result, out=out)
    first = time.perf_counter() - t0
    # calls until 3 s after the first: the median time of those in the
    # half second before (one call at 16 threads strays up to 2.5x)
    times = []
    while True:
        t = time.perf_counter()
        fastcumprod.cumprod(x, dim, dtype=result, out=out)
        times.append((t - t0, time.perf_counter() - t))
        if t - t0 >= 3.0:
            break
    later = float(np.median([d for s, d in times if s >= 2.5] or [times[-1][1]]))
    _dispatch.wait_prepared()
    steady = min(_bench._best_times({"c": lambda: fastcumprod.cumprod(x, dim, dtype=result,
                                                                       out=out)}, 5).values())
    report["cases"].append({"name": name, "first": first, "after_3s": later, "steady": steady})
print(json.dumps(report))
"""


def startup(print=print, warmup=True):
    """Fresh processes at the current thread count: `warmup` from an empty
    numba cache; then the first call of each STARTUP_CASE, its time 3 s later
    (the median of its calls 2.5-3 s after the first) and its steady time,
    with an empty cache and with a warm one."""
    import json
    import os
    import subprocess
    import sys
    import tempfile
    import time
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        start = time.perf_counter()
        if warmup:
            subprocess.run([sys.executable, "-m", "fastcumprod", "warmup"], env=env,
                           check=True, capture_output=True)
            print(f"warmup from an empty cache: {time.perf_counter() - start:.1f} s")
    for label in ("empty cache", "warm cache"):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache)
            if label == "warm cache":  # the cache these calls leave
                subprocess.run([sys.executable, "-c", _STARTUP_CHILD], env=env, check=True,
                               capture_output=True)
            proc = subprocess.run([sys.executable, "-c", _STARTUP_CHILD], env=env, check=True,
                                  capture_output=True, text=True)
        report = json.loads(proc.stdout)
        cases = report["cases"]
        print(f"{label}: import {report['import'] * 1e3:.0f} ms; first calls "
              f"{sum(c['first'] for c in cases):.2f} s in all")
        print(f"  {'case':22s}{'first':>10s}{'3 s later':>11s}{'steady':>10s}{'first/steady':>14s}"
              f"{'3 s/steady':>12s}")
        for c in cases:
            print(f"  {c['name']:22s}{c['first'] * 1e3:10.1f}{c['after_3s'] * 1e3:11.1f}"
                  f"{c['steady'] * 1e3:10.1f}{c['first'] / c['steady']:14.2f}"
                  f"{c['after_3s'] / c['steady']:12.2f}")
