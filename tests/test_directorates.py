"""The four directorates' own 2023 manuals and data (Lampiran 2-5 of the LKj Deputi SINKA
2023): each owner's table recomputed as of the table's period, the figures its own
arithmetic supports reproduced (each test names the Lampiran and the figure), the rest
listed by `iku reconcile` with a class, and the deputy's linked cascades: a figure entered
once, in the directorate's data, and followed by the deputy."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, edit

# owner, the table's period (as of), its Lampiran
TABLES = {
    "INTI": ("2023-TW4", "Lampiran 2"),
    "PPSIASN": ("2023-S2", "Lampiran 3"),
    "AK": ("2023-TW4", "Lampiran 4"),
    "PDPIK": ("2023", "Lampiran 5"),
}


def table(cli: Callable[..., Run], owner: str) -> dict[str, Any]:
    result = cli("evaluate", "--owner", owner, "--as-of", TABLES[owner][0], "--format", "json")
    assert result.code == 0, result.err
    out: dict[str, Any] = json.loads(result.out)
    assert out["owner"] == owner and out["as_of"] is True
    return out


def rows(out: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["iku"]: r for r in out["rows"]}


def nss(out: dict[str, Any]) -> dict[str, float | None]:
    return {o["code"]: o["nss"] for o in out["objectives"]}


def nkp(out: dict[str, Any]) -> dict[str, float | None]:
    return {p["code"]: p["nkp"] for p in out["perspectives"]}


def reconcile(cli: Callable[..., Run], owner: str) -> dict[str, Any]:
    result = cli("reconcile", "--owner", owner, "--year", "2023", "--format", "json")
    assert result.code in (0, 1), result.err
    out: dict[str, Any] = json.loads(result.out)
    return out


def npss_finding(out: dict[str, Any]) -> dict[str, Any]:
    return next(f for f in out["findings"] if f["measure"] == "npss")


# -- the manuals and data are valid, every owner's ------------------------------------------
def test_every_owner_validates_with_only_the_2024_link_warnings(in_root: Path,
                                                                cli: Callable[..., Run]) -> None:
    result = cli("validate", "--format", "json")
    assert result.code == 0, result.out
    issues = json.loads(result.out)["issues"]
    assert not [i for i in issues if i["severity"] == "error"]
    # the deputy's 2024 manual links to directorates that have no 2024 manual yet
    warned = [i for i in issues if i["severity"] == "warning"]
    assert warned and all(i["code"] == "link" and "/2024/" in i["file"]
                          and "no manual for 2024" in i["message"] for i in warned)
    # one warning per directorate, naming every IKU linked to it
    assert sorted(i["unit"] for i in warned) == ["AK", "INTI", "PDPIK", "PPSIASN"]
    inti = next(i for i in warned if i["unit"] == "INTI")
    assert "6 linked IKU(s) (IKU.3, IKU.8, IKU.10, IKU.11, IKU.14, IKU.15)" in inti["message"]


def test_the_deputys_figures_are_unchanged_by_its_directorates(in_root: Path,
                                                               cli: Callable[..., Run]) -> None:
    """Tabel 5: NPSS 99.37 recomputed, with the four directorates' manuals present and the
    deputy's units linked to them."""
    out = json.loads(cli("evaluate", "--format", "json").out)
    assert out["owner"] == "SINKA" and out["npss"] == 99.37
    r = rows(out)
    assert (r["IKU.8"]["realisasi"], r["IKU.10"]["realisasi"], r["IKU.14"]["realisasi"]) == \
        (99.98, 82.62, 98.32)


