"""Slow, obviously correct NumPy cumprod with torch's semantics: the tests' oracle.

Each lane is multiplied in order in the accumulator dtype of SPEC 3 with
numpy's sequential ``multiply.accumulate``; complex lanes, which need torch's
fma-based product, are multiplied element by element in exact rational
arithmetic.  Argument checking is the API's and is tested against it directly.
"""
import math
from fractions import Fraction

import numpy as np

from ._dtypes import ACCUMULATOR, result_dtype


def cumprod(input, dim, *, dtype=None, out=None):
    x = np.asarray(input)
    res = result_dtype(x.dtype, dtype, out)
    if x.dtype.kind == "c" and res.kind != "c":
        x = x.real  # as astype, without its warning; the API warns
    with np.errstate(all="ignore"):
        xr = x.astype(res)
    if x.ndim == 0:
        y = xr.copy()
    else:
        y = np.moveaxis(_scan(np.moveaxis(xr, dim, 0), res), 0, dim)
    if out is None:
        return y
    out[...] = y
    return out


def _scan(x, res):
    """cumprod along axis 0 of x, which already has the result dtype."""
    acc = ACCUMULATOR[res.newbyteorder("=")]
    with np.errstate(all="ignore"):
        if res.kind == "c":
            return _scan_complex(x).astype(res)
        # accumulate copies x[0] where torch computes 1 * x[0]: the same value
        # for every real number, inf and (quiet) NaN.
        return np.multiply.accumulate(x.astype(acc), axis=0).astype(res)


def _scan_complex(x):
    y = np.empty(x.shape, np.complex128)
    re, im = np.ones(x.shape[1:]), np.zeros(x.shape[1:])
    for i in range(x.shape[0]):
        c, d = x[i].real.astype(np.float64), x[i].imag.astype(np.float64)
        re, im = _fma(re, c, -(im * d)), _fma(re, d, im * c)
        y.real[i], y.imag[i] = re, im
    return y


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
