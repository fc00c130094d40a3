import numpy as np
import pytest

import fastcumprod

try:
    import torch
except ImportError:
    torch = None


# Every test runs under each backend: a new backend is one more name here.
BACKENDS = ["cython", "numba"]


@pytest.fixture(params=BACKENDS, autouse=True, scope="module")
def backend(request):
    """The backend the tests of a module run under (module-scoped so that
    hypothesis tests may use it)."""
    previous = fastcumprod.get_backend()
    fastcumprod.set_backend(request.param)
    yield request.param
    fastcumprod.set_backend(previous)


def assert_identical(actual, expected):
    """Bitwise equality: dtype, shape, every bit (NaN payloads, signed zeros)."""
    assert isinstance(actual, np.ndarray)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape
    a = np.array(actual, dtype=actual.dtype.newbyteorder("="), order="C")
    e = np.array(expected, dtype=expected.dtype.newbyteorder("="), order="C")
    if a.dtype.kind in "fc":
        # Every NaN is a NaN: compare where, not which (torch and numpy quiet
        # NaNs the same way, but the payload is no part of the contract).
        nan_a, nan_e = np.isnan(a), np.isnan(e)
        np.testing.assert_array_equal(nan_a, nan_e, err_msg="NaN positions differ")
        a, e = np.where(nan_a, 0, a), np.where(nan_e, 0, e)
        if a.dtype.kind == "c":
            a = np.stack([a.real, a.imag])
            e = np.stack([e.real, e.imag])
    bits = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[a.itemsize]
    ab, eb = a.view(bits), e.view(bits)
    if not np.array_equal(ab, eb):
        bad = np.argwhere(ab != eb)[:5]
        raise AssertionError(f"{(ab != eb).sum()} of {ab.size} elements differ, first at "
                             f"{bad.tolist()}: {a[tuple(bad[0])]!r} != {e[tuple(bad[0])]!r}")


def assert_same_as_torch(actual, x, dim, dtype=None):
    """actual against torch.cumprod where torch is installed (CI installs it);
    the tests check every result against the reference either way."""
    if torch is not None:
        assert_identical(actual, torch_cumprod(x, dim, dtype))


def torch_cumprod(x, dim, dtype=None):
    """torch.cumprod of x as torch computes it.  torch has no cumprod into
    uint16/32/64: for those, the int64 result taken modulo 2**bits, which is the
    same wraparound."""
    x = np.array(x, dtype=x.dtype.newbyteorder("="), order="C")
    t = torch.from_numpy(x)
    if dtype is not None and np.dtype(dtype) in (np.uint16, np.uint32, np.uint64):
        t = torch.from_numpy(x.astype(dtype))
        return torch.cumprod(t, dim, dtype=torch.int64).numpy().astype(dtype)
    kwargs = {} if dtype is None else {"dtype": getattr(torch, np.dtype(dtype).name)}
    return torch.cumprod(t, dim, **kwargs).numpy()
