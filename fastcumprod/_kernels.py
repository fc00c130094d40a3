"""The Cython kernels this CPU runs best.

setup.py builds fastcumprod/_cy/kernels.pyx for the baseline of the platform
and, on x86-64, again for x86-64-v3 (AVX2, FMA, F16C): that build is used
where the CPU has those instructions (complex128 1024x4096 along 1, one
thread: 2.6x faster, setup.py; the same bits, tests/test_kernels.py).
FASTCUMPROD_KERNELS=baseline chooses the first.
"""
import os

from ._cy import kernels as baseline

kernels = baseline
if os.environ.get("FASTCUMPROD_KERNELS", "best") != "baseline" and baseline.cpu_has_x86_64_v3():
    try:
        from ._cy import kernels_v3 as kernels
    except ImportError:  # built without it (another compiler or platform)
        pass
