"""`iku evaluate --tree` at scale: generated organisations (bench/orggen.py), owners checked
as they are evaluated, the same bytes from one process or several, memory released as it
goes, and a root that only groups others is not an error."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, Run, edit

sys.path.insert(0, str(ROOT / "bench"))
from orggen import generate

from engine.project import Project
from engine.tree import organisation_tree

AGENCIES = 6


@pytest.fixture(autouse=True)
def parallel_from_two(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parallel path, at a size that keeps the tests fast."""
    monkeypatch.setattr("engine.tree.MIN_PARALLEL", 2)


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("org")
    generate(out, AGENCIES, 1)
    return out


def test_every_agency_is_checked_and_scored(org: Path, cli: Callable[..., Run],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(org)
    result = cli("evaluate", "--tree", "--format", "json", "--jobs", "1")
    assert result.code == 0, result.err
    tree = json.loads(result.out)
    root, *agencies = tree["rows"]
    assert root["owner"] == "NASIONAL" and root["error"] is None
    assert root["note"] == "no manual or data of its own"
    assert len(agencies) == AGENCIES
    # agency 0 is the fixture unchanged: the deputy's NPSS; the others' inputs are nudged
    assert agencies[0]["npss"] == 99.37 and agencies[0]["groups"] == {
        "above": 6, "on": 5, "below": 4}
    assert all(a["npss"] is not None and a["depth"] == 1 for a in agencies)
    assert tree["issues"] == []


def test_one_process_or_two_the_same_bytes(org: Path, cli: Callable[..., Run],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(org)
    for fmt in ("table", "json", "csv"):
        one = cli("evaluate", "--tree", "--format", fmt, "--jobs", "1", "--width", "120")
        two = cli("evaluate", "--tree", "--format", fmt, "--jobs", "2", "--width", "120")
        assert one.code == two.code == 0
        assert one.out == two.out and one.err == two.err, fmt


def test_memory_is_released_as_it_goes(org: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(org)
    monkeypatch.setattr("engine.tree.KEEP_LOADED", 4)
    project = Project(Path("manual_iku"), Path("datasets"))
    tree = organisation_tree(project, "NASIONAL", 2023, None, False, jobs=1)
    assert len(tree.rows) == AGENCIES + 1
    assert project.loaded() <= 4 + 3  # one agency: two revisions and a data year


def test_every_file_is_read_once(org: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.yamlload as loader

    monkeypatch.chdir(org)
    reads: list[str] = []
    original = loader.read_regular

    def counting(path: Path, limit: int, shown: str, confine: bool = True) -> bytes:
        reads.append(str(path))
        return original(path, limit, shown, confine)

    monkeypatch.setattr(loader, "read_regular", counting)
    organisation_tree(Project(Path("manual_iku"), Path("datasets")), "NASIONAL", 2023, None,
                      False, jobs=1)
    files = sorted(str(p) for p in Path(".").rglob("*.yaml"))
    assert sorted(reads) == files  # each once, checked and evaluated from the same read


def test_an_agencys_problems_are_errors_of_the_run(org: Path, cli: Callable[..., Run],
                                                   tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    copy = tmp_path / "org"
    shutil.copytree(org, copy)
    monkeypatch.chdir(copy)
    line = edit(Path("datasets/agency-0003/2023/IKU.04.yaml"), "unit: PDPIK", "unit: PDPIKX")
    out = tmp_path / "tree.csv"
    result = cli("evaluate", "--tree", "--format", "csv", "--output", str(out))
    assert result.code == 3
    assert f"datasets/agency-0003/2023/IKU.04.yaml:{line}" in result.err
    assert f"checked {AGENCIES + 1} owner(s): 1 error(s), 0 warning(s)" in result.err
    assert "not written" in result.err and not out.exists()
    rows = result.out.splitlines()
    assert rows == []  # with --output nothing goes to the terminal


def test_jobs_must_be_a_number_of_processes(in_root: Path, cli: Callable[..., Run]) -> None:
    result = cli("evaluate", "--tree", "--jobs", "0")
    assert result.code == 2 and "--jobs 0 is not a number of processes" in result.err


def test_tree_formats_are_table_json_csv(in_root: Path, cli: Callable[..., Run]) -> None:
    result = cli("evaluate", "--tree", "--format", "markdown")
    assert result.code == 2 and "table, json or csv" in result.err
    csv = cli("evaluate", "--tree", "--format", "csv")
    assert csv.code == 0
    assert csv.out.splitlines()[1].startswith("SINKA,Deputi SINKA,,0,2023,99.37,ok,6,5,4,IKU.13")
    # the deputy's 2024 links to directorates without a 2024 manual: counted, not listed
    assert "checked 5 owner(s): 0 error(s), 4 warning(s)" in csv.err


def test_the_title_names_the_year_asked_for(in_root: Path, cli: Callable[..., Run]) -> None:
    result = cli("evaluate", "--tree", "--year", "2023", "--width", "150")
    assert "The organisation under SINKA · 2023" in result.out


@pytest.mark.parametrize("lang", ["en", "id"])
def test_the_tree_reads_at_80_columns(in_root: Path, cli: Callable[..., Run], lang: str) -> None:
    result = cli("evaluate", "--tree", "--width", "80", "--lang", lang)
    assert result.code == 0
    lines = result.out.splitlines()
    assert max(len(x.rstrip()) for x in lines) <= 80
    # names and the weakest IKU keep room: not folded to a few letters a line
    assert any("Deputi SINKA" in x and "IKU.13" in x for x in lines)
