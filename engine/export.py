"""Evaluation results as JSON, CSV and Markdown text, for scripts and for pasting into
documents. Plain text only; the terminal tables are in engine.render."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.evaluate import Evaluation, Figure


def _n(x: Decimal | None) -> float | int | None:
    """A rounded figure as a JSON number: whole numbers as int, others as float."""
    if x is None:
        return None
    return int(x) if x == x.to_integral_value() else float(x)


def _figure(fig: Figure) -> dict[str, Any]:
    return {
        "realisasi": _n(fig.realisasi),
        "realisasi_exact": None if fig.value.exact is None else str(fig.value.exact),
        "target": _n(fig.target),
        "capaian": _n(fig.capaian),
        "status": fig.band,
        "group": fig.group,
        "state": fig.value.state,
        "note": fig.note or None,
        "revision": fig.revision,
    }


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
        "objectives": [{"code": o.objective.code, "nss": _n(o.nss), "ikus_scored": o.scored}
                       for o in ev.objectives],
        "perspectives": [{"code": p.perspective.code, "weight": _n(p.perspective.weight),
                          "nkp": _n(p.nkp)} for p in ev.perspectives],
        "npss": _n(ev.npss),
        "groups": dict(ev.groups),
        "average_capaian": _n(ev.average_capaian),
        "printed_average": [{"value": _n(r.value), "where": r.where}
                            for r in ev.printed_average],
        "data_issues": [i.to_json() for i in ev.data_issues],
    }


def evaluation_json(ev: Evaluation) -> str:
    return json.dumps(evaluation_dict(ev), indent=2, ensure_ascii=False) + "\n"


CSV_COLUMNS = ("objective", "iku", "indicator", "unit_of_measure", "target", "realisasi",
               "capaian", "status", "group", "state", "note", "printed_realisasi",
               "printed_capaian")


def evaluation_csv(ev: Evaluation) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in ev.rows:
        f = r.figure
        printed = dict(r.printed)
        writer.writerow([
            r.objective.code, r.iku.code, r.indicator, r.iku.unit_of_measure,
            _s(f.target), _s(f.realisasi), _s(f.capaian), f.band or "", f.group or "",
            f.value.state, f.note,
            _s(printed["realisasi"].value) if "realisasi" in printed else "",
            _s(printed["capaian"].value) if "capaian" in printed else "",
        ])
    return buf.getvalue()


def _s(x: Decimal | None) -> str:
    return "" if x is None else str(x)


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
    lines += ["", "| Perspektif | Bobot | NKP |", "|---|--:|--:|"]
    for p in ev.perspectives:
        lines.append(f"| {_md(p.perspective.name)} | {p.perspective.weight} % | {fmt(p.nkp)} |")
    lines += ["", f"**NPSS {fmt(ev.npss)}** · rata-rata capaian {fmt(ev.average_capaian)} · "
              + " · ".join(f"{g}: {n}" for g, n in ev.groups), ""]
    return "\n".join(lines)


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old file or the whole new one."""
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
