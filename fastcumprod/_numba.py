"""The numba backend: 3-D views for its kernels, when it may run, compiling on the side.

Numba's default threading layer (workqueue) aborts when two threads enter a
parallel region at once, and an OpenMP layer can hang in a process forked
after a parallel call: a call that finds the parallel kernels busy, or runs
in such a forked child, returns False and its caller uses the Cython kernel,
which gives bit-identical results.
"""
import os
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

import numba

from ._dtypes import INPUT_DTYPES, RESULT_DTYPES, cast_in_kernel
from ._nb import kernels

# From this many threads, a fresh result's pages are mapped before a kernel
# that splits its rows (see _map_pages; with 2 threads it cost 0.2-1.2 ms more
# than it saved).
MAP_PAGES_MIN_THREADS = 4

_busy = threading.Lock()
_used = False          # a parallel region ran in this process
_forked_after_use = False


def _after_fork_in_child():
    global _forked_after_use
    _forked_after_use = _used


os.register_at_fork(after_in_child=_after_fork_in_child)


def _views(x, y):
    """bool inputs as uint8, integer results as unsigned of the same width (the
    same bits): the kernels then see 4 integer result types instead of 8."""
    if x.dtype.kind == "b":
        x = x.view(np.uint8)
    if y.dtype.kind == "i":
        y = y.view(f"u{y.itemsize}")
    return x, y


def _call(x, y, plan, threads=1):
    """The kernel and its arguments for a planned call."""
    x, y = _views(x, y)
    xi, yi = x.itemsize, y.itemsize
    (outer, xs_o, ys_o), = plan.outer or ((1, 0, 0),)
    # Inputs are always passed read-only, so that a read-only input does not
    # need kernels of its own.
    if outer * plan.m == 1 and y.dtype.kind == "u":
        return kernels.scan_split, (
            as_strided(x, (plan.n,), (plan.xs_n * xi,), writeable=False),
            as_strided(y, (plan.n,), (plan.ys_n * yi,)), threads)
    shape = (outer, plan.n, plan.m)
    x3 = as_strided(x, shape, (xs_o * xi, plan.xs_n * xi, plan.xs_m * xi), writeable=False)
    y3 = as_strided(y, shape, (ys_o * yi, plan.ys_n * yi, plan.ys_m * yi))
    return (kernels.scan_chains if plan.chains else kernels.scan_rows), (x3, y3, threads)


def signature(x, y, plan):
    """The kernel and numba argument types of this call."""
    kernel, args = _call(x, y, plan)
    return kernel, tuple(numba.typeof(a) for a in args)


def compiled(x, y, plan):
    """Whether this call's kernel is compiled (or loaded from the disk cache)."""
    kernel, types = signature(x, y, plan)
    return types in kernel.overloads


def compile(x, y, plan):
    """Compile this call's kernel, or load it from numba's disk cache."""
    kernel, types = signature(x, y, plan)
    kernel.compile(types)
    if not plan.chains:
        kernels.map_pages.compile(_MAP_PAGES)


def scan(x, y, plan, threads, fresh=False, may_compile=True):
    """y = cumprod(x) along the plan with `threads` threads; False when the
    parallel kernels cannot run now (see the module docstring).  fresh: y was
    allocated for this call; may_compile: whether a kernel may be compiled now."""
    global _used
    if _forked_after_use or not _busy.acquire(blocking=False):
        return False
    try:
        threads = min(threads, numba.config.NUMBA_NUM_THREADS)
        numba.set_num_threads(threads)
        _used = True
        if fresh and threads >= MAP_PAGES_MIN_THREADS and _row_split(plan, threads):
            _map_pages(y, threads, may_compile)
        kernel, args = _call(x, y, plan, threads)
        kernel(*args)
        return True
    finally:
        _busy.release()


def _row_split(plan, threads):
    """Whether the rows kernel splits each row between threads: then every
    thread writes to every page of the result."""
    outer = plan.outer[0][0] if plan.outer else 1
    return not plan.chains and outer < threads and plan.m > kernels.MIN_ROW_BLOCK


_MAP_PAGES = (numba.types.Array(numba.types.uint8, 1, "C"), numba.types.int64)


def _map_pages(y, threads, may_compile):
    """Have the threads map the pages of a fresh result in contiguous parts
    before a kernel whose threads each write a block of every row: faulting the
    same pages from every thread at once took 2-3 times as long (16 threads,
    2048x8192 float64 along 0: README, "Thread scaling")."""
    if (y.flags.c_contiguous or y.flags.f_contiguous) and (
            may_compile or _MAP_PAGES in kernels.map_pages.overloads):
        kernels.map_pages(y.ravel(order="K").view(np.uint8), threads)


def kernel_pairs():
    """The (input, result) dtype pairs the kernels see: bool inputs as uint8,
    integer results as unsigned, no float16, complex inputs of real results
    as their real part, floating inputs of integer results cast by numpy."""
    pairs = set()
    for src in INPUT_DTYPES:
        for dst in RESULT_DTYPES:
            if np.float16 in (src, dst) or not cast_in_kernel(src, dst):
                continue
            s = np.dtype(np.uint8) if src.kind == "b" else src
            if s.kind == "c" and dst.kind != "c":
                s = np.dtype(s.char.lower())
            d = np.dtype(f"u{dst.itemsize}") if dst.kind == "i" else dst
            pairs.add((s, d))
    return sorted(pairs, key=str)


def warmup(print=print):
    """Compile, or load from the disk cache, the kernels of every dtype pair:
    rows and chains over contiguous and strided arrays, and the split scan of
    a lone integer lane."""
    from ._layout import plan as make_plan
    for src, dst in kernel_pairs():
        x = np.ones((4, 6), src)
        y = np.empty((4, 6), dst)
        calls = [(x, y, 0), (x, y, 1), (x[:, ::2], y[:, ::2], 0), (x[:, ::2], y[:, ::2], 1)]
        if y.dtype.kind in "iu":
            calls += [(x[0], y[0], 0), (x[0, ::2], y[0, ::2], 0)]
        for a, b, dim in calls:
            compile(a, b, make_plan(a, b, dim))
        print(f"{src} -> {dst}")


def cache_dir():
    """Where numba keeps this module's compiled kernels."""
    return kernels.scan_rows._cache._cache_path