# -- Lampiran 2: Dit. INTI, TW IV ------------------------------------------------------------
def test_lampiran_2_inti_figures_its_arithmetic_supports(in_root: Path,
                                                        cli: Callable[..., Run]) -> None:
    out = table(cli, "INTI")
    r = rows(out)
    assert (r["SS.2.1"]["realisasi"], r["SS.2.1"]["capaian"]) == (100, 100)  # regulations
    assert (r["SS.4.1"]["realisasi"], r["SS.4.1"]["capaian"]) == (6, 100)  # 6 of 6 documents
    # IP ASN 77,54 (printed 77,34) against Dit. INTI's own target 86: 90,16 %, the NSS
    assert (r["SS.5.1"]["realisasi"], r["SS.5.1"]["target"], r["SS.5.1"]["capaian"]) == \
        (77.54, 86, 90.16)
    assert (r["SS.7.1"]["realisasi"], r["SS.7.1"]["capaian"]) == (100, 100)  # RB action plans
    # budget 99,52 % against Dit. INTI's own 98 %: 101,55 (printed 101,53)
    assert (r["SS.8.1"]["realisasi"], r["SS.8.1"]["target"], r["SS.8.1"]["capaian"]) == \
        (99.52, 98, 101.55)
    # the two rows the table marks N/A have nothing due in TW IV
    assert r["SS.6.1"]["outcome"] == r["SS.7.2"]["outcome"] == "n/a"
    assert nss(out)["SS.2"] == 100.00 and nss(out)["SS.5"] == 90.16
    assert nss(out)["SS.6"] is None  # printed N/A


def test_lampiran_2_inti_npss_follows_no_single_rule(in_root: Path,
                                                     cli: Callable[..., Run]) -> None:
    """NPSS 100,11 is the sum of the printed NKPs, each weight x the mean NSS of some of its
    objectives only (SS.4, SS.5 and SS.7 left out): under the declared standard rule the
    table gives 98.96, and reconcile says the printed figure is carried from the printed NKPs."""
    assert table(cli, "INTI")["npss"] == 98.96
    found = npss_finding(reconcile(cli, "INTI"))
    assert (found["printed"], found["recomputed"], found["classification"]) == \
        ("100.11", "98.96", "carried")
    assert "LEARNING recomputed 29.09, printed 30.16" in found["explanation"]


def test_lampiran_2_inti_audit_row_scored_as_the_text_says(in_root: Path,
                                                          cli: Callable[..., Run]) -> None:
    """SS.8.2: the sheet copies the budget's 99,52 % into the audit row; its text says there
    were no findings, which counts as 100 %. The data holds the text; reconcile lists it."""
    assert rows(table(cli, "INTI"))["SS.8.2"]["realisasi"] == 100
    found = {(f["iku"], f["measure"]): f for f in reconcile(cli, "INTI")["findings"]}
    assert found[("SS.8.2", "realisasi")]["printed"] == "99.52"
    assert not found[("SS.8.2", "realisasi")]["agrees"]


# -- Lampiran 3: Dit. PPSIASN, Semester II ---------------------------------------------------
PPSIASN_CAPAIAN = {"IKU.1": 102.85, "IKU.2": 102.74, "IKU.3": 100, "IKU.4": 91.94, "IKU.5": 100,
                   "IKU.6": 100, "IKU.7": 94.60, "IKU.8": 100, "IKU.9": 100, "IKU.10": 100,
                   "IKU.12": 100}


def test_lampiran_3_ppsiasn_every_capaian(in_root: Path, cli: Callable[..., Run]) -> None:
    r = rows(table(cli, "PPSIASN"))
    assert {code: r[code]["capaian"] for code in PPSIASN_CAPAIAN} == PPSIASN_CAPAIAN
    assert (r["IKU.1"]["realisasi"], r["IKU.2"]["realisasi"]) == (90.51, 90.41)
    assert (r["IKU.4"]["realisasi"], r["IKU.11"]["realisasi"]) == (91.94, 98.74)
    # IP ASN 80,41 against Dit. PPSIASN's own target 85
    assert (r["IKU.7"]["realisasi"], r["IKU.7"]["target"]) == (80.41, 85)


