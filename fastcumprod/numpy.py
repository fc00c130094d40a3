"""numpy's cumprod, nancumprod and cumulative_prod, bit for bit (SPEC 9).

A drop-in for the functions of the same names: the installed numpy is the
oracle for every value, bit, dtype and shape.  What differs from torch's
contract (fastcumprod.cumprod) is data, not code: numpy's own dtype resolver
picks the loop dtype (``np.multiply.resolve_dtypes``), the kernels run with
numpy's arithmetic (the F_NUMPY variant: the accumulator is the loop dtype,
rounded after every product, with numpy's complex product), casts that
could round, overflow or differ from numpy's are numpy's own (done in
blocks, fastcumprod._execute), and the floating-point exceptions the kernels
raise are reported through numpy's own error handling (np.errstate).

Anything the kernels do not cover -- an ndarray subclass or an object with
its own cumprod (``__array_function__``), dtypes such as object or
longdouble, and every bad argument -- is handed to numpy's function itself,
so that results, warnings and exceptions are numpy's by construction.
"""
from __future__ import annotations

import operator
import warnings
from typing import Any, SupportsIndex

import numpy as np
import numpy.typing as npt

from ._cy.kernels import FLAGS, FPE
from ._dtypes import ARITHMETIC, NUMPY_LOOP_DTYPES, numpy_fuses_cast
from ._execute import execute
from ._cy.fastpath import overlaps
from ._memory import TooHard, self_overlapping

__all__ = ["cumprod", "cumulative_prod", "nancumprod"]

# Python values numpy turns into arrays the same way (np.asarray).
_PLAIN = (list, tuple, int, float, complex, bool, np.generic)
# Whether the kernels' complex product is the installed numpy's.  They follow
# numpy >= 2.3's scalar loop (measured with 2.3.5, 2.4.6 and 2.5.5); numpy 2.2
# (the last for Python 3.10) multiplies complex rows, an accumulate along a
# non-last axis, with a loop whose NaN payloads differ (2.2.6: 15 of 782
# parts of a 23x17 complex128 array of specials along axis 0).  There,
# complex calls are numpy's own.
_KERNELS_MULTIPLY_COMPLEX = np.lib.NumpyVersion(np.__version__) >= "2.3.0"

# A column whose multiply.accumulate raises each floating-point exception:
# replayed through numpy, the kernels' exceptions get numpy's handling
# (warn, raise, ignore, call, print, log) and numpy's messages
# ("overflow encountered in accumulate"), whatever np.errstate says.
_TRIGGERS = {"overflow": (1e300, 1e300), "underflow": (1e-300, 1e-300),
             "invalid value": (0.0, np.inf)}
# numpy's names of the kernels' exceptions (as np.errstate's call gets them).
_NUMPY_NAMES = {"divide": "divide by zero", "over": "overflow", "under": "underflow",
                "invalid": "invalid value"}


def cumprod(a: npt.ArrayLike, axis: SupportsIndex | None = None, dtype: npt.DTypeLike = None,
            out: np.ndarray[Any, Any] | None = None) -> np.ndarray[Any, Any]:
    """numpy.cumprod, bit for bit: the same values, dtype and shape, the same
    errors and floating-point warnings.

    Without `axis` the input is flattened (C order).  Bool and signed
    integers give int64, unsigned give uint64; floating and complex keep
    their dtype and multiply in it (float32 in float32, unlike
    `fastcumprod.cumprod`, which follows torch).

    Examples
    --------
    >>> import numpy as np
    >>> from fastcumprod import numpy as fnp
    >>> fnp.cumprod([[1, 2, 3], [4, 5, 6]])
    array([  1,   2,   6,  24, 120, 720])
    >>> with np.errstate(over="ignore"):  # else numpy's RuntimeWarning, as numpy
    ...     fnp.cumprod(np.array([1e30, 1e30, 1e-30], np.float32), axis=0)
    array([1.e+30,    inf,    inf], dtype=float32)
    """
    return _accumulate(np.cumprod, a, axis, dtype, out, skipnan=False)


def nancumprod(a: npt.ArrayLike, axis: SupportsIndex | None = None,
               dtype: npt.DTypeLike = None,
               out: np.ndarray[Any, Any] | None = None) -> np.ndarray[Any, Any]:
    """numpy.nancumprod, bit for bit: NaNs count as 1 (replaced before the cast
    to `dtype`), without the copy numpy makes to replace them.

    Examples
    --------
    >>> import numpy as np
    >>> from fastcumprod import numpy as fnp
    >>> fnp.nancumprod(np.array([[1, 2], [3, np.nan]]), axis=0)
    array([[1., 2.],
           [3., 2.]])
    """
    return _accumulate(np.nancumprod, a, axis, dtype, out, skipnan=True)


