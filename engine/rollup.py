"""NSS, NKP and NPSS: the roll-up of scored figures by the rules the manual declares
(`scoring.rollup`, engine.rules).

A score is a figure only when every part it is built from is there. When a part has no
data the score is *incomplete*; when a part failed (a formula or a check on data that is
there) it is an *error*; either way it carries the value over the parts that are there
as `partial`, which is shown as such and never as the score. Parts that are not scored in
the period (no target, not due) are left out; a perspective none of whose objectives is
scored is handled by the manual's declared `empty` rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from engine.formula import FormulaError
from engine.functions import round_half_up
from engine.model import Manual, Objective, Perspective
from engine.rules import EMPTY, NKP, NPSS, NSS, Rule
from engine.scoring import Figure

OK = "ok"
INCOMPLETE = "incomplete"  # a part has no data
ERROR = "error"  # a part failed
NOT_SCORED = "not_scored"  # nothing in it is scored in the period


@dataclass(frozen=True)
class ScorePart:
    """One value that entered a score, or why it did not."""

    label: str  # what the part is: an IKU, objective or perspective code
    value: Decimal | None  # the rounded value that enters the rule (or its partial value)
    weight: Decimal | None  # its weight, where the rule weighs
    state: str  # figure, no data, error for IKUs; ok, incomplete, error for scores
    why: str  # why it has no value


@dataclass(frozen=True)
class Score:
    """An NSS, NKP, NPSS or average capaian, or why there is none."""

    level: str  # nss, nkp, npss or average
    about: str  # the objective or perspective code; "" for the whole unit
    rule: Rule  # the rule applied
    state: str  # ok, incomplete, error or not_scored
    value: Decimal | None  # the score, rounded; only when ok
    exact: Decimal | None  # before rounding; only when ok
    partial: Decimal | None  # over the parts that are there, when incomplete or error
    parts: tuple[ScorePart, ...]  # every part considered, scored or not
    why: str  # when not ok: which parts and why
    weight: Decimal | None = None  # the perspective's weight, for an NKP

    @property
    def used(self) -> tuple[ScorePart, ...]:
        """The parts that entered the rule."""
        return tuple(p for p in self.parts if p.value is not None)


@dataclass(frozen=True)
class ObjectiveScore:
    """An objective's NSS."""

    objective: Objective  # which
    score: Score  # its NSS

    @property
    def nss(self) -> Decimal | None:
        return self.score.value

    @property
    def scored(self) -> int:
        """IKUs whose capaian entered the NSS."""
        return len(self.score.used) if self.score.state == OK else 0


@dataclass(frozen=True)
class PerspectiveScore:
    """A perspective's NKP."""

    perspective: Perspective  # which
    score: Score  # its NKP
    mean_nss: Decimal | None  # the rule over its objectives' NSS, before the weight

    @property
    def nkp(self) -> Decimal | None:
        return self.score.value


def _state_of(parts: Sequence[ScorePart]) -> tuple[str, str]:
    errors = [p for p in parts if p.state == "error"]
    lacking = [p for p in parts if p.state in ("no data", INCOMPLETE)]
    if errors:
        return ERROR, "; ".join(f"{p.label}: {p.why}" for p in errors)
    if lacking:
        return INCOMPLETE, "; ".join(f"{p.label}: {p.why}" for p in lacking)
    return OK, ""


def _combine(rule: Rule, parts: Sequence[ScorePart]) -> Decimal | None:
    present = [p for p in parts if p.value is not None]
    if not present or rule.combine is None:
        return None
    weights = [p.weight if p.weight is not None else Decimal(1) for p in present]
    try:
        return rule.combine([p.value for p in present if p.value is not None], weights)
    except FormulaError:
        return None


def nss(manual: Manual, objective: Objective, figures: Sequence[Figure]) -> Score:
    """The objective's NSS from the rounded capaian of its IKUs scored in the period."""
    rule = NSS[manual.scoring.nss]
    prec = manual.scoring.precision
    parts = tuple(
        ScorePart(f.iku, f.capaian, objective.iku_weight(f.iku), f.outcome,
                  "" if f.capaian is not None else f.note)
        for f in figures if f.scored)
    if not parts:
        return Score("nss", objective.code, rule, NOT_SCORED, None, None, None, parts,
                     "no IKU of it has a target in this period")
    return _finish("nss", objective.code, rule, parts, prec)


def _finish(level: str, about: str, rule: Rule, parts: tuple[ScorePart, ...], prec: int,
            scale: Decimal = Decimal(1), weight: Decimal | None = None) -> Score:
    state, why = _state_of(parts)
    exact = _combine(rule, parts)
    if exact is not None:
        exact = exact * scale
    if state != OK:
        partial = round_half_up(exact, prec) if exact is not None else None
        return Score(level, about, rule, state, None, None, partial, parts, why, weight)
    assert exact is not None
    return Score(level, about, rule, OK, round_half_up(exact, prec), exact, None, parts, "",
                 weight)


def _score_part(label: str, s: Score, weight: Decimal | None) -> ScorePart:
    value = s.value if s.state == OK else s.partial
    return ScorePart(label, value, weight, s.state, s.why)


def nkp(manual: Manual, perspective: Perspective, objectives: Sequence[ObjectiveScore]
        ) -> PerspectiveScore:
    """The perspective's NKP: its weight / 100 x the rule over its scored objectives' NSS."""
    rule = NKP[manual.scoring.nkp]
    prec = manual.scoring.precision
    parts = tuple(_score_part(o.objective.code, o.score, o.objective.weight)
                  for o in objectives if o.objective.perspective == perspective.code
                  and o.score.state != NOT_SCORED)
    if not parts:
        score = Score("nkp", perspective.code, rule, NOT_SCORED, None, None, None, parts,
                      "no objective of it is scored in this period", perspective.weight)
        return PerspectiveScore(perspective, score, None)
    mean = _combine(rule, parts)
    score = _finish("nkp", perspective.code, rule, parts, prec, perspective.weight / 100,
                    perspective.weight)
    return PerspectiveScore(perspective, score, mean)


def npss(manual: Manual, perspectives: Sequence[PerspectiveScore]) -> Score:
    """The NPSS from the rounded NKPs, with the manual's rule for unscored perspectives."""
    rule = NPSS[manual.scoring.npss]
    empty = EMPTY[manual.scoring.empty]
    prec = manual.scoring.precision
    parts = tuple(_score_part(p.perspective.code, p.score, p.perspective.weight)
                  for p in perspectives if p.score.state != NOT_SCORED)
    if not parts:
        return Score("npss", "", rule, NOT_SCORED, None, None, None, parts,
                     "no perspective is scored in this period")
    scale = Decimal(1)
    if empty.name == "renormalise":
        scored = sum((p.weight or Decimal(0) for p in parts), Decimal(0))
        if scored:
            scale = Decimal(100) / scored
    # The sum of NKPs weighs nothing; the perspective weights are for renormalising only.
    unweighted = tuple(ScorePart(p.label, p.value, None, p.state, p.why) for p in parts)
    return _finish("npss", "", rule, unweighted, prec, scale)


def average(manual: Manual, figures: Sequence[Figure]) -> Score:
    """The mean of the rounded capaian of every scored IKU (the report's "rata-rata")."""
    rule = NSS["mean"]
    parts = tuple(ScorePart(f.iku, f.capaian, None, f.outcome,
                            "" if f.capaian is not None else f.note)
                  for f in figures if f.scored)
    if not parts:
        return Score("average", "", rule, NOT_SCORED, None, None, None, parts,
                     "no IKU has a target in this period")
    return _finish("average", "", rule, parts, manual.scoring.precision)
