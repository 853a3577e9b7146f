"""The typed, immutable model of a Manual IKU. Raw YAML data stops at engine.manual;
everything past it reads these frozen dataclasses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from engine.errors import Location
from engine.formula import Formula, fmt_exact


@dataclass(frozen=True)
class Unit:
    """One unit of the owner's tree: the owner itself or a directorate below it."""

    code: str  # short code used everywhere (SINKA, INTI, ...)
    name: str  # full official name
    short_name: str  # name for tables (Dit. INTI)
    parent: str | None  # code of the unit above; None for the owner


@dataclass(frozen=True)
class Perspective:
    """A perspective of the strategy map, with its weight in the NPSS."""

    code: str  # CUSTOMER, INTERNAL, LEARNING
    name: str  # as the report writes it
    weight: Decimal  # percent of the NPSS


@dataclass(frozen=True)
class Objective:
    """A strategic objective (SS) and the IKUs that measure it."""

    code: str  # SS.1 ...
    name: str  # as the manual writes it
    perspective: str  # perspective code
    ikus: tuple[str, ...]  # IKU codes under it, in order
    weights: tuple[tuple[str, Decimal], ...] = ()  # (IKU code, weight) for a weighted NSS
    weight: Decimal | None = None  # the objective's weight for a weighted NKP
    location: Location | None = None  # where it is declared

    def iku_weight(self, code: str) -> Decimal | None:
        return next((w for c, w in self.weights if c == code), None)


@dataclass(frozen=True)
class StatusBand:
    """A status colour over a half-open range of capaian."""

    name: str  # hijau, kuning, merah
    label: str  # what it means
    low: Decimal | None  # inclusive lower bound; None for unbounded
    high: Decimal | None  # exclusive upper bound; None for unbounded

    def contains(self, x: Decimal) -> bool:
        return (self.low is None or x >= self.low) and (self.high is None or x < self.high)


@dataclass(frozen=True)
class Scoring:
    """How a manual turns realisasi into capaian, status and roll-ups."""

    precision: int  # decimals of published figures, rounded half up
    capaian_higher: Formula  # capaian when a higher realisasi is better
    capaian_lower: Formula  # capaian when a lower realisasi is better
    cap: Decimal | None  # upper limit of capaian, None for none
    bands: tuple[StatusBand, ...]  # contiguous, low to high
    nss: str  # roll-up rule of NSS, a name in engine.rules.NSS
    nkp: str  # roll-up rule of NKP, a name in engine.rules.NKP
    npss: str  # roll-up rule of NPSS, a name in engine.rules.NPSS
    empty: str  # what to do with a perspective without scored IKUs, in engine.rules.EMPTY
    rollup_at: Location | None = None  # where the roll-up rules are declared
    floor: Decimal | None = None  # lower limit of capaian, None for none
    cap_at: Location | None = None  # where `cap` is written
    floor_at: Location | None = None  # where `floor` is written

    def band(self, capaian: Decimal) -> StatusBand | None:
        return next((b for b in self.bands if b.contains(capaian)), None)

    def capaian_formula(self, key: str) -> Formula:
        """The formula `scoring.capaian.<key>` (higher_is_better or lower_is_better)."""
        return self.capaian_higher if key == "higher_is_better" else self.capaian_lower


@dataclass(frozen=True)
class Limits:
    """An IKU's own bounds on its capaian (`scoring:` in its file). Each key it writes
    overrides the manual's, null meaning none for this IKU; a key it does not write leaves
    the manual's in force."""

    cap: Decimal | None  # upper limit, None for none
    floor: Decimal | None  # lower limit, None for none
    sets_cap: bool  # whether the file writes `cap`
    sets_floor: bool  # whether the file writes `floor`
    location: Location  # where the block is written


@dataclass(frozen=True)
class Assumption:
    """A choice the manual's authors made where the source is silent."""

    id: str  # A1 ...
    text: str  # what was assumed and why
    location: Location  # where it is written


