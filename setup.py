"""The Cython extension; every other setting is in pyproject.toml."""
import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

# -ffp-contract=off: the compiler must not fuse a*b+c on its own; results are
# bit-exact to torch only with the roundings that SPEC 3 lists (the fmas we
# want are written out in fcp.h).  Never fast-math.
extension = Extension(
    "fastcumprod._cy.kernels",
    ["fastcumprod/_cy/kernels.pyx"],
    include_dirs=[numpy.get_include(), "fastcumprod/_cy"],
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION"),
                   ("CYTHON_INLINE", "inline __attribute__((always_inline))")],
    extra_compile_args=["-O3", "-ffp-contract=off", "-fno-math-errno"],
)

setup(ext_modules=cythonize([extension], language_level=3))
