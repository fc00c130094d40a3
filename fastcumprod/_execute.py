"""Feeds a checked call to the kernels: no copies, except where SPEC 4-5 allow them."""
import numpy as np

from . import _dispatch
from ._dtypes import one_carry
from ._layout import plan
from ._memory import overlaps, same_elements

# Elements copied to native order per block (256 KiB of int64: the block
# stays in L2 between the copy and the scan).
BLOCK = 32768


def _kernel_ready(a):
    """Whether the kernels can address a in place: native order, aligned,
    strides whole elements."""
    flags = a.flags
    return (a.dtype.isnative and flags.aligned
            and (flags.c_contiguous or all(s % a.itemsize == 0 for s in a.strides)))


def execute(x, out, dim, fresh=False):
    """out = cumprod(x, dim); x has ndim >= 1 and out its shape and the result
    dtype; a fresh out (allocated for this call) cannot overlap x."""
    if not fresh and overlaps(x, out) and not same_elements(x, out):
        # out overlaps x in a way that would make the scan read what it
        # already wrote: the one whole buffer SPEC 4 allows.
        tmp = np.empty(out.shape, out.dtype.newbyteorder("="))
        execute(x, tmp, dim, fresh=True)
        np.copyto(out, tmp, casting="unsafe")
        return
    if not (_kernel_ready(x) and _kernel_ready(out)):
        _execute_blocks(x, out, dim)
        return
    _dispatch.scan(x, out, plan(x, out, dim), fresh=fresh)


def _execute_blocks(x, out, dim):
    """Scan in row blocks through native buffers where x or out is
    byte-swapped or unaligned (a non-native dtype= too), each block on from
    the lanes' accumulators (the carry) the block before it left: exact for
    every result type, with no full-size temporary.  Every block goes
    through the same buffers, so that every block's plan walks the lanes in
    one order."""
    n = x.shape[dim]
    rows = min(n, max(1, BLOCK // max(1, x.size // n)))
    shape = list(x.shape)
    shape[dim] = rows
    x_buffer = None if _kernel_ready(x) else np.empty(shape, x.dtype.newbyteorder("="))
    y_buffer = None if _kernel_ready(out) else np.empty(shape, out.dtype.newbyteorder("="))
    carry = one_carry(out.dtype, x.size // n)
    index = [slice(None)] * x.ndim
    for start in range(0, n, rows):
        index[dim] = slice(start, start + rows)
        xb, yb = x[tuple(index)], out[tuple(index)]
        index[dim] = slice(0, yb.shape[dim])
        if x_buffer is not None:
            np.copyto(x_buffer[tuple(index)], xb)
            xb = x_buffer[tuple(index)]
        y = yb if y_buffer is None else y_buffer[tuple(index)]
        _dispatch.scan(xb, y, plan(xb, y, dim), carry=carry)
        if y_buffer is not None:
            np.copyto(yb, y)
