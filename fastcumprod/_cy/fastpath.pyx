# cython: language_level=3, boundscheck=False, wraparound=False
"""The checks every call makes first, compiled, and the common small call
of fastcumprod._api.cumprod without its Python cost.

normalize_dim (torch's rules for dim) and needs_buffer / overlaps (whether
out shares bytes with the input) are the only copies of those rules: the
Python path (fastcumprod._api, _execute, _blocks, numpy, dask) calls them,
and so does try_cumprod, at C speed.

try_cumprod serves a call only when nothing in it needs checking beyond a few
flags: an ndarray input, C-contiguous, aligned, native, fewer than SMALL
elements, no dtype, and no out or a C-contiguous native out of its shape
that does not need a buffer.  Anything else returns None, and the Python path
takes the call with all its checks and messages.  Its tables are
fastcumprod._dtypes', by type number; its plan is fastcumprod._layout's.
"""
import operator

from libc.string cimport memcmp, memcpy
cimport numpy as cnp
import numpy as np

from fastcumprod._dtypes import (DEFAULT_RESULT, INPUT_DTYPES, RESULT_DTYPES,
                                 discards_imaginary, float_to_int_via)
from fastcumprod._kernels import kernels as _kernels
from fastcumprod._layout import plan

scan_plan = _kernels.scan_plan

cnp.import_array()

cdef Py_ssize_t SMALL = 4096


cpdef Py_ssize_t normalize_dim(object dim, Py_ssize_t ndim, str name="cumprod") except -1:
    """dim as a non-negative axis, with torch's rules and message (SPEC 1)."""
    cdef Py_ssize_t n = ndim if ndim > 1 else 1, d
    # numpy has at most 64 dimensions: any int beyond is out of range, and
    # the others fit a C integer (the common case, without a Python call).
    if type(dim) is int and -64 <= dim < 64:
        d = dim
    else:
        if dim is None:
            raise TypeError(f"{name}: dim must be an integer, not None (for numpy's "
                            f"flattening, use fastcumprod.numpy.{name}(x, axis=None))")
        if isinstance(dim, (bool, np.bool_)):
            raise TypeError(f"{name}: dim must be an integer, not {type(dim).__name__}")
        try:
            index = operator.index(dim)
        except TypeError:
            raise TypeError(f"{name}: dim must be an integer, not {type(dim).__name__}") from None
        if not -n <= index < n:  # (also any int too large for d)
            out_of_range(n, index)
        d = index
    if not -n <= d < n:
        out_of_range(n, d)
    return d + n if d < 0 else d


