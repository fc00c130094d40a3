"""Thread scaling of whichever fastcumprod is on PYTHONPATH, on this tree's
bench cases (so that an older tree runs the same cases):

    PYTHONPATH=TREE NUMBA_CACHE_DIR=DIR python docs/scaling_ab.py LABEL ROUNDS [torch]

prints one JSON line per case: best times in ms with out= of the numba
backend at 1-16 threads, the Cython backend, np.copyto of the result's bytes
(and torch at the same thread counts), and whether every thread count gave
the Cython result's bits.  docs/performance.md ("Thread scaling") alternated
two trees, two rounds each, and kept the best of each.  The contenders are
`python -m fastcumprod scaling`'s, written again here because this script
runs against trees whose scaling has fewer cases and prints no JSON.
"""
import importlib.util
import json
import os
import sys
import time

import numpy as np

import fastcumprod
from fastcumprod._bench import _best_times as best_times  # (both trees have it)

_spec = importlib.util.spec_from_file_location(
    "cases", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fastcumprod",
                          "_cases.py"))
_cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_cases)
CASES = _cases.CASES
label, rounds, with_torch = sys.argv[1], int(sys.argv[2]), "torch" in sys.argv[3:]
counts = [t for t in (1, 2, 4, 8, 16) if t <= os.cpu_count()]
names = os.environ.get("CASES")  # a comma-separated subset of the cases' names
# The cases the drivers split: 2-D and 3-D ones and the lone integer lanes
# (floating lone lanes and absorbing ones run serially on either tree).
cases = [c for c in CASES
         if (len(c.shape) > 1 or c.name in ("1-D int64", "1-D int32 dtype=int32"))
         and c.values == "near 1" and (not names or c.name in names.split(","))]
if with_torch:
    import torch


for case in cases:
    t0 = time.perf_counter()
    x = case.make()
    rdt = fastcumprod.cumprod(x.flat[:1].copy(), 0, dtype=case.result).dtype
    out = case.make_out(rdt)

    def run(backend, threads=1):
        fastcumprod.set_backend(backend)
        fastcumprod.set_num_threads(threads)
        fastcumprod.cumprod(x, case.dim, dtype=case.result, out=out)

    run("cython")
    ref = out.tobytes()
    ok = True
    for t in counts:
        out[...] = 0
        run("numba", t)
        ok = ok and out.tobytes() == ref
    setup = time.perf_counter() - t0
    src = out.copy(order="K")
    con = {f"nb {t}": (lambda t=t: run("numba", t)) for t in counts}
    con["cython"] = lambda: run("cython")
    con["copyto"] = lambda: np.copyto(out, src)
    if with_torch:
        tx = torch.from_numpy(x if all(s >= 0 for s in x.strides) else x.copy())
        tout = torch.empty(x.shape, dtype=torch.from_numpy(out[:0].copy()).dtype)
        tdt = None if case.result is None else getattr(torch, case.result)

        def run_torch(t):
            torch.set_num_threads(t)
            torch.cumprod(tx, case.dim, dtype=tdt, out=tout)
        con.update({f"torch {t}": (lambda t=t: run_torch(t)) for t in counts})
    best = best_times(con, rounds)
    print(json.dumps({"label": label, "case": case.name, "setup_s": round(setup, 2), "bits_ok": ok,
                      **{k: round(v * 1e3, 3) for k, v in best.items()}}), flush=True)
