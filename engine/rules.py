"""The rules a manual can declare, one table per kind: how a longer period is formed from
the periods inside it, how an owner's figure is formed from its units', and how the NSS,
NKP and NPSS roll up.

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

from engine.formula import Formula, FormulaError

Values = Sequence[Decimal]


# Which of the measured periods inside a longer period an aggregate reads (Rule.parts).
EVERY = "every"  # each one; all are needed
LATEST = "latest"  # the latest one only; it is needed
LATEST_KNOWN = "latest_known"  # the latest one that has data; later ones without are passed over


@dataclass(frozen=True)
class Rule:
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
