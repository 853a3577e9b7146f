"""Evaluation results as JSON, CSV and Markdown text, for scripts and for pasting into
documents. Plain text only; the terminal tables are in engine.render."""

from __future__ import annotations

import csv
import io
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.evaluate import Evaluation
from engine.model import Range, TargetValue
from engine.rollup import Score, score_text
from engine.scoring import Figure

if TYPE_CHECKING:  # annotations only: importing them costs start-up time on every command
    from engine.diff import Change, Impact, ManualDiff
    from engine.reconcile import Reconciliation


def _n(x: Decimal | None) -> float | int | None:
    """A rounded figure as a JSON number: whole numbers as int, others as float."""
    if x is None:
        return None
    return int(x) if x == x.to_integral_value() else float(x)


def _target(t: TargetValue | None) -> float | int | dict[str, float | int | None] | None:
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
    return json.dumps(evaluation_dict(ev), indent=2, ensure_ascii=False) + "\n"


CSV_COLUMNS = ("objective", "iku", "indicator", "period", "unit_of_measure", "target",
               "realisasi", "capaian", "status", "group", "state", "outcome", "note",
               "printed_realisasi", "printed_capaian")


def evaluation_csv(ev: Evaluation) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in ev.rows:
        f = r.figure
        printed = dict(r.printed)
        writer.writerow([
            r.objective.code, r.iku.code, r.indicator, str(f.period), r.iku.unit_of_measure,
            _s(f.target), _s(f.realisasi), _s(f.capaian), f.band or "", f.group or "",
            f.value.state, f.outcome, f.note,
            _s(printed["realisasi"].value) if "realisasi" in printed else "",
            _s(printed["capaian"].value) if "capaian" in printed else "",
        ])
    return buf.getvalue()


def _s(x: Decimal | Range | None) -> str:
    return "" if x is None else str(x)  # a range as `80–90`


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def evaluation_markdown(ev: Evaluation) -> str:
    prec = ev.manual.scoring.precision
    fmt = (lambda x: "—" if x is None else f"{x:,.{prec}f}")  # noqa: E731
    lines = [
        f"### {ev.unit.short_name} · {ev.period.label} · manual {ev.manual.label}",
        "",
        "| SS | IKU | Indikator | Target | Realisasi | Capaian % | Status |",
        "|---|---|---|--:|--:|--:|---|",
    ]
    for r in ev.rows:
        f = r.figure
        printed = dict(r.printed)
        real = fmt(f.realisasi) + (f" (printed {printed['realisasi'].value})"
                                   if "realisasi" in printed else "")
        cap = fmt(f.capaian) + (f" (printed {printed['capaian'].value})"
                                if "capaian" in printed else "")
        status = f"{f.band}, {f.group}" if f.capaian is not None else f.note
        target = "—" if f.target is None else f"{f.target} {r.iku.unit_of_measure}"
        lines.append(f"| {r.objective.code} | {r.iku.code} | {_md(r.indicator)} | {target} | "
                     f"{real} | {cap} | {_md(status)} |")
    lines += ["", "| Perspektif / SS | Bobot | NSS | NKP |", "|---|--:|--:|--:|"]
    for p in ev.perspectives:
        lines.append(f"| **{_md(p.perspective.name)}** | {p.perspective.weight} % | "
                     f"{fmt(p.mean_nss)} | {score_text(p.score, prec)} |")
        lines += [f"| {o.objective.code} {_md(o.objective.name)} | | "
                  f"{score_text(o.score, prec)} | |" for o in ev.objectives
                  if o.objective.perspective == p.perspective.code]
    lines += ["", f"**NPSS {score_text(ev.npss, prec)}** · rata-rata capaian "
              f"{score_text(ev.average, prec)} · "
              + " · ".join(f"{g}: {n}" for g, n in ev.groups), ""]
    return "\n".join(lines)


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old file or the whole new one."""
    import tempfile  # here, not at the top: only --output writes

    path = path.resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- diff, impact, reconcile ----------------------------------------------------------------
def diff_dict(d: ManualDiff) -> dict[str, Any]:
    return {
        "old": d.old.label,
        "new": d.new.label,
        "changed_ikus": list(d.changed_ikus),
        "unchanged_ikus": list(d.unchanged),
        "changes": [{"iku": c.iku or None, "aspect": c.aspect, "old": c.old or None,
                     "new": c.new or None, "detail": c.detail or None} for c in d.changes],
    }


def diff_markdown(d: ManualDiff) -> str:
    lines = [f"### Manual {d.old.label} → {d.new.label}", ""]
    header = [c for c in d.changes if not c.iku]
    if header:
        lines += ["**Header**", ""] + [_md_change(c) for c in header] + [""]
    for code in d.changed_ikus:
        iku = d.new.iku(code) or d.old.iku(code)
        lines += [f"**{code} {_md(iku.name if iku else '')}**", ""]
        lines += [_md_change(c) for c in d.changes if c.iku == code] + [""]
    lines.append(f"{len(d.changed_ikus)} IKU(s) changed, {len(d.unchanged)} unchanged.")
    return "\n".join(lines) + "\n"


def _md_change(c: Change) -> str:
    if c.detail in ("added", "removed", "unit added", "unit removed"):
        return f"- {c.aspect}: {c.detail} `{_md(c.new or c.old)}`"
    text = f"- {c.aspect}: `{_md(c.old or '—')}` → `{_md(c.new or '—')}`"
    return text + (f" ({_md(c.detail)})" if c.detail else "")


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


def reconciliation_markdown(rec: Reconciliation, show_all: bool = False) -> str:
    lines = [f"### Printed figures of {rec.year} against the recomputation", "",
             "| Where | Figure | Printed | Recomputed | Class | Why |", "|---|---|--:|--:|---|---|"]
    for f in (rec.findings if show_all else rec.discrepancies):
        p = f.printed
        figure = " ".join(x for x in (p.iku, p.unit, str(p.period), p.measure) if x)
        lines.append(f"| {_md(p.where)} | {figure} | {p.value} | "
                     f"{'—' if f.shown is None else f.shown} | {f.classification} | "
                     f"{_md(f.explanation)} |")
    lines += ["", f"{len(rec.findings)} printed figures checked, "
                  f"{len(rec.discrepancies)} differ beyond their rounding.", ""]
    return "\n".join(lines)
