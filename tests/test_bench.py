"""The benchmark's workload and its peer are right (bench/, issue 13): the fixture scores as
the shipped deputy does, a generated organisation is clean, and the plain reference script
gets every agency's NPSS the engine gets. No timings here: `make bench` measures."""

from __future__ import annotations

import importlib.util
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from engine.periods import Period
from engine.project import Project

BENCH = Path(__file__).resolve().parent.parent / "bench"
FIXTURE = BENCH / "fixture"


def _module(name: str) -> ModuleType:
    """A script of bench/ (not a package) loaded by its path."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


orggen, plain, job = _module("orggen"), _module("plain"), _module("job")


def test_the_fixture_scores_the_shipped_npss() -> None:
    # Tabel 5 of the LKj 2023: NPSS 99.37, from the unlinked copy as from the shipped data
    project = Project(FIXTURE / "manual_iku", FIXTURE / "datasets")
    evaluation = project.evaluator("SINKA", 2023).evaluate(Period.of(2023, "Y"))
    assert evaluation.npss.value == Decimal("99.37")
    assert plain.agencies(FIXTURE / "manual_iku", FIXTURE / "datasets", 2023) == \
        {"SINKA": Decimal("99.37")}


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("org") / "org"
    assert orggen.generate(out, 2, 2) == ["A0000", "A0001"]
    return out


@pytest.mark.parametrize("year", [2023, 2024])
def test_a_generated_organisation_is_clean_and_plain_agrees(org: Path, year: int) -> None:
    engine = job.job(org / "manual_iku", org / "datasets", year, 1)
    assert (engine["errors"], engine["warnings"]) == (0, 0)  # both years, both agencies
    assert set(engine["npss"]) == {"A0000", "A0001"}
    assert all(v is not None for v in engine["npss"].values())
    peer = plain.agencies(org / "manual_iku", org / "datasets", year)
    assert {k: str(v) for k, v in peer.items()} == engine["npss"]
