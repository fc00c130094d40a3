"""Mixed layouts (kernels.pyx: mixed, cast_lanes, cast_plane): where the
input's lanes and out='s run in different directions, large blocks are
scanned through square tiles, and planes of lanes (the unit strides of
both arrays along two other axes than dim: fastcumprod._layout's
Plan.group) through plane tiles, the lanes' accumulators carried from tile
to tile.  These arrays cross every tile boundary along every axis, on 2-D,
3-D and 4-D arrays, along every axis, in both directions (Fortran into C,
C into Fortran), for every variant, in blocks too: the same bits as the
reference, torch and numpy."""
import numpy as np
import pytest

import fastcumprod
import fastcumprod.numpy as fnp
from fastcumprod import Scanner, _reference
from fastcumprod._layout import PLANE_GROUP, plan

from arrays import values
from conftest import assert_identical, assert_same_as_torch, torch, torch_family

# kernels.pyx: the side of a square tile (the largest power of two whose
# square fits CAST_BYTES), by the result's itemsize; TRANSPOSE_MIN.
TILE = {1: 512, 2: 256, 4: 256, 8: 128, 16: 128}
TRANSPOSE_MIN = 65536
# kernels.pyx: PLANE_RUN, the bytes of a plane tile's run of lanes.
PLANE_RUN = 1024

# float64, float32, complex64, int64 and int32 into int32 move their bits in
# AVX blocks where the cast is the identity (fcp.h: fcp_transpose32/64).
DTYPES = [("float64", None), ("float32", None), ("int16", "int64"), ("float16", None),
          ("complex64", None), ("float64", "float32"), ("int64", None), ("int32", "int32")]


