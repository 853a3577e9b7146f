"""`iku check`: the inspectorate's recommendations as rules. The rule table is the schemas'
`checks` blocks; the settings in organisation.yaml and a manual's header; a target's stated
reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.checkrules import RULES, effective, settings_schema
from engine.schemacheck import load_schema


@pytest.mark.parametrize("name", ["organisation", "manual"])
def test_rule_table_is_the_schemas_checks(name: str) -> None:
    """A setting can name only a rule that runs and a threshold the rule reads."""
    block = load_schema(name)["properties"]["checks"]
    assert block["properties"] == settings_schema("")["properties"]
    assert block["additionalProperties"] is False
    assert "narrative-below-target" not in block["properties"]  # cannot run yet


def test_settings_layer_over_the_defaults() -> None:
    from decimal import Decimal

    from engine.errors import Location, Severity
    from engine.model import CheckSetting

    here = Location("organisation.yaml", 7)
    project = (CheckSetting("target-far-above-previous", None, "error",
                            (("percent", Decimal(10)),), here),)
    manual = (CheckSetting("target-far-above-previous", False, None, (), Location("m", 3)),)
    base = effective("target-far-above-previous")
    assert (base.enabled, base.severity, base.number("percent")) == (True, Severity.WARNING, 5)
    mid = effective("target-far-above-previous", project)
    assert (mid.severity, mid.number("percent")) == (Severity.ERROR, 10)
    top = effective("target-far-above-previous", project, manual)
    assert (top.enabled, top.decided_at) == (False, "m:3")
    assert effective("narrative-below-target").enabled is False
    assert RULES["period-targets"].threshold("last_rises").default is True


def test_targets_carry_their_line_and_reason(project: Path) -> None:
    from engine.manual import load_manual

    path = project / "manual_iku/deputi-sinka/2024/iku/IKU.08.yaml"
    text = path.read_text()
    path.write_text(text.replace("    source: Tabel 3 (Renstra)\n",
                                 "    source: Tabel 3 (Renstra)\n"
                                 "    reason: Renstra target, kept while the new data centre "
                                 "is built\n", 1))
    result = load_manual(path.parent.parent)
    assert result.ok, result.issues
    assert result.manual is not None
    iku = result.manual.iku("IKU.8")
    assert iku is not None
    t = iku.target(2024)
    assert t is not None and t.reason.startswith("Renstra target, kept")
    assert t.location is not None and t.location.line == 62


def test_checks_settings_are_read_and_checked(project: Path) -> None:
    from engine.manual import load_manual
    from engine.org import load_organisation

    org = project / "manual_iku/organisation.yaml"
    org.write_text(org.read_text().replace(
        "default_owner: SINKA\n",
        "default_owner: SINKA\nchecks:\n  target-far-above-previous: {percent: 30}\n"
        "  figure-evidence: {enabled: false}\n"))
    found, issues = load_organisation(project / "manual_iku")
    assert not issues
    assert [(s.rule, s.enabled, s.thresholds) for s in found.checks] == [
        ("target-far-above-previous", None, (("percent", 30),)),
        ("figure-evidence", False, ())]
    header = project / "manual_iku/deputi-sinka/2024/manual.yaml"
    header.write_text(header.read_text().replace(
        "scoring:\n", "checks:\n  target-below-previous: {margin: 1.5, severity: error}\n"
                      "  period-targtes: {enabled: false}\nscoring:\n", 1))
    result = load_manual(header.parent)
    messages = [i.as_text() for i in result.issues]
    assert any("period-targtes" in m and "did you mean `period-targets`" in m
               for m in messages), messages
