"""The report as Markdown: the same tables as the HTML page (summary, NSS and NKP, per IKU
the comparison, history and units, the appendices), charts left out, narratives as text
under their tables. Text from manuals and datasets is escaped for tables and never becomes
markup."""

from __future__ import annotations

from engine.i18n import Catalogue
from engine.report import cells
from engine.report.model import Report


def _md(text: str) -> str:
    """A table cell: pipes escaped, one line, no HTML."""
    return " ".join(text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").split())


def _text(text: str) -> list[str]:
    """A narrative as Markdown lines: its own lines, its `- ` items as list items."""
    out = []
    for line in text.splitlines():
        line = line.strip().replace("<", "&lt;").replace(">", "&gt;")
        if line:
            out.append(line if line.startswith("- ") else f"{line}  ")
    return out


def report_markdown(report: Report, cat: Catalogue) -> str:
    ev = report.evaluation
    m = report.manual
    prec = m.scoring.precision
    when = cat("eval.as_of", period=ev.period.label) if ev.as_of else ev.period.label
    out = [f"# {cat('report.title', owner=report.unit_name, year=report.year)}", "",
           cat("report.subtitle", when=when, label=m.label, date=m.revision.effective_from,
               dataset=report.data), "", cat("report.recomputed"), ""]
    summary = cat("report.summary", owner=ev.unit.short_name,
                                   when=cells.when(cat, ev.period, ev.as_of))
    out += [f"## {summary}", "",
            f"| {cat('col.ss')} | {cat('col.iku')} | {cat('col.indicator_long')} | "
            f"{cat('col.target')} | {cat('col.realisasi')} | {cat('col.capaian')} | "
            f"{cat('col.status')} |", "|---|---|---|--:|--:|--:|---|"]
    for p in m.perspectives:
        rows = [r for r in ev.rows if r.objective.perspective == p.code]
        if not rows:
            continue
        out.append(f"| **{_md(p.name)}** | | | | | | |")
        for r in rows:
            marks = cells.printed_marks(cat, r.printed)
            real = cells.realisasi(cat, r.figure, prec) + \
                (f" {marks['realisasi']}" if "realisasi" in marks else "")
            cap = cat.num(r.figure.capaian, prec) + \
                (f" {marks['capaian']}" if "capaian" in marks else "")
            out.append(f"| {r.objective.code} | {r.iku.code} | {_md(r.indicator)} | "
                       f"{_md(cells.target(cat, r))} | {_md(real)} | {_md(cap)} | "
                       f"{_md(cells.status(cat, r.figure))} |")
    if any(r.printed for r in ev.rows):
        out += ["", cat("report.printed_note")]
    out += [""] + [f"- IKU {cat.group(g)}: **{n}**" + (
        f" ({', '.join(r.iku.code for r in ev.rows if r.figure.group == g)})" if n else "")
        for g, n in ev.groups]
    printed_scores = {(measure, r.objective or r.perspective):
                      f" ({'≠'} {cells.printed(cat, r.value)}, {r.where})"
                      for measure, r in ev.printed_scores}
    out += ["", f"## {cat('report.scores')}", "",
            f"| {cat('col.perspective_ss')} | {cat('col.weight')} | {cat('col.nss')} | "
            f"{cat('col.nkp')} |", "|---|--:|--:|--:|"]
    for ps in ev.perspectives:
        out.append(f"| **{_md(ps.perspective.name)}** | {cat.num(ps.perspective.weight, 0)} % "
                   f"| {cat.num(ps.mean_nss, prec)} | {cat.score(ps.score, prec)}"
                   f"{printed_scores.get(('nkp', ps.perspective.code), '')} |")
        out += [f"| {o.objective.code} {_md(o.objective.name)} | | "
                f"{cat.score(o.score, prec)}{printed_scores.get(('nss', o.objective.code), '')}"
                " | |" for o in ev.objectives
                if o.objective.perspective == ps.perspective.code]
    average = cat.score(ev.average, prec) + "".join(
        f" (≠ {cells.printed(cat, r.value)}, {r.where})" for r in ev.printed_average)
    out += ["", f"**{cat('report.npss_line', value=cat.score(ev.npss, prec))}**"
            f"{printed_scores.get(('npss', ''), '')}", "",
            cat("report.average_line", value=average), ""]
    if ev.data_issues:
        out += [f"## {cat('report.issues')}", "", cat("report.issues_note"), ""]
        out += [f"- `{i.where()}` {_md(' '.join(x for x in (i.iku, i.unit, i.period) if x))}: "
                f"{_md(i.message)}" for i in ev.data_issues]
        out.append("")
    out += [f"## {cat('report.ikus')}", ""]
    for s in report.sections:
        r = s.row
        f = r.figure
        marks = cells.printed_marks(cat, r.printed)
        history = cat("report.history", iku=r.iku.code, first=s.history[0].year,
                      last=s.history[-1].year)
        out += [f"### {r.iku.code} {_md(r.iku.name)}", "",
                f"{_md(r.objective.code + ' ' + r.objective.name)}"
                + (f" · {_md(cells.responsible(cat, s, report.owner_name))}"
                   if cells.responsible(cat, s, report.owner_name) else ""), "",
                f"**{cat('report.comparison', iku=r.iku.code)}**", "",
                f"| {cat('col.indicator_long')} | {cat('col.target')} | {cat('col.realisasi')} "
                f"| {cat('col.capaian')} | {cat('col.status')} |", "|---|--:|--:|--:|---|",
                f"| {_md(r.indicator)} | {_md(cells.target(cat, r))} | "
                f"{_md(cells.realisasi(cat, f, prec))}"
                + (f" {marks['realisasi']}" if "realisasi" in marks else "")
                + f" | {cat.num(f.capaian, prec)}"
                + (f" {marks['capaian']}" if "capaian" in marks else "")
                + f" | {_md(cells.status(cat, f))} |", "",
                f"**{history}**", "",
                f"| {cat('col.year')} | {cat('col.target')} | {cat('col.realisasi')} | "
                f"{cat('col.capaian')} | {cat('col.source')} |", "|---|--:|--:|--:|---|"]
        out += [f"| {p.year} | {cat.natural(p.target)} | {cat.num(p.realisasi, prec)} | "
                f"{cat.num(p.capaian, prec)} | {_md(cells.source(cat, p))} |" for p in s.history]
        if s.renstra is not None:
            out.append(f"| {s.renstra.year} | {cat.natural(s.renstra.target)} | — | — | "
                       f"{cat('report.series.renstra', year=s.renstra.year)} |")
        if s.units:
            out += ["", f"**{cat('report.units_table')}**", "",
                    f"| {cat('col.unit')} | {cat('col.indicator_long')} | {cat('col.target')} | "
                    f"{cat('col.realisasi')} | {cat('col.capaian')} | {cat('col.status')} |",
                    "|---|---|--:|--:|--:|---|"]
            for u in s.units:
                um = cells.printed_marks(cat, u.printed)
                target = "—" if u.figure.target is None else \
                    f"{cat.natural(u.figure.target)} {r.iku.unit_of_measure}"
                out.append(f"| {_md(u.unit.short_name)} | {_md(u.indicator)} | {target} | "
                           f"{_md(cells.realisasi(cat, u.figure, prec))}"
                           + (f" {um['realisasi']}" if "realisasi" in um else "")
                           + f" | {cat.num(u.figure.capaian, prec)} | "
                           f"{_md(cells.status(cat, u.figure))} |")
        narratives = [(ev.unit.short_name, s.narrative)] + \
            [(u.unit.short_name, u.narrative) for u in s.units]
        for name, nv in narratives:
            if nv is None:
                continue
            out += ["", f"#### {_md(name)}"]
            for key in ("penjelasan", "permasalahan", "rekomendasi"):
                text = getattr(nv, key)
                if text:
                    out += ["", f"*{cat('col.' + key)}*", "", *_text(text)]
            if nv.source:
                out += ["", f"{cat('col.source')}: {_md(nv.source)}"]
        out.append("")
    for n, a in enumerate(report.appendices, start=1):
        aev = a.evaluation
        when_a = cat("eval.as_of", period=aev.period.label) if aev.as_of else aev.period.label
        nss = {o.objective.code: cat.score(o.score, prec) for o in aev.objectives}
        nkp = {p.perspective.code: cat.score(p.score, prec) for p in aev.perspectives}
        out += [f"## {cat('report.appendix', n=n, when=when_a, unit=aev.unit.name)}", "",
                f"**{cat('col.npss')} {cat.score(aev.npss, prec)}**", "",
                f"| {cat('col.ss_iku')} | {cat('col.target_year')} | "
                f"{cat('col.target_of_period', period=aev.period.label.rsplit(' ', 1)[0])} | "
                f"{cat('col.realisasi')} | {cat('col.capaian_short')} | {cat('col.status')} | "
                f"{cat('col.nss')} | {cat('col.nkp')} |", "|---|--:|--:|--:|--:|---|--:|--:|"]
        for p in m.perspectives:
            objs = [o for o in m.objectives if o.perspective == p.code
                    and any(ar.row.objective.code == o.code for ar in a.rows)]
            if not objs:
                continue
            out.append(f"| **{_md(p.name)}** ({cat.num(p.weight, 0)} %) | | | | | | | "
                       f"{nkp.get(p.code, '')} |")
            for o in objs:
                out.append(f"| *{o.code} {_md(o.name)}* | | | | | | {nss.get(o.code, '')} | |")
                for ar in (x for x in a.rows if x.row.objective.code == o.code):
                    f = ar.row.figure
                    out.append(f"| {ar.row.iku.code} {_md(ar.row.indicator)} | "
                               f"{cat.natural(ar.target_year)} | {cat.natural(f.target)} | "
                               f"{_md(cells.realisasi(cat, f, prec))} | "
                               f"{cat.num(f.capaian, prec)} | {_md(cells.status(cat, f))} | | |")
        texts = [(ar.row.iku.code, ar.narrative) for ar in a.rows if ar.narrative is not None]
        for code, nv in texts:
            assert nv is not None
            out += ["", f"**{code}**"]
            for key in ("penjelasan", "permasalahan", "rekomendasi"):
                text = getattr(nv, key)
                if text:
                    out += ["", f"*{cat('col.' + key)}*", "", *_text(text)]
        out.append("")
    out += [cat("report.generated", manuals=report.manuals, data=report.data), ""]
    return "\n".join(out)
