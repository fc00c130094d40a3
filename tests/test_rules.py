"""One set of rules (issue 9, point 5): the small-call fast path and the
Python path share the dtype tables, dim's normalisation, the overlap test
and the plan; these tests hold each shared rule against an independent
account of it (numpy's own answers, the bytes each element covers)."""
import numpy as np
import pytest
from numpy.lib.stride_tricks import as_strided

import fastcumprod
from fastcumprod import _api, _dtypes, _layout, _reference
from fastcumprod._cy import fastpath

from conftest import assert_identical

# numpy's two int64s (and two uint64s) on Linux: distinct type numbers.
CODES = [c for c in np.typecodes["All"] if np.dtype(c) in _dtypes.INPUT_DTYPES]


@pytest.mark.parametrize("src", CODES)
def test_fast_path_serves_the_pairs_the_kernels_take_as_they_are(src, monkeypatch):
    """Served (not None) exactly where _dtypes says the kernels take the
    pair with nothing around them, and then the general path's bits."""
    x = np.arange(1, 7).astype(src).reshape(2, 3)
    served = {}
    for dst in CODES:
        if np.dtype(dst) not in _dtypes.RESULT_DTYPES:
            continue
        plain = (not _dtypes.discards_imaginary(x.dtype, np.dtype(dst))
                 and _dtypes.float_to_int_via(x.dtype, np.dtype(dst)) is None)
        got = fastpath.try_cumprod(x, 1, np.zeros(x.shape, dst))
        assert (got is not None) == plain, (src, dst)
        if got is not None:
            served[dst] = got
    fresh = fastpath.try_cumprod(x, -1, None)
    assert fresh is not None and fresh.dtype == _dtypes.DEFAULT_RESULT[x.dtype]
    monkeypatch.setattr(_api, "try_cumprod", lambda *args: None)
    assert_identical(fresh, fastcumprod.cumprod(x, -1))
    for dst, got in served.items():
        assert_identical(got, fastcumprod.cumprod(x, 1, out=np.zeros(x.shape, dst)))


@pytest.mark.parametrize("dim", [2, -3, 64, -65, 2**64, -(2**70)])
def test_fast_path_and_python_path_raise_one_dim_error(dim):
    small = np.ones((2, 3))  # the fast path's
    strided = np.ones((2, 6))[:, ::2]  # the Python path's
    messages = []
    for x in (small, strided):
        with pytest.raises(IndexError) as info:
            fastcumprod.cumprod(x, dim)
        messages.append(str(info.value))
    with pytest.raises(IndexError) as info:
        fastcumprod.scan_block(small, dim)  # fastcumprod._blocks
    messages.append(str(info.value))
    assert messages[0] == messages[1] == messages[2] == (
        f"Dimension out of range (expected to be in range of [-2, 1], but got {dim})")


def _covered(a):
    """The bytes a's elements cover, from its geometry alone."""
    base = a.__array_interface__["data"][0]
    starts = np.indices(a.shape).reshape(a.ndim, -1).T @ np.array(a.strides, np.int64)
    return {base + int(s) + k for s in starts.ravel() for k in range(a.itemsize)}


def test_needs_buffer_against_the_bytes_each_element_covers():
    rng = np.random.default_rng(9)
    memory = np.zeros(4096, np.uint8)
    seen = {True: 0, False: 0, "same": 0}
    for _ in range(3000):
        ndim = int(rng.integers(1, 4))
        shape = tuple(int(v) for v in rng.integers(1, 5, ndim))
        views = []
        for _ in range(2):
            dtype = np.dtype(rng.choice(["u1", "i2", "f4", "f8", "c16"]))
            strides = tuple(int(v) * dtype.itemsize for v in rng.integers(-6, 7, ndim))
            # at most 3 * 3 * 6 * 16 bytes either side of the first element
            offset = int(rng.integers(1000, 3000)) // dtype.itemsize * dtype.itemsize
            first = memory[offset:offset + dtype.itemsize].view(dtype)
            views.append(as_strided(first, shape, strides))
        if rng.random() < 0.15:  # the same elements: an in-place call
            views[1] = views[0].view()
        if rng.random() < 0.2:  # contiguous both, as the fast path sees them
            views = [np.ndarray(shape, v.dtype, memory, int(rng.integers(0, 3000)) //
                                v.itemsize * v.itemsize, order=str(rng.choice(["C", "F"])))
                     for v in views]
        x, y = views
        shared = bool(_covered(x) & _covered(y))
        same = (x.__array_interface__["data"][0] == y.__array_interface__["data"][0]
                and x.strides == y.strides and x.itemsize == y.itemsize)
        assert fastpath.overlaps(x, y) == shared == np.shares_memory(x, y), (x.strides, y.strides)
        assert fastpath.needs_buffer(x, y) == (shared and not same)
        seen["same" if same else shared] += 1
    assert min(seen.values()) > 100, seen  # every kind of pair was tried


def test_fast_path_leaves_an_overlapping_out_to_the_buffer():
    memory = np.arange(1.0, 12.0)
    x, out = memory[1:11], memory[:10]
    assert fastpath.try_cumprod(x, 0, out) is None
    expected = _reference.cumprod(x.copy(), 0)
    assert fastcumprod.cumprod(x, 0, out=out) is out
    assert_identical(out, expected)
    inplace = np.arange(1.0, 11.0)
    assert fastpath.try_cumprod(inplace, 0, inplace) is inplace
    assert_identical(inplace, _reference.cumprod(np.arange(1.0, 11.0), 0))


@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 1, 4), (1, 9), (4, 1), (3, 2, 2, 2)])
def test_fast_path_scans_the_layout_plan(shape, monkeypatch):
    """The fast path keeps fastcumprod._layout's last plan with its shape
    and dim: it asks plan() when they change, and scans what plan() says."""
    asked = []
    real = _layout.plan
    monkeypatch.setattr(fastpath, "plan", lambda x, y, d: asked.append(d) or real(x, y, d))
    fastpath.try_cumprod(np.ones(3), 0, None)  # another shape's plan last
    asked.clear()
    x = np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)
    for dim in range(len(shape)):
        for _ in range(2):
            assert_identical(fastpath.try_cumprod(x, dim, None), _reference.cumprod(x, dim))
    assert asked == list(range(len(shape)))
