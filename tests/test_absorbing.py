"""Lanes whose accumulator reaches an absorbing value (docs/contract.md,
section 7): 0, a subnormal that the factors leave where it is, inf or NaN.
The kernels write such a stretch without the multiply chain (kernels.pyx,
absorb); every result here is compared bit for bit with the reference and
torch, in and out of that stretch, in every variant, layout and backend."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastcumprod
from fastcumprod import _reference
from fastcumprod import numpy as fnp

from conftest import assert_identical, torch, torch_family

TINY = 5e-324  # the smallest subnormal: one unit of the subnormal grid
FUNCTIONS = {"cumprod": (fastcumprod.cumprod, _reference.cumprod, False),
             "nancumprod": (fastcumprod.nancumprod, _reference.nancumprod, True)}
# Long enough to cross the kernels' look at the accumulator (every 256
# elements) and their chunks of factors (512) several times.
N = 5000


def check(x, name="cumprod", reverse=False, exclusive=False, dtype=None, out=None):
    function, reference, skipnan = FUNCTIONS[name]
    before = x.copy()
    kwargs = dict(dtype=dtype, reverse=reverse, exclusive=exclusive)
    expected = reference(x, 0, **kwargs)
    actual = function(x, 0, out=out, **kwargs)
    assert_identical(actual, expected if out is None else expected.astype(out.dtype))
    assert_identical(x, before)
    if torch is not None:
        assert_identical(actual, torch_family(x, 0, dtype, reverse, exclusive, skipnan))
    return actual


def nan(bits):
    return np.array(bits, np.uint64).view(np.float64)


def lanes(seed=0):
    """(label, float64 lane): each reaches an absorbing value early and
    leaves it, or not, later."""
    rng = np.random.default_rng(seed)

    def stuck(units, low=0.9, high=1.1):
        """Factors in [low, high) after a start of units * TINY, made of
        factors that float32 holds too (float32 lanes accumulate in double)."""
        x = rng.uniform(low, high, N)
        x[:11] = [2.0**-100] * 10 + [units * 2.0**-74]
        return x

    yield "smallest subnormal", stuck(1)
    yield "5 units, factors within 0.1 of 1", stuck(5)
    yield "decays into the subnormals", stuck(2.0**60, 0.5, 1.0)
    yield "negative subnormal", stuck(-3)
    x = stuck(1)
    x[rng.choice(N, 40, replace=False)] *= -1
    yield "subnormal, negative factors", x
    for k, factor in enumerate([0.5, 1.5, 2.0, 1e300, 0.0, -0.0, np.inf, -np.inf,
                                nan(0x7ff0000000000123), nan(0xfff8000000000456)]):
        x = stuck(1)
        x[1000 + 97 * k] = factor
        yield f"subnormal then {factor!r}", x
    x = stuck(1)
    x[[700, 1500, 2900]] = [2.0, 0.5, 1.5]  # ties to even: 1 -> 2 -> 1 -> 2 units
    yield "leaves and comes back", x
    x = rng.uniform(0.9, 1.1, N)
    x[300] = 0.0
    yield "zero", x
    x = rng.uniform(0.9, 1.1, N)
    x[300] = -0.0
    x[rng.choice(np.arange(301, N), 50, replace=False)] *= -1
    yield "negative zero, negative factors", x
    x = rng.uniform(0.9, 1.1, N)
    x[300] = 0.0
    x[3000] = np.inf  # 0 * inf: the default NaN from here on
    yield "zero then inf", x
    x = rng.uniform(0.9, 1.1, N)
    x[300] = -np.inf
    x[[301, 2000]] = [-2.0, 1e-300]
    yield "inf", x
    x = rng.uniform(0.9, 1.1, N)
    x[300] = np.inf
    x[2000] = 0.0
    yield "inf times 0", x
    x = rng.uniform(0.9, 1.1, N)
    x[300] = nan(0x7ff0000000000321)  # signalling: quieted by the product
    x[2000] = nan(0xfff8000000000abc)
    yield "NaN", x
    x = stuck(1)
    x[rng.choice(N, 30, replace=False)] = np.nan
    yield "subnormal, NaN factors", x
    yield "never absorbed", rng.uniform(0.999, 1.001, N)


LANES = list(lanes())


@pytest.mark.parametrize("reverse,exclusive", [(False, False), (True, False),
                                               (False, True), (True, True)])
@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("label,x", LANES, ids=[label for label, _ in LANES])
def test_absorbing_lanes_are_exact(label, x, name, reverse, exclusive):
    # A reverse scan starts from the end: the lane's start goes there.
    check(x[::-1].copy() if reverse else x, name, reverse, exclusive)


@pytest.mark.parametrize("src,dst", [("float64", None), ("float32", None), ("float16", None),
                                     ("float64", "float32"), ("float32", "float64"),
                                     ("float16", "float64"), ("complex128", "float64"),
                                     ("complex64", "float32"), ("int64", "float64")])
def test_absorbing_lanes_of_every_source_into_real_results(src, dst):
    for label, x in LANES:
        if np.dtype(src).kind == "i":
            x = np.where(np.isfinite(x), np.sign(x), 0)  # integers: 0, 1 and -1
        with np.errstate(all="ignore"):
            x = x.astype(src)  # complex: a zero imaginary part (a real result takes the real)
        try:
            check(x, dtype=dst)
            check(x, "nancumprod", exclusive=True, dtype=dst)
        except AssertionError as e:
            raise AssertionError(f"{label}: {e}") from None


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("name", FUNCTIONS)
def test_reverse_float64_lanes_into_float32_test_in_vectors(name, exclusive):
    """A reverse float64 lane cast to float32 tests its factors downwards in
    vectors (fcp_moves_downf: the loop was scalar, 2.3x the forward scan's
    time): every absorbing lane, its start at the end, NaNs included."""
    for label, x in LANES:
        try:
            check(x[::-1].copy(), name, reverse=True, exclusive=exclusive, dtype="float32")
        except AssertionError as e:
            raise AssertionError(f"{label}: {e}") from None


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_absorbing_lanes_of_any_strides(dtype):
    for label, x in LANES[:12]:
        with np.errstate(over="ignore"):
            x = x.astype(dtype)  # 1e300 becomes inf in float32
        wide = np.zeros(2 * N, dtype)
        wide[::2] = x
        try:
            check(wide[::2])                      # strided input
            check(x, out=np.zeros((N, 3), dtype)[:, 1])  # strided out
            check(x[::-1], reverse=True, out=np.zeros(N, dtype)[::-1])
        except AssertionError as e:
            raise AssertionError(f"{label}: {e}") from None


def test_absorbing_lanes_in_blocks_carry_the_accumulator():
    for label, x in LANES:
        expected = _reference.cumprod(x, 0)
        for cuts in ([], [1, 300, 301, 2600], list(range(0, N, 700))):
            scanner = fastcumprod.Scanner(0)
            parts = [scanner(block) for block in np.split(x, cuts)]
            assert_identical(np.concatenate(parts), expected)


def test_absorbing_lanes_numpy_semantics():
    for label, x in LANES:
        for function in ("cumprod", "nancumprod"):
            with np.errstate(all="ignore"):
                expected = getattr(np, function)(x)
                actual = getattr(fnp, function)(x)
            assert_identical(actual, expected)
        with np.errstate(all="ignore"):
            assert_identical(fnp.cumprod(x.astype(np.float32)), np.cumprod(x.astype(np.float32)))


def test_absorb_check_leaves_no_flags_of_its_own():
    """The kernels test a chunk of factors ahead of the chain; products
    tested past the point where the lane leaves its absorbing value may raise
    flags the chain does not (here: underflow from A * 1.05 after the lane
    jumped back to the normal range), which numpy's errstate would report."""
    x = np.concatenate([[TINY], np.ones(300), [2.0**600], np.full(200, 1.05)])
    with np.errstate(all="raise"):
        expected = np.cumprod(x)  # raises nothing
        actual = fnp.cumprod(x)
    assert_identical(actual, expected)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_identical(fnp.cumprod(x), expected)


