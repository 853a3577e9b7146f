"""JSON Schema checks with messages people can act on. The only module that imports
`jsonschema`.

Schemas live in `schemas/` (draft 2020-12). A file is first checked by a compiled yes/no
check (engine.fastschema), which is all a valid file needs; only a file it says no to goes
through `jsonschema`, for the errors. Each error is walked back to the line it came from
through the loader's line table, and the common kinds get a plain-language message: an
unknown key names the nearest known key, a wrong type says what was expected and what was
found.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import Issue, did_you_mean, error
from engine.fastschema import Check, UnsupportedSchema, compile_schema
from engine.yamlload import LoadedDoc

if TYPE_CHECKING:  # jsonschema is imported when a file has to be validated, not before
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_NAMES = ("organisation", "manual", "iku", "dataset", "reported")


def schema_dir() -> Path:
    """`schemas/` beside the package (the project is installed editable, see Makefile)."""
    return Path(__file__).resolve().parent.parent / "schemas"


@cache
def load_schema(name: str) -> dict[str, Any]:
    with open(schema_dir() / f"{name}.schema.json", encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema


@cache
def _validator(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    # The schemas are ours and tests/test_docs.py checks each against the meta-schema;
    # checking them again on every run would cost as much as validating the manuals.
    return Draft202012Validator(load_schema(name))


@cache
def _fast(name: str) -> Check | None:
    """The compiled yes/no check of a schema; None when it uses a keyword engine.fastschema
    does not implement (then jsonschema decides alone)."""
    try:
        return compile_schema(load_schema(name))
    except UnsupportedSchema:
        return None


def check_schema_file(name: str) -> None:
    """Raise when a shipped schema is not a valid draft 2020-12 schema (for tests)."""
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(load_schema(name))


_TYPE_WORDS = {
    "object": "a mapping (key: value)",
    "array": "a list",
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "nothing (null)",
}


def _found(value: Any) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"text `{value[:40]}`"
    return f"`{value}`"


def _expected(types: Any) -> str:
    if isinstance(types, list):
        return " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in types)
    return _TYPE_WORDS.get(types, str(types))


# Patterns as text, compiled (and kept) by `re` when a hint is first wanted: a clean run
# never wants one.
_PERCENT = r"^\s*[-+]?\d+(?:[.,]\d+)?\s*%\s*$"
_DECIMAL_COMMA = r"^[-+]?\d+,\d+$"
_THOUSANDS = r"^[-+]?\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?$|^[-+]?\d{1,3}(?:\.\d{3})+,\d+$"


def number_hint(value: Any) -> str:
    """A hint for the ways people write numbers in Indonesian documents that YAML reads as
    text: a percent sign, a decimal comma, thousands dots.

    >>> number_hint("90%")
    'write 90 without the % sign: the unit of measure is in the manual'
    >>> number_hint("99,5")
    'write 99.5: a decimal takes a point here, not a comma'
    >>> number_hint("1.250.000.000")
    'write 1250000000 (or 1_250_000_000): no thousands dots'
    """
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if re.match(_PERCENT, text):
        number = text.rstrip("% ").replace(",", ".")
        return f"write {number} without the % sign: the unit of measure is in the manual"
    if re.match(_THOUSANDS, text):
        whole, _, frac = text.partition(",")
        digits = whole.replace(".", "")
        return f"write {digits}{'.' + frac if frac else ''} (or {int(digits):_}" \
               f"{'.' + frac if frac else ''}): no thousands dots"
    if re.match(_DECIMAL_COMMA, text):
        return f"write {text.replace(',', '.')}: a decimal takes a point here, not a comma"
    return ""


def _shape(schema: dict[str, Any]) -> str:
    """A branch of a oneOf in words: `a number`, `a mapping {from, to}`."""
    if schema.get("type") == "object" and schema.get("required"):
        return f"a mapping {{{', '.join(schema['required'])}}}"
    return _expected(schema.get("type", "a value"))


def _describe(err: ValidationError) -> tuple[tuple[Any, ...], str, str]:
    """(path to point at, message, hint) for one validation error."""
    path = tuple(err.absolute_path)
    v = err.validator
    if v == "additionalProperties":
        allowed = list(err.schema.get("properties", {}))
        instance = err.instance if isinstance(err.instance, dict) else {}
        extra = [k for k in instance if k not in allowed]
        key = extra[0] if extra else "?"
        hint = did_you_mean(key, allowed) or f"known keys: {', '.join(allowed)}"
        return (*path, key), f"unknown key `{key}`", hint
    if v == "required":
        missing = str(err.message).split("'")[1] if "'" in err.message else "?"
        desc = err.schema.get("properties", {}).get(missing, {}).get("description", "")
        return path, f"missing required key `{missing}`", desc
    if v == "type":
        return path, f"expected {_expected(err.validator_value)}, found {_found(err.instance)}", \
            number_hint(err.instance)
    if v == "enum":
        options = [str(o) for o in err.validator_value]
        hint = did_you_mean(str(err.instance), options) or f"one of: {', '.join(options)}"
        return path, f"`{err.instance}` is not allowed here", hint
    if v == "pattern":
        desc = err.schema.get("description", "")
        return path, f"{_found(err.instance)} does not have the expected form", desc
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {"minimum": "at least", "maximum": "at most",
                 "exclusiveMinimum": "above", "exclusiveMaximum": "below"}
        return path, f"`{err.instance}` must be {words[str(v)]} {err.validator_value}", ""
    if v in ("minItems", "minProperties", "minLength"):
        return path, "must not be empty", err.schema.get("description", "")
    if v == "uniqueItems":
        return path, "contains the same entry twice", ""
    if v == "oneOf":
        # A target is a number or a range: when the value has the shape of one branch (a
        # mapping for a range), say what is wrong inside that branch, not that it fits none.
        inner = [e for e in err.context or () if e.relative_path or e.validator != "type"]
        if inner:
            return _describe(max(inner, key=lambda e: len(e.absolute_path)))
        desc = err.schema.get("description", "")
        if err.context:  # the value has the shape of no branch: name each
            shapes = " or ".join(dict.fromkeys(_shape(e.schema) for e in err.context))
            return path, f"expected {shapes}, found {_found(err.instance)}", \
                number_hint(err.instance) or desc
        return path, f"{_found(err.instance)} is not a valid value here", \
            number_hint(err.instance) or desc
    return path, err.message, ""




def _label(item: Any) -> str:
    """How people name a list item: its code, name or unit and period; "" when it has none."""
    if not isinstance(item, dict):
        return ""
    for key in ("code", "id", "name"):
        if isinstance(item.get(key), str):
            return str(item[key])
    if "unit" in item:
        return " ".join(str(item[k]) for k in ("unit", "period") if k in item)
    if "year" in item:
        return str(item["year"])
    return ""


def path_text(data: Any, path: tuple[Any, ...]) -> str:
    """A path into a file as people read it: list items by their code, not by a 0-based
    index (`objectives[SS.6].ikus`, `values[INTI 2023-TW4].inputs`, `targets[2023]`).

    >>> path_text({"objectives": [{"code": "SS.1"}, {"code": "SS.6", "ikus": []}]},
    ...           ("objectives", 1, "ikus"))
    'objectives[SS.6].ikus'
    >>> path_text({"steps": [{"formula": "x"}]}, ("steps", 0, "formula"))
    'steps[#1].formula'
    """
    out = ""
    node = data
    for p in path:
        if isinstance(p, int):
            item = node[p] if isinstance(node, list) and 0 <= p < len(node) else None
            out += f"[{_label(item) or f'#{p + 1}'}]"
            node = item
        else:
            out += f".{p}" if out else str(p)
            node = node.get(p) if isinstance(node, dict) else None
    return out


_VALID: set[tuple[str, str]] = set()  # (schema, text digest) found valid in this process


def validate(doc: LoadedDoc, schema_name: str, **context: str) -> list[Issue]:
    """All schema errors of `doc`, each located at its line."""
    known = (schema_name, doc.digest)
    if doc.digest and known in _VALID:  # identical texts (most IKU files of a year's revisions)
        return []
    fast = _fast(schema_name)
    if fast is not None and fast(doc.data):
        if doc.digest:
            if len(_VALID) > 100_000:  # a run over hundreds of owners: bounded
                _VALID.clear()
            _VALID.add(known)
        return []
    issues: list[Issue] = []
    seen: set[tuple[Any, ...]] = set()
    errors = sorted(_validator(schema_name).iter_errors(doc.data),
                    key=lambda e: doc.loc(tuple(e.absolute_path)).line)
    for err in errors:
        path, message, hint = _describe(err)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        where = path_text(doc.data, path)
        text = f"{where}: {message}" if where else message
        issues.append(error(text, doc.loc(path), hint=hint, code=f"schema-{err.validator}",
                            **context))
    return issues
