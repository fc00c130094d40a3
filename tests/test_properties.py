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
