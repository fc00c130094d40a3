"""The (outer, n, inner) view of a strided cumprod along one axis (SPEC 7)."""
from typing import NamedTuple

# Lanes scanned side by side by one kernel call on a block.  Rows: when the
# lanes are contiguous, a block of ROW_BLOCK of them streams through cache
# (see `python -m fastcumprod bench`, README).  Chains: when each lane is
# contiguous along the scan, LANE_BLOCK independent products hide the 4-cycle
# multiply latency.
ROW_BLOCK = 512
LANE_BLOCK = 8


class Plan(NamedTuple):
    """Strides are in elements; outer holds (length, x stride, y stride) triples."""
    outer: tuple
    n: int
    xs_n: int
    ys_n: int
    m: int
    xs_m: int
    ys_m: int
    block: int


def plan(x, y, dim):
    """How to walk y = cumprod(x, dim) with no copy: the scanned axis, the inner
    axis of lanes (the fastest-varying other axis) and the outer axes left,
    merged wherever both arrays' strides allow."""
    xi, yi = x.itemsize, y.itemsize
    axes = [(y.shape[a], x.strides[a] // xi, y.strides[a] // yi)
            for a in range(x.ndim) if a != dim and x.shape[a] != 1]
    # Outer to inner by stride; lanes are independent, so any order is right.
    axes.sort(key=lambda a: abs(a[1]) + abs(a[2]), reverse=True)
    merged = []
    for length, xs, ys in axes:
        if merged and merged[-1][1] == length * xs and merged[-1][2] == length * ys:
            merged[-1] = (merged[-1][0] * length, xs, ys)
        else:
            merged.append((length, xs, ys))
    m, xs_m, ys_m = merged.pop() if merged else (1, 0, 0)
    n, xs_n, ys_n = x.shape[dim], x.strides[dim] // xi, y.strides[dim] // yi
    rows = abs(xs_m) + abs(ys_m) < abs(xs_n) + abs(ys_n)
    return Plan(tuple(merged), n, xs_n, ys_n, m, xs_m, ys_m,
                ROW_BLOCK if rows else LANE_BLOCK)
