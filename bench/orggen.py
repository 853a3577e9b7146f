"""Generate an organisation of N agencies for benchmarks: each agency an owner with a copy of
the benchmark fixture (`bench/fixture/`: the deputy SINKA's two 2023 revisions and 2023 data,
15 IKUs x 4 units, unlinked), under one national root owner that has no manual of its own.

Every agency's files differ from every other's (inputs are nudged by the agency's index,
targets name the agency), so that a benchmark cannot profit from identical texts the way a
real organisation could not: 626 agencies do not share their data files byte for byte.

With more than one year, year 2023 + k gets two revisions of its own (copies of the 2023
ones, dated k years later, each IKU keeping only its 2023 target, moved to that year) and a
copy of the 2023 data moved to that year.

    python bench/orggen.py OUT AGENCIES [YEARS]
"""

from __future__ import annotations

import re
import shutil
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "bench" / "fixture"
SOURCE_OWNER = "deputi-sinka"
FIRST_YEAR = 2023
REVISIONS = ("2023-r1", "2023-r2")
ROOT_CODE = "NASIONAL"
_NUMBER = re.compile(r"(?<=: )(\d+\.\d+)(?=[,}\n])")


def _nudge(text: str, i: int) -> str:
    """Decimal inputs moved by a small amount that depends on the agency, within bounds."""
    def one(m: re.Match[str]) -> str:
        value = Decimal(m.group(1))
        step = Decimal(i % 97) / 1000
        moved = value - step if value - step >= 0 else value
        return f"{moved:.{max(2, -moved.as_tuple().exponent)}f}"  # type: ignore[operator]
    return _NUMBER.sub(one, text)


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _revision_texts(year: int) -> dict[str, dict[str, str]]:
    """Each revision's files (relative path -> text) for `year`, for a generic owner
    `@OWNER@` to be filled in per agency."""
    out: dict[str, dict[str, str]] = {}
    previous = None
    for rev in REVISIONS:
        src = FIXTURE / "manual_iku" / SOURCE_OWNER / rev
        label = rev.replace(str(FIRST_YEAR), str(year))
        files: dict[str, str] = {}
        header = yaml.safe_load((src / "manual.yaml").read_text(encoding="utf-8"))
        header["owner"] = "@OWNER@"
        header["year"] = year
        r = header["revision"]
        r["label"] = label
        r["effective_from"] = r["effective_from"].replace(year=year)
        r["supersedes"] = previous
        for u in header.get("units", []):
            if u["code"] == "SINKA":
                u["code"] = "@OWNER@"
            if u.get("parent") == "SINKA":
                u["parent"] = "@OWNER@"
        files["manual.yaml"] = _dump(header)
        for f in sorted((src / "iku").glob("*.yaml")):
            iku = yaml.safe_load(f.read_text(encoding="utf-8"))
            kept = [dict(t, year=year) for t in iku.get("targets", [])
                    if t.get("year") == FIRST_YEAR]
            for t in kept:
                t["source"] = "@OWNER@ PK"
            iku["targets"] = kept
            files[f"iku/{f.name}"] = _dump(iku)
        out[label] = files
        previous = label
    return out


def generate(out: Path, agencies: int, years: int = 1) -> list[str]:
    """Write `agencies` owners with `years` years each under `out`; return their codes."""
    if out.exists():
        shutil.rmtree(out)
    manuals = out / "manual_iku"
    data = out / "datasets"
    manuals.mkdir(parents=True)
    org = ["name: Generated organisation", f"default_owner: {ROOT_CODE}", "owners:",
           f"  - code: {ROOT_CODE}", "    name: National root (no manual of its own)",
           "    folder: nasional"]
    revisions = {FIRST_YEAR + k: _revision_texts(FIRST_YEAR + k) for k in range(years)}
    data_src = FIXTURE / "datasets" / SOURCE_OWNER / str(FIRST_YEAR)
    data_texts = {f.name: f.read_text(encoding="utf-8") for f in sorted(data_src.glob("*.yaml"))}
    codes = []
    for i in range(agencies):
        code = f"A{i:04d}"
        folder = f"agency-{i:04d}"
        codes.append(code)
        org += [f"  - code: {code}", f"    name: Agency {i}", f"    folder: {folder}",
                f"    parent: {ROOT_CODE}"]
        for year, revs in revisions.items():
            for label, files in revs.items():
                for rel, text in files.items():
                    path = manuals / folder / label / rel
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(text.replace("@OWNER@", code), encoding="utf-8")
            dst = data / folder / str(year)
            dst.mkdir(parents=True)
            for name, text in data_texts.items():
                text = _nudge(text, i) if name != "reported.yaml" else text
                text = text.replace("unit: SINKA", f"unit: {code}")
                text = text.replace(f"year: {FIRST_YEAR}", f"year: {year}")
                text = text.replace(f"{FIRST_YEAR}-", f"{year}-")
                text = text.replace(f"period: {FIRST_YEAR}\n", f"period: {year}\n")
                (dst / name).write_text(text, encoding="utf-8")
    (manuals / "nasional").mkdir()  # the root has a folder, but no manual of its own
    (manuals / "organisation.yaml").write_text("\n".join(org) + "\n", encoding="utf-8")
    return codes


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)
