"""What the benchmark files share: arrays, backends, the numba warm-up."""
import numpy as np

import fastcumprod
from fastcumprod import _dispatch

BACKENDS = ["cython", "numba", "auto"]
SEED = 0


def use_backend(backend, x, dim, **kwargs):
    """Select the backend and run the call once, waiting for any kernel that
    auto compiles on the side: the timings are of warm kernels, not the JIT."""
    fastcumprod.set_backend(backend)
    y = fastcumprod.cumprod(x, dim, **kwargs)
    # auto may choose another kernel for out= than for a new result
    fastcumprod.cumprod(x, dim, **dict(kwargs, out=np.empty_like(y)))
    _dispatch.wait_prepared()
    fastcumprod.cumprod(x, dim, **kwargs)


def require_torch():
    """torch, imported only by the benchmarks that compare with it (importing it
    takes a second, and asv starts a process for every benchmark)."""
    try:
        import torch
    except ImportError:
        raise NotImplementedError("torch is not installed") from None
    return torch


def torch_dtype(dtype):
    return None if dtype is None else getattr(require_torch(), np.dtype(dtype).name)
