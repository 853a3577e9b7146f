"""Narratives: the report's Penjelasan, Permasalahan and Rekomendasi per IKU, unit and period,
kept in the dataset files, checked like the values, never used as inputs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import DATASETS, MANUALS, Run, edit

from engine.dataset import load_dataset
from engine.periods import Period
from engine.project import Project

D23 = Path("datasets/deputi-sinka/2023")


def test_the_deputy_narratives_of_2023_are_loaded() -> None:
    data = load_dataset(DATASETS / "deputi-sinka" / "2023",
                        Project(MANUALS, DATASETS).manuals("SINKA", 2023))
    assert data.ok, data.issues
    assert len(data.narratives) == 50
    year = Period.parse("2023")
    # section 3.1 IKU.3: Dit. AK's regulation still a draft, and what is done about it
    ak = data.narrative("IKU.3", "AK", year)
    assert ak is not None and "90%" in ak.penjelasan
    assert ak.permasalahan.startswith("Kendala:") and "Konsultasi" in ak.rekomendasi
    deputy = data.narrative("IKU.1", "SINKA", year)
    assert deputy is not None and "88,94" in deputy.penjelasan and not deputy.permasalahan
    assert deputy.source.startswith("LKj 2023 section 3.1 IKU.1")
    # IKU.11's directorate texts survive only in Lampiran 1
    inti = data.narrative("IKU.11", "INTI", year)
    assert inti is not None and "Lampiran 1 line 1730" in inti.source
    assert data.narrative("IKU.4", "INTI", year) is None


def test_live_and_acceptance_narratives_agree() -> None:
    live = Path(__file__).resolve().parent.parent / "datasets" / "deputi-sinka" / "2023"
    for path in sorted((DATASETS / "deputi-sinka" / "2023").glob("IKU.*.yaml")):
        assert path.read_text() == (live / path.name).read_text(), path.name


NARRATIVE = "narratives:\n  - unit: SINKA\n    period: 2023\n"

# (case, old, new, message); the error names the line where `new` starts
CASES = [
    ("unit not in the cascade", "narratives:\n  - unit: SINKA\n    period: 2023\n",
     "narratives:\n  - unit: INTI\n    period: 2023\n", "neither the owner nor a unit"),
    ("period of another year", "narratives:\n  - unit: SINKA\n    period: 2023\n",
     "narratives:\n  - unit: SINKA\n    period: 2022\n", "period 2022 is not in 2023"),
    ("bad period", "narratives:\n  - unit: SINKA\n    period: 2023\n",
     "narratives:\n  - unit: SINKA\n    period: 2023-Q4\n", "is not a period"),
    ("unknown key", "narratives:\n  - unit: SINKA\n    period: 2023\n",
     "narratives:\n  - unit: SINKA\n    period: 2023\n    kendala: x\n", "unknown key"),
    ("no text", "narratives:\n  - unit: SINKA\n    period: 2023\n",
     "narratives:\n  - unit: PDPIK\n    period: 2023-S1\n  - unit: SINKA\n    period: 2023\n",
     "without text"),
]


@pytest.mark.parametrize(("case", "old", "new", "message"), CASES, ids=[c[0] for c in CASES])
def test_a_broken_narrative_is_named_at_its_line(case: str, old: str, new: str, message: str,
                                                 project: Path,
                                                 cli: Callable[..., Run]) -> None:
    path = D23 / "IKU.01.yaml"  # the deputy's and three directorates' texts; INTI has none
    line = edit(path, old, new)
    r = cli("validate", str(D23), "--format", "json")
    assert r.code == 1, r.out
    issues = json.loads(r.out)["issues"]
    assert issues, r.out
    first = issues[0]
    assert first["file"].endswith("IKU.01.yaml")
    assert line <= first["line"] <= line + 3, (first, line)
    assert message in first["message"], first


def test_two_narratives_for_one_unit_and_period(project: Path, cli: Callable[..., Run]) -> None:
    path = D23 / "IKU.04.yaml"
    text = path.read_text()
    start = text.index("narratives:\n") + len("narratives:\n")
    path.write_text(text + text[start:])
    r = cli("validate", str(D23), "--format", "json")
    issue = json.loads(r.out)["issues"][0]
    assert "PDPIK 2023 has two narratives (first at line" in issue["message"]


def test_narratives_never_change_a_figure(project: Path, cli: Callable[..., Run]) -> None:
    before = cli("evaluate", "--format", "json").out
    for path in D23.glob("IKU.*.yaml"):
        text = path.read_text()
        if "\nnarratives:\n" in text:
            path.write_text(text[:text.index("\nnarratives:\n") + 1])
    assert cli("evaluate", "--format", "json").out == before
