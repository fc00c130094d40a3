"""The public API as a type checker and help() see it (py.typed, annotations)."""
import inspect
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fastcumprod
import fastcumprod.numpy as fnp

SCRIPT = """
from typing import Any

import numpy as np
import numpy.typing as npt
import fastcumprod
import fastcumprod.numpy as fnp

x: npt.NDArray[np.float64] = np.ones((3, 4))
out = np.empty((3, 4))
a: np.ndarray[Any, Any] = fastcumprod.cumprod(x, 0)
b: np.ndarray[Any, Any] = fastcumprod.cumprod(x, dim=1, dtype=np.float32, reverse=True, exclusive=True)
c: np.ndarray[Any, Any] = fastcumprod.nancumprod([1.0, float("nan")], 0, out=np.empty(2))
d: np.ndarray[Any, Any] = fnp.cumprod(x)
e: np.ndarray[Any, Any] = fnp.nancumprod(x, axis=0, dtype="float64", out=out)
f: np.ndarray[Any, Any] = fnp.cumulative_prod(x, axis=1, include_initial=True)
fastcumprod.set_backend("cython")
fastcumprod.set_num_threads(1)
backend: str = fastcumprod.get_backend()
threads: int = fastcumprod.get_num_threads()
with fastcumprod.config(backend="cython", threads=1):
    pass
scanner = fastcumprod.Scanner(0, function="nancumprod", dtype=np.float64, reverse=True)
g: np.ndarray[Any, Any] = scanner(x[2:])
g = scanner(x[:2], out=np.empty((2, 4)))
h, carry = fastcumprod.scan_block(x, 1, None, semantics="numpy")
h, carry = fastcumprod.scan_block(x, 1, carry, semantics="numpy")
"""


def test_package_is_typed():
    from importlib import resources
    assert resources.files("fastcumprod").joinpath("py.typed").is_file()


def check_strictly(code, tmp_path):
    """mypy --strict accepts code, and it runs."""
    pytest.importorskip("mypy")
    script = tmp_path / "use_fastcumprod.py"
    script.write_text(textwrap.dedent(code))
    # follow-imports=silent: the script is checked strictly against the
    # package's annotations; the package's own internals are not the user's.
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
                           "--no-incremental", "--cache-dir", str(tmp_path / "cache"),
                           str(script)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    exec(compile(textwrap.dedent(code), "script", "exec"), {})


def test_mypy_strict_accepts_a_script_using_every_public_function(tmp_path):
    check_strictly(SCRIPT, tmp_path)


def test_mypy_strict_accepts_the_dask_functions(tmp_path):
    pytest.importorskip("dask.array", reason="the dask extra is not installed")
    check_strictly(DASK_SCRIPT, tmp_path)


DASK_SCRIPT = """
import dask.array as da
import numpy as np
import fastcumprod.dask as fdask

x = da.ones((4, 6), chunks=2)
a: da.Array = fdask.cumprod(x, 1, dtype=np.float32, reverse=True, exclusive=True)
b: da.Array = fdask.nancumprod(x, 0)
c: da.Array = fdask.numpy_cumprod(x)
d: da.Array = fdask.numpy_nancumprod(x, axis=1, dtype="float64")
e: da.Array = fdask.numpy_cumulative_prod(x, axis=0, include_initial=True)
"""


@pytest.mark.parametrize("function", [fastcumprod.cumprod, fastcumprod.nancumprod])
def test_help_shows_torchs_signature(function):
    signature = str(inspect.signature(function))
    assert signature.startswith("(input: 'npt.ArrayLike', dim: 'SupportsIndex', *,")
    assert "object at 0x" not in signature and "_MISSING" not in signature
    assert "reverse" in signature and "exclusive" in signature


@pytest.mark.parametrize("function", [fnp.cumprod, fnp.nancumprod, fnp.cumulative_prod])
def test_numpy_functions_have_numpys_signatures(function):
    ours = inspect.signature(function).parameters
    theirs = inspect.signature(getattr(np, function.__name__)).parameters
    assert list(ours) == list(theirs)
    assert [p.kind for p in ours.values()] == [p.kind for p in theirs.values()]


@pytest.mark.parametrize("dim", [fastcumprod._api._MISSING, None])
def test_no_dim_points_to_numpys_flattening(dim):
    kwargs = {} if dim is fastcumprod._api._MISSING else {"dim": dim}
    with pytest.raises(TypeError, match="fastcumprod.numpy.cumprod"):
        fastcumprod.cumprod(np.ones(3), **kwargs)
