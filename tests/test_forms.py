"""Data entry from spreadsheets: `iku template` hands out the form of the inputs due,
`iku import` takes it back into the datasets' YAML, and nothing typed is lost or read into
the wrong place."""

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
from test_owners import add_owner

from engine.functions import Items
from engine.periods import Period
from engine.project import Project

DATA = Path("datasets/deputi-sinka")
Key = tuple[str, str, str, str]  # IKU, unit, variable, item


def form_rows(path: Path) -> dict[Key, int]:
    """The Form sheet's rows by their visible key columns (open item rows left out)."""
    ws = load_workbook(path)["Form"]
    out: dict[Key, int] = {}
    for r in range(4, ws.max_row + 1):
        key = tuple(str(ws.cell(r, c).value or "") for c in range(1, 5))
        if key[0] and key not in out:
            out[key] = r  # type: ignore[index]
    return out


def fill(src: Path, dst: Path, values: dict[Key, Any], *, evidence: dict[Key, str] | None = None,
         new_items: dict[tuple[str, str, str], list[tuple[str, Any]]] | None = None,
         cells: dict[str, Any] | None = None) -> None:
    """Fill a form as a person would: values in column I, evidence in J, names and values of
    new items in the open rows, and any other cell by its address."""
    wb = load_workbook(src)
    ws = wb["Form"]
    open_rows: dict[tuple[str, str, str], list[int]] = {}
    for r in range(4, ws.max_row + 1):
        key = tuple(str(ws.cell(r, c).value or "") for c in range(1, 5))
        if key in values:
            ws.cell(r, 9).value = values[key]  # type: ignore[index]
        if evidence and key in evidence:
            ws.cell(r, 10).value = evidence[key]  # type: ignore[index]
        if not key[3] and ws.cell(r, 4).protection.locked is False:
            open_rows.setdefault(key[:3], []).append(r)  # type: ignore[arg-type]
    for group, items in (new_items or {}).items():
        for r, (name, value) in zip(open_rows[group], items, strict=False):
            ws.cell(r, 4).value = name
            ws.cell(r, 9).value = value
    for address, value in (cells or {}).items():
        ws[address] = value
    wb.save(dst)


def realisasi(cli: Callable[..., Run], period: str, unit: str) -> dict[str, Any]:
    result = cli("evaluate", "--period", period, "--unit", unit, "--format", "json")
    assert result.code == 0, result.err
    return {r["iku"]: r["realisasi"] for r in json.loads(result.out)["rows"]}


def texts(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.glob("*"))} if folder.is_dir() else {}


INTI_2024 = {("IKU.8", "INTI", "X1", ""): 120, ("IKU.8", "INTI", "Y1", ""): 125,
             ("IKU.8", "INTI", "Z1", ""): 99.89,
             **{("IKU.8", "INTI", "layanan_komunikasi", n): 100 for n in
                ("email", "kolaborasi_drive", "konferensi_video", "tv_media", "blast_whatsapp",
                 "intranet")},
             **{("IKU.8", "INTI", "layanan_keamanan", n): 97.5 for n in
                ("pengujian_keamanan", "pengendalian_akses", "pengelolaan_insiden",
                 "audit_kepatuhan")},
             ("IKU.9", "INTI", "tindak_lanjut_terlaksana", ""): 3,
             ("IKU.9", "INTI", "tindak_lanjut_direncanakan", ""): 4,
             ("IKU.11", "INTI", "digunakan", ""): 7, ("IKU.11", "INTI", "disediakan", ""): 8,
             ("IKU.14", "INTI", "realisasi_anggaran", ""): "3.443.900.000",  # text, id format
             ("IKU.14", "INTI", "pagu", ""): 13771200000}


