"""One test per bug found, named after it and kept forever (issue 8, "found by
probing"), under every backend of conftest.  Tests that need a fresh process
(fork, environment, resource limits) are in test_isolation.py."""
import threading
import time

import numpy as np
import pytest
from numpy.lib.stride_tricks import as_strided

import fastcumprod
from fastcumprod import _memory, _reference

from conftest import assert_identical, assert_same_as_torch, torch


def bits(a):
    """The bits of a's elements (complex: of each part)."""
    a = np.ascontiguousarray(a)
    if a.dtype.kind == "c":
        a = a.view(a.real.dtype)
    return a.view({2: np.uint16, 4: np.uint32, 8: np.uint64}[a.itemsize])


# 1. A non-native dtype= was written in native order (garbage), or failed on numba.

@pytest.mark.parametrize("x,dtype,expected", [
    (np.array([1.5, 2.0, 3.0]), ">f8", [1.5, 3.0, 9.0]),
    (np.arange(1, 6, dtype=np.int32), ">i8", [1, 2, 6, 24, 120]),
    (np.arange(1, 6, dtype=np.int32), "<i4", [1, 2, 6, 24, 120]),
    (np.ones((300, 400)) * 1.001, ">f4", None),
])
def test_non_native_dtype_corrupted_fresh_results(x, dtype, expected):
    y = fastcumprod.cumprod(x, 0, dtype=dtype)
    assert y.dtype == np.dtype(dtype)
    if expected is None:
        expected = _reference.cumprod(x, 0, dtype=np.dtype(dtype).newbyteorder("="))
    assert_identical(y, np.asarray(expected, np.dtype(dtype)))


# 2. An out= whose elements overlap by bytes was accepted and filled with garbage;
#    the self-overlap check took 28 s and 459 MiB on interleaved strides.

def test_out_overlapping_itself_by_bytes_is_refused():
    out = as_strided(np.zeros(8, np.int16), shape=(7,), strides=(1,))
    with pytest.raises(ValueError, match="share memory"):
        fastcumprod.cumprod(np.ones(7, np.int16), 0, dtype=np.int16, out=out)
    grid = as_strided(np.zeros(64), shape=(4, 4), strides=(8, 4))  # 4-byte steps of 8-byte items
    with pytest.raises(ValueError, match="share memory"):
        fastcumprod.cumprod(np.ones((4, 4)), 0, out=grid)


def test_self_overlap_check_is_quick_on_interleaved_strides():
    # Two interleaved rows of 10**7 elements each: disjoint, but no axis steps
    # over the whole of the other (the old check listed every address).
    base = np.zeros(2 * 10**7)
    out = as_strided(base, shape=(2, 10**7), strides=(8, 16))
    start = time.perf_counter()
    assert not _memory.self_overlapping(out)
    assert time.perf_counter() - start < 0.5
    x = np.full((2, 10**7), 1.0)
    assert fastcumprod.cumprod(x, 1, out=out) is out
    assert (base == 1.0).all()


def test_self_overlap_agrees_with_counting_bytes():
    rng = np.random.default_rng(0)
    for _ in range(2000):
        ndim = int(rng.integers(1, 4))
        shape = tuple(int(v) for v in rng.integers(1, 5, ndim))
        itemsize = int(rng.choice([1, 2, 4, 8]))
        strides = tuple(int(v) for v in rng.integers(-12, 13, ndim))
        starts = np.sort(np.indices(shape).reshape(ndim, -1).T @ np.array(strides, np.int64))
        expected = bool((np.diff(starts) < itemsize).any())
        assert _memory.self_overlapping(_Geometry(shape, strides, itemsize)) == expected, (
            shape, strides, itemsize)


class _Geometry:
    """What self_overlapping reads of an array, for geometries numpy cannot view."""

    class flags:
        c_contiguous = f_contiguous = False

    def __init__(self, shape, strides, itemsize):
        self.shape, self.strides, self.itemsize = shape, strides, itemsize
        self.size = int(np.prod(shape))


def test_self_overlap_undecidable_is_refused_with_a_message(monkeypatch):
    monkeypatch.setattr(_memory, "MAX_WORK", 3)
    out = as_strided(np.zeros(100), shape=(2, 3, 5), strides=(16, 24, 40))
    with pytest.raises(ValueError, match="cannot tell"):
        fastcumprod.cumprod(np.ones((2, 3, 5)), 0, out=out)


# 6. The kernels kept 64 KiB of accumulators on the C stack: segfault in a
#    thread with a small stack.

