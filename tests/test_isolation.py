"""Regression tests of issue 8 that need a process of their own: fork, numba's
environment and cache, resource limits, and CI's own script.  Each runs in a
subprocess under a timeout, so that a hang or an abort fails the test instead
of the suite."""
import glob
import os
import pathlib
import shutil
import subprocess
import textwrap

import pytest

import fastcumprod

from conftest import run_python

# Two pool threads even on a one-CPU machine, so that auto wants numba.
TWO_THREADS = {"NUMBA_NUM_THREADS": "2", "FASTCUMPROD_NUM_THREADS": "2"}


@pytest.fixture(scope="module", autouse=True)
def backend():
    """These tests choose their backends themselves (overrides conftest's)."""
    yield fastcumprod.get_backend()


def test_fork_after_a_background_compile_killed_the_child(tmp_path):
    # auto loaded the kernel on the side, which started numba's OpenMP pool;
    # only a parallel *call* used to mark the process, so the child called
    # numba and was killed (exit -15), and a fork Pool hung.
    out = run_python("""
        import multiprocessing as mp, os, numpy as np, fastcumprod
        from fastcumprod import _dispatch, _reference
        x = np.full((1000, 1000), 1.0001)
        fastcumprod.cumprod(x, 1)
        _dispatch.wait_prepared()
        assert _dispatch._numba is not None and not _dispatch._numba._used
        expected = _reference.cumprod(x, 1).tobytes()
        pid = os.fork()
        if pid == 0:
            os._exit(0 if fastcumprod.cumprod(x, 1).tobytes() == expected else 3)
        print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
        def child(d):
            return fastcumprod.cumprod(x, d).tobytes() == _reference.cumprod(x, d).tobytes()
        with mp.get_context("fork").Pool(2) as pool:
            print(all(pool.map(child, [0, 1, 0, 1])))
    """, env={**TWO_THREADS, "NUMBA_CACHE_DIR": str(tmp_path)}, timeout=300)
    assert out.split() == ["0", "True"]


@pytest.mark.parametrize("delay", [0.0, 0.3, 1.5])
def test_fork_during_the_background_import_deadlocked(tmp_path, delay):
    # A child forked while numba was being imported or compiled on the side
    # inherited the import lock or llvmlite's lock held by a thread it does
    # not have: with backend numba it waited forever.
    out = run_python(f"""
        import os, time, numpy as np, fastcumprod
        from fastcumprod import _reference
        x = np.full((1000, 1000), 1.0001)
        expected = _reference.cumprod(x, 1).tobytes()
        fastcumprod.cumprod(x, 1)           # starts the import and compile on the side
        time.sleep({delay})
        pid = os.fork()
        if pid == 0:
            fastcumprod.set_backend("numba")
            ok = fastcumprod.cumprod(x, 1).tobytes() == expected
            ok = ok and fastcumprod.cumprod(x, 0).tobytes() == _reference.cumprod(x, 0).tobytes()
            os._exit(0 if ok else 3)
        print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
    """, env={**TWO_THREADS, "NUMBA_CACHE_DIR": str(tmp_path)}, timeout=300)
    assert out.split() == ["0"]


# The calls auto gives numba, and the check that their results are right,
# that auto warned at most once, and that nothing printed a traceback.
_AUTO_CALLS = """
    import warnings, numpy as np, fastcumprod
    from fastcumprod import _dispatch, _reference
    x = np.full((600, 700), 1.0001)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(4):
            for d in (0, 1):
                assert fastcumprod.cumprod(x, d).tobytes() == _reference.cumprod(x, d).tobytes()
            _dispatch.wait_prepared()
    print(len([w for w in caught if "numba kernels cannot run" in str(w.message)]))
"""


