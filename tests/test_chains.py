"""Lanes contiguous along the scan (kernels.pyx: lanes_with's chains,
chain_groups): lanes shorter than SPREAD_CHAIN in groups of CHAINS
neighbours (PAIR_CHAINS where a float64 or int64 result's lanes and their
input's span PAIR_CHAIN_BYTES or more), longer ones in groups of CHAINS
chains far apart (runs of CHAINS * SPREAD_LANES lanes; PAIR_CHAINS where a
float64 or int64 result's lanes or their input's are strided), the lanes
left over one at a time.  These arrays put lanes on both sides of
SPREAD_CHAIN and of PAIR_CHAIN_BYTES, and lane counts with every remainder
modulo CHAINS, through every variant, a carry from block to block and the
parallel drivers' blocks of lanes: the same bits as the reference, torch
and numpy."""
import numpy as np
import pytest

import fastcumprod
import fastcumprod.numpy as fnp
from fastcumprod import _dtypes, _kernels, _reference
from fastcumprod._layout import plan

from arrays import values
from conftest import assert_identical, assert_same_as_torch, torch, torch_family

# kernels.pyx: SPREAD_CHAIN, SPREAD_LANES, CHAINS, PAIR_CHAIN_BYTES;
# fastcumprod._numba: CHAIN_BLOCK.
SPREAD_CHAIN, SPREAD_LANES, CHAINS, PAIR_CHAIN_BYTES, CHAIN_BLOCK = 32, 256, 4, 128, 256
# 15 and 16: float64 and int64 lanes of 120 and 128 bytes (four chains, two).
LENGTHS = [1, 2, PAIR_CHAIN_BYTES // 8 - 1, PAIR_CHAIN_BYTES // 8, SPREAD_CHAIN - 1,
           SPREAD_CHAIN, SPREAD_CHAIN + 1, 4 * SPREAD_CHAIN + 3]
LANES = [1, 3, CHAINS, CHAINS + 1, 2 * CHAINS + 3, CHAIN_BLOCK + 1]

DTYPES = [("float64", None), ("float32", None), ("int64", None), ("int16", "int64"),
          ("float16", None), ("complex128", None), ("complex64", None), ("uint8", "uint8")]


def arrays(dtype, result, rng):
    """(x, dim) with lanes contiguous along dim, of every length and count."""
    res = np.dtype(result) if result else fastcumprod.cumprod(np.ones(1, dtype), 0).dtype
    for n in LENGTHS:
        for m in LANES:
            x = values(dtype, m * n, rng).reshape(m, n)
            if res.kind in "iu" and x.dtype.kind in "fc":
                x = np.where(np.isfinite(x), x, 3).astype(dtype)
            yield x, 1
    yield values(dtype, 3 * 5 * 40, rng).reshape(3, 5, 40), 2


def test_the_lanes_are_chains():
    x = np.ones((5, 40))
    assert plan(x, x, 1).chains and plan(x, x, 1).n == 40


@pytest.mark.parametrize("dtype,result", DTYPES)
def test_chains_of_every_length_and_count(dtype, result):
    rng = np.random.default_rng(11)
    for x, dim in arrays(dtype, result, rng):
        out = fastcumprod.cumprod(x, dim, dtype=result)
        assert_identical(out, _reference.cumprod(x, dim, dtype=result))
        assert_same_as_torch(out, x, dim, result)


@pytest.mark.parametrize("dtype,result", [("float64", None), ("float32", None),
                                          ("int16", "int64"), ("complex128", None)])