def arrays(dtype, result, rng):
    """(name, x, out, dim) in mixed layouts, crossing the tiles."""
    res = np.dtype(result) if result else fastcumprod.cumprod(np.ones(1, dtype), 0).dtype
    t = TILE[res.itemsize]
    # The last: a plane along 1, a group of rows and a tile's lanes and
    # more (along 0 and 2) and three tiles' steps.
    shapes = [(2 * t + 3, 2 * t + 5), (3, 2 * t + 3, t + 9),
              (PLANE_GROUP + 5, 7, max(16, PLANE_RUN // res.itemsize) + 9)]
    for shape in shapes:
        a = values(dtype, int(np.prod(shape)), rng).reshape(shape)
        if res.kind in "iu" and a.dtype.kind in "fc":
            a = np.where(np.isfinite(a), a, 3).astype(dtype)
        for dim in range(len(shape)):
            yield "F into C", np.asfortranarray(a), np.empty(shape, res), dim
            yield "C into F", a, np.empty(shape, res, order="F"), dim
            yield "transposed into C", np.ascontiguousarray(a.T).T, np.empty(shape, res), dim


@pytest.fixture(params=[True, False], ids=["registers", "buffer"])
def tiles(request):
    """float32 and float64 square tiles through registers and through the
    buffer (kernels.pyx: tiles_in_registers, on by default on AMD CPUs
    only): the same bits either way."""
    from fastcumprod._kernels import kernels
    previous = kernels.set_tiles_in_registers(request.param)
    if kernels.set_tiles_in_registers(request.param) != request.param:
        kernels.set_tiles_in_registers(previous)
        pytest.skip("this build of the kernels has no tiles in registers (no AVX2)")
    yield request.param
    kernels.set_tiles_in_registers(previous)


def test_the_arrays_reach_the_tiles():
    """At least one block of each array is as large as TRANSPOSE_MIN, and
    the 3-D arrays along 1 are planes of lanes in groups of rows, Fortran
    into C and back."""
    for dtype, result in DTYPES:
        planes = set()
        for name, x, out, dim in arrays(dtype, result, np.random.default_rng(0)):
            assert x.size >= TRANSPOSE_MIN
            if plan(x, out, dim).group > 1:
                assert x.ndim == 3 and dim == 1
                planes.add(name)
        assert planes == {"F into C", "C into F", "transposed into C"}


def cross_the_tiles_exactly(dtype, result):
    rng = np.random.default_rng(5)
    for name, x, out, dim in arrays(dtype, result, rng):
        expected = _reference.cumprod(x, dim, dtype=result)
        fastcumprod.cumprod(x, dim, dtype=result, out=out)
        assert_identical(out, expected)
        assert_same_as_torch(out, x, dim, result)


@pytest.mark.parametrize("dtype,result", DTYPES)
def test_mixed_layouts_cross_their_tiles_exactly(dtype, result):
    cross_the_tiles_exactly(dtype, result)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_tiles_cross_their_tiles_exactly_both_ways(dtype, tiles):
    """The test above for the dtypes that tiles_in_registers switches,
    through registers and through the buffer (the others never take the
    registers)."""
    cross_the_tiles_exactly(dtype, None)


@pytest.mark.parametrize("dtype,result", [("float64", None), ("float32", None),
                                          ("int16", "int64")])
def test_mixed_layouts_cross_their_tiles_in_every_variant(dtype, result, tiles):
    rng = np.random.default_rng(6)
    for name, x, out, dim in arrays(dtype, result, rng):
        if x.dtype.kind == "f":
            x[rng.random(x.shape) < 0.05] = np.nan
        for reverse, exclusive in [(True, False), (False, True), (True, True)]:
            fastcumprod.cumprod(x, dim, dtype=result, reverse=reverse, exclusive=exclusive,
                                out=out)
            assert_identical(out, _reference.cumprod(x, dim, dtype=result, reverse=reverse,
                                                     exclusive=exclusive))
            if torch is not None:
                assert_identical(out, torch_family(x, dim, result, reverse, exclusive))
        fastcumprod.nancumprod(x, dim, dtype=result, out=out)
        assert_identical(out, _reference.nancumprod(x, dim, dtype=result))


@pytest.mark.parametrize("dtype,result", [("float32", None), ("float16", None),
                                          ("complex64", None), ("float64", "float32")])
def test_numpys_semantics_in_mixed_layouts(dtype, result):
    """numpy's arithmetic (float32 products in float, its first element
    copied) through the tiles."""
    rng = np.random.default_rng(7)
    for name, x, out, dim in arrays(dtype, result, rng):
        with np.errstate(all="ignore"):
            expected = np.cumprod(x, dim, dtype=result)
            fnp.cumprod(x, dim, dtype=result, out=out)
        assert_identical(out, expected)


def test_3d_mixed_lanes_run_along_the_other_arrays_unit_stride():
    """The plan of a 3-D Fortran input into a C out= along 0 takes its lanes
    along out's unit stride (rows written whole: 3-D float64, 91 -> 26 ms),
    and of a C input into a Fortran out= along 0, along the input's, which
    the square tiles pair with out's along dim (one thread, 3-D float64:
    across both unit strides, 15.6x np.copyto's time; along the input's,
    fused 21.6x, in tiles 3.2-5.0x).  Any order gives the same bits (the
    tests above)."""
    a = np.ones((64, 512, 512), np.float32)
    f_into_c = plan(np.asfortranarray(a), a, 0)
    assert not f_into_c.chains and f_into_c.ys_m == 1 and f_into_c.xs_n == 1
    c_into_f = plan(a, np.asfortranarray(a), 0)
    assert c_into_f.ys_n == 1 and c_into_f.xs_m == 1
    f_into_c_last = plan(np.asfortranarray(a), a, 2)
    assert f_into_c_last.chains and f_into_c_last.xs_m == 1 and f_into_c_last.ys_n == 1


def test_planes_of_4d_arrays_step_their_outer_axes_by_groups():
    """A 4-D Fortran input into a C out= along 2: a plane of lanes (axes 0
    and 3) in groups of PLANE_GROUP rows, and another outer axis (1) that
    the kernels' odometer steps past the groups (and the numba driver
    splits in tasks of a group)."""
    rng = np.random.default_rng(8)
    shape = (PLANE_GROUP + 7, 3, 5, 150)
    a = values("float64", int(np.prod(shape)), rng).reshape(shape)
    # The last: x's rows run downwards (a negative unit stride).
    for x, out in [(np.asfortranarray(a), np.empty(shape)),
                   (a, np.empty(shape, order="F")),
                   (np.asfortranarray(a)[::-1], np.empty(shape))]:
        p = plan(x, out, 2)
        assert p.group == PLANE_GROUP and len(p.outer) == 2
        for reverse in (False, True):
            fastcumprod.cumprod(x, 2, out=out, reverse=reverse)
            assert_identical(out, _reference.cumprod(x, 2, reverse=reverse))
            if torch is not None:
                assert_identical(out, torch_family(x, 2, None, reverse, False))


@pytest.mark.parametrize("dtype,result", [("float64", None), ("float32", None),
                                          ("int16", "int64")])
def test_planes_carry_their_lanes_between_blocks(dtype, result):
    """Blocks along a plane's scanned axis (Scanner): every block's rows
    and lanes start from the carry, in the order the plan walks them."""
    rng = np.random.default_rng(9)
    res = np.dtype(result) if result else np.dtype(dtype)
    for name, x, out, dim in arrays(dtype, result, rng):
        if plan(x, out, dim).group == 1:
            continue
        n = x.shape[dim]
        for reverse, exclusive in [(False, False), (True, True)]:
            scanner = Scanner(dim, dtype=result, reverse=reverse, exclusive=exclusive)
            edges = [(0, 2), (2, 3), (3, n)][::-1 if reverse else 1]
            for a, b in edges:
                scanner(x[:, a:b], out=out[:, a:b])
            assert_identical(out, _reference.cumprod(x, dim, dtype=result, reverse=reverse,
                                                     exclusive=exclusive).astype(res))


def test_a_planes_lane_order_does_not_depend_on_its_length_along_dim():
    """Blocks of one scan (Scanner, scan_block, the byte-swapped path's row
    blocks, which reuse one carry) plan their lanes in one order whatever
    their length along dim: planes and the tiles' lane order are chosen by
    the number of lanes, not of elements."""
    from fastcumprod._layout import lane_axes
    for shape in [(64, 9, 40), (16, 300, 128), (40, 2, 60)]:
        a = np.ones(shape)
        for x, y in [(np.asfortranarray(a), a), (a, np.asfortranarray(a))]:
            for dim in range(3):
                orders = {tuple(lane_axes(x[(slice(None),) * dim + (slice(0, k),)],
                                          y[(slice(None),) * dim + (slice(0, k),)], dim))
                          for k in (1, 2, shape[dim])}
                groups = {plan(x[(slice(None),) * dim + (slice(0, k),)],
                               y[(slice(None),) * dim + (slice(0, k),)], dim).group
                          for k in (1, 2, shape[dim])}
                assert len(orders) == 1 and len(groups) == 1, (shape, dim, orders, groups)



@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reverse,exclusive,skipnan",
                         [(False, False, False), (True, False, False), (False, True, False),
                          (False, False, True), (True, True, True)])
def test_tiles_in_registers_keep_the_accumulators_nan(dtype, reverse, exclusive, skipnan, tiles):
    """float32 and float64 Fortran into C along 0 (fcp.h: fcp_across, 16
    lanes at a time in registers, the rest through the buffer): where a
    lane is NaN and meets another NaN, quiet or signalling, the
    accumulator's payload survives (the product's operands are pinned, not
    left to the compiler), in every variant, with lanes that are not a
    multiple of 16 and steps that are not a multiple of 8 or of the tile."""
    rng = np.random.default_rng(10)
    dt = np.dtype(dtype)
    t = TILE[dt.itemsize]
    shape = (t + 13, 3 * 16 + 5 + t)
    a = rng.uniform(0.5, 1.5, shape).astype(dt)
    uint = np.dtype(f"u{dt.itemsize}")
    bits = a.view(uint)
    mant = {4: 23, 8: 52}[dt.itemsize]
    exponent = (1 << (8 * dt.itemsize - 1)) - (1 << mant)
    # Each lane turns NaN early with one payload and meets NaNs of others:
    # quiet ones, negative ones, and a signalling one.
    for j in range(shape[1]):
        rows = rng.choice(shape[0], 4, replace=False)
        payload = rng.integers(1, 1 << (mant - 1), 4).astype(uint)
        bits[rows, j] = (exponent | (1 << (mant - 1)) | payload).astype(uint)
        bits[rows[:2], j] |= uint.type(1 << (8 * dt.itemsize - 1))
        bits[rows[3], j] = exponent | payload[3]
    x = np.asfortranarray(a)
    out = np.empty(shape, dt)
    f = fastcumprod.nancumprod if skipnan else fastcumprod.cumprod
    ref = _reference.nancumprod if skipnan else _reference.cumprod
    f(x, 0, out=out, reverse=reverse, exclusive=exclusive)
    assert_identical(out, ref(x, 0, reverse=reverse, exclusive=exclusive))
    if torch is not None:
        assert_identical(out, torch_family(x, 0, None, reverse, exclusive, skipnan))
    # The lanes really carry distinct NaNs: the check could tell them apart.
    if not skipnan:
        assert len(np.unique(out.view(uint)[-1 if not reverse else 0])) > shape[1] // 2


def test_tiles_in_registers_by_default_on_amd_cpus_only():
    """They were measured faster than the buffer on an AMD EPYC and 1.6-2.0x
    slower on an Intel Xeon (kernels.pyx: tiles_in_registers); the build
    for x86-64-v3 has them, the baseline build none."""
    from fastcumprod._kernels import kernels
    on = kernels.set_tiles_in_registers(False)
    kernels.set_tiles_in_registers(on)
    try:
        with open("/proc/cpuinfo") as f:
            amd = "AuthenticAMD" in f.read()
    except OSError:
        pytest.skip("no /proc/cpuinfo to tell the CPU's vendor")
    assert on == (amd and kernels.__name__.endswith("_v3"))


@pytest.mark.parametrize("dtype,shape,dim", [
    ("float32", (3 * 64 + 5, 4 * 256 + 37), 0),   # reverse strips: 64 steps, 4t lanes
    ("float64", (8 * 128 + 37, 67), 0),           # float64 strips: 32 steps, lanes of 8t+
    ("float64", (7, 300, 70), 0),                  # lanes shorter than a tile
    ("float32", (40, 9, 2 * 256 + 5), 1),
    ("float64", (5, 60, 2 * 128 + 1), 1)])
@pytest.mark.parametrize("reverse,exclusive,skipnan",
                         [(False, False, False), (True, False, False), (True, True, False),
                          (True, False, True)])
def test_reverse_strips_and_short_lanes_in_wider_tiles(dtype, shape, dim, reverse, exclusive,
                                                       skipnan, tiles):
    """Square tiles change shape where that was measured faster: a reverse
    scan's staged strips take runs of 256 bytes of 4t lanes (float64 ones
    staged from lanes of 8 tiles on), and lanes shorter than a tile more
    lanes in the same bytes (kernels.pyx: cast_block).  Across those tiles' edges, NaNs in, in both directions
    (Fortran into C, C into Fortran), every variant here: the same bits."""
    rng = np.random.default_rng(11)
    a = values(dtype, int(np.prod(shape)), rng, special=0.01).reshape(shape)
    f = fastcumprod.nancumprod if skipnan else fastcumprod.cumprod
    ref = _reference.nancumprod if skipnan else _reference.cumprod
    for x, out in [(np.asfortranarray(a), np.empty(shape, dtype)),
                   (a, np.empty(shape, dtype, order="F"))]:
        f(x, dim, out=out, reverse=reverse, exclusive=exclusive)
        assert_identical(out, ref(x, dim, reverse=reverse, exclusive=exclusive))
        if torch is not None:
            assert_identical(out, torch_family(x, dim, None, reverse, exclusive, skipnan))
