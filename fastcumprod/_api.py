"""cumprod() and nancumprod() with torch's contract (SPEC 1-8): coerce the
input, normalise dim, resolve the dtype, check out, hand over."""
from __future__ import annotations

import inspect
import sys
import warnings
from typing import Any, SupportsIndex

import numpy as np
import numpy.typing as npt

from ._cy.fastpath import normalize_dim, try_cumprod
from ._cy.kernels import FLAGS, SPREAD_FROM
from . import _dispatch
from ._dispatch import get_backend
from ._dtypes import discards_imaginary, input_dtype, result_dtype
from ._execute import kernel_ready, execute
from ._layout import plane_axes, plan
from ._memory import TooHard, self_overlapping

class _Missing:
    """The default of a dim not passed (None is a wrong dim, not a missing one)."""

    def __repr__(self) -> str:
        return "<required>"


_MISSING: Any = _Missing()
_NEEDS_DIM = ("{name}: missing required argument 'dim' (torch's contract scans one "
              "axis; for numpy's, which flattens without an axis, use "
              "fastcumprod.numpy.{name}; for dask arrays, fastcumprod.dask.{name}, not "
              "dask.array.cumreduction, whose carried products are inexact)")


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


def _is_tensor(a):
    """A torch tensor (torch is imported by whoever made one: never here)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(a, torch.Tensor)


def _as_numpy(tensor, name, what, writing=False):
    """A CPU tensor's memory as an ndarray (a view: nothing copied), or a
    clear TypeError for what numpy cannot view."""
    if tensor.device.type != "cpu":
        raise TypeError(f"{name}: {what} is on {tensor.device}; fastcumprod computes on "
                        f"the CPU (move it with .cpu())")
    if tensor.requires_grad:
        raise TypeError(f"{name}: {what} requires grad; fastcumprod computes no gradients "
                        f"(use torch.cumprod, or pass {what}.detach())")
    if not writing:
        tensor = tensor.resolve_conj().resolve_neg()
    try:
        return tensor.numpy()
    except (TypeError, RuntimeError) as e:
        raise TypeError(f"{name}: {what} of dtype {tensor.dtype} has no numpy view ({e})") from None


def _with_tensors(name, input, dim, dtype, out, axis, reverse, exclusive, skipnan, carry):
    """torch in, torch out: a tensor input gives a tensor (sharing the
    result's memory), an out tensor is written through a numpy view of it
    and returned; torch's dtype rules hold as for arrays."""
    torch = sys.modules["torch"]
    tensor_in = _is_tensor(input)
    x = _as_numpy(input, name, "input") if tensor_in else input
    o = _as_numpy(out, name, "out", writing=True) if _is_tensor(out) else out
    result = _scan(name, x, dim, dtype, o, axis, reverse, exclusive, skipnan, carry)
    if out is not None:
        return out
    return torch.from_numpy(result) if tensor_in else result


def _is_lazy(a):
    """A dask collection (np.asarray would compute it: never silently).  An
    xarray object has the method too, and answers None when its data is in
    memory."""
    graph = getattr(a, "__dask_graph__", None)
    return callable(graph) and graph() is not None


def _masked_cumprod(x, dim, dtype, out, **variant):
    """numpy's masked semantics (np.ma.cumprod): masked elements count as 1
    and stay masked; a MaskedArray comes back (or out, masked likewise when it
    is one).  The filled input is a copy."""
    mask = np.ma.getmaskarray(x).copy()
    target = out.data if isinstance(out, np.ma.MaskedArray) else out
    data = cumprod(x.filled(1), dim, dtype=dtype, out=target, **variant)
    if out is None:
        return np.ma.MaskedArray(data, mask=mask)
    if isinstance(out, np.ma.MaskedArray):
        out.mask = mask
    return out




def _lanes_contiguous(x, out, d):
    """Whether dim is the fastest-varying axis of x and out (the kernels scan
    chains; fastcumprod._layout decides the same way)."""
    def step(a, axis):
        return abs(a.strides[axis]) // a.itemsize
    along = step(x, d) + step(out, d)
    return all(along <= step(x, a) + step(out, a)
               for a in range(x.ndim) if a != d and x.shape[a] > 1)


def _mixed(x, out, d):
    """Whether one of x and out has its unit stride along dim and the other
    along another axis (a Fortran input into a C out=, or back: the kernels'
    square tiles read a run of the input downwards, and write out's rows
    forwards, only where the lanes keep their direction)."""
    def unit_axes(a):
        return {k for k in range(a.ndim) if a.shape[k] > 1 and abs(a.strides[k]) == a.itemsize}
    ux, uo = unit_axes(x), unit_axes(out)
    return (d in ux and bool(uo - {d})) != (d in uo and bool(ux - {d}))


def _flip_dim_only(x, out, d, fresh, carry):
    """How a reverse scan walks memory: along dim backwards only, or along
    every axis (lanes are independent: either is right).  Measured on the
    2-core machine (2**24 elements, (n, m) along 0, time / forward scan's):
    - lanes each contiguous (chains) of fewer than SPREAD_FROM elements,
      scanned in groups of neighbours: only dim, so that the lanes still
      come in ascending order (2**20 lanes of 16 float64: 1.25-1.35x with
      every axis flipped); longer ones, whose groups take lanes up to
      SPREAD_LANES apart: every axis, four descending streams (lanes of 128
      float32: 5.4x with only dim, 1.0x with every axis; a C loop of each);
    - mixed layouts (_mixed): only dim (F float32 8192x4096 into a C out=
      along 0: 3.0-3.8x the forward scan's time with every axis, whose
      negative unit strides the tiles read and write element by element);
      planes of lanes (fastcumprod._layout, Plan.group) too (3-D float64
      (64, 512, 512) F into C along 1: 2.1x with every axis, whose rows
      scan the tile into out's runs downwards; 1.1x with only dim);
    - rows scanned serially (Cython): every axis, one descending stream
      (float64 m=512..8192: 0.94-1.16x; only dim 1.2-2.0x; int16 into
      int64 1.0-1.1x against 1.2-2.4x);
    - rows whose lanes the threads split between them (numba, few outer
      rows): only dim, each thread's part of a row read upwards (float64
      m=2048..8192: 0.97-1.0x, every axis 1.2-1.5x; int16 into int64
      1.0-1.2x against 1.5-1.7x); where the threads take whole outer rows
      (3-D float64 (128, 512, 256) along 1), every axis, as serially
      (1.0x; only dim 1.6-2.6x)."""
    if _mixed(x, out, d) or plane_axes(x, out, d) is not None:
        return True
    if _lanes_contiguous(x, out, d):
        return x.shape[d] < SPREAD_FROM
    if carry is not None or not (kernel_ready(x) and kernel_ready(out)):
        return False  # served serially (fastcumprod._execute)
    return _dispatch.splits_rows(plan(x, out, d), x.size, out.dtype, fresh)


def _flags(reverse, exclusive, skipnan):
    return ((FLAGS["exclusive"] if exclusive else 0) | (FLAGS["skipnan"] if skipnan else 0))


def _scan(name, input, dim, dtype, out, axis, reverse, exclusive, skipnan, carry=None):
    """cumprod and nancumprod: the checks of SPEC 1-4, then the kernels.
    carry: None, or the lanes' accumulators of a scan in blocks, which this
    call starts from and leaves its products in (fastcumprod._blocks, which
    checks it and the input)."""
    if axis is not _MISSING:
        if dim is not _MISSING:
            raise TypeError(f"{name}: got both dim and its alias axis")
        dim = axis
    if dim is _MISSING:
        raise TypeError(_NEEDS_DIM.format(name=name))
    if (type(input) is not np.ndarray or type(out) not in (np.ndarray, type(None))) and (
            _is_tensor(input) or _is_tensor(out)):
        return _with_tensors(name, input, dim, dtype, out, axis, reverse, exclusive, skipnan,
                             carry)
    if type(input) is not np.ndarray and _is_lazy(input):
        raise TypeError(f"{name}: got a {type(input).__module__}.{type(input).__name__}, "
                        f"which would be computed whole in memory; for a lazy result, "
                        f"use fastcumprod.dask.{name}")
    if type(input) is not np.ndarray and _is_masked(input):
        return _masked_cumprod(input, dim, dtype, out, reverse=reverse, exclusive=exclusive)
    x = input if type(input) is np.ndarray else np.asarray(input)
    input_dtype(x.dtype)
    d = normalize_dim(dim, x.ndim, name)
    if out is not None and not isinstance(out, np.ndarray):
        raise TypeError(f"{name}: out must be a numpy.ndarray or a torch tensor, not {type(out).__name__}")
    res = result_dtype(x.dtype, dtype, out)
    fresh = out is None
    if fresh:
        # In the input's memory order, as torch does: the scan then reads and
        # writes in the same order (a C-order result of a Fortran-order input
        # would be written across its rows).
        out = np.empty_like(x, dtype=res)
    else:
        _check_out(out, x.shape)
    if discards_imaginary(x.dtype, res):
        # As numpy's astype and torch warn; the real part is a view, not a
        # copy.  nancumprod keeps the complex input: an element NaN in its
        # imaginary part only is replaced by 1 before the cast (the kernels
        # read complex sources into real results).
        warnings.warn("Casting complex values to real discards the imaginary part",
                      np.exceptions.ComplexWarning, stacklevel=3)
        if not skipnan:
            x = x.real
    flags = _flags(reverse, exclusive, skipnan)
    if x.ndim == 0:
        # A lane of one: reverse changes nothing, exclusive leaves the empty
        # product, nancumprod the value with a NaN made 1 first; torch's
        # flip / cat / where formulations give the same.
        if exclusive:
            out[()] = 1
            return out
        if skipnan and x.dtype.kind in "fc" and np.isnan(x):
            x = np.ones((), x.dtype)
        if res.kind in "iu" or (res == np.float16 and x.dtype != np.float16):
            # torch's casts are not astype's there (SPEC 2): the kernels'
            # (1 * v is v for integers, and for values already cast to half).
            execute(x.reshape(1), out.reshape(1), 0, fresh)
        else:
            # torch copies a 0-d input (cast) without multiplying it by 1.
            with np.errstate(all="ignore"):
                out[()] = x.astype(res)[()]
    elif x.size:
        if reverse:
            # The same plan over negative strides: views, nothing copied.
            # A carry's lanes are flipped with them.
            if _flip_dim_only(x, out, d, fresh, carry):
                execute(np.flip(x, d), np.flip(out, d), d, fresh, flags, carry=carry)
            else:
                execute(np.flip(x), np.flip(out), d, fresh, flags,
                        carry=None if carry is None else np.flip(carry))
        else:
            execute(x, out, d, fresh, flags, carry=carry)
    return out


def cumprod(input: npt.ArrayLike, dim: SupportsIndex = _MISSING, *, dtype: npt.DTypeLike = None,
            out: np.ndarray[Any, Any] | None = None, reverse: bool = False,
            exclusive: bool = False, axis: Any = _MISSING) -> np.ndarray[Any, Any]:
    """Cumulative product of the elements of `input` along `dim`, as torch.cumprod.

    ``y[..., i, ...] = x[..., 0, ...] * x[..., 1, ...] * ... * x[..., i, ...]``,
    each lane a strictly sequential product in torch's accumulator type, so the
    results are bit-identical to ``torch.cumprod`` on the CPU.

    Parameters
    ----------
    input : array_like
        Anything `numpy.asarray` accepts: an ndarray of any strides and byte
        order, nested lists, a scalar; a CPU torch tensor gives a tensor
        back.  Never modified, unless `out` is the same array.
    dim : int
        The axis to scan; negative counts from the end.  `axis` is an alias.
    dtype : dtype, optional
        Result dtype: a numpy dtype (or anything `numpy.dtype` accepts) or a
        torch dtype such as ``torch.int32``.  The input is cast to it first,
        as torch casts (floating values to integers through int32 or int64,
        float64 to float16 through float32; see the README).
    out : numpy.ndarray or torch.Tensor, optional
        Where to write the result: its shape must be the result's, any strides.
        Without `dtype`, the result has ``out.dtype``.  It may be the input
        itself (an in-place scan) or overlap it.
    reverse : bool
        Scan each lane from its last element: ``torch.cumprod(x.flip(dim),
        dim).flip(dim)``, without flipping anything (the scan walks the lane
        backwards).
    exclusive : bool
        Leave each element out of its own product: the first is 1, the i-th
        the product of the i before it (rounded once from the accumulator):
        ``torch.cat([ones, torch.cumprod(x, dim)[:-1]], dim)``.  A NeRF
        transmittance is ``cumprod(1 - alpha, -1, exclusive=True)``.

    Returns
    -------
    numpy.ndarray
        A new array, or `out` itself.  Without `dtype` and `out`, bool and
        integer inputs give int64 and floating and complex inputs keep their
        dtype.

    Raises
    ------
    TypeError
            `dim` missing, None, bool or float (numpy's flattening is
        `fastcumprod.numpy.cumprod`); an unsupported dtype (object,
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
    if (dtype is None and axis is _MISSING and not reverse and not exclusive
            and get_backend() != "numba"):
        done = try_cumprod(input, dim, out)
        if done is not None:
            return done
    return _scan("cumprod", input, dim, dtype, out, axis, reverse, exclusive, False)


def nancumprod(input: npt.ArrayLike, dim: SupportsIndex = _MISSING, *, dtype: npt.DTypeLike = None,
               out: np.ndarray[Any, Any] | None = None, reverse: bool = False,
               exclusive: bool = False, axis: Any = _MISSING) -> np.ndarray[Any, Any]:
    """Cumulative product along `dim` with NaN elements counted as 1.

    Bit-identical to ``torch.cumprod(torch.where(torch.isnan(x), 1, x), dim,
    dtype=dtype)`` (SPEC 8): a NaN (complex: either part NaN) is replaced by
    1 before the cast to `dtype`.  Integer and bool inputs have no NaN: the
    result is `cumprod`'s.  Every argument as `cumprod`'s, `reverse` and
    `exclusive` included; nothing is copied to replace the NaNs.

    Examples
    --------
    >>> import numpy as np
    >>> from fastcumprod import nancumprod
    >>> nancumprod(np.array([2.0, np.nan, 3.0]), 0)
    array([2., 2., 6.])
    >>> growth = np.array([[1.1, np.nan, 0.9], [np.nan, 1.2, 1.0]])
    >>> nancumprod(growth, 1)
    array([[1.1 , 1.1 , 0.99],
           [1.  , 1.2 , 1.2 ]])
    """
    return _scan("nancumprod", input, dim, dtype, out, axis, reverse, exclusive, True)


def _signature(function):
    """The signature help() shows: dim required, as in torch (the sentinel
    that tells a missing dim from None is not the user's business)."""
    signature = inspect.signature(function)
    parameters = [p.replace(default=inspect.Parameter.empty) if p.name == "dim" else p
                  for p in signature.parameters.values() if p.name != "axis"]
    return signature.replace(parameters=parameters)


cumprod.__signature__ = _signature(cumprod)  # type: ignore[attr-defined]
nancumprod.__signature__ = _signature(nancumprod)  # type: ignore[attr-defined]