def cumulative_prod(x: npt.ArrayLike, /, *, axis: SupportsIndex | None = None,
                    dtype: npt.DTypeLike = None, out: np.ndarray[Any, Any] | None = None,
                    include_initial: bool = False) -> np.ndarray[Any, Any]:
    """numpy.cumulative_prod (the Array API standard's), bit for bit.

    `axis` is required for more than one dimension; a 0-d input is taken as
    1-d; with ``include_initial=True`` a 1 is put before each lane (length
    n + 1 along `axis`, also into `out`).

    Examples
    --------
    >>> import numpy as np
    >>> from fastcumprod import numpy as fnp
    >>> fnp.cumulative_prod(np.array([2, 3, 4]), include_initial=True)
    array([ 1,  2,  6, 24])
    """
    return _accumulate(np.cumulative_prod, x, axis, dtype, out, skipnan=False,
                       include_initial=bool(include_initial), flatten=False)


def _numpys(function, a, axis, dtype, out, include_initial):
    if function is np.cumulative_prod:
        return function(a, axis=axis, dtype=dtype, out=out, include_initial=include_initial)
    return function(a, axis=axis, dtype=dtype, out=out)


def _accumulate(function, a, axis, dtype, out, skipnan, include_initial=False, flatten=True):
    """numpy's `function` by the kernels, or by numpy where they do not apply."""
    if hasattr(type(a), "__dask_graph__") and type(a).__module__.startswith("dask.array"):
        # numpy would hand a dask array to dask's own cumprod, which is not
        # exact (SPEC 11): the exact lazy scan instead.
        from . import dask as fdask
        return fdask._numpy_semantics(function.__name__, a, axis, dtype, out, include_initial)
    call = _plan(a, axis, dtype, out, include_initial, flatten)
    if call is None:
        return _numpys(function, a, axis, dtype, out, include_initial)
    x, axis, loop, out = call
    if out is not None:
        result = out
    elif include_initial:
        result = np.empty(_result_shape(x.shape, axis, True), loop)
    else:
        result = np.empty_like(x, dtype=loop)  # in x's memory order, as numpy's
    target = result
    if include_initial:
        index = [slice(None)] * x.ndim
        index[axis] = slice(1, None)
        target = result[tuple(index)]
    _run(x, axis, loop, target, out is not None, skipnan)
    if include_initial:
        index[axis] = 0
        result[tuple(index)] = 1
    return result


def _run(x, axis, loop, target, given, skipnan, carry=None, started=False, stacklevel=3):
    """target = numpy's scan of x along axis in the loop dtype: the kernels,
    numpy's casts where needed, numpy's error reporting.  given: target is
    the caller's out (a cast of the result into it reports as numpy's).
    carry: None, or the lanes' accumulators of a scan in blocks
    (fastcumprod._blocks), which the scan leaves its products in and, where
    started, starts from (else each lane from its first element)."""
    if x.dtype.kind == "c" and loop.kind not in "cb":  # to bool: nonzero, no warning
        warnings.warn("Casting complex values to real discards the imaginary part",
                      np.exceptions.ComplexWarning, stacklevel=stacklevel + 1)
        if not skipnan:
            # The real part is a view; what numpy casts then warns no more.
            # (nancumprod keeps x whole: a NaN imaginary part makes its
            # element 1; fastcumprod._execute takes the real part after.)
            x = x.real
    if not x.size:
        return
    cast = None if numpy_fuses_cast(x.dtype, loop) else loop
    if loop.kind == "b":
        # bool multiplies as logical and: 0/1 bytes, multiplied as uint8
        # once numpy has cast to bool.
        cast = None if x.dtype.kind == "b" else loop
    fpe = np.zeros(1, np.intc) if loop.kind in "fc" else None
    # numpy's arithmetic, each lane started from its first element (or
    # from the carry, in a scan in blocks that has started).
    flags = ARITHMETIC["numpy"] | (FLAGS["skipnan"] if skipnan else 0)
    if started:
        flags &= ~FLAGS["first"]
    # numpy's nancumprod replaces NaNs by 1 before its product, quietly (np.isnan);
    # the kernels' NaN test (an unordered compare) and their casts signal
    # 'invalid' on a signalling NaN.  Rare, so found after the scan (or
    # before it, where the scan writes over x) and the scan run again on
    # numpy's own replacement, for numpy's flags.
    quiet = skipnan and fpe is not None and x.dtype.kind in "fc"
    if quiet and given and overlaps(x, target):
        if _has_signalling_nan(x):
            x = np.where(np.isnan(x), 1, x)
        quiet = False
    saved = carry.copy() if quiet and carry is not None else None
    casts = (set(), set())
    execute(x, target, axis, not given, flags, fpe, loop, cast, casts, carry)
    if quiet and fpe[0] & FPE["invalid"] and _has_signalling_nan(x):
        if carry is not None:
            carry[...] = saved
        fpe[0] = 0
        casts = (set(), set())
        execute(np.where(np.isnan(x), 1, x), target, axis, not given, flags, fpe, loop, cast,
                casts, carry)
    _report(casts, fpe, given and target.dtype.newbyteorder("=") != loop)