@dataclass(frozen=True)
class Revision:
    """Which revision of the year's manual this is and when it came into force."""

    label: str  # 2023-r2; also the folder name
    number: int  # 1, 2, ... within the year
    effective_from: dt.date  # first day in force
    supersedes: str | None  # label of the revision it replaces
    change_note: str  # what changed
    source: str  # where documented
    supersedes_at: Location  # where `supersedes` is written
    effective_at: Location  # where `effective_from` is written


@dataclass(frozen=True)
class Variable:
    """An input an IKU's formula reads, with its unit and valid range."""

    name: str  # name in formulas
    meaning: str  # what it measures
    unit: str  # unit of the value
    kind: str  # number, list or items
    min: Decimal | None  # smallest valid value
    max: Decimal | None  # largest valid value


@dataclass(frozen=True)
class Step:
    """A named intermediate result of an IKU's formula."""

    name: str  # A1, L1, ...
    formula: Formula  # over variables and earlier steps
    meaning: str  # what it computes
    location: Location  # where the step's formula is written


@dataclass(frozen=True)
class Schedule:
    """When an IKU is measured and targeted, and how a year's values aggregate."""

    measured: tuple[str, ...]  # period suffixes where data is collected, calendar order
    targeted: tuple[str, ...]  # period suffixes (besides the year) that carry a target
    aggregate: str  # last, mean, sum or formula
    aggregate_formula: Formula | None  # over `values` when aggregate is formula
    note: str  # the schedule in the manual's words


@dataclass(frozen=True)
class Range:
    """A target written as a range, `{from: 80, to: 90}` for the guidance's "80 - 90 %":
    met anywhere inside it, bounds included; `low` is below `high` (the loader refuses an
    empty or reversed range).

    >>> r = Range(Decimal(80), Decimal(90))
    >>> str(r), r.contains(Decimal(80)), r.contains(Decimal("90.01"))
    ('80–90', True, False)
    """

    low: Decimal  # `from`, inclusive
    high: Decimal  # `to`, inclusive

    def contains(self, x: Decimal) -> bool:
        return self.low <= x <= self.high

    def __str__(self) -> str:
        return f"{fmt_exact(self.low)}–{fmt_exact(self.high)}"


# A target: one number, or a range. Only engine.rules.choose_bound turns a range into the
# single number a capaian formula reads.
TargetValue = Decimal | Range


@dataclass(frozen=True)
class Target:
    """An IKU's target for one year, and for periods within it."""

    year: int  # calendar year
    value: TargetValue  # the year's target
    periods: tuple[tuple[str, TargetValue], ...]  # (suffix, target) within the year
    source: str  # where stated
    reason: str = ""  # why the target stands where it stands (`iku check` accepts it)
    location: Location | None = None  # where the target entry is written

    def for_suffix(self, suffix: str) -> TargetValue | None:
        if suffix == "Y":
            return self.value
        return next((v for s, v in self.periods if s == suffix), None)


def target_for(targets: tuple[Target, ...], year: int) -> Target | None:
    return next((t for t in targets if t.year == year), None)


@dataclass(frozen=True)
class CheckSetting:
    """One rule's settings from a `checks:` block (organisation.yaml or a manual's header);
    what is not set falls back to the layer below, finally to engine.checkrules.RULES."""

    rule: str  # the rule's id, a key of engine.checkrules.RULES
    enabled: bool | None  # on or off; None when not set here
    severity: str | None  # error, warning or info; None when not set here
    thresholds: tuple[tuple[str, Decimal | bool], ...]  # (name, value) set here
    location: Location  # where the rule's settings are written


@dataclass(frozen=True)
class Link:
    """A cascade unit whose value is an indicator of the unit's own manual."""

    owner: str  # owner code of the other manual (the unit itself)
    indicator: str  # indicator code in that manual
    location: Location  # where the link is written


