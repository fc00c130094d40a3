"""Scans in blocks (SPEC 10): consecutive blocks along an axis -- pieces of
an np.memmap, of an HDF5 or zarr dataset, of a stream, the chunks of a dask
array -- each lane's accumulator carried from one block to the next, so that
the blocks' results put together are bit-identical to one call on the whole.

The carry is the kernels' own accumulator (uint64 for integers, float32 for
float16, float64 for float32 and float64, complex128 for complex), never the
rounded output: a float32 result carried as float32 would change every later
element.  Under numpy's semantics it holds values of the result dtype (numpy
rounds after every product).  It is an ndarray of the block's shape without
`dim`, in the same axis order, whatever the blocks' memory layouts."""
from __future__ import annotations

import math
import operator
from typing import Any, SupportsIndex

import numpy as np
import numpy.typing as npt

from . import numpy as _numpy
from ._api import _MISSING, _check_out, _is_lazy, _is_masked, _scan
from ._cy.fastpath import normalize_dim
from ._dtypes import ACCUMULATOR, NUMPY_LOOP_DTYPES, input_dtype, one_carry, result_dtype

__all__ = ["Scanner", "scan_block"]

FUNCTIONS = ("cumprod", "nancumprod")
SEMANTICS = ("torch", "numpy")


def _options(function, semantics, reverse, exclusive):
    if function not in FUNCTIONS:
        raise ValueError(f"function must be one of {FUNCTIONS}, not {function!r}")
    if semantics not in SEMANTICS:
        raise ValueError(f"semantics must be one of {SEMANTICS}, not {semantics!r}")
    if semantics == "numpy" and (reverse or exclusive):
        raise ValueError("reverse and exclusive scans follow torch's semantics "
                         "(numpy has neither); use semantics='torch'")


def scan_block(block: npt.ArrayLike, dim: SupportsIndex, carry: np.ndarray[Any, Any] | None = None,
               *, function: str = "cumprod", semantics: str = "torch",
               dtype: npt.DTypeLike = None, out: np.ndarray[Any, Any] | None = None,
               reverse: bool = False, exclusive: bool = False,
               ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any] | None]:
    """Scan one block of a longer array along `dim`, from the carry of the
    blocks before it: ``y, carry = scan_block(block, dim, carry)``.

    Feed the blocks in order along `dim` -- from the end with
    ``reverse=True`` -- each with the carry the one before returned (None for
    the first); the results put together are bit-identical to one call of
    `function` on the whole array.  `carry` is not modified: a new one comes
    back (what a task graph needs; `Scanner` keeps it for you).

    Parameters
    ----------
    block : array_like
        The next block: at least one dimension; every block has the same
        shape but along `dim` (any length there, 0 included).
    dim : int
        The scanned axis (numpy's `axis`, under numpy's semantics).
    carry : numpy.ndarray or None
        What the previous call returned; None starts the scan.
    function : {"cumprod", "nancumprod"}
        nancumprod counts NaN elements as 1.
    semantics : {"torch", "numpy"}
        Whose function the blocks reproduce: `fastcumprod.cumprod` (torch's
        dtypes and accumulators; `reverse` and `exclusive` too) or
        `fastcumprod.numpy.cumprod` (numpy's dtypes, arithmetic in the result
        dtype, numpy's floating-point error reporting, block by block).
    dtype, out :
        As the function's; out has the block's shape.
    reverse, exclusive : bool
        As `fastcumprod.cumprod`'s; with reverse, feed the last block first.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray or None)
        The block's result (`out` itself where given) and the carry: the
        lanes' accumulators, of the block's shape without `dim`.  (Under
        numpy's semantics, None while no block had any element along `dim`.)

    Examples
    --------
    >>> import numpy as np
    >>> from fastcumprod import cumprod, scan_block
    >>> x = np.array([1e30, 1e30, 1e-30, 1e-30], np.float32)
    >>> y0, carry = scan_block(x[:2], 0)
    >>> y1, carry = scan_block(x[2:], 0, carry)
    >>> np.concatenate([y0, y1])
    array([1.e+30,    inf, 1.e+30, 1.e+00], dtype=float32)
    >>> cumprod(x, 0)
    array([1.e+30,    inf, 1.e+30, 1.e+00], dtype=float32)
    >>> carry  # float32 accumulates in float64 (as torch's): never rounded
    array(1.00000004)
    """
    _options(function, semantics, reverse, exclusive)
    if _is_lazy(block):
        raise TypeError(f"scan_block: got a {type(block).__module__}.{type(block).__name__}; "
                        "for a lazy scan of a dask array, use fastcumprod.dask")
    if _is_masked(block):
        raise TypeError("scan_block: masked arrays are not scanned in blocks; "
                        "pass block.filled(1)")
    x = block if type(block) is np.ndarray else np.asarray(block)
    if x.ndim == 0:
        raise ValueError("scan_block: a block has at least one dimension (the scanned one)")
    if semantics == "torch":
        d = normalize_dim(dim, x.ndim, function)
        input_dtype(x.dtype)
        if out is not None and not isinstance(out, np.ndarray):
            raise TypeError(f"{function}: out must be a numpy.ndarray, not {type(out).__name__}")
        new = _next_carry(carry, result_dtype(x.dtype, dtype, out), x.shape, d)
        y = _scan(function, x, d, dtype, out, _MISSING, reverse, exclusive,
                  function == "nancumprod", new)
        return y, new
    d = np.lib.array_utils.normalize_axis_index(operator.index(dim), x.ndim)
    if not _numpy._readable(x.dtype):
        raise TypeError(f"{function}: numpy's semantics in blocks do not cover dtype {x.dtype}")
    if out is not None:
        if type(out) is not np.ndarray:
            raise TypeError(f"{function}: out must be a numpy.ndarray, not {type(out).__name__}")
        _check_out(out, x.shape)
    try:
        loop = _numpy._loop_dtype(x.dtype, dtype, out)
    except TypeError:
        loop = None
    if loop not in NUMPY_LOOP_DTYPES:
        raise TypeError(f"{function}: numpy has no {function} of {x.dtype} "
                        f"with dtype={dtype!r} and out={None if out is None else out.dtype}")
    result = np.empty_like(x, dtype=loop) if out is None else out
    started = carry is not None
    new = _next_carry(carry, loop, x.shape, d)
    _numpy._run(x, d, loop, result, out is not None, function == "nancumprod", new, started,
                stacklevel=3)
    return result, (new if started or x.shape[d] else None)