# -- the template -------------------------------------------------------------------------------
def test_the_deputys_form_for_tw4(project: Path, cli: Callable[..., Run]) -> None:
    made = cli("template", "--period", "2023-TW4", "--output", "form.xlsx")
    assert made.code == 0, made.err
    assert "SINKA 2023-TW4 (TW IV 2023), manual 2023-r2" in made.out
    wb = load_workbook("form.xlsx")
    ws = wb["Form"]
    assert [c.value for c in ws[3]][:4] == ["IKU", "Unit", "Variable", "Item"]
    assert ws["H3"].value == "Previous (TW III 2023)" and ws["I3"].value == "Value (TW IV 2023)"
    rows = form_rows(Path("form.xlsx"))
    # due in TW IV under 2023-r2: IKU.4, 7, 8, 9, 10, 12, 14, each unit that carries it
    assert {k[0] for k in rows} == {"IKU.4", "IKU.7", "IKU.8", "IKU.9", "IKU.10", "IKU.12",
                                    "IKU.14"}
    assert {k[1] for k in rows if k[0] == "IKU.9"} == {"INTI", "PPSIASN", "PDPIK", "AK"}
    r = rows[("IKU.8", "INTI", "Z1", "")]
    assert [ws.cell(r, c).value for c in range(5, 8)] == [
        "Persentase durasi sistem di data center BKN dapat diakses", "%", "0 to 100"]
    assert ws.cell(rows[("IKU.9", "AK", "dokumen", "")], 8).value == 1  # TW III's, for reference
    # the descriptive columns locked, the cells to fill open, the sheet protected
    assert ws.protection.sheet
    assert ws.cell(r, 5).protection.locked and not ws.cell(r, 9).protection.locked
    assert not ws.cell(r, 10).protection.locked and not ws.cell(r, 11).protection.locked
    # the declared bounds as cell validation
    bounds = {(dv.formula1, dv.formula2) for dv in ws.data_validations.dataValidation
              if f"I{r}" in str(dv.sqref)}
    assert bounds == {("0", "100")}
    # the key: hidden, naming owner, revision and period, a key per row and a checksum
    key = wb["key"]
    assert key.sheet_state == "hidden"
    meta = {row[0]: row[1] for row in key.iter_rows(max_col=2, values_only=True)}
    assert meta["#owner"] == "SINKA" and meta["#revision"] == "2023-r2"
    assert meta["#period"] == "2023-TW4" and str(meta["#checksum"]).startswith("sha256:")
    assert "IKU.8|INTI|Z1|number|" in [row[1] for row in key.iter_rows(values_only=True)]


def test_a_units_form_and_items(project: Path, cli: Callable[..., Run]) -> None:
    made = cli("template", "--period", "2023-tw4", "--unit", "inti", "--output", "inti.xlsx")
    assert made.code == 0, made.err
    rows = form_rows(Path("inti.xlsx"))
    assert {k[1] for k in rows} == {"INTI"}
    # items one per row, named from the data, and spare rows for a new item
    assert [k[3] for k in rows if k[2] == "layanan_keamanan"] == [
        "pengujian_keamanan", "pengendalian_akses", "pengelolaan_insiden", "audit_kepatuhan",
        ""]
    # nothing is due from a unit in a period it does not report
    none = cli("template", "--period", "2023-TW2", "--unit", "PDPIK", "--output", "x.xlsx")
    assert none.code == 0  # IKU.9 is due from PDPIK in TW II
    nothing = cli("template", "--period", "2023-S1", "--unit", "SINKA")
    assert nothing.code == 2 and "no input is due from SINKA" in nothing.err
    unknown = cli("template", "--period", "2023-TW4", "--unit", "INTY")
    assert unknown.code == 2 and "did you mean `INTI`" in unknown.err


