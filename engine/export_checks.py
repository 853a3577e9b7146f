"""`iku check` as JSON and text. Each result is projected into rows once here; the terminal tables
(engine.render) use the same text cells."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from engine.checkrules import RULES
from engine.checks import CheckResult
from engine.errors import Severity


def _num(x: Decimal | None, prec: int) -> str:
    return "—" if x is None else f"{x:,.{prec}f}"


def short(label: str) -> str:
    """`TW IV 2023` -> `TW IV`."""
    return label.rsplit(" ", 1)[0]


# -- iku check ----------------------------------------------------------------------------------
def check_dict(result: CheckResult) -> dict[str, Any]:
    return {
        "owner": result.owner,
        "year": result.year,
        "as_of": str(result.as_of) if result.as_of else None,
        "rules": [{"id": rid, "recommendations": list(RULES[rid].recommendations),
                   "ran": True, "checked": note} for rid, note in result.ran]
        + [{"id": rid, "recommendations": list(RULES[rid].recommendations), "ran": False,
            "why": why} for rid, why in result.skipped],
        "errors": result.count(Severity.ERROR),
        "warnings": result.count(Severity.WARNING),
        "info": result.count(Severity.INFO),
        "findings": [{**f.to_json(), "rule": f.code,
                      "recommendations": list(RULES[f.code].recommendations)}
                     for f in result.findings],
        "data_issues": [i.to_json() for i in result.problems],
    }


def check_json(result: CheckResult) -> str:
    return json.dumps(check_dict(result), indent=2, ensure_ascii=False) + "\n"


def check_summary(result: CheckResult) -> str:
    """What was checked and found, in one line."""
    counts = ", ".join(f"{result.count(Severity(s))} {s}" + ("s" if s != "info" else "")
                       for s in ("error", "warning", "info"))
    text = (f"{result.owner} {result.year}"
            + (f" as of {result.as_of.label}" if result.as_of else "")
            + f": {len(result.ran)} rule(s) run ({', '.join(r for r, _ in result.ran)}): "
            + counts)
    if result.skipped:
        text += "; not run: " + ", ".join(f"{r} ({why})" for r, why in result.skipped)
    return text
