"""Exact, lazy cumulative products of dask arrays (SPEC 11).

Each chunk is scanned from the carry of the chunk before it along the axis
(fastcumprod._blocks: each lane's accumulator, never the rounded output), so
the result is bit-identical to the in-memory call whatever the chunks --
unlike ``dask.array.cumprod``, which multiplies each chunk's own cumprod by
the product carried so far and so regroups floating-point products.  One
slice of accumulators (the chunk's shape without the axis) crosses each
chunk boundary; the chains of chunks of the other axes run in parallel.

Every task is a picklable module-level function scanning one chunk with
`threads` of the kernels' threads, 1 by default: a worker's parallelism is
then its dask threads or processes, and nothing is oversubscribed.  Where a
worker has cores to spare for each task (few large chunks, one dask thread
per worker), pass threads=k: each task's scan then runs on k threads (the
numba drivers, where auto chooses them for the chunk's size).  dask is an optional dependency (``pip install
fastcumprod[dask]``); ``import fastcumprod`` does not import this module.
"""
from __future__ import annotations

import operator
from functools import partial
from itertools import product
from typing import Any, SupportsIndex

import dask.array as da
import numpy as np
import numpy.typing as npt
from dask.array.core import handle_out
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph

from . import _api, numpy as _numpy
from ._blocks import _options, scan_block
from ._cy.fastpath import normalize_dim
from ._dispatch import config
from ._dtypes import NUMPY_LOOP_DTYPES, input_dtype, result_dtype

__all__ = ["cumprod", "nancumprod", "numpy_cumprod", "numpy_cumulative_prod",
           "numpy_nancumprod"]


def cumprod(x: Any, dim: SupportsIndex, *, dtype: npt.DTypeLike = None, reverse: bool = False,
            exclusive: bool = False, threads: int = 1) -> da.Array:
    """`fastcumprod.cumprod` of a dask array, lazily: torch's contract (dtypes,
    accumulators, `reverse`, `exclusive`), bit-identical to the in-memory
    call for every chunking.

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> import fastcumprod, fastcumprod.dask
    >>> x = da.from_array(np.array([1e30, 1e30, 1e-30, 1e-30], np.float32), chunks=2)
    >>> fastcumprod.dask.cumprod(x, 0).compute()
    array([1.e+30,    inf, 1.e+30, 1.e+00], dtype=float32)
    >>> x.cumprod(0).compute()  # dask's own: each chunk times the carried product
    array([1.e+30,    inf,    inf,    nan], dtype=float32)
    """
    return _torch("cumprod", x, dim, dtype, reverse, exclusive, threads)


def nancumprod(x: Any, dim: SupportsIndex, *, dtype: npt.DTypeLike = None,
               reverse: bool = False, exclusive: bool = False, threads: int = 1) -> da.Array:
    """`fastcumprod.nancumprod` of a dask array, lazily (NaNs count as 1)."""
    return _torch("nancumprod", x, dim, dtype, reverse, exclusive, threads)


def numpy_cumprod(a: Any, axis: SupportsIndex | None = None, dtype: npt.DTypeLike = None,
                  out: da.Array | None = None, *, threads: int = 1) -> da.Array:
    """``numpy.cumprod`` of a dask array, lazily and bit for bit as numpy
    computes it in memory (`fastcumprod.numpy.cumprod`); without `axis`, the
    array is flattened in C order."""
    return _numpy_semantics("cumprod", a, axis, dtype, out, threads=threads)


def numpy_nancumprod(a: Any, axis: SupportsIndex | None = None, dtype: npt.DTypeLike = None,
                     out: da.Array | None = None, *, threads: int = 1) -> da.Array:
    """``numpy.nancumprod`` of a dask array, lazily, bit for bit."""
    return _numpy_semantics("nancumprod", a, axis, dtype, out, threads=threads)


def numpy_cumulative_prod(x: Any, /, *, axis: SupportsIndex | None = None,
                          dtype: npt.DTypeLike = None, out: da.Array | None = None,
                          include_initial: bool = False, threads: int = 1) -> da.Array:
    """``numpy.cumulative_prod`` of a dask array, lazily, bit for bit."""
    return _numpy_semantics("cumulative_prod", x, axis, dtype, out, include_initial, threads)