cdef out_of_range(Py_ssize_t n, object d):
    raise IndexError(
        f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")


cdef bint contiguous(cnp.ndarray a):
    return cnp.PyArray_IS_C_CONTIGUOUS(a) or cnp.PyArray_IS_F_CONTIGUOUS(a)


cpdef bint overlaps(cnp.ndarray x, cnp.ndarray y) except -1:
    """Whether x and y share a byte: exact by their byte ranges where both are
    contiguous, else numpy's exact test, bounded (where it cannot decide,
    assume they do: the caller then only buffers)."""
    cdef char* xs
    cdef char* ys
    if contiguous(x) and contiguous(y):
        xs = <char*>cnp.PyArray_DATA(x)
        ys = <char*>cnp.PyArray_DATA(y)
        return xs < ys + cnp.PyArray_NBYTES(y) and ys < xs + cnp.PyArray_NBYTES(x)
    if not np.may_share_memory(x, y):
        return False
    try:
        return np.shares_memory(x, y, max_work=10_000)
    except np.exceptions.TooHardError:
        return True


cdef bint same_elements(cnp.ndarray x, cnp.ndarray y):
    """Whether x[i] and y[i] are at one address for every i (an in-place call)."""
    cdef int k, nd = cnp.PyArray_NDIM(x)
    if (cnp.PyArray_DATA(x) != cnp.PyArray_DATA(y) or nd != cnp.PyArray_NDIM(y)
            or cnp.PyArray_ITEMSIZE(x) != cnp.PyArray_ITEMSIZE(y)):
        return False
    for k in range(nd):
        if cnp.PyArray_STRIDE(x, k) != cnp.PyArray_STRIDE(y, k):
            return False
    return True


cpdef bint needs_buffer(cnp.ndarray x, cnp.ndarray y) except -1:
    """Whether y = cumprod(x) must be scanned into a buffer (SPEC 4): y shares
    bytes with x, except element for element (an in-place call, which the
    kernels serve: each element is read before it is written)."""
    return not same_elements(x, y) and overlaps(x, y)


# By type number, every alias (int64 is both 'l' and 'q' on Linux): torch's
# default result of each input, and the results each input goes into with
# nothing around the kernels.  The rest the Python path takes: a complex
# input into a real result warns, a floating one into integers is cast
# through torch's intermediate type.
cdef dict DEFAULT_NUM = {}
cdef dict DIRECT_NUMS = {}
_ALIASES = [np.dtype(c) for c in np.typecodes["All"]]
for _src in _ALIASES:
    if _src in INPUT_DTYPES:
        DEFAULT_NUM[_src.num] = DEFAULT_RESULT[_src].num
        DIRECT_NUMS[_src.num] = frozenset(
            _dst.num for _dst in _ALIASES if _dst in RESULT_DTYPES
            and not discards_imaginary(_src, _dst) and float_to_int_via(_src, _dst) is None)


# The last plan the fast path scanned, with the shape and dim it was made
# for: fastcumprod._layout's plan of C-contiguous arrays depends on nothing
# else, and plan()'s own cache took 0.2 us to look up, half of this whole
# call before it.  (Under the GIL: no Python runs between its updates.)
cdef cnp.npy_intp last_shape[64]
cdef int last_nd = -1
cdef Py_ssize_t last_dim = -1
cdef tuple last_plan = None


cdef tuple plan_of(cnp.ndarray x, cnp.ndarray y, Py_ssize_t d):
    global last_nd, last_dim, last_plan
    cdef int nd = cnp.PyArray_NDIM(x)
    cdef cnp.npy_intp* shape = cnp.PyArray_DIMS(x)
    if (nd == last_nd and d == last_dim
            and memcmp(shape, last_shape, nd * sizeof(cnp.npy_intp)) == 0):
        return last_plan
    found = tuple(plan(x, y, d))
    memcpy(last_shape, shape, nd * sizeof(cnp.npy_intp))
    last_nd, last_dim, last_plan = nd, d, found
    return found


cdef bint plain(cnp.ndarray a):
    """C-contiguous, aligned, native: the kernels read it as it is."""
    return (cnp.PyArray_IS_C_CONTIGUOUS(a) and cnp.PyArray_ISALIGNED(a)
            and cnp.PyArray_ISNOTSWAPPED(a))


def try_cumprod(object input, object dim, object out):
    # A dim that is not an int (missing, None, numpy's integers) is the
    # Python path's: its checks come first there.
    if type(input) is not np.ndarray or type(dim) is not int:
        return None
    cdef cnp.ndarray x = <cnp.ndarray>input, y
    cdef int nd = cnp.PyArray_NDIM(x)
    cdef Py_ssize_t size = cnp.PyArray_SIZE(x)
    if nd == 0 or size == 0 or size >= SMALL or not plain(x):
        return None
    default = DEFAULT_NUM.get(x.descr.type_num)
    if default is None:
        return None
    # Out of range: the Python path's own check and message.
    cdef Py_ssize_t d = normalize_dim(dim, nd)
    if out is None:
        y = cnp.PyArray_EMPTY(nd, cnp.PyArray_DIMS(x), default, 0)
    else:
        if type(out) is not np.ndarray:
            return None
        y = <cnp.ndarray>out
        if (not plain(y) or not cnp.PyArray_ISWRITEABLE(y) or cnp.PyArray_NDIM(y) != nd
                or not cnp.PyArray_SAMESHAPE(x, y)
                or y.descr.type_num not in DIRECT_NUMS[x.descr.type_num]
                or needs_buffer(x, y)):
            return None
    scan_plan(x, y, plan_of(x, y, d))
    return y
