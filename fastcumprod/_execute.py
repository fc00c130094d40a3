"""Feeds a checked call to the kernels: no copies, except where SPEC 4-5 allow them."""
import numpy as np

from . import _dispatch
from ._dtypes import cast_in_kernel
from ._layout import plan

_may_share_memory = np.may_share_memory

# Elements cast per block by numpy when the kernels cannot cast themselves
# (256 KiB of int64: the block stays in L2 between the cast and the scan).
CAST_BLOCK = 32768


def _kernel_ready(a):
    """Whether the kernels can address a in place: native order, aligned,
    strides whole elements."""
    flags = a.flags
    return (a.dtype.isnative and flags.aligned
            and (flags.c_contiguous or all(s % a.itemsize == 0 for s in a.strides)))


def _same_elements(x, y):
    """Whether x[i] and y[i] are at one address for every i (an in-place call):
    each element is read before it is written, so no buffer is needed."""
    return (x.__array_interface__["data"][0] == y.__array_interface__["data"][0]
            and x.strides == y.strides and x.itemsize == y.itemsize)


def _overlap(x, y):
    if not _may_share_memory(x, y):
        return False
    try:
        return np.shares_memory(x, y, max_work=10_000)
    except np.exceptions.TooHardError:
        return True


def execute(x, out, dim, fresh=False):
    """out = cumprod(x, dim); x has ndim >= 1 and out its shape and the result
    dtype; a fresh out (allocated for this call) cannot overlap x."""
    if not fresh and (not _kernel_ready(out)
                      or (_overlap(x, out) and not _same_elements(x, out))):
        # Buffer the result: out is byte-swapped or unaligned, or overlaps x in a
        # way that would make the scan read what it already wrote.
        tmp = np.empty(out.shape, out.dtype.newbyteorder("="))
        execute(x, tmp, dim)
        np.copyto(out, tmp, casting="unsafe")
        return
    if out.dtype.kind in "iu" and not (_kernel_ready(x) and cast_in_kernel(x.dtype, out.dtype)):
        _execute_cast_blocks(x, out, dim)
        return
    if not _kernel_ready(x):
        # A float result cannot resume from a stored row (its accumulator is
        # wider), so a byte-swapped or unaligned input is copied whole.
        x = x.astype(x.dtype.newbyteorder("="), order="K")
    _dispatch.scan(x, out, plan(x, out, dim), fresh=fresh)


def _execute_cast_blocks(x, out, dim):
    """Cast x to out's integer dtype with numpy in row blocks, scanning each block
    on from the row before it: exact, since integer products are taken modulo
    2**bits of the result."""
    n = x.shape[dim]
    rows = max(1, CAST_BLOCK // max(1, x.size // n))
    index = [slice(None)] * x.ndim
    for start in range(0, n, rows):
        index[dim] = slice(start, start + rows)
        with np.errstate(all="ignore"):  # as torch: casts do not warn
            block = x[tuple(index)].astype(out.dtype)
        y = out[tuple(index)]
        _dispatch.scan(block, y, plan(block, y, dim), resume=start > 0)
