"""What comes back for each kind of container: torch in, torch out (torch's
contract, so that torch.cumprod can be swapped for fastcumprod.cumprod);
other array-likes give an ndarray under torch's contract (README), and
numpy's own result type under fastcumprod.numpy (numpy's function decides)."""
import numpy as np
import pytest

import fastcumprod
from fastcumprod import numpy as fnp

from conftest import assert_identical, run_python, torch, torch_family


needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


@needs_torch
@pytest.mark.parametrize("dtype", ["bool", "int8", "int32", "int64", "uint8", "float16",
                                   "float32", "float64", "complex64", "complex128"])
def test_a_tensor_gives_a_tensor(dtype):
    rng = np.random.default_rng(31)
    x = rng.uniform(0.5, 1.5, (5, 7))
    if dtype == "bool":
        x = x > 0.8
    x = torch.from_numpy(np.asarray(x).astype(dtype))
    for dim in (0, 1, -1):
        for reverse in (False, True):
            for exclusive in (False, True):
                y = fastcumprod.cumprod(x, dim, reverse=reverse, exclusive=exclusive)
                assert isinstance(y, torch.Tensor)
                assert_identical(y.numpy(), torch_family(x.numpy(), dim, None, reverse, exclusive))
    y = fastcumprod.cumprod(x, 1)
    expected = torch.cumprod(x, 1)
    assert y.dtype == expected.dtype
    assert_identical(y.numpy(), expected.numpy())


@needs_torch
def test_an_out_tensor_is_written_and_returned():
    x = torch.linspace(0.5, 1.5, 12, dtype=torch.float64).reshape(3, 4)
    for out in (torch.empty(3, 4, dtype=torch.float64), torch.empty(4, 3, dtype=torch.float64).T,
                torch.empty(3, 8, dtype=torch.float64)[:, ::2]):
        assert fastcumprod.cumprod(x, 0, out=out) is out
        assert_identical(out.numpy(), torch.cumprod(x, 0).numpy())
    # an ndarray input into a tensor out, and nancumprod with dtype=
    out = torch.empty(3, 4, dtype=torch.float32)
    assert fastcumprod.nancumprod(x.numpy(), 1, dtype=torch.float32, out=out) is out
    assert_identical(out.numpy(), torch.cumprod(x, 1, dtype=torch.float32).numpy())
    # in place, as torch.cumprod(x, 0, out=x)
    y = x.clone()
    fastcumprod.cumprod(y, 0, out=y)
    assert_identical(y.numpy(), torch.cumprod(x, 0).numpy())


@needs_torch
def test_tensors_numpy_cannot_view_are_refused_with_a_message():
    with pytest.raises(TypeError, match="requires grad"):
        fastcumprod.cumprod(torch.ones(3, requires_grad=True), 0)
    with pytest.raises(TypeError, match="no numpy view"):
        fastcumprod.cumprod(torch.ones(3, dtype=torch.bfloat16), 0)
    conj = torch.tensor([1 + 2j, 3 - 1j]).conj()  # a lazy conjugate: resolved
    assert_identical(fastcumprod.cumprod(conj, 0).numpy(), torch.cumprod(conj, 0).numpy())


def test_arrays_never_import_torch():
    out = run_python("""
        import sys, numpy as np, fastcumprod
        fastcumprod.cumprod(np.ones((3, 4)), 0)
        fastcumprod.cumprod([1, 2, 3], 0, out=np.empty(3, np.int64))
        print("torch" in sys.modules)
    """)
    assert out.strip() == "False"


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_other_containers_give_an_ndarray_under_torchs_contract():
    values = np.array([[1.0, 2.0], [3.0, 4.0]])
    expected = fastcumprod.cumprod(values, 0)
    for container in [np.matrix(values)]:
        result = fastcumprod.cumprod(container, 0)
        assert type(result) is np.ndarray
        assert_identical(result, expected)
    pandas = pytest.importorskip("pandas", reason="pandas is not installed")
    for container in (pandas.DataFrame(values), pandas.Series(values[:, 0])):
        result = fastcumprod.cumprod(container, 0)
        assert type(result) is np.ndarray
        assert_identical(result, fastcumprod.cumprod(np.asarray(container), 0))
    xr = pytest.importorskip("xarray", reason="xarray is not installed")
    result = fastcumprod.cumprod(xr.DataArray(values, dims=("a", "b")), 0)
    assert type(result) is np.ndarray
    assert_identical(result, expected)


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_numpy_semantics_keep_what_numpy_keeps():
    values = np.array([[1.0, 2.0], [3.0, 4.0]])
    m = np.matrix(values)
    assert_identical(np.asarray(fnp.cumprod(m, axis=0)), np.asarray(np.cumprod(m, axis=0)))
    assert type(fnp.cumprod(m, axis=0)) is type(np.cumprod(m, axis=0))
    pandas = pytest.importorskip("pandas", reason="pandas is not installed")
    s = pandas.Series([1.0, 2.0, 3.0])
    assert type(fnp.cumprod(s)) is type(np.cumprod(s))
    assert_identical(np.asarray(fnp.cumprod(s)), np.asarray(np.cumprod(s)))
