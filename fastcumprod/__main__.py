"""python -m fastcumprod {bench,info}"""
import argparse
import os
import platform
import sys
from importlib import metadata


def _version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def info():
    import numpy
    import fastcumprod
    print(f"fastcumprod {fastcumprod.__version__}")
    print(f"python      {platform.python_version()} ({platform.machine()}, {os.cpu_count()} CPUs)")
    print(f"numpy       {numpy.__version__}")
    for name in ("numba", "torch"):
        print(f"{name:11s} {_version(name)}")
    backends = "cython" + (", numba" if _version("numba") != "not installed" else "")
    print(f"backends    {backends}; using {fastcumprod.get_backend()}")
    print(f"threads     {fastcumprod.get_num_threads()}")
    from ._kernels import kernels
    print(f"kernels     {kernels.__name__.rsplit('.', 1)[-1]} build "
          f"({'x86-64-v3: AVX2, FMA' if kernels.__name__.endswith('_v3') else 'baseline'})")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m fastcumprod")
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser("bench", help="time cumprod against numpy, torch and np.copyto")
    bench.add_argument("--full", action="store_true", help="every case, not the quick few")
    bench.add_argument("--rounds", type=int, default=5, help="interleaved rounds (best is kept)")
    bench.add_argument("--case", help="only cases whose name contains this")
    bench.add_argument("--section", choices=["torch", "numpy", "family"], action="append",
                       help="only these sections (default: all three): torch's contract "
                            "against numpy and torch, fastcumprod.numpy against numpy, the "
                            "scan family against plain cumprod")
    bench.add_argument("--dask", action="store_true",
                       help="instead: fastcumprod.dask against dask's own cumprod and the "
                            "in-memory call, threaded and on a LocalCluster (needs the dask "
                            "extra; 512 MiB arrays, a few minutes)")
    sub.add_parser("info", help="versions, backends, threads")
    sub.add_parser("scaling", help="numba kernels at 1, 2, 4, 8, 16 threads")
    sub.add_parser("crossover", help="cython against numba by size (auto's thresholds)")
    sub.add_parser("warmup", help="compile and cache the numba drivers (seconds, once)")
    sub.add_parser("startup", help="fresh processes: warmup time, first calls, empty and warm cache")
    args = parser.parse_args(argv)
    if args.command == "info":
        info()
    elif args.command == "scaling":
        from . import _bench
        _bench.scaling(print=lambda *a: print(*a, flush=True))
    elif args.command == "crossover":
        from . import _bench
        _bench.crossover(print=lambda *a: print(*a, flush=True))
    elif args.command == "startup":
        from . import _bench
        _bench.startup(print=lambda *a: print(*a, flush=True))
    elif args.command == "warmup":
        from . import _numba
        import time
        start = time.perf_counter()
        _numba.warmup(print=lambda *a: print(*a, flush=True))
        print(f"numba kernels ready in {time.perf_counter() - start:.0f} s; cache: "
              f"{_numba.cache_dir()}")
    elif args.dask:
        from . import _bench_dask
        _bench_dask.run_dask(rounds=min(args.rounds, 3) if args.rounds == 5 else args.rounds,
                             select=args.case, print=lambda *a: print(*a, flush=True))
    else:
        from . import _bench
        sections = args.section or ["torch", "numpy", "family"]
        for name, run in (("torch", _bench.run), ("numpy", _bench.run_numpy),
                          ("family", _bench.run_variants)):
            if name in sections:
                run(full=args.full, rounds=args.rounds, select=args.case,
                    print=lambda *a: print(*a, flush=True))
                print(flush=True)


if __name__ == "__main__":
    sys.exit(main())
