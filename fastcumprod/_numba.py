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

from ._nb import kernels

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


def _call(x, y, plan):
    """The kernel and its arguments for a planned call."""
    x, y = _views(x, y)
    xi, yi = x.itemsize, y.itemsize
    (outer, xs_o, ys_o), = plan.outer or ((1, 0, 0),)
    if outer * plan.m == 1 and y.dtype.kind == "u":
        return kernels.scan_split, (as_strided(x, (plan.n,), (plan.xs_n * xi,)),
                                    as_strided(y, (plan.n,), (plan.ys_n * yi,)))
    shape = (outer, plan.n, plan.m)
    x3 = as_strided(x, shape, (xs_o * xi, plan.xs_n * xi, plan.xs_m * xi))
    y3 = as_strided(y, shape, (ys_o * yi, plan.ys_n * yi, plan.ys_m * yi))
    return (kernels.scan_chains if plan.chains else kernels.scan_rows), (x3, y3)


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


def scan(x, y, plan, threads):
    """y = cumprod(x) along the plan with `threads` threads; False when the
    parallel kernels cannot run now (see the module docstring)."""
    global _used
    if _forked_after_use or not _busy.acquire(blocking=False):
        return False
    try:
        kernel, args = _call(x, y, plan)
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        _used = True
        kernel(*args)
        return True
    finally:
        _busy.release()
