"""Scans in blocks (SPEC 10): blocks of any split, layout and dtype, each
lane's accumulator carried between them, put together bit-identical to one
call -- under torch's semantics (with the reference and torch as oracles)
and numpy's (with numpy as the oracle)."""
import tracemalloc
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import fastcumprod
from fastcumprod import Scanner, numpy as fnp, scan_block

from arrays import INPUT_DTYPES, RESULT_DTYPES, arrays, values
from conftest import assert_identical, torch, torch_family
from test_properties import strided_arrays

VARIANTS = [(False, False), (True, False), (False, True), (True, True)]


def whole(x, dim, function="cumprod", semantics="torch", **kwargs):
    """One call on the whole array: what the blocks must give."""
    if semantics == "numpy":
        return getattr(fnp, function)(x, dim, **kwargs)
    return getattr(fastcumprod, function)(x, dim, **kwargs)


def in_blocks(x, dim, cuts, outs=None, **options):
    """The blocks' results put together: x cut along dim at `cuts` (sorted,
    repeats giving empty blocks), each block a view, fed in order (from the
    end with reverse), each into a fresh result or `outs`' views."""
    dim %= x.ndim
    edges = [0, *cuts, x.shape[dim]]
    pieces = []
    for a, b in zip(edges[:-1], edges[1:]):
        index = [slice(None)] * x.ndim
        index[dim] = slice(a, b)
        pieces.append(tuple(index))
    scanner = Scanner(dim, **options)
    results = [None] * len(pieces)
    for k in (range(len(pieces))[::-1] if options.get("reverse") else range(len(pieces))):
        out = None if outs is None else outs[pieces[k]]
        results[k] = scanner(x[pieces[k]], out=out)
        if out is not None:
            assert results[k] is out
    return np.concatenate(results, axis=dim)


def random_cuts(n, rng, count):
    return sorted(rng.integers(0, n + 1, count).tolist())


@pytest.mark.parametrize("reverse,exclusive", VARIANTS)
@pytest.mark.parametrize("function", ["cumprod", "nancumprod"])
@pytest.mark.parametrize("dtype", INPUT_DTYPES)
def test_blocks_are_one_call_every_dtype_layout_and_dim(dtype, function, reverse, exclusive):
    rng = np.random.default_rng(11)
    for label, x in arrays(dtype, seed=5):
        if x.ndim == 0:
            continue
        for dim in range(x.ndim):
            cuts = random_cuts(x.shape[dim], rng, 3)
            expected = whole(x, dim, function, reverse=reverse, exclusive=exclusive)
            actual = in_blocks(x, dim, cuts, function=function, reverse=reverse,
                               exclusive=exclusive)
            try:
                assert_identical(actual, expected)
            except AssertionError as e:
                raise AssertionError(f"{label} {x.shape} dim {dim} cuts {cuts}: {e}") from None
            if torch is not None:
                assert_identical(actual, torch_family(x, dim, None, reverse, exclusive,
                                                      function == "nancumprod"))


@pytest.mark.parametrize("function", ["cumprod", "nancumprod"])
@pytest.mark.parametrize("dtype", INPUT_DTYPES)
def test_blocks_under_numpys_semantics_are_numpys_one_call(dtype, function):
    rng = np.random.default_rng(12)
    for label, x in arrays(dtype, seed=6):
        if x.ndim == 0:
            continue
        for dim in range(x.ndim):
            if x.dtype.kind == "c" and x.shape[dim] == 2:
                continue  # numpy's own SIMD product for whole lanes of two (README)
            cuts = random_cuts(x.shape[dim], rng, 3)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                expected = getattr(np, function)(x, axis=dim)
                actual = in_blocks(x, dim, cuts, function=function, semantics="numpy")
            try:
                assert_identical(actual, expected)
            except AssertionError as e:
                raise AssertionError(f"{label} {x.shape} dim {dim} cuts {cuts}: {e}") from None


@pytest.mark.parametrize("src", ["int32", "uint8", "float16", "float32", "float64", "complex64"])
def test_blocks_with_every_result_dtype(src):
    rng = np.random.default_rng(13)
    x = values(src, 40 * 9, rng).reshape(40, 9)
    if x.dtype.kind in "fc":  # out-of-range float-to-integer casts: SPEC 2, tested elsewhere
        x = np.where(np.isfinite(x) & (abs(x) < 100), x, 2).astype(src)
    for dst in RESULT_DTYPES:
        for dim in (0, 1):
            cuts = random_cuts(x.shape[dim], rng, 4)
            for reverse, exclusive in VARIANTS:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
                    expected = whole(x, dim, dtype=dst, reverse=reverse, exclusive=exclusive)
                    actual = in_blocks(x, dim, cuts, dtype=dst, reverse=reverse,
                                       exclusive=exclusive)
                assert_identical(actual, expected)


