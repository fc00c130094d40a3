"""cumprod against the reference and torch over every dtype, layout, shape and dim."""
import numpy as np
import pytest

import fastcumprod
from fastcumprod import _reference

from arrays import INPUT_DTYPES, RESULT_DTYPES, arrays, values
from conftest import assert_identical, assert_same_as_torch


def check(x, dim, dtype=None, with_torch=True):
    before = x.copy()
    expected = _reference.cumprod(x, dim, dtype=dtype)
    actual = fastcumprod.cumprod(x, dim, dtype=dtype)
    assert_identical(actual, expected)
    assert_identical(x, before)
    if with_torch:
        assert_same_as_torch(actual, x, dim, dtype)
    return actual


@pytest.mark.parametrize("dtype", INPUT_DTYPES)
def test_every_layout_and_dim(dtype):
    for name, x in arrays(dtype):
        for dim in range(-max(x.ndim, 1), max(x.ndim, 1)):
            try:
                check(x, dim)
            except AssertionError as e:
                raise AssertionError(f"{dtype} {name} dim={dim}: {e}") from None


def _in_range(x, dst):
    """x with values a float -> integer cast keeps (out of range torch's
    float-to-uint32 cast depends on the layout; the reference has our rule)."""
    if x.dtype.kind in "fc" and np.dtype(dst).kind in "iu":
        x = np.where(np.isfinite(x), x, 1).real
        x = np.clip(x, 0 if np.dtype(dst).kind == "u" else -100, 100).astype(x.dtype)
    return x


@pytest.mark.parametrize("dst", RESULT_DTYPES)
@pytest.mark.parametrize("src", INPUT_DTYPES)
def test_every_cast(src, dst):
    rng = np.random.default_rng(1)
    x = values(src, 6 * 700, rng).reshape(6, 700)
    for view in (x, x.T, x[::-1, ::3]):
        for dim in range(2):
            check(view, dim, dtype=dst, with_torch=False)
            check(_in_range(view, dst), dim, dtype=dst)


@pytest.mark.parametrize("dst", ["int8", "uint8", "int32", "uint32", "uint64", "float32",
                                 "complex64"])
def test_float_to_int_casts_out_of_range_follow_torch(dst):
    # numpy's own cast depends on the layout; torch's x86-64 rule, written out
    # in the reference (SPEC 2; test_regressions has every value and layout).
    x = np.array([1.5, np.nan, np.inf, -np.inf, 3e9, -3e9, 1e20, -2.5])
    for view in (x, np.tile(x, (3, 1)).T[:, 1], x[::-1].copy()[::-1]):
        assert_identical(fastcumprod.cumprod(view, 0, dtype=dst),
                         _reference.cumprod(x, 0, dtype=dst))
        if dst not in ("uint32", "uint64"):
            assert_same_as_torch(fastcumprod.cumprod(view, 0, dtype=dst), x, 0, dst)


def _out_views(shape, dtype):
    """Output buffers of every kind of strides, with their result dtype."""
    yield np.empty(shape, dtype)
    yield np.empty(shape[::-1], dtype).T
    yield np.empty(tuple(2 * n for n in shape), dtype)[tuple(slice(None, None, -2) for _ in shape)]
    yield np.empty(shape, np.dtype(dtype).newbyteorder("S"))
    raw = np.empty(int(np.prod(shape)) * np.dtype(dtype).itemsize + 1, np.uint8)[1:]
    yield raw.view(dtype).reshape(shape)


@pytest.mark.parametrize("src,dst", [("float32", "float32"), ("int32", "int64"),
                                     ("float64", "float32"), ("complex64", "complex128"),
                                     ("int16", "int8"), ("float64", "int32"),
                                     ("float16", "float16")])
