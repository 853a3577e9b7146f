"""The checks `iku check` runs: the inspectorate's recommendations that a tool can check every
time a manual or its data changes, one row per rule.

The 2023 report quotes the inspectorate's evaluation (LHE) of the deputy and its 21
recommendations (LKj Deputi SINKA 2023, section 3.1 IKU.13). Some of them are rules about the
manual and the data; each such rule is one row here: its id, the recommendations it
implements with a short citation, its default severity, what it checks, its thresholds with
their defaults, and where a stated reason silences it. The checker (engine.checks), the
settings in `checks:` blocks (the schemas' `checks` properties), `iku check --list` and
--help, and docs/checks.md all read this table; tests/test_checks.py keeps the schemas and
the docs in step with it, so a setting can never name a rule or threshold the code does not
read.

Settings come in layers: the table's defaults, then organisation.yaml's `checks:` (the whole
project), then the `checks:` of the manual a finding concerns (that manual only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.errors import Severity
from engine.model import CheckSetting
from engine.yamlload import LoadedDoc

Setting = Decimal | bool


@dataclass(frozen=True)
class Threshold:
    """A setting of a check rule besides enabled and severity."""

    name: str  # the key in a `checks:` block
    default: Setting  # when no layer sets it
    summary: str  # what it sets, for the schema, --list and the docs


@dataclass(frozen=True)
class CheckRule:
    """One of the inspectorate's recommendations as a check (`iku check`)."""

    id: str  # the key in a `checks:` block and the `code` of its findings
    recommendations: tuple[int, ...]  # numbers of the LHE 2023 recommendations it implements
    citation: str  # those recommendations, shortly, in the report's words
    severity: Severity  # default severity of a finding
    summary: str  # what it checks, one sentence
    thresholds: tuple[Threshold, ...] = ()  # its settings besides enabled and severity
    reason: str = ""  # where a stated reason silences it (then shown as info); "" for nowhere
    needs: str = ""  # what it waits for, when it cannot run yet; "" when it runs

    @property
    def available(self) -> bool:
        return not self.needs

    @property
    def cites(self) -> str:
        """`LHE 2023 recommendation 11, 18`."""
        nums = ", ".join(str(n) for n in self.recommendations)
        return f"LHE 2023 recommendation {nums}"

    def threshold(self, name: str) -> Threshold:
        return next(t for t in self.thresholds if t.name == name)


def _table(*rules: CheckRule) -> dict[str, CheckRule]:
    return {r.id: r for r in rules}


RULES = _table(
    CheckRule(
        "target-below-previous", (2,),
        "target kinerja tahunan mempertimbangkan realisasi kinerja tahun sebelumnya",
        Severity.WARNING,
        "a year's target below the previous year's realisasi (above it, for lower-is-better): "
        "less than what was already reached",
        (Threshold("margin", Decimal(0), "how far below the previous year's realisasi, in "
                   "the IKU's unit of measure, a target may lie without a stated reason"),),
        reason="`reason:` in the target entry"),
    CheckRule(
        "target-far-above-previous", (2,),
        "target yang lebih tinggi dari realisasi tahun sebelumnya diberi penjelasan maupun "
        "alasan logis",
        Severity.WARNING,
        "a year's target further above the previous year's realisasi (below it, for "
        "lower-is-better) than the threshold allows",
        (Threshold("percent", Decimal(5), "how far above the previous year's realisasi, in "
                   "percent of it, a target may go without a stated reason (0: every target "
                   "above it needs one, as the recommendation's letter asks)"),),
        reason="`reason:` in the target entry"),
    CheckRule(
        "figure-evidence", (5,),
        "menyiapkan eviden/dokumen pada setiap IKU sebagai sumber data laporan kinerja",
        Severity.WARNING,
        "every data entry has `evidence` (a link or document number), on the entry or on "
        "each input its formula reads"),
    CheckRule(
        "period-targets", (16,),
        "penetapan target pada rencana aksi disesuaikan periodenya dengan periode laporan "
        "pada Manual IKU",
        Severity.WARNING,
        "period targets agree with the schedule's aggregate: a longer period's target is "
        "the aggregate (`sum`, `mean`, `last`) of the targets of the measured periods that "
        "form it",
        (Threshold("last_rises", True, "for the `last` aggregate (a cumulative figure), the "
                   "period targets must not fall through the year (not rise, for "
                   "lower-is-better)"),)),
    CheckRule(
        "narrative-below-target", (11, 18),
        "menjelaskan faktor keberhasilan maupun hambatan/kendala serta upaya perbaikannya; "
        "analisis keberhasilan/kegagalan dan upaya perbaikan per triwulan atas setiap IKU",
        Severity.WARNING,
        "a figure below its target has its success and failure factors (penjelasan, "
        "permasalahan) and the corrective steps (rekomendasi) written in the data's "
        "`narratives`"),
)


