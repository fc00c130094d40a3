"""Backend choice, thread count and their environment variables; hands a
planned call to a backend (fastcumprod._cython, fastcumprod._numba)."""
from __future__ import annotations

import contextlib
import operator
import os
import sys
import threading
import warnings
from collections.abc import Iterator

from . import _cython
from ._dtypes import float_to_int_via
from ._kernels import kernels

BACKENDS = ("auto", "cython", "numba")

# Where auto picks numba (2 or more threads), from crossovers measured on the
# 2-core development machine and a 16-core one (`python -m fastcumprod
# crossover`, with FASTCUMPROD_NUM_THREADS=4 too, and `FASTCUMPROD_BACKEND=
# cython|numba python -m fastcumprod bench --full`; docs/performance.md, "Choosing a backend"):
# - lanes side by side or in chains, from AUTO_MIN_ELEMENTS with 2 or 3
#   threads (they overtake one thread at 2**18 to 2**20 elements), from
#   AUTO_MIN_ELEMENTS_MANY with AUTO_MANY_THREADS or more (4 and 16 threads:
#   at 2**16 numba took 0.6-1.0 of Cython's time, at 2**14 1.7-2.1 of it: waking
#   the threads costs more than they save);
AUTO_MIN_ELEMENTS = 1 << 18
AUTO_MIN_ELEMENTS_MANY = 1 << 16
AUTO_MANY_THREADS = 4
# - a lone integer lane, split in two passes, from AUTO_MIN_LANE (2**18: 0.8-0.95
#   of Cython's time on 4 and 16 threads, 2.5 times it at 2**16), with
#   AUTO_MANY_THREADS or more; with 2 or 3, only a result narrower than 8
#   bytes into out=, from AUTO_MIN_NARROW_LANE.  The split reads the input
#   twice, and since Cython's lane takes the chain's multiply first
#   (3d1cfe7) its one thread keeps up with two on int64 results, which
#   stream 16 bytes an element (2 cores, into out=, numba's time over
#   Cython's, three runs: int64 2**24 1.25-1.30, int32 into int64 2**24-2**25
#   0.97-1.20); narrower results, whose chain is the bound, gain from 2**24
#   (int32 with dtype=int32 0.66-0.97, int16 with dtype=int16 0.71-1.17;
#   2**22-2**23 0.74-1.40).  A fresh result is as fast or faster on Cython
#   while the second core maps its pages (_pages.py);
AUTO_MIN_LANE = 1 << 18
AUTO_MIN_NARROW_LANE = 1 << 24
# - complex results of more than one lane, from AUTO_MIN_COMPLEX: the product is
#   compute-bound, so a second thread pays early (complex128 1024x4096 along 1,
#   into out=: one thread 4.7 ms, two 3.3);
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


def thread_limit():
    """The most threads the parallel kernels can use: numba's NUMBA_NUM_THREADS,
    by default the CPUs this process may run on (read as numba reads them,
    without importing numba)."""
    numba = sys.modules.get("numba")
    if numba is not None and hasattr(numba, "config"):
        return numba.config.NUMBA_NUM_THREADS
    try:
        return max(1, int(os.environ["NUMBA_NUM_THREADS"]))
    except (KeyError, ValueError):
        pass
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _check_threads(n, what):
    if isinstance(n, bool):
        raise TypeError(f"{what}: the number of threads must be an integer, not bool")
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"{what}: the number of threads must be an integer, "
                        f"not {type(n).__name__}") from None
    if n < 1:
        raise ValueError(f"{what}: the number of threads must be at least 1, not {n}")
    limit = thread_limit()
    if n > limit:
        warnings.warn(f"{what}: {n} threads asked for; the parallel kernels can run at "
                      f"most {limit} here (NUMBA_NUM_THREADS), so fastcumprod uses {limit}",
                      RuntimeWarning, stacklevel=3)
        return limit
    return n


def _env_threads():
    value = os.environ.get("FASTCUMPROD_NUM_THREADS")
    if value is None:
        return thread_limit()
    try:
        n = int(value)
    except ValueError:
        raise ValueError(f"FASTCUMPROD_NUM_THREADS={value!r}: expected a positive integer") from None
    return _check_threads(n, f"FASTCUMPROD_NUM_THREADS={value}")


_backend = _env_backend()
_threads = _env_threads()
_numba = None               # fastcumprod._numba, once imported and usable
_numba_broken = None        # why numba cannot run in this process, once known
_numba_warned = False
_forked = False             # a child forked from a process that had touched numba
_prepare_started = False    # numba imported and its drivers compiled on the side
_preparing_lock = threading.Lock()
_threads_preparing = []
_prepare_calls = set()      # calls whose drivers are to be compiled on the side
_preparer = None            # the thread compiling them, while it runs


class _Settings(threading.local):
    """config()'s settings of the calling thread; None: the process's."""
    backend = None   # class attributes: a thread without its own reads these
    threads = None   # (a missing attribute would raise and cost 0.3 us a call)


