"""fastcumprod.dask (SPEC 11): lazy task graphs whose results are bit-identical
to the in-memory calls for every chunking, on dask's threaded scheduler and
on a real cluster of worker processes (distributed.LocalCluster).  CI
installs the dask extra; without dask these tests are skipped, saying so."""
import sys
import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="the dask extra is not installed")
import dask  # noqa: E402

import fastcumprod  # noqa: E402
import fastcumprod.dask as fdask  # noqa: E402
from fastcumprod import numpy as fnp  # noqa: E402

from arrays import INPUT_DTYPES, values  # noqa: E402
from conftest import assert_identical, run_python  # noqa: E402



@pytest.fixture(autouse=True, scope="module")
def backend():
    """Once, not under each backend: a carried block scan is always served
    by the serial Cython kernels, and dask's threads and workers keep the
    process's default settings (fastcumprod.config holds for the calling
    thread only)."""
    yield "auto"


VARIANTS = [(False, False), (True, False), (False, True), (True, True)]
# Chunkings of a (23, 17) array: one chunk, small ones, empty ones, uneven
# ones along both axes (chunks of one element: test_many_chunks_of_one).
CHUNKINGS = [(23, 17), (5, 4), ((0, 7, 0, 16), (17,)), ((23,), (3, 0, 14, 0)),
             ((10, 0, 13), (1, 16))]


def torch_case(function, x, dim, **kwargs):
    return getattr(fastcumprod, function)(x, dim, **kwargs)


@pytest.mark.parametrize("reverse,exclusive", VARIANTS)
@pytest.mark.parametrize("function", ["cumprod", "nancumprod"])
@pytest.mark.parametrize("dtype", INPUT_DTYPES)
def test_every_chunking_is_the_in_memory_call(dtype, function, reverse, exclusive):
    x = values(dtype, 23 * 17, np.random.default_rng(21)).reshape(23, 17)
    for chunks in CHUNKINGS:
        dx = da.from_array(x, chunks=chunks)
        for dim in (0, 1, -1):
            lazy = getattr(fdask, function)(dx, dim, reverse=reverse, exclusive=exclusive)
            assert isinstance(lazy, da.Array) and lazy.chunks == dx.chunks
            expected = torch_case(function, x, dim, reverse=reverse, exclusive=exclusive)
            assert lazy.dtype == expected.dtype
            assert_identical(lazy.compute(scheduler="threads"), expected)


@pytest.mark.parametrize("dst", ["int8", "int32", "uint64", "float16", "float32", "complex64"])
def test_dtype_and_three_dimensions(dst):
    x = values("float64", 6 * 5 * 8, np.random.default_rng(22), special=0.02).reshape(6, 5, 8)
    x = np.where(np.isfinite(x) & (abs(x) < 100), x, 2)
    dx = da.from_array(x, chunks=(2, 3, 3))
    for dim in range(3):
        for reverse, exclusive in VARIANTS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
                expected = fastcumprod.cumprod(x, dim, dtype=dst, reverse=reverse,
                                               exclusive=exclusive)
                actual = fdask.cumprod(dx, dim, dtype=dst, reverse=reverse,
                                       exclusive=exclusive).compute()
            assert_identical(actual, expected)


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint16", "int64", "float16", "float32",
                                   "complex64", "complex128"])
def test_many_chunks_of_one(dtype):
    x = values(dtype, 23 * 17, np.random.default_rng(27)).reshape(23, 17)
    dx = da.from_array(x, chunks=1)
    for dim in (0, 1):
        for reverse, exclusive in VARIANTS:
            assert_identical(fdask.nancumprod(dx, dim, reverse=reverse, exclusive=exclusive)
                             .compute(), fastcumprod.nancumprod(x, dim, reverse=reverse,
                                                                exclusive=exclusive))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            same_bits = assert_identical
            if x.dtype.kind == "c" and not fnp._KERNELS_MULTIPLY_COMPLEX:
                # numpy < 2.3 multiplies complex rows with NaN payloads of
                # its own (fastcumprod.numpy hands such calls to numpy; a
                # scan in blocks cannot): the same bits but for the payloads
                # of NaN parts (docs/contract.md, corrections).
                same_bits = assert_identical_but_nan_payloads
            same_bits(fdask.numpy_cumprod(dx, dim).compute(), np.cumprod(x, dim))
            same_bits(fdask.numpy_cumprod(dx).compute(), np.cumprod(x))


def assert_identical_but_nan_payloads(actual, expected):
    parts = [np.stack([a.real, a.imag]) for a in (actual, expected)]
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    assert np.array_equal(np.isnan(parts[0]), np.isnan(parts[1]))
    assert_identical(np.where(np.isnan(parts[0]), 0, parts[0]),
                     np.where(np.isnan(parts[1]), 0, parts[1]))


