"""The report as one self-contained HTML page: styles and SVG charts inline, no script, no
network; print styles for A4 (the appendices on landscape pages), so that a browser's print
(or `iku report --format pdf`) gives a clean PDF.

The page is a jinja2 template (engine/report/templates/report.html.j2) with autoescaping on:
every text from a manual or dataset (names, narratives) is untrusted and reaches the page
escaped; only our own SVG and paragraph markup is marked safe.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from engine.i18n import Catalogue
from engine.report import cells
from engine.report.charts import BAR_ALT, Bar, Legend, bar_chart
from engine.report.model import IkuSection, Report
from engine.report.style import band_colours

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAIR = 420  # width of the two charts that share a line (Renstra, units)


def paragraphs(text: str) -> Markup:
    """A narrative as HTML: one paragraph per line, runs of `- ` lines as a list."""
    out: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if items:
            out.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("- "):
            items.append(str(escape(line[2:])))
            continue
        flush()
        out.append(f"<p>{escape(line)}</p>")
    flush()
    return Markup("".join(out))


class _Numbering:
    """Tabel n and Gambar n, in order of appearance."""

    def __init__(self) -> None:
        self.tables = 0
        self.figures = 0

    def table(self) -> int:
        self.tables += 1
        return self.tables

    def figure(self) -> int:
        self.figures += 1
        return self.figures


def _charts(cat: Catalogue, s: IkuSection, prec: int, n: _Numbering) -> list[dict[str, Any]]:
    code = s.row.iku.code

    def fmt(x: Decimal) -> str:  # whole numbers (axis ticks, targets) without decimals
        return cat.num(x, prec if x != x.to_integral_value() else 0)

    missing = cat("report.source.none")
    out = []
    first, last = s.history[0].year, s.history[-1].year
    title = cat("report.history", iku=code, first=first, last=last)
    bars = [Bar(str(p.year), p.realisasi, target=p.target) for p in s.history]
    out.append({"n": n.figure(), "title": title, "id": f"chart-{code}-history",
                "svg": Markup(bar_chart(title, bars, Legend(cat("report.series.realisasi"),
                                                            cat("report.series.target")),
                                        fmt, missing, connect_targets=True,
                                        chart_id=f"chart-{code}-history"))})
    now = s.history[-1]
    if s.renstra is not None:
        title = cat("report.renstra", iku=code, year=now.year, final=s.renstra.year)
        bars = [Bar(cat("report.series.realisasi_year", year=now.year), now.realisasi,
                    target=now.target),
                Bar(cat("report.series.renstra", year=s.renstra.year), s.renstra.target,
                    colour=BAR_ALT)]
        legend = Legend(cat("report.series.realisasi"),
                        cat("report.series.target_year", year=now.year),
                        cat("report.series.renstra", year=s.renstra.year))
        out.append({"n": n.figure(), "title": title, "id": f"chart-{code}-renstra",
                    "svg": Markup(bar_chart(title, bars, legend, fmt, missing,
                                            chart_id=f"chart-{code}-renstra", width=PAIR))})
    if len(s.units) > 1:
        title = cat("report.units_chart", iku=code)
        bars = [Bar(u.unit.short_name, u.figure.realisasi, target=u.figure.target)
                for u in s.units]
        out.append({"n": n.figure(), "title": title, "id": f"chart-{code}-units",
                    "svg": Markup(bar_chart(title, bars, Legend(cat("report.series.realisasi"),
                                                                cat("report.series.target")),
                                            fmt, missing, chart_id=f"chart-{code}-units",
                                            width=PAIR))})
    return out


def _band(band: str | None) -> dict[str, str]:
    fill, text = band_colours(band)
    return {"fill": f"#{fill}", "text": f"#{text}", "name": band or ""}


def context(report: Report, cat: Catalogue) -> dict[str, Any]:
    """Everything the template shows, formatted in the report's language."""
    ev = report.evaluation
    m = report.manual
    prec = m.scoring.precision
    num = (lambda x, p=prec: cat.num(x, p))  # noqa: E731
    when = cat("eval.as_of", period=ev.period.label) if ev.as_of else ev.period.label
    n = _Numbering()

    def row_view(row: Any) -> dict[str, Any]:
        f = row.figure
        marks = cells.printed_marks(cat, row.printed)
        return {"code": row.iku.code, "name": row.indicator, "ss": row.objective.code,
                "target": cells.target(cat, row), "realisasi": cells.realisasi(cat, f, prec),
                "capaian": num(f.capaian) if f.capaian is not None else "—",
                "status": cells.status(cat, f), "band": _band(f.band),
                "printed_realisasi": marks.get("realisasi", ""),
                "printed_capaian": marks.get("capaian", ""),
                "period": f.period.label}

    perspectives = []
    for p in m.perspectives:
        objectives = []
        for o in m.objectives:
            if o.perspective != p.code:
                continue
            rows = [row_view(r) for r in ev.rows if r.objective.code == o.code]
            if rows:
                objectives.append({"code": o.code, "name": o.name, "rows": rows})
        if objectives:
            perspectives.append({"name": p.name, "objectives": objectives})
    groups = [{"label": cat.group(g), "count": count,
               "codes": ", ".join(r.iku.code for r in ev.rows if r.figure.group == g)}
              for g, count in ev.groups]
    printed_scores = {(measure, r.objective or r.perspective):
                      f"≠ {cells.printed(cat, r.value)} ({r.where})"
                      for measure, r in ev.printed_scores}
    scores = []
    for ps in ev.perspectives:
        scores.append({"kind": "perspective", "name": ps.perspective.name,
                       "weight": f"{cat.num(ps.perspective.weight, 0)} %",
                       "nss": num(ps.mean_nss) if ps.mean_nss is not None else "—",
                       "nkp": cat.score(ps.score, prec),
                       "printed": printed_scores.get(("nkp", ps.perspective.code), "")})
        for os_ in ev.objectives:
            if os_.objective.perspective == ps.perspective.code:
                scores.append({"kind": "objective", "name": f"{os_.objective.code} "
                                                            f"{os_.objective.name}",
                               "weight": "", "nss": cat.score(os_.score, prec), "nkp": "",
                               "printed": printed_scores.get(("nss", os_.objective.code), "")})
    npss_printed = printed_scores.get(("npss", ""), "")
    avg_printed = "; ".join(f"≠ {cells.printed(cat, r.value)} ({r.where})"
                            for r in ev.printed_average)
    summary_table = n.table()
    scores_table = n.table()
    sections = []
    for s in report.sections:
        row = s.row
        f = row.figure
        comparison = n.table()
        history_n = n.table()
        units_n = n.table() if s.units else 0
        sections.append({
            **row_view(row),
            "objective": f"{row.objective.code} {row.objective.name}",
            "responsible": cells.responsible(cat, s, report.owner_name),
            "comparison_n": comparison, "history_n": history_n, "units_n": units_n,
            "target_of_year": cat("col.target_of_year", year=row.period.year)
            if row.period.is_year else cat("col.target_period", period=row.period.label),
            "history": [{"year": p.year, "target": cat.natural(p.target),
                         "realisasi": num(p.realisasi) if p.realisasi is not None else "—",
                         "capaian": num(p.capaian) if p.capaian is not None else "—",
                         "source": cells.source(cat, p), "now": p.year == f.period.year}
                        for p in s.history],
            "renstra": None if s.renstra is None else
            {"year": s.renstra.year, "target": cat.natural(s.renstra.target)},
            "units": [{"name": u.unit.short_name, "indicator": u.indicator,
                       "target": "—" if u.figure.target is None else
                       f"{cat.natural(u.figure.target)} {row.iku.unit_of_measure}",
                       "realisasi": cells.realisasi(cat, u.figure, prec),
                       "capaian": num(u.figure.capaian) if u.figure.capaian is not None
                       else "—",
                       "status": cells.status(cat, u.figure), "band": _band(u.figure.band),
                       "printed_realisasi": cells.printed_marks(cat, u.printed)
                       .get("realisasi", "")}
                      for u in s.units],
            "charts": _charts(cat, s, prec, n),
            "narratives": [_narrative(cat, nv, name) for nv, name in
                           [(s.narrative, ev.unit.short_name)] +
                           [(u.narrative, u.unit.short_name) for u in s.units]
                           if nv is not None],
        })
    appendices = []
    for i, a in enumerate(report.appendices, start=1):
        aev = a.evaluation
        when_a = cat("eval.as_of", period=aev.period.label) if aev.as_of else aev.period.label
        nss = {o.objective.code: cat.score(o.score, prec) for o in aev.objectives}
        nkp = {p.perspective.code: cat.score(p.score, prec) for p in aev.perspectives}
        groups_a = []
        for p in m.perspectives:
            objs = []
            for o in m.objectives:
                if o.perspective != p.code:
                    continue
                arows = [ar for ar in a.rows if ar.row.objective.code == o.code]
                if not arows:
                    continue
                objs.append({"code": o.code, "name": o.name, "nss": nss.get(o.code, ""),
                             "rows": [{**row_view(ar.row),
                                       "target_year": cat.natural(ar.target_year),
                                       "text": _narrative(cat, ar.narrative, "")
                                       if ar.narrative else None} for ar in arows]})
            if objs:
                groups_a.append({"name": p.name, "nkp": nkp.get(p.code, ""),
                                 "weight": f"{cat.num(p.weight, 0)} %", "objectives": objs})
        appendices.append({
            "n": i, "title": cat("report.appendix", n=i, when=when_a, unit=aev.unit.name),
            "period": aev.period.label, "npss": cat.score(aev.npss, prec),
            "target_period": cat("col.target_of_period", period=_short(aev.period.label)),
            "perspectives": groups_a,
        })
    issues = [{"where": i.where(), "what": " ".join(x for x in (i.iku, i.unit, i.period) if x),
               "message": i.message, "hint": i.hint} for i in ev.data_issues]
    return {
        "lang": cat.lang, "t": cat, "title": cat("report.title", owner=report.unit_name,
                                                  year=report.year),
        "is_owner": ev.unit.code == m.owner,
        "subtitle": cat("report.subtitle", when=when, label=m.label,
                        date=m.revision.effective_from, dataset=report.data),
        "unit_name": report.unit_name, "perspectives": perspectives, "groups": groups,
        "summary_n": summary_table, "scores_n": scores_table,
        "summary_title": cat("report.summary", owner=ev.unit.short_name,
                                   when=cells.when(cat, ev.period, ev.as_of)),
        "scores": scores, "npss": cat.score(ev.npss, prec), "npss_printed": npss_printed,
        "average": cat.score(ev.average, prec), "average_printed": avg_printed,
        "sections": sections, "appendices": appendices, "issues": issues,
        "any_printed": any(r.printed for r in ev.rows) or bool(ev.printed_scores),
        "generated": cat("report.generated", manuals=report.manuals, data=report.data),
        "period_label": _short(ev.period.label),
    }


def _short(label: str) -> str:
    return label.rsplit(" ", 1)[0]


def _narrative(cat: Catalogue, nv: Any, unit: str) -> dict[str, Any]:
    return {"unit": unit, "source": nv.source,
            "parts": [(cat(f"col.{k}"), paragraphs(getattr(nv, k)))
                      for k in ("penjelasan", "permasalahan", "rekomendasi") if getattr(nv, k)]}


def report_html(report: Report, cat: Catalogue) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES),
                      autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    return env.get_template("report.html.j2").render(**context(report, cat))
