"""`iku diff` and `iku reconcile`: what they find on the shipped manuals and the 2023 report,
golden outputs, exit codes."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, Run, edit


def test_diff_2023_revisions_shows_iku12_and_nothing_else(in_root: Path,
                                                          cli: Callable[..., Run]) -> None:
    result = cli("diff", "2023-r1", "2023-r2", "--format", "json")
    assert result.code == 1
    out = json.loads(result.out)
    assert out["changed_ikus"] == ["IKU.12"]
    assert len(out["unchanged_ikus"]) == 14
    aspects = {c["aspect"] for c in out["changes"]}
    assert {"name", "unit_of_measure", "formula", "schedule measured",
            "schedule targeted"} <= aspects
    formula = next(c for c in out["changes"] if c["aspect"] == "formula")
    assert formula["detail"] == "[-nilai_rb-]{+percent(aksi_terlaksana, aksi_direncanakan)+}"
    assert all(c["iku"] == "IKU.12" for c in out["changes"])


def test_diff_2023_to_2024_targets_and_iku9(in_root: Path, cli: Callable[..., Run]) -> None:
    out = json.loads(cli("diff", "2023-r2", "2024", "--format", "json").out)
    pk = {c["iku"]: (c["old"], c["new"]) for c in out["changes"] if c["kind"] == "new-year"}
    assert pk["IKU.1"] == ("88 (S1 88, S2 88) (2023)", "95 (S1 95, S2 95)")
    assert pk["IKU.13"] == ("81 (2023)", "85")
    assert len(pk) == 15
    iku9 = {c["aspect"]: c for c in out["changes"] if c["iku"] == "IKU.9"}
    assert (iku9["unit_of_measure"]["old"], iku9["unit_of_measure"]["new"]) == ("Dok", "%")
    # the real change stands out: only IKU.9's rules changed; the others only gained 2024
    assert out["changed_ikus"] == ["IKU.9"] and len(out["unchanged_ikus"]) == 14


def fill_new_year_targets(folder: Path, year: int, first: str = "96") -> None:
    """Do what an officer does after `iku new-revision`: write a target where it marked one."""
    marker = f"  # iku new-revision: add the {year} target here"
    for path in sorted((folder / "iku").glob("*.yaml")):
        lines = path.read_text().split("\n")
        for i, line in enumerate(lines):
            if line.startswith(marker):
                periods = line.rsplit("periods: ", 1)[1]
                value = first if path.name == "IKU.01.yaml" else "100"
                inner = "" if periods == "year only" else ", periods: {" + ", ".join(
                    f"{s}: {value}" for s in periods.split(", ")) + "}"
                lines[i] = f"  - {{year: {year}, value: {value}{inner}}}"
        path.write_text("\n".join(lines))


def test_diff_as_a_review_memo(project: Path, cli: Callable[..., Run]) -> None:
    """The next year's revision with a new IKU: the memo separates the new year's targets
    from rule changes, shows the added IKU in full, and has no diff marks."""
    assert cli("new-revision").code == 1  # 2025: targets left to fill
    folder = Path("manual_iku/deputi-sinka/2025")
    fill_new_year_targets(folder, 2025)
    new = folder / "iku" / "IKU.16.yaml"
    new.write_text((folder / "iku" / "IKU.15.yaml").read_text()
                   .replace("code: IKU.15", "code: IKU.16").replace("name: Persentase Tindak",
                                                                    "name: Persentase Baru"))
    edit(folder / "manual.yaml", "ikus: [IKU.14, IKU.15]", "ikus: [IKU.14, IKU.15, IKU.16]")
    assert cli("validate", str(folder)).code == 0
    memo = cli("diff", "2024", "2025", "--format", "markdown").out
    assert "[-" not in memo and "{+" not in memo
    assert "| IKU.1 | Indeks Kepuasan Instansi terhadap Pembinaan Pengelolaan Data dan " \
           "Informasi ASN | 96 (S1 96, S2 96) | 95 (S1 95, S2 95) |" in memo
    added = [line for line in memo.splitlines() if line.startswith("| IKU.16 |")]
    assert any("formula" in line for line in added) and any("schedule" in line for line in added)
    assert "1 IKU(s) changed, 15 unchanged apart from their 2025 targets." in memo


def test_diff_same_revision_exits_0(in_root: Path, cli: Callable[..., Run]) -> None:
    result = cli("diff", "2023-r2", "manual_iku/deputi-sinka/2023-r2")
    assert result.code == 0
    assert "0 IKU(s) changed, 15 unchanged" in result.out


def test_diff_trouble_exits_2(in_root: Path, cli: Callable[..., Run]) -> None:
    result = cli("diff", "2023-r9", "2023-r2")
    assert result.code == 2
    assert "not a manual folder, a revision label of deputi-sinka or REV:PATH" in result.err
    assert "did you mean `2023-r1`" in result.err


def test_diff_renumbered_iku_is_matched_by_name(project: Path, cli: Callable[..., Run]) -> None:
    r2 = Path("manual_iku/deputi-sinka/2023-r2")
    (r2 / "iku" / "IKU.15.yaml").rename(r2 / "iku" / "IKU.16.yaml")
    edit(r2 / "iku" / "IKU.16.yaml", "code: IKU.15", "code: IKU.16")
    edit(r2 / "manual.yaml", "ikus: [IKU.14, IKU.15]", "ikus: [IKU.14, IKU.16]")
    out = json.loads(cli("diff", "2023-r1", "2023-r2", "--format", "json").out)
    renumbered = [c for c in out["changes"] if c["aspect"] == "code"]
    assert renumbered == [{"iku": "IKU.16", "aspect": "code", "kind": "rule", "old": "IKU.15",
                           "new": "IKU.16",
                           "detail": "renumbered; matched by name"}]


def test_diff_against_a_git_revision(project: Path, cli: Callable[..., Run]) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    edit(Path("manual_iku/deputi-sinka/2023-r2/iku/IKU.08.yaml"),
         "formula: (L1 + L2 + L3) / 3", "formula: min(L1, L2, L3)")
    out = json.loads(cli("diff", "HEAD:manual_iku/deputi-sinka/2023-r2",
                         "manual_iku/deputi-sinka/2023-r2", "--format", "json").out)
    assert out["changed_ikus"] == ["IKU.8"]
    by_label = json.loads(cli("diff", "HEAD:2023-r2", "2023-r2", "--format", "json").out)
    assert by_label["changes"] == out["changes"]
    assert cli("diff", "HEAD:2023-r9", "2023-r2").code == 2
    assert out["changes"][0]["old"] == "(L1 + L2 + L3) / 3"
    assert out["changes"][0]["new"] == "min(L1, L2, L3)"
    assert out["changes"][0]["detail"].startswith("{+min+}")


def test_impact_2024_on_2023(in_root: Path, cli: Callable[..., Run]) -> None:
    out = json.loads(cli("diff", "2023-r2", "2024", "--impact", "--format", "json").out)
    imp = out["impact"]
    assert imp["year"] == 2023
    assert (imp["owner"]["old"]["npss"], imp["owner"]["new"]["npss"]) == (99.37, None)
    # IKU.9 cannot be scored under 2024's rules: the NPSS is an error, never the 96.07 that
    # the other IKUs give, which is shown apart as the partial value
    state = imp["owner"]["new"]["npss_state"]
    assert (state["state"], state["partial"]) == ("error", 96.07)
    new_rows = {r["iku"]: r for r in imp["owner"]["new"]["rows"]}
    assert new_rows["IKU.13"]["capaian"] == 79.35  # 67,45 against the 2024 target 85
    assert new_rows["IKU.9"]["state"] == "data_error"  # 2023 counts documents, 2024 a percentage


def test_reconcile_2023_lists_the_reports_slips(in_root: Path, cli: Callable[..., Run]) -> None:
    result = cli("reconcile", "--year", "2023", "--format", "json")
    assert result.code == 1
    out = json.loads(result.out)
    found = {(f["iku"], f["unit"], f["measure"], f["printed"]): f
             for f in out["findings"] if not f["agrees"]}
    # domain.md's two: IKU.8's composite and the average of Tabel 33
    assert found[("IKU.8", "INTI", "realisasi", "99.99")]["recomputed_at_printed_digits"] == \
        "99.98"
    assert found[(None, "SINKA", "average_capaian", "99.62")]["classification"] == "averaging"
    assert "98.90" in found[(None, "SINKA", "average_capaian", "61.54")]["explanation"]
    # and more: AK's budget arithmetic, averages of semesters and of directorates
    assert found[("IKU.14", "AK", "realisasi", "98.92")]["classification"] == "arithmetic"
    assert found[("IKU.1", "PPSIASN", "realisasi", "90.51")]["classification"] == "averaging"
    assert found[("IKU.2", "INTI", "realisasi", "87.26")]["classification"] == "averaging"
    assert found[("IKU.1", "SINKA", "realisasi", "88.94")]["classification"] == "averaging"
    assert found[("IKU.14", "SINKA", "realisasi", "99.07")]["classification"] == "carried"
    assert out["checked"] == 54 and out["discrepancies"] == 15


def test_reconcile_exits_0_when_every_figure_agrees(project: Path,
                                                    cli: Callable[..., Run]) -> None:
    reported = Path("datasets/deputi-sinka/2023/reported.yaml")
    lines = reported.read_text().splitlines()
    head = lines[: lines.index("figures:") + 1]
    reported.write_text("\n".join(head + [line for line in lines if "iku: IKU.7," in line]) + "\n")
    result = cli("reconcile")
    assert result.code == 0, result.out
    assert "2 printed figures checked: 2 agree within their rounding, 0 differ" in result.out


GOLDEN = [
    ("diff-2023-r1-r2.txt", ("diff", "2023-r1", "2023-r2", "--width", "120")),
    ("diff-2023-r1-r2.json", ("diff", "2023-r1", "2023-r2", "--format", "json")),
    ("diff-2023-r1-r2.md", ("diff", "2023-r1", "2023-r2", "--format", "markdown")),
    ("diff-2023-r2-2024-impact.txt", ("diff", "2023-r2", "2024", "--impact", "--width", "120")),
    ("reconcile-2023.txt", ("reconcile", "--width", "140")),
    ("reconcile-2023.json", ("reconcile", "--format", "json")),
    ("reconcile-2023.md", ("reconcile", "--format", "markdown")),
]


@pytest.mark.parametrize(("name", "argv"), GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden(name: str, argv: tuple[str, ...], in_root: Path, cli: Callable[..., Run],
                golden: Callable[[str, str], None]) -> None:
    result = cli(*argv)
    assert result.code in (0, 1), result.err
    golden(name, result.out)


def test_root_is_the_project() -> None:
    assert (ROOT / "engine" / "cli.py").is_file()