@pytest.mark.parametrize("function", ["cumprod", "nancumprod", "cumulative_prod"])
@pytest.mark.parametrize("dtype", INPUT_DTYPES)
def test_numpys_semantics_are_numpys(dtype, function):
    x = values(dtype, 23 * 17, np.random.default_rng(23)).reshape(23, 17)
    numpys = getattr(np, function)
    ours = getattr(fdask, "numpy_" + function)
    axes = [0, 1, -1] if function == "cumulative_prod" else [None, 0, 1, -1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for chunks in CHUNKINGS:
            dx = da.from_array(x, chunks=chunks)
            for axis in axes:
                for include_initial in ([False, True] if function == "cumulative_prod"
                                        else [False]):
                    kwargs = {"include_initial": True} if include_initial else {}
                    expected = numpys(x, axis=axis, **kwargs)
                    assert_identical(ours(dx, axis=axis, **kwargs).compute(), expected)
        # numpy's drop-in hands dask arrays here too
        via_fnp = getattr(fnp, function)(dx, axis=axes[-1])
        assert isinstance(via_fnp, da.Array)
        assert_identical(via_fnp.compute(), numpys(x, axis=axes[-1]))


def test_numpys_complex_lanes_of_two_and_small_inputs():
    z = (np.arange(1, 9) + 1j * np.arange(8)[::-1]).astype(np.complex128).reshape(2, 4)
    dz = da.from_array(z, chunks=1)
    assert_identical(fdask.numpy_cumprod(dz, axis=0).compute(), np.cumprod(z, axis=0))
    assert_identical(fdask.numpy_cumprod(dz, axis=1).compute(), np.cumprod(z, axis=1))
    scalar = da.from_array(np.float32(3.0))
    assert_identical(fdask.numpy_cumprod(scalar).compute(), np.cumprod(np.float32(3.0)))
    assert_identical(fdask.cumprod(scalar, 0).compute(), fastcumprod.cumprod(np.float32(3), 0))
    assert_identical(fdask.cumprod(scalar, 0, exclusive=True).compute(),
                     fastcumprod.cumprod(np.float32(3), 0, exclusive=True))


def test_flattening_chunks_along_every_axis():
    x = values("float32", 9 * 10 * 11, np.random.default_rng(24), special=0.01).reshape(9, 10, 11)
    dx = da.from_array(x, chunks=(2, 3, 4))
    with np.errstate(all="ignore"):
        expected = np.cumprod(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert_identical(fdask.numpy_cumprod(dx).compute(), expected)


def test_dasks_own_cumprod_is_not_exact_and_ours_is():
    """SPEC 11's examples: dask multiplies each chunk's scan by the carried
    product, which regroups floating products."""
    x = np.array([1e30, 1e30, 1e-30, 1e-30], np.float32)
    dx = da.from_array(x, chunks=2)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        theirs = dx.cumprod(0).compute()
        ours = fdask.cumprod(dx, 0).compute()  # torch's float64 accumulator
        assert_identical(fdask.numpy_cumprod(dx, 0).compute(), np.cumprod(x))
    np.testing.assert_array_equal(theirs, np.array([1e30, np.inf, np.inf, np.nan], np.float32))
    assert_identical(ours, np.array([1e30, np.inf, 1e30, 1], np.float32))
    y = np.array([0.93, 0.58, 1.08])
    dy = da.from_array(y, chunks=((1, 2),))
    assert da.cumprod(dy).compute()[-1] != np.cumprod(y)[-1]
    assert_identical(fdask.numpy_cumprod(dy).compute(), np.cumprod(y))


def _raise(block):
    raise AssertionError("computed")


def test_lazy_nothing_computed_until_asked():
    dx = da.ones((8, 8), chunks=4).map_blocks(_raise, dtype=float)
    for lazy in (fdask.cumprod(dx, 0), fdask.nancumprod(dx, 1, reverse=True),
                 fdask.numpy_cumprod(dx), fnp.cumprod(dx, axis=0)):
        assert isinstance(lazy, da.Array)
    with pytest.raises(AssertionError, match="computed"):
        fdask.cumprod(dx, 0).compute()


def test_graph_passes_one_slice_of_accumulators_across_each_boundary():
    x = np.arange(1.0, 1 + 12 * 9).reshape(12, 9) / 50
    dx = da.from_array(x, chunks=(4, 3))  # 3 x 3 chunks
    lazy = fdask.cumprod(dx, 0)
    graph = dict(lazy.__dask_graph__())
    name = lazy.name
    scans = {k: v for k, v in graph.items() if k[:2] == (name, "scan")}
    assert len(scans) == 9
    # chunks (0, j) start with no carry; (i, j) take (i-1, j)'s carry
    for (_, _, i, j), task in scans.items():
        assert task[1] == (dx.name, i, j)
        assert task[2] == ((name, "carry", i - 1, j) if i else None), (i, j, task)
    carries = [k for k in graph if k[:2] == (name, "carry")]
    assert len(carries) == 9
    shapes = {v.shape for v in dask.get(graph, list(carries))}
    assert shapes == {(3,)}, shapes  # the lanes of one chunk: its shape without dim
    assert_identical(lazy.compute(), fastcumprod.cumprod(x, 0))


def test_bad_arguments():
    dx = da.ones((3, 4), chunks=2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        fdask.cumprod(dx, 2)
    with pytest.raises(TypeError, match="does not support input dtype"):
        fdask.cumprod(da.from_array(np.array(["a", "b"])), 0)
    with pytest.raises(np.exceptions.AxisError):
        fdask.numpy_cumprod(dx, axis=3)
    with pytest.raises(ValueError, match="axis"):
        fdask.numpy_cumulative_prod(dx)
    with pytest.raises(TypeError, match="fastcumprod.dask"):
        fastcumprod.cumprod(dx, 0)


def test_import_fastcumprod_does_not_import_dask():
    out = run_python("""
        import sys, numpy as np
        import fastcumprod, fastcumprod.numpy
        fastcumprod.cumprod(np.ones(3), 0)
        fastcumprod.numpy.cumprod(np.ones(3))
        print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))
    """)
    assert out.strip() == "[]"


def test_xarray_dataarray_along_a_named_dimension():
    xr = pytest.importorskip("xarray", reason="xarray is not installed")
    rng = np.random.default_rng(25)
    data = rng.uniform(0.9, 1.1, (6, 40))
    array = xr.DataArray(data, dims=("station", "time")).chunk({"time": 7, "station": 3})
    result = xr.apply_ufunc(fdask.cumprod, array, input_core_dims=[["time"]],
                            output_core_dims=[["time"]], dask="allowed",
                            kwargs={"dim": -1})
    assert isinstance(result.data, da.Array) and result.dims == ("station", "time")
    assert_identical(result.compute().values, fastcumprod.cumprod(data, 1))


# A real cluster: worker processes, tasks pickled to them, carries crossing
# between processes.

@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed", reason="distributed is not installed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # distributed's own deprecations and port notices
        cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                           host="127.0.0.1", dashboard_address=None)
        with distributed.Client(cluster) as c:
            yield c
        cluster.close()


def _numba_in_worker():
    return "numba" in sys.modules


def test_on_a_local_cluster_of_two_worker_processes(client):
    rng = np.random.default_rng(26)
    x = values("float32", 64 * 48, rng, special=0.05).reshape(64, 48)
    dx = da.from_array(x, chunks=(9, 16))
    cases = [(fdask.cumprod(dx, 0), fastcumprod.cumprod(x, 0)),
             (fdask.cumprod(dx, 1, reverse=True, exclusive=True),
              fastcumprod.cumprod(x, 1, reverse=True, exclusive=True)),
             (fdask.nancumprod(dx, 0, dtype=np.float64),
              fastcumprod.nancumprod(x, 0, dtype=np.float64))]
    with np.errstate(all="ignore"):
        cases.append((fdask.numpy_cumprod(dx), np.cumprod(x)))
    for lazy, expected in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            assert_identical(client.compute(lazy).result(), expected)
    # Each task scanned its chunk on its worker's one thread: no numba
    # thread pool was started beside dask's (no oversubscription).
    assert not any(client.run(_numba_in_worker).values())
    assert len(client.scheduler_info()["workers"]) == 2


def test_cumreduction_with_our_cumprod_points_to_fastcumprod_dask():
    """dask.array.cumreduction(fastcumprod.cumprod, ...) failed with a bare
    "missing required argument 'dim'"; the message now says where to go."""
    from dask.array.reductions import cumreduction
    with pytest.raises(TypeError, match="fastcumprod.dask.cumprod"):
        cumreduction(fastcumprod.cumprod, np.multiply, 1, da.ones(4, chunks=2), axis=0)


def test_xarray_in_memory_is_not_taken_for_dask():
    """An xarray DataArray has __dask_graph__ whatever backs it; one in
    memory is scanned (as an ndarray), one backed by dask is refused."""
    xr = pytest.importorskip("xarray", reason="xarray is not installed")
    in_memory = xr.DataArray(np.arange(1.0, 7.0).reshape(2, 3), dims=("a", "b"))
    assert_identical(fastcumprod.cumprod(in_memory, 1),
                     fastcumprod.cumprod(in_memory.values, 1))
    with pytest.raises(TypeError, match="fastcumprod.dask"):
        fastcumprod.cumprod(in_memory.chunk({"b": 1}), 1)


def test_threads_per_task():
    """threads=k: each task's scan on k of the kernels' threads (the numba
    drivers take carried blocks too), the same bits; bad counts refused."""
    rng = np.random.default_rng(28)
    x = rng.uniform(0.9, 1.1, (1024, 768))
    dx = da.from_array(x, chunks=(256, 768))
    for threads in (1, 2):
        for backend in ("auto", "numba"):
            fastcumprod.set_backend(backend)
            try:
                lazy = fdask.cumprod(dx, 0, threads=threads, reverse=True)
                assert_identical(lazy.compute(scheduler="threads"),
                                 fastcumprod.cumprod(x, 0, reverse=True))
                assert_identical(fdask.numpy_cumprod(dx, 1, threads=threads).compute(),
                                 np.cumprod(x, 1))
            finally:
                fastcumprod.set_backend("auto")
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="threads"):
            fdask.cumprod(dx, 0, threads=bad)
