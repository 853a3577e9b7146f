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

from engine.evaluate import Evaluation, Row
from engine.i18n import Catalogue
from engine.model import Range
from engine.report import cells
from engine.report.charts import BAR_ALT, Bar, Legend, bar_chart
from engine.report.model import Appendix, IkuSection, Report
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
                # a Renstra range has no one height: its band is drawn instead of a bar
                Bar(cat("report.series.renstra", year=s.renstra.year), s.renstra.target,
                    colour=BAR_ALT) if not isinstance(s.renstra.target, Range) else
                Bar(cat("report.series.renstra", year=s.renstra.year), None,
                    target=s.renstra.target)]
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


class _View:
    """The report's parts as the template reads them: texts in the report's language."""

    def __init__(self, report: Report, cat: Catalogue) -> None:
        self.report = report
        self.cat = cat
        self.prec = report.manual.scoring.precision
        self.numbering = _Numbering()

    def num(self, x: Decimal | None) -> str:
        return self.cat.num(x, self.prec)

    def row(self, row: Row) -> dict[str, Any]:
        cat, f = self.cat, row.figure
        marks = cells.printed_marks(cat, row.printed)
        return {"code": row.iku.code, "name": row.indicator, "ss": row.objective.code,
                "target": cells.target(cat, row), "realisasi": cells.realisasi(cat, f, self.prec),
                "capaian": self.num(f.capaian), "status": cells.status(cat, f),
                "band": _band(f.band), "printed_realisasi": marks.get("realisasi", ""),
                "printed_capaian": marks.get("capaian", ""), "period": f.period.label}

    def summary(self) -> list[dict[str, Any]]:
        """Tabel 5: perspectives, their objectives, their IKUs."""
        m, ev = self.report.manual, self.report.evaluation
        out = []
        for p in m.perspectives:
            objectives = []
            for o in (o for o in m.objectives if o.perspective == p.code):
                rows = [self.row(r) for r in ev.rows if r.objective.code == o.code]
                if rows:
                    objectives.append({"code": o.code, "name": o.name, "rows": rows})
            if objectives:
                out.append({"name": p.name, "objectives": objectives})
        return out

    def scores(self) -> list[dict[str, Any]]:
        """NKP per perspective, then NSS per objective, each with a printed figure that
        differs."""
        cat, ev = self.cat, self.report.evaluation
        printed = _printed_scores(cat, ev)
        out = []
        for ps in ev.perspectives:
            out.append({"kind": "perspective", "name": ps.perspective.name,
                        "weight": f"{cat.num(ps.perspective.weight, 0)} %",
                        "nss": self.num(ps.mean_nss), "nkp": cat.score(ps.score, self.prec),
                        "printed": printed.get(("nkp", ps.perspective.code), "")})
            out += [{"kind": "objective", "name": f"{o.objective.code} {o.objective.name}",
                     "weight": "", "nss": cat.score(o.score, self.prec), "nkp": "",
                     "printed": printed.get(("nss", o.objective.code), "")}
                    for o in ev.objectives if o.objective.perspective == ps.perspective.code]
        return out

    def section(self, s: IkuSection) -> dict[str, Any]:
        cat, row, n = self.cat, s.row, self.numbering
        unit_of = row.iku.unit_of_measure
        comparison, history = n.table(), n.table()
        return {
            **self.row(row),
            "objective": f"{row.objective.code} {row.objective.name}",
            "responsible": cells.responsible(cat, s, self.report.owner_name),
            "comparison_n": comparison, "history_n": history,
            "units_n": n.table() if s.units else 0,
            "target_of_year": cat("col.target_of_year", year=row.period.year)
            if row.period.is_year else cat("col.target_period", period=row.period.label),
            "history": [{"year": p.year, "target": cat.natural(p.target),
                         "realisasi": self.num(p.realisasi), "capaian": self.num(p.capaian),
                         "source": cells.source(cat, p),
                         "now": p.year == row.figure.period.year} for p in s.history],
            "renstra": None if s.renstra is None else
            {"year": s.renstra.year, "target": cat.natural(s.renstra.target)},
            "units": [{"name": u.unit.short_name, "indicator": u.indicator,
                       "target": "—" if u.figure.target is None else
                       f"{cat.natural(u.figure.target)} {unit_of}",
                       "realisasi": cells.realisasi(cat, u.figure, self.prec),
                       "capaian": self.num(u.figure.capaian),
                       "status": cells.status(cat, u.figure), "band": _band(u.figure.band),
                       "printed_realisasi": cells.printed_marks(cat, u.printed)
                       .get("realisasi", "")} for u in s.units],
            "charts": _charts(cat, s, self.prec, n),
            "narratives": [_narrative(cat, nv, name) for nv, name in
                           [(s.narrative, self.report.evaluation.unit.short_name)] +
                           [(u.narrative, u.unit.short_name) for u in s.units]
                           if nv is not None],
        }

    def appendix(self, i: int, a: Appendix) -> dict[str, Any]:
        """Lampiran i: the unit's perspectives (NKP), objectives (NSS) and IKU rows with
        their targets and texts."""
        cat, m, aev = self.cat, self.report.manual, a.evaluation
        nss = {o.objective.code: cat.score(o.score, self.prec) for o in aev.objectives}
        nkp = {p.perspective.code: cat.score(p.score, self.prec) for p in aev.perspectives}
        perspectives = []
        for p in m.perspectives:
            objectives = []
            for o in (o for o in m.objectives if o.perspective == p.code):
                rows = [{**self.row(ar.row), "target_year": cat.natural(ar.target_year),
                         "text": _narrative(cat, ar.narrative, "") if ar.narrative else None}
                        for ar in a.rows if ar.row.objective.code == o.code]
                if rows:
                    objectives.append({"code": o.code, "name": o.name,
                                       "nss": nss.get(o.code, ""), "rows": rows})
            if objectives:
                perspectives.append({"name": p.name, "nkp": nkp.get(p.code, ""),
                                     "weight": f"{cat.num(p.weight, 0)} %",
                                     "objectives": objectives})
        when = cat("eval.as_of", period=aev.period.label) if aev.as_of else aev.period.label
        return {"n": i, "title": cat("report.appendix", n=i, when=when, unit=aev.unit.name),
                "period": aev.period.label, "npss": cat.score(aev.npss, self.prec),
                "target_period": cat("col.target_of_period", period=_short(aev.period.label)),
                "perspectives": perspectives}


