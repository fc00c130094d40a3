"""cumprod by dtype x layout x dim x size x backend, with numpy and torch beside it."""
import numpy as np

import fastcumprod

from .common import BACKENDS, SEED, require_torch, use_backend

DTYPES = ["float64", "int32"]     # int32 promotes to int64: a cast in the kernel
LAYOUTS = ["C", "F", "transposed", "strided"]
DIMS = [0, -1]
# 3-D sides: 4 KiB of float64 (call overhead), 512 KiB (in cache), 32 MiB (memory)
SIZES = {"small": (8, 8, 8), "cache": (16, 64, 64), "large": (64, 256, 256)}


def make(dtype, layout, size, seed=SEED):
    """An array of SIZES[size] in the layout asked for, values near 1.
    transposed: axes (1, 0, 2) of a C array (neither C nor Fortran order);
    strided: every other element of the last axis."""
    rng = np.random.default_rng(seed)
    shape = SIZES[size]
    if layout == "strided":
        shape = shape[:-1] + (2 * shape[-1],)
    elif layout == "transposed":
        shape = (shape[1], shape[0], shape[2])
    if np.dtype(dtype).kind == "i":
        x = rng.integers(1, 3, shape).astype(dtype)
    else:
        x = rng.uniform(0.999, 1.001, shape).astype(dtype)
    if layout == "F":
        return np.asfortranarray(x)
    if layout == "transposed":
        return x.transpose(1, 0, 2)
    if layout == "strided":
        return x[..., ::2]
    return x


class Cumprod:
    params = [DTYPES, LAYOUTS, DIMS, list(SIZES), BACKENDS]
    param_names = ["dtype", "layout", "dim", "size", "backend"]

    def setup(self, dtype, layout, dim, size, backend):
        self.x = make(dtype, layout, size)
        self.out = np.empty_like(self.x, dtype=fastcumprod.cumprod(self.x.flat[:1], 0).dtype)
        use_backend(backend, self.x, dim)

    def teardown(self, *params):
        fastcumprod.set_backend("auto")

    def time_cumprod(self, dtype, layout, dim, size, backend):
        fastcumprod.cumprod(self.x, dim)

    def time_cumprod_out(self, dtype, layout, dim, size, backend):
        fastcumprod.cumprod(self.x, dim, out=self.out)


class Numpy:
    params = [DTYPES, LAYOUTS, DIMS, list(SIZES)]
    param_names = ["dtype", "layout", "dim", "size"]

    def setup(self, dtype, layout, dim, size):
        self.x = make(dtype, layout, size)

    def time_cumprod(self, dtype, layout, dim, size):
        np.cumprod(self.x, axis=dim)


class Torch:
    params = Numpy.params
    param_names = Numpy.param_names

    def setup(self, dtype, layout, dim, size):
        self.torch = require_torch()
        self.t = self.torch.from_numpy(make(dtype, layout, size))

    def time_cumprod(self, dtype, layout, dim, size):
        self.torch.cumprod(self.t, dim)


class Memory:
    """Peak memory of a large call: with out= the call allocates nothing, so
    its peak is a result's size below the plain call's."""
    params = [[0, -1], BACKENDS, [False, True]]
    param_names = ["dim", "backend", "out"]

    def setup(self, dim, backend, out):
        self.x = make("float64", "C", "large")
        self.y = np.empty_like(self.x)
        use_backend(backend, self.x, dim, out=self.y)

    def teardown(self, *params):
        fastcumprod.set_backend("auto")

    def peakmem_cumprod(self, dim, backend, out):
        if out:
            fastcumprod.cumprod(self.x, dim, out=self.y)
        else:
            fastcumprod.cumprod(self.x, dim)
