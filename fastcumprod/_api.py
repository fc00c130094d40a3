"""cumprod(): coerce the input, normalise dim, resolve the dtype, check out, hand over."""
import operator
import sys
import warnings

import numpy as np

from ._cy.fastpath import try_cumprod
from ._dispatch import get_backend
from ._dtypes import input_dtype, result_dtype
from ._execute import execute
from ._memory import TooHard, self_overlapping

_MISSING = object()


def normalize_dim(dim, ndim):
    """dim as a non-negative axis, with torch's rules and message (SPEC 1)."""
    if dim is None or isinstance(dim, (bool, np.bool_)):
        raise TypeError(f"cumprod: dim must be an integer, not {type(dim).__name__}")
    try:
        d = operator.index(dim)
    except TypeError:
        raise TypeError(f"cumprod: dim must be an integer, not {type(dim).__name__}") from None
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
    return d % n


def _check_out(out, shape):
    if out.shape != shape:
        raise ValueError(f"cumprod: out has shape {out.shape} but the result has shape "
                         f"{shape}; numpy arrays are not resized")
    if not out.flags.writeable:
        raise ValueError("cumprod: out is read-only")
    try:
        clash = self_overlapping(out)
    except TooHard:
        raise ValueError("cumprod: cannot tell within a bounded search whether the "
                         "elements of out (an as_strided view with interleaved strides) "
                         "share memory; pass an out whose elements are disjoint") from None
    if clash:
        raise ValueError("cumprod: out has elements that share memory "
                         "(a broadcast or as_strided view); each result needs its own")


def _is_masked(a):
    # numpy.ma is imported by whoever made a masked array: never import it here.
    ma = sys.modules.get("numpy.ma")
    return ma is not None and isinstance(a, ma.MaskedArray)


def _masked_cumprod(x, dim, dtype, out):
    """numpy's masked semantics (np.ma.cumprod): masked elements count as 1
    and stay masked; a MaskedArray comes back (or out, masked likewise when it
    is one).  The filled input is a copy."""
    mask = np.ma.getmaskarray(x).copy()
    target = out.data if isinstance(out, np.ma.MaskedArray) else out
    data = cumprod(x.filled(1), dim, dtype=dtype, out=target)
    if out is None:
        return np.ma.MaskedArray(data, mask=mask)
    if isinstance(out, np.ma.MaskedArray):
        out.mask = mask
    return out


