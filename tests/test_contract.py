"""The contract lives in the repository (docs/contract.md) and the code cites
its sections as "SPEC n": every section cited exists, and the README points
to the file."""
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).parent.parent
CONTRACT = ROOT / "docs" / "contract.md"


@pytest.fixture(autouse=True, scope="module")
def backend():
    """Once: nothing here runs a scan."""
    yield "auto"


def sections():
    return {int(n) for n in re.findall(r"^## (\d+)\. ", CONTRACT.read_text(), re.M)}


def test_contract_has_its_sections():
    assert sections() == set(range(1, 13))
    assert "## Where measurement corrected this text" in CONTRACT.read_text()


def test_every_section_the_code_cites_exists():
    cited = {}
    files = [*ROOT.glob("fastcumprod/**/*.py"), *ROOT.glob("fastcumprod/_cy/*.pyx"),
             *ROOT.glob("fastcumprod/_cy/*.h"), *ROOT.glob("tests/*.py"), ROOT / "README.md"]
    for path in files:
        for n in re.findall(r"SPEC (\d+)", path.read_text()):
            cited.setdefault(int(n), path.name)
    assert cited, "the code cites the contract"
    missing = {n: where for n, where in cited.items() if n not in sections()}
    assert not missing, f"cited but not in docs/contract.md: {missing}"


def test_readme_points_to_the_contract():
    assert "docs/contract.md" in (ROOT / "README.md").read_text()
