"""The parallel backend: the numba drivers (fastcumprod._nb.drivers) running the
Cython kernels on blocks of a planned call, when they may run.

Numba's default threading layer (workqueue) aborts when two threads enter a
parallel region at once: a call that finds the parallel kernels busy returns
False and its caller uses the Cython kernel, which gives bit-identical
results (so does a process forked from one that touched numba: _dispatch).
Importing this module raises where numba cannot run its kernels.
"""
import resource
import threading

import numpy as np

import numba

if numba.config.DISABLE_JIT:
    # The kernels would run as Python functions, whose arithmetic is not the
    # kernels' (numpy scalars, no llvm.fma): off, rather than slow and wrong.
    raise ImportError("NUMBA_DISABLE_JIT is set")

from ._kernels import kernels
from ._nb import drivers

# From this many threads, a fresh result's pages are mapped before a kernel
# that splits its rows (see _map_pages; with 2 threads it cost 0.2-1.2 ms more
# than it saved).
MAP_PAGES_MIN_THREADS = 4
# Lanes per task when the lanes are side by side in memory (rows): whole
# rows stream best, as in the Cython kernels ...
ROW_BLOCK = 4096
# ... but no fewer per task than this when splitting a row between threads.
MIN_ROW_BLOCK = 256
# Lanes per task when each lane is contiguous along the scan (chains), in
# whole groups of the kernels' 4 interleaved chains.
CHAINS = 4
CHAIN_BLOCK = 256
# ... and, for lanes shorter than the kernels' SPREAD_CHAIN (taken in groups
# of neighbours), at least this many elements per task: 256 lanes of 16
# float64 made tasks of 32 KiB, whose calls cost more than their threads
# saved (2**20 x 16 along 1, into out=, 1 thread: 9.6 ms, Cython's one call
# 8.3 ms).
SHORT_CHAIN_ELEMENTS = 1 << 16
# Elements per task of a split integer lane.
SPLIT_CHUNK = 1 << 16

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


def _params(x, y, plan, via, carry=None, flags=0, fpe=None):
    """The kernels' parameters (PARAMS) of a planned call, as int64."""
    p = np.zeros(len(kernels.PARAMS), np.int64)
    (_, xs_o, ys_o), = plan.outer[-1:] or ((1, 0, 0),)
    values = {"src": kernels.type_code(x.dtype), "dst": kernels.type_code(y.dtype), "via": via,
              "mode": 0, "x": x.ctypes.data, "y": y.ctypes.data,
              "carry": 0 if carry is None else carry.ctypes.data,
              "n": plan.n, "xs_n": plan.xs_n, "ys_n": plan.ys_n,
              "m": plan.m, "xs_m": plan.xs_m, "ys_m": plan.ys_m, "chains": plan.chains,
              "flags": flags, "fpe": 0 if fpe is None else fpe.ctypes.data,
              "m2": 1, "xs_m2": xs_o, "ys_m2": ys_o,
              "cs_m2": 0 if carry is None else plan.m * carry.itemsize}
    for name, i in kernels.PARAMS.items():
        p[i] = values[name]
    return p


def _lone_integer_lane(plan, result_kind):
    outer = plan.outer[0][0] if plan.outer else 1
    return outer * plan.m == 1 and result_kind in "iu"


_U64 = np.dtype(np.uint64)
# A uint64 lane scanned in place: the running products of a split lane.
_SCAN_U64 = None


def _scan_u64_params():
    global _SCAN_U64
    if _SCAN_U64 is None:
        from ._layout import Plan
        one = np.empty(1, _U64)
        _SCAN_U64 = _params(one, one, Plan((), 0, 1, 1, 1, 0, 0, True), 0)
    return _SCAN_U64


_DRIVERS = {"lanes": drivers.lanes, "split": drivers.split, "map_pages": drivers.map_pages}


def wanted(plan, result_kind, fresh, threads):
    """The drivers a call runs: the one it needs, then map_pages where it maps
    a fresh result's pages first (the call runs without it until it is ready)."""
    if _lone_integer_lane(plan, result_kind):
        return ("split",)
    if fresh and _maps_pages(plan, min(threads, numba.config.NUMBA_NUM_THREADS)):
        return ("lanes", "map_pages")
    return ("lanes",)


