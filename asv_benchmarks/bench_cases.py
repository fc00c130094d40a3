"""The cases of `python -m fastcumprod bench`: one table, fastcumprod._cases."""
import numpy as np

import fastcumprod
from fastcumprod._cases import CASES

from .common import BACKENDS, require_torch, torch_dtype, use_backend

_BY_NAME = {case.name: case for case in CASES}
NAMES = list(_BY_NAME)


def _result(case, x):
    return case.make_out(fastcumprod.cumprod(x.flat[:1], 0, dtype=case.result).dtype)


class Cases:
    params = [NAMES, BACKENDS]
    param_names = ["case", "backend"]
    timeout = 120
    # Twice asv's default rounds: on a shared 2-core machine two rounds left
    # unchanged kernels 17% apart, more than `asv continuous -f 1.1` tolerates.
    rounds = 4

    def setup(self, name, backend):
        self.case = _BY_NAME[name]
        self.x = self.case.make()
        self.out = _result(self.case, self.x)
        use_backend(backend, self.x, self.case.dim, dtype=self.case.result)

    def teardown(self, *params):
        fastcumprod.set_backend("auto")

    def time_cumprod(self, name, backend):
        fastcumprod.cumprod(self.x, self.case.dim, dtype=self.case.result, out=self.out)


class CaseFloor:
    """np.copyto of the result's bytes: the memory floor of each case."""
    params = [NAMES]
    param_names = ["case"]

    def setup(self, name):
        case = _BY_NAME[name]
        self.src = _result(case, case.make())
        self.dst = np.empty_like(self.src)

    def time_copyto(self, name):
        np.copyto(self.dst, self.src)


class CaseNumpy:
    params = [NAMES]
    param_names = ["case"]
    timeout = 120

    def setup(self, name):
        self.case = _BY_NAME[name]
        self.x = self.case.make()

    def time_cumprod(self, name):
        np.cumprod(self.x, axis=self.case.dim, dtype=self.case.result)


class CaseTorch:
    params = CaseNumpy.params
    param_names = CaseNumpy.param_names
    timeout = 120

    def setup(self, name):
        CaseNumpy.setup(self, name)
        self.torch = require_torch()
        if any(s < 0 for s in self.x.strides):
            raise NotImplementedError("torch cannot wrap negative strides")
        self.t = self.torch.from_numpy(self.x)

    def time_cumprod(self, name):
        self.torch.cumprod(self.t, self.case.dim, dtype=torch_dtype(self.case.result))