def test_small_thread_stacks_crashed():
    x = np.random.default_rng(1).uniform(0.99, 1.01, (100, 5000))
    expected = _reference.cumprod(x, 0)
    results = []
    previous = threading.stack_size(64 * 1024)
    try:
        t = threading.Thread(target=lambda: results.append(fastcumprod.cumprod(x, 0)))
        t.start()
        t.join()
    finally:
        threading.stack_size(previous)
    assert_identical(results[0], expected)


# 8. Casts differed from torch's.

def test_int64_to_complex64_rounded_twice():
    x = np.array([2**60 + 2**36 + 1])
    y = fastcumprod.cumprod(x, 0, dtype=np.complex64)
    assert y[0].real == np.float32(2**60 + 2**37)   # one rounding; via double: 2**60
    assert_same_as_torch(y, x, 0, np.complex64)


@pytest.mark.parametrize("src", ["float64", "complex128"])
def test_float64_to_float16_rounded_once_where_torch_rounds_through_float32(src):
    x = np.array([1 + 2**-11 + 2**-40]).astype(src)
    y = fastcumprod.cumprod(x, 0, dtype=np.float16)
    assert_identical(y, np.array([1.0], np.float16))
    if src == "float64":
        assert_same_as_torch(y, x, 0, np.float16)


FLOAT_TO_INT = [np.nan, -np.nan, np.inf, -np.inf, 1e30, -1e30, 3e9, -3e9, 3e19, -3e19,
                300.7, -300.7, 70000.5, -70000.5, 2.0**31, -(2.0**31) - 1, 2.0**63, -1.0,
                2.0**32 + 5, 1.8e19, 2.0**64, -(2.0**63)]


@pytest.mark.parametrize("dst", ["int8", "int16", "int32", "int64", "uint8", "uint16",
                                 "uint32", "uint64"])
def test_out_of_range_float_to_int_casts_depended_on_layout(dst):
    # numpy's vector and scalar loops disagreed: [2147483648, 0] against [0, 0].
    x = np.ones(67)
    x[0] = x[-1] = -1e30
    y = fastcumprod.cumprod(x, 0, dtype=np.uint32)
    assert y[0] == y[-1] == 0
    # One rule in every layout and position: torch's where torch is deterministic.
    for src in ("float64", "float32", "float16"):
        for v in FLOAT_TO_INT:
            with np.errstate(all="ignore"):
                lane = np.ones(67, src)
                lane[[0, 33, 66]] = v
            first = None
            for view in (lane, lane[::-1].copy()[::-1], np.tile(lane, (3, 1)).T[:, 1],
                         np.asfortranarray(np.tile(lane, (5, 1)))[2]):
                got = fastcumprod.cumprod(view, 0, dtype=dst)[0]
                first = got if first is None else first
                assert got == first, (src, v, dst)
            expected = _reference.cast(lane[:1], np.dtype(dst))[0]
            assert first == expected, (src, v, dst, first, expected)
            if torch is not None and dst != "uint32":
                t = torch.from_numpy(lane[:1]).to(getattr(torch, dst)).numpy()[0]
                assert first == t, (src, v, dst, first, t)


def test_zero_d_casts_were_numpys():
    assert_identical(fastcumprod.cumprod(np.array(1 + 2**-11 + 2**-40), 0, dtype=np.float16),
                     np.array(1.0, np.float16))
    for v in FLOAT_TO_INT:
        for dst in ("int8", "int32", "uint8", "uint32", "uint64"):
            y = fastcumprod.cumprod(np.array(v), 0, dtype=dst)
            assert y.shape == () and y == _reference.cast(np.array([v]), np.dtype(dst))[0], (v, dst)


# 9. NaN bits: the input's NaN kept instead of the accumulator's; the sign of
#    a generated NaN flipped in the complex product.

@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("layout", ["lane", "rows", "chains"])
def test_nan_times_nan_kept_the_input_nan(dtype, layout):
    lane = np.array([np.nan, -np.nan, 1.0, -np.nan, np.nan], dtype)
    x = {"lane": lane, "rows": np.tile(lane[:, None], (1, 37)),
         "chains": np.tile(lane, (37, 1))}[layout]
    dim = 1 if layout == "chains" else 0
    y = fastcumprod.cumprod(x, dim)
    assert not np.signbit(y).any()           # the first (positive) NaN survives
    assert_identical(y, _reference.cumprod(x, dim))
    assert_same_as_torch(y, x, dim)
    y = fastcumprod.cumprod(-x, dim)
    assert np.signbit(y).all()


