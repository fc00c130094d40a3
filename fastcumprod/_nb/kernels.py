"""Numba-parallel cumprod kernels; the wrapper that prepares their arguments is fastcumprod._dispatch.

They walk the same (outer, n, inner) plan as the Cython kernels, given as 3-D
views (outer, n, inner), and the thread count.  Threads split blocks of lanes, never a floating lane;
a lone integer lane is split in a two-pass scan (exact modulo 2**64, or 2**32
for results of 32 bits or fewer).  Integer
results come as unsigned views (the same bits, no overflow traps), bool inputs
as uint8.  Never fastmath: results are bit-identical to the Cython kernels.
"""
import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic, overload

# Lanes per task when the lanes are side by side in memory (rows): whole
# rows stream best, as in the Cython kernels.
ROW_BLOCK = 4096
# ... but no fewer per task than this when splitting a row between threads.
MIN_ROW_BLOCK = 256
# Interleaved chains when each lane is contiguous along the scan, and lanes
# per task.
CHAINS = 4
CHAIN_BLOCK = 256
# Bytes between the writes that map the pages of a fresh result (a huge page
# needs one of its 512).
PAGE = 4096
# Elements per task of a split integer lane.
SPLIT_CHUNK = 1 << 16


@intrinsic
def _fma(typingctx, a, b, c):
    """a * b + c rounded once (llvm.fma: the fma instruction where the CPU has it)."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        d = ir.DoubleType()
        fn = builder.module.declare_intrinsic("llvm.fma", [d], ir.FunctionType(d, [d, d, d]))
        return builder.call(fn, args)

    return sig, codegen


def _one(y):
    """The accumulator's 1 for results of y's dtype (SPEC 3)."""


def _factor(v, y):
    """v cast to y's dtype first, as numpy's astype, then to the accumulator."""


def _store(acc, y):
    """The accumulator rounded (or wrapped) to y's dtype."""


def _mul(acc, f):
    """acc * f in the accumulator: torch's fma-based product for complex."""


@overload(_one, inline="always")
def _one_impl(y):
    dt = y.dtype
    if isinstance(dt, types.Integer):
        # Products modulo 2**32 are all a result of 32 bits or fewer keeps
        # (the low bits of a product depend only on the low bits of its
        # factors), and 32-bit multiplies are cheaper, vectorised twice as
        # wide: 4096x4096 int32 along 0 with dtype=int32, one thread, 8.6 ms
        # in 64 bits, 6.2 ms in 32.
        if dt.bitwidth <= 32:
            return lambda y: np.uint32(1)
        return lambda y: np.uint64(1)
    if isinstance(dt, types.Float):
        return lambda y: np.float64(1.0)
    return lambda y: complex(1.0, 0.0)


@overload(_factor, inline="always")
def _factor_impl(v, y):
    dt = y.dtype
    if isinstance(dt, types.Integer):
        # Sign-extended, an integer is congruent to its narrowed value modulo
        # 2**bits of every result width, so it need not be narrowed first.
        acc = np.uint32 if dt.bitwidth <= 32 else np.uint64
        if v.signed:
            return lambda v, y: acc(np.int64(v))
        return lambda v, y: acc(v)
    if dt == types.float32:
        return lambda v, y: np.float64(np.float32(v))
    if dt == types.float64:
        return lambda v, y: np.float64(v)
    real = types.float32 if dt == types.complex64 else types.float64
    if isinstance(v, types.Complex):
        return lambda v, y: complex(np.float64(real(v.real)), np.float64(real(v.imag)))
    return lambda v, y: complex(np.float64(real(v)), 0.0)


@overload(_store, inline="always")
def _store_impl(acc, y):
    dt = y.dtype
    return lambda acc, y: dt(acc)


@njit(nogil=True, cache=True)
def _quiet(v):
    """v with its quiet bit set, as an instruction returns a NaN operand."""
    return np.uint64(np.float64(v).view(np.uint64) | np.uint64(0x0008000000000000)).view(np.float64)


@njit(nogil=True, cache=True)
def _nan_of(p, q, r, s):
    """The first NaN of p, q, r, s, else x86's default NaN (the Cython
    kernels' fcp_nan_of: torch's complex product's NaN bits)."""
    for v in (p, q, r, s):
        if v != v:
            return _quiet(v)
    return np.uint64(0xfff8000000000000).view(np.float64)


@njit(nogil=True, cache=True)
def _keep_nan(acc, p):
    """p, or acc where acc is NaN."""
    if acc != acc:
        return acc
    return p


@njit(nogil=True, cache=True)
def _cmul(a, b, c, d):
    """(a+bi)(c+di): torch's x86-64 build contracts c10::complex's product, and
    its NaN bits follow its instructions' operand order (SPEC 3; fcp_cmul)."""
    re = _fma(a, c, -(b * d))
    im = _fma(a, d, b * c)
    if re != re:
        re = _nan_of(c, a, d, b)
    if im != im:
        im = _nan_of(d, a, c, b)
    return complex(re, im)


@overload(_mul, inline="always")
def _mul_impl(acc, f):
    if isinstance(acc, types.Complex):
        return lambda acc, f: _cmul(acc.real, acc.imag, f.real, f.imag)
    if isinstance(acc, types.Float):
        def mul(acc, f):
            # When both are NaN the accumulator's survives (SPEC 3; fcp_mul).
            return _keep_nan(acc, acc * f)
        return mul
    return lambda acc, f: acc * f


