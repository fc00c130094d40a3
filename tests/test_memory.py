"""No full-size temporaries (SPEC 5), fresh pages mapped ahead, and arrays
beyond 2**31 elements."""
import ctypes
import threading
import tracemalloc

import numpy as np
import pytest

import fastcumprod
from fastcumprod import _pages, _reference

from conftest import assert_identical

MB = 1 << 20


def peak_bytes(f):
    """Peak of memory traced (numpy reports its buffers to tracemalloc) during
    f(), after one call that imports and compiles what it needs."""
    f()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        f()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("dim", [0, -1])
def test_out_allocates_nothing(dim):
    x = np.random.default_rng(0).uniform(0.99, 1.01, (1000, 10_000))  # 80 MB
    out = np.empty_like(x)
    assert peak_bytes(lambda: fastcumprod.cumprod(x, dim, out=out)) < MB
    assert_identical(out, _reference.cumprod(x, dim))


@pytest.mark.parametrize("dim", [0, -1])
def test_promotion_into_out_allocates_nothing(dim):
    x = np.ones((1000, 10_000), np.int32)
    out = np.empty(x.shape, np.int64)  # 80 MB
    assert peak_bytes(lambda: fastcumprod.cumprod(x, dim, out=out)) < MB
    assert (out == 1).all()


def test_float_to_int_cast_uses_blocks():
    x = np.full((1000, 10_000), 1.5)
    out = np.empty(x.shape, np.int64)
    assert peak_bytes(lambda: fastcumprod.cumprod(x, 0, out=out)) < MB
    assert (out == 1).all()


@pytest.mark.parametrize("case", ["byteswapped input", "byteswapped out", "unaligned out"])
def test_non_native_arrays_go_through_blocks(case):
    # A float accumulator is wider than the stored result: these were copied
    # whole before the kernels took a carry.
    x = np.random.default_rng(6).uniform(0.999, 1.001, (1000, 10_000))  # 80 MB
    out = np.empty_like(x)
    if case == "byteswapped input":
        x = x.astype(">f8")
    elif case == "byteswapped out":
        out = np.empty(x.shape, ">f8")
    else:
        out = np.empty(x.size * 8 + 1, np.uint8)[1:].view(np.float64).reshape(x.shape)
    for dim in (0, 1):
        assert peak_bytes(lambda: fastcumprod.cumprod(x, dim, out=out)) < 2 * MB
        assert_identical(np.asarray(out, np.float64), _reference.cumprod(np.asarray(x, np.float64), dim))


def test_without_out_only_the_result_is_allocated():
    x = np.ones((1000, 10_000), np.float32)
    assert peak_bytes(lambda: fastcumprod.cumprod(x, 1)) < x.nbytes + MB


def test_threads_share_nothing():
    # The kernels release the GIL; concurrent calls must not disturb each other.
    rng = np.random.default_rng(5)
    xs = [rng.uniform(0.999, 1.001, (300, 2000)) for _ in range(4)]
    expected = [_reference.cumprod(x, i % 2) for i, x in enumerate(xs)]
    results = [None] * 4

    def work(i):
        for _ in range(5):
            results[i] = fastcumprod.cumprod(xs[i], i % 2)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r, e in zip(results, expected):
        assert_identical(r, e)


@pytest.mark.slow
def test_more_than_2_31_elements():
    n = 2**31 + 16
    x = np.ones(n, np.int8)
    x[2**31 + 5] = 3
    x[-1] = -1
    y = fastcumprod.cumprod(x, 0, dtype=np.int8)
    assert y.dtype == np.int8
    assert (y[: 2**31 + 5] == 1).all()
    assert (y[2**31 + 5 : -1] == 3).all()
    assert y[-1] == -3
    del x, y
    # Lanes beyond 2**31 elements along a non-last axis: offsets past 2**31.
    x = np.ones((3, 2**30 + 3), np.int8)
    x[2, -1] = 5
    x[1, -1] = -2
    y = fastcumprod.cumprod(x, 0, dtype=np.int8)
    assert (y[:, :-1] == 1).all()
    assert y[:, -1].tolist() == [1, -2, -10]


@pytest.fixture
def cython_two_threads():
    with fastcumprod.config(backend="cython", threads=2):
        yield


@pytest.mark.skipif(not _pages._usable, reason="MADV_POPULATE_WRITE is Linux's")
def test_fresh_pages_mapped_on_a_second_thread(monkeypatch, cython_two_threads):
    mapped = []
    populate = _pages._populate
    monkeypatch.setattr(_pages, "_populate", lambda start, length: (mapped.append(length),
                                                                    populate(start, length)))
    x = np.random.default_rng(3).uniform(0.999, 1.001, _pages.MIN_BYTES // 8 + 3)
    assert_identical(fastcumprod.cumprod(x, 0), _reference.cumprod(x, 0))
    assert len(mapped) == 1 and _pages.MIN_BYTES - 4096 <= mapped[0] <= x.nbytes
    # Not for out=, small results, or one thread.
    fastcumprod.cumprod(x, 0, out=np.empty_like(x))
    fastcumprod.cumprod(x[:1000], 0)
    with fastcumprod.config(threads=1):
        fastcumprod.cumprod(x, 0)
    assert len(mapped) == 1


def test_fresh_pages_on_a_kernel_without_populate_write(monkeypatch, cython_two_threads):
    # Before Linux 5.14 madvise rejects the advice (EINVAL): the scan maps the
    # pages itself, and no thread is started again.
    def refuse(address, length, advice):
        ctypes.set_errno(22)
        return -1

    monkeypatch.setattr(_pages, "_madvise", refuse)
    monkeypatch.setattr(_pages, "_usable", True)
    x = np.random.default_rng(4).uniform(0.999, 1.001, _pages.MIN_BYTES // 8 + 1)
    assert_identical(fastcumprod.cumprod(x, 0), _reference.cumprod(x, 0))
    assert _pages._usable is False
    assert _pages.populate_in_background(np.empty_like(x)) is None
