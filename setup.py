"""The Cython extension; every other setting is in pyproject.toml."""
import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

# -ffp-contract=off: the compiler must not fuse a*b+c on its own; results are
# bit-exact to torch only with the roundings that SPEC 3 lists (the fmas we
# want are written out in fcp.h).  Never fast-math.
# CYTHON_INLINE forces the inlining the kernels are written for: gcc compiled
# scan_block out of line, leaving its accumulators in memory (1-D float32 scan
# 55 ms instead of 14 ms; README).
extensions = [
    Extension(
        f"fastcumprod._cy.{name}",
        [f"fastcumprod/_cy/{name}.pyx"],
        include_dirs=[numpy.get_include(), "fastcumprod/_cy"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION"),
                       ("CYTHON_INLINE", "inline __attribute__((always_inline))")],
        extra_compile_args=["-O3", "-ffp-contract=off", "-fno-math-errno"],
    )
    for name in ("kernels", "fastpath")
]

setup(ext_modules=cythonize(extensions, language_level=3))
