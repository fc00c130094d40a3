"""The Cython extensions; every other setting is in pyproject.toml."""
import filecmp
import os
import platform
import shutil
import sys
import tempfile

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# -g0: no debug information, which took 40% of the compile time and 90% of
# the kernels' 42 MB (Python's CFLAGS ask for -g).
# -ffp-contract=off: the compiler must not fuse a*b+c on its own; results are
# bit-exact to torch only with the roundings that SPEC 3 lists (the fmas we
# want are written out in fcp.h).  Never fast-math.
# CYTHON_INLINE forces the inlining the kernels are written for: gcc compiled
# scan_block out of line, leaving its accumulators in memory (1-D float32 scan
# 55 ms instead of 14 ms; README).
FLAGS = ["-O3", "-g0", "-ffp-contract=off", "-fno-math-errno"]
V3_FLAG = "-march=x86-64-v3"
# Without it a compiler may fuse products into fmas: never built without.
REQUIRED = {"-ffp-contract=off"}


def extension(name, source, flags=()):
    return Extension(
        f"fastcumprod._cy.{name}", [source],
        include_dirs=[numpy.get_include(), "fastcumprod/_cy"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION"),
                       ("CYTHON_INLINE", "inline __attribute__((always_inline))")],
        extra_compile_args=FLAGS + list(flags))


extensions = [extension(name, f"fastcumprod/_cy/{name}.pyx") for name in ("kernels", "fastpath")]

# On x86-64, the kernels a second time for x86-64-v3 (AVX2, FMA, F16C), chosen
# at import where the CPU has them (fastcumprod/_kernels.py): the complex
# product's fma becomes one instruction instead of a call into libm
# (complex128 1024x4096 along 1, one thread: 13.5 -> 5.1 ms), and rows
# vectorise twice as wide (Fortran float32 8192x2048 along 1: 12.9 -> 7.7
# ms; 2-core AMD EPYC, into out=, best of 7).  The same source, the same
# roundings: an fma is exact either way, and contraction stays off.  GCC and
# Clang only.  FASTCUMPROD_KERNELS=baseline builds the first only (half the
# build; at run time it chooses the first: fastcumprod/_kernels.py).
if (platform.machine().lower() in ("x86_64", "amd64") and sys.platform != "win32"
        and os.environ.get("FASTCUMPROD_KERNELS", "best") != "baseline"):
    copy = os.path.join("build", "fastcumprod_variants", "kernels_v3.pyx")
    os.makedirs(os.path.dirname(copy), exist_ok=True)
    # Copied only when it changed: a fresh copy would make every build
    # compile the kernels again (minutes).
    if not os.path.exists(copy) or not filecmp.cmp("fastcumprod/_cy/kernels.pyx", copy,
                                                   shallow=False):
        shutil.copyfile("fastcumprod/_cy/kernels.pyx", copy)
    extensions.append(extension("kernels_v3", copy, [V3_FLAG, "-mtune=generic"]))



class BuildExt(build_ext):
    """Compile the extensions side by side by default (pip passes no -j):
    the two builds of the kernels take minutes each.  Each compiler flag is
    tried first and left out where the compiler refuses it (an older GCC
    without -march=x86-64-v3 builds no v3 kernels: fastcumprod._kernels then
    runs the baseline build); the kernels need C11 with _Float16 (GCC >= 12,
    Clang >= 15), so MSVC is refused with a message."""

    def finalize_options(self):
        super().finalize_options()
        if self.parallel is None:
            self.parallel = os.cpu_count() or 1

    def build_extensions(self):
        if self.compiler.compiler_type == "msvc":
            raise RuntimeError("fastcumprod's kernels need GCC >= 12 or Clang >= 15 (C "
                               "_Float16, __builtin_* functions); on Windows build with "
                               "clang-cl or under MSYS2/MinGW")
        accepted = {}
        for ext in self.extensions:
            flags = []
            for flag in ext.extra_compile_args:
                if flag not in accepted:
                    accepted[flag] = self._accepts(flag)
                if accepted[flag]:
                    flags.append(flag)
                elif flag in REQUIRED:
                    raise RuntimeError(f"the compiler refuses {flag}, without which "
                                       "results would not be bit-exact (SPEC 3)")
                else:
                    print(f"setup.py: the compiler refuses {flag}; building without it")
            ext.extra_compile_args = flags
        self.extensions = [ext for ext in self.extensions
                           if not ext.name.endswith("_v3") or accepted.get(V3_FLAG)]
        super().build_extensions()

    def _accepts(self, flag):
        """Whether the compiler compiles an empty C file with flag."""
        with tempfile.TemporaryDirectory() as tmp:
            source = os.path.join(tmp, "flag.c")
            with open(source, "w") as f:
                f.write("int main(void) { return 0; }\n")
            try:
                self.compiler.compile([source], output_dir=tmp, extra_postargs=[flag, "-Werror"])
            except Exception:  # CompileError, or a compiler that cannot start
                return False
        return True


# The two copies of the kernels are cythonized side by side (30 s each).
setup(ext_modules=cythonize(extensions, language_level=3,
                            nthreads=min(len(extensions), os.cpu_count() or 1)),
      cmdclass={"build_ext": BuildExt})