def ready(names=None):
    """Whether these drivers (default: all) are compiled or loaded from the
    disk cache: one signature each, whatever the dtypes."""
    return all(_DRIVERS[name].signatures for name in (_DRIVERS if names is None else names))


def compile(names=None):
    """Compile these drivers (default: all), or load them from numba's disk
    cache, one by one."""
    _room_for_threads(numba.config.NUMBA_NUM_THREADS)
    p = _scan_u64_params()
    i = numba.typeof(np.int64(0))
    signatures = {"lanes": (i, numba.typeof(p)) + (i,) * 8,
                  "split": (i, numba.typeof(p), i, i, i, numba.typeof(p)),
                  "map_pages": _MAP_PAGES}
    for name in _DRIVERS if names is None else names:
        if not _DRIVERS[name].signatures:
            _DRIVERS[name].compile(signatures[name])


def scan(x, y, plan, threads, fresh=False, carry=None, via=0, flags=0, fpe=None):
    """y = cumprod(x) along the plan with `threads` threads; False when the
    parallel kernels cannot run now (see the module docstring).  fresh: y was
    allocated for this call; carry, via, flags, fpe: as the kernels take them."""
    global _used
    threads = min(threads, numba.config.NUMBA_NUM_THREADS)
    _room_for_threads(numba.config.NUMBA_NUM_THREADS)
    if not _busy.acquire(blocking=False):
        return False
    try:
        numba.set_num_threads(threads)
        _used = True
        p = _params(x, y, plan, via, carry, flags, fpe)
        i = np.int64
        if _lone_integer_lane(plan, y.dtype.kind):
            drivers.split(i(kernels.BLOCK_ADDRESS), p, i(x.itemsize), i(y.itemsize),
                          i(SPLIT_CHUNK), _scan_u64_params())
            return True
        # (map_pages may still be compiling on the side: auto's first calls)
        if fresh and _maps_pages(plan, threads) and drivers.map_pages.signatures:
            _map_pages(y, threads)
        (outer, xs_o, ys_o), = plan.outer or ((1, 0, 0),)
        carry_size = 0 if carry is None else carry.itemsize
        drivers.lanes(i(kernels.BLOCK_ADDRESS), p, i(outer), i(xs_o), i(ys_o), i(x.itemsize),
                      i(y.itemsize), i(carry_size), i(_width(plan, threads)), i(plan.group))
        return True
    finally:
        _busy.release()


def _width(plan, threads):
    """Lanes per task: rows in blocks of up to ROW_BLOCK, split between the
    threads when there are few rows; chains in groups of CHAINS."""
    if plan.chains:
        # (SHORT_CHAIN_ELEMENTS // n > CHAIN_BLOCK for every n < SPREAD_FROM)
        per_task = (CHAIN_BLOCK if plan.n >= kernels.SPREAD_FROM
                    else SHORT_CHAIN_ELEMENTS // max(plan.n, 1))
        return max(CHAINS, min(per_task, plan.m // threads) // CHAINS * CHAINS)
    return min(ROW_BLOCK, max(MIN_ROW_BLOCK, -(-plan.m // threads)))


def _maps_pages(plan, threads):
    return threads >= MAP_PAGES_MIN_THREADS and row_split(plan, threads)


def row_split(plan, threads):
    """Whether the rows kernel splits each row between threads: then every
    thread writes to every page of the result."""
    outer = plan.outer[0][0] if plan.outer else 1
    return not plan.chains and outer < threads and plan.m > MIN_ROW_BLOCK


_MAP_PAGES = (numba.types.Array(numba.types.uint8, 1, "C"), numba.types.int64)


def _map_pages(y, threads):
    """Have the threads map the pages of a fresh result in contiguous parts
    before a kernel whose threads each write a block of every row: faulting the
    same pages from every thread at once took 2-3 times as long (16 threads,
    2048x8192 float64 along 0: docs/performance.md, "Thread scaling")."""
    if y.flags.c_contiguous or y.flags.f_contiguous:
        drivers.map_pages(y.ravel(order="K").view(np.uint8), threads)


def warmup(print=print):
    """Compile, or load from the disk cache, the drivers (one signature each)."""
    compile()
    for name in _DRIVERS:
        print(name)


_CACHED = tuple(_DRIVERS.values()) + (drivers._block,)


def cache_dir():
    """Where numba keeps this module's compiled drivers."""
    return drivers.lanes._cache._cache_path
