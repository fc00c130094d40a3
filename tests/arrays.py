"""Awkward arrays for the tests: every shape, layout and value the contract covers."""
import numpy as np

INPUT_DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                "uint64", "float16", "float32", "float64", "complex64", "complex128"]
RESULT_DTYPES = INPUT_DTYPES[1:]

SHAPES = [(), (0,), (2, 0), (3, 0, 2), (1,), (7,), (5, 6), (1, 9), (3, 4, 5),
          (2, 3, 1, 4), (2, 1, 3, 2, 3)]

# Values that make products interesting: signed zeros, NaN, infinities, values
# whose products overflow or underflow, and denormals.
_SPECIAL = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e300, 1e-300, -1e300, 5e-324,
            1e-310, 1e30, 1e-30, 1e-40, 3e38, 65504.0, 6e-8, 1.0, -1.0, 2.0, 0.5]


def values(dtype, size, rng, special=0.2):
    """size values of dtype: mostly near +-1 so that long products stay finite,
    the rest special (limits for integers)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(size) < 0.8
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        pool = np.array([info.min, info.max, info.min + 1, info.max - 1, 0, 1, 2],
                        dtype=dtype)
        v = rng.integers(max(info.min, -3), 4, size).astype(dtype)
    else:
        real = np.dtype(np.float64 if dtype.kind == "c" else dtype)
        with np.errstate(over="ignore", under="ignore"):
            pool = np.concatenate([np.array(_SPECIAL).astype(real), _nans(real)])
        v = rng.uniform(0.5, 1.5, size) * rng.choice([-1.0, 1.0], size)
        if dtype.kind == "c":
            v = _complex(v, rng.uniform(-0.5, 0.5, size))
            pool = np.concatenate([_complex(pool, rng.permutation(pool)),
                                   _complex(rng.permutation(pool), 0)])
        v = v.astype(dtype)
    pick = rng.random(size) < special
    with np.errstate(over="ignore", invalid="ignore"):  # (signalling NaNs cast)
        v[pick] = rng.choice(pool, int(pick.sum())).astype(dtype)
    return v


# NaNs by their bits: negative, with payloads.  Quiet ones only: a signalling
# NaN sets numpy's 'invalid' flag in some of its loops and not in others
# (test_regressions has them where the results are defined).  No negative
# float16 NaN with a payload: torch's cast of one to float32 gives 0x7fffffff
# in the scalar tail of its loop and the payload elsewhere (torch 2.13).
_NAN_BITS = {2: [0xFE00, 0x7E05], 4: [0xFFC00000, 0x7FC00123, 0xFFE00005],
             8: [0xFFF8000000000000, 0x7FF8000000000123, 0xFFFC000000000005]}


def _nans(dtype):
    bits = {2: np.uint16, 4: np.uint32, 8: np.uint64}[dtype.itemsize]
    return np.array(_NAN_BITS[dtype.itemsize], bits).view(dtype)


def _complex(re, im):
    """re + im*j without arithmetic (1j * inf would put a NaN in the real part)."""
    z = np.empty(np.shape(re), np.complex128)
    z.real, z.imag = re, im
    return z


def layouts(a):
    """(name, view) pairs holding the values of a in every layout to test."""
    yield "C", a
    if a.ndim == 0:
        yield "readonly", _readonly(a)
        return
    yield "F", np.asfortranarray(a)
    yield "transposed", np.ascontiguousarray(a.T).T
    yield "reversed", np.ascontiguousarray(a[::-1])[::-1]
    yield "step2", _strided(a)
    yield "unaligned", _unaligned(a)
    yield "byteswapped", a.astype(a.dtype.newbyteorder("S"))
    yield "readonly", _readonly(a)


def _readonly(a):
    b = a.copy()
    b.flags.writeable = False
    return b


def _strided(a):
    """a as a view with every stride doubled (non-unit steps)."""
    big = np.zeros(tuple(2 * n for n in a.shape), a.dtype)
    view = big[tuple(slice(None, None, 2) for _ in a.shape)]
    view[...] = a
    return view


def _unaligned(a):
    """a in memory that is not aligned for its dtype (itemsize > 1)."""
    raw = np.zeros(a.nbytes + 1, np.uint8)[1:]
    view = raw.view(a.dtype).reshape(a.shape) if a.nbytes else a.copy()
    view[...] = a
    return view


def arrays(dtype, seed=0):
    """(name, array) pairs: every shape of SHAPES in every layout."""
    rng = np.random.default_rng(seed)
    for shape in SHAPES:
        a = values(dtype, int(np.prod(shape)), rng).reshape(shape)
        for name, view in layouts(a):
            yield f"{shape}-{name}", view