_local = _Settings()


def _before_fork():
    global _fork_touched
    _fork_touched = _numba is not None or _prepare_started or "numba" in sys.modules


def _after_fork_in_child():
    # numba's OpenMP layer kills (or hangs) a child forked after its threads
    # started, and a fork during a background import or compile leaves its
    # locks held in the child: such a child uses the serial kernels, which
    # give the same bits.
    global _forked, _preparer
    _forked = _forked or _fork_touched
    _threads_preparing.clear()
    _prepare_calls.clear()
    _preparer = None


_fork_touched = False
os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)


def _check_backend(name):
    if name not in BACKENDS:
        raise ValueError(f"backend {name!r}: expected one of {', '.join(BACKENDS)}")
    if name == "numba" and not _forked and _load_numba() is None:
        raise RuntimeError(f"fastcumprod: the numba backend cannot run here: {_numba_broken}")
    return name


def set_backend(name: str) -> None:
    """Choose the kernels for every thread without a config() of its own:
    "cython" (serial, compiled ahead of time), "numba" (parallel, compiled on
    first use and cached on disk) or "auto" (the faster one for each call;
    the default).  Also FASTCUMPROD_BACKEND.  "numba" imports numba now, and
    raises RuntimeError naming the cause where it cannot run (not installed,
    NUMBA_DISABLE_JIT, an unusable cache)."""
    global _backend
    _backend = _check_backend(name)


def get_backend() -> str:
    """The backend of calls from this thread: its config(), else set_backend's
    or FASTCUMPROD_BACKEND."""
    return _local.backend or _backend


def set_num_threads(n: int) -> None:
    """Threads for the parallel kernels, for every thread without a config()
    of its own (also FASTCUMPROD_NUM_THREADS; default: every CPU this process
    may run on).  Numba's own limit, NUMBA_NUM_THREADS, caps it: a larger n
    warns and uses the limit."""
    global _threads
    _threads = _check_threads(n, f"set_num_threads({n!r})")


def get_num_threads() -> int:
    """The threads the parallel kernels use for calls from this thread."""
    return _local.threads or _threads


@contextlib.contextmanager
def config(backend: str | None = None, threads: int | None = None) -> Iterator[None]:
    """Settings for calls from the calling thread only, inside the with block
    (other threads keep theirs: dask workers, tests)::

        with fastcumprod.config(backend="cython", threads=1):
            y = fastcumprod.cumprod(x, 0)

    backend and threads as set_backend and set_num_threads take them; None
    keeps the current one.  Blocks nest."""
    saved = _local.backend, _local.threads
    if backend is not None:
        backend = _check_backend(backend)
    if threads is not None:
        threads = _check_threads(threads, f"config(threads={threads!r})")
    try:
        _local.backend = backend or saved[0]
        _local.threads = threads or saved[1]
        yield
    finally:
        _local.backend, _local.threads = saved


def _load_numba():
    """fastcumprod._numba, or None where numba cannot run (_numba_broken says why)."""
    global _numba
    if _numba is None and _numba_broken is None:
        try:
            from . import _numba as module
            module.check()
        except Exception as e:  # ImportError, NUMBA_DISABLE_JIT, cache errors
            _mark_broken(e)
        else:
            _numba = module
    return _numba


def _mark_broken(error):
    """From now on this process serves every call with the Cython kernels."""
    global _numba, _numba_broken
    _numba = None
    _numba_broken = f"{type(error).__name__}: {error}"


def _warn_broken_once():
    """One warning, from a calling thread (a background one has no one to tell)."""
    global _numba_warned
    if not _numba_warned:
        _numba_warned = True
        warnings.warn(f"fastcumprod: the numba kernels cannot run here ({_numba_broken}); "
                      "the Cython kernels serve every call (same results, one thread)",
                      RuntimeWarning, stacklevel=4)


def _prepare_on_the_side(call):
    """Import numba and compile (or load from its disk cache) the drivers that
    a call runs, call = (plan, result kind, fresh, threads), in a background
    thread, so that auto never makes a call wait for either.  Only the
    drivers some call has needed: a compile holds the GIL most of the time,
    and calls meanwhile wait for it at every switch (2 threads, 2048x2048
    float64 along 0 into out=: 12 ms a call during a compile, 2.8 ms after;
    all three drivers from an empty cache took 3.8 s on 16 cores, where a
    first large call should reach its steady speed within 3 s)."""
    global _prepare_started, _preparer
    with _preparing_lock:
        _prepare_started = True
        if call in _prepare_calls:
            return
        _prepare_calls.add(call)
        if _preparer is not None:
            return  # it takes this call's drivers too
        thread = threading.Thread(target=_prepare, daemon=True)
        try:
            thread.start()
        except RuntimeError:  # no room for a thread: serial kernels it is
            _prepare_calls.clear()
            return
        _preparer = thread
        _threads_preparing.append(thread)


