"""The serial backend: the Cython kernels on a planned call, a second thread
mapping a fresh result's pages meanwhile (fastcumprod._pages).

The backends share one interface: scan(x, y, plan, threads, fresh, carry,
via, flags, fpe) -> whether it took the call (carry, via, flags, fpe: as
fastcumprod._cy.kernels.scan takes them).  This one, compiled ahead of
time, takes every call, and is where the other declines to; a backend that
compiles on first use (fastcumprod._numba) adds wanted(plan, result_kind,
fresh, threads) (what a call runs), ready(names) and compile(names).  What
each supports is fastcumprod._dispatch.choose's to say.
"""
from . import _pages
from ._kernels import kernels


def scan(x, y, plan, threads, fresh=False, carry=None, via=0, flags=0, fpe=None):
    helper = _pages.populate_in_background(y) if fresh and threads > 1 else None
    try:
        kernels.scan(x, y, *plan, carry, via, flags, fpe)
    finally:
        if helper is not None:
            helper.join()
    return True
