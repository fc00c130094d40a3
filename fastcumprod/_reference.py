"""Slow, obviously correct NumPy cumprod with torch's semantics: the tests' oracle.

Each lane is multiplied in order in the accumulator dtype of SPEC 3 with
numpy's sequential ``multiply.accumulate``; complex lanes, which need torch's
fma-based product, are multiplied element by element in exact rational
arithmetic.  NaN bits follow torch's rules written out (SPEC 3), and casts
torch's (SPEC 2), whatever numpy's own loops do.  Argument checking is the
API's and is tested against it directly.
"""
import math
from fractions import Fraction

import numpy as np

from ._dtypes import ACCUMULATOR, FLOAT_TO_INT_VIA, result_dtype

# x86's default NaN, what an invalid operation gives, and the quiet bit, by width.
_DEFAULT_NAN = {4: 0xffc00000, 8: 0xfff8000000000000}
_QUIET = {4: 0x00400000, 8: 0x0008000000000000}
_BITS = {4: np.uint32, 8: np.uint64}


def cumprod(input, dim, *, dtype=None, out=None, reverse=False, exclusive=False):
    """torch.cumprod, and its scan family (SPEC 8) by their definitions:
    reverse flips the lane before and after, exclusive shifts the inclusive
    scan by one and puts a 1 first."""
    if reverse or exclusive:
        x = np.asarray(input)
        res = result_dtype(x.dtype, dtype, out)
        if x.ndim == 0:
            y = np.ones((), res) if exclusive else cumprod(x, dim, dtype=res)
        else:
            y = np.flip(x, dim) if reverse else x
            y = cumprod(y, dim, dtype=res)
            if exclusive and y.shape[dim]:
                shape = list(y.shape)
                shape[dim] = 1
                y = np.concatenate([np.ones(shape, y.dtype),
                                    np.take(y, range(y.shape[dim] - 1), axis=dim)], axis=dim)
            y = np.flip(y, dim) if reverse else y
        if out is None:
            return y.copy(order="C")
        out[...] = y
        return out
    x = np.asarray(input)
    res = result_dtype(x.dtype, dtype, out)
    if x.dtype.kind == "c" and res.kind != "c":
        x = x.real  # as astype, without its warning; the API warns
    xr = cast(x, res)
    if x.ndim == 0:
        y = xr.copy()
    else:
        y = np.moveaxis(_scan(np.moveaxis(xr, dim, 0), res), 0, dim)
    if out is None:
        return y
    out[...] = y
    return out


def nancumprod(input, dim, *, dtype=None, out=None, reverse=False, exclusive=False):
    """cumprod with every NaN (complex: either part) replaced by 1 first, in
    the input's dtype (SPEC 8)."""
    x = np.asarray(input)
    if x.dtype.kind in "fc":
        x = np.where(np.isnan(x), np.ones((), x.dtype), x)
    return cumprod(x, dim, dtype=dtype, out=out, reverse=reverse, exclusive=exclusive)


def cast(x, res):
    """x as torch casts it to res (SPEC 2): floating values to integers by
    FLOAT_TO_INT_VIA, float64 to float16 through float32."""
    res = res.newbyteorder("=")
    with np.errstate(all="ignore"):
        if x.dtype.kind == "f" and res.kind in "iu":
            return _float_to_int(x.astype(np.float64), FLOAT_TO_INT_VIA[res]).astype(res)
        if res == np.float16 and x.dtype != np.float16:
            return _to_half(x.astype(np.float32))
        return x.astype(res)


def _to_half(x):
    """float32 to float16 as x86's conversion (torch's) rounds it: numpy's
    keeps a signalling NaN signalling (0x7f800001 to 0x7c01), the instruction
    quiets every NaN and keeps the top of its payload (0x7e00)."""
    h = x.astype(np.float16)
    bits = x.view(np.uint32)
    nan = ((bits >> 16) & 0x8000 | 0x7E00 | (bits >> 13) & 0x3FF).astype(np.uint16)
    return np.where(np.isnan(x), nan.view(np.float16), h)


