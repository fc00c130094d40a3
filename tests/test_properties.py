"""Hypothesis: random shapes, strides, dims and dtypes against the reference."""
import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import fastcumprod
from fastcumprod import _reference

from arrays import INPUT_DTYPES, RESULT_DTYPES
from conftest import assert_identical


@st.composite
def strided_arrays(draw):
    """An array of any supported dtype, shape up to 4-d, as a view with
    permuted axes and arbitrary (also negative) steps, possibly byte-swapped."""
    dtype = np.dtype(draw(st.sampled_from(INPUT_DTYPES)))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6))
    steps = [draw(st.sampled_from([1, 2, -1, -3])) for _ in shape]
    base_shape = tuple(n * abs(s) for n, s in zip(shape, steps))
    base = draw(hnp.arrays(dtype, base_shape))
    view = base[tuple(slice(None, None, s) for s in steps) + (Ellipsis,)]
    view = view.transpose(draw(st.permutations(range(view.ndim))))
    if draw(st.booleans()):
        view = view.astype(dtype.newbyteorder("S"))
    return view


@settings(max_examples=300, deadline=None)
@given(x=strided_arrays(), data=st.data())
def test_matches_reference(x, data):
    dim = data.draw(st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1))
    dtype = data.draw(st.sampled_from([None] + RESULT_DTYPES))
    expected = _reference.cumprod(x, dim, dtype=dtype)
    before = x.copy()
    assert_identical(fastcumprod.cumprod(x, dim, dtype=dtype), expected)
    assert_identical(x, before)


@settings(max_examples=100, deadline=None)
@given(x=strided_arrays(), data=st.data())
def test_out_of_any_layout(x, data):
    dim = data.draw(st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1))
    perm = data.draw(st.permutations(range(x.ndim)))
    dtype = np.dtype(data.draw(st.sampled_from(RESULT_DTYPES)))
    out = np.empty(tuple(x.shape[p] for p in perm), dtype).transpose(np.argsort(perm))
    expected = _reference.cumprod(x, dim, dtype=dtype)
    assert fastcumprod.cumprod(x, dim, out=out) is out
    assert_identical(out, expected)


# The scan family (SPEC 8): properties that tie each variant to plain cumprod.

def _dim_and_dtype(x, data):
    dim = data.draw(st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1))
    dtype = data.draw(st.sampled_from([None] + RESULT_DTYPES))
    return dim, dtype


@settings(max_examples=150, deadline=None)
@given(x=strided_arrays(), data=st.data())
def test_reverse_is_the_flipped_scan_of_the_flipped_input(x, data):
    dim, dtype = _dim_and_dtype(x, data)
    for function in (fastcumprod.cumprod, fastcumprod.nancumprod):
        actual = function(x, dim, dtype=dtype, reverse=True)
        if x.ndim == 0:
            assert_identical(actual, function(x, dim, dtype=dtype))
            continue
        flipped = function(np.flip(x, dim), dim, dtype=dtype)
        assert_identical(actual, np.flip(flipped, dim))


@settings(max_examples=150, deadline=None)
@given(x=strided_arrays(), data=st.data())
def test_exclusive_shifted_by_one_is_the_inclusive_scan(x, data):
    dim, dtype = _dim_and_dtype(x, data)
    if x.ndim == 0:
        return
    d = dim % x.ndim
    for reverse in (False, True):
        inclusive = fastcumprod.cumprod(x, dim, dtype=dtype, reverse=reverse)
        exclusive = fastcumprod.cumprod(x, dim, dtype=dtype, reverse=reverse, exclusive=True)
        n = x.shape[d]
        if n == 0:
            assert exclusive.shape == x.shape
            continue
        take = lambda a, i: np.take(a, i, axis=d)  # noqa: E731
        first, rest = (n - 1, range(n - 1)) if reverse else (0, range(1, n))
        shifted = range(1, n) if reverse else range(n - 1)
        assert_identical(take(exclusive, [first]), np.ones_like(take(inclusive, [first])))
        assert_identical(take(exclusive, list(rest)), take(inclusive, list(shifted)))


@settings(max_examples=150, deadline=None)
@given(x=strided_arrays(), data=st.data())
def test_nancumprod_is_cumprod_without_nans(x, data):
    dim, dtype = _dim_and_dtype(x, data)
    if x.dtype.kind in "fc":
        x = np.where(np.isnan(x), np.ones((), x.dtype), x)
    assert_identical(fastcumprod.nancumprod(x, dim, dtype=dtype),
                     fastcumprod.cumprod(x, dim, dtype=dtype))


@settings(max_examples=200, deadline=None)
@given(x=strided_arrays(), data=st.data())
def test_numpy_semantics_match_numpy(x, data):
    from fastcumprod import numpy as fnp
    import warnings
    axis = data.draw(st.sampled_from([None] + list(range(-max(x.ndim, 1), max(x.ndim, 1)))))
    dtype = data.draw(st.sampled_from([None] + list(INPUT_DTYPES)))
    if x.dtype.kind in "fc" and dtype is not None and np.dtype(dtype).kind in "iub":
        dtype = None  # numpy's float -> integer casts are undefined out of range
    name = data.draw(st.sampled_from(["cumprod", "nancumprod"]))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        expected = getattr(np, name)(x, axis=axis, dtype=dtype)
        actual = getattr(fnp, name)(x, axis=axis, dtype=dtype)
    assert_identical(actual, expected)
