"""Where `out=` lies against the input, and what that costs each contender.

    python docs/placement.py [ROUNDS]

Places an input and its `out=` in one arena at chosen distances (in bytes,
from the input's start to out='s) and times, in turn in each round (best
kept), the Cython kernels at one thread, torch at one thread (where
installed) and np.copyto on: 2**20 x 16 float64 along 1 (four chains of
neighbouring lanes in the kernels, one lane at a time in torch) and the lone
int32 lane with dtype=int32 (2**24 elements).  np.empty_like called right
after a 2**k-byte input puts its result 2**k + 4 KiB below it; on the 2-core
AMD EPYC development machine that distance and a few others cost the
kernels' loops up to 2x (docs/performance.md, "Where out= lies").
"""
import sys

import numpy as np

import fastcumprod
from fastcumprod._bench import _best_times

try:
    import torch
    torch.set_num_threads(1)
except ImportError:
    torch = None

MIB = 1 << 20
GAPS = [64 * MIB + 64, 64 * MIB + 4096, 96 * MIB + 4096, 128 * MIB + 64,
        128 * MIB + 2048, 128 * MIB + 4096, 128 * MIB + 4608, 128 * MIB + 8192,
        192 * MIB + 4096, 256 * MIB + 4096]
CASES = [("2**20x16 float64 dim 1", (2**20, 16), np.float64, 1, None),
         ("1-D int32 dtype=int32", (2**24,), np.int32, 0, np.int32)]


def main(rounds=5):
    rng = np.random.default_rng(0)
    fastcumprod.set_backend("cython")
    fastcumprod.set_num_threads(1)
    for name, shape, dtype, dim, result in CASES:
        n = int(np.prod(shape))
        size = np.dtype(dtype).itemsize
        arena = np.empty((max(GAPS) + n * size) // size + 4096 // size, dtype)
        start = (-arena.ctypes.data % 4096) // size   # the input page-aligned
        x = arena[start:start + n].reshape(shape)
        if dtype == np.int32:
            x[...] = rng.integers(1, 3, shape)
        else:
            x[...] = rng.uniform(0.999, 1.001, shape)
        print(f"{name}: times in ms, best of {rounds} rounds in turn")
        print(f"{'out= - input (bytes)':>28} {'cython':>8} {'torch':>8} {'copyto':>8}")
        for gap in GAPS:
            if gap < n * size:
                continue
            y = arena[start + gap // size:start + gap // size + n].reshape(shape)
            calls = {"cython": lambda: fastcumprod.cumprod(x, dim, dtype=result, out=y),
                     "copyto": lambda: np.copyto(y, x)}
            if torch is not None:
                xt, yt = torch.from_numpy(x), torch.from_numpy(y)
                tdtype = None if result is None else torch.int32
                calls["torch"] = lambda: torch.cumprod(xt, dim, dtype=tdtype, out=yt)
            best = _best_times(calls, rounds)
            label = f"{gap // MIB} MiB + {gap % MIB}"
            torch_ms = f"{best['torch'] * 1e3:8.2f}" if "torch" in best else f"{'-':>8}"
            print(f"{label:>28} {best['cython'] * 1e3:8.2f} {torch_ms} "
                  f"{best['copyto'] * 1e3:8.2f}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
