"""The scan family (SPEC 8): reverse, exclusive and nancumprod against the
reference's definitions and torch's flip / cat / where formulations, over
every dtype, layout, dim, dtype=, out= and backend."""
import numpy as np
import pytest

import fastcumprod
from fastcumprod import _reference

from arrays import INPUT_DTYPES, RESULT_DTYPES, arrays, values
from conftest import assert_identical, torch, torch_family

VARIANTS = [(False, False), (True, False), (False, True), (True, True)]
FUNCTIONS = {"cumprod": (fastcumprod.cumprod, _reference.cumprod, False),
             "nancumprod": (fastcumprod.nancumprod, _reference.nancumprod, True)}


def check(name, x, dim, reverse, exclusive, dtype=None, out=None, with_torch=True):
    function, reference, skipnan = FUNCTIONS[name]
    before = x.copy()
    kwargs = dict(dtype=dtype, reverse=reverse, exclusive=exclusive)
    expected = reference(x, dim, **kwargs)
    actual = function(x, dim, out=out, **kwargs)
    if out is not None:
        assert actual is out
    assert_identical(actual, expected if out is None else expected.astype(out.dtype))
    assert_identical(x, before)
    if with_torch and torch is not None:
        assert_identical(actual, torch_family(x, dim, dtype, reverse, exclusive, skipnan))


@pytest.mark.parametrize("reverse,exclusive", VARIANTS)
@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("dtype", INPUT_DTYPES)
def test_every_layout_and_dim(dtype, name, reverse, exclusive):
    for label, x in arrays(dtype, seed=3):
        for dim in range(-max(x.ndim, 1), max(x.ndim, 1)):
            try:
                check(name, x, dim, reverse, exclusive)
            except AssertionError as e:
                raise AssertionError(f"{dtype} {label} dim={dim}: {e}") from None


def _in_range(x, dst):
    """Values a float -> integer cast keeps (torch's out-of-range casts to
    uint32 depend on its layout; the reference has our rule)."""
    if x.dtype.kind in "fc" and np.dtype(dst).kind in "iu":
        x = np.where(np.isfinite(x) | np.isnan(x), x, 1)
        x = np.where(np.isnan(x), x, np.clip(x.real, 0 if np.dtype(dst).kind == "u" else -100,
                                             100)).astype(x.dtype)
    return x


@pytest.mark.parametrize("reverse,exclusive", VARIANTS[1:])
@pytest.mark.parametrize("dst", RESULT_DTYPES)
@pytest.mark.parametrize("src", ["int32", "uint8", "float16", "float32", "float64", "complex64",
                                 "complex128"])
def test_every_cast(src, dst, reverse, exclusive):
    rng = np.random.default_rng(2)
    x = values(src, 4 * 300, rng).reshape(4, 300)
    for name in FUNCTIONS:
        for view in (x, x.T, x[::-1, ::3]):
            for dim in range(2):
                check(name, _in_range(view, dst), dim, reverse, exclusive, dtype=dst)


@pytest.mark.parametrize("reverse,exclusive", VARIANTS[1:])
@pytest.mark.parametrize("dtype", ["int16", "int64", "float16", "float32", "complex64"])
def test_into_out_of_any_strides_in_place_and_overlapping(dtype, reverse, exclusive):
    rng = np.random.default_rng(4)
    x = values(dtype, 40 * 30, rng).reshape(40, 30)
    res = np.dtype("int64") if x.dtype.kind in "biu" else x.dtype
    for name, (function, reference, _) in FUNCTIONS.items():
        for dim in (0, 1, -1):
            expected = reference(x, dim, reverse=reverse, exclusive=exclusive)
            # strided and Fortran-order out=
            for out in (np.empty((80, 60), res)[::2, ::-2], np.empty((40, 30), res, order="F")):
                check(name, x, dim, reverse, exclusive, out=out)
            # in place
            inplace = x.astype(res)
            same = function(inplace, dim, out=inplace, reverse=reverse, exclusive=exclusive)
            assert same is inplace
            assert_identical(inplace, reference(x.astype(res), dim, reverse=reverse,
                                                exclusive=exclusive))
            # out overlapping the input, shifted by one row
            buffer = np.zeros((41, 30), res)
            buffer[:40] = x
            shifted = buffer[1:]
            function(buffer[:40], dim, out=shifted, reverse=reverse, exclusive=exclusive)
            assert_identical(shifted, reference(x.astype(res), dim, reverse=reverse,
                                                exclusive=exclusive))
            del expected


def test_large_calls_on_every_path():
    # Big enough for the parallel drivers and for blocks of rows, chains and
    # split integer lanes; every variant against its definition.
    rng = np.random.default_rng(5)
    cases = [values("float32", 600 * 700, rng).reshape(600, 700),
             values("float64", 1 << 19, rng, special=0.001),
             values("int64", 1 << 19, rng),
             values("complex128", 300 * 400, rng).reshape(300, 400)]
    for x in cases:
        for dim in range(x.ndim):
            for reverse, exclusive in VARIANTS[1:]:
                for name in FUNCTIONS:
                    check(name, x, dim, reverse, exclusive, with_torch=False)


def test_nancumprod_replaces_before_the_cast():
    x = np.array([2.0 + 0j, complex(5, np.nan), complex(np.nan, 0), 3.0])
    with pytest.warns(np.exceptions.ComplexWarning):
        y = fastcumprod.nancumprod(x, 0, dtype=np.float64)
    assert_identical(y, np.array([2.0, 2.0, 2.0, 6.0]))
    assert_identical(fastcumprod.nancumprod(np.array([np.nan, 2.5]), 0, dtype=np.int64),
                     np.array([1, 2]))


def test_worked_examples():
    # SPEC 8's definitions on small values: reverse, exclusive, both, and NaN.
    x = np.array([2.0, 3.0, 4.0])
    assert_identical(fastcumprod.cumprod(x, 0, reverse=True), np.array([24.0, 12.0, 4.0]))
    assert_identical(fastcumprod.cumprod(x, 0, exclusive=True), np.array([1.0, 2.0, 6.0]))
    assert_identical(fastcumprod.cumprod(x, 0, reverse=True, exclusive=True),
                     np.array([12.0, 4.0, 1.0]))
    assert_identical(fastcumprod.nancumprod(np.array([np.nan, 2.0, np.nan, 3.0]), 0),
                     np.array([1.0, 2.0, 2.0, 6.0]))
    assert_identical(fastcumprod.cumprod(np.array(5.0), 0, exclusive=True), np.array(1.0))
    assert_identical(fastcumprod.cumprod(np.array(7), 0, exclusive=True), np.array(1))


def test_zero_d_variants_copy_rather_than_multiply_by_one():
    # Found by hypothesis: nancumprod of a 0-d float64 3.4028236e38 into
    # complex64 multiplied (1+0j) by (inf+0j) and gave inf+nanj; torch's
    # where-then-cumprod copies the one element, as cumprod does.
    x = np.array(3.40282357e38)
    assert_identical(fastcumprod.nancumprod(x, 0, dtype=np.complex64),
                     fastcumprod.cumprod(x, 0, dtype=np.complex64))
    assert_identical(fastcumprod.nancumprod(np.array(np.nan), 0), np.array(1.0))
    assert_identical(fastcumprod.cumprod(x, 0, dtype=np.complex64, reverse=True),
                     fastcumprod.cumprod(x, 0, dtype=np.complex64))
