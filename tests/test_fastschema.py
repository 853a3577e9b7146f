"""engine.fastschema says yes exactly when jsonschema finds no error: on every YAML file the
project ships (valid and deliberately broken) and on thousands of mutations of them."""

from __future__ import annotations

import copy
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from engine.fastschema import UnsupportedSchema, compile_schema, equal
from engine.schemacheck import SCHEMA_NAMES, load_schema
from engine.yamlload import parse_text

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = [ROOT / "tests", ROOT / "bench" / "fixture"]  # tests/acceptance: the shipped files


def _schema_of(path: Path) -> str | None:
    """Which schema a file is checked against, by where it lies (as the loaders decide)."""
    if path.name == "organisation.yaml":
        return "organisation"
    if path.name == "manual.yaml":
        return "manual"
    if path.name == "reported.yaml":
        return "reported"
    if path.parent.name == "iku":
        return "iku"
    if path.parent.name.isdigit():
        return "dataset"
    return None


def _documents() -> list[tuple[str, str, Any]]:
    docs = []
    for folder in FOLDERS:
        for path in sorted(folder.rglob("*.yaml")):
            name = _schema_of(path)
            if name is None:
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            doc, _ = parse_text(text, str(path))
            if doc is not None:
                docs.append((str(path.relative_to(ROOT)), name, doc.data))
    return docs


DOCS = _documents()
VALIDATORS = {n: Draft202012Validator(load_schema(n)) for n in SCHEMA_NAMES}
FAST = {n: compile_schema(load_schema(n)) for n in SCHEMA_NAMES}
REPLACEMENTS: list[Any] = [None, True, False, 0, 1, -1, 2023, 10**6, Decimal("1.5"),
                           Decimal("-0.5"), Decimal("100.0"), "", "x", "90%", "2023-TW1", "SS.1",
                           "mean", [], [1], ["a", "a"], {}, {"x": 1}, {"from": 1, "to": 2}]


def _agree(name: str, data: Any) -> None:
    expected = not any(True for _ in VALIDATORS[name].iter_errors(data))
    assert FAST[name](data) is expected, (name, data)


def test_every_schema_compiles() -> None:
    assert sorted(FAST) == sorted(SCHEMA_NAMES)


def test_enough_documents_of_each_kind() -> None:
    kinds = {name for _, name, _ in DOCS}
    assert kinds == set(SCHEMA_NAMES)
    assert len(DOCS) > 200


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_agrees_on_shipped_files(name: str) -> None:
    for _path, n, data in DOCS:
        if n == name:
            _agree(n, data)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


def _mutate(data: Any, rng: random.Random) -> Any:
    data = copy.deepcopy(data)
    path = rng.choice(_paths(data))
    if not path:
        return rng.choice(REPLACEMENTS)
    parent = data
    for p in path[:-1]:
        parent = parent[p]
    last = path[-1]
    action = rng.randrange(5)
    if action == 0:  # delete
        del parent[last]
    elif action == 1 and isinstance(parent, dict):  # an unknown or misspelt key
        parent[rng.choice(["extra", f"{last}s", "Code"])] = rng.choice(REPLACEMENTS)
    elif action == 2 and isinstance(parent, list):  # the same item twice
        parent.append(copy.deepcopy(parent[last]))
    elif action == 3 and isinstance(parent[last], list | dict):  # emptied
        parent[last] = type(parent[last])()
    else:
        parent[last] = copy.deepcopy(rng.choice(REPLACEMENTS))
    return data


def test_agrees_on_mutations() -> None:
    rng = random.Random(20261130)
    seen = {"valid": 0, "invalid": 0}
    for _ in range(4000):
        _path, name, data = rng.choice(DOCS)
        mutated = _mutate(data, rng)
        _agree(name, mutated)
        seen["valid" if FAST[name](mutated) else "invalid"] += 1
    assert min(seen.values()) > 400, seen  # both answers well exercised


def test_equal_keeps_booleans_apart() -> None:
    assert not equal(True, 1) and not equal(0, False) and equal(1, Decimal("1.0"))
    assert not equal([True], [1]) and equal({"a": [1]}, {"a": [1]})


def test_refuses_what_it_does_not_know() -> None:
    with pytest.raises(UnsupportedSchema):
        compile_schema({"type": "object", "patternProperties": {"^x": {}}})
    with pytest.raises(UnsupportedSchema):
        compile_schema({"$ref": "https://example.org/schema.json"})