@dataclass(frozen=True)
class CascadeUnit:
    """One unit contributing to an IKU (a row of Table 6)."""

    unit: str  # unit code
    indicator: str  # the unit's own indicator name, may be empty
    weight: Decimal  # for weighted_mean
    formula: Formula | None  # the unit's own formula, when it differs
    targets: tuple[Target, ...]  # the unit's own targets; empty means the IKU's
    link: Link | None = None  # where the value comes from when the unit's own manual has it


@dataclass(frozen=True)
class Cascade:
    """The units that contribute to an IKU and how their values roll up."""

    rollup: str  # mean, sum, min, max, weighted_mean, formula or owner_only
    rollup_formula: Formula | None  # over `values` and `weights` when rollup is formula
    units: tuple[CascadeUnit, ...]  # contributing units (Table 6)

    def unit(self, code: str) -> CascadeUnit | None:
        return next((u for u in self.units if u.unit == code), None)


@dataclass(frozen=True)
class Iku:
    """One key performance indicator as its manual defines it."""

    code: str  # IKU.8
    name: str  # exactly as the manual writes it
    objective: str  # SS code
    unit_of_measure: str  # Indeks, %, Dok, Nilai
    polarity: str  # a name in engine.rules.POLARITIES
    definition: str  # definisi operasional
    data_source: str  # where data comes from
    collection: str  # how it is collected
    variables: tuple[Variable, ...]  # declared inputs
    steps: tuple[Step, ...]  # named intermediate results
    formula: Formula  # realisasi of a unit
    schedule: Schedule  # periods
    targets: tuple[Target, ...]  # per year
    cascade: Cascade  # contributing units and roll-up
    source: str  # where stated
    assumptions: tuple[Assumption, ...]  # choices where the source is silent
    file: str  # the IKU's file
    lines: tuple[tuple[str, int], ...] = field(default=(), repr=False)  # key -> line in `file`
    limits: Limits | None = None  # its own cap and floor on capaian, when it writes them

    def loc(self, key: str = "") -> Location:
        line = dict(self.lines).get(key, 0) if key else 0
        return Location(self.file, line)

    def variable(self, name: str) -> Variable | None:
        return next((v for v in self.variables if v.name == name), None)

    def target(self, year: int, unit: str | None = None) -> Target | None:
        if unit is not None:
            cu = self.cascade.unit(unit)
            if cu is not None and cu.targets:
                own = target_for(cu.targets, year)
                if own is not None:
                    return own
        return target_for(self.targets, year)


@dataclass(frozen=True)
class Manual:
    """One revision of an owner's Manual IKU for one year."""

    owner: str  # owning unit code
    year: int  # governed year
    revision: Revision  # which revision
    units: tuple[Unit, ...]  # the unit tree, owner first
    perspectives: tuple[Perspective, ...]  # with weights
    objectives: tuple[Objective, ...]  # in report order
    scoring: Scoring  # capaian, status, roll-ups
    ikus: tuple[Iku, ...]  # in objective order
    assumptions: tuple[Assumption, ...]  # header-level choices
    folder: str  # the revision's folder
    header_file: str  # its manual.yaml
    source: str = ""  # where the structure is stated
    indicator_codes: str = "IKU.{n}"  # the form of its indicator codes (engine.codes)
    checks: tuple[CheckSetting, ...] = ()  # the header's `checks:` settings for this manual

    @cached_property
    def _ikus(self) -> dict[str, Iku]:
        return {i.code: i for i in self.ikus}

    def iku(self, code: str) -> Iku | None:
        return self._ikus.get(code)

    def unit(self, code: str) -> Unit | None:
        return next((u for u in self.units if u.code == code), None)

    def objective(self, code: str) -> Objective | None:
        return next((o for o in self.objectives if o.code == code), None)

    def perspective(self, code: str) -> Perspective | None:
        return next((p for p in self.perspectives if p.code == code), None)

    @property
    def label(self) -> str:
        return self.revision.label

    def all_assumptions(self) -> tuple[Assumption, ...]:
        return self.assumptions + tuple(a for i in self.ikus for a in i.assumptions)