def _torch(function, x, dim, dtype, reverse, exclusive, threads):
    x = da.asarray(x)
    input_dtype(x.dtype)
    result = result_dtype(x.dtype, dtype, None)
    if x.ndim == 0:
        # torch copies a 0-d input rather than multiplying it by 1: the
        # in-memory function on the one chunk.
        scan = partial(getattr(_api, function), dim=0, dtype=dtype, reverse=reverse,
                       exclusive=exclusive)
        return x.map_blocks(scan, dtype=result, meta=np.empty((), result))
    d = normalize_dim(dim, x.ndim, function)
    return _scanned(x, d, result, function=function, semantics="torch", dtype=dtype,
                    reverse=bool(reverse), exclusive=bool(exclusive), threads=threads)


def _numpy_semantics(function, a, axis, dtype, out, include_initial=False, threads=1):
    """numpy's function of a dask array: numpy's shapes, dtypes and values."""
    x = da.asarray(a)
    if x.ndim == 0:
        x = x.reshape(1)
    if axis is None:
        if function == "cumulative_prod" and x.ndim > 1:
            raise ValueError("For arrays which have more than one dimension ``axis`` "
                             "argument is required.")
        x = x.ravel()  # C order, as numpy flattens
        axis = 0
    axis = np.lib.array_utils.normalize_axis_index(operator.index(axis), x.ndim)
    if not _numpy._readable(x.dtype):
        raise TypeError(f"fastcumprod.dask: numpy's {function} of dtype {x.dtype} is not "
                        "covered; use dask.array's own")
    loop = _numpy._loop_dtype(x.dtype, dtype, None)
    if loop not in NUMPY_LOOP_DTYPES:
        raise TypeError(f"fastcumprod.dask: no {function} of {x.dtype} in dtype {loop}")
    name = "nancumprod" if function == "nancumprod" else "cumprod"
    if loop.kind == "c" and x.shape[axis] == 2:
        # numpy's product of whole lanes of two is its SIMD loop's (see
        # fastcumprod.numpy): the lanes in one chunk, numpy's own function.
        x = x.rechunk({axis: -1})
        result = x.map_blocks(getattr(_numpy, name), axis=axis, dtype=loop,
                              meta=np.empty((0,) * x.ndim, loop))
    else:
        result = _scanned(x, axis, loop, function=name, semantics="numpy", dtype=dtype,
                          reverse=False, exclusive=False, threads=threads)
    if include_initial:
        shape = list(result.shape)
        shape[axis] = 1
        result = da.concatenate([da.ones(shape, dtype=loop, chunks=-1), result], axis=axis)
    return handle_out(out, result)


def _scanned(x, dim, result, threads, **options):
    """The graph: along dim, a chain of scan_block tasks, each taking the
    carry of the one before (from the end with reverse); a chain for each
    chunk of the other axes.  threads: the kernels' threads in each task."""
    _options(options["function"], options["semantics"], options["reverse"],
             options["exclusive"])
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ValueError(f"threads must be a whole number of at least 1, not {threads!r} "
                         "(the kernels' threads in each task; the worker's machine caps it)")
    options["threads"] = int(threads)
    name = f"fastcumprod-{options['function']}-{tokenize(x, dim, result, options)}"
    scan = partial(_scan_task, dim=dim, **options)
    along = range(x.numblocks[dim])
    if options["reverse"]:
        along = along[::-1]
    others = product(*(range(n) if a != dim else (None,) for a, n in enumerate(x.numblocks)))
    graph = {}
    for other in others:
        carry = None
        for j in along:
            index = other[:dim] + (j,) + other[dim + 1:]
            # The scan's (y, carry) pair stays with its worker; y and the
            # carry are picked from it, so only the carry travels on.
            graph[(name, "scan") + index] = (scan, (x.name,) + index, carry)
            graph[(name,) + index] = (operator.getitem, (name, "scan") + index, 0)
            graph[(name, "carry") + index] = (operator.getitem, (name, "scan") + index, 1)
            carry = (name, "carry") + index
    layers = HighLevelGraph.from_collections(name, graph, dependencies=[x])
    return da.Array(layers, name, x.chunks, dtype=result,
                    meta=np.empty((0,) * x.ndim, result))


def _scan_task(block, carry, *, dim, function, semantics, dtype, reverse, exclusive,
               threads):
    """One chunk's scan: (its result, the carry for the next), with the
    kernels' threads of the graph (fastcumprod.config holds for this
    worker thread only)."""
    with config(threads=threads):
        return scan_block(block, dim, carry, function=function, semantics=semantics,
                          dtype=dtype, reverse=reverse, exclusive=exclusive)
