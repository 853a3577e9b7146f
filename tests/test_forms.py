"""Data entry from spreadsheets: `iku template` hands out the form of the inputs due,
`iku import` takes it back into the datasets' YAML, and nothing typed is lost or read into
the wrong place.

The organisation has owners: the deputy (SINKA) and four directorates, each with its own
manual and data. A deputy IKU whose unit is linked to that unit's own manual takes the
unit's figure from there, so its inputs are entered once, in the unit's own data: the form
follows the link and asks the linked indicator's inputs, and import writes each row into
its own owner's data."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, edit
from openpyxl import load_workbook
from test_diff_reconcile import fill_new_year_targets
from test_owners import add_owner

from engine.functions import Items
from engine.periods import Period
from engine.project import Project

SINKA = Path("datasets/deputi-sinka")
INTI = Path("datasets/dit-inti")
Key = tuple[str, str, str, str, str]  # owner, indicator, unit, variable, item
# The form's columns: A owner, B indicator, C the deputy's IKU beside it, D unit, E variable,
# F item, G meaning, H unit of measure, I allowed, J previous, K value, L evidence, M note.
OWNER, IKU, FOR, UNIT, VARIABLE, ITEM, MEANING, MEASURE, ALLOWED, PREVIOUS, VALUE, \
    EVIDENCE, NOTE = range(1, 14)


def form_rows(path: Path) -> dict[Key, int]:
    """The Form sheet's rows by their visible key columns (open item rows left out)."""
    ws = load_workbook(path)["Form"]
    out: dict[Key, int] = {}
    for r in range(4, ws.max_row + 1):
        key = _key(ws, r)
        if key[0] and key not in out:
            out[key] = r
    return out


def _key(ws: Any, r: int) -> Key:
    return tuple(str(ws.cell(r, c).value or "")  # type: ignore[return-value]
                 for c in (OWNER, IKU, UNIT, VARIABLE, ITEM))


def fill(src: Path, dst: Path, values: dict[Key, Any], *, evidence: dict[Key, str] | None = None,
         new_items: dict[tuple[str, str, str, str], list[tuple[str, Any]]] | None = None,
         cells: dict[str, Any] | None = None) -> None:
    """Fill a form as a person would: values in the Value column, evidence beside them, names
    and values of new items in the open rows, and any other cell by its address."""
    wb = load_workbook(src)
    ws = wb["Form"]
    open_rows: dict[tuple[str, str, str, str], list[int]] = {}
    for r in range(4, ws.max_row + 1):
        key = _key(ws, r)
        if key in values:
            ws.cell(r, VALUE).value = values[key]
        if evidence and key in evidence:
            ws.cell(r, EVIDENCE).value = evidence[key]
        if not key[4] and ws.cell(r, ITEM).protection.locked is False:
            open_rows.setdefault(key[:4], []).append(r)
    for group, items in (new_items or {}).items():
        for r, (name, value) in zip(open_rows[group], items, strict=False):
            ws.cell(r, ITEM).value = name
            ws.cell(r, VALUE).value = value
    for address, value in (cells or {}).items():
        ws[address] = value
    wb.save(dst)


def realisasi(cli: Callable[..., Run], period: str, unit: str) -> dict[str, Any]:
    result = cli("evaluate", "--period", period, "--unit", unit, "--format", "json")
    assert result.code == 0, result.err
    return {r["iku"]: r["realisasi"] for r in json.loads(result.out)["rows"]}


