"""Backend choice, thread count and their environment variables; hands a
planned call to a kernel."""
import os
import threading

from . import _pages
from ._cy import kernels as _cython

BACKENDS = ("auto", "cython", "numba")

# Where auto picks numba (2 or more threads), from crossovers measured on the
# 2-core development machine and a 16-core one (`python -m fastcumprod
# crossover`, with FASTCUMPROD_NUM_THREADS=4 too, and `FASTCUMPROD_BACKEND=
# cython|numba python -m fastcumprod bench --full`; README, "Choosing a backend"):
# - lanes side by side or in chains, from AUTO_MIN_ELEMENTS with 2 or 3
#   threads (they overtake one thread at 2**18 to 2**20 elements), from
#   AUTO_MIN_ELEMENTS_MANY with AUTO_MANY_THREADS or more (4 and 16 threads:
#   at 2**16 numba took 0.6-1.0 of Cython's time, at 2**14 1.7-2.1 of it: waking
#   the threads costs more than they save);
AUTO_MIN_ELEMENTS = 1 << 18
AUTO_MIN_ELEMENTS_MANY = 1 << 16
AUTO_MANY_THREADS = 4
# - a lone integer lane, split in two passes, from AUTO_MIN_LANE (2**18: 0.8-0.95
#   of Cython's time on 2, 4 and 16 threads, 2.5 times it at 2**16); with 2 or
#   3 threads only into out=: a fresh result is as fast or faster on Cython
#   while the second core maps its pages (_pages.py; 1-D int64, 2**24: Cython
#   18.1 ms, numba 23.7; into out=, int32 with dtype=int32: numba 7.1, Cython 9.5);
AUTO_MIN_LANE = 1 << 18
# - complex results of more than one lane, from AUTO_MIN_COMPLEX: the product is
#   compute-bound, and numba's llvm.fma is an instruction where the Cython build
#   calls libm (complex128 1024x4096 along 1: Cython 16.3 ms, numba 4.6 ms on 2 threads);
AUTO_MIN_COMPLEX = 1 << 16
# - with fewer than AUTO_MANY_THREADS threads, rows of lanes side by side split
#   into blocks of lanes only when there are outer rows for every thread or the
#   rows have at least AUTO_MIN_ROW lanes (2 threads, 2048x8192 float64 along
#   0: Cython 20.1 ms, numba 10.9; 4096x1024: Cython 2.3 ms, numba 3.4: half
#   rows of 4 KiB stream worse than whole ones; 4 threads: numba 0.4-0.5 of Cython).
AUTO_MIN_ROW = 4096
# A lone floating lane cannot be split (its products are serial): Cython.


def _env_backend():
    name = os.environ.get("FASTCUMPROD_BACKEND", "auto")
    if name not in BACKENDS:
        raise ValueError(f"FASTCUMPROD_BACKEND={name!r}: expected one of {', '.join(BACKENDS)}")
    return name


def _env_threads():
    value = os.environ.get("FASTCUMPROD_NUM_THREADS")
    if value is None:
        return os.cpu_count() or 1
    try:
        return _check_threads(int(value))
    except ValueError:
        raise ValueError(f"FASTCUMPROD_NUM_THREADS={value!r}: expected a positive integer") from None


def _check_threads(n):
    if n < 1:
        raise ValueError(f"the number of threads must be at least 1, not {n}")
    return n


_backend = _env_backend()
_threads = _env_threads()
_numba = None               # fastcumprod._numba, once imported
_preparing = set()          # kernels being compiled on the side
_preparing_lock = threading.Lock()
_threads_preparing = []


def set_backend(name):
    """Choose the kernels: "cython" (serial, compiled ahead of time), "numba"
    (parallel, compiled on first use and cached on disk) or "auto" (the faster
    one for each call; the default).  Also FASTCUMPROD_BACKEND."""
    global _backend
    if name not in BACKENDS:
        raise ValueError(f"backend {name!r}: expected one of {', '.join(BACKENDS)}")
    _backend = name


def get_backend():
    """The backend set by set_backend or FASTCUMPROD_BACKEND."""
    return _backend


def set_num_threads(n):
    """Threads for the parallel kernels (also FASTCUMPROD_NUM_THREADS; default:
    every CPU).  Numba's own limit, NUMBA_NUM_THREADS, caps it."""
    global _threads
    _threads = _check_threads(int(n))


def get_num_threads():
    return _threads


def numba_supports(x, y, plan):
    """Numba has no float16 arithmetic, and its kernels take 3-D views: at
    most one outer axis.  Resumed blocks (casts) are short: Cython serves them."""
    return "float16" not in (x.dtype.name, y.dtype.name) and len(plan.outer) <= 1


def _load_numba():
    global _numba
    if _numba is None:
        from . import _numba as module
        _numba = module
    return _numba


def _prepare_on_the_side(x, y, plan):
    """Import numba and compile (or load from its disk cache) this call's kernel
    in a background thread, so that auto never makes a call wait for either."""
    key = None if _numba is None else _numba.signature(x, y, plan)
    with _preparing_lock:
        if key in _preparing:
            return
        _preparing.add(key)

    def prepare():
        module = _load_numba()
        sig = module.signature(x, y, plan)
        with _preparing_lock:
            if key is None and sig in _preparing:
                return
            _preparing.add(sig)
        module.compile(x, y, plan)

    thread = threading.Thread(target=prepare, daemon=True)
    _threads_preparing.append(thread)
    thread.start()


def wait_prepared():
    """Wait for the kernels being prepared on the side (benchmarks call this
    so that they time the kernels auto settles on)."""
    while _threads_preparing:
        _threads_preparing.pop().join()


def _auto_wants_numba(x, y, plan, fresh):
    if _threads < 2 or not numba_supports(x, y, plan):
        return False
    outer = plan.outer[0][0] if plan.outer else 1
    lanes = outer * plan.m
    if y.dtype.kind == "c":
        return lanes > 1
    many = _threads >= AUTO_MANY_THREADS
    if lanes == 1:
        return y.dtype.kind in "iu" and x.size >= AUTO_MIN_LANE and (many or not fresh)
    if x.size < (AUTO_MIN_ELEMENTS_MANY if many else AUTO_MIN_ELEMENTS):
        return False
    return plan.chains or many or outer >= _threads or plan.m >= AUTO_MIN_ROW


def scan(x, y, plan, resume=False, fresh=False):
    """y = cumprod(x) along the plan; x and y are native-order, aligned arrays;
    fresh: y was allocated for this call (its pages are not mapped yet)."""
    if not resume and _backend != "cython" and (_backend == "numba" or x.size >= AUTO_MIN_COMPLEX):
        if _backend == "numba" and numba_supports(x, y, plan):
            if _load_numba().scan(x, y, plan, _threads, fresh):
                return
        elif _backend == "auto" and _auto_wants_numba(x, y, plan, fresh):
            if _numba is not None and _numba.compiled(x, y, plan):
                if _numba.scan(x, y, plan, _threads, fresh, may_compile=False):
                    return
            else:
                _prepare_on_the_side(x, y, plan)
    helper = _pages.populate_in_background(y) if fresh and _threads > 1 else None
    try:
        _cython.scan(x, y, *plan, resume)
    finally:
        if helper is not None:
            helper.join()
