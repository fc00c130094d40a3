"""Cumulative products of NumPy arrays along any axis, bit-identical to torch.cumprod."""
from ._api import cumprod, nancumprod
from ._blocks import Scanner, scan_block
from ._dispatch import config, get_backend, get_num_threads, set_backend, set_num_threads

__version__ = "0.1.0"
__all__ = ["Scanner", "config", "cumprod", "get_backend", "get_num_threads", "nancumprod",
           "scan_block", "set_backend", "set_num_threads"]
