"""The report as a workbook: the summary (Tabel 5) with NSS, NKP and NPSS; one sheet per unit
in the appendices' layout (Lampiran 1-5: Target Tahunan, the period's target, Realisasi, %,
Status as a colour, NSS, NKP, the NPSS on top, Penjelasan, Permasalahan, Rekomendasi); and
the IKU history with a native Excel chart per IKU.

Numbers are stored as numbers. Their formats carry the Indonesian locale tag `[$-421]` in
Indonesian: a spreadsheet set to Indonesian shows `99,94` and `637.535.251`; the value in the
cell stays 99.94 whatever the setting. openpyxl writes it (the only openpyxl importer).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.marker import Marker
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from engine.i18n import Catalogue
from engine.model import Range, TargetValue
from engine.report import cells
from engine.report.model import Appendix, Report
from engine.report.style import band_colours
from engine.rollup import Score
from engine.scoring import Figure

HEAD_FILL = PatternFill("solid", fgColor="E8EEF6")
PERSPECTIVE_FILL = PatternFill("solid", fgColor="EDEDED")
THIN = Side(style="thin", color="C9C9C9")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
PRINTED = Font(color="A0157A", size=9)
MAX_ROW_HEIGHT = 409  # points: Excel's limit


def number_format(cat: Catalogue, places: int) -> str:
    """`[$-421]#,##0.00` in Indonesian, `#,##0.00` in English.

    >>> number_format(Catalogue("id"), 2), number_format(Catalogue("en"), 0)
    ('[$-421]#,##0.00', '#,##0')
    """
    body = "#,##0" + ("." + "0" * places if places else "")
    return f"[$-421]{body}" if cat.lang == "id" else body


def _value(cell: Any, x: TargetValue | None, cat: Catalogue, places: int | None = None
           ) -> None:
    """A number as a number with the language's format (a target with its own decimals);
    a range target as text (`80–90`: no one number stands for it); an empty cell for none."""
    if x is None:
        return
    if isinstance(x, Range):
        cell.value = cat.natural(x)
        return
    if places is None:
        places = cells.places(x.normalize())
    cell.value = int(x) if places == 0 and x == x.to_integral_value() else float(x)
    cell.number_format = number_format(cat, places)


def _status(cell: Any, fig: Figure, cat: Catalogue) -> None:
    fill, text = band_colours(fig.band)
    cell.value = cells.status(cat, fig)
    cell.fill = PatternFill("solid", fgColor=fill)
    cell.font = Font(bold=fig.band is not None, color=text)
    cell.alignment = WRAP_TOP


def _header(ws: Worksheet, row: int, labels: Sequence[str]) -> None:
    for col, label in enumerate(labels, start=1):
        c = ws.cell(row, col, label)
        c.font = BOLD
        c.fill = HEAD_FILL
        c.border = BOX
        c.alignment = Alignment(wrap_text=True, vertical="center")


def _print_setup(ws: Worksheet, landscape: bool, title_rows: str = "") -> None:
    """A4, as wide as one page, as many pages down as it takes."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if title_rows:
        ws.print_title_rows = title_rows


