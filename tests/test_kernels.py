"""The kernels themselves: a scan in blocks resumes exactly from its carry,
every build of the kernels gives the same bits, and so do the numba drivers
with a carry."""
import importlib

import numpy as np
import pytest

import fastcumprod.numpy
from fastcumprod import _dtypes, _kernels, _reference
from fastcumprod._layout import plan

from arrays import values
from conftest import assert_identical, torch, torch_family
from test_mixed_tiles import arrays as mixed_arrays

@pytest.fixture(scope="module", autouse=True)
def backend():
    """The kernels are called directly: no backend to choose (overrides conftest's)."""
    yield None


PAIRS = [("float64", "float64"), ("float32", "float32"), ("float16", "float16"),
         ("complex64", "complex64"), ("complex128", "complex128"), ("int16", "int64"),
         ("int64", "int8"), ("uint8", "uint32"), ("float64", "int32"), ("float32", "float16"),
         ("bool", "int16"), ("float64", "complex64")]


def _blocks(kernels, x, y, dim, cuts):
    """y = cumprod(x, dim) as one scan per block between cuts, carried."""
    lanes = x.size // x.shape[dim]
    carry = _dtypes.one_carry(y.dtype, lanes)
    index = [slice(None)] * x.ndim
    for start, stop in zip(cuts[:-1], cuts[1:]):
        index[dim] = slice(start, stop)
        xb, yb = x[tuple(index)], y[tuple(index)]
        kernels.scan(xb, yb, *plan(xb, yb, dim), carry, _via(x, y))
    return y


def _via(x, y):
    if x.dtype.kind in "fc" and y.dtype.kind in "iu":
        return _kernels.kernels.VIA[_dtypes.FLOAT_TO_INT_VIA[y.dtype].name]
    return 0


@pytest.mark.parametrize("src,dst", PAIRS)
def test_blocks_resume_exactly_from_the_carry(src, dst):
    rng = np.random.default_rng(0)
    for shape, dim in [((200, 7), 0), ((7, 200), 1), ((200,), 0), ((5, 90, 4), 1)]:
        x = values(src, int(np.prod(shape)), rng).reshape(shape)
        if x.dtype.kind in "fc" and np.dtype(dst).kind in "iu":
            x = np.where(np.isfinite(x), x, 3).real.astype(src)
        expected = _reference.cumprod(x, dim, dtype=dst)
        for _ in range(5):
            n = shape[dim]
            cuts = [0] + sorted(set(rng.integers(0, n, 4).tolist())) + [n]
            y = np.empty(shape, dst)
            assert_identical(_blocks(_kernels.kernels, x, y, dim, cuts), expected)


def _builds():
    names = ["kernels"]
    try:
        importlib.import_module("fastcumprod._cy.kernels_v3")
        names.append("kernels_v3")
    except ImportError:
        pass
    return names


def _runnable_builds():
    """The builds of the kernels this CPU runs, as modules."""
    builds = [importlib.import_module(f"fastcumprod._cy.{name}") for name in _builds()]
    return [k for k in builds if not k.__name__.endswith("_v3") or k.cpu_has_x86_64_v3()]


@pytest.mark.parametrize("src,dst", PAIRS)
def test_every_build_gives_the_same_bits(src, dst):
    builds = [importlib.import_module(f"fastcumprod._cy.{name}") for name in _builds()]
    if len(builds) < 2:
        pytest.skip("one build of the kernels here (x86-64-v3 is built on x86-64 only)")
    if not builds[1].cpu_has_x86_64_v3():
        pytest.skip("this CPU cannot run the x86-64-v3 build")
    rng = np.random.default_rng(1)
    x = values(src, 64 * 150, rng).reshape(64, 150)
    for view in (x, x.T, x[::-1, ::3]):
        for dim in (0, 1):
            results = []
            for kernels in builds:
                y = np.empty(view.shape, dst)
                kernels.scan(view, y, *plan(view, y, dim), None, _via(view, y))
                results.append(y)
            assert_identical(results[0], results[1])


@pytest.mark.parametrize("shape,dim,dtype", [((3000, 40), 0, "float32"), ((40, 3000), 1, "float64"),
                                             ((300_001,), 0, "int32"), ((40, 3000), 1, "complex128")])
