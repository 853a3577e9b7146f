"""`iku check`, `iku needed` and `iku evaluate --compare-previous-year` as JSON, CSV and
Markdown text. Each result is projected into rows once here; the terminal tables
(engine.render) use the same text cells."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from engine.checkrules import RULES
from engine.errors import Severity
from engine.export import _md, _n, _target, to_json

# Each command imports the module of its own results: `iku check` need not pay for
# engine.needed and engine.compare (tests/test_cli.py). A function given a Need or an
# Answer imports engine.needed's outcomes, already loaded by whoever made them.
if TYPE_CHECKING:
    from engine.checks import CheckResult
    from engine.compare import Comparison
    from engine.needed import Answer, Need, Needs


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
    return to_json(check_dict(result)) + "\n"


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


# -- iku needed ---------------------------------------------------------------------------------
def answer_text(a: Answer, need: Need, prec: int) -> str:
    from engine.needed import NEEDED, REACHED

    higher = need.iku.polarity == "higher_is_better"
    if a.outcome == NEEDED:
        return f"{a.goal.label}: {'≥' if higher else '≤'} {_num(a.value, prec)}"
    if a.outcome == REACHED:
        return f"{a.goal.label}: already reached"
    return f"{a.goal.label}: {a.outcome} ({a.why})"


def needed_text(need: Need, prec: int) -> list[str]:
    """The needed cell: one line per goal; the owner's own figure beside each unit's where
    they differ; a reason said once when it is the same for every goal."""
    from engine.needed import NEEDED, UNSOLVABLE

    if need.answers and all(a.outcome == UNSOLVABLE for a in need.answers):
        return [f"{UNSOLVABLE}: {need.answers[0].why}"]
    lines = []
    for a in need.answers:
        text = answer_text(a, need, prec)
        own = next((f for f in need.figure if f.goal == a.goal), None)
        if need.owner_level and a.outcome == NEEDED and own is not None and \
                own.outcome == NEEDED and own.value != a.value:
            text += f" ({need.unit_name}: {_num(own.value, prec)})"
        lines.append(text)
    return lines


NEEDS_COLUMNS = ("IKU", "For", "Target", "Best so far", "Needed in each period to come")


def needs_cells(needs: Needs, prec: int) -> list[list[str]]:
    out = []
    for n in needs.rows:
        best = [] if n.best is None else [f"{_num(n.best[0], prec)} ({short(n.best[1].label)})"]
        if n.lacking:
            best.append(f"none yet from {', '.join(n.lacking)}")
        risk = [f"AT RISK: {n.at_risk}"] if n.at_risk else []
        to_come = ", ".join(short(p.label) for p in n.to_come) or "nothing"
        out.append([n.iku.code, short(n.period.label),
                    f"{n.target} {n.iku.unit_of_measure}", "\n".join(best) or "—",
                    "\n".join([f"to come: {to_come}", *needed_text(n, prec), *risk])])
    return out


def _answer(a: Answer) -> dict[str, Any]:
    return {"goal": list(a.goal.names), "capaian_at_least": _n(a.goal.capaian),
            "outcome": a.outcome, "value": None if a.value is None else str(a.value),
            "capaian": _n(a.capaian), "capaian_one_step_short": _n(a.short),
            "why": a.why or None}


def needs_dict(needs: Needs) -> dict[str, Any]:
    return {
        "owner": needs.owner, "unit": needs.unit, "as_of": str(needs.as_of),
        "input": needs.input_name or None,
        "rows": [{
            "iku": n.iku.code, "unit": n.unit, "owner_level": n.owner_level,
            "period": str(n.period), "target": _target(n.target), "revision": n.revision,
            "polarity": n.iku.polarity, "how": n.how,
            "known": [{"unit": p.unit, "period": str(p.period), "value": _n(p.value)}
                      for p in n.parts if p.known],
            "to_come": [str(p) for p in n.to_come],
            "needed": [_answer(a) for a in n.answers],
            "owner_figure": [_answer(a) for a in n.figure] or None,
            "best_so_far": None if n.best is None else {"value": _n(n.best[0]),
                                                        "period": str(n.best[1])},
            "units_without_figure": list(n.lacking),
            "inputs": [{"name": i.name, "unit": i.unit, "goal": list(i.goal.names),
                        "figure": str(i.figure),
                        "value": None if i.value is None else str(i.value),
                        "result": _n(i.result), "held": i.held, "why": i.why}
                       for i in n.inputs],
            "at_risk": n.at_risk or None,
        } for n in needs.rows],
    }


def needs_json(needs: Needs) -> str:
    return to_json(needs_dict(needs)) + "\n"


def needs_markdown(needs: Needs, prec: int) -> str:
    lines = [f"### Still needed as of {needs.as_of.label} ({needs.unit})", "",
             "| " + " | ".join(NEEDS_COLUMNS) + " |",
             "|---|---|--:|---|---|"]
    for cells in needs_cells(needs, prec):
        lines.append("| " + " | ".join("<br>".join(_md(x) for x in c.split("\n"))
                                       for c in cells) + " |")
    lines += ["", f"{len(needs.at_risk)} of {len(needs.rows)} at risk.", ""]
    return "\n".join(lines)


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
            "period": str(c.row.figure.period), "target": _target(c.row.figure.target),
            "realisasi": _n(c.row.figure.realisasi), "capaian": _n(c.row.figure.capaian),
            "outcome": c.row.figure.outcome,
            "earlier": {"period": str(c.earlier.period), "realisasi": _n(c.earlier.realisasi),
                        "capaian": _n(c.earlier.capaian), "target": _target(c.earlier.target),
                        "source": c.earlier.source or None, "at": c.earlier.at or None,
                        "note": c.earlier.note or None},
            "change": _n(c.change),
        } for c in comp.rows],
    }


def comparison_json(comp: Comparison) -> str:
    return to_json(comparison_dict(comp)) + "\n"


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

