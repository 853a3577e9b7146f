"""The report's cells as text in one language: shared by the HTML and Markdown writers (the
XLSX writer keeps numbers as numbers and takes only the texts from here)."""

from __future__ import annotations

from decimal import Decimal

from engine.dataset import ReportedFigure
from engine.evaluate import Row
from engine.i18n import Catalogue
from engine.periods import Period
from engine.report.model import IkuSection, YearPoint
from engine.scoring import Figure


def when(cat: Catalogue, period: Period, as_of: bool) -> str:
    """`Tahun 2023`, `TW II 2023`, `posisi TW IV 2023`: the period a table is about."""
    if as_of:
        return cat("eval.as_of", period=period.label)
    return cat("report.year", year=period.year) if period.is_year else period.label


def places(value: Decimal) -> int:
    """The decimals a printed figure was printed with."""
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 2


def printed(cat: Catalogue, value: Decimal) -> str:
    return cat.num(value, places(value))


def target(cat: Catalogue, row: Row) -> str:
    f = row.figure
    return "—" if f.target is None else f"{cat.natural(f.target)} {row.iku.unit_of_measure}"


def status(cat: Catalogue, fig: Figure) -> str:
    """`hijau, di atas target`; or why there is no capaian."""
    if fig.capaian is not None:
        return f"{fig.band or '—'}, {cat.group(fig.group)}"
    prefix = f"{cat('note.error')}: " if fig.outcome == "error" and \
        not fig.note.startswith("data error") else ""
    return prefix + cat.note(fig.note)


def realisasi(cat: Catalogue, fig: Figure, prec: int) -> str:
    if fig.realisasi is None and fig.value.partial is not None:
        return f"— ({cat('state.partial', value=cat.num(fig.value.partial, prec))})"
    return cat.num(fig.realisasi, prec)


def printed_marks(cat: Catalogue, marks: tuple[tuple[str, ReportedFigure], ...]
                  ) -> dict[str, str]:
    """measure -> `≠ 88,94 (Tabel 5)` for the printed figures that differ."""
    return {m: f"≠ {printed(cat, r.value)} ({r.where})" for m, r in marks}


def source(cat: Catalogue, p: YearPoint) -> str:
    if p.source == "recomputed":
        return cat("report.source.recomputed")
    if p.source == "printed":
        return cat("report.source.printed", where=p.where)
    return cat("report.source.none")


def responsible(cat: Catalogue, section: IkuSection, owner: str) -> str:
    if section.owner_only:
        return cat("report.owner_only", owner=owner)
    if not section.units:
        return ""
    return cat("report.cascade", units=", ".join(u.unit.short_name for u in section.units))
