"""Small calls: the per-call cost at n=10 and n=1000, with and without out=."""
import numpy as np

import fastcumprod

from .common import SEED, require_torch


class SmallCalls:
    params = [[10, 1000], [False, True]]
    param_names = ["n", "out"]

    def setup(self, n, out):
        fastcumprod.set_backend("auto")
        self.x = np.random.default_rng(SEED).uniform(0.9, 1.1, n)
        self.y = np.empty_like(self.x) if out else None

    def time_fastcumprod(self, n, out):
        fastcumprod.cumprod(self.x, 0, out=self.y)

    def time_numpy(self, n, out):
        np.cumprod(self.x, out=self.y)


class SmallCallsTorch:
    params = SmallCalls.params
    param_names = SmallCalls.param_names

    def setup(self, n, out):
        SmallCalls.setup(self, n, out)
        self.torch = require_torch()
        self.t = self.torch.from_numpy(self.x)
        self.ty = None if self.y is None else self.torch.from_numpy(self.y)

    def time_torch(self, n, out):
        self.torch.cumprod(self.t, 0, out=self.ty)
