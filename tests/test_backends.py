"""Backends: choice, threads, concurrency, fork, compile on the side, the cache.

Each check that could abort or hang runs in a subprocess under a timeout."""
import os
import shutil

import numpy as np
import pytest

import fastcumprod
from fastcumprod import _reference

from conftest import assert_identical, run_python


@pytest.fixture(scope="module", autouse=True)
def backend():
    """These tests choose their backends themselves (overrides conftest's)."""
    yield fastcumprod.get_backend()


def test_import_does_not_import_numba():
    out = run_python("""
        import sys, fastcumprod
        print("numba" in sys.modules)
    """)
    assert out.strip() == "False"


def test_environment_variables():
    out = run_python("""
        import fastcumprod
        print(fastcumprod.get_backend(), fastcumprod.get_num_threads())
    """, env={"FASTCUMPROD_BACKEND": "numba", "FASTCUMPROD_NUM_THREADS": "3",
              "NUMBA_NUM_THREADS": "4"})
    assert out.split() == ["numba", "3"]
    with pytest.raises(AssertionError, match="FASTCUMPROD_BACKEND='fast'"):
        run_python("import fastcumprod", env={"FASTCUMPROD_BACKEND": "fast"})
    with pytest.raises(AssertionError, match="FASTCUMPROD_NUM_THREADS='many'"):
        run_python("import fastcumprod", env={"FASTCUMPROD_NUM_THREADS": "many"})


def test_config_holds_for_the_calling_thread_only():
    import threading
    saved = fastcumprod.get_backend(), fastcumprod.get_num_threads()
    seen = {}
    inside = threading.Event()
    release = threading.Event()

    def other():
        inside.wait()
        seen["other"] = fastcumprod.get_backend(), fastcumprod.get_num_threads()
        release.set()

    t = threading.Thread(target=other)
    t.start()
    with fastcumprod.config(backend="cython", threads=1):
        assert (fastcumprod.get_backend(), fastcumprod.get_num_threads()) == ("cython", 1)
        with fastcumprod.config(threads=2 if fastcumprod._dispatch.thread_limit() >= 2 else 1):
            assert fastcumprod.get_backend() == "cython"
        assert fastcumprod.get_num_threads() == 1
        inside.set()
        release.wait()
    t.join()
    assert seen["other"] == saved
    assert (fastcumprod.get_backend(), fastcumprod.get_num_threads()) == saved
    with pytest.raises(ValueError, match="expected one of"):
        with fastcumprod.config(backend="gpu"):
            pass
    with pytest.raises(TypeError, match="integer"):
        with fastcumprod.config(threads=1.5):
            pass
    assert (fastcumprod.get_backend(), fastcumprod.get_num_threads()) == saved


def test_choose_is_a_pure_function_of_the_call():
    from fastcumprod._dispatch import choose
    from fastcumprod._layout import Plan
    rows = Plan((), 2048, 8192, 8192, 8192, 1, 1, False)
    lane = Plan((), 2**24, 1, 1, 1, 0, 0, True)
    nested = Plan(((4, 10, 10), (5, 2, 2)), 2, 1, 1, 1, 0, 0, True)
    f8, i8, i4 = np.dtype("float64"), np.dtype("int64"), np.dtype("int32")
    assert choose("cython", 16, rows, 2**24, f8, False) == "cython"
    assert choose("numba", 16, rows, 2**24, f8, False) == "numba"
    assert choose("numba", 16, nested, 40, f8, False) == "cython"
    assert choose("auto", 1, rows, 2**24, f8, False) == "cython"
    assert choose("auto", 2, rows, 2**24, f8, False) == "numba"
    assert choose("auto", 2, rows, 1000, f8, False) == "cython"
    assert choose("auto", 2, lane, 2**24, f8, False) == "cython"      # a floating lane
    assert choose("auto", 2, lane, 2**24, i8, True) == "cython"       # fresh, 2 threads
    assert choose("auto", 2, lane, 2**24, i8, False) == "cython"      # 8 bytes: two threads lose
    assert choose("auto", 2, lane, 2**24, i4, False) == "numba"       # narrower: the chain bounds
    assert choose("auto", 2, lane, 2**23, i4, False) == "cython"
    assert choose("auto", 2, lane, 2**24, i4, True) == "cython"
    assert choose("auto", 4, lane, 2**18, i8, False) == "numba"
    assert choose("auto", 16, lane, 2**24, i8, True) == "numba"


