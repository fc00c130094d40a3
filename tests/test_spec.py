"""The worked values of SPEC 3 and the argument rules of SPEC 1, 2 and 4."""
import numpy as np
import pytest

from fastcumprod import _reference, cumprod

from conftest import assert_identical, assert_same_as_torch


# (input, dim, keywords, expected, exact): SPEC prints the linspace values
# rounded, so that row is compared to within float32 rounding, and exactly to torch.
WORKED = [
    ([1, 2, 3, 4], 0, {}, np.array([1, 2, 6, 24]), True),
    ([[1, 2, 3], [4, 5, 6]], 1, {}, np.array([[1, 2, 6], [4, 20, 120]]), True),
    ([[1, 2, 3], [4, 5, 6]], 0, {}, np.array([[1, 2, 3], [4, 10, 18]]), True),
    (np.full(4, 1000, np.int32), 0, {}, np.array([1000, 10**6, 10**9, 10**12]), True),
    (np.full(4, 1000, np.int32), 0, {"dtype": np.int32},
     np.array([1000, 10**6, 10**9, -727379968], np.int32), True),
    (np.array([200, 2], np.uint8), 0, {}, np.array([200, 400]), True),
    (np.linspace(0.9, 0.5, 4, dtype=np.float32), 0, {},
     np.array([0.9, 0.69, 0.437, 0.2185], np.float32), False),
    (np.array([1e30, 1e30, 1e-30], np.float32), 0, {},
     np.array([1e30, np.inf, 1e30], np.float32), True),
    ([1.5, 2.5], 0, {"dtype": np.int64}, np.array([1, 2]), True),
]


@pytest.mark.parametrize("x,dim,kwargs,expected,exact", WORKED)
def test_worked_values(x, dim, kwargs, expected, exact):
    result = cumprod(x, dim, **kwargs)
    assert_identical(result, _reference.cumprod(np.asarray(x), dim, **kwargs))
    if exact:
        assert_identical(result, expected)
    else:
        # The SPEC prints these values rounded: a tolerance for the printed
        # digits only; the bits are compared with the reference above and
        # with torch below.
        assert result.dtype == expected.dtype
        np.testing.assert_allclose(result, expected, rtol=1e-6)
        # ... and bit for bit against SPEC 3's rule written out (float32
        # accumulated in float64), whether or not torch is installed.
        exact = np.multiply.accumulate(np.asarray(x).astype(np.float64)).astype(np.float32)
        assert_identical(result, exact)
    assert_same_as_torch(result, np.asarray(x), dim, kwargs.get("dtype"))


def test_float32_accumulates_in_float64():
    halves = cumprod(np.full(5, 0.5, np.float32), 0)
    assert_identical(2.0 * halves, np.array([1, 0.5, 0.25, 0.125, 0.0625], np.float32))
    x = np.linspace(0.9, 0.5, 4, dtype=np.float32)
    assert_identical(cumprod(x, 0), np.multiply.accumulate(x.astype(np.float64)).astype(np.float32))
    # numpy multiplies in float32: a long product shows the difference
    y = np.random.default_rng(0).uniform(0.9, 1.1, 1000).astype(np.float32)
    assert not np.array_equal(cumprod(y, 0), np.cumprod(y))


def test_out_is_returned():
    buf = np.empty(1000, np.float32)
    assert cumprod(np.arange(1, 1001, dtype=np.float32), 0, out=buf) is buf
    assert_identical(buf[:5], np.array([1, 2, 6, 24, 120], np.float32))


@pytest.mark.parametrize("x", [np.array(5), np.arange(3)])
@pytest.mark.parametrize("dim,ok", [(0, True), (-1, True), (1, False), (-2, False), (5, False)])
def test_dim_range(x, dim, ok):
    if ok:
        cumprod(x, dim)
        return
    n = max(x.ndim, 1)
    message = f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
    with pytest.raises(IndexError) as info:
        cumprod(x, dim)
    assert str(info.value) == message


def test_dim_message_matches_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(IndexError) as ours:
        cumprod(np.zeros((2, 3)), 2)
    with pytest.raises(IndexError) as theirs:
        torch.cumprod(torch.zeros(2, 3), 2)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("dim", [None, 1.0, True, np.True_, "0", [0]])
def test_dim_must_be_an_integer(dim):
    with pytest.raises(TypeError, match="dim must be an integer"):
        cumprod(np.arange(3), dim)


def test_dim_missing_and_axis_alias():
    with pytest.raises(TypeError, match="missing required argument 'dim'"):
        cumprod(np.arange(3))
    assert_identical(cumprod(np.arange(1, 4), axis=0), np.array([1, 2, 6]))
    assert_identical(cumprod(np.ones((2, 2)), axis=np.int64(-1)), np.ones((2, 2)))
    with pytest.raises(TypeError, match="both dim and its alias axis"):
        cumprod(np.arange(3), 0, axis=0)


@pytest.mark.parametrize("bad", [np.array(["a", "b"]), np.array([b"a"]),
                                 np.array([1, None], dtype=object),
                                 np.array(["2020-01-01"], dtype="datetime64[D]"),
                                 np.zeros(2, np.longdouble), np.zeros(2, "i4,f8"),
                                 np.zeros(2, np.clongdouble)])
def test_unsupported_input_dtypes(bad):
    with pytest.raises(TypeError, match=r"does not support input dtype .*supported: bool, int8"):
        cumprod(bad, 0)


@pytest.mark.parametrize("bad", [object, "U3", "S2", "M8[s]", np.longdouble, "i4,f8", bool])
def test_unsupported_result_dtypes(bad):
    x = np.arange(3)
    with pytest.raises(TypeError, match=r"does not support (result|out) dtype .*supported: int8"):
        cumprod(x, 0, dtype=bad)
    with pytest.raises(TypeError, match=r"does not support (result|out) dtype .*supported: int8"):
        cumprod(x, 0, out=np.empty(3, bad))


def test_not_a_dtype():
    with pytest.raises(TypeError, match="is not a dtype"):
        cumprod(np.arange(3), 0, dtype="nonsense")


def test_torch_dtypes_without_torch():
    class FakeDtype:  # what a torch dtype looks like to code that never imports torch
        __module__ = "torch"
        def __init__(self, name):
            self.name = name
        def __str__(self):
            return f"torch.{self.name}"
    FakeDtype.__name__ = "dtype"
    assert cumprod([1000] * 4, 0, dtype=FakeDtype("int32")).dtype == np.int32
    assert cumprod([1.0], 0, dtype=FakeDtype("half")).dtype == np.float16
    assert cumprod([1.0], 0, dtype=FakeDtype("cdouble")).dtype == np.complex128
    with pytest.raises(TypeError, match="torch.bfloat16"):
        cumprod([1.0], 0, dtype=FakeDtype("bfloat16"))


def test_real_torch_dtypes():
    torch = pytest.importorskip("torch")
    for t, n in [(torch.int32, "int32"), (torch.float16, "float16"), (torch.uint8, "uint8"),
                 (torch.complex64, "complex64"), (torch.float64, "float64")]:
        assert cumprod(np.arange(1, 4), 0, dtype=t).dtype == np.dtype(n)


def test_dtype_and_out_disagree():
    with pytest.raises(TypeError, match="expected out to have dtype int64, but got int32"):
        cumprod(np.arange(3), 0, dtype=np.int64, out=np.empty(3, np.int32))


def test_result_dtype_rules():
    for src in ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]:
        assert cumprod(np.ones(2, src), 0).dtype == np.int64
    for src in ["float16", "float32", "float64", "complex64", "complex128"]:
        assert cumprod(np.ones(2, src), 0).dtype == np.dtype(src)
        assert cumprod(np.ones(2, "int8"), 0, out=np.empty(2, src)).dtype == np.dtype(src)
    assert cumprod(np.ones(2, ">f4"), 0).dtype == np.dtype("=f4")


@pytest.mark.parametrize("out,error,match", [
    ([0, 0, 0], TypeError, "out must be a numpy.ndarray or a torch tensor, not list"),
    (np.empty(4), ValueError, r"out has shape \(4,\) but the result has shape \(3,\)"),
    (np.empty((3, 1)), ValueError, r"out has shape \(3, 1\) but the result has shape \(3,\)"),
    (np.broadcast_to(np.empty(1), (3,)), ValueError, "read-only"),
    (np.lib.stride_tricks.as_strided(np.empty(3), (3,), (0,)), ValueError, "share memory"),
])
def test_bad_out(out, error, match):
    x = np.arange(1.0, 4.0)
    before = x.copy()
    with pytest.raises(error, match=match):
        cumprod(x, 0, out=out)
    assert_identical(x, before)


def test_out_with_interleaved_strides():
    base = np.zeros(100)
    # 2x2 elements at byte offsets 0, 24, 16, 40: distinct, though the axes interleave
    fine = np.lib.stride_tricks.as_strided(base, (2, 2), (16, 24))
    cumprod(np.ones((2, 2)), 0, out=fine)
    assert base.sum() == 4
    clash = np.lib.stride_tricks.as_strided(base, (2, 3), (16, 8))  # offset 16 twice
    with pytest.raises(ValueError, match="share memory"):
        cumprod(np.ones((2, 3)), 0, out=clash)


def test_empty_inputs():
    for shape in [(0,), (2, 0), (3, 0, 2)]:
        for dim in range(len(shape)):
            r = cumprod(np.empty(shape, np.int32), dim)
            assert r.shape == shape and r.dtype == np.int64
    out = np.empty((0, 3))
    assert cumprod(np.empty((0, 3)), 1, out=out) is out


def test_input_never_modified_by_failed_or_cast_calls():
    x = np.arange(1, 7, dtype=np.int16).reshape(2, 3)
    x.flags.writeable = False
    assert_identical(cumprod(x, 1, dtype=np.float16), np.array([[1, 2, 6], [4, 20, 120]], np.float16))
    with pytest.raises(ValueError):
        cumprod(x, 0, out=x)  # read-only out


def test_complex_to_real_warns_as_numpy_and_torch():
    x = np.array([1 + 2j, 3 - 1j], np.complex64)
    with pytest.warns(np.exceptions.ComplexWarning, match="discards the imaginary part"):
        assert_identical(cumprod(x, 0, dtype=np.float32), np.array([1, 3], np.float32))


def test_doctests():
    # The docstrings' examples: SPEC's worked values among them.
    import doctest
    from fastcumprod import _api
    from fastcumprod import numpy as fnp
    result = doctest.testmod(_api, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 16
    assert result.failed == 0
    result = doctest.testmod(fnp, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 5
    assert result.failed == 0
    from fastcumprod import _blocks
    result = doctest.testmod(_blocks, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10
    assert result.failed == 0


def test_dask_doctests():
    pytest.importorskip("dask.array", reason="the dask extra is not installed")
    import doctest
    import warnings
    import fastcumprod.dask
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # dask's own cumprod overflows
        result = doctest.testmod(fastcumprod.dask, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 4
    assert result.failed == 0


def test_readme_examples():
    # Every `>>>` example of the README, run as a doctest in one namespace.
    import doctest
    import pathlib
    import re
    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
    text = "\n\n".join(re.findall(r"```python\n(.*?)```", readme, re.S))
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {}, "README.md", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.tries >= 20
    assert runner.failures == 0