def test_csv_form_marks_its_key(project: Path, cli: Callable[..., Run]) -> None:
    assert cli("template", "--period", "2024-TW1", "--unit", "INTI", "--output",
               "f.csv").code == 0
    text = Path("f.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "#iku form;1" and "#owner;SINKA" in lines
    header = next(line for line in lines if line.startswith("#key;"))
    assert header.split(";")[1:5] == ["IKU", "Unit", "Variable", "Item"]
    z1 = next(line for line in lines if line.startswith("IKU.8|INTI|Z1|"))
    assert z1.split(";")[8] == "99,89"  # the previous period's value, in the form's format


# -- round trips ----------------------------------------------------------------------------
def test_round_trip_gives_the_figures_typed(project: Path, cli: Callable[..., Run]) -> None:
    assert cli("template", "--period", "2024-TW1", "--unit", "INTI", "--output",
               "form.xlsx").code == 0
    fill(Path("form.xlsx"), Path("filled.xlsx"), INTI_2024,
         evidence={("IKU.8", "INTI", "X1", ""): "https://bit.ly/LKJINTI2024"})
    done = cli("import", "filled.xlsx")
    assert done.code == 0, done.err
    assert "added     IKU.8 INTI Z1 = 99.89" in done.out
    assert "datasets/deputi-sinka/2024/IKU.08.yaml (new)" in done.out
    assert cli("validate").code == 0
    figures = realisasi(cli, "2024-TW1", "INTI")
    # IKU.8: L1 = (120/125*100 + 99.89)/2 = 97.945, L2 = 100, L3 = 97.5 -> 98.48
    assert figures["IKU.8"] == 98.48
    assert (figures["IKU.9"], figures["IKU.11"], figures["IKU.14"]) == (75, 87.5, 25.01)
    written = (DATA / "2024" / "IKU.08.yaml").read_text()
    assert written.startswith("# yaml-language-server: $schema=../../../schemas/dataset.")
    assert 'evidence: "https://bit.ly/LKJINTI2024"' in written
    # the same form again changes nothing
    again = cli("import", "filled.xlsx")
    assert again.code == 0 and "unchanged: 11 value(s)" in again.out
    assert "no file changes" in again.out


def test_csv_round_trip(project: Path, cli: Callable[..., Run]) -> None:
    assert cli("template", "--period", "2024-TW1", "--unit", "INTI", "--output",
               "f.csv").code == 0
    text = Path("f.csv").read_text(encoding="utf-8-sig")
    records = list(csv.reader(io.StringIO(text), delimiter=";"))
    typed = {"Z1": "99,89", "X1": "120", "Y1": "125", "digunakan": "7", "disediakan": "8"}
    for rec in records:
        if len(rec) > 9 and rec[3] in typed:
            rec[9] = typed[rec[3]]
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(records)
    Path("f.csv").write_text(out.getvalue(), encoding="utf-8")
    done = cli("import", "f.csv")
    assert done.code == 0, done.err
    assert realisasi(cli, "2024-TW1", "INTI")["IKU.11"] == 87.5
    assert "Z1: 99.89" in (DATA / "2024" / "IKU.08.yaml").read_text()


def test_an_empty_form_imports_nothing(project: Path, cli: Callable[..., Run]) -> None:
    before = texts(DATA / "2023")
    assert cli("template", "--period", "2023-TW4", "--output", "form.xlsx").code == 0
    done = cli("import", "form.xlsx")
    assert done.code == 0, done.err
    assert "nothing to import" in done.out
    assert texts(DATA / "2023") == before


def test_tw1_2023_with_the_shipped_values_reproduces_the_data(project: Path,
                                                              cli: Callable[..., Run]) -> None:
    """A form for TW I 2023 filled with the seed's TW I values changes no byte."""
    before = texts(DATA / "2023")
    assert cli("template", "--period", "2023-TW1", "--output", "form.xlsx").code == 0
    shipped = Project().dataset("SINKA", 2023)
    values: dict[Key, Any] = {}
    for e in shipped.entries:
        if e.period == Period.parse("2023-TW1"):
            for i in e.inputs:
                if isinstance(i.value, Items):
                    values.update({(e.iku, e.unit, i.name, n): v for n, v in i.value.pairs})
                else:
                    values[(e.iku, e.unit, i.name, "")] = i.value
    assert len(values) == 12  # IKU.9 (one each) and IKU.11 (two each) of four units
    fill(Path("form.xlsx"), Path("filled.xlsx"), values)
    done = cli("import", "filled.xlsx")
    assert done.code == 0, done.err
    assert "unchanged: 12 value(s)" in done.out and "no file changes" in done.out
    assert texts(DATA / "2023") == before


def test_new_items_and_an_entry_written_in_flow_style(project: Path,
                                                      cli: Callable[..., Run]) -> None:
    """No earlier data names IKU.8's items in TW I 2023: they are typed in the form. An input
    missing from a one-line entry is inserted into it; comments stay."""
    path = DATA / "2023" / "IKU.11.yaml"
    edit(path, "{unit: AK, period: 2023-TW1, inputs: {digunakan: 7, disediakan: 7}}",
         "{unit: AK, period: 2023-TW1, inputs: {digunakan: 7}}")
    before = path.read_text()
    assert cli("template", "--period", "2023-TW1", "--output", "form.xlsx").code == 0
    fill(Path("form.xlsx"), Path("filled.xlsx"),
         {("IKU.11", "AK", "digunakan", ""): 7, ("IKU.11", "AK", "disediakan", ""): 7,
          ("IKU.8", "INTI", "X1", ""): 100, ("IKU.8", "INTI", "Y1", ""): 100,
          ("IKU.8", "INTI", "Z1", ""): 99.5},
         new_items={("IKU.8", "INTI", "layanan_komunikasi"): [("email", 100), ("intranet", 90)],
                    ("IKU.8", "INTI", "layanan_keamanan"): [("audit kepatuhan", 100)]})
    done = cli("import", "filled.xlsx")
    assert done.code == 0, done.err
    after = path.read_text()
    assert after == before.replace("inputs: {digunakan: 7}}",
                                   "inputs: {digunakan: 7, disediakan: 7}}")
    iku8 = (DATA / "2023" / "IKU.08.yaml").read_text()
    assert "    period: 2023-TW1\n" in iku8 and '"audit kepatuhan": 100' in iku8
    assert iku8.index("2023-TW4") < iku8.index("2023-TW1")  # appended after the entries there
    # (100 + 99.5)/2 = 99.75; mean(100, 90) = 95; 100 -> 98.25
    assert realisasi(cli, "2023-TW1", "INTI")["IKU.8"] == 98.25
    assert cli("validate").code == 0


# -- bad cells ------------------------------------------------------------------------------
def test_bad_cells_are_named_and_nothing_is_written(project: Path,
                                                    cli: Callable[..., Run]) -> None:
    assert cli("template", "--period", "2024-TW1", "--unit", "INTI", "--numbers", "en",
               "--output", "form.xlsx").code == 0
    rows = form_rows(Path("form.xlsx"))
    bad = {("IKU.8", "INTI", "Z1", ""): "99,89",  # a decimal comma in an `en` form
           ("IKU.8", "INTI", "X1", ""): "90%",
           ("IKU.8", "INTI", "Y1", ""): "seratus",
           ("IKU.9", "INTI", "tindak_lanjut_terlaksana", ""): -1,
           ("IKU.11", "INTI", "digunakan", ""): 7,
           ("IKU.8", "INTI", "layanan_keamanan", "audit_kepatuhan"): 120}
    fill(Path("form.xlsx"), Path("bad.xlsx"), bad)
    result = cli("import", "bad.xlsx")
    assert result.code == 1
    lines = result.err.splitlines()

    def line(key: Key) -> str:
        return next(x for x in lines if f"bad.xlsx:Form!I{rows[key]}: error:" in x)

    z1 = line(("IKU.8", "INTI", "Z1", ""))
    assert "`99,89` has a comma" in z1 and "[IKU.8 INTI 2024-TW1]" in z1 and "99.89" in z1
    assert "`90%` has a percent sign" in line(("IKU.8", "INTI", "X1", ""))
    assert "`seratus` is not a number" in line(("IKU.8", "INTI", "Y1", ""))
    assert "= -1 is below the minimum 0" in line(("IKU.9", "INTI", "tindak_lanjut_terlaksana",
                                                   ""))
    assert "= 120 is above the maximum 100" in line(("IKU.8", "INTI", "layanan_keamanan",
                                                     "audit_kepatuhan"))
    # the other items of layanan_keamanan are empty while one is filled: said too
    assert any("item `pengujian_keamanan` has no value" in x for x in lines)
    assert "nothing written; 8 problem(s) in bad.xlsx" in result.err
    assert not (DATA / "2024").exists()


def test_spreadsheet_surprises_are_refused(project: Path, cli: Callable[..., Run]) -> None:
    """A formula, a percent-formatted number, a computed value with more digits than typed,
    and a value outside the form's rows."""
    assert cli("template", "--period", "2024-TW1", "--unit", "INTI", "--output",
               "form.xlsx").code == 0
    rows = form_rows(Path("form.xlsx"))
    wb = load_workbook("form.xlsx")
    ws = wb["Form"]
    ws.cell(rows[("IKU.8", "INTI", "X1", "")], 9).value = "=100+20"
    z1 = ws.cell(rows[("IKU.8", "INTI", "Z1", "")], 9)
    z1.value, z1.number_format = 0.9989, "0.00%"
    ws.cell(rows[("IKU.8", "INTI", "Y1", "")], 9).value = 525047 / 525600 * 125
    ws.cell(ws.max_row + 2, 9).value = 5
    wb.save("odd.xlsx")
    result = cli("import", "odd.xlsx")
    assert result.code == 1
    assert "a formula `=100+20`, not a value" in result.err
    assert "formatted as a percentage" in result.err
    assert "significant digits, more than a spreadsheet keeps (15)" in result.err
    assert "outside the form's rows" in result.err


def test_indonesian_numbers_are_read_where_the_form_declares_them(
        project: Path, cli: Callable[..., Run]) -> None:
    assert cli("template", "--period", "2024-TW1", "--unit", "INTI", "--output",
               "form.xlsx").code == 0
    fill(Path("form.xlsx"), Path("id.xlsx"), {**INTI_2024, ("IKU.8", "INTI", "Z1", ""): "99,89",
                                               ("IKU.8", "INTI", "X1", ""): "99.89"})
    refused = cli("import", "id.xlsx")
    assert refused.code == 1 and "`99.89` has a decimal point" in refused.err
    assert "(write 99,89)" in refused.err
    fill(Path("form.xlsx"), Path("id.xlsx"), {**INTI_2024, ("IKU.8", "INTI", "Z1", ""): "99,89"})
    assert cli("import", "id.xlsx").code == 0
    assert "      Z1: 99.89\n" in (DATA / "2024" / "IKU.08.yaml").read_text()


# -- forms from elsewhere -----------------------------------------------------------------------
def _key_cell(path: Path, label: str) -> str:
    key = load_workbook(path)["key"]
    return next(f"B{c.row}" for c in key["A"] if c.value == label)


def test_an_edited_key_is_refused(project: Path, cli: Callable[..., Run]) -> None:
    assert cli("template", "--period", "2024-TW1", "--unit", "INTI", "--output",
               "form.xlsx").code == 0
    rows = form_rows(Path("form.xlsx"))
    fill(Path("form.xlsx"), Path("moved.xlsx"), INTI_2024,
         cells={f"B{rows[('IKU.11', 'INTI', 'digunakan', '')]}": "AK"})
    moved = cli("import", "moved.xlsx")
    assert moved.code == 3
    assert f"moved.xlsx:Form!B{rows[('IKU.11', 'INTI', 'digunakan', '')]}: error: the key " \
           "column `unit` was edited: it says `AK`" in moved.err
    wb = load_workbook("form.xlsx")
    wb["key"][_key_cell(Path("form.xlsx"), "#period")] = "2024-TW2"
    wb.save("period.xlsx")
    edited = cli("import", "period.xlsx")
    assert edited.code == 3 and "the form's key was edited" in edited.err
    assert not (DATA / "2024").exists()


def test_another_period_owner_or_revision_is_refused(project: Path,
                                                     cli: Callable[..., Run]) -> None:
    assert cli("template", "--period", "2024-TW1", "--unit", "INTI", "--output",
               "form.xlsx").code == 0
    fill(Path("form.xlsx"), Path("filled.xlsx"), INTI_2024)
    period = cli("import", "filled.xlsx", "--period", "2024-TW2")
    assert period.code == 3
    assert "the form is for 2024-TW1 (TW I 2024); --period says 2024-TW2" in period.err
    add_owner(project, "DUP", "dup")
    owner = cli("import", "filled.xlsx", "--owner", "DUP")
    assert owner.code == 3 and "the form is SINKA's; --owner says DUP" in owner.err
    # a mid-year revision now in force for TW I: the form asks for the old rules
    assert cli("new-revision", "--mid-year", "--effective", "2024-02-01", "--note",
               "IKU.9 reworded").code == 0
    revision = cli("import", "filled.xlsx")
    assert revision.code == 3
    assert "made from revision 2024; the revision of SINKA in force for 2024-TW1 is now " \
           "2024-r2" in revision.err
    assert not (DATA / "2024").exists()


def test_a_changed_revision_is_refused(project: Path, cli: Callable[..., Run]) -> None:
    assert cli("template", "--period", "2023-TW4", "--unit", "INTI", "--output",
               "form.xlsx").code == 0
    edit(Path("manual_iku/deputi-sinka/2023-r2/iku/IKU.08.yaml"), "max: 100", "max: 110")
    changed = cli("import", "form.xlsx")
    assert changed.code == 3 and "revision 2023-r2 of SINKA has changed since" in changed.err


# -- existing values ----------------------------------------------------------------------------
TW4_INTI = {("IKU.8", "INTI", "X1", ""): 490, ("IKU.8", "INTI", "Y1", ""): 490,
            ("IKU.8", "INTI", "Z1", ""): 99.9}


def test_a_different_value_needs_replace(project: Path, cli: Callable[..., Run]) -> None:
    path = DATA / "2023" / "IKU.08.yaml"
    before = path.read_text()
    assert cli("template", "--period", "2023-TW4", "--unit", "INTI", "--output",
               "form.xlsx").code == 0
    fill(Path("form.xlsx"), Path("filled.xlsx"), TW4_INTI)
    refused = cli("import", "filled.xlsx")
    assert refused.code == 1
    assert "`Z1`: the form differs from the data at datasets/deputi-sinka/2023/IKU.08.yaml:" \
           in refused.err and ": 99.89 -> 99.9 [IKU.8 INTI 2023-TW4]" in refused.err
    assert "[IKU.8 INTI 2023-TW4] (iku import --replace" in refused.err
    assert path.read_text() == before
    replaced = cli("import", "filled.xlsx", "--replace")
    assert replaced.code == 0, replaced.err
    assert "replaced  IKU.8 INTI Z1: 99.89 -> 99.9" in replaced.out
    assert "unchanged: 2 value(s)" in replaced.out
    # only the number changed; its note and every comment stay
    changed = [(a, b) for a, b in zip(before.splitlines(), path.read_text().splitlines(),
                                      strict=True) if a != b]
    assert changed == [("        value: 99.89", "        value: 99.9")]
    assert realisasi(cli, "2023-TW4", "INTI")["IKU.8"] == 99.98  # (99.95 + 100 + 100)/3


def test_dry_run_shows_a_diff_and_writes_nothing(project: Path, cli: Callable[..., Run]) -> None:
    before = texts(DATA / "2023")
    assert cli("template", "--period", "2023-TW4", "--unit", "INTI", "--output",
               "form.xlsx").code == 0
    fill(Path("form.xlsx"), Path("filled.xlsx"), TW4_INTI,
         evidence={("IKU.8", "INTI", "Y1", ""): "https://bit.ly/LKJINTI2023"})
    dry = cli("import", "filled.xlsx", "--replace", "--dry-run")
    assert dry.code == 0, dry.err
    assert "--- a/datasets/deputi-sinka/2023/IKU.08.yaml" in dry.out
    assert "+++ b/datasets/deputi-sinka/2023/IKU.08.yaml" in dry.out
    assert "-        value: 99.89\n+        value: 99.9\n" in dry.out
    assert "would write datasets/deputi-sinka/2023/IKU.08.yaml" in dry.out
    # the entry's evidence is the same link: nothing to add for Y1
    assert "annotated" not in dry.out
    assert texts(DATA / "2023") == before


def test_a_failure_on_the_second_file_leaves_the_first_as_it_was(
        project: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("template", "--period", "2023-TW1", "--output", "form.xlsx").code == 0
    fill(Path("form.xlsx"), Path("filled.xlsx"),
         {("IKU.8", "INTI", "X1", ""): 100, ("IKU.14", "INTI", "pagu", ""): 1000})
    before = texts(DATA / "2023")
    import engine.datawrite

    real = os.replace
    calls: list[str] = []

    def failing(src: Any, dst: Any) -> None:
        calls.append(str(dst))
        if len(calls) == 2:
            raise OSError(28, "No space left on device", str(dst))
        real(src, dst)

    monkeypatch.setattr(engine.datawrite.os, "replace", failing)
    result = cli("import", "filled.xlsx")
    assert result.code == 3
    assert "No space left on device; every file is as it was" in result.err
    # IKU.08.yaml replaced, IKU.14.yaml failed, IKU.08.yaml put back from its copy
    assert [Path(c).name for c in calls] == ["IKU.08.yaml", "IKU.14.yaml", "IKU.08.yaml"]
    assert texts(DATA / "2023") == before  # IKU.08.yaml put back; no temporary file left
    monkeypatch.setattr(engine.datawrite.os, "replace", real)
    assert cli("import", "filled.xlsx").code == 0
    assert texts(DATA / "2023") != before


def test_previous_values_and_the_number_format(project: Path, cli: Callable[..., Run]) -> None:
    assert cli("template", "--period", "2024-TW1", "--unit", "INTI", "--output",
               "form.xlsx").code == 0
    ws = load_workbook("form.xlsx")["Form"]
    rows = form_rows(Path("form.xlsx"))
    assert ws.cell(rows[("IKU.14", "INTI", "pagu", "")], 8).value == 13771200000
    assert ws.cell(rows[("IKU.8", "INTI", "Z1", "")], 8).value == pytest.approx(99.89)
    assert Decimal(str(ws.cell(rows[("IKU.8", "INTI", "Z1", "")], 8).value)) == \
        Decimal("99.89")