def test_absorb_flags_are_the_chains():
    """And the flags the chain raises in the stuck stretch (underflow: A * g
    rounds back to A, tiny and inexact) are still reported."""
    x = np.concatenate([[TINY], np.full(3000, 1.05)])
    with np.errstate(under="raise"), pytest.raises(FloatingPointError):
        np.cumprod(x)
    with np.errstate(under="raise"), pytest.raises(FloatingPointError, match="underflow"):
        fnp.cumprod(x)


@pytest.mark.parametrize("name", ["cumprod", "nancumprod"])
def test_absorb_raises_the_chains_underflow_without_its_products(name):
    """absorb tests a stuck lane's factors by compares, not products, and
    raises the chain's underflow itself: where a factor other than +-1 (whose
    product rounds) meets the stuck lane after the chain's first look, and
    not for factors of +-1 or NaNs that nancumprod skips (exact products)."""
    ones = np.ones(700)
    ones[::3] = -1.0
    rounds = np.concatenate([[TINY], ones, np.full(900, 1.05), ones])
    with np.errstate(under="raise"), pytest.raises(FloatingPointError, match="underflow"):
        getattr(np, name)(rounds)
    with np.errstate(under="raise"), pytest.raises(FloatingPointError, match="underflow"):
        getattr(fnp, name)(rounds)
    quiet = np.concatenate([[TINY], ones, ones, [np.nan] * 5 if name == "nancumprod" else [],
                            ones])
    with np.errstate(all="raise"):
        assert_identical(getattr(fnp, name)(quiet), getattr(np, name)(quiet))