def test_lampiran_3_ppsiasn_npss_99_89_reproduced(in_root: Path, cli: Callable[..., Run]) -> None:
    """NPSS 99,89 = 30,84 + 39,46 + 29,59 under the standard rule (the OCR prints the
    internal and learning NKPs as 20,40 and 20,50)."""
    out = table(cli, "PPSIASN")
    assert out["npss"] == 99.89
    assert nkp(out) == {"CUSTOMER": 30.84, "INTERNAL": 39.46, "LEARNING": 29.59}
    assert (nss(out)["SS.1"], nss(out)["SS.8"]) == (102.80, 99.87)
    rec = reconcile(cli, "PPSIASN")
    assert npss_finding(rec)["agrees"] is True
    differ = {(f["iku"] or f["measure"], f["printed"]) for f in rec["findings"] if not f["agrees"]}
    # the two garbled NKP cells, the garbled document count, and a capaian the sheet took from
    # the rounded realisasi (98,74 / 99 = 99,74; from 98,736 it is 99,73)
    assert differ == {("nkp", "20.40"), ("nkp", "20.50"), ("IKU.6", "0"), ("IKU.11", "99.74")}


# -- Lampiran 4: Dit. AK, TW IV --------------------------------------------------------------
def test_lampiran_4_ak_figures_its_arithmetic_supports(in_root: Path,
                                                      cli: Callable[..., Run]) -> None:
    out = table(cli, "AK")
    r = rows(out)
    # the Semester II surveys against 88 (printed targets 80/85): NSS 98,87
    assert (r["IKU 1"]["realisasi"], r["IKU 1"]["capaian"]) == (87.11, 98.99)
    assert (r["IKU 2"]["realisasi"], r["IKU 2"]["capaian"]) == (86.90, 98.75)
    assert nss(out)["SS.1"] == 98.87
    assert (r["IKU 3"]["realisasi"], r["IKU 3"]["capaian"]) == (90, 90)
    assert (r["IKU 4"]["realisasi"], r["IKU 4"]["capaian"], nss(out)["SS.3"]) == \
        (95.63, 102.83, 102.83)
    # Dit. AK counts what falls due in the quarter: 2 of 2 in TW IV
    assert (r["IKU 5"]["realisasi"], r["IKU 5"]["target"], nss(out)["SS.4"]) == (2, 2, 100)
    assert r["IKU 6"]["capaian"] == 104.88  # printed 105 %
    assert {r[c]["outcome"] for c in ("IKU 7", "IKU 8", "IKU 9")} == {"n/a"}


def test_lampiran_4_ak_npss_follows_no_rule_found(in_root: Path, cli: Callable[..., Run]) -> None:
    """NPSS 100,46 follows from no rule found (one NKP printed, 28,82, no round weight):
    the standard rule gives 99.20, and reconcile classifies the difference."""
    assert table(cli, "AK")["npss"] == 99.20
    found = npss_finding(reconcile(cli, "AK"))
    assert (found["printed"], found["recomputed"], found["classification"]) == \
        ("100.46", "99.20", "arithmetic")


# -- Lampiran 5: Dit. PDPIK, the year --------------------------------------------------------
def test_lampiran_5_pdpik_figures_its_arithmetic_supports(in_root: Path,
                                                         cli: Callable[..., Run]) -> None:
    out = table(cli, "PDPIK")
    r = rows(out)
    assert r["KU 2"]["realisasi"] == 88.02  # printed 88 (whole), section 3.1 88,02
    assert (r["KU 6"]["realisasi"], r["KU 6"]["capaian"]) == (88.61, 110.76)
    for code in ("KU 3", "KU 5", "KU 7", "KU 8", "KU 9", "KU 11"):
        assert r[code]["capaian"] == 100, code
    assert r["KU 5"]["realisasi"] == 6
    assert (nss(out)["SS.6"], nss(out)["SS.7"]) == (100, 100)
    assert r["KU 1"]["target"] == 88.5  # Dit. PDPIK's own target, printed twice