def test_invalid_product_gives_the_default_nan():
    for dtype, default in [("float64", 0xfff8000000000000), ("float32", 0xffc00000),
                           ("float16", 0xfe00)]:
        y = fastcumprod.cumprod(np.array([0.0, np.inf, 2.0], dtype), 0)
        assert bits(y)[1:].tolist() == [default, default], dtype


def test_complex_invalid_product_flipped_the_nan_sign():
    x = np.array([complex(0, np.inf)])
    y = fastcumprod.cumprod(x, 0)
    assert bits(y).tolist() == [0xfff8000000000000, 0x7ff0000000000000]
    assert_same_as_torch(y, x, 0)


def test_complex_nan_bits_follow_torch():
    rng = np.random.default_rng(3)
    parts = np.array([1.5, -0.0, 0.0, np.inf, -np.inf, 2.0]
                     + [np.uint64(b).view(np.float64) for b in
                        (0x7ff8000000000001, 0xfff8000000000002, 0x7ff8000000000003)])
    for dtype in ("complex128", "complex64"):
        x = np.empty((3, 500), np.complex128)
        x.real = rng.choice(parts, x.shape)
        x.imag = rng.choice(parts, x.shape)
        x = x.astype(dtype)
        for dim in (0, 1):
            y = fastcumprod.cumprod(x, dim)
            assert_identical(y, _reference.cumprod(x, dim))
            assert_same_as_torch(y, x, dim)


# 10. Errors the contract names.

def test_huge_dim_raised_overflow_error():
    with pytest.raises(IndexError, match="Dimension out of range"):
        fastcumprod.cumprod(np.ones(3), 2**64)
    with pytest.raises(IndexError, match="Dimension out of range"):
        fastcumprod.cumprod(np.ones(3), -(2**70))


def test_string_dtype_gave_a_byte_order_error():
    strings = np.array(["a", "b"], dtype=np.dtypes.StringDType())
    with pytest.raises(TypeError, match=r"does not support input dtype StringDType.*supported: bool"):
        fastcumprod.cumprod(strings, 0)
    with pytest.raises(TypeError, match=r"does not support result dtype StringDType.*supported: int8"):
        fastcumprod.cumprod(np.ones(2), 0, dtype=np.dtypes.StringDType())
    with pytest.raises(TypeError, match=r"does not support out dtype StringDType"):
        fastcumprod.cumprod(np.ones(2), 0, out=strings)
    with pytest.raises(TypeError, match=r"does not support out dtype StringDType"):
        fastcumprod.cumprod(np.ones(2), 0, dtype=np.float64, out=strings)


def test_dtype_and_out_conflict_message_starts_with_cumprod():
    with pytest.raises(TypeError, match=r"^cumprod: expected out to have dtype int64, but got int32"):
        fastcumprod.cumprod(np.arange(3), 0, dtype=np.int64, out=np.empty(3, np.int32))


@pytest.mark.parametrize("bad", [2.7, "2", -0.5, True, None, 2.0])
def test_set_num_threads_accepted_floats_and_strings(bad):
    saved = fastcumprod.get_num_threads()
    with pytest.raises(TypeError, match="integer"):
        fastcumprod.set_num_threads(bad)
    assert fastcumprod.get_num_threads() == saved


def test_set_num_threads_reported_negative_fractions_as_zero():
    with pytest.raises(ValueError, match="at least 1, not -1"):
        fastcumprod.set_num_threads(-1)


def test_set_num_threads_beyond_numbas_limit_says_what_it_uses():
    from fastcumprod import _dispatch
    saved = fastcumprod.get_num_threads()
    limit = _dispatch.thread_limit()
    try:
        with pytest.warns(RuntimeWarning, match=f"uses {limit}"):
            fastcumprod.set_num_threads(limit + 5)
        assert fastcumprod.get_num_threads() == limit
        fastcumprod.set_num_threads(1)
        assert fastcumprod.get_num_threads() == 1
    finally:
        fastcumprod.set_num_threads(saved)


# 11. Masked arrays lost their mask.

