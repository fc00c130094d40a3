"""Hands a planned call to a backend's kernel."""
from ._cy import kernels as _cython


def scan(x, y, plan, resume=False):
    """y = cumprod(x) along the plan; x and y are native-order, aligned arrays."""
    _cython.scan(x, y, *plan, resume)