@njit(parallel=True, nogil=True, cache=True)
def scan_rows(x, y, threads):
    """Lanes side by side (inner axis the fastest): out[o, i, :] = out[o, i-1, :] * x[o, i, :],
    one block of lanes per task, at least as many blocks as threads."""
    outer, n, m = x.shape
    width = min(ROW_BLOCK, max(MIN_ROW_BLOCK, -(-m // threads)))
    blocks = (m + width - 1) // width
    for t in prange(outer * blocks):
        o = t // blocks
        j0 = (t - o * blocks) * width
        b = min(width, m - j0)
        acc = np.full(b, _one(y))
        for i in range(n):
            # 1-D row views: simple loops that LLVM vectorises
            xr = x[o, i, j0:j0 + b]
            yr = y[o, i, j0:j0 + b]
            for j in range(b):
                a = _mul(acc[j], _factor(xr[j], y))
                acc[j] = a
                yr[j] = _store(a, y)


@njit(parallel=True, nogil=True, cache=True)
def map_pages(b, threads):
    """Write a zero to every page of the bytes b, in one contiguous part per
    thread (b is a fresh result: the kernel then writes every byte of it)."""
    n = b.shape[0]
    part = (n + threads - 1) // threads
    for t in prange(threads):
        for i in range(t * part, min(n, (t + 1) * part), PAGE):
            b[i] = 0


@njit(nogil=True, cache=True)
def _chains(x, y):
    """The lanes (columns) of the 2-D slices x, y, CHAINS interleaved chains at
    a time, each row loaded before it is stored (see the Cython kernel)."""
    n, m = x.shape
    j = 0
    while j + 3 < m:
        a0 = a1 = a2 = a3 = _one(y)
        for i in range(n):
            v0, v1, v2, v3 = x[i, j], x[i, j + 1], x[i, j + 2], x[i, j + 3]
            a0 = _mul(a0, _factor(v0, y))
            a1 = _mul(a1, _factor(v1, y))
            a2 = _mul(a2, _factor(v2, y))
            a3 = _mul(a3, _factor(v3, y))
            y[i, j] = _store(a0, y)
            y[i, j + 1] = _store(a1, y)
            y[i, j + 2] = _store(a2, y)
            y[i, j + 3] = _store(a3, y)
        j += 4
    while j < m:
        a = _one(y)
        for i in range(n):
            a = _mul(a, _factor(x[i, j], y))
            y[i, j] = _store(a, y)
        j += 1


@njit(parallel=True, nogil=True, cache=True)
def scan_chains(x, y, threads):
    """Lanes each contiguous along n: blocks of CHAIN_BLOCK lanes per task,
    scanned by _chains."""
    outer, n, m = x.shape
    width = max(CHAINS, min(CHAIN_BLOCK, (m // threads) // CHAINS * CHAINS))
    blocks = (m + width - 1) // width
    for t in prange(outer * blocks):
        o = t // blocks
        j0 = (t - o * blocks) * width
        j1 = min(j0 + width, m)
        _chains(x[o, :, j0:j1], y[o, :, j0:j1])


# The loops are functions of their own, over slices indexed from 0:
# numba wraps negative indices, and where LLVM cannot prove an index
# non-negative (a loop from `start`, inside a parallel loop's body) it
# adds a test to every load, or vectorises the loads as gathers (1-D int64, 2**24 elements, one thread:
# 44 ms so, 19 ms from 0).

@njit(nogil=True, cache=True)
def _chunk_product(x, y):
    """x's product as four independent chains (exact in any grouping)."""
    n = x.shape[0]
    p0 = p1 = p2 = p3 = _one(y)
    i = 0
    while i + 3 < n:
        p0 = p0 * _factor(x[i], y)
        p1 = p1 * _factor(x[i + 1], y)
        p2 = p2 * _factor(x[i + 2], y)
        p3 = p3 * _factor(x[i + 3], y)
        i += 4
    while i < n:
        p0 = p0 * _factor(x[i], y)
        i += 1
    return (p0 * p1) * (p2 * p3)


@njit(nogil=True, cache=True)
def _chunk_scan(x, y, a):
    """y = cumprod(x) from the carry a, two elements a step (the Cython
    kernel's scan_pairs: the chain of multiplies is half as long)."""
    n = x.shape[0]
    i = 0
    while i + 1 < n:
        f0 = _factor(x[i], y)
        f1 = _factor(x[i + 1], y)
        y[i] = _store(a * f0, y)
        a = a * (f0 * f1)
        y[i + 1] = _store(a, y)
        i += 2
    if i < n:
        y[i] = _store(a * _factor(x[i], y), y)


@njit(parallel=True, nogil=True, cache=True)
def scan_split(x, y, threads):
    """One integer lane in chunks: the chunks' products in parallel, their
    running products in order, then each chunk scanned from its carry in
    parallel.  Exact: integer products are taken modulo 2**64 (or 2**32), in
    any grouping."""
    n = x.shape[0]
    chunks = (n + SPLIT_CHUNK - 1) // SPLIT_CHUNK
    totals = np.full(chunks, _one(y))
    for c in prange(chunks):
        start = np.int64(c) * SPLIT_CHUNK
        end = min(start + SPLIT_CHUNK, n)
        totals[c] = _chunk_product(x[start:end], y)
    carry = _one(y)
    for c in range(chunks):
        p = totals[c]
        totals[c] = carry
        carry = carry * p
    for c in prange(chunks):
        start = np.int64(c) * SPLIT_CHUNK
        end = min(start + SPLIT_CHUNK, n)
        _chunk_scan(x[start:end], y[start:end], totals[c])
