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
    if not _kernel_ready(out) or (
            not fresh and overlaps(x, out) and not same_elements(x, out)):
        # Buffer the result: out is byte-swapped (a fresh result too, with a
        # non-native dtype=) or unaligned, or overlaps x in a way that would
        # make the scan read what it already wrote.
        tmp = np.empty(out.shape, out.dtype.newbyteorder("="))
        execute(x, tmp, dim, fresh=True)
        np.copyto(out, tmp, casting="unsafe")
        return
    if not _kernel_ready(x):
        _execute_native_blocks(x, out, dim)
        return
    _dispatch.scan(x, out, plan(x, out, dim), fresh=fresh)


def _execute_native_blocks(x, out, dim):
    """Copy a byte-swapped or unaligned x to native order in row blocks, each
    block scanned on from the lanes' accumulators (the carry) the block
    before it left: exact for every result type.  Every block goes through
    one buffer, so that every block's plan walks the lanes in one order."""
    n = x.shape[dim]
    rows = min(n, max(1, BLOCK // max(1, x.size // n)))
    shape = list(x.shape)
    shape[dim] = rows
    buffer = np.empty(shape, x.dtype.newbyteorder("="))
    carry = one_carry(out.dtype, buffer.size // rows)
    index = [slice(None)] * x.ndim
    for start in range(0, n, rows):
        index[dim] = slice(start, start + rows)
        y = out[tuple(index)]
        index[dim] = slice(0, y.shape[dim])
        block = buffer[tuple(index)]
        index[dim] = slice(start, start + rows)
        np.copyto(block, x[tuple(index)])
        _dispatch.scan(block, y, plan(block, y, dim), carry=carry)
