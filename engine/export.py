"""Evaluation results as JSON, CSV and Markdown text, for scripts and for pasting into
documents. Plain text only; the terminal tables are in engine.render.

JSON is strict (RFC 8259: no NaN or Infinity) and exact: every figure is a JSON number
written from the Decimal's own digits (`to_json`), never through a binary float, so
a rupiah amount of 17 digits reads back as written and 88.89 is 88.89. Whole numbers
are written without decimals (100, not 100.00) and others without trailing zeros (88.9,
not 88.90), as Python's json module wrote them before; the terminal table shows the
same values at the manual's precision. Readers that parse numbers as doubles (JavaScript,
`json.loads` by default) get the nearest double, as from any JSON; `json.loads(text,
parse_float=decimal.Decimal)` gets the exact value.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.evaluate import Evaluation
from engine.i18n import EN, Catalogue
from engine.model import Range, TargetValue
from engine.rollup import Score
from engine.scoring import Figure

if TYPE_CHECKING:  # annotations only: importing them costs start-up time on every command
    from engine.diff import Change, Impact, ManualDiff
    from engine.reconcile import Reconciliation
    from engine.tree import OrgTree, TreeRow


def _n(x: Decimal | None) -> Decimal | None:
    """A figure for JSON: kept as a Decimal, which `to_json` writes exactly."""
    return x


def _number(x: Decimal) -> str:
    """The JSON text of a finite Decimal: exact, plain notation, no trailing zeros.

    >>> [_number(Decimal(t)) for t in ("100.00", "88.90", "1E+3", "-0.0", "12345678901234567.89")]
    ['100', '88.9', '1000', '0', '12345678901234567.89']
    """
    if not x.is_finite():  # the loaders and the formula context make this impossible
        raise ValueError(f"{x} is not a finite number; JSON has no NaN or Infinity")
    if x == 0:
        return "0"
    if x == x.to_integral_value():
        return format(x.to_integral_value(), "f")
    return format(x, "f").rstrip("0")


def to_json(value: Any) -> str:
    """`value` as strict JSON text, laid out as `json.dumps(value, indent=2,
    ensure_ascii=False)` would, with Decimals as exact numbers and without NaN or Infinity.

    >>> print(to_json({"a": [Decimal("1.50"), 2, None], "b": {}, "c": "x"}))
    {
      "a": [
        1.5,
        2,
        null
      ],
      "b": {},
      "c": "x"
    }
    """
    out: list[str] = []
    _encode(value, "", out)
    return "".join(out)


def _encode(value: Any, indent: str, out: list[str]) -> None:
    if isinstance(value, Decimal):
        out.append(_number(value))
    elif isinstance(value, dict) and value:
        inner = indent + "  "
        out.append("{")
        for i, (k, v) in enumerate(value.items()):
            out.append(("," if i else "") + "\n" + inner + json.dumps(str(k), ensure_ascii=False)
                       + ": ")
            _encode(v, inner, out)
        out.append("\n" + indent + "}")
    elif isinstance(value, list | tuple) and value:
        inner = indent + "  "
        out.append("[")
        for i, v in enumerate(value):
            out.append(("," if i else "") + "\n" + inner)
            _encode(v, inner, out)
        out.append("\n" + indent + "]")
    else:  # str, int, bool, None, float, and empty containers: json's own text
        out.append(json.dumps(value, ensure_ascii=False, allow_nan=False))


def _target(t: TargetValue | None) -> Decimal | dict[str, Decimal | None] | None:
    """A number, or a range as the manual writes it: {"from": 80, "to": 90}."""
    if isinstance(t, Range):
        return {"from": _n(t.low), "to": _n(t.high)}
    return _n(t)


def _figure(fig: Figure) -> dict[str, Any]:
    return {
        "realisasi": _n(fig.realisasi),
        "realisasi_exact": None if fig.value.exact is None else str(fig.value.exact),
        "target": _target(fig.target),
        "capaian": _n(fig.capaian),
        "status": fig.band,
        "group": fig.group,
        "state": fig.value.state,
        "outcome": fig.outcome,
        "partial": _n(fig.value.partial),
        "note": fig.note or None,
        "revision": fig.revision,
    }


def _score_state(s: Score) -> dict[str, Any]:
    """A score's state beside its value: ok, or incomplete / error with the value over what
    is there (never in the value's place), or not_scored."""
    out: dict[str, Any] = {"state": s.state}
    if s.state != "ok":
        out["partial"] = _n(s.partial)
        out["why"] = s.why
    return out


def evaluation_dict(ev: Evaluation) -> dict[str, Any]:
    return {
        "owner": ev.owner,
        "unit": ev.unit.code,
        "period": str(ev.period),
        "manual": ev.manual.label,
        "revisions_used": list(ev.revisions),
        "dataset": ev.dataset,
        "rows": [
            {
                "objective": r.objective.code,
                "iku": r.iku.code,
                "indicator": r.indicator,
                "unit_of_measure": r.iku.unit_of_measure,
                **_figure(r.figure),
                "printed": {m: _n(p.value) for m, p in r.printed} or None,
            }
            for r in ev.rows
        ],
        "as_of": ev.as_of,
        "objectives": [{"code": o.objective.code, "nss": _n(o.nss), "ikus_scored": o.scored,
                        **_score_state(o.score)} for o in ev.objectives],
        "perspectives": [{"code": p.perspective.code, "weight": _n(p.perspective.weight),
                          "nkp": _n(p.nkp), **_score_state(p.score)} for p in ev.perspectives],
        "npss": _n(ev.npss.value),
        "npss_state": _score_state(ev.npss),
        "groups": dict(ev.groups),
        "average_capaian": _n(ev.average_capaian),
        "printed_average": [{"value": _n(r.value), "where": r.where}
                            for r in ev.printed_average],
        "data_issues": [i.to_json() for i in ev.data_issues],
    }


def evaluation_json(ev: Evaluation) -> str:
    return to_json(evaluation_dict(ev)) + "\n"


def tree_dict(tree: OrgTree) -> dict[str, Any]:
    def row(r: TreeRow) -> dict[str, Any]:
        return {
            "owner": r.owner.code,
            "name": r.owner.short_name,
            "parent": r.owner.parent,
            "depth": r.depth,
            "period": None if r.period is None else str(r.period),
            "as_of": r.as_of,
            "npss": None if r.npss is None else _n(r.npss.value),
            "npss_state": None if r.npss is None else _score_state(r.npss),
            "groups": dict(r.groups),
            "weakest": None if r.weakest is None else {
                "iku": r.weakest.code, "indicator": r.weakest.indicator,
                "capaian": _n(r.weakest.capaian)},
            "figure_errors": list(r.figure_errors),
            "error": r.error or None,
            "note": r.note or None,
        }
    return {"top": tree.top, "year": tree.year, "period": tree.when or None,
            "as_of": tree.as_of, "rows": [row(r) for r in tree.rows],
            "issues": [i.to_json() for i in tree.issues]}


def tree_json(tree: OrgTree) -> str:
    return to_json(tree_dict(tree)) + "\n"


TREE_COLUMNS = ("owner", "name", "parent", "depth", "period", "npss", "npss_state", "above",
                "on", "below", "weakest_iku", "weakest_capaian", "figure_errors", "error",
                "note")


def tree_csv(tree: OrgTree) -> str:
    """One row per owner, numbers with a decimal point (for machines)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(TREE_COLUMNS)
    for r in tree.rows:
        groups = dict(r.groups)
        w.writerow([r.owner.code, r.owner.short_name, r.owner.parent or "", r.depth,
                    "" if r.period is None else str(r.period),
                    "" if r.npss is None or r.npss.value is None else str(_n(r.npss.value)),
                    "" if r.npss is None else r.npss.state,
                    *(groups.get(k, "") for k in ("above", "on", "below")),
                    "" if r.weakest is None else r.weakest.code,
                    "" if r.weakest is None else str(_n(r.weakest.capaian)),
                    " ".join(r.figure_errors), r.error, r.note])
    return buf.getvalue()


CSV_COLUMNS = ("objective", "iku", "indicator", "period", "unit_of_measure", "target",
               "realisasi", "capaian", "status", "group", "state", "outcome", "note",
               "printed_realisasi", "printed_capaian", "level", "score", "weight")


def evaluation_csv(ev: Evaluation, cat: Catalogue | None = None) -> str:
    """One row per IKU (level `iku`), then one per objective (`nss`), perspective (`nkp`),
    the NPSS and the average capaian, each with its `score`. Numbers with a decimal point
    and a comma between fields; with a catalogue (`--lang id` given), a decimal comma and a
    semicolon between fields, as a spreadsheet set to Indonesian reads them."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", delimiter=";" if cat and cat.lang == "id"
                        else ",")

    def n(x: Decimal | None) -> str:
        if x is None:
            return ""
        return str(x).replace(".", ",") if cat is not None and cat.lang == "id" else str(x)

    writer.writerow(CSV_COLUMNS)
    for r in ev.rows:
        f = r.figure
        printed = dict(r.printed)
        writer.writerow([
            r.objective.code, r.iku.code, r.indicator, str(f.period), r.iku.unit_of_measure,
            _s(f.target) if isinstance(f.target, Range) else n(f.target), n(f.realisasi),
            n(f.capaian), f.band or "", f.group or "",
            f.value.state, f.outcome, f.note,
            n(printed["realisasi"].value) if "realisasi" in printed else "",
            n(printed["capaian"].value) if "capaian" in printed else "", "iku", "", "",
        ])

    def score_row(level: str, code: str, name: str, s: Score, weight: Decimal | None) -> None:
        writer.writerow([code, "", name, str(ev.period), "", "", "", "", "", "", s.state,
                         "figure" if s.state == "ok" else s.state, s.why, "", "", level,
                         n(s.value), n(weight)])

    for o in ev.objectives:
        score_row("nss", o.objective.code, o.objective.name, o.score, None)
    for p in ev.perspectives:
        score_row("nkp", p.perspective.code, p.perspective.name, p.score, p.perspective.weight)
    score_row("npss", "", "NPSS", ev.npss, None)
    score_row("average", "", "rata-rata capaian", ev.average, None)
    return buf.getvalue()


