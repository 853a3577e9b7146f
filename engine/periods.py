"""Reporting periods: the year, its semesters, its quarters (triwulan) and its months.

Identifiers are `2023` (the year), `2023-S1`, `2023-S2` (semesters),
`2023-TW1` ... `2023-TW4` (triwulan) and `2023-M01` ... `2023-M12` (months). Inside a
manual's schedule a period of the year is named by its suffix alone: `TW1`...`TW4`, `S1`,
`S2`, `M01`...`M12`, `Y`.

Months carry two digits (`M03`, not `M3`) so that they sort as text in listings and data
files, as `2023-03` would; `iku --period M3` is accepted as people type it (`Period.loose`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache, lru_cache

MONTHS: tuple[str, ...] = tuple(f"M{m:02d}" for m in range(1, 13))
_MONTH_NAMES = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
                "September", "Oktober", "November", "Desember")

# Suffixes in calendar order of their end dates; ties (M03/TW1, M06/TW2/S1, M12/TW4/S2/Y) keep
# the shorter first, which is how the report lists its monitoring documents (TW I, TW II,
# Sem I, ...). The SINKA periods keep their order among themselves.
SUFFIXES: tuple[str, ...] = (
    "M01", "M02", "M03", "TW1", "M04", "M05", "M06", "TW2", "S1",
    "M07", "M08", "M09", "TW3", "M10", "M11", "M12", "TW4", "S2", "Y",
)
_END_MONTH = {"TW1": 3, "TW2": 6, "S1": 6, "TW3": 9, "TW4": 12, "S2": 12, "Y": 12,
              **{m: i for i, m in enumerate(MONTHS, start=1)}}
_START_MONTH = {"TW1": 1, "TW2": 4, "S1": 1, "TW3": 7, "TW4": 10, "S2": 7, "Y": 1,
                **{m: i for i, m in enumerate(MONTHS, start=1)}}
_LABEL = {
    "TW1": "TW I",
    "TW2": "TW II",
    "TW3": "TW III",
    "TW4": "TW IV",
    "S1": "Semester I",
    "S2": "Semester II",
    "Y": "Tahunan",
    **dict(zip(MONTHS, _MONTH_NAMES, strict=True)),
}
_MONTH = r"M(?:0[1-9]|1[0-2])"
_PATTERN = re.compile(rf"^(?P<year>\d{{4}})(?:-(?P<suffix>TW[1-4]|S[12]|{_MONTH}))?$")
_LOOSE = re.compile(r"^(?:(?P<year>\d{4})(?:-|$))?"
                    r"(?P<suffix>TW[1-4]|S[12]|M0?[1-9]|M1[0-2]|Y|YEAR|TAHUNAN)?$")
_FORMS = "write 2023, 2023-S1, 2023-TW4 or 2023-M01"


class PeriodError(ValueError):
    """A period identifier that does not parse."""


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period.

    >>> Period.parse("2023-TW2")
    Period(year=2023, suffix='TW2')
    >>> str(Period.parse("2023"))
    '2023'
    >>> Period.parse("2023-S1").end
    datetime.date(2023, 6, 30)
    >>> [str(p) for p in Period.parse("2023-TW2").inside()]
    ['2023-M04', '2023-M05', '2023-M06', '2023-TW2']
    >>> Period.parse("2023-M02").end, Period.parse("2023-M02").label
    (datetime.date(2023, 2, 28), 'Februari 2023')
    >>> [p.suffix for p in Period.parse("2023-S2").inside() if not p.suffix.startswith("M")]
    ['TW3', 'TW4', 'S2']
    >>> Period.parse("2023-Q2")
    Traceback (most recent call last):
    ...
    engine.periods.PeriodError: `2023-Q2` is not a period; write 2023, 2023-S1, 2023-TW4 or 2023-M01
    >>> Period.parse("2023-M3")
    Traceback (most recent call last):
    ...
    engine.periods.PeriodError: `2023-M3` is not a period; write 2023, 2023-S1, 2023-TW4 or 2023-M01
    """

    year: int  # calendar year
    suffix: str  # one of SUFFIXES; "Y" for the whole year

    @classmethod
    def parse(cls, text: str | int) -> Period:
        return _parse(str(text))

    @classmethod
    def loose(cls, text: str, year: int | None) -> Period:
        """A period as people type it: any case, `year` or `tahunan` for the year, a month
        with one digit or two, with or without the year (then `year` is used).

        >>> [str(Period.loose(t, 2023)) for t in ("tw2", "2023-tw2", "year", "S1", "2024")]
        ['2023-TW2', '2023-TW2', '2023', '2023-S1', '2024']
        >>> [str(Period.loose(t, 2023)) for t in ("M3", "m03", "2024-M12", "M10")]
        ['2023-M03', '2023-M03', '2024-M12', '2023-M10']
        """
        m = _LOOSE.match(str(text).strip().upper())
        if not m or not str(text).strip():
            raise PeriodError(f"`{text}` is not a period; {_FORMS}, or TW2, S1, M3, year")
        y = m.group("year")
        suffix = m.group("suffix") or "Y"
        suffix = "Y" if suffix in ("YEAR", "TAHUNAN") else suffix
        if suffix.startswith("M"):
            suffix = f"M{int(suffix[1:]):02d}"
        if y is None and year is None:
            raise PeriodError(f"`{text}` needs a year: write 2023-{text.upper()} or give --year")
        return cls(int(y) if y is not None else year, suffix)  # type: ignore[arg-type]

    @classmethod
    def of(cls, year: int, suffix: str) -> Period:
        if suffix not in SUFFIXES:
            raise PeriodError(
                f"`{suffix}` is not a period of the year; use one of {', '.join(SUFFIXES)}"
            )
        return cls(year, suffix)

    def __str__(self) -> str:
        return str(self.year) if self.suffix == "Y" else f"{self.year}-{self.suffix}"

    @property
    def label(self) -> str:
        """How the report writes it: `TW II 2023`, `Tahunan 2023`."""
        return f"{_LABEL[self.suffix]} {self.year}"

    @property
    def start(self) -> dt.date:
        return _bounds(self.year, self.suffix)[0]

    @property
    def end(self) -> dt.date:
        return _bounds(self.year, self.suffix)[1]

    @property
    def is_year(self) -> bool:
        return self.suffix == "Y"

    def inside(self) -> tuple[Period, ...]:
        """The periods of the same year that lie within this one, itself last: a quarter
        holds its three months, a semester its quarters and months, the year all."""
        return _inside(self.year, self.suffix)

    def order(self) -> int:
        return SUFFIXES.index(self.suffix)


# Periods are few (17 a year) and asked about often (every data entry, every schedule):
# their dates and what lies inside them are computed once per period.
@cache
def _bounds(year: int, suffix: str) -> tuple[dt.date, dt.date]:
    month = _END_MONTH[suffix]
    next_first = dt.date(year + (month == 12), month % 12 + 1, 1)
    return dt.date(year, _START_MONTH[suffix], 1), next_first - dt.timedelta(days=1)


@cache
def _inside(year: int, suffix: str) -> tuple[Period, ...]:
    start, end = _bounds(year, suffix)
    return tuple(Period(year, s) for s in SUFFIXES
                 if start <= _bounds(year, s)[0] and _bounds(year, s)[1] <= end)


@lru_cache(maxsize=4096)  # every data entry names its period; a few dozen texts recur
def _parse(text: str) -> Period:
    m = _PATTERN.match(text.strip())
    if not m:
        raise PeriodError(f"`{text}` is not a period; {_FORMS}")
    return Period(int(m.group("year")), m.group("suffix") or "Y")
