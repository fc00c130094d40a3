"""Which dtypes fastcumprod accepts and what each call computes in (SPEC 2-3), as data."""
import functools

import numpy as np

# Element types the kernels read.
INPUT_DTYPES = tuple(np.dtype(t) for t in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128"))
# Element types a result may have: torch has no cumprod for bool.
RESULT_DTYPES = INPUT_DTYPES[1:]

# Accumulator of each result kind (SPEC 3); the kernels implement this table.
ACCUMULATOR = {
    **{np.dtype(t): np.dtype("uint64") for t in
       ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")},
    np.dtype("float16"): np.dtype("float32"),
    np.dtype("float32"): np.dtype("float64"),
    np.dtype("float64"): np.dtype("float64"),
    np.dtype("complex64"): np.dtype("complex128"),
    np.dtype("complex128"): np.dtype("complex128"),
}

_NAMES = ", ".join(str(d) for d in INPUT_DTYPES)


_INPUT_SET = frozenset(INPUT_DTYPES)
_RESULT_SET = frozenset(RESULT_DTYPES)
# torch's promotion: bool and integers to int64, the rest kept (SPEC 2).
_DEFAULT_RESULT = {d: np.dtype("int64") if d.kind in "biu" else d for d in INPUT_DTYPES}


def _supported(dtype, allowed, what):
    if dtype not in allowed and dtype.newbyteorder("=") not in allowed:
        raise TypeError(
            f"cumprod does not support {what} dtype {dtype}; supported: "
            + ", ".join(str(d) for d in allowed))
    return dtype


def input_dtype(dtype):
    """Check that an input's dtype is one the kernels read."""
    return dtype if dtype in _INPUT_SET else _supported(dtype, INPUT_DTYPES, "input")


def as_dtype(obj):
    """numpy.dtype of what numpy.dtype() accepts, or of a torch dtype (torch.int32),
    recognised by name so that torch is never imported."""
    if type(obj).__module__ == "torch" and type(obj).__name__ == "dtype":
        name = str(obj).removeprefix("torch.")
        try:
            return np.dtype({"bool": "bool", "half": "float16", "float": "float32",
                             "double": "float64", "long": "int64", "int": "int32",
                             "short": "int16", "cfloat": "complex64",
                             "cdouble": "complex128"}.get(name, name))
        except TypeError:
            raise TypeError(f"cumprod does not support dtype {obj}; supported: {_NAMES}") from None
    try:
        return np.dtype(obj)
    except TypeError as e:
        raise TypeError(f"cumprod: {obj!r} is not a dtype ({e})") from None


def result_dtype(in_dtype, dtype, out):
    """The dtype of the result: dtype=, else out's, else torch's promotion (SPEC 2)."""
    if dtype is None:
        if out is None:
            default = _DEFAULT_RESULT.get(in_dtype)
            if default is not None:
                return default
        elif out.dtype in _RESULT_SET:
            return out.dtype
    if dtype is not None:
        dtype = _supported(as_dtype(dtype), RESULT_DTYPES, "result")
        if out is not None:
            if out.dtype.newbyteorder("=") != dtype.newbyteorder("="):
                raise TypeError(f"expected out to have dtype {dtype}, but got {out.dtype}")
            return out.dtype
        return dtype
    if out is not None:
        return _supported(out.dtype, RESULT_DTYPES, "out")
    return _DEFAULT_RESULT[in_dtype.newbyteorder("=")]


@functools.lru_cache(maxsize=None)
def cast_in_kernel(src, dst):
    """Whether the kernels cast src to dst themselves, exactly as astype does.
    Floating-to-integer casts are left to numpy: out of range they are undefined
    in C and numpy's result is whatever its own loop gives."""
    return not (src.kind in "fc" and dst.kind in "iu")
