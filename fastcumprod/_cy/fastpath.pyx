# cython: language_level=3, boundscheck=False, wraparound=False
"""The common small call of fastcumprod._api.cumprod without its Python cost.

try_cumprod serves a call only when nothing in it needs checking beyond a few
flags: an ndarray input, C-contiguous, aligned, native, fewer than SMALL
elements, no dtype, and no out or a C-contiguous native out of its shape
that does not overlap it.  Anything else returns None, and the Python path
takes the call with all its checks and messages.
"""
cimport numpy as cnp
import numpy as np

from fastcumprod._kernels import kernels as _kernels

scan_contiguous = _kernels.scan_contiguous

cnp.import_array()

cdef Py_ssize_t SMALL = 4096


cdef bint plain(cnp.ndarray a):
    """C-contiguous, aligned, native: the kernels read it as it is."""
    return (cnp.PyArray_IS_C_CONTIGUOUS(a) and cnp.PyArray_ISALIGNED(a)
            and cnp.PyArray_ISNOTSWAPPED(a))


cdef bint kernel_casts(char src, char dst):
    """The kernels cast src to dst themselves (as fastcumprod._dtypes.cast_in_kernel),
    without a warning (complex to real warns) and into a result torch has."""
    if dst == b'b' or (src in b'fc' and dst in b'iu') or (src == b'c' and dst != b'c'):
        return False
    return src in b'biufc' and dst in b'iufc'


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
    if x.descr.type_num == cnp.NPY_LONGDOUBLE or x.descr.type_num == cnp.NPY_CLONGDOUBLE:
        return None
    if kind not in b'biufc':
        return None
    if out is None:
        y = cnp.PyArray_EMPTY(nd, cnp.PyArray_DIMS(x),
                              cnp.NPY_INT64 if kind in b'biu' else x.descr.type_num, 0)
    else:
        if type(out) is not np.ndarray:
            return None
        y = <cnp.ndarray>out
        if (not plain(y) or not cnp.PyArray_ISWRITEABLE(y) or cnp.PyArray_NDIM(y) != nd
                or not cnp.PyArray_SAMESHAPE(x, y)
                or y.descr.type_num == cnp.NPY_LONGDOUBLE or y.descr.type_num == cnp.NPY_CLONGDOUBLE
                or not kernel_casts(kind, y.descr.kind)):
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
