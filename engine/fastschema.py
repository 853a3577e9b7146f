"""A yes/no JSON Schema check compiled to Python closures, for the keywords iku's own schemas
use. Most files are valid; deciding that is all a clean run needs, and `jsonschema` walks
every keyword of every value through its general machinery (about a third of a cold run's
time on 100 agencies). Only when this check says no does engine.schemacheck ask
`jsonschema` for the errors and their paths, so messages are unchanged.

The check must say yes exactly when `jsonschema` finds no error: a yes where jsonschema
says no would let an invalid file through unchecked. It mirrors jsonschema's draft 2020-12
semantics keyword by keyword (its type checker, its `equal` that keeps `true` apart from
`1`, `re.search` for patterns), and refuses to compile a schema that uses a keyword it does
not know (`UnsupportedSchema`; the caller then uses jsonschema alone). tests/test_fastschema.py
compares the two on every shipped and fixture file and on thousands of mutated ones.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Check = Callable[[Any], bool]

# Keywords that only annotate: they never make a value invalid.
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description", "examples",
                          "default", "$defs", "definitions", "deprecated", "readOnly",
                          "writeOnly"})


class UnsupportedSchema(ValueError):
    """The schema uses a keyword (or form of one) this compiler does not implement."""


def _is_integer(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    return isinstance(v, int) or (isinstance(v, float) and v.is_integer())


def _is_number(v: Any) -> bool:
    return not isinstance(v, bool) and isinstance(v, numbers.Number)


_TYPES: dict[str, Check] = {
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "integer": _is_integer,
    "null": lambda v: v is None,
    "number": _is_number,
    "object": lambda v: isinstance(v, dict),
    "string": lambda v: isinstance(v, str),
}


def _unbool(v: Any) -> Any:
    return ("\0true",) if v is True else ("\0false",) if v is False else v


def equal(one: Any, two: Any) -> bool:
    """jsonschema's equality: `true` is not `1`, recursively."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return one.keys() == two.keys() and all(equal(one[k], two[k]) for k in one)
    return bool(_unbool(one) == _unbool(two))


def _unique(items: list[Any]) -> bool:
    seen: list[Any] = []
    for item in items:
        if any(equal(item, s) for s in seen):
            return False
        seen.append(item)
    return True


