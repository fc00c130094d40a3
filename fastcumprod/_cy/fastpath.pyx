# cython: language_level=3, boundscheck=False, wraparound=False
"""The common small call of fastcumprod._api.cumprod without its Python cost.

try_cumprod serves a call only when nothing in it needs checking beyond a few
flags: an ndarray input, C-contiguous, aligned, native, fewer than SMALL
elements, no dtype, and no out or a C-contiguous native out of its shape
that does not overlap it.  Anything else returns None, and the Python path
takes the call with all its checks and messages.  Its tables are
fastcumprod._dtypes', by type number.
"""
cimport numpy as cnp
import numpy as np

from fastcumprod._dtypes import DEFAULT_RESULT, RESULT_DTYPES
from fastcumprod._kernels import kernels as _kernels

scan_contiguous = _kernels.scan_contiguous

cnp.import_array()

cdef Py_ssize_t SMALL = 4096

# Type numbers of every alias (int64 is both 'l' and 'q' on Linux): each input
# the kernels read with torch's default result, and the results they write.
cdef dict DEFAULT_NUM = {}
cdef set RESULT_NUMS = set()
for _code in np.typecodes["All"]:
    _dtype = np.dtype(_code)
    if _dtype in DEFAULT_RESULT:
        DEFAULT_NUM[_dtype.num] = DEFAULT_RESULT[_dtype].num
    if _dtype in RESULT_DTYPES:
        RESULT_NUMS.add(_dtype.num)


cdef bint plain(cnp.ndarray a):
    """C-contiguous, aligned, native: the kernels read it as it is."""
    return (cnp.PyArray_IS_C_CONTIGUOUS(a) and cnp.PyArray_ISALIGNED(a)
            and cnp.PyArray_ISNOTSWAPPED(a))


def try_cumprod(object input, object dim, object out):
    # numpy has at most 64 dimensions; any other dim is the general path's
    # IndexError (and would not fit a C integer).
    if type(input) is not np.ndarray or type(dim) is not int or not -64 <= dim < 64:
        return None
    cdef cnp.ndarray x = <cnp.ndarray>input, y
    cdef int nd = cnp.PyArray_NDIM(x)
    cdef Py_ssize_t d = dim, size = cnp.PyArray_SIZE(x)
    cdef char kind = x.descr.kind
    if d < 0:
        d += nd
    if nd == 0 or not 0 <= d < nd or size == 0 or size >= SMALL or not plain(x):
        return None
    default = DEFAULT_NUM.get(x.descr.type_num)
    if default is None:
        return None
    if out is None:
        y = cnp.PyArray_EMPTY(nd, cnp.PyArray_DIMS(x), default, 0)
    else:
        if type(out) is not np.ndarray:
            return None
        y = <cnp.ndarray>out
        # complex to real warns: the Python path says so; floating values
        # into integers are cast through torch's intermediate type, which
        # the Python path hands the kernels (_dtypes.FLOAT_TO_INT_VIA)
        if (not plain(y) or not cnp.PyArray_ISWRITEABLE(y) or cnp.PyArray_NDIM(y) != nd
                or not cnp.PyArray_SAMESHAPE(x, y) or y.descr.type_num not in RESULT_NUMS
                or (kind == b'c' and y.descr.kind != b'c')
                or ((kind == b'f' or kind == b'c') and (y.descr.kind == b'i'
                                                        or y.descr.kind == b'u'))):
            return None
        # Both contiguous: their byte ranges overlap exactly when they share
        # memory; the same start and item size is an in-place call, which the
        # kernels serve (each element is read before it is written).
        xs = <char*>cnp.PyArray_DATA(x)
        ys = <char*>cnp.PyArray_DATA(y)
        if (xs < ys + cnp.PyArray_NBYTES(y) and ys < xs + cnp.PyArray_NBYTES(x)
                and not (xs == ys and cnp.PyArray_ITEMSIZE(x) == cnp.PyArray_ITEMSIZE(y))):
            return None
    scan_contiguous(x, y, d)
    return y
