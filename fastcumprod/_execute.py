"""Feeds a checked call to the kernels: no copies, except where SPEC 4-5 allow them."""
import contextlib

import numpy as np

from . import _dispatch
from ._cy.kernels import FLAGS
from ._dtypes import one_carry
from ._layout import lane_axes, plan
from ._cy.fastpath import needs_buffer

# Elements copied to native order per block (256 KiB of int64: the block
# stays in L2 between the copy and the scan).
BLOCK = 32768


def kernel_ready(a):
    """Whether the kernels can address a in place: native order, aligned,
    strides whole elements."""
    flags = a.flags
    return (a.dtype.isnative and flags.aligned
            and (flags.c_contiguous or all(s % a.itemsize == 0 for s in a.strides)))


def execute(x, out, dim, fresh=False, flags=0, fpe=None, loop=None, cast=None, casts=None,
            carry=None):
    """out = cumprod(x, dim); x has ndim >= 1 and out its shape; a fresh out
    (allocated for this call) cannot overlap x.  flags, fpe: the variant and
    where floating-point exceptions are collected (fastcumprod._cy.kernels.scan).
    loop: the dtype the scan computes in, where it is not out's (numpy casts
    its result into out: the blocks are cast by numpy); cast: the dtype numpy
    casts x to first, where the kernels must not cast it themselves (with
    F_SKIPNAN, NaNs are replaced by 1 before numpy's cast).  casts: None, or
    a pair of sets that collect the floating-point errors numpy's casts of
    the input and of the output raise (by numpy's names), instead of numpy
    reporting them block by block.  carry: None, or the lanes' accumulators
    (SPEC 10), an array of x's shape without dim in the accumulator dtype of
    the result, which the scan starts from and leaves the lanes' products
    in (fastcumprod._blocks)."""
    if not fresh and needs_buffer(x, out):
        # out overlaps x in a way that would make the scan read what it
        # already wrote: the one whole buffer SPEC 4 allows.
        tmp = np.empty(out.shape, (loop or out.dtype).newbyteorder("="))
        execute(x, tmp, dim, True, flags, fpe, None, cast, casts, carry)
        with _collecting(casts, 1):
            np.copyto(out, tmp, casting="unsafe")
        return
    if loop is not None and loop == out.dtype:
        loop = None
    if loop is not None or cast is not None or not (kernel_ready(x) and kernel_ready(out)):
        _execute_blocks(x, out, dim, flags, fpe, loop, cast, casts, carry)
        return
    lanes, view = _kernel_lanes(carry, x, out, dim)
    _dispatch.scan(x, out, plan(x, out, dim), carry=lanes, fresh=fresh, flags=flags, fpe=fpe)
    _give_back(lanes, view)


def _kernel_lanes(carry, x, y, dim):
    """(lanes, view): the carry (x's axes without dim) as the kernels index
    it -- contiguous, in the order plan(x, y, dim) walks the lanes -- and the
    carry's view in that order, where _give_back writes the lanes after the
    scan if they are a copy."""
    if carry is None:
        return None, None
    view = carry.transpose([a - (a > dim) for a in lane_axes(x, y, dim)])
    return np.ascontiguousarray(view), view


def _give_back(lanes, view):
    if lanes is not view:
        view[...] = lanes


def _collecting(casts, which):
    """Where casts collects errors: numpy's casts in this block call back
    with each error instead of reporting it."""
    if casts is None:
        return contextlib.nullcontext()
    return np.errstate(all="call", call=lambda error, flag: casts[which].add(error))


def _execute_blocks(x, out, dim, flags, fpe, loop, cast, casts, carry=None):
    """Scan in row blocks through native buffers where x or out is
    byte-swapped or unaligned (a non-native dtype= too), or where numpy's
    casts are wanted (`loop`, `cast`: see execute), each block on from the
    lanes' accumulators (the carry) the block before it left: exact for
    every result type, with no full-size temporary.  Every block goes
    through the same buffers, so that every block's plan walks the lanes in
    one order.  carry: as execute's; None: the lanes start from 1."""
    n = x.shape[dim]
    rows = min(n, max(1, BLOCK // max(1, x.size // n)))
    shape = list(x.shape)
    shape[dim] = rows
    x_type = (cast or x.dtype).newbyteorder("=")
    y_type = (loop or out.dtype).newbyteorder("=")
    x_buffer = None if cast is None and kernel_ready(x) else np.empty(shape, x_type)
    y_buffer = None if loop is None and kernel_ready(out) else np.empty(shape, y_type)
    if carry is None:
        carry = one_carry(y_type, x.size // n).reshape(x.shape[:dim] + x.shape[dim + 1:])
    skipnan = cast is not None and flags & FLAGS["skipnan"] and x.dtype.kind in "fc"
    index = [slice(None)] * x.ndim
    lanes = view = None
    for start in range(0, n, rows):
        index[dim] = slice(start, start + rows)
        xb, yb = x[tuple(index)], out[tuple(index)]
        index[dim] = slice(0, yb.shape[dim])
        if x_buffer is not None:
            if skipnan:
                # NaN (complex: either part) -> 1 before the cast; to a
                # real type, the real part (the caller warned once).
                keep = xb.real if xb.dtype.kind == "c" and x_type.kind != "c" else xb
                xb = np.where(np.isnan(xb), np.ones((), keep.dtype), keep)
            with _collecting(casts, 0):
                np.copyto(x_buffer[tuple(index)], xb, casting="unsafe")
            xb = x_buffer[tuple(index)]
        y = yb if y_buffer is None else y_buffer[tuple(index)]
        if lanes is None:  # every block's plan walks the lanes in one order
            lanes, view = _kernel_lanes(carry, xb, y, dim)
        _dispatch.scan(xb, y, plan(xb, y, dim), carry=lanes, flags=flags, fpe=fpe)
        flags &= ~FLAGS["first"]  # the lanes started in the first block
        if y_buffer is not None:
            with _collecting(casts, 1):
                np.copyto(yb, y, casting="unsafe")
    _give_back(lanes, view)
