"""Whether an out='s elements share bytes with each other (SPEC 4), which
is refused.  (Whether out shares bytes with the input, which is buffered,
every call asks first: fastcumprod._cy.fastpath.needs_buffer.)"""

# Nodes the exact self-overlap search may visit (about 0.1 s in Python)
# before it gives up and the call is refused as undecidable.
MAX_WORK = 100_000


class TooHard(Exception):
    """The exact search ran out of work before it could decide."""


def self_overlapping(a, max_work=None):
    """Whether two distinct elements of `a` share a byte (torch refuses such an
    out=: "more than one element of the written-to tensor refers to a single
    memory location").  Elements overlap by bytes, not only by address: an
    as_strided view whose stride is smaller than its itemsize overlaps itself.
    Raises TooHard where it cannot decide within max_work (MAX_WORK)."""
    if a.size <= 1 or a.flags.c_contiguous or a.flags.f_contiguous:
        return False
    dims = sorted((abs(s), n) for s, n in zip(a.strides, a.shape) if n > 1)
    if dims[0][0] == 0:
        return True
    # Each axis stepping past every byte the faster ones reach: no overlap.
    # O(ndim log ndim); only interleaved axes (as_strided) fail it.
    span = a.itemsize
    for stride, n in dims:
        if stride < span:
            break
        span += stride * (n - 1)
    else:
        return False
    return _interleaved_overlap(dims[::-1], a.itemsize, MAX_WORK if max_work is None else max_work)


def _interleaved_overlap(dims, itemsize, max_work):
    """Whether some nonzero z with |z_k| < n_k has |sum s_k z_k| < itemsize:
    two elements whose offsets differ by less than an item.  Depth-first from
    the largest stride, pruned by what the smaller ones can still reach; the
    first nonzero z_k is positive (z and -z are the same pair)."""
    reach = [0] * (len(dims) + 1)
    for k in range(len(dims) - 1, -1, -1):
        reach[k] = reach[k + 1] + dims[k][0] * (dims[k][1] - 1)
    work = 0

    def search(k, partial, started):
        nonlocal work
        work += 1
        if work > max_work:
            raise TooHard
        if k == len(dims):
            return started and abs(partial) < itemsize
        stride, n = dims[k]
        bound = reach[k + 1] + itemsize - 1
        lo = max(-(n - 1), -((bound + partial) // stride))
        hi = min(n - 1, (bound - partial) // stride)
        if not started:
            lo = max(lo, 0)
        return any(search(k + 1, partial + stride * z, started or z != 0)
                   for z in range(lo, hi + 1))

    return search(0, 0, False)
