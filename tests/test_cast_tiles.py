"""A dtype= that casts (kernels.pyx: cast_lanes): the source is cast a tile
at a time into a buffer and scanned there, the lanes' accumulators carried
from tile to tile.  These arrays cross every tile boundary (lane groups and
row chunks), in each layout that picks a different tiling, and every
variant of the scan: the bits must be the one fused loop's (the reference's
and torch's / numpy's)."""
import numpy as np
import pytest

import fastcumprod
import fastcumprod.numpy as fnp
from fastcumprod import _reference

from arrays import RESULT_DTYPES, values
from conftest import assert_identical, assert_same_as_torch, torch_family, torch

# kernels.pyx: CAST_BYTES, ACC_BYTES, CHAINS and acc_size (the bytes of a
# working accumulator, by the result's dtype).
CAST_BYTES, ACC_BYTES, CHAINS = 262144, 65536, 4
ACC_SIZE = {"int8": 4, "uint8": 4, "int16": 4, "uint16": 4, "float16": 4, "int32": 4,
            "uint32": 4, "float32": 8, "int64": 8, "uint64": 8, "float64": 8,
            "complex64": 16, "complex128": 16}

# Every result type, from an integer and a floating source of other types
# (bool is uint8 underneath, as int8 is for int8 results: the same pairs).
PAIRS = [("int16", "int8"), ("float64", "int8"), ("int64", "uint8"), ("float32", "uint8"),
         ("uint8", "int16"), ("float16", "int16"), ("uint8", "uint16"),
         ("int8", "int32"), ("complex64", "int32"), ("float64", "int64"),
         ("uint64", "uint16"), ("float32", "uint32"), ("float16", "uint64"),
         ("int32", "float16"), ("float32", "float16"), ("uint16", "float32"),
         ("float64", "float32"), ("complex128", "float32"), ("int64", "float64"),
         ("float32", "float64"), ("complex64", "float64"), ("float16", "complex64"),
         ("complex128", "complex64"), ("int8", "complex128"), ("complex64", "complex128")]
PAIRS = [p for p in PAIRS if np.dtype(p[0]) != np.dtype(p[1])
         and not (np.dtype(p[0]).kind in "iu" and np.dtype(p[1]).kind in "iu"
                  and np.dtype(p[1]).itemsize in (8, np.dtype(p[0]).itemsize))]


def shapes(dst):
    """(shape, dim) that cross the tiles of a dst result: one lane (tiles of
    cap elements), rows (groups of ACC_BYTES of accumulators, cap // group
    rows a tile) and lanes contiguous along dim (CHAINS lanes a tile, each
    of cap // CHAINS elements)."""
    cap = CAST_BYTES // np.dtype(dst).itemsize
    group = ACC_BYTES // ACC_SIZE[np.dtype(dst).name]
    return [((2 * cap + 5,), 0), ((2 * (cap // group) + 3, 2 * group + 3), 0),
            ((CHAINS + 2, cap // CHAINS + 7), 1)]


def source(src, dst, shape, rng):
    x = values(src, int(np.prod(shape)), rng).reshape(shape)
    if x.dtype.kind in "fc" and np.dtype(dst).kind in "iu":
        # torch's casts of inf and NaN to integers are undefined (SPEC 2).
        x = np.where(np.isfinite(x), x, 3).astype(src)
    return x


def test_every_result_type_is_cast_to():
    assert {np.dtype(dst) for _, dst in PAIRS} == {np.dtype(d) for d in RESULT_DTYPES}


@pytest.mark.parametrize("src,dst", PAIRS)
def test_a_cast_scan_crosses_its_tiles_exactly(src, dst):
    rng = np.random.default_rng(1)
    for shape, dim in shapes(dst):
        x = source(src, dst, shape, rng)
        expected = _reference.cumprod(x, dim, dtype=dst)
        actual = fastcumprod.cumprod(x, dim, dtype=dst)
        assert_identical(actual, expected)
        assert_same_as_torch(actual, x, dim, dst)


# Real results (the reference's complex scan is a Python loop: seconds a
# call at these sizes; complex results cross their tiles above).
@pytest.mark.parametrize("src,dst", [p for p in PAIRS if np.dtype(p[1]).kind != "c"][::2])
def test_a_cast_scan_crosses_its_tiles_in_every_variant(src, dst):
    rng = np.random.default_rng(2)
    for shape, dim in shapes(dst):
        x = source(src, dst, shape, rng)
        for reverse, exclusive in [(True, False), (False, True), (True, True)]:
            actual = fastcumprod.cumprod(x, dim, dtype=dst, reverse=reverse, exclusive=exclusive)
            assert_identical(actual, _reference.cumprod(x, dim, dtype=dst, reverse=reverse,
                                                        exclusive=exclusive))
            if torch is not None:
                assert_identical(actual, torch_family(x, dim, dst, reverse, exclusive))
        # Into out= laid out otherwise than the source: F order and a step.
        out = np.empty(shape[::-1], dst).T
        fastcumprod.cumprod(x, dim, dtype=dst, out=out)
        assert_identical(out, _reference.cumprod(x, dim, dtype=dst))


@pytest.mark.parametrize("src,dst", [p for p in PAIRS if np.dtype(p[0]).kind in "fc"])
def test_nancumprod_skips_nans_before_the_cast_across_tiles(src, dst):
    rng = np.random.default_rng(3)
    for shape, dim in shapes(dst):
        x = source(src, dst, shape, rng)
        x.reshape(-1)[rng.random(x.size) < 0.1] = np.nan
        actual = fastcumprod.nancumprod(x, dim, dtype=dst)
        assert_identical(actual, _reference.nancumprod(x, dim, dtype=dst))
        if torch is not None:
            assert_identical(actual, torch_family(x, dim, dst, skipnan=True))


@pytest.mark.parametrize("src,dst", [p for p in PAIRS if not (np.dtype(p[0]).kind in "fc"
                                                            and np.dtype(p[1]).kind in "iu")])
def test_numpys_dtype_casts_across_tiles(src, dst):
    """numpy's own arithmetic with dtype= (float16/32 and complex results
    rounded every product), its first element copied."""
    rng = np.random.default_rng(4)
    for shape, dim in shapes(dst):
        x = source(src, dst, shape, rng)
        with np.errstate(all="ignore"):
            expected = np.cumprod(x, dim, dtype=dst)
            assert_identical(fnp.cumprod(x, dim, dtype=dst), expected)
            if x.dtype.kind in "fc":
                x.reshape(-1)[rng.random(x.size) < 0.1] = np.nan
                assert_identical(fnp.nancumprod(x, dim, dtype=dst),
                                 np.nancumprod(x, dim, dtype=dst))