def _widths(ws: Worksheet, widths: Sequence[float]) -> None:
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def _fit(ws: Worksheet, row: int, texts: Sequence[tuple[str, float]]) -> None:
    """A row tall enough for its wrapped texts (Excel does not grow rows it did not write)."""
    lines = 1
    for text, width in texts:
        chars = max(width * 1.15, 1)
        lines = max(lines, sum(max(1, -(-len(line) // int(chars)))
                               for line in (text or "").splitlines() or [""]))
    if lines > 1:
        ws.row_dimensions[row].height = min(MAX_ROW_HEIGHT, 13.5 * lines + 3)


def _summary(ws: Worksheet, report: Report, cat: Catalogue) -> None:
    ev = report.evaluation
    prec = report.manual.scoring.precision
    ws.title = cat("report.summary_sheet")
    ws.cell(1, 1, cat("report.title", owner=report.unit_name, year=report.year)).font = \
        Font(bold=True, size=14)
    summary = cat("report.summary", owner=ev.unit.short_name,
                  when=cells.when(cat, ev.period, ev.as_of))
    if ev.unit.code == report.manual.owner:
        summary += " " + cat("report.summary_ref")
    ws.cell(2, 1, summary)
    labels = [cat("col.ss_code"), cat("col.objective"), cat("col.iku_code"),
              cat("col.indicator_long"), cat("col.unit_of_measure"), cat("col.target"),
              cat("col.realisasi"), cat("col.capaian"), cat("col.status"),
              cat("report.printed_note")]
    head = 4
    _header(ws, head, labels)
    r = head + 1
    for p in report.manual.perspectives:
        rows = [x for x in ev.rows if x.objective.perspective == p.code]
        if not rows:
            continue
        c = ws.cell(r, 1, p.name)
        c.font = BOLD
        for col in range(1, len(labels) + 1):
            ws.cell(r, col).fill = PERSPECTIVE_FILL
        r += 1
        for row in rows:
            f = row.figure
            ws.cell(r, 1, row.objective.code)
            ws.cell(r, 2, row.objective.name)
            ws.cell(r, 3, row.iku.code)
            ws.cell(r, 4, row.indicator)
            ws.cell(r, 5, row.iku.unit_of_measure)
            _value(ws.cell(r, 6), f.target, cat)
            _value(ws.cell(r, 7), f.realisasi, cat, prec)
            _value(ws.cell(r, 8), f.capaian, cat, prec)
            _status(ws.cell(r, 9), f, cat)
            marks = cells.printed_marks(cat, row.printed)
            if marks:
                c = ws.cell(r, 10, "; ".join(f"{cat('col.' + m)} {t}" for m, t in marks.items()))
                c.font = PRINTED
            for col in range(1, len(labels) + 1):
                ws.cell(r, col).border = BOX
                ws.cell(r, col).alignment = Alignment(vertical="top") if col in (6, 7, 8) \
                    else WRAP_TOP
            _fit(ws, r, [(row.objective.name, 30), (row.indicator, 44)])
            r += 1
    r += 1
    for g, n in ev.groups:
        ws.cell(r, 1, f"IKU {cat.group(g)}").font = BOLD
        _value(ws.cell(r, 3), Decimal(n), cat, 0)
        ws.cell(r, 4, ", ".join(x.iku.code for x in ev.rows if x.figure.group == g))
        r += 1
    r += 1
    _header(ws, r, [cat("col.perspective_ss"), "", "", "", "", cat("col.weight"),
                    cat("col.nss"), cat("col.nkp")])
    r += 1
    for ps in ev.perspectives:
        ws.cell(r, 1, ps.perspective.name).font = BOLD
        _value(ws.cell(r, 6), ps.perspective.weight, cat, 0)
        _value(ws.cell(r, 7), ps.mean_nss, cat, prec)
        _score(ws.cell(r, 8), ps.score, cat, prec)
        r += 1
        for o in ev.objectives:
            if o.objective.perspective == ps.perspective.code:
                ws.cell(r, 1, f"{o.objective.code} {o.objective.name}")
                _score(ws.cell(r, 7), o.score, cat, prec)
                r += 1
    ws.cell(r, 1, cat("col.npss")).font = BOLD
    _score(ws.cell(r, 8), ev.npss, cat, prec)
    ws.cell(r, 8).font = BOLD
    r += 1
    ws.cell(r, 1, cat("eval.average", value="").strip())
    _score(ws.cell(r, 8), ev.average, cat, prec)
    ws.freeze_panes = ws.cell(head + 1, 1)
    _widths(ws, [9, 30, 9, 44, 9, 10, 11, 11, 22, 34])
    _print_setup(ws, landscape=True, title_rows=f"{head}:{head}")


def _score(cell: Any, s: Score, cat: Catalogue, prec: int) -> None:
    """A score: the number when there is one, else what the catalogue writes for it."""
    if s.state == "ok":
        _value(cell, s.value, cat, prec)
    else:
        cell.value = cat.score(s, prec)


def _appendix(ws: Worksheet, n: int, a: Appendix, report: Report, cat: Catalogue) -> None:
    ev = a.evaluation
    m = report.manual
    prec = m.scoring.precision
    when = cat("eval.as_of", period=ev.period.label) if ev.as_of else ev.period.label
    ws.title = f"{cat('report.appendices')[:8]} {n} {ev.unit.code}"[:31]
    ws.cell(1, 1, cat("report.appendix", n=n, when=when, unit=ev.unit.name)).font = \
        Font(bold=True, size=13)
    ws.cell(2, 1, cat("col.npss")).font = BOLD
    _score(ws.cell(2, 2), ev.npss, cat, prec)
    ws.cell(2, 2).font = BOLD
    labels = [cat("col.ss_iku"), cat("col.target_year"),
              cat("col.target_of_period", period=ev.period.label.rsplit(" ", 1)[0]),
              cat("col.realisasi"), cat("col.capaian_short"), cat("col.status"),
              cat("col.nss"), cat("col.nkp"), cat("col.penjelasan"), cat("col.permasalahan"),
              cat("col.rekomendasi")]
    head = 4
    _header(ws, head, labels)
    ws.row_dimensions[head].height = 30
    nss = {o.objective.code: o.score for o in ev.objectives}
    nkp = {p.perspective.code: p.score for p in ev.perspectives}
    r = head + 1
    for p in m.perspectives:
        objectives = [o for o in m.objectives if o.perspective == p.code and
                      any(ar.row.objective.code == o.code for ar in a.rows)]
        if not objectives:
            continue
        ws.cell(r, 1, f"{p.name} ({cat.num(p.weight, 0)} %)").font = BOLD
        if p.code in nkp:
            _score(ws.cell(r, 8), nkp[p.code], cat, prec)
        for col in range(1, len(labels) + 1):
            ws.cell(r, col).fill = PERSPECTIVE_FILL
            ws.cell(r, col).border = BOX
        r += 1
        for o in objectives:
            ws.cell(r, 1, f"{o.code} {o.name}").font = Font(italic=True, bold=True)
            ws.cell(r, 1).alignment = WRAP_TOP
            if o.code in nss:
                _score(ws.cell(r, 7), nss[o.code], cat, prec)
            for col in range(1, len(labels) + 1):
                ws.cell(r, col).border = BOX
            _fit(ws, r, [(f"{o.code} {o.name}", 44)])
            r += 1
            for ar in (x for x in a.rows if x.row.objective.code == o.code):
                f = ar.row.figure
                ws.cell(r, 1, f"{ar.row.iku.code} {ar.row.indicator}").alignment = WRAP_TOP
                _value(ws.cell(r, 2), ar.target_year, cat)
                _value(ws.cell(r, 3), f.target, cat)
                _value(ws.cell(r, 4), f.realisasi, cat, prec)
                _value(ws.cell(r, 5), f.capaian, cat, prec)
                _status(ws.cell(r, 6), f, cat)
                texts = []
                nv = ar.narrative
                for col, key in ((9, "penjelasan"), (10, "permasalahan"), (11, "rekomendasi")):
                    text = getattr(nv, key) if nv is not None else ""
                    if text:
                        c = ws.cell(r, col, text)
                        c.alignment = WRAP_TOP
                        c.font = Font(size=9)
                    texts.append((text, 60.0))
                for col in range(1, len(labels) + 1):
                    ws.cell(r, col).border = BOX
                    if col in (2, 3, 4, 5, 7, 8):
                        ws.cell(r, col).alignment = Alignment(vertical="top")
                _fit(ws, r, [(f"{ar.row.iku.code} {ar.row.indicator}", 44), *texts])
                r += 1
    ws.freeze_panes = ws.cell(head + 1, 2)
    _widths(ws, [46, 11, 11, 11, 10, 20, 10, 10, 60, 60, 60])
    _print_setup(ws, landscape=True, title_rows=f"{head}:{head}")


def _history(ws: Worksheet, report: Report, cat: Catalogue) -> None:
    """Per IKU a small table of the years and a native chart beside it: realisasi as bars,
    the target as a line, as the report's Gambar 4 to 41 draw it."""
    prec = report.manual.scoring.precision
    ws.title = cat("report.history_sheet")
    labels = [cat("col.year"), cat("col.target"), cat("col.realisasi"), cat("col.capaian"),
              cat("col.source")]
    block = 16  # rows per IKU: its table and room for its chart; two IKUs to a printed page
    r = 1
    for s in report.sections:
        code = s.row.iku.code
        ws.cell(r, 1, f"{code} {s.row.iku.name}").font = BOLD
        _header(ws, r + 1, labels)
        first = r + 2
        for i, p in enumerate(s.history):
            row = first + i
            ws.cell(row, 1, p.year)
            _value(ws.cell(row, 2), p.target, cat)
            _value(ws.cell(row, 3), p.realisasi, cat, prec)
            _value(ws.cell(row, 4), p.capaian, cat, prec)
            ws.cell(row, 5, cells.source(cat, p))
        last = first + len(s.history) - 1
        if s.renstra is not None:
            ws.cell(last + 1, 1, s.renstra.year)
            _value(ws.cell(last + 1, 2), s.renstra.target, cat)
            ws.cell(last + 1, 5, cat("report.series.renstra", year=s.renstra.year))
        bars = BarChart()
        bars.type = "col"
        # the title is the block's first cell; a short one leaves the chart its room
        bars.title = code
        # the realisasi written on its bar, and nothing else (spreadsheets default to more)
        bars.dataLabels = DataLabelList(showVal=True, showCatName=False, showSerName=False,
                                        showLegendKey=False, showPercent=False)
        bars.y_axis.title = s.row.iku.unit_of_measure
        bars.y_axis.numFmt = number_format(cat, 0)
        bars.y_axis.scaling.min = 0
        bars.add_data(Reference(ws, min_col=3, min_row=first - 1, max_row=last),
                      titles_from_data=True)
        years = Reference(ws, min_col=1, min_row=first, max_row=last)
        bars.set_categories(years)
        line = LineChart()
        line.add_data(Reference(ws, min_col=2, min_row=first - 1, max_row=last),
                      titles_from_data=True)
        line.set_categories(years)
        for series in line.series:  # a marker, so that a year with the only target shows
            series.marker = Marker(symbol="circle", size=7)
            series.smooth = False
        bars += line
        bars.height = 7
        bars.width = 16
        bars.legend.position = "b"
        # openpyxl >= 3.1 hides axes unless told otherwise
        bars.x_axis.delete = False
        bars.y_axis.delete = False
        ws.add_chart(bars, f"G{r}")
        r += block
        if (r // block) % 2 == 0:
            ws.row_breaks.append(Break(id=r - 1))
    _widths(ws, [10, 10, 11, 11, 28])
    _print_setup(ws, landscape=True)
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.4, bottom=0.4)


def write_xlsx(report: Report, cat: Catalogue, output: Path) -> None:
    """Write the workbook to `output`, atomically (readers see the old file or the new)."""
    wb = Workbook()
    _summary(wb.active, report, cat)
    for n, a in enumerate(report.appendices, start=1):
        _appendix(wb.create_sheet(), n, a, report, cat)
    _history(wb.create_sheet(), report, cat)
    output = output.resolve()
    tmp = output.with_name(f".{output.name}.tmp")
    try:
        wb.save(tmp)
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)