def test_out_any_strides(src, dst):
    rng = np.random.default_rng(2)
    x = _in_range(values(src, 5 * 300, rng).reshape(5, 300), dst)
    for dim in range(2):
        expected = _reference.cumprod(x, dim, dtype=dst)
        for out in _out_views(x.shape, dst):
            assert fastcumprod.cumprod(x, dim, out=out) is out
            assert_identical(out.astype(expected.dtype), expected)
            assert fastcumprod.cumprod(x, dim, dtype=dst, out=out) is out
            assert_identical(out.astype(expected.dtype), expected)


@pytest.mark.parametrize("dtype", ["int64", "float32", "float64", "complex128"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_in_place(dtype, dim):
    rng = np.random.default_rng(3)
    x = values(dtype, 40 * 50, rng).reshape(40, 50)
    expected = _reference.cumprod(x, dim)
    for view in (x.copy(), np.asfortranarray(x), x.copy()[::-1][::-1]):
        assert fastcumprod.cumprod(view, dim, out=view) is view
        assert_identical(view, expected)


@pytest.mark.parametrize("shift", [1, -1, 7])
@pytest.mark.parametrize("dtype", ["int32", "float64"])
def test_out_overlapping_input(shift, dtype):
    rng = np.random.default_rng(4)
    base = values(dtype, 200, rng)
    x = base[10:150]
    expected = _reference.cumprod(x, 0, dtype=dtype)
    out = base[10 + shift:150 + shift]
    assert fastcumprod.cumprod(x, 0, out=out) is out
    assert_identical(out, expected)
    # The same memory as another dtype: int32 input scanned into its own bytes
    # as float32.
    y = values("int32", 64, rng)
    expected = _reference.cumprod(y, 0, dtype=np.float32)
    assert_identical(fastcumprod.cumprod(y, 0, out=y.view(np.float32)), expected)


def test_inputs_numpy_accepts():
    assert_identical(fastcumprod.cumprod(3, 0), np.array(3))
    assert_identical(fastcumprod.cumprod(2.5, -1), np.array(2.5))
    assert_identical(fastcumprod.cumprod([[True, False], [True, True]], 1),
                     np.array([[1, 0], [1, 1]]))
    assert_identical(fastcumprod.cumprod((1 + 1j, 2), 0), np.array([1 + 1j, 2 + 2j]))


def test_torch_tensor_input():
    torch = pytest.importorskip("torch")
    t = torch.linspace(0.5, 1.5, 12, dtype=torch.float32).reshape(3, 4)
    # a tensor gives a tensor (tests/test_containers.py has the rest)
    assert_identical(fastcumprod.cumprod(t, 1).numpy(), torch.cumprod(t, 1).numpy())
    assert_identical(fastcumprod.cumprod(t, 0, dtype=torch.float64).numpy(),
                     torch.cumprod(t, 0, dtype=torch.float64).numpy())


def test_zero_d_is_a_copy():
    # torch copies a 0-d input; it does not multiply it by 1, which would turn
    # 1+inf*j into nan+inf*j.
    x = np.array(1 + np.inf * 1j)
    y = fastcumprod.cumprod(x, 0)
    assert_identical(y, x)
    assert not np.shares_memory(x, y)
    assert_identical(fastcumprod.cumprod(np.array(2.5, np.float32), 0, dtype=np.int8), np.array(2, np.int8))
    assert_same_as_torch(y, x, 0)


def test_first_element_is_multiplied_by_one():
    # A lane of one element is 1 * x[0]: for complex numbers with an infinite
    # part that is not x[0] (torch's fma product).
    x = np.array([1 + np.inf * 1j, -0.0 - 1j])
    y = fastcumprod.cumprod(x, 0)
    assert_identical(y, _reference.cumprod(x, 0))
    assert np.isnan(y[0].real)  # not x[0]: 1 * (1+inf*j) has 0 * inf in it
    assert_same_as_torch(y, x, 0)
    assert_identical(fastcumprod.cumprod(x[:1], 0), _reference.cumprod(x[:1], 0))
