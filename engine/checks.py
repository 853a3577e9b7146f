"""`iku check`: the inspectorate's recommendations as rules, run on one owner's year.

Each rule is a row of engine.checkrules.RULES and a function here; a finding is an `Issue`
whose `code` is the rule's id, at the file and line it concerns (the target entry, the data
entry), with the recommendation it implements in its message and a hint. Settings come from
the table's defaults, organisation.yaml's `checks:` and the `checks:` of the manual a
finding concerns; a rule turned off there is not run for that manual.

The previous year's realisasi (recommendation 2) is the figure recomputed from the owner's
data of that year when there is any, otherwise the realisasi printed in that year's
reported.yaml; each finding says which.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from engine.checkrules import RULES, Effective, effective
from engine.codes import file_stem
from engine.dataset import load_reported
from engine.errors import EXIT_USAGE, InputError, Issue, Location, Severity, error
from engine.evaluate import Evaluator
from engine.functions import round_half_up
from engine.manual import ManualSet
from engine.model import CheckSetting, Iku, Manual, Range, Target, TargetValue
from engine.periods import SUFFIXES, Period
from engine.printed import PrintedFigures
from engine.project import Project
from engine.rules import AGGREGATES, apply
from engine.values import needed_variables


@dataclass(frozen=True)
class CheckResult:
    owner: str  # owner code
    year: int  # the year checked: its manuals' targets and its data
    as_of: Period | None  # data up to this period only, when given
    findings: tuple[Issue, ...]  # every finding, by file and line
    ran: tuple[tuple[str, str], ...]  # (rule id, what it looked at) for each rule run
    skipped: tuple[tuple[str, str], ...]  # (rule id, why not) for each rule not run
    problems: tuple[Issue, ...] = ()  # the data's own problems (`iku validate` lists them)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)


@dataclass
class _Context:
    project: Project
    owner: str
    year: int
    as_of: Period | None
    manuals: ManualSet  # the owner's revisions of `year`
    project_settings: tuple[CheckSetting, ...]
    forced: frozenset[str] = frozenset()  # rules named on the command line: run wherever
    notes: dict[str, str] = field(default_factory=dict)  # rule id -> what it looked at
    _previous: list[_Comparison] | None = None

    def settings(self, rule: str, manual: Manual) -> Effective:
        found = effective(rule, self.project_settings, manual.checks)
        if rule in self.forced and not found.enabled:
            return dataclasses.replace(found, enabled=True, decided_at="the command line")
        return found

    @property
    def manual(self) -> Manual:
        """The revision in force at the year's end: the year's performance agreement."""
        found = self.manuals.in_force(Period.of(self.year, "Y"))
        assert found is not None
        return found


def _fmt(x: TargetValue) -> str:
    if isinstance(x, Range):
        return f"{_fmt(x.low)}–{_fmt(x.high)}"
    text = f"{x:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _end(value: TargetValue, best: bool, higher: bool) -> Decimal:
    """A target as one number for a comparison in one direction: a range by its best end
    (the one a "below last year" question is about) or its least demanding one (for "far
    above")."""
    if not isinstance(value, Range):
        return value
    return value.high if best == higher else value.low


# -- recommendation 2: the target against the previous year's realisasi -----------------------
@dataclass(frozen=True)
class _Comparison:
    iku: Iku  # in the year's manual
    unit: str  # the owner, or a unit with its own target
    target: Target  # the year's target entry
    previous: Decimal  # the previous year's realisasi, published
    source: str  # where that comes from


def _previous_figures(ctx: _Context) -> list[_Comparison]:
    """Every target of the year beside the previous year's realisasi, where there is one."""
    if ctx._previous is not None:
        return ctx._previous
    prev = ctx.year - 1
    manual = ctx.manual
    ev: Evaluator | None = None
    if prev in ctx.project.data_years(ctx.owner):
        try:
            ev = ctx.project.evaluator(ctx.owner, prev)
        except InputError:
            ev = None  # that year's manual cannot be used: the printed figures still can
    folder = ctx.project.data_folder(ctx.owner, prev)
    printed = PrintedFigures(load_reported(folder))
    out: list[_Comparison] = []
    lacking: list[str] = []
    changed: list[str] = []
    for iku in manual.ikus:
        units = [manual.owner] + [cu.unit for cu in iku.cascade.units
                                  if any(t.year == ctx.year for t in cu.targets)]
        for unit in units:
            target = iku.target(ctx.year, unit)
            if target is None or not isinstance(target.value, Decimal):
                continue  # a target that is not one number has no side of a figure
            before = ev.manual_for(Period.of(prev, "Y")) if ev is not None else None
            before_iku = before.iku(iku.code) if before is not None else None
            if before_iku is not None and before_iku.unit_of_measure != iku.unit_of_measure:
                if unit == manual.owner:
                    changed.append(f"{iku.code} ({before_iku.unit_of_measure} to "
                                   f"{iku.unit_of_measure})")
                continue
            value, source = None, ""
            if ev is not None and before_iku is not None:
                fig = ev.figure(iku.code, unit, Period.of(prev, "Y"))
                if fig.realisasi is not None:
                    value, source = fig.realisasi, f"recomputed from {ev.data.folder}"
            if value is None:
                r = printed.one("realisasi", iku.code, unit, Period.of(prev, "Y"))
                if r is not None:
                    value, source = r.value, f"printed, {r.where}, at {r.location}"
            if value is None:
                lacking.append(iku.code if unit == manual.owner else f"{iku.code} {unit}")
                continue
            out.append(_Comparison(iku, unit, target, value, source))
    sources = sorted({c.source.split(",")[0] for c in out})
    note = (f"the {ctx.year} targets of manual {manual.label} against the {prev} realisasi "
            f"({'; '.join(sources) or 'none found'})")
    if lacking:
        note += f"; no {prev} realisasi for {', '.join(lacking)}"
    if changed:
        note += f"; not comparable, the unit of measure changed: {', '.join(changed)}"
    ctx.notes["previous"] = note
    ctx._previous = out
    return out


def _target_issue(ctx: _Context, c: _Comparison, rule: str, message: str, hint: str
                  ) -> Issue | None:
    s = ctx.settings(rule, ctx.manual)
    if not s.enabled:
        return None
    unit = "" if c.unit == ctx.manual.owner else c.unit
    if c.target.reason:
        reason = " ".join(c.target.reason.split())
        return Issue(Severity.INFO, f"{message}; stated reason: {reason}", c.target.location,
                     "", c.iku.code, unit, str(ctx.year), rule)
    return Issue(s.severity, f"{message} ({s.rule.cites})", c.target.location, hint, c.iku.code,
                 unit, str(ctx.year), rule)


def _below_previous(ctx: _Context) -> Iterable[Issue]:
    for c in _previous_figures(ctx):
        margin = ctx.settings("target-below-previous", ctx.manual).number("margin")
        if c.iku.polarity not in ("higher_is_better", "lower_is_better"):
            continue  # a stabilize band has no "below": its target is where it should stay
        higher = c.iku.polarity == "higher_is_better"
        value = _end(c.target.value, best=True, higher=higher)
        short = c.previous - value if higher else value - c.previous
        if short <= margin:
            continue
        side = "below" if higher else "above"
        message = (f"{c.iku.code} {ctx.year} target {_fmt(c.target.value)} is {side} the "
                   f"{ctx.year - 1} realisasi {_fmt(c.previous)} ({c.source}): less than was "
                   "already reached")
        hint = (f"set it to at least {_fmt(c.previous)}" if higher else
                f"set it to at most {_fmt(c.previous)}") + \
            ", or state why under `reason:` in this target entry"
        issue = _target_issue(ctx, c, "target-below-previous", message, hint)
        if issue is not None:
            yield issue
    ctx.notes["target-below-previous"] = ctx.notes["previous"]


def _far_above_previous(ctx: _Context) -> Iterable[Issue]:
    for c in _previous_figures(ctx):
        limit = ctx.settings("target-far-above-previous", ctx.manual).number("percent")
        if c.iku.polarity not in ("higher_is_better", "lower_is_better"):
            continue
        higher = c.iku.polarity == "higher_is_better"
        if c.previous <= 0:
            continue  # no relative step from nothing
        value = _end(c.target.value, best=False, higher=higher)
        step = (value - c.previous) if higher else (c.previous - value)
        percent = step / c.previous * 100
        if step <= 0 or percent <= limit:
            continue
        side = "above" if higher else "below"
        message = (f"{c.iku.code} {ctx.year} target {_fmt(c.target.value)} is "
                   f"{round_half_up(percent, 2)} % {side} the {ctx.year - 1} realisasi "
                   f"{_fmt(c.previous)} ({c.source}), more than the {_fmt(limit)} % a target "
                   "may go without a stated reason")
        hint = ("state why under `reason:` in this target entry (what makes it reachable), or "
                "set checks: target-far-above-previous: percent")
        issue = _target_issue(ctx, c, "target-far-above-previous", message, hint)
        if issue is not None:
            yield issue
    ctx.notes["target-far-above-previous"] = ctx.notes["previous"]


# -- recommendation 5: evidence behind every figure ---------------------------------------------
def _evidence(ctx: _Context) -> Iterable[Issue]:
    rule = "figure-evidence"
    if ctx.year not in ctx.project.data_years(ctx.owner):
        ctx.notes[rule] = f"no data of {ctx.year}: nothing to check"
        return
    data = ctx.project.dataset(ctx.owner, ctx.year)
    checked = 0
    for e in data.entries:
        if ctx.as_of is not None and e.period.end > ctx.as_of.end:
            continue
        manual = ctx.manuals.in_force(e.period)
        iku = manual.iku(e.iku) if manual is not None else None
        if manual is None or iku is None:
            continue
        s = ctx.settings(rule, manual)
        if not s.enabled:
            continue
        checked += 1
        if e.evidence:
            continue
        needed = needed_variables(iku, e.unit)
        used = [i for i in e.inputs if i.name in needed]
        bare = [i.name for i in used if not i.evidence]
        if used and not bare:
            continue
        what = "the entry" + (f" or on {', '.join(bare)}" if len(used) > 1 or
                              len(bare) < len(used) else f" or on its input {bare[0]}"
                              if bare else "")
        yield Issue(s.severity, f"{e.iku} {e.unit} {e.period}: no evidence for this figure "
                    f"(none on {what}) ({s.rule.cites})", e.location,
                    "add `evidence:` with a link or document number to the entry (or to each "
                    "input)", e.iku, e.unit, str(e.period), rule)
    ctx.notes[rule] = f"{checked} data entries of {data.folder}" + \
        (f" up to {ctx.as_of.label}" if ctx.as_of is not None else "")


# -- recommendation 16: period targets follow the schedule ---------------------------------------
def _inner(iku: Iku, period: Period) -> list[Period]:
    """The measured periods whose values form `period`'s, as the engine forms them."""
    inside = [p for p in period.inside() if p != period and p.suffix in iku.schedule.measured]
    return inside[-1:] if iku.schedule.aggregate == "last" else inside


def _period_targets(ctx: _Context) -> Iterable[Issue]:
    rule = "period-targets"
    looked = 0
    for manual in ctx.manuals.for_year(ctx.year):
        s = ctx.settings(rule, manual)
        if not s.enabled:
            continue
        prec = manual.scoring.precision
        for iku in manual.ikus:
            sched = iku.schedule
            if sched.aggregate not in ("last", "mean", "sum"):
                continue  # the manual's own arithmetic (formula): nothing to hold targets to
            sets = [("", iku.target(ctx.year))] + [(cu.unit, t) for cu in iku.cascade.units
                                                   for t in cu.targets if t.year == ctx.year]
            for unit, t in sets:
                if t is None:
                    continue
                looked += 1
                yield from _target_set(iku, unit, t, ctx.year, prec, s)
    labels = ", ".join(m.label for m in ctx.manuals.for_year(ctx.year))
    ctx.notes[rule] = f"{looked} target entries of {ctx.year} in manual {labels}"


def _target_set(iku: Iku, unit: str, t: Target, year: int, prec: int, s: Effective
                ) -> Iterable[Issue]:
    sched = iku.schedule
    rule = AGGREGATES[sched.aggregate]
    label = {p: Period.of(year, p).label.rsplit(" ", 1)[0] for p in SUFFIXES}
    for suffix in (*sched.targeted, "Y"):
        whole = t.for_suffix(suffix)
        if whole is None or suffix in sched.measured:
            continue  # a measured period's value is its own entry, not an aggregate
        parts = _inner(iku, Period.of(year, suffix))
        found = [t.for_suffix(p.suffix) for p in parts]
        values = [v for v in found if isinstance(v, Decimal)]
        if not parts or not isinstance(whole, Decimal) or len(values) != len(parts):
            continue  # a part without a target (or a range): nothing to hold the whole to
        formed = round_half_up(apply(rule, values), prec)
        if formed == whole:
            continue
        names = ", ".join(f"{label[p.suffix]} {_fmt(v)}" for p, v in zip(parts, values,
                                                                          strict=True) if v)
        what = "the year's" if suffix == "Y" else f"{label[suffix]}'s"
        yield Issue(s.severity,
                    f"{iku.code} {year}: {what} target {_fmt(whole)} is not the `{rule.name}` "
                    f"of the targets of the periods that form it ({names}), which is "
                    f"{_fmt(formed)}: the schedule forms its value as {rule.summary} "
                    f"({s.rule.cites})", t.location,
                    f"make the targets agree: {what} target {_fmt(formed)}, or period targets "
                    f"whose {rule.name} is {_fmt(whole)}", iku.code, unit, str(year), s.rule.id)
    if sched.aggregate == "last" and s.flag("last_rises"):
        higher = iku.polarity == "higher_is_better"
        steps = [(p, v) for p in SUFFIXES
                 if (p in sched.targeted or p == "Y") and isinstance(v := t.for_suffix(p),
                                                                      Decimal)]
        for (a, va), (b, vb) in itertools.pairwise(steps):
            if (vb < va) if higher else (vb > va):
                way = "falls" if higher else "rises"
                yield Issue(s.severity,
                            f"{iku.code} {year}: the target {way} from {_fmt(va)} in "
                            f"{label[a]} to {_fmt(vb)} in {label[b]}, though the schedule "
                            f"takes the `last` value (a cumulative figure) ({s.rule.cites})",
                            t.location, "a cumulative target does not "
                            + ("fall" if higher else "rise") + " through the year; or turn "
                            "off checks: period-targets: last_rises for a point-in-time figure",
                            iku.code, unit, str(year), s.rule.id)
                break


# -- recommendations 11 and 18: what happened below target is written down ---------------------
_FIELDS = (("penjelasan", "the success and failure factors"),
           ("permasalahan", "the problems met"),
           ("rekomendasi", "the corrective steps"))


def _narratives(ctx: _Context) -> Iterable[Issue]:
    rule = "narrative-below-target"
    if ctx.year not in ctx.project.evaluable_years(ctx.owner):
        ctx.notes[rule] = f"no data of {ctx.year}: nothing to check"
        return
    ev = ctx.project.evaluator(ctx.owner, ctx.year)
    data = ev.data
    when = ctx.as_of or Period.of(ctx.year, "Y")
    manual = ev.manual_for(when)
    if manual is None:
        ctx.notes[rule] = f"no revision in force for {when}"
        return
    s = ctx.settings(rule, manual)
    if not s.enabled:
        return
    below = 0
    # the owner's figures and each unit's, as the report's appendices show them
    for unit in [manual.owner, *(u.code for u in manual.units if u.code != manual.owner)]:
        for row in ev.evaluate(when, unit, as_of=ctx.as_of is not None).rows:
            fig = row.figure
            if fig.group != "below":
                continue
            below += 1
            text = data.narrative(fig.iku, unit, fig.period) or \
                data.narrative(fig.iku, unit, when)
            lacking = [what for name, what in _FIELDS if not (text and getattr(text, name))]
            if not lacking:
                continue
            where = text.location if text is not None else _data_file(data.folder, fig.iku)
            field_names = [name for name, what in _FIELDS
                           if not (text and getattr(text, name))]
            yield Issue(s.severity, f"{fig.iku} {unit} {fig.period}: capaian "
                        f"{_fmt(fig.capaian or Decimal(0))} % is below target, and "
                        f"{', '.join(lacking)} are not written down ({s.rule.cites})", where,
                        f"write {', '.join(field_names)} under `narratives:` for {unit} "
                        f"{fig.period} in this file", fig.iku, unit, str(fig.period), rule)
    ctx.notes[rule] = f"{below} figures below target in {data.folder}"


def _data_file(folder: str, code: str) -> Location:
    return Location(str(Path(folder) / f"{file_stem(code)}.yaml"))


# One function per available rule of engine.checkrules.RULES (tests/test_checks.py checks).
CHECKS: dict[str, Callable[[_Context], Iterable[Issue]]] = {
    "target-below-previous": _below_previous,
    "target-far-above-previous": _far_above_previous,
    "figure-evidence": _evidence,
    "period-targets": _period_targets,
    "narrative-below-target": _narratives,
}


def check(project: Project, owner: str, year: int, as_of: Period | None = None,
          only: Sequence[str] = ()) -> CheckResult:
    """Run every rule (or those named in `only`) on `owner`'s manuals and data of `year`."""
    manuals = project.manuals(owner, year)
    if not manuals.for_year(year):
        years = ", ".join(str(y) for y in manuals.years())
        raise InputError((error(f"{owner} has no manual for {year}", code="usage",
                                hint=f"manual years: {years}"),), EXIT_USAGE)
    ctx = _Context(project, owner, year, as_of, manuals, project.org.checks, frozenset(only))
    findings: list[Issue] = []
    ran: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    for rule in RULES.values():
        if only and rule.id not in only:
            continue
        if not rule.available:
            skipped.append((rule.id, f"waits for {rule.needs}"))
            continue
        if not any(ctx.settings(rule.id, m).enabled for m in manuals.for_year(year)):
            where = ctx.settings(rule.id, ctx.manual).decided_at
            skipped.append((rule.id, f"turned off at {where}"))
            continue
        findings += CHECKS[rule.id](ctx)
        ran.append((rule.id, ctx.notes.get(rule.id, "")))
    data = project.dataset(owner, year) if year in project.data_years(owner) else None
    return CheckResult(owner, year, as_of, tuple(_in_file_order(findings)), tuple(ran),
                       tuple(skipped), data.issues if data is not None else ())


def _in_file_order(findings: list[Issue]) -> list[Issue]:
    def key(i: Issue) -> tuple[str, int, str]:
        loc = i.location or Location("")
        return (loc.file, loc.line, i.code)

    return sorted(findings, key=key)
