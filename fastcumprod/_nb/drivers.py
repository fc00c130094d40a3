"""Numba-parallel drivers of the Cython kernels (fastcumprod._cy.kernels).

They split a call into blocks and call the kernel of each block through its
C address, with the block's parameters (the kernels' PARAMS) in an int64
array.  They hold no arithmetic of their own: every argument is an integer,
so each compiles once, whatever the dtypes (SPEC 6).
"""
import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from .._cy.kernels import PARAMS

P_SRC, P_DST, P_MODE = PARAMS["src"], PARAMS["dst"], PARAMS["mode"]
P_X, P_Y, P_CARRY = PARAMS["x"], PARAMS["y"], PARAMS["carry"]
P_N, P_XS_N, P_YS_N = PARAMS["n"], PARAMS["xs_n"], PARAMS["ys_n"]
P_M, P_XS_M, P_YS_M = PARAMS["m"], PARAMS["xs_m"], PARAMS["ys_m"]
P_M2 = PARAMS["m2"]
MODE_SCAN, MODE_PRODUCT = 0, 1
# Bytes between the writes that map the pages of a fresh result (a huge page
# needs one of its 512).
PAGE = 4096


@intrinsic
def _call(typingctx, address, params):
    """Call the C function `void f(const int64_t*)` at `address` with the data
    of the int64 array `params`.  The address is an argument, never a
    constant, so that the compiled driver can be cached across processes."""
    sig = types.void(types.int64, params)

    def codegen(context, builder, signature, args):
        array = cgutils.create_struct_proxy(signature.args[1])(context, builder, value=args[1])
        i64p = ir.IntType(64).as_pointer()
        fn = builder.inttoptr(args[0], ir.FunctionType(ir.VoidType(), [i64p]).as_pointer())
        builder.call(fn, [builder.bitcast(array.data, i64p)])
        return context.get_dummy_value()

    return sig, codegen


@njit(nogil=True, cache=True)
def _block(address, p, x, y, carry, n, m, m2=1):
    """Call the kernel on a block of p's call: x, y, carry as addresses, m2
    rows of m lanes."""
    q = p.copy()
    q[P_X], q[P_Y], q[P_CARRY], q[P_N], q[P_M], q[P_M2] = x, y, carry, n, m, m2
    _call(address, q)


@njit(parallel=True, nogil=True, cache=True)
def lanes(address, p, outer, xs_o, ys_o, xi, yi, carry_size, width, group):
    """The m lanes of `outer` rows (p's strides, the rows' x and y strides
    xs_o, ys_o in elements), in blocks of `group` rows (a plane of lanes:
    fastcumprod._layout's Plan.group) and `width` lanes, one block a task.
    carry_size: bytes of a lane's accumulator, where p has a carry."""
    m = p[P_M]
    blocks = (m + width - 1) // width
    groups = (outer + group - 1) // group
    for t in prange(groups * blocks):
        o = (t // blocks) * group
        j0 = (t % blocks) * width
        carry = p[P_CARRY] + (o * m + j0) * carry_size if p[P_CARRY] else 0
        _block(address, p,
               p[P_X] + (o * xs_o + j0 * p[P_XS_M]) * xi,
               p[P_Y] + (o * ys_o + j0 * p[P_YS_M]) * yi,
               carry, p[P_N], min(width, m - j0), min(group, outer - o))


@njit(parallel=True, nogil=True, cache=True)
def split(address, p, xi, yi, chunk, scan_params):
    """One integer lane in chunks: each chunk's product into a cell of its own
    in parallel (MODE_PRODUCT); the cells scanned into running products in
    order (scan_params: a uint64 lane, by the same kernel); then each chunk
    scanned from the running product before it, in parallel.  Exact: integer
    products are taken modulo 2**64 in any grouping.  p's carry, if any,
    starts the lane and ends with its product."""
    n = p[P_N]
    chunks = (n + chunk - 1) // chunk
    totals = np.ones(chunks, np.uint64)
    running = np.empty(chunks, np.uint64)
    cells = np.empty(chunks, np.uint64)
    product = p.copy()
    product[P_MODE] = MODE_PRODUCT
    for c in prange(chunks):
        start = c * chunk
        _block(address, product, p[P_X] + start * p[P_XS_N] * xi, 0,
               totals.ctypes.data + 8 * c, min(chunk, n - start), 1)
    # running[c] = carry * totals[0] * ... * totals[c], in cells[0]'s carry
    cells[0] = 1
    if p[P_CARRY]:
        cells[0] = np.uint64(_read_uint64(p[P_CARRY]))
    _block(address, scan_params, totals.ctypes.data, running.ctypes.data,
           cells.ctypes.data, chunks, 1)
    cells[0] = 1
    if p[P_CARRY]:
        cells[0] = np.uint64(_read_uint64(p[P_CARRY]))
    cells[1:] = running[:-1]
    for c in prange(chunks):
        start = c * chunk
        _block(address, p, p[P_X] + start * p[P_XS_N] * xi, p[P_Y] + start * p[P_YS_N] * yi,
               cells.ctypes.data + 8 * c, min(chunk, n - start), 1)
    if p[P_CARRY]:
        _write_uint64(p[P_CARRY], cells[chunks - 1])


@intrinsic
def _read_uint64(typingctx, address):
    """The uint64 at an address (a caller's carry)."""
    sig = types.uint64(types.int64)

    def codegen(context, builder, signature, args):
        ptr = builder.inttoptr(args[0], ir.IntType(64).as_pointer())
        return builder.load(ptr)

    return sig, codegen


@intrinsic
def _write_uint64(typingctx, address, value):
    """Store a uint64 at an address (a caller's carry)."""
    sig = types.void(types.int64, types.uint64)

    def codegen(context, builder, signature, args):
        builder.store(args[1], builder.inttoptr(args[0], ir.IntType(64).as_pointer()))
        return context.get_dummy_value()

    return sig, codegen


@njit(parallel=True, nogil=True, cache=True)
def map_pages(b, threads):
    """Write a zero to every page of the bytes b, in one contiguous part per
    thread (b is a fresh result: the kernel then writes every byte of it)."""
    n = b.shape[0]
    part = (n + threads - 1) // threads
    for t in prange(threads):
        for i in range(t * part, min(n, (t + 1) * part), PAGE):
            b[i] = 0