def _prepare():
    """The preparing thread: until no call is left whose drivers are not ready."""
    global _preparer
    module = _load_numba()
    while True:
        with _preparing_lock:
            calls = [c for c in _prepare_calls
                     if module is not None and not module.ready(module.wanted(*c))]
            if not calls:
                _preparer = None
                _prepare_calls.clear()
                return
        try:
            module.compile(module.wanted(*calls[0]))
        except Exception as e:  # a corrupt cache entry, no room for threads
            _mark_broken(e)
            module = None


def wait_prepared():
    """Wait for the kernels being prepared on the side (benchmarks call this
    so that they time the kernels auto settles on)."""
    while _threads_preparing:
        _threads_preparing.pop().join()


def choose(backend, threads, plan, size, result, fresh):
    """The backend of a call, "cython" or "numba", from the thresholds above:
    backend as set, threads to use, the call's plan, its element count, the
    result's dtype and whether the result is fresh (its pages unmapped)."""
    result_kind = result.kind
    if backend == "numba" and len(plan.outer) > 1:
        return "cython"
    if backend != "auto":
        return backend
    if threads < 2 or len(plan.outer) > 1:  # the drivers split one outer axis at most
        return "cython"
    outer = plan.outer[0][0] if plan.outer else 1
    lanes = outer * plan.m
    if result_kind == "c":
        return "numba" if lanes > 1 and size >= AUTO_MIN_COMPLEX else "cython"
    many = threads >= AUTO_MANY_THREADS
    if lanes == 1:
        wants = result_kind in "iu" and (
            size >= AUTO_MIN_LANE and many
            or size >= AUTO_MIN_NARROW_LANE and result.itemsize < 8 and not fresh)
    elif size < (AUTO_MIN_ELEMENTS_MANY if many else AUTO_MIN_ELEMENTS):
        wants = False
    else:
        wants = plan.chains or many or outer >= threads or plan.m >= AUTO_MIN_ROW
    return "numba" if wants else "cython"


def splits_rows(plan, size, result, fresh):
    """Whether scan() would hand a call with this plan to the parallel
    drivers now (numba usable, compiled, and chosen) and they would split
    each row of lanes between the threads; nothing is prepared.  A reverse
    scan's layout depends on it (fastcumprod._api)."""
    backend = get_backend()
    if _forked or backend == "cython" or _numba_broken is not None:
        return False
    module = _numba if backend == "auto" else _load_numba()
    if module is None:
        return False
    threads = get_num_threads()
    if backend == "auto" and not module.ready(module.wanted(plan, result.kind, fresh,
                                                            threads)[:1]):
        return False  # auto scans serially until the call's driver is ready
    return (choose(backend, threads, plan, size, result, fresh) == "numba"
            and module.row_split(plan, threads))


def _numba_scan(x, y, plan, backend, threads, fresh, via, flags, fpe, carry):
    """Whether the numba backend took the call (else the caller scans it).
    auto never waits: it prepares numba on the side and scans serially until
    the drivers are ready."""
    if _numba_broken is not None:
        _warn_broken_once()
        return False
    module = _load_numba() if backend == "numba" else _numba
    call = (plan, y.dtype.kind, fresh, threads)
    if module is None:
        if backend == "numba":
            _warn_broken_once()
        else:
            _prepare_on_the_side(call)
        return False
    try:
        wanted = module.wanted(*call)
        if not module.ready(wanted):
            if backend == "numba":
                module.compile(wanted)
            else:
                _prepare_on_the_side(call)
                if not module.ready(wanted[:1]):
                    return False  # the call's driver: not yet
        return module.scan(x, y, plan, threads, fresh, carry=carry, via=via, flags=flags,
                           fpe=fpe)
    except Exception as e:  # a corrupt cache entry, no room for threads, ...
        _mark_broken(e)
        _warn_broken_once()
        return False


def scan(x, y, plan, carry=None, fresh=False, flags=0, fpe=None):
    """y = cumprod(x) along the plan; x and y are native-order, aligned arrays;
    carry: the lanes' accumulators to start from and leave the products in
    (a scan in blocks: the drivers hand each block of lanes its part of the
    carry, as the serial kernels walk it); fresh: y was allocated for
    this call (its pages are not mapped yet); flags, fpe: the variant and
    where floating-point exceptions are collected (fastcumprod._cy.kernels.scan)."""
    through = float_to_int_via(x.dtype, y.dtype)
    via = 0 if through is None else kernels.VIA[through.name]
    backend, threads = get_backend(), get_num_threads()
    if (not _forked and backend != "cython"
            and choose(backend, threads, plan, x.size, y.dtype, fresh) == "numba"
            and _numba_scan(x, y, plan, backend, threads, fresh, via, flags, fpe, carry)):
        return
    _cython.scan(x, y, plan, threads, fresh, carry, via, flags, fpe)