def _printed_scores(cat: Catalogue, ev: Evaluation) -> dict[tuple[str, str], str]:
    return {(measure, r.objective or r.perspective): f"≠ {cells.printed(cat, r.value)} "
                                                     f"({r.where})"
            for measure, r in ev.printed_scores}


def context(report: Report, cat: Catalogue) -> dict[str, Any]:
    """Everything the template shows, formatted in the report's language."""
    ev = report.evaluation
    m = report.manual
    prec = m.scoring.precision
    view = _View(report, cat)
    when = cat("eval.as_of", period=ev.period.label) if ev.as_of else ev.period.label
    summary_n, scores_n = view.numbering.table(), view.numbering.table()
    return {
        "lang": cat.lang, "t": cat,
        "title": cat("report.title", owner=report.unit_name, year=report.year),
        "is_owner": ev.unit.code == m.owner,
        "subtitle": cat("report.subtitle", when=when, label=m.label,
                        date=m.revision.effective_from, dataset=report.data),
        "unit_name": report.unit_name,
        "summary_title": cat("report.summary", owner=ev.unit.short_name,
                             when=cells.when(cat, ev.period, ev.as_of)),
        "summary_n": summary_n, "perspectives": view.summary(),
        "groups": [{"label": cat.group(g), "count": count,
                    "codes": ", ".join(r.iku.code for r in ev.rows if r.figure.group == g)}
                   for g, count in ev.groups],
        "any_printed": any(r.printed for r in ev.rows) or bool(ev.printed_scores),
        "scores_n": scores_n, "scores": view.scores(),
        "npss": cat.score(ev.npss, prec),
        "npss_printed": _printed_scores(cat, ev).get(("npss", ""), ""),
        "average": cat.score(ev.average, prec),
        "average_printed": "; ".join(f"≠ {cells.printed(cat, r.value)} ({r.where})"
                                     for r in ev.printed_average),
        "sections": [view.section(s) for s in report.sections],
        "appendices": [view.appendix(i, a) for i, a in
                       enumerate(report.appendices, start=1)],
        "issues": [{"where": i.where(),
                    "what": " ".join(x for x in (i.iku, i.unit, i.period) if x),
                    "message": i.message, "hint": i.hint} for i in ev.data_issues],
        "generated": cat("report.generated", manuals=report.manuals, data=report.data),
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