def test_masked_arrays_were_silently_unmasked():
    x = np.ma.array([1, 2, 3, 4], mask=[0, 1, 0, 0])
    y = fastcumprod.cumprod(x, 0)
    expected = np.ma.cumprod(x, 0)
    assert isinstance(y, np.ma.MaskedArray)
    assert y.mask.tolist() == expected.mask.tolist() == [False, True, False, False]
    assert_identical(y.data, np.asarray(expected.data))
    assert y.data.tolist() == [1, 1, 3, 12]
    assert x.mask.tolist() == [False, True, False, False]   # input untouched
    x2 = np.ma.array(np.arange(1.0, 7.0).reshape(2, 3), mask=[[0, 0, 1], [1, 0, 0]])
    y2 = fastcumprod.cumprod(x2, 1, dtype=np.float32)
    assert y2.dtype == np.float32
    assert_identical(y2.data, _reference.cumprod(x2.filled(1), 1, dtype=np.float32))
    assert (y2.mask == x2.mask).all()
    out = np.ma.array(np.zeros((2, 3)), mask=False)
    assert fastcumprod.cumprod(x2, 1, out=out) is out
    assert (out.mask == x2.mask).all()
    unmasked = np.ma.array([2.0, 3.0])
    assert_identical(fastcumprod.cumprod(unmasked, 0).data, np.array([2.0, 6.0]))


# 12. The fast path for small calls against the general path, every dtype.

@pytest.mark.parametrize("src", ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                                 "uint32", "uint64", "float16", "float32", "float64",
                                 "complex64", "complex128"])
def test_fast_path_agrees_with_the_general_path(src, monkeypatch):
    from fastcumprod import _api
    from arrays import values
    x = values(src, 60, np.random.default_rng(5)).reshape(6, 10)
    outs = ["int64", "float64", "complex128", "int8", "float16"]
    calls = [(x, d, None) for d in (0, 1, -1)] + [(x, 1, np.empty(x.shape, o)) for o in outs]
    fast = []
    for a, d, out in calls:
        if np.dtype(src).kind == "c" and out is not None and out.dtype.kind != "c":
            continue
        fast.append((a, d, out, fastcumprod.cumprod(a, d, out=None if out is None else out.copy())))
    monkeypatch.setattr(_api, "try_cumprod", lambda *args: None)
    for a, d, out, f in fast:
        g = fastcumprod.cumprod(a, d, out=None if out is None else out.copy())
        assert_identical(f, g)


# 13. Found by hypothesis: the small-call fast path cast floating values into
# an integer out= through int64 (the kernels' default), not torch's int32
# for int8/int16/int32/uint16 results: float32 2147483904 into int16 gave
# 256 (its low bits) where torch gives 0 (int32's minimum's).

@pytest.mark.parametrize("dst", ["int8", "int16", "int32", "uint16"])
def test_fast_path_cast_floats_to_small_integers_through_int64(dst):
    x = np.array([2147483904.0, 3.0e9, -3.0e9, np.nan], np.float32)
    out = np.zeros(4, dst)
    expected = _reference.cumprod(x, 0, dtype=dst)
    assert_identical(fastcumprod.cumprod(x, 0, out=out), expected)
    assert_identical(fastcumprod.cumprod(x.astype(np.float64), 0, out=np.zeros(4, dst)),
                     _reference.cumprod(x.astype(np.float64), 0, dtype=dst))


# 14. fastcumprod.numpy kept a float64 lane's first element, a signalling NaN,
# as its accumulator unquieted: every later element came out with the
# signalling bits (0x7ff0...01) where numpy's product quiets them
# (0x7ff8...01).  torch's functions multiply the first element by 1, which
# quiets it; float32 and float16 accumulators quiet it in their widening.

@pytest.mark.parametrize("name", ["cumprod", "cumulative_prod"])
def test_numpy_semantics_kept_a_first_signalling_nan_unquieted(name):
    from fastcumprod import numpy as fnp
    snan = np.array([0x7FF0000000000001], np.uint64).view(np.float64)[0]
    lane = np.array([snan, 2.0, 3.0, np.nan, 5.0])
    cases = [(lane, 0), (np.tile(lane, (300, 1)).T.copy(), 0), (np.tile(lane, (300, 1)), 1),
             (np.tile(lane, (2, 40000)).reshape(-1, 5), 1)]
    for x, axis in cases:
        with np.errstate(invalid="ignore"):
            expected = getattr(np, name)(x, axis=axis)
            ours = getattr(fnp, name)(x, axis=axis)
        assert np.take(bits(expected), 1, axis=axis).ravel()[0] == 0x7FF8000000000001
        assert_identical(ours, expected)


# 15. The reference (the tests' oracle) cast a float32 signalling NaN to
# float16 with numpy's cast, which keeps it signalling (0x7f800001 to
# 0x7c01), where torch's cast and the kernels quiet it (0x7e00).  Signalling
# NaNs are not in the test arrays' values (tests/arrays.py): here they are.

@pytest.mark.parametrize("dtype,dst", [("float32", "float16"), ("float32", None),
                                       ("float64", None), ("float64", "float32"),
                                       ("float16", None)])
