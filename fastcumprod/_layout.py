"""The (outer, n, inner) view of a strided cumprod along one axis (SPEC 7)."""
import math
from typing import NamedTuple

class Plan(NamedTuple):
    """Strides are in elements; outer holds (length, x stride, y stride) triples.
    chains: the scanned axis is the faster one, so lanes are scanned as
    interleaved chains; else as rows of lanes side by side.  group: rows of
    the last outer axis that one kernel call takes with its m lanes, a plane
    of lanes (x's unit stride along those rows, y's along the lanes: the
    kernels' plane tiles); 1 elsewhere."""
    outer: tuple
    n: int
    xs_n: int
    ys_n: int
    m: int
    xs_m: int
    ys_m: int
    chains: bool
    group: int = 1


# A plane of lanes (see Plan.group) is grouped in rows of this many (runs of
# 128 elements read from x at every step: 3-D Fortran into C along 1 took
# 5.5-9.4x np.copyto's time, one thread, in groups of 64, 3.7-9.1x in 128;
# one at a time, 11-19x; kernels.pyx: cast_plane), ...
PLANE_GROUP = 128
# ... where its rows and lanes number at least PLANE_SIDE each and the array
# has TILES_MIN_LANES lanes or more: fewer stay in the L2 cache, where the
# fused loops keep up (3-D (32, 32, 32) along 1, 1024 lanes: planes took
# 1.2-1.5x their time; (16, 128, 128), 2048 lanes: 0.46-0.65x; (64, 64, 64)
# 0.13-0.71x).  Lanes, not elements: every block of a scan along dim, of
# any length, plans its lanes in one order (a carry's order).
PLANE_SIDE = 16
TILES_MIN_LANES = 2048


# Plans of recent geometries: planning in Python costs more than scanning a
# small array.
_CACHE_SIZE = 512
_cache = {}


def plan(x, y, dim):
    """How to walk y = cumprod(x, dim) with no copy: the scanned axis, the inner
    axis of lanes (the fastest-varying other axis) and the outer axes left,
    merged wherever both arrays' strides allow."""
    key = (x.shape, x.strides, y.strides, x.itemsize, y.itemsize, dim)
    found = _cache.get(key)
    if found is None:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        found = _cache[key] = _plan(x, y, dim)
    return found


def lane_axes(x, y, dim):
    """The axes other than dim, outermost first, in the order plan() walks
    the lanes (and a carry holds their accumulators).  Lanes are
    independent, so any order is right; this one puts innermost the axis
    with a unit stride in either array (the one with the smallest strides
    where none has), so that the lanes of a Fortran input into a C out=
    (or back) run along the other array's unit stride: 3-D float64 F into C
    along 0, 91 -> 26 ms.  Except where that would scan the lanes as rows
    that write out across its own unit stride, which lies along dim: each
    step of the rows then stores into a line of its own, a power of two
    apart (3-D float32 C into F along 0: 39 -> 78 ms); there the axes go by
    the sum of their strides, unless the innermost has x's unit stride,
    which the kernels' square tiles pair with y's along dim in arrays of
    TILES_MIN_LANES lanes or more (the same call, 3-D float64 (64, 512, 512):
    15.6x np.copyto's time one thread, 3.2-5.0x in tiles; (16, 32, 32)
    float32: 3.2x the fused loops' time in the other order).  Where x's and
    y's unit strides both lie along lane axes, those two go innermost, y's
    last: a plane of lanes (Plan.group).  (A stable sort: dropping axes of
    length 1 leaves the others in the same order.)"""
    xi, yi = x.itemsize, y.itemsize
    axes = [a for a in range(x.ndim) if a != dim]

    def strides(a):
        return abs(x.strides[a] // xi), abs(y.strides[a] // yi)

    order = sorted(axes, key=lambda a: (min(strides(a)), sum(strides(a))), reverse=True)
    plane = plane_axes(x, y, dim)
    if plane is not None:
        return [a for a in order if a not in plane] + list(plane)
    if len(order) > 1:
        xs_m, ys_m = strides(order[-1])
        xs_n, ys_n = strides(dim)
        tiles = xs_m == 1 and _lanes(x, dim) >= TILES_MIN_LANES
        if xs_n + ys_n > xs_m + ys_m and ys_n == 1 and ys_m != 1 and not tiles:
            order = sorted(axes, key=lambda a: sum(strides(a)), reverse=True)
    return order


def _lanes(x, dim):
    """How many lanes a scan of x along dim has (whatever x's length there)."""
    return math.prod(x.shape[:dim] + x.shape[dim + 1:])


def plane_axes(x, y, dim):
    """(u, v): the axes other than dim along which x and y have their unit
    strides, where those differ (a Fortran input into a C out=, or back,
    along a middle axis); else None.  The lanes go with v innermost and u
    next, which the kernels take as a plane of lanes (Plan.group)."""
    def unit(a):
        axes = [d for d in range(a.ndim) if d != dim and a.shape[d] > 1
                and abs(a.strides[d]) == a.itemsize]
        return axes[0] if len(axes) == 1 else None
    u, v = unit(x), unit(y)
    if u is None or v is None or u == v:
        return None
    if (x.shape[u] < PLANE_SIDE or x.shape[v] < PLANE_SIDE
            or _lanes(x, dim) < TILES_MIN_LANES):
        return None
    return u, v


def _plan(x, y, dim):
    xi, yi = x.itemsize, y.itemsize
    axes = [(y.shape[a], x.strides[a] // xi, y.strides[a] // yi)
            for a in lane_axes(x, y, dim) if x.shape[a] != 1]
    merged = []
    for length, xs, ys in axes:
        if merged and merged[-1][1] == length * xs and merged[-1][2] == length * ys:
            merged[-1] = (merged[-1][0] * length, xs, ys)
        else:
            merged.append((length, xs, ys))
    m, xs_m, ys_m = merged.pop() if merged else (1, 0, 0)
    n, xs_n, ys_n = x.shape[dim], x.strides[dim] // xi, y.strides[dim] // yi
    chains = abs(xs_n) + abs(ys_n) <= abs(xs_m) + abs(ys_m)
    group = 1
    if merged and abs(merged[-1][1]) == 1 and abs(ys_m) == 1 and plane_axes(x, y, dim):
        group = PLANE_GROUP
    return Plan(tuple(merged), n, xs_n, ys_n, m, xs_m, ys_m, chains, group)