def test_setters():
    backend, threads = fastcumprod.get_backend(), fastcumprod.get_num_threads()
    try:
        fastcumprod.set_num_threads(1)
        assert fastcumprod.get_num_threads() == 1
        with pytest.raises(ValueError, match="at least 1"):
            fastcumprod.set_num_threads(0)
        with pytest.raises(ValueError, match="expected one of auto, cython, numba"):
            fastcumprod.set_backend("gpu")
        assert fastcumprod.get_backend() == backend
    finally:
        fastcumprod.set_num_threads(threads)


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("backend_name", ["cython", "numba"])
def test_thread_counts_give_the_same_bits(backend_name, threads):
    # Odd sizes: a last block of lanes that is not whole chains, a last chunk
    # of the split integer lane with an odd element over.  In a process of
    # its own, where numba's pool has 3 threads even on 2 CPUs.
    out = run_python(f"""
        import numpy as np, fastcumprod
        from fastcumprod import _reference
        fastcumprod.set_backend("{backend_name}")
        fastcumprod.set_num_threads({threads})
        assert fastcumprod.get_num_threads() == {threads}
        rng = np.random.default_rng(7)
        x = rng.uniform(0.999, 1.001, (67, 9001))
        same = lambda a, b: a.dtype == b.dtype and a.tobytes() == b.tobytes()
        for dim in (0, 1):
            assert same(fastcumprod.cumprod(x, dim), _reference.cumprod(x, dim))
        # rows of 300 lanes in a Fortran-order array, a fresh Fortran-order result
        xf = rng.uniform(0.999, 1.001, (9001, 300)).T
        assert same(np.ascontiguousarray(fastcumprod.cumprod(xf, 1)),
                    np.ascontiguousarray(_reference.cumprod(xf, 1)))
        xi = rng.integers(-3, 4, 300_001).astype(np.int32)
        assert same(fastcumprod.cumprod(xi, 0), _reference.cumprod(xi, 0))
        print("ok")
    """, env={"NUMBA_NUM_THREADS": "3"})
    assert out.split() == ["ok"]


def test_fresh_rows_with_their_pages_mapped_first(monkeypatch):
    # From MAP_PAGES_MIN_THREADS threads a fresh result split by rows between
    # threads has its pages mapped first; lowered here to reach it on 2 CPUs.
    numba = pytest.importorskip("numba")
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("one CPU: no row is split between threads")
    from fastcumprod import _numba
    mapped = []
    map_pages = _numba._map_pages
    monkeypatch.setattr(_numba, "MAP_PAGES_MIN_THREADS", 2)
    monkeypatch.setattr(_numba, "_map_pages", lambda y, *args: (mapped.append(y.shape),
                                                                map_pages(y, *args)))
    rng = np.random.default_rng(11)
    with fastcumprod.config(backend="numba", threads=2):
        x = rng.uniform(0.999, 1.001, (700, 3001))
        xi = rng.integers(-3, 4, (3001, 700)).astype(np.int16).T  # Fortran order
        for a, dim, dtype in [(x, 0, None), (xi, 1, None), (xi, 1, np.int16)]:
            assert_identical(fastcumprod.cumprod(a, dim, dtype=dtype),
                             _reference.cumprod(a, dim, dtype=dtype))
        assert mapped == [(700, 3001), (700, 3001), (700, 3001)]
        fastcumprod.cumprod(x, 0, out=np.empty_like(x))   # not fresh: not mapped
        fastcumprod.cumprod(x, 1)                         # chains: not mapped
        assert len(mapped) == 3


@pytest.mark.parametrize("layer", ["default", "workqueue"])
@pytest.mark.parametrize("backend_name", ["numba", "auto"])
def test_eight_python_threads_at_once(backend_name, layer):
    # numba's workqueue layer fails when two threads enter a parallel region
    # at once ("not threadsafe and may not be accessed concurrently"); dask's
    # threaded scheduler does exactly that.
    env = {} if layer == "default" else {"NUMBA_THREADING_LAYER": layer}
    out = run_python(f"""
        import numpy as np, fastcumprod, time
        from concurrent.futures import ThreadPoolExecutor
        from fastcumprod import _reference, _dispatch
        fastcumprod.set_backend("{backend_name}")
        rng = np.random.default_rng(0)
        xs = [rng.uniform(0.999, 1.001, (256, 4096)) for _ in range(6)]
        # complex results: the calls auto gives numba
        xs += [(rng.uniform(0.999, 1.001, (128, 1024)) + 1e-3j).astype(np.complex128)
               for _ in range(2)]
        xs += [rng.integers(-2, 3, 2**20).astype(np.int64)]
        cases = [(x, i % x.ndim) for i, x in enumerate(xs)]
        expected = [_reference.cumprod(x, d) for x, d in cases]
        for x, d in cases:          # compile (numba) or start compiling (auto)
            fastcumprod.cumprod(x, d)
        for t in list(__import__("threading").enumerate())[1:]:
            t.join()
        def work(i):
            x, d = cases[i]
            return [fastcumprod.cumprod(x, d) for _ in range(4)]
        with ThreadPoolExecutor(8) as pool:
            for _ in range(3):
                for i, results in enumerate(pool.map(work, range(len(cases)))):
                    for r in results:
                        assert r.tobytes() == expected[i].tobytes(), i
        print("ok", _dispatch._numba._used)
    """, env=env, timeout=900)
    assert out.split() == ["ok", "True"]


