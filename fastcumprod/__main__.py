"""python -m fastcumprod {bench,info,warmup,startup,scaling,crossover}"""
import argparse
import os
import platform
import sys
import time
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
    for name in ("numba", "torch", "dask"):
        print(f"{name:11s} {_version(name)}")
    backends = "cython" + (", numba" if _version("numba") != "not installed" else "")
    print(f"backends    {backends}; using {fastcumprod.get_backend()}")
    print(f"threads     {fastcumprod.get_num_threads()}")
    from ._kernels import kernels
    print(f"kernels     {kernels.__name__.rsplit('.', 1)[-1]} build "
          f"({'x86-64-v3: AVX2, FMA' if kernels.__name__.endswith('_v3') else 'baseline'})")


def _positive(text):
    """An argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


class _Help(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown, descriptions kept as written."""


_BENCH = """\
Time fastcumprod against numpy, torch (where installed) and np.copyto of the
result's bytes, in one process, each contender in turn in every round (best
kept), after a warm-up call and numba's preparation. Three sections: torch's
contract against numpy and torch, fastcumprod.numpy against numpy, and the
scan family (reverse, exclusive, nancumprod) against plain cumprod. The
quick cases take about 2 minutes on 2 cores; --full about 10. Every result
is checked bit for bit first. --dask instead times fastcumprod.dask against
dask's own cumprod (needs the dask extra)."""

_WARMUP = """\
Compile the numba drivers that run the Cython kernels in parallel, or load
them from numba's disk cache: a few seconds once (2.4-6.4 s measured), after
which every process loads them in a fraction of a second. Calls never wait
for this: until the driver a call runs is ready, it runs on the serial
Cython kernels, and the first large call that needs a driver prepares it on
a background thread.
The cache lives beside the package (numba's __pycache__) or, where that is
not writable, in numba's user cache; set NUMBA_CACHE_DIR to move it."""


def main(argv=None):
    from . import __version__
    parser = argparse.ArgumentParser(
        prog="python -m fastcumprod", formatter_class=_Help,
        description="fastcumprod: cumulative products of NumPy arrays, bit-identical to "
                    "torch.cumprod (or numpy's), fast. Tools for its speed and set-up.")
    parser.add_argument("--version", action="version", version=f"fastcumprod {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    bench = sub.add_parser("bench", help="time cumprod against numpy, torch and np.copyto",
                           description=_BENCH, formatter_class=_Help)
    bench.add_argument("--full", action="store_true", help="every case, not the quick few")
    bench.add_argument("--rounds", type=_positive, default=None,
                       help="interleaved rounds; the best time of each contender is kept "
                            "(default: 5; 3 with --dask)")
    bench.add_argument("--case", metavar="TEXT",
                       help="only the cases whose name contains TEXT (case-insensitive), "
                            "among all cases, quick or not")
    bench.add_argument("--section", choices=["torch", "numpy", "family"], action="append",
                       help="only these sections (repeatable; default: all three): torch's "
                            "contract against numpy and torch, fastcumprod.numpy against "
                            "numpy, the scan family against plain cumprod")
    bench.add_argument("--plot", metavar="FILE.png",
                       help="also draw the torch section's speed-ups per case into FILE.png "
                            "(needs matplotlib: pip install 'fastcumprod[plot]')")
    bench.add_argument("--dask", action="store_true",
                       help="instead: fastcumprod.dask against dask's own cumprod and the "
                            "in-memory call, threaded and on a LocalCluster (needs the dask "
                            "extra; 512 MiB arrays, about a minute)")
    sub.add_parser("info", help="versions, backends, threads, kernel build",
                   description="Print the versions of fastcumprod and what it uses, the "
                               "backend and thread count in effect, and which build of the "
                               "kernels this CPU runs.", formatter_class=_Help)
    sub.add_parser("warmup", help="compile and cache the numba drivers (seconds, once)",
                   description=_WARMUP, formatter_class=_Help)
    sub.add_parser("startup", help="fresh processes: warm-up time and first calls",
                   description="Measure start-up in fresh processes, each with its own numba "
                               "cache directory: warmup from an empty cache, and the first "
                               "calls of six large cases with an empty and a warm cache "
                               "against their steady times (about a minute).",
                   formatter_class=_Help)
    sub.add_parser("scaling", help="numba drivers at 1, 2, 4, 8, 16 threads",
                   description="Time the parallel drivers on the large cases at 1, 2, 4, 8 "
                               "and 16 threads (as many as this machine allows), into out=, "
                               "beside np.copyto.", formatter_class=_Help)
    sub.add_parser("crossover", help="cython against numba by size (auto's thresholds)",
                   description="Time the serial and the parallel backends by size and layout: "
                               "the measurements behind auto's thresholds "
                               "(fastcumprod._dispatch.choose).", formatter_class=_Help)
    args = parser.parse_args(argv)
    say = lambda *a: print(*a, flush=True)  # noqa: E731 - rows as they are measured
    if args.command == "info":
        info()
    elif args.command == "scaling":
        from . import _bench
        _bench.scaling(print=say)
    elif args.command == "crossover":
        from . import _bench
        _bench.crossover(print=say)
    elif args.command == "startup":
        from . import _bench
        _bench.startup(print=say)
    elif args.command == "warmup":
        from . import _numba
        say(f"compiling the numba drivers (or loading them from {_numba.cache_dir()}) ...")
        start = time.perf_counter()
        _numba.warmup(print=lambda name: say(f"  {name}: ready"))
        say(f"numba drivers ready in {time.perf_counter() - start:.1f} s; cache: "
            f"{_numba.cache_dir()} (NUMBA_CACHE_DIR moves it)")
    else:
        return _bench_command(args, say)
    return 0


def _bench_command(args, say):
    if args.dask:
        if args.section or args.full:
            say("--dask runs its own table; --section and --full do not apply to it")
            return 2
        from . import _bench_dask
        cases = [c for c in _bench_dask.CASES
                 if args.case is None or args.case.lower() in c[0].lower()]
        if not cases:
            say(f"no dask case matches {args.case!r}; the cases: "
                + "; ".join(c[0] for c in _bench_dask.CASES))
            return 2
        _bench_dask.run_dask(rounds=args.rounds or 3, select=args.case, print=say)
        return 0
    from . import _bench
    if args.plot:
        if "torch" not in (args.section or ["torch"]):
            say("--plot draws the torch section: add --section torch")
            return 2
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            say("--plot needs matplotlib: pip install 'fastcumprod[plot]'")
            return 2
    if not _bench.select_cases(args.full, args.case):
        say(f"no case matches {args.case!r}; the cases: "
            + "; ".join(c.name for c in _bench.CASES))
        return 2
    sections = args.section or ["torch", "numpy", "family"]
    for name, run in (("torch", _bench.run), ("numpy", _bench.run_numpy),
                      ("family", _bench.run_variants)):
        if name in sections:
            rows = run(full=args.full, rounds=args.rounds or 5, select=args.case, print=say)
            say()
            if name == "torch" and args.plot:
                from . import __version__, _plot, get_num_threads
                _plot.plot(rows, args.plot,
                           f"fastcumprod {__version__} at {get_num_threads()} threads; numpy "
                           f"{_version('numpy')}; torch {_version('torch')}; "
                           f"{platform.machine()}, {os.cpu_count()} CPUs; best of "
                           f"{args.rounds or 5}")
                say(f"plot: {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