def test_lampiran_5_pdpik_npss_follows_no_rule_found(in_root: Path,
                                                     cli: Callable[..., Run]) -> None:
    """NPSS 100,10 follows neither from the printed objective scores (100.20 under 30/40/30)
    nor from the capaian: the standard rule gives 101.55, and reconcile classifies it."""
    assert table(cli, "PDPIK")["npss"] == 101.55
    found = npss_finding(reconcile(cli, "PDPIK"))
    assert (found["printed"], found["recomputed"], found["classification"]) == \
        ("100.10", "101.55", "arithmetic")
    # SS.5: KU 6's capaian 110,76 printed as the objective's 102,71
    ss5 = next(f for f in reconcile(cli, "PDPIK")["findings"]
               if f["measure"] == "nss" and f["printed"] == "102.71")
    assert ss5["classification"] == "averaging"


@pytest.mark.parametrize(("owner", "checked", "differ"),
                         [("INTI", 25, 16), ("PPSIASN", 30, 4), ("AK", 23, 8), ("PDPIK", 30, 12)])
def test_every_printed_figure_is_checked(owner: str, checked: int, differ: int, in_root: Path,
                                         cli: Callable[..., Run]) -> None:
    out = reconcile(cli, owner)
    assert (out["checked"], out["discrepancies"]) == (checked, differ)
    assert all(f["classification"] != "no data" for f in out["findings"])


# -- linked cascades: one figure, entered once -----------------------------------------------
AK_BUDGET = Path("datasets/dit-ak/2023/IKU_10.yaml")


def deputy_ak_budget(cli: Callable[..., Run]) -> float:
    out = json.loads(cli("evaluate", "--unit", "AK", "--format", "json").out)
    return float(rows(out)["IKU.14"]["realisasi"])


def test_changing_aks_budget_changes_the_deputys_iku14(project: Path,
                                                       cli: Callable[..., Run]) -> None:
    """Lampiran 4's IKU 10 is the AK row of the deputy's IKU.14: changing Dit. AK's own input
    (the pagu that gives the printed 98,92 %) changes the deputy's figure, with no second copy."""
    assert deputy_ak_budget(cli) == 95.94
    deputy = Path("datasets/deputi-sinka/2023/IKU.14.yaml").read_text()
    assert "values: []" in deputy  # no copy of AK's figure (its narrative texts stay here)
    edit(AK_BUDGET, "pagu: 664_500_000", "pagu: 644_500_000")
    assert deputy_ak_budget(cli) == 98.92
    assert rows(table(cli, "AK"))["IKU 10"]["realisasi"] == 98.92
    deputy = json.loads(cli("evaluate", "--format", "json").out)
    # (99.52 + 98.74 + 99.09 + 98.92) / 4 = 99.0675: Tabel 5's 99,07
    assert rows(deputy)["IKU.14"]["realisasi"] == 99.07


def test_an_entry_for_ak_left_in_the_deputys_data_is_a_second_source(
        project: Path, cli: Callable[..., Run]) -> None:
    path = Path("datasets/deputi-sinka/2023/IKU.14.yaml")
    text = path.read_text()
    path.write_text(text.replace("values: []\n", "values:\n  - unit: AK\n    period: 2023-TW4\n"
                                 "    inputs: {realisasi_anggaran: 1, pagu: 1}\n"))
    line = text.splitlines().index("values: []") + 2
    result = cli("validate", "--format", "json")
    assert result.code == 1
    hit = next(i for i in json.loads(result.out)["issues"] if i["severity"] == "error")
    assert (hit["file"], hit["line"], hit["unit"]) == (str(path), line, "AK")
    assert "IKU 10 of AK's own manual" in hit["message"]
    # the entry is refused, never used: the deputy still follows Dit. AK's own data
    assert deputy_ak_budget(cli) == 95.94
