"""python -m fastcumprod: --version, a description in every subcommand's
help, bad numbers and unmatched cases refused with a message."""
import pytest

import fastcumprod
from fastcumprod import _bench
from fastcumprod.__main__ import main

from conftest import run_python

SUBCOMMANDS = ["bench", "info", "warmup", "startup", "scaling", "crossover"]


@pytest.fixture(autouse=True, scope="module")
def backend():
    """Once: the command line does not depend on the backend."""
    yield "auto"


def test_version(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0
    assert capsys.readouterr().out.strip() == f"fastcumprod {fastcumprod.__version__}"


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_describes_itself(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    usage, _, rest = text.partition("\n\n")
    assert len(rest.split("options:")[0].split()) >= 12, text  # a description, not just usage
    if command == "warmup":
        assert "NUMBA_CACHE_DIR" in text and " s" in text
    if command == "bench":
        assert "(default: False)" in text and "default: 5" in text


@pytest.mark.parametrize("rounds", ["0", "-3", "2.5", "many"])
def test_bad_rounds_are_refused(rounds, capsys):
    with pytest.raises(SystemExit) as exit:
        main(["bench", "--rounds", rounds])
    assert exit.value.code == 2
    assert "--rounds" in capsys.readouterr().err


def test_a_case_that_matches_nothing_says_so(capsys):
    assert main(["bench", "--case", "no such case"]) == 2
    out = capsys.readouterr().out
    assert "no case matches 'no such case'" in out and "complex128 dim 1" in out


def test_case_matches_the_full_set():
    # complex128 is not among the quick cases: --case finds it all the same
    assert not [c for c in _bench.select_cases() if "complex" in c.name]
    assert [c.name for c in _bench.select_cases(select="COMPLEX")] == ["complex128 dim 1"]
    assert len(_bench.select_cases(full=True)) == len(_bench.CASES)


def test_warmup_says_what_it_did():
    out = run_python("""
        from fastcumprod.__main__ import main
        main(["warmup"])
    """)
    assert "numba drivers ready in" in out and "NUMBA_CACHE_DIR" in out


def test_bench_plot_draws_the_measured_rows(tmp_path, capsys):
    """bench --plot FILE.png: the torch section's rows as a PNG (the plot
    extra, which the test extra installs)."""
    png = tmp_path / "speed.png"
    assert main(["bench", "--case", "2**19x8", "--rounds", "1", "--section", "torch",
                 "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert f"plot: {png}" in out and "2**19x8 float64 dim 1" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_bench_plot_needs_the_torch_section(tmp_path, capsys):
    assert main(["bench", "--section", "numpy", "--plot", str(tmp_path / "x.png")]) == 2
    assert "--section torch" in capsys.readouterr().out
