"""fastcumprod.dask beside dask's own cumprod (SPEC 11), on dask's threaded
scheduler: a 1-D float64 array chunked along its axis, and a 2-D one chunked
along both axes.  (Skipped where dask is not installed: add "dask[array]" to
asv.conf.json's matrix to time it in asv's own environments.)
`python -m fastcumprod bench --dask` runs the full-size table, LocalCluster
included."""
import numpy as np

CASES = {"1-D 2**22, 8 chunks, dim 0": ((2**22,), (2**19,), 0),
         "1024x4096, (256, 1024), dim 0": ((1024, 4096), (256, 1024), 0),
         "1024x4096, (256, 1024), dim 1": ((1024, 4096), (256, 1024), 1)}


class Dask:
    params = [list(CASES), ["fastcumprod.dask", "dask sequential", "dask blelloch"]]
    param_names = ["case", "library"]
    timeout = 120
    rounds = 4

    def setup(self, case, library):
        try:
            import dask.array as da
            import fastcumprod.dask as fdask
        except ImportError:
            raise NotImplementedError("dask is not installed") from None
        shape, chunks, dim = CASES[case]
        x = da.from_array(np.random.default_rng(0).uniform(0.5, 1.5, shape), chunks=chunks)
        if library == "fastcumprod.dask":
            self.lazy = fdask.cumprod(x, dim)
        else:
            self.lazy = da.cumprod(x, axis=dim, method=library.split()[1])

    def time_compute(self, case, library):
        self.lazy.compute(scheduler="threads")