def test_fork_after_a_parallel_call():
    # numba's OpenMP layer (the default here) kills a child forked after a
    # parallel region: "fork() called from a process already using GNU OpenMP,
    # this is unsafe"; other OpenMP runtimes hang.
    out = run_python("""
        import multiprocessing as mp, numpy as np, fastcumprod
        from fastcumprod import _reference, _dispatch
        fastcumprod.set_backend("numba")
        x = np.random.default_rng(1).uniform(0.999, 1.001, (512, 4096))
        fastcumprod.cumprod(x, 0)
        assert _dispatch._numba._used
        def child(d):
            return fastcumprod.cumprod(x, d).tobytes() == _reference.cumprod(x, d).tobytes()
        with mp.get_context("fork").Pool(2) as pool:
            print(all(pool.map(child, [0, 1, 0, 1])))
    """, timeout=600)
    assert out.strip() == "True"


def test_auto_never_waits_for_numba(tmp_path):
    # A cold cache: the first large call is served by Cython while numba is
    # imported and compiled on a background thread; later calls use numba.
    out = run_python("""
        import sys, threading, numpy as np, fastcumprod
        from fastcumprod import _dispatch
        x = np.random.default_rng(2).uniform(0.999, 1.001, (512, 512)) + 1e-3j
        y = fastcumprod.cumprod(x, 0)  # complex: auto wants numba
        pending = [t for t in threading.enumerate() if t is not threading.main_thread()]
        print(len(pending) == 1 and pending[0].is_alive())
        pending[0].join()
        print(_dispatch._numba.ready(("lanes",)))  # the driver this call needs
        z = fastcumprod.cumprod(x, 0)
        print(_dispatch._numba._used, z.tobytes() == y.tobytes())
    """, env={"NUMBA_CACHE_DIR": str(tmp_path), "NUMBA_NUM_THREADS": "2",
              "FASTCUMPROD_NUM_THREADS": "2"})
    assert out.split() == ["True", "True", "True", "True"]


def test_auto_prepares_only_the_drivers_its_calls_need(tmp_path):
    # Each driver is compiled on the side when a call first needs it: a
    # compile holds the GIL and slows the calls made meanwhile, and the three
    # together took 3.8 s from an empty cache on 16 cores (issue 9, point 3).
    out = run_python("""
        import numpy as np, fastcumprod
        from fastcumprod import _dispatch
        rng = np.random.default_rng(3)
        rows = rng.uniform(0.999, 1.001, (1024, 1024))
        lane = rng.integers(-3, 4, 1 << 20)
        def compiled():
            from fastcumprod._nb import drivers
            return [bool(d.signatures) for d in (drivers.lanes, drivers.split, drivers.map_pages)]
        y = fastcumprod.cumprod(rows, 1, out=np.empty_like(rows))  # chains: numba's
        _dispatch.wait_prepared()
        print(*compiled())
        # a lone lane: split (from AUTO_MANY_THREADS threads; the machine may
        # have fewer cores: only the choice and the bits are checked)
        z = fastcumprod.cumprod(lane, 0, out=np.empty_like(lane))
        print(*compiled())  # served by Cython meanwhile
        _dispatch.wait_prepared()
        print(*compiled())
        print(fastcumprod.cumprod(lane, 0, out=np.empty_like(lane)).tobytes() == z.tobytes()
              == np.cumprod(lane).tobytes(), _dispatch._numba._used)
        with fastcumprod.config(backend="cython"):
            print(fastcumprod.cumprod(rows, 1).tobytes() == y.tobytes())
    """, env={"NUMBA_CACHE_DIR": str(tmp_path), "NUMBA_NUM_THREADS": "4",
              "FASTCUMPROD_NUM_THREADS": "4", "FASTCUMPROD_BACKEND": "auto"})
    assert out.split() == ["True", "False", "False", "True", "False", "False",
                           "True", "True", "False", "True", "True", "True"]


def test_warm_cache_loads_instead_of_compiling(tmp_path):
    code = """
        import numpy as np, fastcumprod
        from fastcumprod._nb import drivers
        fastcumprod.set_backend("numba")
        fastcumprod.cumprod(np.ones((300, 400)), 0)
        print(sum(drivers.lanes.stats.cache_hits.values()),
              sum(drivers.lanes.stats.cache_misses.values()))
    """
    env = {"NUMBA_CACHE_DIR": str(tmp_path)}
    assert run_python(code, env).split() == ["0", "1"]
    assert run_python(code, env).split() == ["1", "0"]


@pytest.mark.skipif(shutil.which("unshare") is None or os.geteuid() != 0,
                    reason="needs root and unshare to mount the package read-only")
def test_cache_when_the_package_is_read_only(tmp_path):
    package = os.path.dirname(fastcumprod.__file__)
    code = """
        import numpy as np, fastcumprod
        from fastcumprod import _numba
        fastcumprod.set_backend("numba")
        assert fastcumprod.cumprod(np.full((300, 400), 2.0), 0)[-1, 0] == 2.0 ** 300
        print(_numba.cache_dir())
    """
    # The mount lives in the new mount namespace only.
    script = f"mount --bind -o ro {package} {package} && exec \"$@\""
    out = run_python(code, env={"HOME": str(tmp_path)},
                     prefix=("unshare", "-m", "sh", "-c", script, "sh"))
    assert out.strip().startswith(str(tmp_path))
