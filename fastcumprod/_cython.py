"""The serial backend: the Cython kernels on a planned call, a second thread
mapping a fresh result's pages meanwhile (fastcumprod._pages).

The backends share one interface: wanted(plan, result_kind, fresh, threads)
(what a call runs that may need preparing), ready(names) (whether those are
prepared), and scan(x, y, plan, threads, fresh, carry, via, flags, fpe) ->
whether it took the call (carry, via, flags, fpe: as
fastcumprod._cy.kernels.scan takes them).  What each supports is
fastcumprod._dispatch.choose's to say.
"""
from . import _pages
from ._kernels import kernels


def wanted(plan, result_kind, fresh, threads):
    return ()


def ready(names=None):
    return True


def scan(x, y, plan, threads, fresh=False, carry=None, via=0, flags=0, fpe=None):
    helper = _pages.populate_in_background(y) if fresh and threads > 1 else None
    try:
        kernels.scan(x, y, *plan, carry, via, flags, fpe)
    finally:
        if helper is not None:
            helper.join()
    return True