def test_numba_drivers_resume_from_the_carry(shape, dim, dtype):
    from fastcumprod import _dispatch
    numba = _dispatch._load_numba()
    if numba is None:
        pytest.skip(f"numba cannot run here: {_dispatch._numba_broken}")
    rng = np.random.default_rng(2)
    x = values(dtype, int(np.prod(shape)), rng, special=0.01).reshape(shape)
    y = np.empty(shape, _dtypes.result_dtype(x.dtype, None, None))
    expected = _reference.cumprod(x, dim)
    carry = _dtypes.one_carry(y.dtype, x.size // shape[dim])
    index = [slice(None)] * x.ndim
    for start, stop in [(0, shape[dim] // 3), (shape[dim] // 3, shape[dim])]:
        index[dim] = slice(start, stop)
        xb, yb = x[tuple(index)], y[tuple(index)]
        assert numba.scan(xb, yb, plan(xb, yb, dim), 2, carry=carry)
    assert_identical(y, expected)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("shape,dim", [((6, 40), 0), ((40, 6), 1), ((6,), 0)])
def test_a_nan_carried_in_met_a_nan_factor(dtype, shape, dim):
    # The kernels multiply plainly until an accumulator turns NaN; one that
    # came in NaN from the carry must keep its bits from the first row (the
    # first version took the factor's NaN there).
    x = np.full(shape, -np.nan, dtype)
    lanes = x.size // shape[dim]
    carry = _dtypes.one_carry(np.dtype(dtype), lanes)
    carry[:] = np.nan                       # a positive NaN in every lane
    y = np.empty(shape, dtype)
    _kernels.kernels.scan(x, y, *plan(x, y, dim), carry, 0)
    assert not np.signbit(y).any()
    assert np.isnan(carry).all() and not np.signbit(carry).any()


def test_both_builds_cross_the_tiles_alike():
    """The baseline build casts the tiles element by element, the x86-64-v3
    build moves the bits of one-type tiles in AVX blocks (fcp.h:
    fcp_transpose32/64): the same bits, reverse scans' downward runs
    included (fastcumprod._api flips only dim in mixed layouts)."""
    try:
        v3 = importlib.import_module("fastcumprod._cy.kernels_v3")
    except ImportError:
        pytest.skip("no x86-64-v3 build here (built on x86-64 only)")
    if not v3.cpu_has_x86_64_v3():
        pytest.skip("this CPU cannot run the x86-64-v3 build")
    baseline = importlib.import_module("fastcumprod._cy.kernels")
    rng = np.random.default_rng(8)
    for dtype in ("float64", "float32", "complex64", "int64"):
        for name, x, out, dim in mixed_arrays(dtype, None, rng):
            for view, y in [(x, out), (np.flip(x, dim), np.flip(out, dim))]:
                results = []
                for kernels in (baseline, v3):
                    y[...] = 0
                    kernels.scan(view, y, *plan(view, y, dim), None, 0)
                    results.append(y.copy())
                assert_identical(results[0], results[1])
                assert_identical(results[0], _reference.cumprod(view, dim))


@pytest.mark.parametrize("src,dst,skipnan", [
    ("float64", "float64", False), ("float64", "float64", True), ("int64", "float64", False),
    ("uint8", "uint8", False), ("int8", "int8", False), ("int16", "int64", False),
    ("float32", "float32", False), ("int64", "int64", False), ("complex64", "complex64", True)])
def test_reverse_rows_in_descending_chunks(src, dst, skipnan):
    """A reverse scan of rows walks every axis backwards (fastcumprod._api);
    float64 results with AVX2 and one-byte results now take each block of
    lanes from its lowest address in descending chunks of DESCEND lanes, as
    widening ones did (float64 stayed scalar at stride -1 in the x86-64-v3
    build: 1.7x the forward scan's time).  Every build, NaNs from the start
    and arriving late, lane counts around the chunks and a block of
    accumulators (8192 float64 lanes) with a remainder, in place too."""
    rng = np.random.default_rng(5)
    flags = _kernels.kernels.FLAGS["skipnan"] if skipnan else 0
    for shape in [(9, 31), (40, 64), (7, 100), (5, 8192 + 33), (3, 2, 97)]:
        x = values(src, int(np.prod(shape)), rng, special=0.05).reshape(shape)
        expected = (_reference.nancumprod if skipnan else _reference.cumprod)(
            x, 0, dtype=dst, reverse=True)
        for kernels in _runnable_builds():
            for in_place in (False, True) if src == dst else (False,):
                y = x.copy() if in_place else np.empty(shape, dst)
                xf, yf = np.flip(y if in_place else x), np.flip(y)
                kernels.scan(xf, yf, *plan(xf, yf, 0), None, _via(x, y), flags)
                assert_identical(y, expected)


@pytest.mark.parametrize("src,dst", [("int32", "int32"), ("int16", "int64"), ("uint8", "int64"),
                                     ("int64", "int64"), ("float64", "int32"), ("bool", "uint8")])
def test_reverse_lone_integer_lane_at_a_known_stride(src, dst):
    """A reverse scan's lone integer lane (every axis flipped: stride -1)
    goes through scan_pairs at a stride known to be -1 (read at run time it
    took 1.36x (int32) and 1.52x (int16 into int64) the forward scan's
    time).  Every build, odd and even lengths, exclusive, and in two blocks
    from a carry."""
    rng = np.random.default_rng(6)
    for n in (1, 2, 7, 1000, 4097):
        x = values(src, n, rng)
        if x.dtype.kind == "f":
            x = np.where(np.isfinite(x), x, 3).astype(src)
        for exclusive in (False, True):
            expected = _reference.cumprod(x, 0, dtype=dst, reverse=True, exclusive=exclusive)
            flags = _kernels.kernels.FLAGS["exclusive"] if exclusive else 0
            for kernels in _runnable_builds():
                y = np.empty(n, dst)
                xf, yf = x[::-1], y[::-1]
                kernels.scan(xf, yf, *plan(xf, yf, 0), None, _via(x, y), flags)
                assert_identical(y, expected)
                # two blocks, the lane's accumulator carried between them
                y = np.empty(n, dst)
                yf = y[::-1]
                carry = _dtypes.one_carry(y.dtype, 1)
                cut = n // 3
                for xb, yb in ((xf[:cut], yf[:cut]), (xf[cut:], yf[cut:])):
                    kernels.scan(xb, yb, *plan(xb, yb, 0), carry, _via(x, y), flags)
                assert_identical(y, expected)


def _nan_after_invalid(src, lanes, n, rng):
    """Lanes of factors in [0.5, 1.5] whose product turns NaN by 0 * inf at a
    different element in each lane, with NaN factors (payloads, both signs,
    a signalling one) before it, just after it and later on."""
    x = rng.uniform(0.5, 1.5, (lanes, n))
    x[:, ::7] *= -1
    nans = np.array([0x7FF8000000000123, 0xFFF8000000000456, 0x7FF0000000000789],
                    np.uint64).view(np.float64)
    imag = np.where(np.arange(n) % 11 == 0, np.nan, 0.0) * np.ones((lanes, 1))
    for r in range(lanes):
        inf = 50 + 37 * r
        x[r, inf], x[r, inf + 1 + r] = np.inf, 0.0
        imag[r, [inf, inf + 1 + r]] = 0.0  # a NaN part would skip them
        for k, at in enumerate((inf - 3, inf + 2 + r, inf + 3 + r, inf + 300, n - 1)):
            x[r, at] = nans[k % 3]
    with np.errstate(all="ignore"):
        if np.dtype(src).kind == "c":
            x = x + 1j * imag
        return x.astype(src)


@pytest.mark.parametrize("src,dst", [("float64", "float64"), ("float32", "float32"),
                                     ("float64", "float32"), ("float16", "float32"),
                                     ("complex128", "float64"), ("complex64", "float32"),
                                     ("float16", "float16")])
def test_nancumprod_chains_multiply_without_the_nan_test(src, dst):
    """nancumprod's lone lanes and chains multiply with the plain product,
    not the chain's NaN test (fcp_mul): their factors are never NaN, so the
    accumulator's NaN survives either way (1-D float64 -> float32 took 1.17x
    plain cumprod's time with the test).  Every build, lanes whose product
    turns NaN by 0 * inf with NaN factors on either side, forward and
    reverse, exclusive, a lone lane and rows of chains, against the
    reference and torch's where-isnan formulation."""
    rng = np.random.default_rng(8)
    x2 = _nan_after_invalid(src, 6, 1500, rng)
    for x in (x2, x2[0], x2[5]):
        dim = x.ndim - 1
        for reverse in (False, True):
            for exclusive in (False, True):
                expected = _reference.nancumprod(x, dim, dtype=dst, reverse=reverse,
                                                 exclusive=exclusive)
                assert np.isnan(expected).any(axis=-1).all()  # the case it is about
                if torch is not None:
                    assert_identical(expected, torch_family(x, dim, dst, reverse, exclusive,
                                                            skipnan=True))
                flags = _kernels.kernels.FLAGS["skipnan"] | (
                    _kernels.kernels.FLAGS["exclusive"] if exclusive else 0)
                for kernels in _runnable_builds():
                    y = np.empty(x.shape, dst)
                    xs, ys = (np.flip(x), np.flip(y)) if reverse else (x, y)
                    with np.errstate(all="ignore"):
                        kernels.scan(xs, ys, *plan(xs, ys, dim), None, 0, flags)
                    assert_identical(y, expected)
        if src == dst:  # numpy's semantics multiply in the result type
            with np.errstate(all="ignore"):
                assert_identical(fastcumprod.numpy.nancumprod(x, dim),
                                 np.nancumprod(x, dim))