# The bits of inf, and the quiet bit, by width: a NaN with the quiet bit
# clear signals.
_NAN_BITS = {2: (0x7C00, 0x0200, np.uint16), 4: (0x7F800000, 0x00400000, np.uint32),
             8: (0x7FF0000000000000, 0x0008000000000000, np.uint64)}


def _has_signalling_nan(x):
    """Whether a floating or complex array holds a signalling NaN (by its bits)."""
    for part in (x.real, x.imag) if x.dtype.kind == "c" else (x,):
        inf, quiet, width = _NAN_BITS[part.dtype.itemsize]
        magnitude = part.view(np.dtype(width).newbyteorder(part.dtype.byteorder)) & (inf | (inf - 1))
        if np.any((magnitude > inf) & (magnitude < (inf | quiet))):
            return True
    return False


def _plan(a, axis, dtype, out, include_initial, flatten):
    """(x, axis, loop dtype, out) of a call the kernels take, else None."""
    if type(a) is not np.ndarray and not isinstance(a, _PLAIN):
        return None
    if out is not None and type(out) is not np.ndarray:
        return None
    x = a if type(a) is np.ndarray else np.asarray(a)
    if not _readable(x.dtype) or (out is not None and not _readable(out.dtype)):
        return None
    if x.ndim == 0:
        x = x.reshape(1)
    if axis is None:
        if not flatten:
            if x.ndim > 1:
                return None  # numpy's ValueError: axis is required
        else:
            x = x.reshape(-1)  # C order; a copy only where numpy's ravel copies
        axis = 0
    else:
        try:
            axis = operator.index(axis)
        except TypeError:
            return None
        if not -x.ndim <= axis < x.ndim:
            return None
        axis %= x.ndim
    try:
        loop = _loop_dtype(x.dtype, dtype, out)
    except TypeError:
        return None
    if loop not in NUMPY_LOOP_DTYPES:
        return None
    if loop.kind == "c" and not _KERNELS_MULTIPLY_COMPLEX:
        return None
    if loop.kind == "c" and x.shape[axis] == 2:
        # numpy multiplies a lane's elements in one call of its multiply
        # loop; a call of one product (lanes of two) takes its SIMD loop,
        # whose complex product is fused (fma(a, c, -b*d) on x86-64 with
        # FMA: measured with numpy 2.4), every longer call its scalar loop,
        # a*c - b*d (F_NUMPY).  Lanes of two are numpy's to multiply.
        return None
    if out is not None:
        if (out.shape != _result_shape(x.shape, axis, include_initial)
                or not out.flags.writeable or _overlaps_itself(out)):
            return None
    return x, axis, loop, out


def _readable(dtype):
    """Whether the kernels read and write dtype (in either byte order)."""
    return dtype.kind in "biufc" and dtype.newbyteorder("=") in NUMPY_LOOP_DTYPES


def _overlaps_itself(out):
    try:
        return self_overlapping(out)
    except TooHard:
        return True


def _loop_dtype(x_dtype, dtype, out):
    """The dtype numpy's multiply.accumulate computes in: dtype=, else numpy's
    own resolver (out's dtype counts as the accumulator's, as in numpy's
    reductions; casting "unsafe", as accumulate casts into out)."""
    if dtype is not None:
        return np.dtype(dtype).newbyteorder("=")
    first = None if out is None else out.dtype.newbyteorder("=")
    try:
        loop = np.multiply.resolve_dtypes((first, x_dtype.newbyteorder("="), None),
                                          reduction=True, casting="unsafe")[0]
    except (TypeError, ValueError):
        raise TypeError("no loop") from None
    return loop


def _result_shape(shape, axis, include_initial):
    if not include_initial:
        return shape
    shape = list(shape)
    shape[axis] += 1
    return tuple(shape)


def _report(casts, fpe, cast_out):
    """Report floating-point errors as numpy reports its own: those of the
    casts as numpy's casts do ("overflow encountered in cast"), then, after a
    floating loop (numpy checks no flags after integer loops), those its
    accumulate sees: the products' -- unless the result is cast into out,
    whose cast clears them and leaves its own (numpy 2.4, measured)."""
    cast_errors = casts[0] | casts[1]
    if cast_errors:
        _replay_casts(cast_errors)
    if fpe is not None:
        raised = casts[1] if cast_out else {
            _NUMPY_NAMES[name] for name, bit in FPE.items() if fpe[0] & bit}
        names = [name for name in _TRIGGERS if name in raised]
        if names:
            column = np.array([_TRIGGERS[name] for name in names]).T
            np.multiply.accumulate(column, axis=0)


# Casts that raise each error, as numpy's cast of a block would.
_CAST_TRIGGERS = {"overflow": (1e300, np.float32), "underflow": (1e-300, np.float32),
                  "invalid value": (np.nan, np.int64)}


def _replay_casts(errors):
    for name, (value, dtype) in _CAST_TRIGGERS.items():
        if name in errors:
            np.array([value]).astype(dtype)
