"""The scan family and the numpy-exact functions on the bench cases:
reverse, exclusive and nancumprod beside plain cumprod (each into out=), and
fastcumprod.numpy.cumprod beside numpy.cumprod (fastcumprod._cases)."""
import warnings

import numpy as np

import fastcumprod
from fastcumprod import numpy as fnp
from fastcumprod._cases import CASES

from .common import use_backend

_BY_NAME = {case.name: case for case in CASES}
NAMES = list(_BY_NAME)
VARIANTS = ["cumprod", "reverse", "exclusive", "nancumprod"]


class Family:
    """Each variant on each case, auto backend: compare a variant's row with
    its case's cumprod row (the goal: within 1.15x)."""
    params = [NAMES, VARIANTS]
    param_names = ["case", "variant"]
    timeout = 120
    rounds = 4

    def setup(self, name, variant):
        self.case = _BY_NAME[name]
        self.x = self.case.make()
        self.out = self.case.make_out(
            fastcumprod.cumprod(self.x.flat[:1], 0, dtype=self.case.result).dtype)
        self.function = fastcumprod.nancumprod if variant == "nancumprod" else fastcumprod.cumprod
        self.kwargs = {"reverse": variant == "reverse", "exclusive": variant == "exclusive",
                       "dtype": self.case.result}
        use_backend("auto", self.x, self.case.dim, dtype=self.case.result)
        self.function(self.x, self.case.dim, out=self.out, **self.kwargs)

    def time_variant(self, name, variant):
        self.function(self.x, self.case.dim, out=self.out, **self.kwargs)


class NumpySemantics:
    """fastcumprod.numpy.cumprod and numpy.cumprod on each case (new results)."""
    params = [NAMES, ["fastcumprod.numpy", "numpy"]]
    param_names = ["case", "library"]
    timeout = 120
    rounds = 4

    def setup(self, name, library):
        self.case = _BY_NAME[name]
        self.x = self.case.make()
        self.function = fnp.cumprod if library == "fastcumprod.numpy" else np.cumprod
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        use_backend("auto", self.x, self.case.dim, dtype=self.case.result)
        fnp.cumprod(self.x, self.case.dim, dtype=self.case.result)

    def time_cumprod(self, name, library):
        self.function(self.x, self.case.dim, dtype=self.case.result)
