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


def execute(x, out, dim, fresh=False, flags=0, fpe=None, loop=None, cast=None):
    """out = cumprod(x, dim); x has ndim >= 1 and out its shape; a fresh out
    (allocated for this call) cannot overlap x.  flags, fpe: the variant and
    where floating-point exceptions are collected (fastcumprod._cy.kernels.scan).
    loop: the dtype the scan computes in, where it is not out's (numpy casts
    its result into out: the blocks are cast by numpy); cast: the dtype numpy
    casts x to first, where the kernels must not cast it themselves."""
    if not fresh and overlaps(x, out) and not same_elements(x, out):
        # out overlaps x in a way that would make the scan read what it
        # already wrote: the one whole buffer SPEC 4 allows.
        tmp = np.empty(out.shape, (loop or out.dtype).newbyteorder("="))
        execute(x, tmp, dim, True, flags, fpe, None, cast)
        np.copyto(out, tmp, casting="unsafe")
        return
    if loop is not None and loop == out.dtype:
        loop = None
    if loop is not None or cast is not None or not (_kernel_ready(x) and _kernel_ready(out)):
        _execute_blocks(x, out, dim, flags, fpe, loop, cast)
        return
    _dispatch.scan(x, out, plan(x, out, dim), fresh=fresh, flags=flags, fpe=fpe)


def _execute_blocks(x, out, dim, flags, fpe, loop, cast):
    """Scan in row blocks through native buffers where x or out is
    byte-swapped or unaligned (a non-native dtype= too), or where numpy's
    casts are wanted (`loop`, `cast`: see execute), each block on from the
    lanes' accumulators (the carry) the block before it left: exact for
    every result type, with no full-size temporary.  Every block goes
    through the same buffers, so that every block's plan walks the lanes in
    one order."""
    n = x.shape[dim]
    rows = min(n, max(1, BLOCK // max(1, x.size // n)))
    shape = list(x.shape)
    shape[dim] = rows
    x_type = (cast or x.dtype).newbyteorder("=")
    y_type = (loop or out.dtype).newbyteorder("=")
    x_buffer = None if cast is None and _kernel_ready(x) else np.empty(shape, x_type)
    y_buffer = None if loop is None and _kernel_ready(out) else np.empty(shape, y_type)
    carry = one_carry(y_type, x.size // n)
    index = [slice(None)] * x.ndim
    for start in range(0, n, rows):
        index[dim] = slice(start, start + rows)
        xb, yb = x[tuple(index)], out[tuple(index)]
        index[dim] = slice(0, yb.shape[dim])
        if x_buffer is not None:
            np.copyto(x_buffer[tuple(index)], xb, casting="unsafe")
            xb = x_buffer[tuple(index)]
        y = yb if y_buffer is None else y_buffer[tuple(index)]
        _dispatch.scan(xb, y, plan(xb, y, dim), carry=carry, flags=flags, fpe=fpe)
        if y_buffer is not None:
            np.copyto(yb, y, casting="unsafe")
