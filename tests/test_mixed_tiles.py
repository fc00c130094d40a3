"""Mixed layouts (kernels.pyx: mixed, cast_lanes): where the input's lanes
and out='s run in different directions, blocks of TRANSPOSE_MIN elements or
more are scanned through square tiles, the lanes' accumulators carried from
tile to tile.  These arrays cross every tile boundary along both axes, on
2-D and 3-D arrays, along every axis, in both directions (Fortran into C,
C into Fortran), for every variant: the same bits as the reference, torch
and numpy."""
import numpy as np
import pytest

import fastcumprod
import fastcumprod.numpy as fnp
from fastcumprod import _reference

from arrays import values
from conftest import assert_identical, assert_same_as_torch, torch, torch_family

# kernels.pyx: the side of a square tile (the largest power of two whose
# square fits CAST_BYTES), by the result's itemsize; TRANSPOSE_MIN.
TILE = {1: 512, 2: 256, 4: 256, 8: 128, 16: 128}
TRANSPOSE_MIN = 65536

DTYPES = [("float64", None), ("float32", None), ("int16", "int64"), ("float16", None),
          ("complex64", None), ("float64", "float32")]


def arrays(dtype, result, rng):
    """(name, x, out, dim) in mixed layouts, crossing the tiles."""
    t = TILE[np.dtype(result or dtype).itemsize]
    shapes = [(2 * t + 3, 2 * t + 5), (3, 2 * t + 3, t + 9)]
    res = np.dtype(result) if result else fastcumprod.cumprod(np.ones(1, dtype), 0).dtype
    for shape in shapes:
        a = values(dtype, int(np.prod(shape)), rng).reshape(shape)
        if res.kind in "iu" and a.dtype.kind in "fc":
            a = np.where(np.isfinite(a), a, 3).astype(dtype)
        for dim in range(len(shape)):
            yield "F into C", np.asfortranarray(a), np.empty(shape, res), dim
            yield "C into F", a, np.empty(shape, res, order="F"), dim
            yield "transposed into C", np.ascontiguousarray(a.T).T, np.empty(shape, res), dim


def test_the_arrays_reach_the_tiles():
    """At least one block of each array is as large as TRANSPOSE_MIN."""
    for dtype, result in DTYPES:
        for _, x, _, dim in arrays(dtype, result, np.random.default_rng(0)):
            assert x.size >= TRANSPOSE_MIN


@pytest.mark.parametrize("dtype,result", DTYPES)
def test_mixed_layouts_cross_their_tiles_exactly(dtype, result):
    rng = np.random.default_rng(5)
    for name, x, out, dim in arrays(dtype, result, rng):
        expected = _reference.cumprod(x, dim, dtype=result)
        fastcumprod.cumprod(x, dim, dtype=result, out=out)
        assert_identical(out, expected)
        assert_same_as_torch(out, x, dim, result)


@pytest.mark.parametrize("dtype,result", [("float64", None), ("float32", None),
                                          ("int16", "int64")])
def test_mixed_layouts_cross_their_tiles_in_every_variant(dtype, result):
    rng = np.random.default_rng(6)
    for name, x, out, dim in arrays(dtype, result, rng):
        if x.dtype.kind == "f":
            x[rng.random(x.shape) < 0.05] = np.nan
        for reverse, exclusive in [(True, False), (False, True), (True, True)]:
            fastcumprod.cumprod(x, dim, dtype=result, reverse=reverse, exclusive=exclusive,
                                out=out)
            assert_identical(out, _reference.cumprod(x, dim, dtype=result, reverse=reverse,
                                                     exclusive=exclusive))
            if torch is not None:
                assert_identical(out, torch_family(x, dim, result, reverse, exclusive))
        fastcumprod.nancumprod(x, dim, dtype=result, out=out)
        assert_identical(out, _reference.nancumprod(x, dim, dtype=result))


@pytest.mark.parametrize("dtype,result", [("float32", None), ("float16", None),
                                          ("complex64", None), ("float64", "float32")])
def test_numpys_semantics_in_mixed_layouts(dtype, result):
    """numpy's arithmetic (float32 products in float, its first element
    copied) through the tiles."""
    rng = np.random.default_rng(7)
    for name, x, out, dim in arrays(dtype, result, rng):
        with np.errstate(all="ignore"):
            expected = np.cumprod(x, dim, dtype=result)
            fnp.cumprod(x, dim, dtype=result, out=out)
        assert_identical(out, expected)


def test_3d_mixed_lanes_run_along_the_other_arrays_unit_stride():
    """The plan of a 3-D Fortran input into a C out= along 0 takes its lanes
    along out's unit stride (rows written whole: 3-D float64, 91 -> 26 ms),
    and of a C input into a Fortran out= along 0, not across out's unit
    stride (rows that store each element a power of two apart: 39 -> 78 ms).
    Either order gives the same bits (the tests above)."""
    from fastcumprod._layout import plan
    a = np.ones((64, 512, 512), np.float32)
    f_into_c = plan(np.asfortranarray(a), a, 0)
    assert not f_into_c.chains and f_into_c.ys_m == 1 and f_into_c.xs_n == 1
    c_into_f = plan(a, np.asfortranarray(a), 0)
    assert c_into_f.ys_n == 1 and c_into_f.ys_m == 64
    f_into_c_last = plan(np.asfortranarray(a), a, 2)
    assert f_into_c_last.chains and f_into_c_last.xs_m == 1 and f_into_c_last.ys_n == 1