@dataclass(frozen=True)
class Effective:
    """A rule's settings after every layer."""

    rule: CheckRule  # which rule
    enabled: bool  # whether it runs
    severity: Severity  # of its findings (info for a finding a stated reason answers)
    values: tuple[tuple[str, Setting], ...]  # every threshold's value
    decided_at: str  # where `enabled` was last set: a file:line, or "default"

    def value(self, name: str) -> Setting:
        return dict(self.values)[name]

    def number(self, name: str) -> Decimal:
        v = self.value(name)
        assert isinstance(v, Decimal) and not isinstance(v, bool), name
        return v

    def flag(self, name: str) -> bool:
        v = self.value(name)
        assert isinstance(v, bool), name
        return v


def effective(rule_id: str, *layers: Sequence[CheckSetting]) -> Effective:
    """The rule's settings: its defaults, then each layer in turn (project, then manual)."""
    rule = RULES[rule_id]
    enabled, severity, decided = rule.available, rule.severity, "default"
    values = {t.name: t.default for t in rule.thresholds}
    for layer in layers:
        for s in layer:
            if s.rule != rule_id:
                continue
            if s.enabled is not None:
                enabled, decided = s.enabled and rule.available, str(s.location)
            if s.severity is not None:
                severity = Severity(s.severity)
            values.update(dict(s.thresholds))
    return Effective(rule, enabled, severity, tuple(values.items()), decided)


def read_settings(raw: Any, doc: LoadedDoc, path: tuple[Any, ...]) -> tuple[CheckSetting, ...]:
    """The `checks:` block at `path`, already checked against the schema (which the table
    generates, so every key here is a rule and every setting one of its thresholds)."""
    if not isinstance(raw, dict):
        return ()
    out = []
    for rule_id, body in raw.items():
        body = body or {}
        thresholds = tuple((k, v if isinstance(v, bool) else Decimal(v))
                           for k, v in body.items() if k not in ("enabled", "severity"))
        out.append(CheckSetting(rule_id, body.get("enabled"), body.get("severity"),
                                thresholds, doc.loc((*path, rule_id))))
    return tuple(out)


def _default_text(value: Setting) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def settings_schema(where: str) -> dict[str, Any]:
    """The JSON Schema of a `checks:` block (the `checks` property of the organisation and
    manual schemas, which tests/test_checks.py keeps equal to this)."""
    props: dict[str, Any] = {}
    for r in RULES.values():
        if not r.available:
            continue  # a setting for a rule that cannot run would be a trap
        body: dict[str, Any] = {
            "enabled": {"description": "Run this rule (default: true).", "type": "boolean"},
            "severity": {"description": f"Severity of its findings (default: "
                                        f"{r.severity.value}).",
                         "enum": [s.value for s in Severity]},
        }
        for t in r.thresholds:
            kind: dict[str, Any] = {"type": "boolean"} if isinstance(t.default, bool) else \
                {"type": "number", "minimum": 0}
            body[t.name] = {"description": f"{t.summary[0].upper()}{t.summary[1:]} "
                                           f"(default: {_default_text(t.default)}).", **kind}
        props[r.id] = {
            "description": f"{r.cites}: {r.summary}.",
            "type": "object", "additionalProperties": False, "properties": body,
        }
    return {
        "description": f"Settings of the checks `iku check` runs ({where}): per rule, "
                       "`enabled`, `severity` and its thresholds (docs/checks.md).",
        "type": "object", "additionalProperties": False, "properties": props,
    }


def threshold_text(rule: CheckRule) -> str:
    """`percent = 5: how far ...; ...` for --list and the docs."""
    return "; ".join(f"`{t.name}` = {_default_text(t.default)}: {t.summary}"
                     for t in rule.thresholds)
