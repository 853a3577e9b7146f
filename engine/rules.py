"""The rules a manual can declare, one table per kind: how a longer period is formed from
the periods inside it, how an owner's figure is formed from its units', how capaian is
computed for each polarity and target (a number or a range), and how the NSS, NKP and NPSS
roll up.

Each rule is one row: its name (what the manual writes), a sentence that the docs and
`iku explain` show, and its arithmetic. The schemas' enums, the evaluation, `explain` and
docs/scoring.md all read these tables (tests/test_docs.py keeps the schemas and the docs
in step with them), so a new rule is one new row here: a rule the manual declares but the
code never reads cannot exist.

Every rule combines published (rounded) values; see docs/scoring.md for where rounding
happens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from engine.formula import Formula, FormulaError, fmt_exact
from engine.model import Range, TargetValue

Values = Sequence[Decimal]


# Which of the measured periods inside a longer period an aggregate reads (Rule.parts).
EVERY = "every"  # each one; all are needed
LATEST = "latest"  # the latest one only; it is needed
LATEST_KNOWN = "latest_known"  # the latest one that has data; later ones without are passed over


@dataclass(frozen=True)
class Rule:
    """A named way of combining values: an aggregate over periods or a roll-up."""

    name: str  # as the manual writes it
    summary: str  # one sentence for docs and explanations
    combine: Callable[[Values, Values], Decimal] | None  # (values, weights) -> value;
    # None where the rule is not arithmetic (a formula written in the manual, owner_only)
    needs_weights: bool = False  # every part must carry a weight
    parts: str = EVERY  # for aggregates: which periods inside it the rule reads


def _mean(values: Values, weights: Values) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def _sum(values: Values, weights: Values) -> Decimal:
    return sum(values, Decimal(0))


def _weighted(values: Values, weights: Values) -> Decimal:
    total = sum(weights, Decimal(0))
    if total == 0:
        raise FormulaError("the weights sum to zero")
    return sum((v * w for v, w in zip(values, weights, strict=True)), Decimal(0)) / total


def _last(values: Values, weights: Values) -> Decimal:
    return values[-1]


def _min(values: Values, weights: Values) -> Decimal:
    return min(values)


def _max(values: Values, weights: Values) -> Decimal:
    return max(values)


def _table(*rules: Rule) -> dict[str, Rule]:
    return {r.name: r for r in rules}


# schedule.aggregate: a longer period (semester, year) from the measured periods inside it.
AGGREGATES = _table(
    Rule("last", "the latest measured period inside it (a cumulative or point-in-time "
                 "figure); only that period is needed", _last, parts=LATEST),
    Rule("take_last_known", "the latest measured period inside it that has data (a "
                            "cumulative or point-in-time figure); later periods without data "
                            "are passed over, and none with data is no data", _last,
         parts=LATEST_KNOWN),
    Rule("mean", "the mean of every measured period inside it; each one is needed", _mean),
    Rule("sum", "the sum of every measured period inside it; each one is needed", _sum),
    Rule("formula", "the manual's `aggregate_formula` over `values` (every measured period "
                    "inside it, in calendar order)", None),
)

# cascade.rollup: the owner's realisasi from its contributing units' published values.
CASCADE = _table(
    Rule("mean", "the mean of the units' values", _mean),
    Rule("sum", "the sum of the units' values", _sum),
    Rule("min", "the smallest of the units' values", _min),
    Rule("max", "the largest of the units' values", _max),
    Rule("weighted_mean", "the mean of the units' values weighted by each unit's `weight`",
         _weighted, needs_weights=True),
    Rule("formula", "the manual's `rollup_formula` over `values` and `weights`", None),
    Rule("owner_only", "measured at the owner's level from its own data; no units", None),
)

# scoring.rollup.nss: an objective's NSS from its scored IKUs' rounded capaian.
NSS = _table(
    Rule("mean", "NSS = the mean of the rounded capaian of the objective's scored IKUs",
         _mean),
    Rule("weighted_mean", "NSS = the mean of the rounded capaian of the objective's scored "
                          "IKUs, weighted by the objective's `weights` (re-normalised over "
                          "the scored ones)", _weighted, needs_weights=True),
)

# scoring.rollup.nkp: a perspective's NKP from its objectives' rounded NSS and its weight.
NKP = _table(
    Rule("weight_x_mean_nss", "NKP = perspective weight / 100 x the mean of its scored "
                              "objectives' rounded NSS", _mean),
    Rule("weight_x_weighted_nss", "NKP = perspective weight / 100 x the mean of its scored "
                                  "objectives' rounded NSS weighted by each objective's "
                                  "`weight`", _weighted, needs_weights=True),
)

# scoring.rollup.npss: the NPSS from the rounded NKPs.
NPSS = _table(
    Rule("sum_nkp", "NPSS = the sum of the rounded NKPs", _sum),
)

# scoring.rollup.empty: what a period does with a perspective none of whose objectives has a
# scored IKU (every IKU not due, or without a target, in that period). Objectives without a
# scored IKU are left out of their perspective's mean under every choice.
EMPTY = _table(
    Rule("leave_out", "left out: the NPSS is the sum of the scored perspectives' NKPs, so a "
                      "period where only some perspectives are scored has a smaller NPSS",
         None),
    Rule("renormalise", "left out, and the scored perspectives' weights re-normalised to 100: "
                        "NPSS = sum of their NKPs x 100 / sum of their weights", None),
)

# polarity: which of the manual's two capaian formulas (scoring.capaian.higher_is_better and
# .lower_is_better, each over `realisasi` and a single-number `target`) a figure gets, and
# which number it reads as `target`. A range target never reaches a formula: below the range
# the formula reads its lower bound, above it its upper bound, and inside it the target is
# met (capaian MET). That is PermenPANRB 8/2021's rule for range targets, for both of its
# formulas (docs/scoring.md); stabilize applies one formula on each side of its range.
MET = Decimal(100)  # capaian of a realisasi inside its range target, bounds included

INSIDE, BELOW, ABOVE, SINGLE = "inside", "below", "above", "single"


@dataclass(frozen=True)
class Polarity:
    """Whether a higher or a lower realisasi is better, and how it is scored."""

    name: str  # as the manual writes it (`polarity:` of an IKU)
    summary: str  # one sentence for docs and explanations
    single: str | None  # the formula against a single-number target; None: a range is needed
    below: str  # the formula below a range target, against its lower bound (`from`)
    above: str  # the formula above a range target, against its upper bound (`to`)


@dataclass(frozen=True)
class Bound:
    """What one realisasi is scored against: the case, the formula and the single number it
    reads as `target`, and why, for `iku explain`."""

    case: str  # single, below, inside or above
    formula: str | None  # a scoring.capaian key; None inside a range (capaian is MET)
    target: Decimal | None  # the number the formula reads as `target`; None inside a range
    why: str  # one sentence: which bound and why


POLARITIES: dict[str, Polarity] = {p.name: p for p in (
    Polarity("higher_is_better", "a higher realisasi is better: the higher_is_better formula "
                                 "against the target, or against a range's lower bound below "
                                 "it and its upper bound above it; inside a range the target is "
                                 "met", "higher_is_better", "higher_is_better",
             "higher_is_better"),
    Polarity("lower_is_better", "a lower realisasi is better: the lower_is_better formula "
                                "against the target, or against a range's lower bound below it "
                                "and its upper bound above it; inside a range the target is met",
             "lower_is_better", "lower_is_better", "lower_is_better"),
    Polarity("stabilize", "best inside a range target, worse on either side: below it the "
                          "higher_is_better formula against its lower bound, above it the "
                          "lower_is_better formula against its upper bound, inside it the "
                          "target is met; needs a range target", None, "higher_is_better",
             "lower_is_better"),
)}


def choose_bound(polarity: Polarity, realisasi: Decimal, target: TargetValue) -> Bound:
    """The case, formula and single number a realisasi is scored with.

    >>> hib, lib = POLARITIES["higher_is_better"], POLARITIES["lower_is_better"]
    >>> band = Range(Decimal(80), Decimal(90))
    >>> for r in (70, 92, 90):
    ...     b = choose_bound(hib, Decimal(r), band)
    ...     print(b.case, b.formula, b.target)
    below higher_is_better 80
    above higher_is_better 90
    inside None None
    >>> choose_bound(lib, Decimal("6.5"), Range(Decimal(7), Decimal(8))).why
    '6.5 is below the range 7–8: scored against its lower bound 7 with the lower_is_better formula'
    >>> choose_bound(POLARITIES["stabilize"], Decimal(3), Decimal(3))
    Traceback (most recent call last):
    ...
    engine.formula.FormulaError: a stabilize IKU needs a range target, not the single number 3
    """
    if not isinstance(target, Range):
        if polarity.single is None:  # refused when the manual loads; a guard for other callers
            raise FormulaError(f"a {polarity.name} IKU needs a range target, not the single "
                               f"number {fmt_exact(target)}")
        return Bound(SINGLE, polarity.single, target, f"a single target: the "
                                                      f"{polarity.single} formula against it")
    shown = fmt_exact(realisasi)
    if realisasi < target.low:
        return Bound(BELOW, polarity.below, target.low,
                     f"{shown} is below the range {target}: scored against its lower bound "
                     f"{fmt_exact(target.low)} with the {polarity.below} formula")
    if realisasi > target.high:
        return Bound(ABOVE, polarity.above, target.high,
                     f"{shown} is above the range {target}: scored against its upper bound "
                     f"{fmt_exact(target.high)} with the {polarity.above} formula")
    return Bound(INSIDE, None, None, f"{shown} lies within the range {target} (bounds "
                                     f"included): the target is met, capaian {MET}")


KINDS: dict[str, dict[str, Rule]] = {
    "aggregate": AGGREGATES, "cascade": CASCADE, "nss": NSS, "nkp": NKP, "npss": NPSS,
    "empty": EMPTY,
}


def apply(rule: Rule, values: Values, weights: Values = (),
          formula: Formula | None = None) -> Decimal:
    """The rule's value over `values`; a FormulaError when it cannot be formed."""
    if not values:
        raise FormulaError("no values to combine")
    if rule.combine is not None:
        if rule.needs_weights and len(weights) != len(values):
            raise FormulaError(f"{rule.name} needs a weight for each of the {len(values)} values")
        return rule.combine(values, weights)
    if formula is not None:
        return formula.evaluate({"values": tuple(values), "weights": tuple(weights)})
    raise FormulaError(f"rule {rule.name} has no arithmetic here")
