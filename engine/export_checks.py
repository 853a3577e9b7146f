"""`iku check` and `iku evaluate --compare-previous-year` as JSON, CSV and Markdown text.
Each result is projected into rows once here; the terminal tables (engine.render) use the
same text cells."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from engine.checkrules import RULES
from engine.checks import CheckResult
from engine.compare import Comparison
from engine.errors import Severity
from engine.export import _md, _n


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


# -- iku evaluate --compare-previous-year -------------------------------------------------------
COMPARISON_COLUMNS = ("IKU", "Indikator", "Periode", "Realisasi", "Capaian %",
                      "Tahun lalu", "Realisasi", "Capaian %", "Selisih", "Sumber")


def comparison_dict(comp: Comparison) -> dict[str, Any]:
    ev = comp.evaluation
    return {
        "owner": ev.owner, "unit": ev.unit.code, "period": str(ev.period), "as_of": ev.as_of,
        "previous_year": comp.previous_year,
        "rows": [{
            "iku": c.row.iku.code, "indicator": c.row.indicator,
            "period": str(c.row.figure.period), "target": _n(c.row.figure.target),
            "realisasi": _n(c.row.figure.realisasi), "capaian": _n(c.row.figure.capaian),
            "outcome": c.row.figure.outcome,
            "earlier": {"period": str(c.earlier.period), "realisasi": _n(c.earlier.realisasi),
                        "capaian": _n(c.earlier.capaian), "target": _n(c.earlier.target),
                        "source": c.earlier.source or None, "at": c.earlier.at or None,
                        "note": c.earlier.note or None},
            "change": _n(c.change),
        } for c in comp.rows],
    }


def comparison_json(comp: Comparison) -> str:
    return json.dumps(comparison_dict(comp), indent=2, ensure_ascii=False) + "\n"


def comparison_cells(comp: Comparison) -> list[list[str]]:
    prec = comp.evaluation.manual.scoring.precision
    out = []
    for c in comp.rows:
        f, e = c.row.figure, c.earlier
        now = "N/A" if f.value.state == "not_due" else short(f.period.label)
        change = "—" if c.change is None else f"{c.change:+,.{prec}f}"
        out.append([c.row.iku.code, c.row.indicator, now, _num(f.realisasi, prec),
                    _num(f.capaian, prec), short(e.period.label) + f" {e.period.year}",
                    "—" if e.realisasi is None else str(e.realisasi),
                    "—" if e.capaian is None else str(e.capaian), change,
                    "; ".join(x for x in (e.source, e.note) if x)])
    return out


def comparison_markdown(comp: Comparison) -> str:
    ev = comp.evaluation
    when = f"as of {ev.period.label}" if ev.as_of else ev.period.label
    lines = [f"### {ev.unit.short_name} · {when} beside {comp.previous_year}", "",
             "| " + " | ".join(COMPARISON_COLUMNS) + " |",
             "|---|---|---|--:|--:|---|--:|--:|--:|---|"]
    lines += ["| " + " | ".join(_md(c) for c in cells) + " |"
              for cells in comparison_cells(comp)]
    return "\n".join(lines) + "\n"


def comparison_csv(comp: Comparison) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["iku", "indicator", "period", "realisasi", "capaian", "earlier_period",
                     "earlier_realisasi", "earlier_capaian", "change", "source", "at", "note"])
    for c in comp.rows:
        f, e = c.row.figure, c.earlier
        writer.writerow([c.row.iku.code, c.row.indicator, str(f.period),
                         *("" if x is None else str(x) for x in (f.realisasi, f.capaian)),
                         str(e.period),
                         *("" if x is None else str(x) for x in (e.realisasi, e.capaian,
                                                                 c.change)),
                         e.source, e.at, e.note])
    return buf.getvalue()

