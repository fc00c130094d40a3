"""Mixed layouts into out= (docs/performance.md, "Mixed layouts"): 3-D
(64, 512, 512) float32 and float64, Fortran into C and C into Fortran along
each axis, and 2-D Fortran into C, timed for fastcumprod (auto backend, 2
threads), torch (2 threads) and np.copyto of the result's bytes between two
same-order arrays, in one process, each in turn in every round, best of 5.

    python docs/mixed_layouts.py      (needs torch; about a minute)
"""
import time

import numpy as np
import torch

import fastcumprod as fc
from fastcumprod import _dispatch

fc.set_num_threads(2)
torch.set_num_threads(2)


def once(f):
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


rng = np.random.default_rng(0)
rows = []
for dt in ["float32", "float64"]:
    for o, oo in [("F", "C"), ("C", "F")]:
        for d in range(3):
            rows.append(((64, 512, 512), dt, o, oo, d))
for dt, s in [("float32", (8192, 4096)), ("float64", (4096, 4096))]:
    for d in range(2):
        rows.append((s, dt, "F", "C", d))
for shape, dt, o, oo, d in rows:
    x = np.asarray(rng.uniform(0.9, 1.1, shape).astype(dt), order=o)
    y = np.empty(shape, dt, order=oo)
    ty = torch.from_numpy(y)
    tx = torch.from_numpy(x)
    src = np.ones(shape, dt) * 1.5
    dst = np.empty(shape, dt)
    fc.cumprod(x, d, out=y)
    # After the first call that wants numba, which starts preparing it on the
    # side: before it there is nothing to wait for, and the first rows were
    # timed on one thread while numba loaded.
    _dispatch.wait_prepared()
    torch.cumprod(tx, d, out=ty)
    np.copyto(dst, src)
    best = {"fcp": 1e9, "torch": 1e9, "copy": 1e9}
    for r in range(5):
        best["fcp"] = min(best["fcp"], once(lambda: fc.cumprod(x, d, out=y)))
        best["torch"] = min(best["torch"], once(lambda: torch.cumprod(tx, d, out=ty)))
        best["copy"] = min(best["copy"], once(lambda: np.copyto(dst, src)))
    f, t, c = (best[k] * 1e3 for k in ("fcp", "torch", "copy"))
    print(f"{len(shape)}-D {dt} {o} into {oo} along {d}: fastcumprod {f:6.1f} ms, "
          f"torch {t:6.1f}, copy {c:5.1f}, fastcumprod/copy {f / c:5.2f}", flush=True)
