"""Which dtypes fastcumprod accepts and what each call computes in (SPEC 2-3), as data."""
import numpy as np

from ._cy.kernels import FLAGS

# Element types the kernels read.
INPUT_DTYPES = tuple(np.dtype(t) for t in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128"))
# Element types a result may have: torch has no cumprod for bool.
RESULT_DTYPES = INPUT_DTYPES[1:]

# Accumulator of each result kind (SPEC 3); the kernels implement this table.
# (bool results are numpy's only: 0/1 bytes multiplied as uint8.)  numpy's
# arithmetic (SPEC 9) keeps the same carries with values rounded to the
# result type after every product: the kernels' F_NUMPY variant.
ACCUMULATOR = {
    **{np.dtype(t): np.dtype("uint64") for t in
       ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")},
    np.dtype("float16"): np.dtype("float32"),
    np.dtype("float32"): np.dtype("float64"),
    np.dtype("float64"): np.dtype("float64"),
    np.dtype("complex64"): np.dtype("complex128"),
    np.dtype("complex128"): np.dtype("complex128"),
}

_NAMES = ", ".join(str(d) for d in INPUT_DTYPES)

# The two arithmetics, as the kernels' variant flags: torch's (SPEC 3: wider
# accumulators, torch's complex product, every lane multiplied from 1) and
# numpy's (SPEC 9: the result dtype rounded after every product, numpy's
# complex product and NaN order, a lane started from its first element).
ARITHMETIC = {"torch": 0, "numpy": FLAGS["numpy"] | FLAGS["first"]}

# Loop dtypes of numpy's multiply that the kernels run (SPEC 9); bool is
# logical and, which 0/1 products are.
NUMPY_LOOP_DTYPES = frozenset(INPUT_DTYPES)


def numpy_fuses_cast(src, loop):
    """Whether the kernels may cast src to numpy's loop dtype themselves: the
    casts that cannot round differently from numpy's or raise a
    floating-point exception (numpy reports those "in cast"): integers to
    integers (modulo 2**bits), integers to float32/64 and complex, floating
    types to ones that hold them exactly, complex to its own real part.  The
    rest (narrowing, to float16, to integers or bool) numpy casts, in blocks."""
    src, loop = _native(src), _native(loop)
    if src == loop:
        return True
    if loop.kind == "b":
        return False
    if src.kind in "biu":
        return loop.kind in "iu" or (loop.kind in "fc" and loop.itemsize >= 4)
    if loop.kind in "iu":
        return False
    real = np.dtype(f"f{src.itemsize // 2}") if src.kind == "c" else src
    return np.can_cast(src if loop.kind == "c" else real, loop, "safe")


def one_carry(result, lanes):
    """The accumulators of `lanes` lanes of a result dtype, each 1: where a
    scan in blocks starts (SPEC 10)."""
    return np.ones(lanes, ACCUMULATOR[_native(result)])


_INPUT_SET = frozenset(INPUT_DTYPES)
_RESULT_SET = frozenset(RESULT_DTYPES)
# torch's promotion: bool and integers to int64, the rest kept (SPEC 2).
DEFAULT_RESULT = {d: np.dtype("int64") if d.kind in "biu" else d for d in INPUT_DTYPES}


def _native(dtype):
    """dtype in native byte order (new-style dtypes such as StringDType have none)."""
    return dtype if dtype.isnative else dtype.newbyteorder("=")


def _supported(dtype, allowed, what):
    if dtype not in allowed and _native(dtype) not in allowed:
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
            default = DEFAULT_RESULT.get(in_dtype)
            return default if default is not None else DEFAULT_RESULT[_native(in_dtype)]
        return out.dtype if out.dtype in _RESULT_SET else _supported(out.dtype, RESULT_DTYPES, "out")
    dtype = _supported(as_dtype(dtype), RESULT_DTYPES, "result")
    if out is None:
        return dtype
    _supported(out.dtype, RESULT_DTYPES, "out")
    if _native(out.dtype) != _native(dtype):
        raise TypeError(f"cumprod: expected out to have dtype {dtype}, but got {out.dtype}")
    return out.dtype


# How a floating value becomes an integer result (SPEC 2).  C leaves it
# undefined out of range and numpy's result depends on the layout (its vector
# and scalar loops differ); torch's x86-64 build truncates toward zero into
# an intermediate type, where NaN and values out of range give the
# intermediate's minimum, then keeps the result's low bits.  Measured per
# result type with torch 2.13.0 over lengths, positions and strides.  torch
# is deterministic for each type but uint32 (its vector and scalar loops
# differ): there we take its scalar loop's rule, through int64.  uint64:
# values in [2**63, 2**64) convert exactly, larger ones and +inf give 0,
# the rest go through int64 (the compiler's unsigned conversion).
FLOAT_TO_INT_VIA = {
    np.dtype("int8"): np.dtype("int32"), np.dtype("int16"): np.dtype("int32"),
    np.dtype("int32"): np.dtype("int32"), np.dtype("uint16"): np.dtype("int32"),
    np.dtype("int64"): np.dtype("int64"), np.dtype("uint8"): np.dtype("int64"),
    np.dtype("uint32"): np.dtype("int64"), np.dtype("uint64"): np.dtype("uint64"),
}


def float_to_int_via(src, dst):
    """torch's intermediate type for a floating or complex input cast into an
    integer result (FLOAT_TO_INT_VIA), or None where the cast needs none."""
    return FLOAT_TO_INT_VIA[_native(dst)] if src.kind in "fc" and dst.kind in "iu" else None


def discards_imaginary(src, dst):
    """Whether a cast of src into dst drops an imaginary part (torch's cast,
    which warns as numpy's astype does: ComplexWarning)."""
    return src.kind == "c" and dst.kind != "c"
