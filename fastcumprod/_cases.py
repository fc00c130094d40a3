"""The benchmark cases, one table for `python -m fastcumprod bench` and asv."""
from typing import NamedTuple, Optional

import numpy as np


class Case(NamedTuple):
    name: str
    shape: tuple
    dtype: str
    dim: int
    order: str = "C"          # memory order of the array made: "C" or "F"
    view: str = ""            # "T": its transpose; "neg": reversed along dim
    result: Optional[str] = None  # dtype= of the call
    quick: bool = False       # in the default `bench` run
    out: str = "K"            # out= given: "K" the input's order, "C" or "F" that
                              # order, "strided" every other column of a twice-wide array
    values: str = "near 1"    # the factors: a key of FACTORS

    def make(self, seed=0):
        """The input: values near 1 by default, so that long products stay
        finite and the timings measure the arithmetic; the absorbing cases'
        factors take their lanes to a subnormal, 0, inf or NaN (FACTORS)."""
        rng = np.random.default_rng(seed)
        shape = self.shape[::-1] if self.view == "T" else self.shape
        dtype = np.dtype(self.dtype)
        if dtype.kind in "iu":
            x = rng.integers(1, 3, shape).astype(dtype)
        else:
            low, high, at_1000 = FACTORS[self.values]
            x = rng.uniform(low, high, shape)
            if at_1000 is not None:
                x[..., 1000] = at_1000
            if dtype.kind == "c":
                x = x + 1j * rng.uniform(-1e-3, 1e-3, shape)
            x = x.astype(dtype)
        x = np.asarray(x, order=self.order)
        if self.view == "T":
            x = x.T
        elif self.view == "neg":
            x = x[(slice(None),) * (self.dim % x.ndim) + (slice(None, None, -1),)]
        return x

    def make_out(self, dtype):
        """The out= the bench passes, of the result's dtype."""
        if self.out == "strided":
            return np.empty(self.shape[:-1] + (2 * self.shape[-1],), dtype)[..., ::2]
        if self.out in ("C", "F"):
            return np.empty(self.shape, dtype, order=self.out)
        if self.view == "T":
            return np.empty(self.shape[::-1], dtype, order=self.order).T
        return np.empty(self.shape, dtype, order=self.order)


# (low, high, the factor at index 1000 along the last axis) of floating
# inputs.  Products of factors in [0.9, 1.1] decay into the subnormals and
# stay at a few units of the smallest one; [0.5, 1.0] at the smallest; the
# others reach 0, inf or NaN at element 1000 (docs/contract.md, section 7).
FACTORS = {"near 1": (0.999, 1.001, None), "[0.9, 1.1]": (0.9, 1.1, None),
           "[0.5, 1.0]": (0.5, 1.0, None), "0 early": (0.9, 1.1, 0.0),
           "inf early": (0.9, 1.1, np.inf), "NaN early": (0.9, 1.1, np.nan)}

CASES = [
    Case("1-D float64", (2**24,), "float64", 0, quick=True),
    Case("1-D float32", (2**24,), "float32", 0),
    Case("1-D int64", (2**24,), "int64", 0),
    Case("1-D int32 dtype=int32", (2**24,), "int32", 0, result="int32"),
    Case("2-D C float64 dim 0", (2048, 8192), "float64", 0, quick=True),
    Case("2-D C float64 dim 1", (2048, 8192), "float64", 1, quick=True),
    Case("2-D F float32 dim 0", (8192, 2048), "float32", 0, order="F"),
    Case("2-D F float32 dim 1", (8192, 2048), "float32", 1, order="F"),
    Case("3-D float64 dim 1", (128, 512, 256), "float64", 1, quick=True),
    Case("2**19x8 float64 dim 1", (2**19, 8), "float64", 1),
    Case("complex128 dim 1", (1024, 4096), "complex128", 1),
    Case("int16 dim 0 -> int64", (4096, 2048), "int16", 0),
    Case("int32 dim 1 -> int64", (4096, 2048), "int32", 1, quick=True),
    Case("transposed float64 dim 0", (8192, 2048), "float64", 0, view="T"),
    Case("reversed float64 dim 1", (2048, 8192), "float64", 1, view="neg"),
    Case("strided out= float64 dim 1", (4096, 8192), "float64", 1, out="strided"),
    Case("2**20x16 float64 dim 1", (2**20, 16), "float64", 1),
    Case("F float32 into C out= dim 0", (8192, 4096), "float32", 0, order="F", out="C"),
    Case("3-D F float64 into C out= dim 0", (64, 512, 512), "float64", 0, order="F", out="C"),
    # A plane of lanes: both unit strides across dim (kernels.pyx: cast_plane).
    Case("3-D F float64 into C out= dim 1", (64, 512, 512), "float64", 1, order="F", out="C"),
    # NeRF's transmittance: a product along each ray's samples.
    Case("rays 2**17x128 float32 dim 1", (2**17, 128), "float32", 1),
    # dtype= that casts: through a tile buffer (kernels.pyx: cast_lanes).
    Case("1-D float64 -> float32", (2**24,), "float64", 0, result="float32"),
    Case("float32 dim 0 -> float64", (4096, 4096), "float32", 0, result="float64"),
    # Lanes that reach an absorbing value (issue 12): at memory speed.
    Case("1-D float64 in [0.9, 1.1]", (2**25,), "float64", 0, values="[0.9, 1.1]"),
    Case("1-D float64 in [0.5, 1.0]", (2**25,), "float64", 0, values="[0.5, 1.0]"),
    Case("1-D float32 in [0.9, 1.1]", (2**25,), "float32", 0, values="[0.9, 1.1]"),
    Case("1-D float32 in [0.5, 1.0]", (2**25,), "float32", 0, values="[0.5, 1.0]"),
    Case("1-D float64, 0 early", (2**25,), "float64", 0, values="0 early"),
    Case("1-D float64, inf early", (2**25,), "float64", 0, values="inf early"),
    Case("1-D float32, NaN early", (2**25,), "float32", 0, values="NaN early"),
]