def _next_carry(carry, result, shape, d):
    """A new carry: a copy of the given one (checked), or ones."""
    lanes = shape[:d] + shape[d + 1:]
    if carry is None:
        return one_carry(result, math.prod(lanes)).reshape(lanes)
    want = ACCUMULATOR[result.newbyteorder("=")]
    if not isinstance(carry, np.ndarray) or carry.dtype != want or carry.shape != lanes:
        got = (f"{carry.dtype} of shape {carry.shape}" if isinstance(carry, np.ndarray)
               else type(carry).__name__)
        raise ValueError(f"scan_block: carry must be the {want} array of shape {lanes} "
                         f"that the previous block's call returned (a {result} result's "
                         f"accumulators), not {got}")
    return carry.copy()


class Scanner:
    """Scan an array in consecutive blocks along `dim`, keeping each lane's
    accumulator between them (SPEC 10): the blocks' results put together are
    bit-identical to one call on the whole array.

    ``s = Scanner(dim, ...)``, then ``s(block)`` (or ``s(block, out=...)``)
    for each block in order -- from the last with ``reverse=True``.  Every
    option is `scan_block`'s; `carry` is where the scan stands (None before
    the first block) and `reset()` starts over.

    Examples
    --------
    >>> import numpy as np
    >>> from fastcumprod import Scanner, cumprod
    >>> x = np.arange(1, 11, dtype=np.float32)
    >>> s = Scanner(0)
    >>> y = np.concatenate([s(x[:3]), s(x[3:7]), s(x[7:])])
    >>> bool(np.all(y == cumprod(x, 0)))
    True
    >>> back = Scanner(0, reverse=True, exclusive=True)
    >>> tail, head = back(x[5:]), back(x[:5])
    >>> bool(np.all(np.concatenate([head, tail]) == cumprod(x, 0, reverse=True, exclusive=True)))
    True
    """

    def __init__(self, dim: SupportsIndex, *, function: str = "cumprod",
                 semantics: str = "torch", dtype: npt.DTypeLike = None,
                 reverse: bool = False, exclusive: bool = False) -> None:
        _options(function, semantics, reverse, exclusive)
        self.dim = dim
        self.function, self.semantics = function, semantics
        self.dtype, self.reverse, self.exclusive = dtype, bool(reverse), bool(exclusive)
        self.carry: np.ndarray[Any, Any] | None = None

    def __call__(self, block: npt.ArrayLike,
                 out: np.ndarray[Any, Any] | None = None) -> np.ndarray[Any, Any]:
        y, self.carry = scan_block(block, self.dim, self.carry, function=self.function,
                                   semantics=self.semantics, dtype=self.dtype, out=out,
                                   reverse=self.reverse, exclusive=self.exclusive)
        return y

    def reset(self) -> None:
        """Start over: the next block is the first."""
        self.carry = None

    def __repr__(self) -> str:
        options = "".join(f", {k}={getattr(self, k)!r}" for k in
                          ("function", "semantics", "dtype", "reverse", "exclusive"))
        return f"Scanner({self.dim!r}{options})"
