"""Data-entry forms: what each unit owes for a period, as rows of a spreadsheet, and the key
that ties a filled form back to the manual revisions it was made from (`iku template`,
`iku import`; docs/forms.md).

A form is one row per input due: for each IKU of the owner's revision in force at the
period's end, each unit that carries it (the owner, for an `owner_only` IKU), each variable
its formula reads; an `items` variable one row per item. A unit whose value is linked to its
own manual (a linked cascade, docs/format.md) has its inputs entered once, in its own data:
the form follows the link and asks the inputs of the linked indicator, from that owner's
revision in force at the period's end, so that a unit's officer fills one form. Each row
names the owner whose data it goes to and the indicator's code in that owner's manual, with
the form owner's IKU beside it. Where a linked owner has no manual for the year yet, those
inputs cannot be asked: the form leaves them out and says so (`Form.gaps`).

The rows' keys, the form's owner, period and number format, and each owner's revision and a
digest of its files are sealed with a checksum, so that a form from another revision, owner
or period, or one whose key was edited, is refused rather than read into the wrong place.

This module knows no file format: `engine.xlsxform` (the only openpyxl importer) and the
CSV functions here write and read the same `Form` and `FilledForm`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import quote, unquote

from engine.dataset import Dataset, Entry
from engine.errors import EXIT_USAGE, InputError, Issue, Severity, did_you_mean, error, warning
from engine.functions import Items
from engine.manual import revision_folders
from engine.model import Iku, Link, Manual, Variable
from engine.periods import Period
from engine.project import Project
from engine.values import needed_variables
from engine.yamlload import display_path

# 2: rows keyed by owner and indicator, a revision and digest per owner (forms across
# owners); a form of version 1 (one owner) is refused with the hint to make a new one.
FORM_VERSION = "2"
MAGIC = "#iku form"  # the first cell of a CSV form, and of the key sheet of an XLSX form
NUMBER_FORMATS = {"id": "Indonesian: 1.234,5 (thousands dots, decimal comma)",
                  "en": "1234.5 (decimal point, no thousands separator)"}
# A spreadsheet keeps 15 significant digits (IEEE double): every number typed with at most
# 15 comes back exactly from the shortest representation of the stored double.
FLOAT_DIGITS = 15
# Rows for items whose names no earlier data gives; and spare rows after known items, for
# an item that is new this period.
OPEN_ITEM_ROWS = 15
SPARE_ITEM_ROWS = 3
LIST_SEPARATOR = ";"
OMIT = "-"  # typed in a known item's value cell: the item is left out this period

# Columns of the form's table, in order: (name, header). `for` (the form owner's IKU the row
# counts for) is shown beside the indicator so that people recognise a directorate's own code;
# it is descriptive, not part of the key.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("owner", "Owner"), ("iku", "Indicator"), ("for", "IKU"), ("unit", "Unit"),
    ("variable", "Variable"), ("item", "Item"), ("meaning", "Meaning"),
    ("measure", "Unit of measure"), ("allowed", "Allowed"), ("previous", "Previous"),
    ("value", "Value"), ("evidence", "Evidence (link or document)"), ("note", "Note"),
)
KEY_COLUMNS = ("owner", "iku", "unit", "variable", "item")
# The meta values every form has; besides them, `revision <OWNER>` and `manual <OWNER>` for
# each owner whose manual the form asks from (the form's owner first).
META_KEYS = ("form", "owner", "period", "unit", "numbers")
REVISION, MANUAL = "revision ", "manual "

# Kinds of row: a number, a list in one cell, an item named by the form, an item whose name
# is typed in the form.
NUMBER, LIST, ITEM, NEW_ITEM = "number", "list", "item", "new"


@dataclass(frozen=True)
class FormRow:
    owner: str  # the owner whose manual defines the indicator and whose data the value goes to
    iku: str  # the indicator's code in that owner's manual
    counts_for: str  # the form owner's IKU(s) the value counts for (its own code for its own)
    unit: str  # unit code
    variable: str  # variable name
    kind: str  # NUMBER, LIST, ITEM or NEW_ITEM
    item: str  # the item's name for ITEM; "" otherwise
    meaning: str  # the variable's meaning, from the manual
    measure: str  # the variable's unit of measure
    low: Decimal | None  # the variable's min
    high: Decimal | None  # the variable's max
    previous: Decimal | tuple[Decimal, ...] | None  # the previous period's value, if any

    @property
    def key(self) -> str:
        """The row's key: owner, indicator, unit, variable, kind and item, `|`-separated and
        escaped. The owner is in it because codes repeat across owners (the deputy's IKU.8 is
        not Dit. PPSIASN's IKU.8): the key alone says which data a value goes to."""
        return "|".join(quote(p, safe=" ") for p in
                        (self.owner, self.iku, self.unit, self.variable, self.kind, self.item))

    @property
    def allowed(self) -> str:
        return allowed_text(self.low, self.high)


def parse_key(text: str) -> tuple[str, str, str, str, str, str] | None:
    """(owner, iku, unit, variable, kind, item) from a row key, or None if it is not one.

    >>> parse_key(FormRow("AK", "IKU 1", "IKU.3", "AK", "x", "item", "a|b", "", "", None, None,
    ...                   None).key)
    ('AK', 'IKU 1', 'AK', 'x', 'item', 'a|b')
    """
    parts = text.split("|")
    if len(parts) != 6 or parts[4] not in (NUMBER, LIST, ITEM, NEW_ITEM):
        return None
    owner, iku, unit, variable, kind, item = (unquote(p) for p in parts)
    return owner, iku, unit, variable, kind, item


@dataclass(frozen=True)
class Source:
    """One owner's manual revision a form asks from, as sealed in its key."""

    owner: str  # owner code
    revision: str  # label of its revision in force at the period's end
    digest: str  # manual_digest of that revision's files


@dataclass(frozen=True)
class Gap:
    """Inputs a form cannot ask: those of the indicators linked into one owner's manual, when
    that manual cannot be used for the period (none for the year, ...)."""

    owner: str  # the linked owner
    why: str  # `INTI has no manual for 2024`
    hint: str  # what to do: `iku new-revision --owner INTI`, ...
    issue: Issue  # the same as a warning at the (first) link that leads there


@dataclass(frozen=True)
class Form:
    """What `iku template` writes: the rows due and the key that seals them."""

    owner: str  # owner code
    owner_name: str  # for the title
    period: Period  # the period the values are for
    unit: str  # the one unit the form is for; "" for every unit
    numbers: str  # "id" or "en": how text cells are read (NUMBER_FORMATS)
    sources: tuple[Source, ...]  # the form owner's revision first, then each linked owner's
    previous: Period  # the period shown for reference
    rows: tuple[FormRow, ...]  # in manual order: IKU, unit, variable, item
    notes: tuple[str, ...]  # what a reader should know: rows of other owners, ...
    # inputs the form cannot ask (a linked owner without a manual for the year, ...)
    gaps: tuple[Gap, ...] = ()

    @property
    def all_notes(self) -> tuple[str, ...]:
        """The notes the form itself carries: what it cannot ask first, then the others."""
        gaps = tuple(" ".join(g.issue.message.split()) + f" ({g.hint})" for g in self.gaps)
        return gaps + self.notes

    @property
    def revision(self) -> str:
        """The label of the form owner's revision."""
        return self.sources[0].revision

    @property
    def meta(self) -> dict[str, str]:
        out = {"form": FORM_VERSION, "owner": self.owner, "period": str(self.period),
               "unit": self.unit, "numbers": self.numbers}
        for s in self.sources:
            out[REVISION + s.owner] = s.revision
            out[MANUAL + s.owner] = s.digest
        return out

    def checksum(self, positions: Sequence[int]) -> str:
        return checksum(self.meta, [(p, r.key) for p, r in zip(positions, self.rows,
                                                                strict=True)])


def sealed_keys(meta: dict[str, str]) -> list[str]:
    """The meta keys a checksum covers: the fixed ones and each owner's revision and manual."""
    return [*META_KEYS, *sorted(k for k in meta if k.startswith((REVISION, MANUAL)))]


def checksum(meta: dict[str, str], rows: Sequence[tuple[int, str]]) -> str:
    """The seal over a form's key: its meta values (each owner's revision and manual digest
    among them) and each row's position and key. Not a secret: it catches an edited key or a
    form from elsewhere, not a forger (who would still meet every check of the values against
    the manual)."""
    payload = json.dumps({"meta": {k: meta.get(k, "") for k in sealed_keys(meta)},
                          "rows": [[p, k] for p, k in rows]},
                         sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def sources_of(meta: dict[str, str]) -> list[Source]:
    """The owners' revisions a form's meta names, in its order (the form's owner first)."""
    return [Source(k[len(REVISION):], v, meta.get(MANUAL + k[len(REVISION):], ""))
            for k, v in meta.items() if k.startswith(REVISION)]


def sources_text(sources: Sequence[Source]) -> str:
    """`manual 2023-r2` for a form of one owner, `manuals SINKA 2024, INTI 2024` across owners.

    >>> sources_text([Source("SINKA", "2024", ""), Source("INTI", "2024", "")])
    'manuals SINKA 2024, INTI 2024'
    """
    if len(sources) == 1:
        return f"manual {sources[0].revision}"
    return "manuals " + ", ".join(f"{s.owner} {s.revision}" for s in sources)


def manual_digest(manual: Manual) -> str:
    """A digest of the revision's files (header and IKU files, by name and content): a form
    records it, and import refuses a form whose revision has changed since."""
    files = [Path(manual.header_file), *(Path(i.file) for i in manual.ikus)]
    lines = sorted(f"{p.parent.name}/{p.name} {hashlib.sha256(p.read_bytes()).hexdigest()}"
                   for p in files)
    return "sha256:" + hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def previous_period(period: Period) -> Period:
    """The period of the same length just before, for the reference column.

    >>> [str(previous_period(Period.parse(p))) for p in ("2024-TW1", "2023-TW3", "2024-S1",
    ...                                                    "2023-S2", "2023")]
    ['2023-TW4', '2023-TW2', '2023-S2', '2023-S1', '2022']
    """
    s = period.suffix
    if s == "Y":
        return Period(period.year - 1, "Y")
    if s.startswith("TW"):
        n = int(s[2:])
        return Period(period.year, f"TW{n - 1}") if n > 1 else Period(period.year - 1, "TW4")
    return Period(period.year, "S1") if s == "S2" else Period(period.year - 1, "S2")


def allowed_text(low: Decimal | None, high: Decimal | None) -> str:
    if low is not None and high is not None:
        return f"{fmt(low)} to {fmt(high)}"
    if low is not None:
        return f"at least {fmt(low)}"
    if high is not None:
        return f"at most {fmt(high)}"
    return "any number"


def fmt(d: Decimal) -> str:
    """A number as the data files write it: its digits, never an exponent.

    >>> fmt(Decimal("4.9E+2")), fmt(Decimal("99.890")), fmt(Decimal("-0"))
    ('490', '99.890', '0')
    """
    if d == 0:
        return "0"
    return format(d, "f")


# -- what is due ------------------------------------------------------------------------------
Data = dict[int, Dataset | None]  # an owner's datasets by year; None where one cannot be read


@dataclass
class _Block:
    """The rows of one indicator and unit in one owner's manual, and the form owner's IKUs
    they count for."""

    owner: str
    iku: Iku
    unit: str
    counts_for: list[str] = field(default_factory=list)


class _Due:
    """What a form asks, collected in the form owner's manual order: each IKU's own inputs
    and, for a unit linked to its own manual, the linked indicator's inputs in that owner's
    revision in force at the period's end (links followed on, a cycle stopped); and what it
    cannot ask, by owner and reason."""

    def __init__(self, project: Project, period: Period) -> None:
        self.project = project
        self.period = period
        self.sources: dict[str, Source] = {}
        self.blocks: dict[tuple[str, str, str], _Block] = {}
        # (owner, message, hint) -> [(the form owner's IKU, the linked indicator, the link)]
        self.gaps: dict[tuple[str, str, str], list[tuple[str, str, Link]]] = {}
        self._manuals: dict[str, tuple[Manual | None, str, str]] = {}
        self._data: dict[str, Data] = {}

    def use(self, manual: Manual) -> None:
        if manual.owner not in self.sources:
            self.sources[manual.owner] = Source(manual.owner, manual.label,
                                                manual_digest(manual))

    def add(self, manual: Manual, iku: Iku, only: str, counts_for: str,
            seen: frozenset[tuple[str, str]]) -> None:
        """The rows of `iku` of `manual` for each unit that carries it (`only` that one, when
        given), following links."""
        owner_only = iku.cascade.rollup == "owner_only"
        carriers = [manual.owner] if owner_only else [cu.unit for cu in iku.cascade.units]
        for unit in carriers:
            if only and unit != only:
                continue
            cu = None if owner_only else iku.cascade.unit(unit)
            if cu is not None and cu.link is not None:
                self.follow(cu.link, counts_for, seen)
            elif self.period.suffix in iku.schedule.measured:
                block = self.blocks.setdefault((manual.owner, iku.code, unit),
                                               _Block(manual.owner, iku, unit))
                if counts_for not in block.counts_for:
                    block.counts_for.append(counts_for)

    def follow(self, link: Link, counts_for: str, seen: frozenset[tuple[str, str]]) -> None:
        if (link.owner, link.indicator) in seen:
            return  # a cycle of links: iku validate names it; asking twice would not help
        manual, why, hint = self.manual(link.owner)
        iku = manual.iku(link.indicator) if manual is not None else None
        if manual is not None and iku is None:
            why = f"{link.indicator} is not in {link.owner}'s manual {manual.label}"
            hint = f"check the link, or {link.owner}'s manual (iku validate)"
        if manual is None or iku is None:
            self.gaps.setdefault((link.owner, why, hint), []).append(
                (counts_for, link.indicator, link))
            return
        self.use(manual)
        self.add(manual, iku, "", counts_for, seen | {(link.owner, link.indicator)})

    def manual(self, owner: str) -> tuple[Manual | None, str, str]:
        """The owner's revision in force at the period's end; or None, why and what to do."""
        if owner not in self._manuals:
            self._manuals[owner] = self._manual(owner)
        return self._manuals[owner]

    def _manual(self, owner: str) -> tuple[Manual | None, str, str]:
        year = self.period.year
        project = self.project
        if project.org.owner(owner) is None:
            return None, f"{owner} is not an owner of this organisation", \
                "check the link (iku validate)"
        if not has_manual_of(project, owner, year):
            return None, f"{owner} has no manual for {year}", \
                f"make it with iku new-revision --owner {owner}, fill its targets, then make " \
                "this form again"
        try:
            manual = project.manuals(owner, year).in_force(self.period)
        except InputError as exc:
            first = next((i for i in exc.issues if i.severity is Severity.ERROR), None)
            return None, f"{owner}'s manual for {year} cannot be used" + \
                (f": {first.as_text()}" if first else ""), \
                f"iku validate --owner {owner} names each problem"
        if manual is None:
            return None, f"no revision of {owner}'s manual for {year} is in force at the end " \
                         f"of {self.period.label}", f"check the effective dates of {owner}'s " \
                                                    f"revisions of {year}"
        return manual, "", ""

    def data(self, owner: str) -> Data:
        if owner not in self._data:
            self._data[owner] = {}
            for year in (self.period.year, self.period.year - 1):
                try:
                    self._data[owner][year] = self.project.dataset(owner, year)
                except InputError:  # an unreadable year gives no reference values, no worse
                    self._data[owner][year] = None
        return self._data[owner]


def has_manual_of(project: Project, owner: str, year: int) -> bool:
    """Whether the owner has a revision folder of `year` (`Project.revisions` falls back to
    the other years' when a year has none, for validate's sake)."""
    found = project.org.owner(owner)
    return found is not None and any(
        f.name.split("-")[0] == str(year)
        for f in revision_folders(project.org.manual_folder(found), year))


def make_form(project: Project, owner: str, period: Period, unit: str = "",
              numbers: str = "id") -> Form:
    """The form of `owner` for `period` (one unit's when `unit` is given) from the revision
    in force at the period's end, following linked units into their own manuals, with the
    previous period's values for reference."""
    if numbers not in NUMBER_FORMATS:
        raise InputError((error(f"unknown number format `{numbers}`", code="usage",
                                hint=f"one of {', '.join(NUMBER_FORMATS)}"),), EXIT_USAGE)
    manual = project.manuals(owner, period.year).in_force(period)
    if manual is None:
        raise InputError((error(f"{owner} has no manual revision in force for {period}",
                                code="usage", hint="check --period, or add that year's "
                                                   "manual (iku new-revision)"),), EXIT_USAGE)
    if unit and manual.unit(unit) is None:
        codes = [u.code for u in manual.units]
        raise InputError((error(f"unknown unit `{unit}` in {manual.owner}'s manual "
                                f"{manual.label}", code="usage",
                                hint=did_you_mean(unit, codes) or f"units: {', '.join(codes)}"),
                          ), EXIT_USAGE)
    due = _Due(project, period)
    due.use(manual)
    for iku in manual.ikus:
        due.add(manual, iku, unit, iku.code, frozenset({(manual.owner, iku.code)}))
    prev = previous_period(period)
    rows: list[FormRow] = []
    notes: list[str] = []
    for block in due.blocks.values():
        rows += _unit_rows(block, period, prev, due.data(block.owner), notes)
    notes[:0] = _linked_notes(project, due, manual)
    gaps = [_gap(owner_, why, hint, found, period)
            for (owner_, why, hint), found in due.gaps.items()]
    found = project.org.owner(owner)
    name = found.name if found is not None else owner
    return Form(manual.owner, name, period, unit, numbers, tuple(due.sources.values()), prev,
                tuple(rows), tuple(notes), tuple(gaps))


def _linked_notes(project: Project, due: _Due, manual: Manual) -> list[str]:
    """For each other owner with rows in the form: that its rows go to its own data, and
    which of its own indicators due in the period the form does not ask (they count for no
    IKU of the form's owner, and are in that owner's own form)."""
    notes: list[str] = []
    by_owner: dict[str, list[_Block]] = {}
    for block in due.blocks.values():
        if block.owner != manual.owner:
            by_owner.setdefault(block.owner, []).append(block)
    period = due.period
    for owner, blocks in by_owner.items():
        folder = display_path(project.data_folder(owner, period.year))
        listed = ", ".join(f"{b.iku.code} for {' and '.join(b.counts_for)}" for b in blocks)
        notes.append(f"The rows of owner {owner} are its own indicators ({listed}): "
                     f"{manual.owner}'s IKUs named beside them take their value from them "
                     f"(linked), and they are written to {owner}'s data, {folder}.")
        theirs, _, _ = due.manual(owner)
        asked = {b.iku.code for b in blocks}
        others = [i.code for i in theirs.ikus if i.code not in asked and
                  period.suffix in i.schedule.measured] if theirs is not None else []
        if others:
            one = len(others) == 1
            notes.append(f"{owner}'s own {', '.join(others)} {'is' if one else 'are'} due for "
                         f"{period.label} too and {'counts' if one else 'count'} for no IKU of "
                         f"{manual.owner}: {'it is' if one else 'they are'} in {owner}'s own "
                         f"form (iku template --owner {owner} --period {period}).")
    return notes


def _gap(owner: str, why: str, hint: str, found: list[tuple[str, str, Link]],
         period: Period) -> Gap:
    """What a form cannot ask, with a warning at the (first) link that leads there. Without
    the owner's manual the form cannot even tell which of these its schedules want in the
    period: it names them all."""
    listed = ", ".join(f"{indicator} (for {counts_for})" for counts_for, indicator, _ in found)
    return Gap(owner, why, hint, warning(
        f"{why}, so this form cannot ask the inputs of {listed} for {period.label}: they are "
        "not in it", found[0][2].location, hint=hint, unit=owner, period=str(period),
        code="form-link"))


def _entry(data: Data, iku: str, unit: str, period: Period) -> Entry | None:
    ds = data.get(period.year)
    return ds.entry(iku, unit, period) if ds is not None else None


def _item_names(data: Data, iku: str, unit: str, variable: str, period: Period) -> list[str]:
    """The item names of the latest entry of this unit and IKU at or before `period` (this
    period's own first: a form made again for a period with data shows its items)."""
    found: list[tuple[Period, Items]] = []
    for year in (period.year, period.year - 1):
        ds = data.get(year)
        for e in ds.entries if ds is not None else ():
            value = e.values().get(variable)
            if e.iku == iku and e.unit == unit and isinstance(value, Items) \
                    and e.period.end <= period.end:
                found.append((e.period, value))
    if not found:
        return []
    found.sort(key=lambda pv: (pv[0].end, -pv[0].order()))
    return [name for name, _ in found[-1][1].pairs]


def _unit_rows(block: _Block, period: Period, prev: Period, data: Data, notes: list[str]
               ) -> list[FormRow]:
    rows: list[FormRow] = []
    iku, unit = block.iku, block.unit
    before = _entry(data, iku.code, unit, prev)
    previous = before.values() if before is not None else {}
    counts_for = ", ".join(block.counts_for)
    for name in needed_variables(iku, unit):
        var = iku.variable(name)
        assert var is not None, name
        old = previous.get(name)

        def row(kind: str, item: str = "", value: object = None, v: Variable = var) -> FormRow:
            shown = value if isinstance(value, Decimal | tuple) else None
            return FormRow(block.owner, iku.code, counts_for, unit, v.name, kind, item,
                           " ".join(v.meaning.split()), v.unit, v.min, v.max, shown)

        if var.kind == "items":
            names = _item_names(data, iku.code, unit, name, period)
            olds = dict(old.pairs) if isinstance(old, Items) else {}
            rows += [row(ITEM, n, olds.get(n)) for n in names]
            if not names:
                notes.append(f"{block.owner} {iku.code} {unit} {name}: no earlier data names its"
                             " items; type each item's name in the Item column and its value "
                             "beside it")
            rows += [row(NEW_ITEM) for _ in range(SPARE_ITEM_ROWS if names else OPEN_ITEM_ROWS)]
        elif var.kind == "list":
            rows.append(row(LIST, "", old))
        else:
            rows.append(row(NUMBER, "", old))
    return rows


# -- reading cells ----------------------------------------------------------------------------
class CellProblem(Exception):
    """A cell that cannot be read as what its row needs."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


_ID_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$")
_EN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_POINT_DECIMAL = re.compile(r"^[+-]?\d+\.\d+$")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def parse_number(raw: object, numbers: str, number_format: str = "General") -> Decimal | None:
    """A cell's number, exactly; None for an empty cell. `numbers` is the form's declared
    format for text cells; `number_format` the spreadsheet's format of the cell.

    >>> parse_number("1.234,5", "id"), parse_number(99.89, "en"), parse_number(490.0, "id")
    (Decimal('1234.5'), Decimal('99.89'), Decimal('490'))
    >>> parse_number("99,89", "en")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    engine.forms.CellProblem: `99,89` has a comma, and this form reads numbers as 1234.5 ...
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise CellProblem("a yes/no value, not a number", "type the number")
    if isinstance(raw, dt.datetime | dt.date | dt.time | dt.timedelta):
        raise CellProblem("a date or time, not a number (the spreadsheet read what was typed "
                          "as a date)", "type the number, in a cell formatted as General")
    if isinstance(raw, int | float | Decimal):
        if "%" in number_format:
            raise CellProblem("the cell is formatted as a percentage: a spreadsheet stores "
                              "90% as 0.9", "type the number itself (90) in a cell formatted "
                              "as General; the unit of measure is in the manual")
        if isinstance(raw, int):
            return Decimal(raw)
        if isinstance(raw, Decimal):
            if not raw.is_finite():
                raise CellProblem(f"`{raw}` is not a finite number")
            return raw
        return _from_float(raw)
    text = _SPACES.sub(" ", str(raw)).strip()
    if not text:
        return None
    if text.startswith("="):
        raise CellProblem(f"a formula `{text}`, not a value", "type the value itself (copy "
                                                              "the cell, paste as values)")
    if "%" in text:
        raise CellProblem(f"`{text}` has a percent sign", f"type {text.replace('%', '').strip()}"
                          ": the unit of measure is in the manual, not in the cell")
    compact = text.replace(" ", "")
    if numbers == "id":
        if _ID_NUMBER.match(compact):
            return Decimal(compact.replace(".", "").replace(",", "."))
        if _POINT_DECIMAL.match(compact):
            raise CellProblem(f"`{text}` has a decimal point, and this form reads numbers as "
                              f"{NUMBER_FORMATS['id']}",
                              f"write {compact.replace('.', ',')}")
    else:
        if _EN_NUMBER.match(compact):
            return Decimal(compact)
        if "," in compact and re.match(r"^[+-]?[\d.,]+$", compact):
            raise CellProblem(f"`{text}` has a comma, and this form reads numbers as "
                              f"{NUMBER_FORMATS['en']}",
                              "write the decimals after a point and no thousands separators "
                              "(99.89, 3830956836), or make the form with --numbers id")
    raise CellProblem(f"`{text}` is not a number", "type a number in the form's format: "
                                                   f"{NUMBER_FORMATS[numbers]}")


def _from_float(raw: float) -> Decimal:
    """The number a person typed, from the double a spreadsheet stored: the shortest decimal
    that reads back as the same double (`repr`), which is what was typed whenever it had at
    most 15 significant digits; more than that means a computed value, refused."""
    try:
        d = Decimal(repr(raw))
    except InvalidOperation:
        d = Decimal("NaN")
    if not d.is_finite():
        raise CellProblem(f"`{raw}` is not a finite number")
    if d == d.to_integral_value():
        return Decimal(int(d))
    digits = len(d.normalize().as_tuple().digits)
    if digits > FLOAT_DIGITS:
        raise CellProblem(f"`{raw!r}` has {digits} significant digits, more than a spreadsheet "
                          f"keeps ({FLOAT_DIGITS}): it looks computed, not typed",
                          "round it to the decimals the source gives (for example with "
                          "ROUND), or type the value")
    return d


def parse_list(raw: object, numbers: str, number_format: str = "General"
               ) -> tuple[Decimal, ...] | None:
    """A list in one cell: numbers separated by `;`.

    >>> parse_list("90; 85,5; 100", "id")
    (Decimal('90'), Decimal('85.5'), Decimal('100'))
    """
    if not isinstance(raw, str):
        one = parse_number(raw, numbers, number_format)
        return None if one is None else (one,)
    if not raw.strip():
        return None
    out: list[Decimal] = []
    for n, part in enumerate(raw.split(LIST_SEPARATOR), start=1):
        try:
            value = parse_number(part, numbers)
        except CellProblem as exc:
            raise CellProblem(f"element {n} of the list: {exc.message}", exc.hint) from None
        if value is None:
            raise CellProblem(f"element {n} of the list is empty",
                              f"separate the numbers with `{LIST_SEPARATOR}`, one between two")
        out.append(value)
    return tuple(out)


_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029" + _BIDI + "]")


def cell_text(raw: object) -> str:
    """Evidence, a note or an item name as text; a number or date typed there is kept as
    typed, as far as the cell shows it."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        text = "true" if raw else "false"
    elif isinstance(raw, float):
        text = fmt(_from_float(raw))
    elif isinstance(raw, dt.datetime) and raw.time() == dt.time():
        text = raw.date().isoformat()
    elif isinstance(raw, dt.date | dt.datetime | dt.time):
        text = raw.isoformat()
    else:
        text = str(raw)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    bad = _BAD_TEXT.search(text)
    if bad:
        raise CellProblem(f"a control or bidirectional character U+{ord(bad.group()):04X} in "
                          "the text", "remove it; it is invisible and usually pasted by "
                                      "accident")
    return text


# -- a filled form, as read from a file ---------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    address: str  # `Form!I7`: the sheet and cell a person finds it at
    value: object  # as the file holds it: str, int, float, datetime, bool or None
    number_format: str = "General"  # the spreadsheet's format of the cell (XLSX)
    formula: bool = False  # the cell holds a formula (XLSX)
    error: bool = False  # the cell holds an error value such as #DIV/0! (XLSX)


@dataclass
class FilledRow:
    position: int  # the row's position, as sealed in the key
    key: str  # its key (FormRow.key)
    cells: dict[str, Cell]  # by column name


@dataclass
class FilledForm:
    """A filled form as read from an XLSX or CSV file, before any check."""

    shown: str  # the file, as the user would type it
    meta: dict[str, str]  # the key's meta values, and `checksum`
    rows: list[FilledRow]  # in order
    stray: list[Cell] = field(default_factory=list)  # content outside the form's rows


def column_letter(n: int) -> str:
    """Spreadsheet column name of the 1-based column `n`.

    >>> column_letter(1), column_letter(11), column_letter(28)
    ('A', 'K', 'AB')
    """
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


# -- CSV --------------------------------------------------------------------------------------
def csv_text(form: Form) -> str:
    """The form as CSV: meta lines `#name;value`, then a header whose first column `#key`
    holds each row's key, then one line per row. `;` separates fields in the Indonesian
    format (the decimal comma needs it, and Indonesian spreadsheets use it), `,` otherwise."""
    delimiter = ";" if form.numbers == "id" else ","
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    positions = list(range(1, len(form.rows) + 1))
    w.writerow([MAGIC, FORM_VERSION])
    for k, v in list(form.meta.items())[1:]:
        w.writerow([f"#{k}", v])
    w.writerow(["#checksum", form.checksum(positions)])
    w.writerow(["#numbers are", NUMBER_FORMATS[form.numbers]])
    for note in form.all_notes:
        w.writerow(["#note", _safe(note)])
    w.writerow(["#key", *headers(form)])
    for row in form.rows:
        w.writerow([row.key, *(_safe(v) for v in row_texts(form, row))])
    return buf.getvalue()


def headers(form: Form) -> list[str]:
    labels = {"for": f"{form.owner} IKU", "previous": f"Previous ({form.previous.label})",
              "value": f"Value ({form.period.label})"}
    return [labels.get(name, header) for name, header in COLUMNS]


def row_texts(form: Form, row: FormRow) -> list[str]:
    """A row's cells as CSV text, in the form's number format."""
    prev = row.previous
    if isinstance(prev, tuple):
        shown = f"{LIST_SEPARATOR} ".join(number_text(v, form.numbers) for v in prev)
    else:
        shown = number_text(prev, form.numbers) if prev is not None else ""
    return [row.owner, row.iku, row.counts_for, row.unit, row.variable, row.item, row.meaning,
            row.measure, row.allowed, shown, "", "", ""]


def number_text(d: Decimal, numbers: str) -> str:
    """A number as text in the form's format.

    >>> number_text(Decimal("1234.5"), "id"), number_text(Decimal("1234.5"), "en")
    ('1234,5', '1234.5')
    """
    text = fmt(d)
    return text.replace(".", ",") if numbers == "id" else text


def _safe(text: str) -> str:
    """Text from a manual or data file as a CSV cell that a spreadsheet shows as text: a
    leading =, +, - or @ would make it a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def read_csv(path: Path, shown: str) -> FilledForm:
    """A filled CSV form. Raises InputError when the file is not one."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError((error(f"{shown} is not UTF-8 text", code="form-file",
                                hint="save it as CSV UTF-8 (the spreadsheet's `CSV UTF-8` "
                                     "type)"),)) from None
    first = text.split("\n", 1)[0]
    if not first.startswith(MAGIC) or len(first) <= len(MAGIC) or \
            first[len(MAGIC)] not in ",;\t":
        raise InputError((error(f"{shown} is not a form made by iku template (its first line "
                                f"should begin with `{MAGIC}`)", code="form-file"),))
    delimiter = first[len(MAGIC)]
    sheet = Path(shown).stem
    meta: dict[str, str] = {"form": ""}
    rows: list[FilledRow] = []
    stray: list[Cell] = []
    names = [name for name, _ in COLUMNS]
    in_table = False
    for number, record in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter),
                                    start=1):
        cells = [c for c in record]
        if not any(c.strip() for c in cells):
            continue
        head = cells[0].strip()
        if not in_table:
            if head == MAGIC:
                meta["form"] = cells[1].strip() if len(cells) > 1 else ""
            elif head == "#key":
                in_table = True
            elif head.startswith("#"):
                meta.setdefault(head[1:], cells[1].strip() if len(cells) > 1 else "")
            continue
        if not head:
            stray += [Cell(f"{sheet}!{column_letter(i)}{number}", c)
                      for i, c in enumerate(cells, start=1) if c.strip()][:1]
            continue
        by_name = {name: Cell(f"{sheet}!{column_letter(i + 2)}{number}",
                              _unsafe(cells[i + 1]) if i + 1 < len(cells) else "")
                   for i, name in enumerate(names)}
        extra = [Cell(f"{sheet}!{column_letter(i)}{number}", c)
                 for i, c in enumerate(cells, start=1) if i > len(names) + 1 and c.strip()]
        stray += extra[:1]
        rows.append(FilledRow(len(rows) + 1, head, by_name))
    if not in_table:
        raise InputError((error(f"{shown} has no `#key` header line: not a form made by iku "
                                "template, or its header was removed", code="form-file"),))
    return FilledForm(shown, meta, rows, stray)


def _unsafe(text: str) -> str:
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text
