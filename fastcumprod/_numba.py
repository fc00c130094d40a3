"""The numba backend: 3-D views for its kernels, when it may run, compiling on the side.

Numba's default threading layer (workqueue) aborts when two threads enter a
parallel region at once: a call that finds the parallel kernels busy returns
False and its caller uses the Cython kernel, which gives bit-identical
results (so does a process forked from one that touched numba: _dispatch).
Importing this module raises where numba cannot run its kernels.
"""
import resource
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

import numba

if numba.config.DISABLE_JIT:
    # The kernels would run as Python functions, whose arithmetic is not the
    # kernels' (numpy scalars, no llvm.fma): off, rather than slow and wrong.
    raise ImportError("NUMBA_DISABLE_JIT is set")

from ._dtypes import INPUT_DTYPES, RESULT_DTYPES
from ._nb import kernels

# From this many threads, a fresh result's pages are mapped before a kernel
# that splits its rows (see _map_pages; with 2 threads it cost 0.2-1.2 ms more
# than it saved).
MAP_PAGES_MIN_THREADS = 4

# Address space a thread of numba's pool takes beyond its stack (guard page,
# TLS, its arena's first reservation is not counted: glibc falls back to the
# main arena), and what the process keeps free besides.
THREAD_OVERHEAD = 1 << 20
ROOM_MARGIN = 64 << 20

_busy = threading.Lock()
_used = False          # a parallel region ran in this process
_room_checked = 0      # threads known to fit in the address space


def check():
    """Raise where the kernels cannot run: a cache index numba cannot read."""
    for kernel in _CACHED:
        cache = getattr(kernel, "_cache", None)
        index = getattr(getattr(cache, "_cache_file", None), "_load_index", None)
        if index is None:
            continue
        try:
            index()
        except Exception as e:
            raise RuntimeError(f"numba's cache of {kernel.__name__} at {cache._cache_path} "
                               f"cannot be read ({type(e).__name__}: {e}); delete that "
                               f"folder, or set NUMBA_CACHE_DIR to another") from None


def _room_for_threads(threads):
    """Raise MemoryError unless `threads` pool threads fit under RLIMIT_AS:
    libgomp ends the process when it cannot create one ("libgomp: Thread
    creation failed")."""
    global _room_checked
    if threads <= _room_checked:
        return
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    if limit != resource.RLIM_INFINITY:
        stack = resource.getrlimit(resource.RLIMIT_STACK)[0]
        if stack == resource.RLIM_INFINITY:
            stack = 32 << 20
        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * resource.getpagesize()
        if used + threads * (stack + THREAD_OVERHEAD) + ROOM_MARGIN > limit:
            raise MemoryError(f"no address space left under RLIMIT_AS for {threads} "
                              f"threads of numba's pool")
    _room_checked = threads


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
    _room_for_threads(numba.config.NUMBA_NUM_THREADS)
    kernel, types = signature(x, y, plan)
    kernel.compile(types)
    if not plan.chains:
        kernels.map_pages.compile(_MAP_PAGES)


def scan(x, y, plan, threads, fresh=False, may_compile=True):
    """y = cumprod(x) along the plan with `threads` threads; False when the
    parallel kernels cannot run now (see the module docstring).  fresh: y was
    allocated for this call; may_compile: whether a kernel may be compiled now."""
    global _used
    threads = min(threads, numba.config.NUMBA_NUM_THREADS)
    _room_for_threads(numba.config.NUMBA_NUM_THREADS)
    if not _busy.acquire(blocking=False):
        return False
    try:
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
    as their real part, floating inputs of integer results left to Cython
    (see _dispatch.numba_supports)."""
    pairs = set()
    for src in INPUT_DTYPES:
        for dst in RESULT_DTYPES:
            if np.float16 in (src, dst) or (src.kind in "fc" and dst.kind in "iu"):
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


_CACHED = (kernels.scan_rows, kernels.scan_chains, kernels.scan_split, kernels.map_pages,
           kernels._chains, kernels._chunk_product, kernels._chunk_scan, kernels._keep_nan,
           kernels._cmul, kernels._nan_of, kernels._quiet)


def cache_dir():
    """Where numba keeps this module's compiled kernels."""
    return kernels.scan_rows._cache._cache_path