def cumprod(input, dim=_MISSING, *, dtype=None, out=None, axis=_MISSING):
    """Cumulative product of the elements of `input` along `dim`, as torch.cumprod.

    ``y[..., i, ...] = x[..., 0, ...] * x[..., 1, ...] * ... * x[..., i, ...]``,
    each lane a strictly sequential product in torch's accumulator type, so the
    results are bit-identical to ``torch.cumprod`` on the CPU.

    Parameters
    ----------
    input : array_like
        Anything `numpy.asarray` accepts: an ndarray of any strides and byte
        order, nested lists, a scalar, a CPU torch tensor.  Never modified,
        unless `out` is the same array.
    dim : int
        The axis to scan; negative counts from the end.  `axis` is an alias.
    dtype : dtype, optional
        Result dtype: a numpy dtype (or anything `numpy.dtype` accepts) or a
        torch dtype such as ``torch.int32``.  The input is cast to it first,
        as torch casts (floating values to integers through int32 or int64,
        float64 to float16 through float32; see the README).
    out : numpy.ndarray, optional
        Where to write the result: its shape must be the result's, any strides.
        Without `dtype`, the result has ``out.dtype``.  It may be the input
        itself (an in-place scan) or overlap it.

    Returns
    -------
    numpy.ndarray
        A new array, or `out` itself.  Without `dtype` and `out`, bool and
        integer inputs give int64 and floating and complex inputs keep their
        dtype.

    Raises
    ------
    TypeError
        `dim` missing, None, bool or float; an unsupported dtype (object,
        strings, datetime, longdouble, ...); `dtype` and ``out.dtype`` differ;
        `out` not an ndarray.
    IndexError
        `dim` out of range.
    ValueError
        `out` of the wrong shape, read-only, or with elements sharing memory.

    Notes
    -----
    Integers accumulate in 64 bits and wrap modulo 2**bits of the result;
    float16 accumulates in float32, float32 in float64 (numpy multiplies in
    float32, so its results differ), complex64 in complex128 with torch's
    fma-based complex product.

    Examples
    --------
    >>> import numpy as np
    >>> from fastcumprod import cumprod
    >>> cumprod([1, 2, 3, 4], 0)
    array([ 1,  2,  6, 24])
    >>> cumprod([[1, 2, 3], [4, 5, 6]], 1)
    array([[  1,   2,   6],
           [  4,  20, 120]])
    >>> cumprod([[1, 2, 3], [4, 5, 6]], 0)
    array([[ 1,  2,  3],
           [ 4, 10, 18]])
    >>> cumprod(np.full(4, 1000, np.int32), 0)
    array([         1000,       1000000,    1000000000, 1000000000000])
    >>> cumprod(np.full(4, 1000, np.int32), 0, dtype=np.int32)
    array([      1000,    1000000, 1000000000, -727379968], dtype=int32)
    >>> cumprod(np.array([200, 2], np.uint8), 0)
    array([200, 400])
    >>> 2.0 * cumprod(np.full(5, 0.5, np.float32), 0)
    array([1.    , 0.5   , 0.25  , 0.125 , 0.0625], dtype=float32)
    >>> cumprod(np.linspace(0.9, 0.5, 4, dtype=np.float32), 0)
    array([0.9       , 0.68999994, 0.43699998, 0.21849999], dtype=float32)
    >>> cumprod(np.array([1e30, 1e30, 1e-30], np.float32), 0)
    array([1.e+30,    inf, 1.e+30], dtype=float32)
    >>> cumprod([1.5, 2.5], 0, dtype=np.int64)
    array([1, 2])
    >>> buf = np.empty(1000, np.float32)
    >>> cumprod(np.arange(1, 1001, dtype=np.float32), 0, out=buf) is buf
    True
    >>> buf[:5]
    array([  1.,   2.,   6.,  24., 120.], dtype=float32)
    """
    if dtype is None and axis is _MISSING and get_backend() != "numba":
        done = try_cumprod(input, dim, out)
        if done is not None:
            return done
    if axis is not _MISSING:
        if dim is not _MISSING:
            raise TypeError("cumprod: got both dim and its alias axis")
        dim = axis
    if dim is _MISSING:
        raise TypeError("cumprod: missing required argument 'dim'")
    if type(input) is not np.ndarray and _is_masked(input):
        return _masked_cumprod(input, dim, dtype, out)
    x = input if type(input) is np.ndarray else np.asarray(input)
    input_dtype(x.dtype)
    # The common cases first, by lookups: a call on 10 elements is mostly this.
    d = dim if type(dim) is int and 0 <= dim < x.ndim else normalize_dim(dim, x.ndim)
    if out is not None and not isinstance(out, np.ndarray):
        raise TypeError(f"cumprod: out must be a numpy.ndarray, not {type(out).__name__}")
    res = result_dtype(x.dtype, dtype, out)
    fresh = out is None
    if fresh:
        # In the input's memory order, as torch does: the scan then reads and
        # writes in the same order (a C-order result of a Fortran-order input
        # would be written across its rows).
        out = np.empty_like(x, dtype=res)
    else:
        _check_out(out, x.shape)
    if x.dtype.kind == "c" and res.kind != "c":
        # As numpy's astype and torch warn; the real part is a view, not a copy.
        warnings.warn("Casting complex values to real discards the imaginary part",
                      np.exceptions.ComplexWarning, stacklevel=2)
        x = x.real
    if x.ndim == 0:
        if res.kind in "iu" or (res == np.float16 and x.dtype != np.float16):
            # torch's casts are not astype's there (SPEC 2): the kernels'
            # (1 * v is v for integers, and for values already cast to half).
            execute(x.reshape(1), out.reshape(1), 0, fresh)
        else:
            # torch copies a 0-d input (cast) without multiplying it by 1.
            with np.errstate(all="ignore"):
                out[()] = x.astype(res)[()]
    elif x.size:
        execute(x, out, d, fresh)
    return out