def compile_schema(schema: Mapping[str, Any]) -> Check:
    """A function that says whether a value is valid against `schema` (with local `$ref`s
    into its `$defs`)."""
    refs: dict[str, Check] = {}

    def ref(target: str) -> Check:
        if target in refs:
            return refs[target]
        if not target.startswith("#/"):
            raise UnsupportedSchema(f"$ref {target}")
        node: Any = schema
        for part in target[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or part not in node:
                raise UnsupportedSchema(f"$ref {target}")
            node = node[part]
        holder: list[Check] = []
        refs[target] = lambda v: holder[0](v)  # recursion: resolved once compiled
        holder.append(build(node))
        refs[target] = holder[0]
        return holder[0]

    def build(s: Any) -> Check:
        if s is True:
            return lambda v: True
        if s is False:
            return lambda v: False
        if not isinstance(s, Mapping):
            raise UnsupportedSchema(f"schema {s!r}")
        for key in s:
            if key not in _ANNOTATIONS and key not in _KEYWORDS:
                raise UnsupportedSchema(key)
        merged = _object(s, build) if s.get("type") == "object" else None
        checks: list[Check] = [merged] if merged is not None else []
        for key, arg in s.items():
            if key in _ANNOTATIONS or (merged is not None and key in _OBJECT_KEYWORDS):
                continue
            checks.append(_KEYWORDS[key](arg, s, build, ref))
        if not checks:
            return lambda v: True
        if len(checks) == 1:
            return checks[0]
        all_checks = tuple(checks)

        def every(v: Any) -> bool:
            for c in all_checks:  # noqa: SIM110 (a loop: all() over a generator is slower)
                if not c(v):
                    return False
            return True
        return every

    return build(schema)


Builder = Callable[[Any], Check]
Ref = Callable[[str], Check]

_OBJECT_KEYWORDS = frozenset({"type", "properties", "additionalProperties", "required",
                              "minProperties"})


def _object(s: Mapping[str, Any], build: Builder) -> Check | None:
    """A mapping's keywords in one pass (most of a file is mappings: one call per mapping,
    not one per keyword); the same answers as the keywords one by one."""
    extra = s.get("additionalProperties", True)
    if "patternProperties" in s or not isinstance(extra, bool):
        return None
    props = {k: build(sub) for k, sub in s.get("properties", {}).items()}
    known = frozenset(props) if extra is False else None
    required = tuple(s.get("required", ()))
    least = int(s.get("minProperties", 0))

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return False
        if known is not None and not known.issuperset(v):
            return False
        for k in required:
            if k not in v:
                return False
        return len(v) >= least and _properties_ok(props, v)
    return check


def _properties_ok(props: dict[str, Check], v: dict[str, Any]) -> bool:
    for k, value in v.items():
        c = props.get(k)
        if c is not None and not c(value):
            return False
    return True


def _type(arg: Any, s: Mapping[str, Any], build: Builder, ref: Ref) -> Check:
    names = [arg] if isinstance(arg, str) else list(arg)
    try:
        tests = tuple(_TYPES[n] for n in names)
    except KeyError as exc:
        raise UnsupportedSchema(f"type {exc}") from None
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(t(v) for t in tests)


def _enum(arg: Any, s: Mapping[str, Any], build: Builder, ref: Ref) -> Check:
    options = list(arg)
    if all(isinstance(o, str) for o in options):
        allowed = frozenset(options)
        return lambda v: isinstance(v, str) and v in allowed
    return lambda v: any(equal(v, o) for o in options)


def _properties(arg: Any, s: Mapping[str, Any], build: Builder, ref: Ref) -> Check:
    props = {k: build(sub) for k, sub in arg.items()}

    return lambda v: not isinstance(v, dict) or _properties_ok(props, v)


def _additional(arg: Any, s: Mapping[str, Any], build: Builder, ref: Ref) -> Check:
    if "patternProperties" in s:
        raise UnsupportedSchema("additionalProperties with patternProperties")
    known = frozenset(s.get("properties", {}))
    if arg is False:
        return lambda v: not isinstance(v, dict) or known.issuperset(v)
    sub = build(arg)
    return lambda v: not isinstance(v, dict) or all(
        sub(value) for k, value in v.items() if k not in known)


def _required(arg: Any, s: Mapping[str, Any], build: Builder, ref: Ref) -> Check:
    keys = tuple(arg)
    return lambda v: not isinstance(v, dict) or all(k in v for k in keys)


def _min_properties(arg: Any, s: Mapping[str, Any], build: Builder, ref: Ref) -> Check:
    n = int(arg)
    return lambda v: not isinstance(v, dict) or len(v) >= n


def _items(arg: Any, s: Mapping[str, Any], build: Builder, ref: Ref) -> Check:
    if "prefixItems" in s or not isinstance(arg, Mapping | bool):
        raise UnsupportedSchema("items with prefixItems or as a list")
    sub = build(arg)

    def check(v: Any) -> bool:
        if isinstance(v, list):
            for item in v:  # a loop: all() over a generator is slower
                if not sub(item):
                    return False
        return True
    return check


def _min_items(arg: Any, s: Mapping[str, Any], build: Builder, ref: Ref) -> Check:
    n = int(arg)
    return lambda v: not isinstance(v, list) or len(v) >= n


def _unique_items(arg: Any, s: Mapping[str, Any], build: Builder, ref: Ref) -> Check:
    if not arg:
        return lambda v: True
    return lambda v: not isinstance(v, list) or _unique(v)


def _min_length(arg: Any, s: Mapping[str, Any], build: Builder, ref: Ref) -> Check:
    n = int(arg)
    return lambda v: not isinstance(v, str) or len(v) >= n


def _max_length(arg: Any, s: Mapping[str, Any], build: Builder, ref: Ref) -> Check:
    n = int(arg)
    return lambda v: not isinstance(v, str) or len(v) <= n


def _pattern(arg: Any, s: Mapping[str, Any], build: Builder, ref: Ref) -> Check:
    search = re.compile(arg).search
    return lambda v: not isinstance(v, str) or search(v) is not None


def _bound(compare: Callable[[Any, Any], bool]) -> Callable[..., Check]:
    def make(arg: Any, s: Mapping[str, Any], build: Builder, ref: Ref) -> Check:
        return lambda v: not _is_number(v) or compare(v, arg)
    return make


def _one_of(arg: Any, s: Mapping[str, Any], build: Builder, ref: Ref) -> Check:
    branches = tuple(build(b) for b in arg)
    return lambda v: sum(1 for b in branches if b(v)) == 1


def _ref(arg: Any, s: Mapping[str, Any], build: Builder, ref: Ref) -> Check:
    return ref(str(arg))


_KEYWORDS: dict[str, Callable[[Any, Mapping[str, Any], Builder, Ref], Check]] = {
    "type": _type,
    "enum": _enum,
    "properties": _properties,
    "additionalProperties": _additional,
    "required": _required,
    "minProperties": _min_properties,
    "items": _items,
    "minItems": _min_items,
    "uniqueItems": _unique_items,
    "minLength": _min_length,
    "maxLength": _max_length,
    "pattern": _pattern,
    "minimum": _bound(lambda v, b: bool(v >= b)),
    "maximum": _bound(lambda v, b: bool(v <= b)),
    "exclusiveMinimum": _bound(lambda v, b: bool(v > b)),
    "exclusiveMaximum": _bound(lambda v, b: bool(v < b)),
    "oneOf": _one_of,
    "$ref": _ref,
}