def _check_numba_refused(env, match, prelude=""):
    proc = run_python(prelude + textwrap.dedent(_AUTO_CALLS), env={**TWO_THREADS, **env}, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["1"], proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    proc = run_python(prelude + textwrap.dedent("""
        import fastcumprod
        try:
            fastcumprod.set_backend("numba")
        except RuntimeError as e:
            print(e)
        print(fastcumprod.get_backend())
    """), env={**TWO_THREADS, **env}, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "the numba backend cannot run here" in proc.stdout, proc.stdout
    assert match in proc.stdout, proc.stdout
    assert proc.stdout.split()[-1] == "auto"


def test_numba_disable_jit_gave_nans_and_attribute_errors():
    _check_numba_refused({"NUMBA_DISABLE_JIT": "1"}, "NUMBA_DISABLE_JIT")


def test_numba_not_importable():
    _check_numba_refused({}, "import of numba halted", prelude="import sys; sys.modules['numba'] = None\n")


def test_corrupt_numba_cache_broke_every_call(tmp_path):
    env = {"NUMBA_CACHE_DIR": str(tmp_path)}
    run_python("""
        import numpy as np, fastcumprod
        fastcumprod.set_backend("numba")
        fastcumprod.cumprod(np.full((600, 700), 1.0001), 0)
    """, env={**TWO_THREADS, **env})
    indexes = glob.glob(str(tmp_path / "**" / "*.nbi"), recursive=True)
    assert indexes
    for path in indexes:
        with open(path, "wb") as f:
            f.write(b"not a pickle")
    _check_numba_refused(env, "cannot be read")


@pytest.mark.skipif(shutil.which("unshare") is None or os.geteuid() != 0,
                    reason="needs root and unshare to mount the package read-only")
def test_unwritable_numba_cache_broke_every_call(tmp_path):
    # No locator numba can write: the package read-only (a mount in a mount
    # namespace of the child's own), NUMBA_CACHE_DIR and HOME unwritable.
    package = os.path.dirname(fastcumprod.__file__)
    script = f"mount --bind -o ro {package} {package} && exec \"$@\""
    env = {**TWO_THREADS, "NUMBA_CACHE_DIR": "/dev/null/cache", "HOME": "/dev/null"}
    proc = run_python(_AUTO_CALLS, env=env, check=False,
                      prefix=("unshare", "-m", "sh", "-c", script, "sh"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["1"], proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr


_LIMIT_AS = textwrap.dedent("""
    import resource
    def limit_address_space(extra):
        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (used + extra, resource.RLIM_INFINITY))
    def lift_limit():
        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY,) * 2)
""")


def test_no_room_for_the_page_helper_thread_raised():
    # A 64 MiB fresh result starts a thread that maps its pages; with no
    # address space for that thread's stack the call raised "can't start new
    # thread".  It now scans without the helper.
    out = run_python(_LIMIT_AS + textwrap.dedent("""
        import numpy as np, fastcumprod
        from fastcumprod import _pages
        fastcumprod.set_backend("cython")
        x = np.full(2**23, 1.0000001)
        expected = np.multiply.accumulate(x)
        limit_address_space(64 * 2**20 + 5 * 2**20)   # the result, not an 8 MiB thread stack
        y = fastcumprod.cumprod(x, 0)
        lift_limit()
        print(y.tobytes() == expected.tobytes(), _pages._usable)
    """), env={"FASTCUMPROD_NUM_THREADS": "2", "NUMBA_NUM_THREADS": "2"})
    assert out.split() == ["True", "True"]


def test_no_room_for_numbas_threads_ended_the_process():
    # libgomp cannot create its pool: "libgomp: Thread creation failed", and
    # the process ended.  Now: one warning, and the Cython kernels serve.
    proc = run_python(_LIMIT_AS + textwrap.dedent("""
        import warnings, numpy as np, fastcumprod
        from fastcumprod import _reference
        fastcumprod.set_backend("numba")
        x = np.full((600, 700), 1.0001)
        expected = _reference.cumprod(x, 0).tobytes()
        limit_address_space(16 * 2**20)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = fastcumprod.cumprod(x, 0)
        lift_limit()
        ok = y.tobytes() == expected
        print(ok, [str(w.message) for w in caught])
    """), env=TWO_THREADS, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("True"), proc.stdout
    assert "MemoryError" in proc.stdout and "RLIMIT_AS" in proc.stdout, proc.stdout


def test_ci_run_left_its_venvs_in_tmp(tmp_path):
    # .ci/run made its work folder with mktemp -d and never removed it: about
    # 2.7 GB of venvs a run, until the shared disk was full and CI failed with
    # "No space left on device".  Its setup lines, up to the trap, run here
    # with TMPDIR pointing at tmp_path; the run fails after writing into the
    # work folder, and nothing may be left behind.
    lines = (pathlib.Path(__file__).parent.parent / ".ci" / "run").read_text().splitlines()
    trap = next(i for i, line in enumerate(lines) if line.startswith("trap "))
    setup = "\n".join(line for line in lines[:trap + 1] if not line.startswith("cd "))
    body = setup + '\nmkdir "$work/venv" && touch "$work/venv/big"\nfalse\necho unreachable\n'
    done = subprocess.run(["bash", "-c", body], env={**os.environ, "TMPDIR": str(tmp_path)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "unreachable" not in done.stdout
    assert os.listdir(tmp_path) == []