def _float_to_int(v, via):
    """Truncated toward zero through via; NaN and out of its range: its minimum
    (uint64: [2**63, 2**64) exact, beyond it 0).  Returns int64 or uint64."""
    if via == np.uint64:
        high = v >= 2.0**63
        low_part = _float_to_int(np.where(high, 0.0, v), np.dtype(np.int64)).view(np.uint64)
        high_part = _float_to_int(np.where(high, v - 2.0**63, 0.0), np.dtype(np.int64)).view(np.uint64)
        return np.where(high, high_part ^ np.uint64(1 << 63), low_part)
    if via == np.int32:
        ok = (v > -(2.0**31) - 1) & (v < 2.0**31)
    else:
        ok = (v >= -(2.0**63)) & (v < 2.0**63)
    minimum = np.iinfo(via).min
    return np.where(ok, np.trunc(np.where(ok, v, 0)).astype(np.int64), minimum)


def _scan(x, res):
    """cumprod along axis 0 of x, which already has the result dtype."""
    acc = ACCUMULATOR[res.newbyteorder("=")]
    with np.errstate(all="ignore"):
        if res.kind == "c":
            return _scan_complex(x).astype(res)
        xa = x.astype(acc)
        y = np.multiply.accumulate(xa, axis=0)
        if acc.kind == "f":
            y = _nan_bits(xa, y)
        return y.astype(res)


def _nan_bits(x, y):
    """y = multiply.accumulate(x) with torch's NaN bits: a lane's first NaN is
    x's there (quieted), or the default NaN where the product was invalid
    (0 * inf); from there on the accumulator's NaN survives every factor, NaN
    or not (SPEC 3)."""
    nan = np.isnan(y)
    if not nan.any():
        return y
    first = nan.argmax(axis=0)
    x_first = np.take_along_axis(x, first[None], axis=0)[0]
    size = x.dtype.itemsize
    bits = np.where(np.isnan(x_first), x_first.view(_BITS[size]) | _BITS[size](_QUIET[size]),
                    _BITS[size](_DEFAULT_NAN[size]))
    steps = np.arange(x.shape[0]).reshape((-1,) + (1,) * (x.ndim - 1))
    return np.where((steps >= first) & nan.any(axis=0), bits.view(x.dtype), y)


def _scan_complex(x):
    y = np.empty(x.shape, np.complex128)
    re, im = np.ones(x.shape[1:]), np.zeros(x.shape[1:])
    for i in range(x.shape[0]):
        c, d = x[i].real.astype(np.float64), x[i].imag.astype(np.float64)
        new_re, new_im = _fma(re, c, -(im * d)), _fma(re, d, im * c)
        # torch's NaN bits: the first NaN of its instructions' operands, in
        # their order, else the default NaN (SPEC 3).
        re, im = (np.where(np.isnan(new_re), _first_nan(c, re, d, im), new_re),
                  np.where(np.isnan(new_im), _first_nan(d, re, c, im), new_im))
        y.real[i], y.imag[i] = re, im
    return y


def _first_nan(*parts):
    """Elementwise, the first of parts that is NaN (quieted), else the default NaN."""
    out = np.full(parts[0].shape, np.uint64(_DEFAULT_NAN[8])).view(np.float64)
    for p in reversed(parts):
        quiet = (p.view(np.uint64) | np.uint64(_QUIET[8])).view(np.float64)
        out = np.where(np.isnan(p), quiet, out)
    return out


def _fma_scalar(a, c, z):
    """a * c + z rounded once, as IEEE 754 fusedMultiplyAdd."""
    if not (math.isfinite(a) and math.isfinite(c)):
        return a * c + z
    if not math.isfinite(z):
        return z
    exact = Fraction(a) * Fraction(c) + Fraction(z)
    if exact == 0:
        product_negative = (math.copysign(1, a) * math.copysign(1, c) < 0) and a * c == 0
        return -0.0 if product_negative and math.copysign(1, z) < 0 else 0.0
    try:
        return float(exact)
    except OverflowError:
        return math.inf if exact > 0 else -math.inf


_fma = np.vectorize(_fma_scalar, otypes=[np.float64])
