"""Generate an organisation of N owners for benchmarks: each owner a copy of the shipped
SINKA manuals (the 2023 revisions) and 2023 data, with its own code, folder and numbers.

Every owner's files differ from every other's (targets and inputs are nudged by the
owner's index), so that a benchmark cannot profit from identical texts the way a real
organisation could not: 626 agencies do not share their data files byte for byte.

    python bench/orggen.py OUT N
"""

from __future__ import annotations

import re
import shutil
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tests" / "acceptance"
REVISIONS = ("2023-r1", "2023-r2")
_NUMBER = re.compile(r"(?<=: )(\d+\.\d+)(?=[,}\n])")


def _nudge(text: str, i: int) -> str:
    """Decimal inputs moved by a small amount that depends on the owner, within bounds."""
    def one(m: re.Match[str]) -> str:
        value = Decimal(m.group(1))
        step = Decimal(i % 97) / 1000
        moved = value - step if value - step >= 0 else value
        return f"{moved:.{max(2, -moved.as_tuple().exponent)}f}"  # type: ignore[operator]
    return _NUMBER.sub(one, text)


def generate(out: Path, n: int, years: int = 1) -> list[str]:
    """Write `n` owners (and `years` data years, 2023 and earlier copies) under `out`; return
    their codes."""
    if out.exists():
        shutil.rmtree(out)
    manuals = out / "manual_iku"
    data = out / "datasets"
    manuals.mkdir(parents=True)
    codes = []
    org = ["name: Generated organisation", "owners:"]
    for i in range(n):
        code = f"A{i:04d}"
        folder = f"agency-{i:04d}"
        codes.append(code)
        org += [f"  - code: {code}", f"    name: Agency {i}", f"    folder: {folder}"]
        for rev in REVISIONS:
            src = SOURCE / "manual_iku" / "deputi-sinka" / rev
            dst = manuals / folder / rev
            shutil.copytree(src, dst)
            header = dst / "manual.yaml"
            header.write_text(header.read_text().replace("owner: SINKA", f"owner: {code}")
                              .replace('supersedes: "2022"', "supersedes: null")
                              .replace("  - code: SINKA\n", f"  - code: {code}\n")
                              .replace("parent: SINKA", f"parent: {code}"))
            for f in (dst / "iku").glob("*.yaml"):  # each owner's own targets
                f.write_text(f.read_text().replace("source: Tabel 3}", f"source: Agency {i}}}"))
        for y in range(years):
            year = 2023 - y
            src = SOURCE / "datasets" / "deputi-sinka" / "2023"
            dst = data / folder / str(year)
            dst.mkdir(parents=True)
            for f in src.glob("IKU.*.yaml"):
                text = _nudge(f.read_text(), i).replace("unit: SINKA", f"unit: {code}")
                text = text.replace("year: 2023", f"year: {year}").replace("2023-", f"{year}-")
                (dst / f.name).write_text(text)
    (manuals / "organisation.yaml").write_text("\n".join(org) + "\n")
    return codes


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]))
