"""The documentation stays true: the function table's examples compute what it says, the
worked example is the shipped file, the schemas are complete, the README gives the two
commands."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from conftest import ACCEPTANCE, DATASETS, MANUALS, ROOT

from engine.formula import compile_formula
from engine.schemacheck import SCHEMA_NAMES, check_schema_file, load_schema

DOCS = ROOT / "docs"


def _function_examples() -> list[tuple[str, str]]:
    rows = re.findall(r"^\| `\w+\(.*?\)` \| `(.+?)`.*? \| `(.+?)` \|$",
                      (DOCS / "formulas.md").read_text(), re.M)
    return [(example, result) for example, result in rows]


@pytest.mark.parametrize(("example", "result"), _function_examples())
def test_function_table_examples(example: str, result: str) -> None:
    env: dict[str, Any] = {"v": (Decimal(80), Decimal(90)), "w": (Decimal(1), Decimal(3))}
    assert compile_formula(example).evaluate(env) == Decimal(result)


def test_every_library_function_is_documented() -> None:
    from engine.functions import LIBRARY

    documented = {re.match(r"(\w+)", e).group(1) for e, _ in _function_examples()}  # type: ignore[union-attr]
    assert set(LIBRARY) <= documented


def test_worked_example_is_the_shipped_file() -> None:
    text = (DOCS / "format.md").read_text()
    block = re.search(r"```yaml\n(# yaml-language-server.*?)```", text, re.S)
    assert block is not None
    shipped = MANUALS / "deputi-sinka" / "2023-r2" / "iku" / "IKU.08.yaml"
    assert block.group(1) == shipped.read_text()


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schemas_are_valid_and_complete(name: str) -> None:
    check_schema_file(name)
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                assert node.get("additionalProperties") is False, path
                for key, prop in node["properties"].items():
                    assert prop.get("description"), f"{path}.{key} has no description"
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    walk(schema, name)


def test_shipped_yaml_names_its_schema() -> None:
    files = list(MANUALS.rglob("*.yaml")) + list(DATASETS.rglob("*.yaml"))
    assert len(files) > 60
    for path in files:
        first = path.read_text().split("\n", 1)[0]
        kind = ("organisation" if path.name == "organisation.yaml" else
                "manual" if path.name == "manual.yaml" else "reported"
                if path.name == "reported.yaml" else "iku" if "manual_iku" in str(path)
                else "dataset")
        assert first.startswith("# yaml-language-server: $schema="), path
        # the acceptance copy stands where a project's root would: its modelines point at
        # <that root>/schemas, as the shipped files' point at the project's schemas/
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target == (ACCEPTANCE / "schemas" / f"{kind}.schema.json").resolve(), path
        json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text())


def test_readme_gives_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    head = readme[:600]
    assert "make run" in head and "make test" in head
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_no_code_knows_about_iku12() -> None:
    """The 2023 revisions differ only in YAML: no engine module mentions IKU.12."""
    for path in (ROOT / "engine").rglob("*.py"):
        assert "IKU.12" not in path.read_text(), path


def test_rule_tables_are_the_schemas_and_the_docs() -> None:
    """A rule is one row of engine/rules.py: the schema's enum and docs/scoring.md say the
    same, so no rule can be declared that the code never reads."""
    from engine.rules import KINDS

    manual, iku = load_schema("manual"), load_schema("iku")
    rollup = manual["properties"]["scoring"]["properties"]["rollup"]["properties"]
    enums = {"aggregate": iku["properties"]["schedule"]["properties"]["aggregate"]["enum"],
             "cascade": iku["properties"]["cascade"]["properties"]["rollup"]["enum"],
             **{k: rollup[k]["enum"] for k in ("nss", "nkp", "npss", "empty")}}
    scoring = (DOCS / "scoring.md").read_text()
    for kind, table in KINDS.items():
        assert enums[kind] == list(table), kind
        for name, rule in table.items():
            assert f"| `{name}` | {rule.summary} |" in scoring, (kind, name)


# Each rule table of engine/rules.py against the schema enum the manual writes its name in.
RULE_ENUMS = [
    ("iku", ("properties", "polarity"), "POLARITIES"),
    ("iku", ("properties", "schedule", "properties", "aggregate"), "AGGREGATES"),
    ("iku", ("properties", "cascade", "properties", "rollup"), "CASCADE"),
    ("manual", ("properties", "scoring", "properties", "rollup", "properties", "nss"), "NSS"),
    ("manual", ("properties", "scoring", "properties", "rollup", "properties", "nkp"), "NKP"),
    ("manual", ("properties", "scoring", "properties", "rollup", "properties", "npss"), "NPSS"),
    ("manual", ("properties", "scoring", "properties", "rollup", "properties", "empty"),
     "EMPTY"),
]


@pytest.mark.parametrize(("schema", "path", "table"), RULE_ENUMS,
                         ids=[t for _, _, t in RULE_ENUMS])
def test_schema_enums_are_the_rule_tables(schema: str, path: tuple[str, ...],
                                          table: str) -> None:
    """A rule the manual can name is a row the engine reads, and the other way round."""
    from engine import rules

    node: Any = load_schema(schema)
    for key in path:
        node = node[key]
    assert sorted(node["enum"]) == sorted(getattr(rules, table))


@pytest.mark.parametrize("table", ["POLARITIES", "AGGREGATES", "CASCADE"])
def test_every_rule_is_documented(table: str) -> None:
    from engine import rules

    text = (DOCS / "scoring.md").read_text() + (DOCS / "format.md").read_text()
    for name in getattr(rules, table):
        assert f"`{name}`" in text, f"{table} row {name} is not in docs/scoring.md or format.md"


def test_polarity_table_in_the_docs_is_the_rule_table() -> None:
    """docs/scoring.md's table of polarities says what each row of POLARITIES does."""
    from engine.rules import POLARITIES

    rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \| ([^|]+) \| met: 100 \| ([^|]+) \|$",
                      (DOCS / "scoring.md").read_text(), re.M)
    documented = {name: (single.strip(), below.strip(), above.strip())
                  for name, single, below, above in rows}
    assert documented == {
        p.name: (p.single or "refused when the manual loads", p.below, p.above)
        for p in POLARITIES.values()}
