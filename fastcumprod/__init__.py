"""Cumulative products of NumPy arrays along any axis, bit-identical to torch.cumprod."""
from ._api import cumprod

__version__ = "0.1.0"
__all__ = ["cumprod"]
