"""Nothing silently wrong: one file per indicator whose name and code agree, no second
source for a figure, and an error never counted as missing data."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from conftest import Run, edit

DATA = Path("datasets/deputi-sinka/2023")
R2 = Path("manual_iku/deputi-sinka/2023-r2")


def issues(result: Run) -> list[dict[str, object]]:
    return list(json.loads(result.out)["issues"])


def test_a_stray_copy_beside_a_data_file_is_an_error(project: Path,
                                                    cli: Callable[..., Run]) -> None:
    """A stray IKU.13_old.yaml with other values must not win silently (IKU.10_old.yaml used
    to: NPSS 99.37 -> 98.47; IKU.10's values are now in the directorates' own data)."""
    shutil.copy(DATA / "IKU.13.yaml", DATA / "IKU.13_old.yaml")
    edit(DATA / "IKU.13_old.yaml", "inputs: {nilai_lhe: 67.45}", "inputs: {nilai_lhe: 37.45}")
    result = cli("validate", "--format", "json")
    assert result.code == 1
    found = [i for i in issues(result) if i["file"] == str(DATA / "IKU.13_old.yaml")]
    assert found and "file IKU.13_old.yaml holds IKU.13: the name and the code must agree" \
        in found[0]["message"]
    assert "name it IKU.13.yaml" in str(found[0]["hint"])
    ev = cli("evaluate", "--format", "json")
    assert ev.code == 3
    assert json.loads(ev.out)["npss"] == 99.37  # the stray copy took no part


def test_file_named_for_another_code_is_an_error(project: Path, cli: Callable[..., Run]) -> None:
    (DATA / "IKU.02.yaml").rename(DATA / "IKU.01b.yaml")
    result = cli("validate", "--format", "json")
    assert result.code == 1
    assert any("file IKU.01b.yaml holds IKU.2" in str(i["message"]) for i in issues(result))
    edit(R2 / "iku" / "IKU.03.yaml", "code: IKU.3", "code: IKU.33")
    found = [i for i in issues(cli("validate", str(R2), "--format", "json"))
             if "IKU.03.yaml holds IKU.33" in str(i["message"])]
    assert found and found[0]["severity"] == "error" and found[0]["line"] == 2


def test_hidden_and_backup_files_are_not_read_but_said(project: Path,
                                                      cli: Callable[..., Run]) -> None:
    shutil.copy(DATA / "IKU.10.yaml", DATA / "IKU.10.yaml.bak")  # not .yaml: not read
    shutil.copy(DATA / "IKU.10.yaml", DATA / "._IKU.10.yaml")  # macOS resource fork name
    result = cli("validate", "--format", "json")
    assert result.code == 0
    # besides the deputy's 2024 links to directorates without a 2024 manual yet
    warned = [i for i in issues(result) if i["severity"] == "warning" and i["code"] != "link"]
    assert [i["message"] for i in warned] == ["._IKU.10.yaml is not read: hidden files are "
                                              "ignored"]


def test_a_year_entry_beside_the_semesters_is_a_conflict(project: Path,
                                                         cli: Callable[..., Run]) -> None:
    """PPSIASN's IKU.1 has S1 and S2 entries; a year entry too is a second source."""
    path = DATA / "IKU.01.yaml"
    text = path.read_text()
    values = text[:text.index("narratives:\n")]  # the values come first, the texts after
    path.write_text(values + "  - unit: PPSIASN\n    period: 2023\n    inputs: {ikm: 90.51}\n"
                    + text[len(values):])
    line = len(values.splitlines()) + 1
    result = cli("validate", "--format", "json")
    assert result.code == 1
    hit = next(i for i in issues(result) if "two sources for PPSIASN 2023" in str(i["message"]))
    assert (hit["file"], hit["line"], hit["unit"]) == (str(path), line, "PPSIASN")
    assert "2023-S1 at line 6, 2023-S2 at line 11" in str(hit["message"])
    rows = {r["iku"]: r for r in json.loads(cli("evaluate", "--format", "json").out)["rows"]}
    assert rows["IKU.1"]["outcome"] == "error"


def test_a_formula_that_fails_is_an_error_not_missing_data(project: Path,
                                                          cli: Callable[..., Run]) -> None:
    """With Y1: 0 in IKU.8 the row used to say "no data" and the NPSS left IKU.8 out. (IKU.8's
    inputs are in Dit. INTI's own data; the deputy's IKU.8 links to them.)"""
    edit(Path("datasets/dit-inti/2023/SS.03.01.yaml"), "Y1: {value: 490", "Y1: {value: 0")
    result = cli("evaluate", "--format", "json")
    assert result.code == 5
    out = json.loads(result.out)
    row = next(r for r in out["rows"] if r["iku"] == "IKU.8")
    assert (row["state"], row["outcome"]) == ("error", "error")
    assert "division by zero in `X1 / Y1`" in row["note"]
    assert out["npss"] is None
    assert out["npss_state"]["state"] == "error"
    assert out["npss_state"]["partial"] is not None
    ss3 = next(o for o in out["objectives"] if o["code"] == "SS.3")
    assert ss3["nss"] is None and ss3["state"] == "error" and "IKU.8" in ss3["why"]
    table = cli("evaluate", "--width", "120")
    assert table.code == 5
    assert "1 IKU(s) could not be computed (error" in table.out
    assert "NPSS — error: INTERNAL: SS.3: IKU.8:" in " ".join(table.out.split())
    assert "1 figure(s) could not be computed: IKU.8" in table.err


def test_missing_data_makes_the_rollup_incomplete_never_partial(project: Path,
                                                                cli: Callable[..., Run]) -> None:
    """AK's IKU.14 missing: the deputy's IKU.14 shows what the other three give, apart. (AK's
    budget is entered in its own data, which the deputy's IKU.14 links to.)"""
    path = Path("datasets/dit-ak/2023/IKU_10.yaml")
    text = path.read_text()
    path.write_text(text[:text.index("values:")] + "values: []\n")
    out = json.loads(cli("evaluate", "--format", "json").out)
    row = next(r for r in out["rows"] if r["iku"] == "IKU.14")
    assert (row["outcome"], row["realisasi"]) == ("no data", None)
    assert row["partial"] == 99.1166666666666666666666667 or round(row["partial"], 2) == 99.12
    assert "no data: realisasi_anggaran, pagu for AK 2023-TW4" in row["note"]
    assert out["npss"] is None and out["npss_state"]["state"] == "incomplete"
    table = " ".join(cli("evaluate", "--width", "140").out.split())
    assert "— (partial 99.12)" in table
    explained = " ".join(cli("explain", "IKU.14", "--width", "140").out.split())
    assert "Dit. PPSIASN: 98.74" in explained and "the units that reported give 99.12" in explained
