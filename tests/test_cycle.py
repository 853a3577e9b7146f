"""The yearly cycle, as a bureau officer goes through it: start 2025 from 2024, fill the
targets, enter TW I data, evaluate; the shipped figures stay as they were."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import Run
from test_diff_reconcile import fill_new_year_targets

from engine.codes import file_stem

# IKU.11 is carried by the four directorates and linked to each one's own indicator: TW I of
# 2025 is entered once, in each directorate's own data.
LINKED_IKU11 = {"INTI": ("dit-inti", "SS.6.1", 8, 8), "PPSIASN": ("dit-ppsiasn", "IKU.8", 7, 8),
                "PDPIK": ("dit-pdpik", "KU 7", 10, 10), "AK": ("dit-ak", "IKU 7", 7, 7)}


def test_a_new_year_from_revision_to_tw1_figures(project: Path,
                                                 cli: Callable[..., Run]) -> None:
    before = cli("evaluate", "--year", "2023", "--format", "json").out
    started = cli("new-revision")
    assert started.code == 1
    assert "wrote manual_iku/deputi-sinka/2025: SINKA 2025, from 2024" in started.out
    # what is left to fill, at file and line: the 15 targets of 2025 (the Renstra ends in 2024)
    left = [line for line in started.err.splitlines() if ": error: " in line]
    assert len(left) == 15 and all(": error: no target for 2025" in line for line in left)
    assert left[0].startswith("manual_iku/deputi-sinka/2025/iku/IKU.01.yaml:")
    fill_new_year_targets(Path("manual_iku/deputi-sinka/2025"), 2025)
    # the directorates start theirs too: 2024 from 2023, then 2025 from 2024
    for code, (folder, _, _, _) in LINKED_IKU11.items():
        for year in (2024, 2025):
            assert cli("new-revision", "--owner", code).code in (0, 1)
            fill_new_year_targets(Path("manual_iku") / folder / str(year), year)
    checked = cli("validate")
    assert checked.code == 0, checked.err
    for code, (folder, indicator, used, given) in LINKED_IKU11.items():
        data = Path("datasets") / folder / "2025"
        data.mkdir()
        (data / f"{file_stem(indicator)}.yaml").write_text(
            "# yaml-language-server: $schema=../../../schemas/dataset.schema.json\n"
            f"iku: {indicator}\nyear: 2025\nvalues:\n"
            f"  - {{unit: {code}, period: 2025-TW1, inputs: {{digunakan: {used}, "
            f"disediakan: {given}}}}}\n")
    # the deputy's own 2025 folder need not exist: all its TW I figures come through links
    assert cli("validate").code == 0
    tw1 = cli("evaluate", "--period", "2025-TW1", "--format", "json")
    assert tw1.code == 0, tw1.err
    row = next(r for r in json.loads(tw1.out)["rows"] if r["iku"] == "IKU.11")
    # (100 + 87.5 + 100 + 100) / 4 = 96.875 -> 96.88 against the TW I target of 100
    assert (row["realisasi"], row["target"], row["capaian"]) == (96.88, 100, 96.88)
    # the default year is now 2025; 2023's figures are as they were
    assert json.loads(cli("evaluate", "--format", "json").out)["period"] == "2025"
    assert cli("evaluate", "--year", "2023", "--format", "json").out == before
    # a new year without printed figures: reconcile says so, naming the folder
    rec = cli("reconcile")
    assert rec.code == 3 and "datasets/deputi-sinka/2025 has no reported.yaml" in rec.err


def test_a_mid_year_revision_needs_its_date_and_note(project: Path,
                                                     cli: Callable[..., Run]) -> None:
    refused = cli("new-revision", "--mid-year")
    assert refused.code == 2 and "needs --effective YYYY-MM-DD and --note" in refused.err
    made = cli("new-revision", "--mid-year", "--effective", "2024-06-01", "--note",
               "IKU.9 measured from TW II")
    assert made.code == 0, made.err
    assert "manual_iku/deputi-sinka/2024-r2 is valid" in made.out
    header = Path("manual_iku/deputi-sinka/2024-r2/manual.yaml").read_text()
    assert 'label: "2024-r2"' in header and "number: 2" in header
    assert 'supersedes: "2024"' in header and "IKU.9 measured from TW II" in header
    again = cli("new-revision", "--mid-year", "--effective", "2024-05-01", "--note", "x")
    assert again.code == 2 and "after 2024-r2 took effect (2024-06-01)" in again.err
