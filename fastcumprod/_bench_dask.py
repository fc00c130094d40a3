"""`python -m fastcumprod bench --dask`: fastcumprod.dask against dask's own
cumprod (sequential and blelloch) and the in-memory call, on dask's threaded
scheduler and on a LocalCluster of worker processes (SPEC 11)."""
import numpy as np

from ._api import cumprod
from ._bench import _best_times

# (name, shape, chunks, dim): the two arrays, 512 MiB of float64 each.
CASES = [
    ("2**26, 16 chunks, dim 0", (2**26,), (2**22,), 0),
    ("4096x16384, (1024, 4096), dim 0", (4096, 16384), (1024, 4096), 0),
    ("4096x16384, (1024, 4096), dim 1", (4096, 16384), (1024, 4096), 1),
]


def _identity(block):
    return block


def run_dask(rounds=3, select=None, cluster=True, print=print):
    """Print a table for the threaded scheduler and, where distributed is
    installed and cluster is true, for a LocalCluster of 2 worker processes
    with a thread each (inputs made and kept on the workers; results
    persisted there, not gathered)."""
    try:
        import dask
        import dask.array as da
    except ImportError:
        print("dask is not installed: pip install 'fastcumprod[dask]'")
        return
    from . import dask as fdask

    cases = [c for c in CASES if select is None or select in c[0]]
    names = ["fcp dask", "fcp numpy", "dask seq", "blelloch", "overhead", "in-memory"]
    print(f"fastcumprod.dask, float64 in [0.5, 1.5), times in ms, best of {rounds} interleaved "
          "rounds; 'fcp numpy' = fastcumprod.dask.numpy_cumprod (dask's own cumprod has "
          "numpy's semantics); 'overhead' = the same graph of identity tasks; "
          "'bound' = 1.5 x (in-memory + overhead)")

    def table(title, compute, make_input, in_memory):
        print(f"-- {title}")
        print(f"{'case':34s}" + "".join(f"{n:>11s}" for n in names)
              + f"{'vs seq':>8s}{'vs bllch':>9s}{'/bound':>8s}")
        for name, shape, chunks, dim in cases:
            x = make_input(shape, chunks)
            contenders = {
                "fcp dask": lambda: compute(fdask.cumprod(x, dim)),
                "fcp numpy": lambda: compute(fdask.numpy_cumprod(x, dim)),
                "dask seq": lambda: compute(da.cumprod(x, axis=dim, method="sequential")),
                "blelloch": lambda: compute(da.cumprod(x, axis=dim, method="blelloch")),
                "overhead": lambda: compute(x.map_blocks(_identity, dtype=x.dtype)),
            }
            if in_memory is not None:
                whole = in_memory(x)
                contenders["in-memory"] = lambda: cumprod(whole, dim)
                # exactness, once per case
                y = fdask.cumprod(x, dim).compute(scheduler="threads")
                if y.tobytes() != cumprod(whole, dim).tobytes():
                    raise AssertionError(f"{name}: fastcumprod.dask differs from one call")
            with np.errstate(all="ignore"):
                best = _best_times(contenders, rounds)
            ms = {k: 1e3 * v for k, v in best.items()}
            bound = 1.5 * (ms.get("in-memory", 0.0) + ms["overhead"])
            row = f"{name:34s}" + "".join(
                f"{ms[n]:11.1f}" if n in ms else f"{'-':>11s}" for n in names)
            row += f"{ms['dask seq'] / ms['fcp dask']:8.2f}{ms['blelloch'] / ms['fcp dask']:9.2f}"
            row += f"{ms['fcp dask'] / bound:8.2f}" if "in-memory" in ms else f"{'-':>8s}"
            print(row)

    rng = np.random.default_rng(0)
    threaded = {}

    def threaded_input(shape, chunks):
        if shape not in threaded:
            threaded.clear()
            threaded[shape] = rng.uniform(0.5, 1.5, shape)
        return da.from_array(threaded[shape], chunks=chunks)

    with dask.config.set(scheduler="threads"):
        table("threaded scheduler (this process's threads)",
              lambda y: y.compute(), threaded_input, lambda x: threaded[x.shape])
    threaded.clear()
    if not cluster:
        return
    try:
        import distributed
    except ImportError:
        print("-- LocalCluster: distributed is not installed")
        return
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                      host="127.0.0.1", dashboard_address=None) as lc, \
                distributed.Client(lc) as client:

            def cluster_input(shape, chunks):
                made = da.random.default_rng(0).uniform(0.5, 1.5, shape, chunks=chunks)
                return client.persist(made)

            def persist(y):
                y = client.persist(y)
                distributed.wait(y)
                del y

            table("LocalCluster: 2 worker processes x 1 thread, results persisted on the "
                  "workers", persist, cluster_input, None)
