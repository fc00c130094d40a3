import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fastcumprod

try:
    import torch
except ImportError:
    torch = None


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """`pytest -n auto` (the README's test command): one worker per CPU this
    process may run on.  xdist asks psutil first, which counts the host's
    cores, not the CPUs a container or `taskset` leaves it: each worker holds
    about 1 GB (numba, torch, dask), so a 2-CPU slice of a 64-core host
    would start 64 of them."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None


# Every test runs under each backend: a new backend is one more name here.
BACKENDS = ["cython", "numba", "auto"]


@pytest.fixture(params=BACKENDS, autouse=True, scope="module")
def backend(request):
    """The backend the tests of a module run under (module-scoped so that
    hypothesis tests may use it)."""
    with fastcumprod.config(backend=request.param):
        yield request.param


def assert_identical(actual, expected):
    """Bitwise equality: dtype, shape, every bit (NaN payloads, signed zeros)."""
    assert isinstance(actual, np.ndarray)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape
    a = np.array(actual, dtype=actual.dtype.newbyteorder("="), order="C")
    e = np.array(expected, dtype=expected.dtype.newbyteorder("="), order="C")
    if a.dtype.kind == "c":
        # NaN bits too: sign and payload of each part (SPEC 3).
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
    uint16/32/64: for those, torch's cast, then its int64 result taken modulo
    2**bits, which is the same wraparound.  torch's float-to-uint32 cast
    depends on the layout (SPEC 2): the rule taken is its scalar loop's,
    through int64.  Its float16 -> float32 cast of a NaN depends on the
    layout too: the rule taken is its vector loop's."""
    x = np.array(x, dtype=x.dtype.newbyteorder("="), order="C")
    t = torch.from_numpy(x)
    if dtype is not None and np.dtype(dtype) in (np.uint16, np.uint32, np.uint64):
        via = torch.int64 if np.dtype(dtype) == np.uint32 else getattr(torch, np.dtype(dtype).name)
        t = t.to(via).to(torch.int64)
        return torch.cumprod(t, dim).numpy().astype(dtype)
    if x.dtype == np.float16 and dtype is not None and np.dtype(dtype) == np.float32:
        # torch's float16 -> float32 cast turns every NaN into 0x7fffffff in
        # the scalar tail of its loop and keeps sign and payload in its vector
        # body (torch 2.13): the vector body's rule, which a cast through
        # float64 gives everywhere (exact for every other value).
        t = t.to(torch.float64).to(torch.float32)
        dtype = None
    kwargs = {} if dtype is None else {"dtype": getattr(torch, np.dtype(dtype).name)}
    return torch.cumprod(t, dim, **kwargs).numpy()


def torch_family(x, dim, dtype=None, reverse=False, exclusive=False, skipnan=False):
    """The scan family as SPEC 8 defines it in torch: torch.where(isnan(x), 1,
    x) first, flipped before and after (numpy's flip: torch has none for
    uint16-64), torch.cat of ones and the inclusive scan without its last
    element."""
    x = np.array(x, dtype=x.dtype.newbyteorder("="), order="C")
    if skipnan and x.dtype.kind in "fc":
        t = torch.from_numpy(x)
        x = torch.where(torch.isnan(t), 1, t).numpy()
    if x.ndim == 0:
        if exclusive:
            dtype = np.dtype(dtype) if dtype is not None else (
                np.dtype("int64") if x.dtype.kind in "biu" else x.dtype)
            return np.ones((), dtype)
        return torch_cumprod(x, dim, dtype)
    if reverse:
        x = np.flip(x, dim)
    y = torch.from_numpy(np.ascontiguousarray(torch_cumprod(x, dim, dtype)))
    if exclusive:
        first = torch.ones_like(y.narrow(dim, 0, min(1, y.shape[dim])))
        y = torch.cat([first, y.narrow(dim, 0, max(0, y.shape[dim] - 1))], dim)
    y = y.numpy()
    return np.flip(y, dim) if reverse else y


def run_python(code, env=None, timeout=600, prefix=(), check=True):
    """Run code in a fresh interpreter; its stdout, or the failure with stderr.
    check=False: the CompletedProcess, whatever its exit."""
    full_env = dict(os.environ, **(env or {}))
    proc = subprocess.run([*prefix, sys.executable, "-c", textwrap.dedent(code)],
                          capture_output=True, text=True, env=full_env, timeout=timeout)
    if not check:
        return proc
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout
