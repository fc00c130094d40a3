"""fastcumprod.numpy against numpy itself (SPEC 9): values, bits, dtypes,
shapes, exceptions and floating-point error reporting."""
import warnings

import numpy as np
import pytest

import fastcumprod
from fastcumprod import numpy as fnp

from arrays import INPUT_DTYPES, arrays, values
from conftest import assert_identical

FUNCTIONS = ["cumprod", "nancumprod", "cumulative_prod"]


def _call(module, name, x, axis, include_initial=False, **kwargs):
    function = getattr(module, name)
    if name == "cumulative_prod":
        return function(x, axis=axis, include_initial=include_initial, **kwargs)
    return function(x, axis, **kwargs)


def outcome(module, name, x, axis, include_initial=False, **kwargs):
    """What a call gives: its result (or exception type and message) and the
    warnings it emits, in order."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = _call(module, name, x, axis, include_initial, **kwargs)
        except Exception as e:  # compared with numpy's own
            result = e
    return result, [(w.category, str(w.message)) for w in caught]


def check(name, x, axis, include_initial=False, **kwargs):
    before = x.copy()
    out = kwargs.get("out")
    out_copy = out.copy() if isinstance(out, np.ndarray) else out
    if isinstance(out, np.ndarray):
        out_copy.flags.writeable = out.flags.writeable
    ours, our_warnings = outcome(fnp, name, x, axis, include_initial, **kwargs)
    if out is not None:
        kwargs["out"] = out_copy
    theirs, their_warnings = outcome(np, name, x, axis, include_initial, **kwargs)
    if isinstance(theirs, Exception):
        assert type(ours) is type(theirs), (ours, theirs)
        assert str(ours) == str(theirs)
    else:
        assert not isinstance(ours, Exception), ours
        if theirs.dtype.kind == "O" or theirs.dtype == np.longdouble:
            # numpy's own result (delegated): values, as padding bits vary
            assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)
        else:
            assert_identical(ours, theirs)
        if out is not None:
            assert ours is out
    assert our_warnings == their_warnings
    if x.dtype.kind == "O" or x.dtype == np.longdouble:
        assert np.array_equal(x, before)
    else:
        assert_identical(x, before)


def _axes(x, name):
    axes = list(range(-max(x.ndim, 1), max(x.ndim, 1)))
    if name != "cumulative_prod" or x.ndim <= 1:
        axes.append(None)
    return axes


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("dtype", INPUT_DTYPES)
def test_every_layout_and_axis(dtype, name):
    for label, x in arrays(dtype, seed=7):
        for axis in _axes(x, name):
            for initial in ((False, True) if name == "cumulative_prod" else (False,)):
                try:
                    check(name, x, axis, initial)
                except AssertionError as e:
                    raise AssertionError(f"{dtype} {label} axis={axis} "
                                         f"include_initial={initial}: {e}") from None


def _defined_casts(x, dst, rng):
    """x, with values whose casts to dst numpy defines: a floating value
    that is NaN, infinite or out of an integer type's range is C's undefined
    behaviour, and numpy's result then depends on which of its loops casts it
    (contiguous or strided, in a ufunc's buffer or not).  Small values keep
    every product in range."""
    if x.dtype.kind in "fc" and np.dtype(dst).kind in "iub":
        x = rng.choice([-1.0, 1.0, 0.5, -0.5, 0.0, 1.5], x.shape).astype(x.dtype)
    return x


@pytest.mark.parametrize("dst", INPUT_DTYPES)
@pytest.mark.parametrize("src", INPUT_DTYPES)
def test_every_dtype_and_out_dtype(src, dst):
    # dtype= casts first; out= of another dtype gets numpy's loop (its own
    # resolver) cast into it.  Every value, specials included, except where
    # numpy's own casts are undefined (_defined_casts).
    rng = np.random.default_rng(8)
    x = _defined_casts(values(src, 3 * 200, rng).reshape(3, 200), dst, rng)
    for name in ("cumprod", "nancumprod"):
        for view in (x, x.T[::-1]):
            for axis in (0, 1, None):
                check(name, view, axis, dtype=dst)
                shape = (view.size,) if axis is None else view.shape
                check(name, view, axis, out=np.zeros(shape, dst))


def test_complex_products_are_numpys_bit_for_bit():
    # numpy's own complex product (no fma), NaN bits included, in both of
    # numpy's loops (lanes along the last axis, rows along the first).
    rng = np.random.default_rng(9)
    for dtype in ("complex64", "complex128"):
        x = values(dtype, 64 * 64, rng, special=0.3).reshape(64, 64)
        for axis in (0, 1):
            check("cumprod", x, axis)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "complex64"])
def test_float_arithmetic_is_numpys_not_torchs(dtype):
    x = np.random.default_rng(10).uniform(0.9, 1.1, 3000).astype(dtype)
    assert_identical(fnp.cumprod(x), np.cumprod(x))
    if dtype in ("float16", "float32", "complex64"):
        # torch accumulates these wider: a long product shows the difference
        assert not np.array_equal(fnp.cumprod(x), fastcumprod.cumprod(x, 0))


def test_worked_values():
    with pytest.warns(RuntimeWarning, match="overflow encountered in accumulate"):
        assert_identical(fnp.cumprod(np.array([1e30, 1e30, 1e-30], np.float32)),
                         np.array([1e30, np.inf, np.inf], np.float32))
    with pytest.warns(RuntimeWarning, match="overflow encountered in accumulate"):
        assert_identical(fnp.cumprod(np.array([300, 300, 1 / 300], np.float16)),
                         np.array([300, np.inf, np.inf], np.float16))
    assert_identical(fnp.cumprod(np.array([[1, 2], [3, 4]], np.int8)), np.array([1, 2, 6, 24]))
    assert_identical(fnp.cumprod(np.array([200, 2], np.uint8)), np.array([200, 400], np.uint64))
    assert_identical(fnp.cumulative_prod(np.array(5), include_initial=True), np.array([1, 5]))


def test_out_of_any_strides_in_place_and_overlapping():
    rng = np.random.default_rng(11)
    x = values("float32", 40 * 30, rng).reshape(40, 30)
    for axis in (0, 1):
        check("cumprod", x, axis, out=np.zeros((80, 60), np.float32)[::2, ::-2])
        check("cumprod", x, axis, out=np.zeros((40, 30), ">f4"))
        check("cumulative_prod", x, axis, True, out=np.zeros((41, 31), np.float64)[:, :30]
              if axis == 0 else np.zeros((40, 31), np.float64))
        with np.errstate(all="ignore"):
            inplace = x.copy()
            assert fnp.cumprod(inplace, axis, out=inplace) is inplace
            assert_identical(inplace, np.cumprod(x, axis))
            buffer = np.zeros((41, 30), np.float32)
            buffer[:40] = x
            fnp.nancumprod(buffer[:40], axis, out=buffer[1:])
            assert_identical(buffer[1:], np.nancumprod(x, axis))


@pytest.mark.parametrize("shape,axis", [((1 << 19,), 0), ((600, 700), 0), ((600, 700), 1),
                                        ((300, 400), None)])
@pytest.mark.parametrize("dtype", ["int32", "float32", "complex64", "float16"])
def test_large_calls_on_every_path(dtype, shape, axis):
    # The parallel drivers (numba and auto) and the blocks of casts.
    x = values(dtype, int(np.prod(shape)), np.random.default_rng(12), special=0.001)
    x = x.reshape(shape)
    for name in ("cumprod", "nancumprod"):
        check(name, x, axis)
        check(name, x, axis, dtype=np.float64)


# Floating-point errors: numpy's reporting, honoured in every mode.
ERRORS = {"over": np.array([1e300, 1e300, 2.0]), "under": np.array([1e-300, 1e-300]),
          "invalid": np.array([0.0, np.inf]),
          "float32": np.array([1e30, 1e30, 0.0], np.float32),
          "float16": np.array([300, 300, 1e-8], np.float16),
          "complex": np.array([1e300 + 1e300j, 1e300 + 0j])}


@pytest.mark.parametrize("mode", ["warn", "raise", "ignore", "call", "print", "log"])
@pytest.mark.parametrize("case", ERRORS)
def test_floating_point_errors_as_numpy_reports_them(case, mode, capsys):
    x = ERRORS[case]
    for axis in (0, None):
        calls = {}
        for module in (fnp, np):
            log = []

            class Log:
                def write(self, message):
                    log.append(message)

            handler = Log() if mode == "log" else (lambda kind, flag: log.append((kind, flag)))
            with np.errstate(all=mode, call=handler if mode in ("call", "log") else None):
                result, caught = outcome(module, "cumprod", x, axis)
            printed = capsys.readouterr().out
            calls[module.__name__] = (repr(result) if isinstance(result, Exception)
                                      else result.tobytes(), caught, log, printed)
        assert calls["fastcumprod.numpy"] == calls["numpy"]


def test_errors_are_those_of_numpys_default_settings():
    # No errstate: overflow and invalid warn, underflow is ignored.
    for case in ("over", "invalid", "under", "float32"):
        check("cumprod", ERRORS[case], 0)


def test_torch_functions_never_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fastcumprod.cumprod(ERRORS["over"], 0)
        fastcumprod.cumprod(ERRORS["invalid"], 0)


BAD = [
    (np.ones((2, 3)), 2, {}),
    (np.ones((2, 3)), 1.0, {}),
    (np.ones((2, 3)), (0,), {}),
    (np.ones(3), 0, {"out": np.empty(2)}),
    (np.ones(3), 0, {"out": [0, 0, 0]}),
    (np.ones(3), 0, {"out": np.empty((3, 1))}),
    (np.ones(3), 0, {"dtype": "not a dtype"}),
    (np.ones(3), 0, {"dtype": object}),
    (np.array(["a", "b"]), 0, {}),
    (np.array([1, 2], "m8[s]"), 0, {}),
    (np.array(5), 1, {}),
    (np.ones((2, 2)), None, {"out": np.empty((2, 2))}),
]


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("x,axis,kwargs", BAD)
def test_bad_arguments_raise_numpys_exceptions(name, x, axis, kwargs):
    check(name, x, axis, **kwargs)


def test_read_only_out_and_arrays_numpy_computes_itself():
    readonly = np.empty(3)
    readonly.flags.writeable = False
    check("cumprod", np.ones(3), 0, out=readonly)
    check("cumprod", np.array([1, 2, 3], object), 0)
    check("cumprod", np.array([1.5, 2.5], np.longdouble), 0)
    check("cumulative_prod", np.ones((2, 2)), None)
    matrix = np.ma.MaskedArray([1.0, 2.0, 3.0], mask=[False, True, False])
    assert isinstance(fnp.cumprod(matrix), np.ma.MaskedArray)


def test_array_api_strict_shapes_and_dtypes():
    xp = pytest.importorskip("array_api_strict")
    rng = np.random.default_rng(13)
    numeric = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
               "float32", "float64", "complex64", "complex128"]
    for dtype in numeric:
        for shape, axis in (((5,), None), ((5,), 0), ((3, 4), 0), ((3, 4), 1), ((0, 2), 0),
                            ((2, 0), 1)):
            x = values(dtype, int(np.prod(shape)), rng).reshape(shape)
            for initial in (False, True):
                with np.errstate(all="ignore"):
                    ours = fnp.cumulative_prod(x, axis=axis, include_initial=initial)
                    theirs = xp.cumulative_prod(xp.asarray(x), axis=axis,
                                                include_initial=initial)
                assert ours.shape == theirs.shape
                assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix(
                    "array_api_strict."))


def test_complex_on_numpy_before_2_3_is_numpys_own(monkeypatch):
    """Regression (Python 3.10, whose last numpy is 2.2): numpy 2.2 multiplies
    complex rows (accumulate along a non-last axis) with a loop whose NaN
    payloads differ from the scalar product the kernels follow (numpy >= 2.3;
    2.2.6: 15 of 782 parts of a 23x17 complex128 array of specials along
    axis 0).  Where the installed numpy is older than 2.3, complex calls are
    numpy's own; here that choice is forced and checked to reach numpy."""
    assert fnp._KERNELS_MULTIPLY_COMPLEX is (np.lib.NumpyVersion(np.__version__) >= "2.3.0")
    x = values("complex128", 23 * 17, np.random.default_rng(27)).reshape(23, 17)
    calls = []
    real_cumprod = np.cumprod
    monkeypatch.setattr(fnp, "_KERNELS_MULTIPLY_COMPLEX", False)
    monkeypatch.setattr(np, "cumprod", lambda *a, **k: calls.append(1) or real_cumprod(*a, **k))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        actual = fnp.cumprod(x, 0)
        expected = real_cumprod(x, 0)
    assert calls, "numpy's own cumprod was not called"
    assert_identical(actual, expected)
    calls.clear()
    monkeypatch.setattr(fnp, "_KERNELS_MULTIPLY_COMPLEX", True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fnp.cumprod(x, 0)
    assert not calls