def test_chains_in_every_variant(dtype, result):
    rng = np.random.default_rng(12)
    for x, dim in arrays(dtype, result, rng):
        if x.dtype.kind in "fc":
            x[rng.random(x.shape) < 0.05] = np.nan
        for reverse, exclusive in [(True, False), (False, True), (True, True)]:
            out = fastcumprod.cumprod(x, dim, dtype=result, reverse=reverse,
                                      exclusive=exclusive)
            assert_identical(out, _reference.cumprod(x, dim, dtype=result, reverse=reverse,
                                                     exclusive=exclusive))
            if torch is not None:
                assert_identical(out, torch_family(x, dim, result, reverse, exclusive))
        out = fastcumprod.nancumprod(x, dim, dtype=result)
        assert_identical(out, _reference.nancumprod(x, dim, dtype=result))


@pytest.mark.parametrize("dtype", ["float32", "float16", "complex64", "float64"])
def test_numpys_semantics_in_chains(dtype):
    rng = np.random.default_rng(13)
    for x, dim in arrays(dtype, None, rng):
        with np.errstate(all="ignore"):
            assert_identical(fnp.cumprod(x, dim), np.cumprod(x, dim))
            assert_identical(fnp.nancumprod(x, dim), np.nancumprod(x, dim))


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "complex128", "int8"])
def test_chains_resume_from_their_carry(dtype):
    """The kernels scan blocks of every lane, each from the carry the block
    before it left: each group of chains takes its lanes' carries from far
    apart, and gives them back there."""
    rng = np.random.default_rng(14)
    kernels = _kernels.kernels
    for x, dim in arrays(dtype, None, rng):
        y = np.empty(x.shape, _dtypes.result_dtype(x.dtype, None, None))
        expected = _reference.cumprod(x, dim)
        n = x.shape[dim]
        carry = _dtypes.one_carry(y.dtype, x.size // n)
        index = [slice(None)] * x.ndim
        cuts = sorted({0, n // 3, n // 2, n})
        for start, stop in zip(cuts[:-1], cuts[1:]):
            index[dim] = slice(start, stop)
            xb, yb = x[tuple(index)], y[tuple(index)]
            kernels.scan(xb, yb, *plan(xb, yb, dim), carry, 0)
        assert_identical(y, expected)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "complex128"])
def test_far_chains_go_in_runs_of_spread_lanes(dtype):
    """Lanes of SPREAD_CHAIN or more take each group's lanes at most
    SPREAD_LANES apart, in runs of CHAINS * SPREAD_LANES lanes and a narrower
    last one (a quarter of the block apart, a strided out= along the last
    axis took 3.8x the time): lane counts around the runs, into a strided
    out= and in two blocks from a carry."""
    rng = np.random.default_rng(16)
    kernels = _kernels.kernels
    n = 2 * SPREAD_CHAIN + 6
    for m in (CHAINS * SPREAD_LANES - 1, CHAINS * SPREAD_LANES + 2 * CHAINS + 3,
              2 * CHAINS * SPREAD_LANES + 5):
        x = values(dtype, m * n, rng).reshape(m, n)
        expected = _reference.cumprod(x, 1)
        out = np.empty((m, 2 * n), expected.dtype)[:, ::2]
        with fastcumprod.config(backend="cython"):
            assert_identical(fastcumprod.cumprod(x, 1, out=out), expected)
        y = np.empty(x.shape, expected.dtype)
        carry = _dtypes.one_carry(y.dtype, m)
        for start, stop in ((0, n // 2), (n // 2, n)):
            xb, yb = x[:, start:stop], y[:, start:stop]
            kernels.scan(xb, yb, *plan(xb, yb, 1), carry, 0)
        assert_identical(y, expected)


@pytest.mark.parametrize("dtype,result", [("float64", None), ("int64", None),
                                          ("int16", "int64"), ("float32", "float64")])
def test_long_strided_lanes_go_in_pairs(dtype, result):
    """Lanes of SPREAD_CHAIN or more whose input or result steps over more
    than one element go in groups of PAIR_CHAINS far-apart chains where the
    result is float64 or int64 (kernels.pyx: lanes_with): lane counts with
    both remainders modulo 2 and around the runs, strided input, strided out=,
    both, reversed, and two blocks from a carry."""
    rng = np.random.default_rng(17)
    kernels = _kernels.kernels
    n = SPREAD_CHAIN + 9
    for m in (1, 2, 3, 2 * SPREAD_LANES + 1, 2 * SPREAD_LANES + 6):
        wide = values(dtype, m * 2 * n, rng).reshape(m, 2 * n)
        if np.dtype(result or dtype).kind in "iu" and wide.dtype.kind in "fc":
            wide = np.where(np.isfinite(wide), wide, 3).astype(dtype)
        for x in (wide[:, ::2], wide[:, :n], wide[:, ::-2]):
            expected = _reference.cumprod(x, 1, dtype=result)
            for out in (np.empty((m, 2 * n), expected.dtype)[:, ::2],
                        np.empty((m, 3 * n), expected.dtype)[:, ::-3], None):
                with fastcumprod.config(backend="cython"):
                    got = fastcumprod.cumprod(x, 1, dtype=result, out=out)
                assert_identical(got, expected)
                assert_same_as_torch(got, x, 1, result)
            y = np.empty((m, 2 * n), expected.dtype)[:, ::2]
            carry = _dtypes.one_carry(y.dtype, m)
            for start, stop in ((0, n // 2), (n // 2, n)):
                xb, yb = x[:, start:stop], y[:, start:stop]
                kernels.scan(xb, yb, *plan(xb, yb, 1), carry, 0)
            assert_identical(y, expected)


@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128"])
def test_numba_drivers_split_chains(dtype):
    """The drivers hand each thread blocks of lanes (CHAIN_BLOCK; lanes
    shorter than SPREAD_CHAIN in blocks of SHORT_CHAIN_ELEMENTS, here split
    between the two threads with a remainder): groups of chains within each
    block."""
    from fastcumprod import _dispatch
    if _dispatch._load_numba() is None:
        pytest.skip(f"numba cannot run here: {_dispatch._numba_broken}")
    rng = np.random.default_rng(15)
    for n in (SPREAD_CHAIN - 1, SPREAD_CHAIN + 5):
        x = values(dtype, (4 * CHAIN_BLOCK + 7) * n, rng).reshape(-1, n)
        with fastcumprod.config(backend="numba", threads=2):
            out = fastcumprod.cumprod(x, 1)
        assert_identical(out, _reference.cumprod(x, 1))


def test_a_reverse_scan_walks_long_chains_downwards():
    """Chains of SPREAD_CHAIN or more flip every axis for a reverse scan
    (four descending streams); with only dim flipped, each group's lanes
    came upwards while each lane went down: lanes of 128 float32 took 5.4x
    the forward scan's time (`bench --case rays --section family`: 4.1x).
    Shorter chains (neighbours) flip only dim.  The bits are the same either
    way (test_chains_in_every_variant)."""
    from fastcumprod._api import _flip_dim_only
    for n, dim_only in [(SPREAD_CHAIN - 1, True), (SPREAD_CHAIN, False), (128, False)]:
        x = np.ones((64, n), np.float32)
        assert _flip_dim_only(x, np.empty_like(x), 1, False, None) is dim_only


def test_a_reverse_scan_of_a_mixed_layout_keeps_the_lanes_direction():
    """A Fortran input into a C out= (or back) flips only dim for a reverse
    scan: the square tiles read the input's runs downwards and write out's
    rows forwards (with every axis flipped, their negative unit strides
    went element by element: F float32 8192x4096 into C along 0, 3.8x the
    forward scan's time, now 1.15x).  Not a strided out= without a unit
    stride, whose long chains walk downwards."""
    from fastcumprod._api import _flip_dim_only
    a = np.ones((256, 128), np.float32)
    assert _flip_dim_only(np.asfortranarray(a), a, 0, False, None) is True
    assert _flip_dim_only(a, np.asfortranarray(a), 0, False, None) is True
    strided = np.empty((256, 256), np.float32)[:, ::2]
    assert _flip_dim_only(a, strided, 1, False, None) is False
