"""`iku evaluate --compare-previous-year` (LHE 2023 recommendation 21): each figure beside the
same period a year earlier, recomputed from that year's data or as printed, saying which."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import Run


def test_2023_beside_2022_from_the_printed_figures(in_root: Path,
                                                   cli: Callable[..., Run]) -> None:
    """2022 has no data, only the figures the 2023 report quotes (IKU.1: 85.82)."""
    result = cli("evaluate", "--compare-previous-year", "--format", "json")
    assert result.code == 0, result.err
    rows = {r["iku"]: r for r in json.loads(result.out)["rows"]}
    one = rows["IKU.1"]
    assert (one["realisasi"], one["earlier"]["realisasi"], one["change"]) == (88.89, 85.82, 3.07)
    assert one["earlier"]["source"] == "printed in section 3.1 IKU.1 (Gambar 4 text)"
    assert one["earlier"]["at"] == "datasets/deputi-sinka/2022/reported.yaml:6:5"
    assert rows["IKU.8"]["earlier"] == {"period": "2022", "realisasi": None, "capaian": None,
                                        "target": None, "source": None, "at": None,
                                        "note": "no figure for Tahunan 2022"}
    table = cli("evaluate", "--compare-previous-year", "--width", "120")
    assert "printed in section 3.1" in table.out and "+3.07" in table.out


def test_2024_beside_2023_recomputed(project: Path, cli: Callable[..., Run]) -> None:
    """With data in both years, the earlier figure is recomputed under its own manual; an
    indicator whose unit of measure changed (IKU.9: Dok, then %) shows no change."""
    folder = project / "datasets/deputi-sinka/2024"
    folder.mkdir()
    (folder / "IKU.13.yaml").write_text(
        "iku: IKU.13\nyear: 2024\nvalues:\n"
        "  - {unit: SINKA, period: 2024, inputs: {nilai_lhe: 70.5}, evidence: LHE 2024}\n")
    (folder / "IKU.09.yaml").write_text(
        "iku: IKU.9\nyear: 2024\nvalues:\n"
        + "".join(f"  - {{unit: {u}, period: 2024-TW4, inputs: {{tindak_lanjut_terlaksana: 3, "
                  f"tindak_lanjut_direncanakan: 3}}}}\n"
                  for u in ("INTI", "PPSIASN", "PDPIK", "AK")))
    result = cli("evaluate", "--year", "2024", "--compare-previous-year", "--format", "json")
    assert result.code == 0, result.err
    rows = {r["iku"]: r for r in json.loads(result.out)["rows"]}
    lhe = rows["IKU.13"]
    assert (lhe["realisasi"], lhe["earlier"]["realisasi"], lhe["change"]) == (70.5, 67.45, 3.05)
    assert lhe["earlier"]["source"] == "recomputed from 2023 data"
    assert lhe["earlier"]["at"] == "datasets/deputi-sinka/2023"
    nine = rows["IKU.9"]
    assert nine["earlier"]["realisasi"] == 6 and nine["change"] is None
    assert nine["earlier"]["note"] == "not comparable: the unit of measure was Dok, now %"
    md = cli("evaluate", "--year", "2024", "--compare-previous-year", "--format", "markdown")
    assert "| IKU.13 |" in md.out and "| +3.05 | recomputed from 2023 data |" in md.out
    csv = cli("evaluate", "--year", "2024", "--compare-previous-year", "--format", "csv")
    assert csv.out.splitlines()[0].startswith("iku,indicator,period,realisasi,capaian,")