def texts(folder: Path = Path("datasets")) -> dict[str, str]:
    """Every file below `folder` (every owner's data, by default), by path."""
    return {str(p): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def inti_2024(cli: Callable[..., Run]) -> None:
    """What Dit. INTI's officer does first in 2024: its own 2024 manual from 2023, targets
    filled, so that the deputy's links into it (IKU.8, IKU.11, IKU.14, ...) can be asked."""
    made = cli("new-revision", "--owner", "INTI")
    assert made.code == 1 and "wrote manual_iku/dit-inti/2024" in made.out  # targets to fill
    fill_new_year_targets(Path("manual_iku/dit-inti/2024"), 2024)
    checked = cli("validate")
    assert checked.code == 0, checked.err


# TW I 2024 of Dit. INTI: the deputy's own IKU.9 (entered in the deputy's data), and INTI's
# own SS.3.1, SS.6.1 and SS.8.1, which the deputy's IKU.8, IKU.11 and IKU.14 are linked to
INTI_2024: dict[Key, Any] = {
    ("INTI", "SS.3.1", "INTI", "X1", ""): 120, ("INTI", "SS.3.1", "INTI", "Y1", ""): 125,
    ("INTI", "SS.3.1", "INTI", "Z1", ""): 99.89,
    **{("INTI", "SS.3.1", "INTI", "layanan_komunikasi", n): 100 for n in
       ("email", "kolaborasi_drive", "konferensi_video", "tv_media", "blast_whatsapp",
        "intranet")},
    **{("INTI", "SS.3.1", "INTI", "layanan_keamanan", n): 97.5 for n in
       ("pengujian_keamanan", "pengendalian_akses", "pengelolaan_insiden", "audit_kepatuhan")},
    ("SINKA", "IKU.9", "INTI", "tindak_lanjut_terlaksana", ""): 3,
    ("SINKA", "IKU.9", "INTI", "tindak_lanjut_direncanakan", ""): 4,
    ("INTI", "SS.6.1", "INTI", "digunakan", ""): 7, ("INTI", "SS.6.1", "INTI", "disediakan", ""): 8,
    ("INTI", "SS.8.1", "INTI", "realisasi_anggaran", ""): "3.443.900.000",  # text, id format
    ("INTI", "SS.8.1", "INTI", "pagu", ""): 13771200000}


# -- the template -------------------------------------------------------------------------------
def test_the_deputys_form_for_tw4(project: Path, cli: Callable[..., Run]) -> None:
    made = cli("template", "--period", "2023-TW4", "--output", "form.xlsx")
    assert made.code == 0, made.err
    assert "SINKA 2023-TW4 (TW IV 2023), manuals SINKA 2023-r2, PDPIK 2023, PPSIASN 2023, " \
           "INTI 2023, AK 2023" in made.out
    wb = load_workbook("form.xlsx")
    ws = wb["Form"]
    assert [c.value for c in ws[3]][:6] == ["Owner", "Indicator", "SINKA IKU", "Unit",
                                            "Variable", "Item"]
    assert ws["J3"].value == "Previous (TW III 2023)" and ws["K3"].value == "Value (TW IV 2023)"
    rows = form_rows(Path("form.xlsx"))
    # due in TW IV under 2023-r2: IKU.4, 7, 8, 9, 10, 12, 14, for each unit that carries it;
    # a linked unit's as its own indicator, in its own data, with the deputy's IKU beside it
    shown = {(ws.cell(r, OWNER).value, ws.cell(r, IKU).value, ws.cell(r, FOR).value)
             for r in rows.values()}
    assert {f for _, _, f in shown} == {"IKU.4", "IKU.7", "IKU.8", "IKU.9", "IKU.10", "IKU.12",
                                        "IKU.14"}
    assert {(o, i) for o, i, f in shown if f == "IKU.14"} == {
        ("INTI", "SS.8.1"), ("PPSIASN", "IKU.11"), ("PDPIK", "KU 10"), ("AK", "IKU 10")}
    assert {k[2] for k in rows if k[:2] == ("SINKA", "IKU.9")} == {"INTI", "PPSIASN", "PDPIK",
                                                                    "AK"}
    # the deputy asks nothing for a linked unit in its own name
    assert not [k for k in rows if k[0] == "SINKA" and k[1] in ("IKU.8", "IKU.14")]
    r = rows[("INTI", "SS.3.1", "INTI", "Z1", "")]
    assert [ws.cell(r, c).value for c in (MEANING, MEASURE, ALLOWED)] == [
        "Persentase durasi sistem di data center BKN dapat diakses", "%", "0 to 100"]
    # TW III's value, for reference
    assert ws.cell(rows[("SINKA", "IKU.9", "AK", "dokumen", "")], PREVIOUS).value == 1
    # the descriptive columns locked, the cells to fill open, the sheet protected
    assert ws.protection.sheet
    assert all(ws.cell(r, c).protection.locked for c in range(OWNER, PREVIOUS + 1))
    assert not any(ws.cell(r, c).protection.locked for c in (VALUE, EVIDENCE, NOTE))
    # the declared bounds as cell validation
    bounds = {(dv.formula1, dv.formula2) for dv in ws.data_validations.dataValidation
              if f"K{r}" in str(dv.sqref)}
    assert bounds == {("0", "100")}
    # the key: hidden, naming owner, period, each owner's revision and a digest of its files,
    # a key per row (owner first) and a checksum
    key = wb["key"]
    assert key.sheet_state == "hidden"
    meta = {row[0]: row[1] for row in key.iter_rows(max_col=2, values_only=True)}
    assert meta["#iku form"] == "2" and meta["#owner"] == "SINKA"
    assert meta["#revision SINKA"] == "2023-r2" and meta["#revision INTI"] == "2023"
    assert str(meta["#manual INTI"]).startswith("sha256:")
    assert meta["#period"] == "2023-TW4" and str(meta["#checksum"]).startswith("sha256:")
    assert "INTI|SS.3.1|INTI|Z1|number|" in [row[1] for row in key.iter_rows(values_only=True)]
    # the Notes sheet says where the linked rows go, and what the directorate owes besides
    notes = "\n".join(str(c.value) for c in wb["Notes"]["A"] if c.value)
    assert "The rows of owner INTI are its own indicators (SS.3.1 for IKU.8, SS.5.1 for " \
           "IKU.10, SS.8.1 for IKU.14)" in notes and "datasets/dit-inti/2023" in notes
    assert "INTI's own SS.4.1, SS.7.1 are due for TW IV 2023 too" in notes


def test_a_units_form_and_items(project: Path, cli: Callable[..., Run]) -> None:
    made = cli("template", "--period", "2023-tw4", "--unit", "inti", "--output", "inti.xlsx")
    assert made.code == 0, made.err
    assert "unit INTI, manuals SINKA 2023-r2, INTI 2023" in made.out
    rows = form_rows(Path("inti.xlsx"))
    assert {k[2] for k in rows} == {"INTI"}
    assert {k[:2] for k in rows} == {("SINKA", "IKU.9"), ("SINKA", "IKU.12"), ("INTI", "SS.3.1"),
                                     ("INTI", "SS.5.1"), ("INTI", "SS.8.1")}
    # items one per row, named from INTI's own data, and spare rows for a new item
    assert [k[4] for k in rows if k[3] == "layanan_keamanan"] == [
        "pengujian_keamanan", "pengendalian_akses", "pengelolaan_insiden", "audit_kepatuhan",
        ""]
    # nothing is due from a unit in a period it does not report
    some = cli("template", "--period", "2023-TW2", "--unit", "PDPIK", "--output", "x.xlsx")
    assert some.code == 0  # IKU.9 is due from PDPIK in TW II
    nothing = cli("template", "--period", "2023-S1", "--unit", "SINKA")
    assert nothing.code == 2 and "no input is due from SINKA" in nothing.err
    unknown = cli("template", "--period", "2023-TW4", "--unit", "INTY")
    assert unknown.code == 2 and "did you mean `INTI`" in unknown.err


def test_a_directorates_own_form(project: Path, cli: Callable[..., Run]) -> None:
    """`--owner INTI`: Dit. INTI's own manual and codes, every indicator it measures, into
    its own data."""
    made = cli("template", "--owner", "INTI", "--period", "2023-TW4", "--output", "own.xlsx")
    assert made.code == 0, made.err
    assert "INTI 2023-TW4 (TW IV 2023), manual 2023" in made.out
    rows = form_rows(Path("own.xlsx"))
    assert {k[:2] for k in rows} == {("INTI", c) for c in ("SS.3.1", "SS.4.1", "SS.5.1",
                                                          "SS.7.1", "SS.8.1")}
    ws = load_workbook("own.xlsx")["Form"]
    assert ws["C3"].value == "INTI IKU"
    assert ws.cell(rows[("INTI", "SS.4.1", "INTI", "dokumen", "")], FOR).value == "SS.4.1"
    fill(Path("own.xlsx"), Path("own-filled.xlsx"), {("INTI", "SS.4.1", "INTI", "dokumen", ""): 1,
                                                     ("INTI", "SS.8.1", "INTI", "pagu", ""):
                                                     13771200000})
    done = cli("import", "own-filled.xlsx")
    assert done.code == 0, done.err
    assert "unchanged: 2 value(s)" in done.out and "no file changes" in done.out


def test_csv_form_marks_its_key(project: Path, cli: Callable[..., Run]) -> None:
    inti_2024(cli)
    assert cli("template", "--period", "2024-TW1", "--unit", "INTI", "--output",
               "f.csv").code == 0
    text = Path("f.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "#iku form;2" and "#owner;SINKA" in lines
    assert "#revision SINKA;2024" in lines and "#revision INTI;2024" in lines
    assert any(line.startswith("#manual INTI;sha256:") for line in lines)
    header = next(line for line in lines if line.startswith("#key;"))
    assert header.split(";")[1:7] == ["Owner", "Indicator", "SINKA IKU", "Unit", "Variable",
                                      "Item"]
    z1 = next(line for line in lines if line.startswith("INTI|SS.3.1|INTI|Z1|")).split(";")
    assert z1[1:4] == ["INTI", "SS.3.1", "IKU.8"]
    assert z1[10] == "99,89"  # the previous period's value, in the form's format


# -- the Done-when of issue 11, across owners -------------------------------------------------
def test_a_units_one_form_gives_its_tw1_figures(project: Path, cli: Callable[..., Run]) -> None:
    """`iku template --period 2024-TW1 --unit INTI`, filled by a script, then `iku import`:
    TW I 2024 data that `iku evaluate --period 2024-TW1 --unit INTI` scores. INTI's linked
    inputs go to INTI's own data, the deputy's IKU.9 to the deputy's."""
    inti_2024(cli)
    made = cli("template", "--period", "2024-TW1", "--unit", "INTI", "--output", "form.xlsx")
    assert made.code == 0, made.err
    assert "manuals SINKA 2024, INTI 2024" in made.out and made.err == ""
    fill(Path("form.xlsx"), Path("filled.xlsx"), INTI_2024,
         evidence={("INTI", "SS.3.1", "INTI", "X1", ""): "https://bit.ly/LKJINTI2024"})
    done = cli("import", "filled.xlsx")
    assert done.code == 0, done.err
    assert "added     INTI SS.3.1 INTI Z1 = 99.89" in done.out
    assert "added     SINKA IKU.9 INTI tindak_lanjut_terlaksana = 3" in done.out
    assert "datasets/dit-inti/2024/SS.03.01.yaml (new)" in done.out
    assert "datasets/deputi-sinka/2024/IKU.09.yaml (new)" in done.out
    assert sorted(p.name for p in (INTI / "2024").iterdir()) == [
        "SS.03.01.yaml", "SS.06.01.yaml", "SS.08.01.yaml"]
    assert [p.name for p in (SINKA / "2024").iterdir()] == ["IKU.09.yaml"]
    assert cli("validate").code == 0
    tw1 = cli("evaluate", "--period", "2024-TW1", "--unit", "INTI", "--format", "json")
    assert tw1.code == 0, tw1.err
    rows = {r["iku"]: r for r in json.loads(tw1.out)["rows"]}
    # IKU.8: L1 = (120/125*100 + 99.89)/2 = 97.945, L2 = 100, L3 = 97.5 -> 98.48
    assert rows["IKU.8"]["realisasi"] == 98.48
    assert (rows["IKU.9"]["realisasi"], rows["IKU.14"]["realisasi"]) == (75, 25.01)
    # IKU.11 carries a TW I target: scored, 7 of 8 systems against 100
    assert (rows["IKU.11"]["realisasi"], rows["IKU.11"]["target"],
            rows["IKU.11"]["capaian"]) == (87.5, 100, 87.5)
    written = (INTI / "2024" / "SS.03.01.yaml").read_text()
    assert written.startswith("# yaml-language-server: $schema=../../../schemas/dataset.")
    assert "iku: SS.3.1\nyear: 2024\n" in written
    assert 'evidence: "https://bit.ly/LKJINTI2024"' in written
    # the same form again changes nothing
    again = cli("import", "filled.xlsx")
    assert again.code == 0 and "unchanged: 11 value(s)" in again.out
    assert "no file changes" in again.out


def test_without_the_units_manual_of_the_year_the_form_says_what_it_cannot_ask(
        project: Path, cli: Callable[..., Run]) -> None:
    """INTI has no 2024 manual yet: its linked inputs cannot be asked, and the form and the
    command say so, with the owner, the year and what to do."""
    made = cli("template", "--period", "2024-TW1", "--unit", "INTI", "--output", "form.xlsx")
    assert made.code == 0, made.err
    assert "not in the form: the inputs linked to INTI's manual: INTI has no manual for " \
           "2024 (make it with iku new-revision --owner INTI" in made.out
    warned = made.err.splitlines()
    assert len(warned) == 1
    assert warned[0].startswith("manual_iku/deputi-sinka/2024/iku/IKU.03.yaml:39:7: warning: "
                                "INTI has no manual for 2024, so this form cannot ask the "
                                "inputs of SS.2.1 (for IKU.3), SS.3.1 (for IKU.8), SS.5.1 (for "
                                "IKU.10), SS.6.1 (for IKU.11), SS.8.1 (for IKU.14), SS.8.2 (for "
                                "IKU.15) for TW I 2024")
    assert "(make it with iku new-revision --owner INTI" in warned[0]
    # only the deputy's own inputs due from INTI are in it
    assert {k[:3] for k in form_rows(Path("form.xlsx"))} == {("SINKA", "IKU.9", "INTI")}
    wb = load_workbook("form.xlsx")
    notes = "\n".join(str(c.value) for c in wb["Notes"]["A"] if c.value)
    assert "INTI has no manual for 2024, so this form cannot ask the inputs of SS.2.1" in notes
    assert "iku new-revision --owner INTI" in notes
    meta = {row[0]: row[1] for row in wb["key"].iter_rows(max_col=2, values_only=True)}
    assert "#revision INTI" not in meta  # no revision of INTI was asked from
    # the whole deputy's form: each directorate's, once each
    whole = cli("template", "--period", "2024-TW1", "--output", "all.csv")
    assert whole.code == 0
    assert sorted(line.split(" warning: ")[1].split(" has no")[0]
                  for line in whole.err.splitlines()) == ["AK", "INTI", "PDPIK", "PPSIASN"]
    assert Path("all.csv").read_text(encoding="utf-8-sig").count("#note;") >= 4


# -- round trips ----------------------------------------------------------------------------
def test_csv_round_trip(project: Path, cli: Callable[..., Run]) -> None:
    inti_2024(cli)
    assert cli("template", "--period", "2024-TW1", "--unit", "INTI", "--output",
               "f.csv").code == 0
    text = Path("f.csv").read_text(encoding="utf-8-sig")
    records = list(csv.reader(io.StringIO(text), delimiter=";"))
    typed = {"Z1": "99,89", "X1": "120", "Y1": "125", "digunakan": "7", "disediakan": "8"}
    for rec in records:
        if len(rec) > VALUE and rec[VARIABLE] in typed:  # CSV: the key first, then A, B, ...
            rec[VALUE] = typed[rec[VARIABLE]]
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(records)
    Path("f.csv").write_text(out.getvalue(), encoding="utf-8")
    done = cli("import", "f.csv")
    assert done.code == 0, done.err
    assert realisasi(cli, "2024-TW1", "INTI")["IKU.11"] == 87.5
    assert "Z1: 99.89" in (INTI / "2024" / "SS.03.01.yaml").read_text()


def test_an_empty_form_imports_nothing(project: Path, cli: Callable[..., Run]) -> None:
    before = texts()
    assert cli("template", "--period", "2023-TW4", "--output", "form.xlsx").code == 0
    done = cli("import", "form.xlsx")
    assert done.code == 0, done.err
    assert "nothing to import" in done.out
    assert texts() == before


def test_tw1_2023_with_the_shipped_values_reproduces_the_data(project: Path,
                                                              cli: Callable[..., Run]) -> None:
    """A form for TW I 2023 filled with the seed's TW I values changes no byte: the deputy's
    IKU.9 from its own data, and IKU.11 of each directorate from that directorate's own."""
    before = texts()
    assert cli("template", "--period", "2023-TW1", "--output", "form.xlsx").code == 0
    rows = form_rows(Path("form.xlsx"))
    tw1 = Period.parse("2023-TW1")
    values: dict[Key, Any] = {}
    for owner in Project().org.owners:
        for e in Project().dataset(owner.code, 2023).entries:
            if e.period != tw1:
                continue
            for i in e.inputs:
                pairs = i.value.pairs if isinstance(i.value, Items) else (("", i.value),)
                for item, v in pairs:
                    key = (owner.code, e.iku, e.unit, i.name, item)
                    if key in rows:
                        values[key] = v
    assert sorted({(k[0], k[1]) for k in values}) == [
        ("AK", "IKU 7"), ("INTI", "SS.6.1"), ("PDPIK", "KU 7"), ("PPSIASN", "IKU.8"),
        ("SINKA", "IKU.9")]
    assert len(values) == 12  # IKU.9 (one each) and IKU.11 (two each) of four units
    fill(Path("form.xlsx"), Path("filled.xlsx"), values)
    done = cli("import", "filled.xlsx")
    assert done.code == 0, done.err
    assert "unchanged: 12 value(s)" in done.out and "no file changes" in done.out
    assert "added" not in done.out and "replaced" not in done.out
    assert texts() == before


def test_new_items_and_an_entry_written_in_flow_style(project: Path,
                                                      cli: Callable[..., Run]) -> None:
    """No earlier data names SS.3.1's items in TW I 2023: they are typed in the form. An input
    missing from a one-line entry is inserted into it; comments stay. One form writes into
    two directorates' data."""
    path = Path("datasets/dit-ak/2023/IKU_07.yaml")
    edit(path, "{unit: AK, period: 2023-TW1, inputs: {digunakan: 7, disediakan: 7}}",
         "{unit: AK, period: 2023-TW1, inputs: {digunakan: 7}}")
    before = path.read_text()
    assert cli("template", "--period", "2023-TW1", "--output", "form.xlsx").code == 0
    fill(Path("form.xlsx"), Path("filled.xlsx"),
         {("AK", "IKU 7", "AK", "digunakan", ""): 7, ("AK", "IKU 7", "AK", "disediakan", ""): 7,
          ("INTI", "SS.3.1", "INTI", "X1", ""): 100, ("INTI", "SS.3.1", "INTI", "Y1", ""): 100,
          ("INTI", "SS.3.1", "INTI", "Z1", ""): 99.5},
         new_items={("INTI", "SS.3.1", "INTI", "layanan_komunikasi"): [("email", 100),
                                                                       ("intranet", 90)],
                    ("INTI", "SS.3.1", "INTI", "layanan_keamanan"): [("audit kepatuhan", 100)]})
    done = cli("import", "filled.xlsx")
    assert done.code == 0, done.err
    after = path.read_text()
    assert after == before.replace("inputs: {digunakan: 7}}",
                                   "inputs: {digunakan: 7, disediakan: 7}}")
    ss31 = (INTI / "2023" / "SS.03.01.yaml").read_text()
    assert "    period: 2023-TW1\n" in ss31 and '"audit kepatuhan": 100' in ss31
    assert ss31.index("2023-TW4") < ss31.index("2023-TW1")  # appended after the entries there
    assert ss31.startswith("# yaml-language-server: $schema=../../../schemas/dataset.schema."
                           "json\n# The deputy's IKU.8 takes INTI's value from here")
    # (100 + 99.5)/2 = 99.75; mean(100, 90) = 95; 100 -> 98.25, the deputy's IKU.8 for INTI
    assert realisasi(cli, "2023-TW1", "INTI")["IKU.8"] == 98.25
    assert cli("validate").code == 0


# -- bad cells ------------------------------------------------------------------------------
def test_bad_cells_are_named_and_nothing_is_written(project: Path,
                                                    cli: Callable[..., Run]) -> None:
    inti_2024(cli)
    assert cli("template", "--period", "2024-TW1", "--unit", "INTI", "--numbers", "en",
               "--output", "form.xlsx").code == 0
    rows = form_rows(Path("form.xlsx"))
    bad: dict[Key, Any] = {
        ("INTI", "SS.3.1", "INTI", "Z1", ""): "99,89",  # a decimal comma in an `en` form
        ("INTI", "SS.3.1", "INTI", "X1", ""): "90%",
        ("INTI", "SS.3.1", "INTI", "Y1", ""): "seratus",
        ("SINKA", "IKU.9", "INTI", "tindak_lanjut_terlaksana", ""): -1,
        ("INTI", "SS.6.1", "INTI", "digunakan", ""): 7,
        ("INTI", "SS.3.1", "INTI", "layanan_keamanan", "audit_kepatuhan"): 120}
    fill(Path("form.xlsx"), Path("bad.xlsx"), bad)
    result = cli("import", "bad.xlsx")
    assert result.code == 1
    lines = result.err.splitlines()

    def line(key: Key) -> str:
        return next(x for x in lines if f"bad.xlsx:Form!K{rows[key]}: error:" in x)

    z1 = line(("INTI", "SS.3.1", "INTI", "Z1", ""))
    assert "INTI's SS.3.1: `Z1`: `99,89` has a comma" in z1
    assert "[SS.3.1 INTI 2024-TW1]" in z1 and "99.89" in z1
    assert "`90%` has a percent sign" in line(("INTI", "SS.3.1", "INTI", "X1", ""))
    assert "`seratus` is not a number" in line(("INTI", "SS.3.1", "INTI", "Y1", ""))
    iku9 = line(("SINKA", "IKU.9", "INTI", "tindak_lanjut_terlaksana", ""))
    assert "error: `tindak_lanjut_terlaksana` = -1 is below the minimum 0 [IKU.9 INTI " \
           "2024-TW1]" in iku9
    assert "= 120 is above the maximum 100" in line(("INTI", "SS.3.1", "INTI",
                                                     "layanan_keamanan", "audit_kepatuhan"))
    # the other items of layanan_keamanan are empty while one is filled: said too
    assert any("item `pengujian_keamanan` has no value" in x for x in lines)
    assert "nothing written; 8 problem(s) in bad.xlsx" in result.err
    assert not (INTI / "2024").exists() and not (SINKA / "2024").exists()


def test_spreadsheet_surprises_are_refused(project: Path, cli: Callable[..., Run]) -> None:
    """A formula, a percent-formatted number, a computed value with more digits than typed,
    and a value outside the form's rows."""
    inti_2024(cli)
    assert cli("template", "--period", "2024-TW1", "--unit", "INTI", "--output",
               "form.xlsx").code == 0
    rows = form_rows(Path("form.xlsx"))
    wb = load_workbook("form.xlsx")
    ws = wb["Form"]
    ws.cell(rows[("INTI", "SS.3.1", "INTI", "X1", "")], VALUE).value = "=100+20"
    z1 = ws.cell(rows[("INTI", "SS.3.1", "INTI", "Z1", "")], VALUE)
    z1.value, z1.number_format = 0.9989, "0.00%"
    ws.cell(rows[("INTI", "SS.3.1", "INTI", "Y1", "")], VALUE).value = 525047 / 525600 * 125
    ws.cell(ws.max_row + 2, VALUE).value = 5
    wb.save("odd.xlsx")
    result = cli("import", "odd.xlsx")
    assert result.code == 1
    assert "a formula `=100+20`, not a value" in result.err
    assert "formatted as a percentage" in result.err
    assert "significant digits, more than a spreadsheet keeps (15)" in result.err
    assert "outside the form's rows" in result.err
    assert not (INTI / "2024").exists()


def test_indonesian_numbers_are_read_where_the_form_declares_them(
        project: Path, cli: Callable[..., Run]) -> None:
    inti_2024(cli)
    assert cli("template", "--period", "2024-TW1", "--unit", "INTI", "--output",
               "form.xlsx").code == 0
    z1, x1 = ("INTI", "SS.3.1", "INTI", "Z1", ""), ("INTI", "SS.3.1", "INTI", "X1", "")
    fill(Path("form.xlsx"), Path("id.xlsx"), {**INTI_2024, z1: "99,89", x1: "99.89"})
    refused = cli("import", "id.xlsx")
    assert refused.code == 1 and "`99.89` has a decimal point" in refused.err
    assert "(write 99,89)" in refused.err
    fill(Path("form.xlsx"), Path("id.xlsx"), {**INTI_2024, z1: "99,89"})
    assert cli("import", "id.xlsx").code == 0
    assert "      Z1: 99.89\n" in (INTI / "2024" / "SS.03.01.yaml").read_text()
    # "3.443.900.000": thousands dots
    assert "realisasi_anggaran: 3443900000\n" in (INTI / "2024" / "SS.08.01.yaml").read_text()


# -- forms from elsewhere -----------------------------------------------------------------------
def _key_cell(path: Path, label: str) -> str:
    key = load_workbook(path)["key"]
    return next(f"B{c.row}" for c in key["A"] if c.value == label)


def test_an_edited_key_is_refused(project: Path, cli: Callable[..., Run]) -> None:
    inti_2024(cli)
    assert cli("template", "--period", "2024-TW1", "--unit", "INTI", "--output",
               "form.xlsx").code == 0
    rows = form_rows(Path("form.xlsx"))
    digunakan = rows[("INTI", "SS.6.1", "INTI", "digunakan", "")]
    fill(Path("form.xlsx"), Path("moved.xlsx"), INTI_2024, cells={f"D{digunakan}": "AK"})
    moved = cli("import", "moved.xlsx")
    assert moved.code == 3
    assert f"moved.xlsx:Form!D{digunakan}: error: the key column `unit` was edited: it says " \
           "`AK`" in moved.err
    # a linked row relabelled as the deputy's own: which data it goes to is the key's
    fill(Path("form.xlsx"), Path("owner.xlsx"), INTI_2024, cells={f"A{digunakan}": "SINKA"})
    relabelled = cli("import", "owner.xlsx")
    assert relabelled.code == 3
    assert f"owner.xlsx:Form!A{digunakan}: error: the key column `owner` was edited: it says " \
           "`SINKA`, the form was made with `INTI`" in relabelled.err
    for label, value in (("#period", "2024-TW2"), ("#revision INTI", "2023"),
                         ("#manual INTI", "sha256:0")):
        wb = load_workbook("form.xlsx")
        wb["key"][_key_cell(Path("form.xlsx"), label)] = value
        wb.save("edited.xlsx")
        edited = cli("import", "edited.xlsx")
        assert edited.code == 3 and "the form's key was edited" in edited.err, label
    wb = load_workbook("form.xlsx")
    wb["key"]["B1"] = "1"
    wb.save("old.xlsx")
    old = cli("import", "old.xlsx")
    assert old.code == 3 and "made by another version of iku template (form 1)" in old.err
    assert not (INTI / "2024").exists() and not (SINKA / "2024").exists()


def test_another_period_owner_or_revision_is_refused(project: Path,
                                                     cli: Callable[..., Run]) -> None:
    inti_2024(cli)
    assert cli("template", "--period", "2024-TW1", "--unit", "INTI", "--output",
               "form.xlsx").code == 0
    fill(Path("form.xlsx"), Path("filled.xlsx"), INTI_2024)
    period = cli("import", "filled.xlsx", "--period", "2024-TW2")
    assert period.code == 3
    assert "the form is for 2024-TW1 (TW I 2024); --period says 2024-TW2" in period.err
    owner = cli("import", "filled.xlsx", "--owner", "INTI")
    assert owner.code == 3 and "the form is SINKA's; --owner says INTI" in owner.err
    add_owner(project, "DUP", "dup")
    other = cli("import", "filled.xlsx", "--owner", "DUP")
    assert other.code == 3 and "the form is SINKA's; --owner says DUP" in other.err
    # a mid-year revision of the linked owner now in force for TW I: refused as well
    assert cli("new-revision", "--owner", "INTI", "--mid-year", "--effective", "2024-03-01",
               "--note", "SS.6.1 reworded").code == 0
    linked = cli("import", "filled.xlsx")
    assert linked.code == 3
    assert "made from revision 2024 of INTI; the revision of INTI in force for 2024-TW1 is " \
           "now 2024-r2" in linked.err
    # and one of the deputy's: the form asks for the old rules
    assert cli("new-revision", "--mid-year", "--effective", "2024-02-01", "--note",
               "IKU.9 reworded").code == 0
    revision = cli("import", "filled.xlsx")
    assert revision.code == 3
    assert "made from revision 2024 of SINKA; the revision of SINKA in force for 2024-TW1 is " \
           "now 2024-r2" in revision.err
    assert not (INTI / "2024").exists() and not (SINKA / "2024").exists()


@pytest.mark.parametrize(("manual", "owner"), [
    ("manual_iku/deputi-sinka/2023-r2/iku/IKU.09.yaml", "SINKA"),
    ("manual_iku/dit-inti/2023/iku/SS.03.01.yaml", "INTI"),
])
def test_a_changed_revision_is_refused(project: Path, cli: Callable[..., Run], manual: str,
                                       owner: str) -> None:
    """A change to any revision a form asks from, the deputy's or the linked owner's."""
    assert cli("template", "--period", "2023-TW4", "--unit", "INTI", "--output",
               "form.xlsx").code == 0
    label = "2023-r2" if owner == "SINKA" else "2023"
    edit(Path(manual), "\nsource:", "\n# reviewed\nsource:")
    changed = cli("import", "form.xlsx")
    assert changed.code == 3
    assert f"revision {label} of {owner} has changed since" in changed.err


# -- existing values ----------------------------------------------------------------------------
TW4_INTI: dict[Key, Any] = {("INTI", "SS.3.1", "INTI", "X1", ""): 490,
                            ("INTI", "SS.3.1", "INTI", "Y1", ""): 490,
                            ("INTI", "SS.3.1", "INTI", "Z1", ""): 99.9}
SS31 = INTI / "2023" / "SS.03.01.yaml"


def test_a_different_value_needs_replace(project: Path, cli: Callable[..., Run]) -> None:
    before = SS31.read_text()
    assert cli("template", "--period", "2023-TW4", "--unit", "INTI", "--output",
               "form.xlsx").code == 0
    fill(Path("form.xlsx"), Path("filled.xlsx"), TW4_INTI)
    refused = cli("import", "filled.xlsx")
    assert refused.code == 1
    # the file named is INTI's own data, where the linked input is entered
    assert "error: `Z1`: the form differs from the data at " \
           "datasets/dit-inti/2023/SS.03.01.yaml:13:7: 99.89 -> 99.9" in refused.err
    assert ": 99.89 -> 99.9 [SS.3.1 INTI 2023-TW4]" in refused.err
    assert "[SS.3.1 INTI 2023-TW4] (iku import --replace" in refused.err
    assert SS31.read_text() == before
    replaced = cli("import", "filled.xlsx", "--replace")
    assert replaced.code == 0, replaced.err
    assert "replaced  INTI SS.3.1 INTI Z1: 99.89 -> 99.9" in replaced.out
    assert "unchanged: 2 value(s)" in replaced.out
    # only the number changed; its note and every comment stay
    changed = [(a, b) for a, b in zip(before.splitlines(), SS31.read_text().splitlines(),
                                      strict=True) if a != b]
    assert changed == [("        value: 99.89", "        value: 99.9")]
    # the deputy's IKU.8 for INTI follows: (99.95 + 100 + 100)/3
    assert realisasi(cli, "2023-TW4", "INTI")["IKU.8"] == 99.98


def test_dry_run_shows_a_diff_and_writes_nothing(project: Path, cli: Callable[..., Run]) -> None:
    before = texts()
    assert cli("template", "--period", "2023-TW4", "--unit", "INTI", "--output",
               "form.xlsx").code == 0
    fill(Path("form.xlsx"), Path("filled.xlsx"), TW4_INTI,
         evidence={("INTI", "SS.3.1", "INTI", "Y1", ""): "https://bit.ly/LKJINTI2023"})
    dry = cli("import", "filled.xlsx", "--replace", "--dry-run")
    assert dry.code == 0, dry.err
    assert "--- a/datasets/dit-inti/2023/SS.03.01.yaml" in dry.out
    assert "+++ b/datasets/dit-inti/2023/SS.03.01.yaml" in dry.out
    assert "-        value: 99.89\n+        value: 99.9\n" in dry.out
    assert "would write datasets/dit-inti/2023/SS.03.01.yaml" in dry.out
    # the entry's evidence is the same link: nothing to add for Y1
    assert "annotated" not in dry.out
    assert texts() == before


def test_a_failure_on_the_second_file_leaves_the_first_as_it_was(
        project: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    """One form writes into two owners' data, Dit. AK's and the deputy's: both or neither."""
    assert cli("template", "--period", "2023-TW1", "--output", "form.xlsx").code == 0
    fill(Path("form.xlsx"), Path("filled.xlsx"),
         {("AK", "IKU 4", "AK", "persentase_digital", ""): 40,
          ("SINKA", "IKU.9", "INTI", "dokumen", ""): 2})
    before = texts()
    import engine.datawrite

    real = os.replace
    calls: list[str] = []

    def failing(src: Any, dst: Any) -> None:
        calls.append(str(dst))
        if len(calls) == 2:
            raise OSError(28, "No space left on device", str(dst))
        real(src, dst)

    monkeypatch.setattr(engine.datawrite.os, "replace", failing)
    result = cli("import", "filled.xlsx", "--replace")
    assert result.code == 3
    assert "No space left on device; every file is as it was" in result.err
    # AK's IKU_04.yaml replaced, the deputy's IKU.09.yaml failed, IKU_04.yaml put back
    assert [Path(c).relative_to("datasets").as_posix() for c in calls] == [
        "dit-ak/2023/IKU_04.yaml", "deputi-sinka/2023/IKU.09.yaml", "dit-ak/2023/IKU_04.yaml"]
    assert texts() == before  # put back; no temporary file left in any owner's folder
    monkeypatch.setattr(engine.datawrite.os, "replace", real)
    done = cli("import", "filled.xlsx", "--replace")
    assert done.code == 0, done.err
    assert "added     AK IKU 4 AK persentase_digital = 40" in done.out
    assert "replaced  SINKA IKU.9 INTI dokumen: 1 -> 2" in done.out
    after = texts()
    assert [p for p in after if after[p] != before[p]] == [
        "datasets/deputi-sinka/2023/IKU.09.yaml", "datasets/dit-ak/2023/IKU_04.yaml"]


def test_each_new_text_is_checked_against_its_own_owners_manual(
        project: Path, cli: Callable[..., Run]) -> None:
    """The text about to be written into INTI's data is checked against INTI's manual, the
    deputy's against the deputy's: a file of one owner that would not check stops every
    owner's file."""
    assert cli("template", "--period", "2023-TW3", "--unit", "INTI", "--output",
               "form.xlsx").code == 0
    fill(Path("form.xlsx"), Path("filled.xlsx"),
         {("INTI", "SS.8.1", "INTI", "realisasi_anggaran", ""): 9000000000,
          ("INTI", "SS.8.1", "INTI", "pagu", ""): 13771200000,
          ("SINKA", "IKU.9", "INTI", "dokumen", ""): 2})
    # INTI's SS.8.1 data file holds an entry its manual refuses (an undeclared input)
    ss81 = INTI / "2023" / "SS.08.01.yaml"
    ss81.write_text(ss81.read_text() + "  - {unit: INTI, period: 2023-TW2, inputs: {x: 1}}\n")
    before = texts()
    done = cli("import", "filled.xlsx", "--replace")
    assert done.code == 3
    assert "datasets/dit-inti/2023/SS.08.01.yaml:" in done.err and "`x`" in done.err
    assert "nothing was written" in done.err
    assert texts() == before
    # without it, both owners' files are written: each new text checks against its manual
    ss81.write_text(ss81.read_text().replace("  - {unit: INTI, period: 2023-TW2, inputs: "
                                             "{x: 1}}\n", ""))
    done = cli("import", "filled.xlsx", "--replace")
    assert done.code == 0, done.err
    assert "wrote datasets/deputi-sinka/2023/IKU.09.yaml, datasets/dit-inti/2023/SS.08.01.yaml" \
        in done.out
    assert cli("validate").code == 0


def test_previous_values_and_the_number_format(project: Path, cli: Callable[..., Run]) -> None:
    inti_2024(cli)
    assert cli("template", "--period", "2024-TW1", "--unit", "INTI", "--output",
               "form.xlsx").code == 0
    ws = load_workbook("form.xlsx")["Form"]
    rows = form_rows(Path("form.xlsx"))
    # TW IV 2023 from INTI's own data, where the linked inputs are entered
    assert ws.cell(rows[("INTI", "SS.8.1", "INTI", "pagu", "")], PREVIOUS).value == 13771200000
    z1 = ws.cell(rows[("INTI", "SS.3.1", "INTI", "Z1", "")], PREVIOUS).value
    assert z1 == pytest.approx(99.89) and Decimal(str(z1)) == Decimal("99.89")