def test_blocks_into_out_of_any_layout():
    """Each block's result into a view of one caller's array: Fortran,
    transposed, strided, byte-swapped; the carry's lanes keep their order
    whatever the layouts of the block and its out."""
    rng = np.random.default_rng(14)
    x = values("float32", 6 * 7 * 20, rng, special=0.05).reshape(6, 7, 20)
    layouts_of_out = [
        lambda s, t: np.empty(s, t),
        lambda s, t: np.empty(s, t, order="F"),
        lambda s, t: np.empty(s[::-1], t).transpose(),
        lambda s, t: np.empty(tuple(2 * n for n in s), t)[::2, ::-2, ::2],
        lambda s, t: np.empty(s, np.dtype(t).newbyteorder("S")),
    ]
    for label, view in [("C", x), ("F", np.asfortranarray(x)),
                        ("permuted", x.transpose(2, 0, 1).copy().transpose(1, 2, 0))]:
        for dim in range(3):
            for make in layouts_of_out:
                for reverse, exclusive in VARIANTS:
                    out = make(x.shape, np.float32)
                    cuts = random_cuts(x.shape[dim], rng, 3)
                    in_blocks(view, dim, cuts, outs=out, reverse=reverse, exclusive=exclusive)
                    assert_identical(out.astype(np.float32),
                                     whole(x, dim, reverse=reverse, exclusive=exclusive))


@settings(max_examples=150, deadline=None)
@given(x=strided_arrays(), data=st.data())
def test_random_splits_are_one_call(x, data):
    """For random arrays, random split points and every dtype, the blocks'
    results put together are bit-identical to one call."""
    if x.ndim == 0:
        x = x.reshape(1)
    dim = data.draw(st.integers(0, x.ndim - 1))
    n = x.shape[dim]
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=5)))
    semantics = data.draw(st.sampled_from(["torch", "numpy"]))
    function = data.draw(st.sampled_from(["cumprod", "nancumprod"]))
    if semantics == "torch":
        options = dict(reverse=data.draw(st.booleans()), exclusive=data.draw(st.booleans()),
                       dtype=data.draw(st.sampled_from([None] + RESULT_DTYPES)))
        if x.dtype.kind in "fc" and options["dtype"] and np.dtype(options["dtype"]).kind in "iu":
            x = np.nan_to_num(x.real if x.dtype.kind == "c" else x, posinf=3, neginf=-3)
            x = np.clip(x, -100, 100)
    else:
        options = {}
        if x.dtype.kind == "c" and n == 2:
            return  # numpy's own SIMD product for whole lanes of two (README)
    before = x.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        expected = whole(x, dim, function, semantics, **options)
        actual = in_blocks(x, dim, cuts, function=function, semantics=semantics, **options)
    assert_identical(actual, expected)
    assert_identical(x, before)


def test_carry_is_the_accumulator_not_the_rounded_output():
    """SPEC 10's example: float32 carried as float32 would change the rest."""
    x = np.array([1e30, 1e30, 1e-30, 1e-30], np.float32)
    y0, carry = scan_block(x[:2], 0)
    y1, carry2 = scan_block(x[2:], 0, carry)
    assert carry.dtype == np.float64 and carry[()] == np.float64(x[0]) * np.float64(x[1])
    assert_identical(np.concatenate([y0, y1]), fastcumprod.cumprod(x, 0))
    assert_identical(np.concatenate([y0, y1]),
                     np.array([1e30, np.inf, 1e30, 1], np.float32))
    # dask's regrouping gives [1e30, inf, inf, nan] here (SPEC 11)
    for dtype, acc in [("int8", "uint64"), ("float16", "float32"), ("float64", "float64"),
                       ("complex64", "complex128"), ("bool", "uint64")]:
        assert scan_block(np.ones((3, 2), dtype), 0)[1].dtype == acc
    # numpy's semantics round every product to the result dtype: so is the carry
    with np.errstate(over="ignore"):
        _, carry = scan_block(x[:2], 0, semantics="numpy")
    assert carry[()] == np.inf


def test_scan_block_leaves_its_carry_and_input_alone():
    x = np.arange(1, 13, dtype=np.float64).reshape(3, 4)
    _, carry = scan_block(x, 0)
    before, x_before = carry.copy(), x.copy()
    y, new = scan_block(x, 0, carry)
    assert new is not carry
    assert_identical(carry, before)
    assert_identical(x, x_before)
    assert_identical(y, fastcumprod.cumprod(np.concatenate([x, x]), 0)[3:])