def test_reference_kept_signalling_nans_signalling_in_casts_to_float16(dtype, dst):
    signalling = {"float16": [0x7C01, 0xFD00], "float32": [0x7F800001, 0xFFA00005],
                  "float64": [0x7FF0000000000001, 0xFFF4000000000005]}[dtype]
    width = {"float16": np.uint16, "float32": np.uint32, "float64": np.uint64}[dtype]
    x = np.random.default_rng(15).uniform(0.5, 1.5, (40, 33)).astype(dtype)
    x.view(width)[::7, ::5] = signalling[0]
    x.view(width)[3::7, 2::5] = signalling[1]
    for view, dim in ((x, 0), (x, 1), (x.T, 0), (x[::-1], 1)):
        ours = fastcumprod.cumprod(view, dim, dtype=dst)
        assert_identical(ours, _reference.cumprod(view, dim, dtype=dst))
        assert_same_as_torch(ours, view, dim, dst)
    if dst == "float16":
        assert bits(_reference.cumprod(x[:1, :1], 0, dtype=dst))[0, 0] == 0x7E00


# 16. fastcumprod.numpy.nancumprod raised "invalid value encountered in
# accumulate" on a signalling NaN, where numpy's nancumprod raises nothing:
# numpy replaces the NaNs by 1 first (np.isnan is quiet), and the kernels'
# NaN test (an unordered compare) and their casts (float32 to float64)
# signal on it.  A real invalid (0 * inf) is still reported.

SIGNALLING = {"float16": 0x7C01, "float32": 0x7F800001, "float64": 0x7FF0000000000001}


def _with_signalling_nans(dtype, shape, seed=16):
    x = np.random.default_rng(seed).uniform(0.95, 1.05, shape)
    if np.dtype(dtype).kind == "c":
        part = np.dtype(dtype).type(0).real.dtype.name
        x = (x + 0.01j).astype(dtype)
        x.view(part).reshape(-1)[0:40:6] = np.array(SIGNALLING[part]).astype(
            {4: np.uint32, 8: np.uint64}[np.dtype(part).itemsize]).view(part)
        return x
    x = x.astype(dtype)
    width = {2: np.uint16, 4: np.uint32, 8: np.uint64}[x.itemsize]
    x.view(width).reshape(-1)[1:3000:97] = SIGNALLING[dtype]
    return x


@pytest.mark.parametrize("dtype,result", [
    ("float64", None), ("float32", None), ("float32", "float64"), ("float16", None),
    ("float16", "float64"), ("complex128", None), ("complex64", None), ("float64", "float32")])
def test_numpy_nancumprod_signalled_invalid_on_signalling_nans(dtype, result):
    from fastcumprod import numpy as fnp
    lane = _with_signalling_nans(dtype, 3000)
    rows = _with_signalling_nans(dtype, (60, 50))
    stuck = lane.copy()
    stuck[5] = 0  # the lane absorbed at 0: the sNaNs after it meet absorb's test
    for x, axis in [(lane, 0), (stuck, 0), (rows, 0), (rows, 1), (rows.T, 1), (rows, None)]:
        with np.errstate(all="raise"):
            expected = np.nancumprod(x, axis=axis, dtype=result)  # raises nothing
            assert_identical(fnp.nancumprod(x, axis=axis, dtype=result), expected)
            out = np.empty_like(expected)
            assert fnp.nancumprod(x, axis=axis, dtype=result, out=out) is out
            assert_identical(out, expected)
            if result is None and axis is not None:
                inplace = x.copy()
                fnp.nancumprod(inplace, axis=axis, out=inplace)
                assert_identical(inplace, expected)
    # In blocks, from the carry: the same.
    with np.errstate(all="raise"):
        expected = np.nancumprod(lane, dtype=result)
        y0, carry = fastcumprod.scan_block(lane[:1000], 0, function="nancumprod",
                                           semantics="numpy", dtype=result)
        y1, _ = fastcumprod.scan_block(lane[1000:], 0, carry, function="nancumprod",
                                       semantics="numpy", dtype=result)
    assert_identical(np.concatenate([y0, y1]), expected)
    if np.dtype(dtype).kind == "f":
        # A real invalid among the signalling NaNs: 0 * inf, as numpy reports it.
        bad = lane.copy()
        bad[10], bad[20] = 0, np.inf
        with np.errstate(invalid="raise"):
            with pytest.raises(FloatingPointError, match="invalid"):
                np.nancumprod(bad, dtype=result)
            with pytest.raises(FloatingPointError, match="invalid"):
                fnp.nancumprod(bad, dtype=result)