def _lane_strategy():
    """A lane from an absorbing start and factors that mostly keep it there,
    with some at and around the edges of staying (ties to even included)."""
    # k units of the subnormal grid as float32 factors (float32 lanes
    # accumulate in double), or 0, inf, NaN.
    starts = st.one_of(
        st.sampled_from([1, -1, 2, 3, 7, -5]).map(lambda k: [2.0**-100] * 10 + [k * 2.0**-74]),
        st.sampled_from([[0.0], [-0.0], [np.inf], [-np.inf], [float(nan(0x7ff8000000000001))]]))
    keep = st.sampled_from([1.0, 1.1, 0.9, 1.3, 0.7, -1.0, -1.2, 1.0 + 2**-52])
    edge = st.sampled_from([0.5, 1.5, 0.75, 1.25, 2.0, 0.25, 1e300, 1e-300, 0.0, -0.0,
                            np.inf, -np.inf, float(nan(0x7ff0000000000002)),
                            float(nan(0xfff8000000000003)), 0.5 + 2**-53, 1.5 - 2**-52])
    factor = st.one_of(keep, keep, keep, keep, keep, keep, keep, keep, keep, edge)
    return st.tuples(starts, st.lists(factor, min_size=0, max_size=1800),
                     st.integers(1, 2000))


@settings(max_examples=150, deadline=None)
@given(_lane_strategy(), st.sampled_from(list(FUNCTIONS)), st.booleans(), st.booleans(),
       st.sampled_from(["float64", "float32"]))
def test_absorbing_lanes_property(lane, name, reverse, exclusive, dtype):
    start, factors, ones = lane
    # Ones first so that the chain reaches its look at the accumulator with
    # the start value still there.
    x = np.array(start + [1.0] * ones + factors)
    if reverse:
        x = x[::-1].copy()
    with np.errstate(all="ignore"):
        check(x.astype(dtype), name, reverse, exclusive)


def test_looking_at_a_nan_accumulator_raises_no_invalid():
    """Regression: the chain's look at its accumulator (every 256 elements)
    compared it with ordered (signalling) compares, which raise 'invalid' on
    a NaN: fastcumprod.numpy warned 'invalid value encountered' where numpy
    multiplied a quiet NaN on silently (test_numpy's every_dtype_and_out_dtype
    found it on a flattened float32 lane)."""
    x = np.concatenate([[1.5, np.nan], np.full(400, 1.25)])
    with np.errstate(all="raise"):
        expected = np.cumprod(x)
        assert_identical(fnp.cumprod(x), expected)
        assert_identical(fnp.cumprod(x.astype(np.float32), dtype=np.float64),
                         np.cumprod(x.astype(np.float32), dtype=np.float64))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_nancumprod_masks_the_nan_factors_of_a_stuck_lane(dtype):
    """nancumprod's absorb test leaves NaN factors (1 in the chain) out of
    its test instead of replacing them (a select that kept the test scalar:
    1.8x plain cumprod's time): NaNs of both signs and any payload, among
    factors that keep the lane at a few units of the subnormal grid, some
    negative, and after the lane leaves it."""
    rng = np.random.default_rng(21)
    x = np.concatenate([[TINY], rng.uniform(0.9, 1.1, N), [2.0**600], rng.uniform(0.9, 1.1, 300)])
    x[rng.integers(1, N, 40)] *= -1
    for k, bits in enumerate([0x7ff8000000000000, 0xfff8000000000000, 0x7ff0000000000321,
                              0xfff8000000000abc]):
        x[200 + 700 * k] = nan(bits)
    with np.errstate(all="ignore"):
        x = x.astype(dtype)  # float32: the lane is stuck at 0 (TINY rounds to it)
    for reverse in (False, True):
        check(x[::-1].copy() if reverse else x, "nancumprod", reverse)
        check(x, "nancumprod", exclusive=True)
    with np.errstate(all="ignore"):
        assert_identical(fnp.nancumprod(x), np.nancumprod(x))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_nancumprod_tests_a_stuck_lane_plainly_until_its_first_nan(dtype):
    """nancumprod's absorb tests chunks as plain cumprod does (a NaN fails
    that test) until one fails, then with NaNs masked out for the rest of the
    stretch (1.00-1.04x plain cumprod's time where there is no NaN, 1.16-1.24x
    with the masks on every chunk).  Several chunks pass the plain test
    before the first NaN, negative factors included (whose signs the failed
    plain test must not leave behind); after it, negative NaNs and negative
    factors; then the lane leaves its value and comes back to a stretch with
    a NaN in its first chunk (a new stretch starts with the plain test)."""
    rng = np.random.default_rng(22)
    m = 12000
    x = np.concatenate([[TINY], rng.uniform(0.9, 1.1, m), [2.0**600], [2.0**-1700],
                        rng.uniform(0.9, 1.1, m)])
    x[rng.integers(1, 2 * m, 60)] *= -1
    x[[9000, 9001, 10500]] = nan([0xfff8000000000000, 0x7ff8000000000123, 0xfff0000000000777])
    x[[m + 300, m + 5000]] = nan([0xfff8000000000abc, 0x7ff8000000000000])
    with np.errstate(all="ignore"):
        x = x.astype(dtype)
    for reverse in (False, True):
        check(x[::-1].copy() if reverse else x, "nancumprod", reverse)
        check(x, "nancumprod", exclusive=True)