def test_empty_blocks_and_lanes():
    x = np.arange(1, 7, dtype=np.int32).reshape(2, 3)
    s = Scanner(1)
    assert s(x[:, :0]).shape == (2, 0)
    assert_identical(s.carry, np.ones(2, np.uint64))
    assert_identical(s(x), fastcumprod.cumprod(x, 1))
    numpy_scan = Scanner(1, semantics="numpy")
    assert numpy_scan(x[:, :0]).shape == (2, 0)
    assert numpy_scan.carry is None  # no lane has started
    assert_identical(numpy_scan(x), np.cumprod(x, 1))
    assert scan_block(np.ones((0, 4)), 0)[1].shape == (4,)
    assert scan_block(np.ones((4, 0)), 0)[1].shape == (0,)


def test_scanner_reset_and_repr():
    x = np.arange(1.0, 5.0)
    s = Scanner(-1, function="nancumprod", reverse=True)
    first = s(x)
    s.reset()
    assert s.carry is None
    assert_identical(s(x), first)
    assert repr(s) == ("Scanner(-1, function='nancumprod', semantics='torch', dtype=None, "
                       "reverse=True, exclusive=False)")


@pytest.mark.parametrize("call,error,match", [
    (lambda: Scanner(0, function="cumsum"), ValueError, "function must be one of"),
    (lambda: Scanner(0, semantics="jax"), ValueError, "semantics must be one of"),
    (lambda: Scanner(0, semantics="numpy", reverse=True), ValueError, "torch's semantics"),
    (lambda: Scanner(0, semantics="numpy", exclusive=True), ValueError, "torch's semantics"),
    (lambda: scan_block(np.float64(2.0), 0), ValueError, "at least one dimension"),
    (lambda: scan_block(np.ones(3), 1), IndexError, "Dimension out of range"),
    (lambda: scan_block(np.ones(3), 1, semantics="numpy"), np.exceptions.AxisError, "axis 1"),
    (lambda: scan_block(np.ones(3), None), TypeError, "dim must be an integer"),
    (lambda: scan_block(np.ones((3, 2)), 0, np.ones(3)), ValueError, r"shape \(2,\)"),
    (lambda: scan_block(np.ones((3, 2)), 0, np.ones(2, np.float32)), ValueError,
     "float64 array"),
    (lambda: scan_block(np.ones((3, 2), np.float32), 0, np.ones(2, np.float32)), ValueError,
     "float64 array"),
    (lambda: scan_block(np.ones(3), 0, [1.0]), ValueError, "not list"),
    (lambda: scan_block(np.array(["a"]), 0), TypeError, "does not support input dtype"),
    (lambda: scan_block(np.array(["a"]), 0, semantics="numpy"), TypeError, "do not cover"),
    (lambda: scan_block(np.ones(3), 0, out=np.ones(4)), ValueError, "shape"),
    (lambda: scan_block(np.ones(3), 0, out=np.ones(4), semantics="numpy"), ValueError, "shape"),
    (lambda: scan_block(np.ones(3), 0, out=[0, 0, 0]), TypeError, "numpy.ndarray"),
    (lambda: scan_block(np.ma.masked_array([1.0, 2.0]), 0), TypeError, "filled"),
])
def test_bad_arguments_are_refused_with_a_message(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_numpys_error_reporting_block_by_block():
    x = np.array([1e30, 1e30, 1e30], np.float32)
    with pytest.warns(RuntimeWarning, match="overflow encountered in accumulate"):
        scan_block(x, 0, semantics="numpy")
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        scan_block(x, 0, semantics="numpy")
    with np.errstate(over="ignore"):
        scan_block(x, 0, semantics="numpy")


def test_memmap_in_blocks_keeps_memory_bounded(tmp_path):
    """The README's recipe: a file scanned through np.memmap in blocks, each
    block's result written to an output memmap; memory traced stays within a
    few blocks, whatever the file's size."""
    rows, cols, block_rows = 4096, 512, 256  # 16 MiB of float64, 1 MiB blocks
    rng = np.random.default_rng(15)
    data = rng.uniform(0.9, 1.1, (rows, cols))
    data.tofile(tmp_path / "x.f8")
    x = np.memmap(tmp_path / "x.f8", np.float64, "r", shape=(rows, cols))
    y = np.memmap(tmp_path / "y.f8", np.float64, "w+", shape=(rows, cols))
    scan = Scanner(0)
    tracemalloc.start()
    for start in range(0, rows, block_rows):
        scan(x[start:start + block_rows], out=y[start:start + block_rows])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    y.flush()
    assert peak < 64 * 1024, peak  # the carry and the small objects of each call
    assert_identical(np.asarray(y), fastcumprod.cumprod(data, 0))


def test_dask_arrays_are_refused_rather_than_computed():
    da = pytest.importorskip("dask.array")
    x = da.ones((4, 4), chunks=2)
    for function in (fastcumprod.cumprod, fastcumprod.nancumprod):
        with pytest.raises(TypeError, match="fastcumprod.dask"):
            function(x, 0)
    with pytest.raises(TypeError, match="fastcumprod.dask"):
        scan_block(x, 0)