def _s(x: Decimal | Range | None) -> str:
    return "" if x is None else str(x)  # a range as `80–90`


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _printed_num(value: Decimal, cat: Catalogue) -> str:
    exponent = value.as_tuple().exponent
    return cat.num(value, max(0, -exponent) if isinstance(exponent, int) else 2)


def evaluation_markdown(ev: Evaluation, cat: Catalogue = EN) -> str:
    prec = ev.manual.scoring.precision
    when = cat("eval.as_of", period=ev.period.label) if ev.as_of else ev.period.label
    lines = [
        f"### {ev.unit.short_name} · {when} · manual {ev.manual.label}",
        "",
        f"| {cat('col.ss')} | {cat('col.iku')} | {cat('col.indicator')} | {cat('col.target')} "
        f"| {cat('col.realisasi')} | {cat('col.capaian')} | {cat('col.status')} |",
        "|---|---|---|--:|--:|--:|---|",
    ]
    for r in ev.rows:
        f = r.figure
        printed = dict(r.printed)
        real = cat.num(f.realisasi, prec)
        if "realisasi" in printed:
            real += f" ({cat('eval.printed', value=_printed_num(printed['realisasi'].value, cat))})"
        cap = cat.num(f.capaian, prec)
        if "capaian" in printed:
            cap += f" ({cat('eval.printed', value=_printed_num(printed['capaian'].value, cat))})"
        status = f"{f.band}, {cat.group(f.group)}" if f.capaian is not None else cat.note(f.note)
        target = "—" if f.target is None else f"{cat.natural(f.target)} {r.iku.unit_of_measure}"
        lines.append(f"| {r.objective.code} | {r.iku.code} | {_md(r.indicator)} | {target} | "
                     f"{real} | {cap} | {_md(status)} |")
    lines += ["", f"| {cat('col.perspective_ss')} | {cat('col.weight')} | {cat('col.nss')} | "
                  f"{cat('col.nkp')} |", "|---|--:|--:|--:|"]
    for p in ev.perspectives:
        lines.append(f"| **{_md(p.perspective.name)}** | {cat.num(p.perspective.weight, 0)} % | "
                     f"{cat.num(p.mean_nss, prec)} | {cat.score(p.score, prec)} |")
        lines += [f"| {o.objective.code} {_md(o.objective.name)} | | "
                  f"{cat.score(o.score, prec)} | |" for o in ev.objectives
                  if o.objective.perspective == p.perspective.code]
    groups = " · ".join(f"{cat.group(g)}: {n}" for g, n in ev.groups)
    lines += ["", f"**NPSS {cat.score(ev.npss, prec)}** · "
              f"{cat('eval.average', value=cat.score(ev.average, prec))} · {groups}", ""]
    return "\n".join(lines)


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old file or the whole new one; never
    over an input of the run, a folder or a device (engine.safeio.write_output)."""
    from engine.safeio import write_output  # here, not at the top: only --output writes

    write_output(path, text)


# -- diff, impact, reconcile ----------------------------------------------------------------
def diff_dict(d: ManualDiff) -> dict[str, Any]:
    return {
        "old": d.old.label,
        "new": d.new.label,
        "changed_ikus": list(d.changed_ikus),
        "unchanged_ikus": list(d.unchanged),
        "changes": [{"iku": c.iku or None, "aspect": c.aspect, "kind": c.kind,
                     "old": c.old or None, "new": c.new or None, "detail": c.detail or None}
                    for c in d.changes],
    }


def diff_markdown(d: ManualDiff, cat: Catalogue = EN) -> str:
    """A memo for a review: old and new side by side in tables, no diff marks."""
    old, new = d.old.label, d.new.label
    lines = [f"### Manual IKU {d.new.owner}: {old} → {new}", ""]
    if d.new.revision.change_note:
        lines += [f"_{_md(' '.join(d.new.revision.change_note.split()))}_", ""]

    def table(title: str, changes: Sequence[Change]) -> None:
        if not changes:
            return
        lines.extend([f"**{title}**", "", f"| IKU | what | {old} | {new} |", "|---|---|---|---|"])
        lines.extend(f"| {c.iku or '(header)'} | {_md(c.aspect)} | {_md(c.old) or '—'} | "
                     f"{_md(c.new) or '—'} |" for c in changes)
        lines.append("")

    table("Changes to the rules", [c for c in d.changes if c.kind == "rule"])
    table("Targets changed", d.of_kind("target"))
    fresh = d.of_kind("new-year")
    if fresh:
        lines += [f"**Targets for {d.new_year}**", "",
                  f"| IKU | Indikator | {d.new_year} | {d.old.year} |", "|---|---|---|---|"]
        for c in fresh:
            iku = d.new.iku(c.iku)
            lines.append(f"| {c.iku} | {_md(iku.name if iku else '')} | "
                         f"{_md(c.new) or '**to fill**'} | "
                         f"{_md(c.old.rsplit(' (', 1)[0]) if c.old else '—'} |")
        lines.append("")
    lines.append(f"{len(d.changed_ikus)} IKU(s) changed, {len(d.unchanged)} unchanged"
                 + (f" apart from their {d.new_year} targets." if fresh else "."))
    return "\n".join(lines) + "\n"


def impact_dict(imp: Impact) -> dict[str, Any]:
    def side(ev: Evaluation) -> dict[str, Any]:
        d = evaluation_dict(ev)
        return {k: d[k] for k in ("manual", "unit", "rows", "objectives", "npss", "npss_state",
                                  "groups")}

    return {"year": imp.year,
            "owner": {"old": side(imp.old), "new": side(imp.new)},
            "units": [{"old": side(a), "new": side(b)} for a, b in imp.units],
            "old_data_issues": [i.to_json() for i in imp.old_data_issues],
            "new_data_issues": [i.to_json() for i in imp.new_data_issues]}


def reconciliation_dict(rec: Reconciliation) -> dict[str, Any]:
    return {
        "year": rec.year,
        "dataset": rec.dataset,
        "checked": len(rec.findings),
        "discrepancies": len(rec.discrepancies),
        "findings": [
            {"iku": f.printed.iku or None, "unit": f.printed.unit,
             "period": str(f.printed.period), "measure": f.printed.measure,
             "where": f.printed.where, "printed": str(f.printed.value),
             "recomputed": None if f.recomputed is None else str(f.recomputed),
             "recomputed_at_printed_digits": None if f.shown is None else str(f.shown),
             "difference": None if f.difference is None else str(f.difference),
             "tolerance": str(f.printed.tolerance), "agrees": f.agrees,
             "classification": f.classification, "explanation": f.explanation}
            for f in rec.findings
        ],
    }


def reconciliation_markdown(rec: Reconciliation, show_all: bool = False,
                            cat: Catalogue = EN) -> str:
    title = cat("reconcile.title", year=rec.year, dataset=rec.dataset)
    heads = " | ".join(cat(f"reconcile.{k}") for k in ("where", "figure", "printed",
                                                        "recomputed", "class", "why"))
    lines = [f"### {title.split(' (', 1)[0]}", "", f"| {heads} |", "|---|---|--:|--:|---|---|"]
    for f in (rec.findings if show_all else rec.discrepancies):
        p = f.printed
        figure = " ".join(x for x in (p.iku, p.unit, str(p.period), p.measure) if x)
        lines.append(f"| {_md(p.where)} | {figure} | {_printed_num(p.value, cat)} | "
                     f"{'—' if f.shown is None else _printed_num(f.shown, cat)} | "
                     f"{f.classification} | {_md(f.explanation)} |")
    n = len(rec.discrepancies)
    lines += ["", cat("reconcile.summary", n=len(rec.findings), agree=len(rec.findings) - n,
                      differ=n) + ".", ""]
    return "\n".join(lines)
