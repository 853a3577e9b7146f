"""`iku validate`: one broken manual per error kind, each message naming file and line; all
problems of a manual in one run; hostile formulas in a shipped IKU."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, edit

R2 = Path("manual_iku/deputi-sinka/2023-r2")
H = R2 / "manual.yaml"


def iku(n: int) -> Path:
    return R2 / "iku" / f"IKU.{n:02d}.yaml"


# (case, file, old text, new text, message part[, anchor]). The expected line is where `new`
# lands, or where `anchor` stands for problems of a whole list.
CASES = [
    ("yaml syntax", iku(8), "formula: (L1 + L2 + L3) / 3", "formula: [(L1 + L2 + L3) / 3",
     "YAML syntax"),
    ("unknown key", iku(8), "polarity: higher_is_better", "polarity: higher_is_better\nsatuan: x",
     "unknown key `satuan`"),
    ("unknown key hint", iku(8), "definition: >-", "defnition: >-", "did you mean `definition`"),
    ("wrong type", iku(8), "    unit: permintaan\n    kind: number\n    min: 0",
     "    unit: permintaan\n    kind: number\n    min: abc", "expected a number, found text"),
    ("enum", iku(8), "polarity: higher_is_better", "polarity: higher", "did you mean"),
    ("duplicate key", iku(8), "polarity: higher_is_better",
     "polarity: higher_is_better\npolarity: lower_is_better", "duplicate key `polarity`"),
    ("norway boolean", iku(8), "unit: permintaan", "unit: no", "ambiguous value `no`"),
    ("formula grammar", iku(8), "formula: (L1 + L2 + L3) / 3",
     "formula: (L1 + L2 + L3).real / 3", "attribute access"),
    ("undeclared name", iku(8), "formula: (L1 + L2 + L3) / 3", "formula: (L1 + L2 + L4) / 3",
     "did you mean `L1`?"),
    ("unknown function", iku(8), "formula: mean(layanan_komunikasi)",
     "formula: avg(layanan_komunikasi)", "unknown function `avg`"),
    ("list as number", iku(8), "formula: mean(layanan_komunikasi)",
     "formula: layanan_komunikasi + 1", "used as a single number"),
    ("list into a number function", iku(8), "formula: mean(layanan_komunikasi)",
     "formula: abs(layanan_komunikasi)", "used as a single number"),
    ("targeted not measured", iku(10), "targeted: [TW4]", "targeted: [TW2, TW4]",
     "carries a target but is not a measured period"),
    ("target for untargeted period", iku(10), "periods: {TW4: 80}",
     "periods: {TW4: 80, TW3: 70}", "not a targeted period"),
    ("no target for the year", iku(13), "  - {year: 2023, value: 81, source: Tabel 4 (PK 2023)}",
     "  - {year: 2025, value: 81}", "no target for 2023", "targets:"),
    ("cascade unknown unit", iku(8), "    - unit: INTI", "    - unit: INTY",
     "did you mean `INTI`?"),
    ("objective reference", iku(8), "objective: SS.3", "objective: SS.33",
     "does not exist"),
    ("duplicate code", iku(9), "code: IKU.9", "code: IKU.8", "defined twice"),
    ("aggregate formula missing", iku(1), "  aggregate: mean", "  aggregate: formula",
     "aggregate_formula is missing"),
    ("rollup formula names", iku(1), "  rollup: mean", "  rollup: formula\n"
     "  rollup_formula: mean(value)", "did you mean `values`"),
    ("weighted mean without weight", iku(1), "  rollup: mean", "  rollup: weighted_mean",
     "PPSIASN has no weight", "    - unit: PPSIASN"),
    ("weights", H, "    weight: 40", "    weight: 45", "weights sum to 105", "perspectives:"),
    ("bands gap", H, "      from: 80\n      to: 100", "      from: 85\n      to: 100",
     "leave a gap"),
    ("bands overlap", H, "      from: 100\n      to: null", "      from: 90\n      to: null",
     "overlap"),
    ("capaian names", H, "higher_is_better: realisasi / target * 100",
     "higher_is_better: realisasi / targt * 100", "did you mean `target`"),
    ("objective lists unknown IKU", H, "ikus: [IKU.10]", "ikus: [IKU.10, IKU.16]",
     "IKU.16, which has no file"),
    ("perspective reference", H, "    perspective: LEARNING\n    ikus: [IKU.10]",
     "    perspective: LEARNIN\n    ikus: [IKU.10]", "did you mean `LEARNING`"),
    ("supersedes", H, 'supersedes: "2023-r1"', 'supersedes: "2023-r0"', "not a revision"),
    ("effective dates", H, "effective_from: 2023-05-01", "effective_from: 2023-01-01",
     "effective dates must increase"),
    ("bad date", H, "effective_from: 2023-05-01", "effective_from: 2023-02-30",
     "not a calendar date"),
]


@pytest.mark.parametrize(("case", "path", "old", "new", "message", "anchor"),
                         [(*c, None) if len(c) == 5 else c for c in CASES],
                         ids=[c[0] for c in CASES])
def test_error_names_file_and_line(case: str, path: Path, old: str, new: str, message: str,
                                   anchor: str | None, project: Path,
                                   cli: Callable[..., Run]) -> None:
    line = edit(path, old, new)
    if anchor is not None:
        line = path.read_text().split("\n").index(anchor) + 1
    result = cli("validate", "--format", "json")
    assert result.code == 1, result.err
    issues = json.loads(result.out)["issues"]
    hits = [i for i in issues if message in i["message"] + " " + (i["hint"] or "")]
    assert hits, f"{case}: no issue with {message!r} in {[i['message'] for i in issues]}"
    hit = hits[0]
    assert hit["file"] == str(path)
    # a syntax error is found where the parser stops, at most one line further
    new_lines = range(line, line + new.count("\n") + 1 + (case == "yaml syntax"))
    assert hit["line"] in new_lines, f"{case}: line {hit['line']}, expected {line}"


def test_all_problems_of_a_manual_in_one_run(project: Path, cli: Callable[..., Run]) -> None:
    edit(iku(8), "formula: (L1 + L2 + L3) / 3", "formula: (L1 + L2 + L4) / 3")
    edit(iku(10), "targeted: [TW4]", "targeted: [TW2, TW4]")
    edit(iku(3), "polarity: higher_is_better", "polarity: higher_is_better\nsatuan: x")
    edit(H, "    weight: 40", "    weight: 45")
    result = cli("validate", "manual_iku/deputi-sinka/2023-r2")
    assert result.code == 1
    # IKU.10 also lacks TW2 values in its three 2023 target blocks, and its four units' own
    # indicators, which it links to, are measured in TW IV only: 11 errors in all.
    for part in ("IKU.08.yaml", "IKU.10.yaml", "IKU.03.yaml", "manual.yaml"):
        assert part in result.err, part
    assert "11 error(s)" in result.out and len(result.err.splitlines()) == 11


def test_clean_manuals_say_what_was_checked(in_root: Path, cli: Callable[..., Run]) -> None:
    result = cli("validate")
    # the deputy's 2024 links to directorates that have no 2024 manual yet: one warning each
    # the deputy's 2024 links to directorates that have no 2024 manual yet are warnings
    assert "OK: 5 owners (SINKA, INTI, PPSIASN, PDPIK, AK); 8 revision(s), 112 files, 104 IKUs; " \
           "7 dataset(s), 66 files checked: 0 error(s), 4 warning(s)" \
           in " ".join(result.out.split())
    deputy = cli("validate", "manual_iku/deputi-sinka", "datasets/deputi-sinka")
    years = ", ".join(f"datasets/deputi-sinka/{y}" for y in (2021, 2022, 2023))
    assert "4 revision(s) (2022, 2023-r1, 2023-r2, 2024), 64 files, 60 IKUs; 3 dataset(s) " \
           f"({years}), 18 files checked: 0 error(s), 4 warning(s)" \
           in " ".join(deputy.out.split())


def test_assumptions_are_listed(in_root: Path, cli: Callable[..., Run]) -> None:
    result = cli("validate", "--assumptions", "manual_iku/deputi-sinka/2023-r2")
    assert result.code == 0
    assert "manual_iku/deputi-sinka/2023-r2/manual.yaml:104:5: SINKA 2023-r2 H1: " \
           "Perspective weights 30/40/30" in result.out
    assert "I13" in result.out
    table = cli("validate", "--assumptions", "--format", "table",
                "manual_iku/deputi-sinka/2023-r2")
    assert "Assumptions written into the manuals" in table.out


HOSTILE_IN_MANUAL = [
    "().__class__.__bases__[0].__subclasses__()",
    'open("/etc/hostname").read()',
    'open("MARKER", "w").write("x")',
    "max(range(10**12))",
    "(9**9999)**9999",
    "[0] * 10**8",
    "(" * 250 + "L1" + ")" * 250,
    " + ".join(["L1"] * 24000),
]


@pytest.mark.parametrize("formula", HOSTILE_IN_MANUAL, ids=range(len(HOSTILE_IN_MANUAL)))
def test_hostile_formula_in_a_shipped_iku(formula: str, project: Path,
                                          cli: Callable[..., Run]) -> None:
    quoted = "'" + formula.replace("'", "''") + "'"
    line = edit(iku(8), "formula: (L1 + L2 + L3) / 3", f"formula: {quoted}")
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    start = time.perf_counter()  # the revision holding the formula: what the bound is about
    result = cli("validate", str(R2), "--format", "json")
    elapsed = time.perf_counter() - start
    issues = [i for i in json.loads(result.out)["issues"] if i["iku"] == "IKU.8"]
    assert result.code == 1
    assert issues and issues[0]["file"].endswith("IKU.08.yaml") and issues[0]["line"] == line
    assert elapsed < 1.0, f"took {elapsed:.2f}s"
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before
    assert not (project / "MARKER").exists()


def test_validate_checks_data_too(project: Path, cli: Callable[..., Run]) -> None:
    """An officer who edits data validates it the same way, with file and line (Dit. INTI's
    IP ASN, which the deputy's IKU.10 links to)."""
    path = Path("datasets/dit-inti/2023/SS.05.01.yaml")
    line = edit(path, "inputs: {indeks: 77.54}", "inputs: {indeks: 177.54}")
    result = cli("validate", "--format", "json")
    assert result.code == 1
    out = json.loads(result.out)
    assert "datasets/dit-inti/2023" in out["datasets"]
    issue = next(i for i in out["issues"] if "outside 0 to 100" in i["message"])
    assert (issue["file"], issue["line"], issue["iku"], issue["unit"]) == \
        (str(path), line, "SS.5.1", "INTI")
    alone = cli("validate", "datasets/dit-inti/2023", "--format", "json")
    assert alone.code == 1 and json.loads(alone.out)["revisions"] == []


@pytest.mark.parametrize(("written", "hint"), [
    ('"90%"', "write 90 without the % sign"),
    ('"99,5"', "write 99.5: a decimal takes a point here, not a comma"),
    ("1.250.000.000", "write 1250000000 (or 1_250_000_000): no thousands dots"),
])
def test_entry_mistakes_get_a_hint(written: str, hint: str, project: Path,
                                   cli: Callable[..., Run]) -> None:
    """How numbers are written in Indonesian documents, in a manual and in data alike."""
    line = edit(iku(13), "  - {year: 2024, value: 85", f"  - {{year: 2024, value: {written}")
    data = Path("datasets/deputi-sinka/2023/IKU.01.yaml")
    data_line = edit(data, "inputs: {ikm: 87.05}", f"inputs: {{ikm: {written}}}")
    result = cli("validate", "--format", "json")
    found = {(i["file"], i["line"]): i for i in json.loads(result.out)["issues"]}
    assert hint in found[(str(iku(13)), line)]["hint"]
    assert hint in found[(str(data), data_line)]["hint"]


@pytest.mark.parametrize("spelling", ["tw2", "TW2", "2023-tw2", "2023-TW2"])
def test_periods_as_people_write_them(spelling: str, in_root: Path,
                                      cli: Callable[..., Run]) -> None:
    result = cli("evaluate", "--period", spelling, "--format", "json")
    assert result.code == 0 and json.loads(result.out)["period"] == "2023-TW2"
    assert json.loads(cli("evaluate", "--period", "year", "--format", "json").out)["period"] \
        == "2023"
