"""Strict, safe YAML loading with a line table. The only module that imports `yaml`.

Manuals and datasets are untrusted text edited by office staff, so the loader
accepts a small, predictable subset of YAML (see docs/format.md, "How YAML is
read"):

* safe only: no tags other than the core ones; `!!python/...` is an error;
* duplicate keys, anchors and aliases are errors (aliases are also the
  "billion laughs" vector, see shared/security.md);
* YAML 1.1 surprises are errors, with a hint to quote the value: `yes`, `no`,
  `on`, `off` as plain scalars, sexagesimal numbers (`1:20`), octal- or
  hex-looking numbers (`010`, `0o17`, `0x1F`);
* plain dates such as `2023-05-01` are read as text (the schema then checks the
  pattern), never as date objects;
* decimal numbers are read as `decimal.Decimal` built from the text written in
  the file, so `82.615` stays exactly 82.615 (binary floats would not);
  `.inf` and `.nan` are not numbers here;
* tabs, bytes that are not UTF-8, control and bidirectional-override
  characters, and files over `MAX_FILE_BYTES` are errors with line and column.

The result is plain data (dict, list, str, int, Decimal, bool, None) and a
line table mapping each path (a tuple of keys and indexes) to its position.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from engine.errors import Issue, Location, error

MAX_FILE_BYTES = 512 * 1024  # a manual's IKU file is a few KiB; a dataset file tens of KiB
MAX_DEPTH = 40  # nesting of mappings and sequences

PathKey = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

_INT_RE = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
_FLOAT_RE = re.compile(
    r"^(?=[-+]?\.?[0-9])[-+]?(?:0|[1-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?$"
)
_NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
# Plain scalars that YAML 1.1 readers (PyYAML among them) would turn into something else.
_AMBIGUOUS = (
    (re.compile(r"^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$"),
     "YAML 1.1 reads it as a boolean"),
    (re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$"),
     "YAML 1.1 reads it as a base-60 number"),
    (re.compile(r"^[-+]?0[0-9_]+$"), "YAML 1.1 reads it as an octal number"),
    (re.compile(r"^[-+]?0[oOxXbB][0-9a-fA-F_]+$"), "it looks like an octal, hex or binary number"),
    (re.compile(r"^[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)$"), "infinity and NaN are not numbers here"),
)
# Bidirectional overrides and isolates can make text display differently from what it is.
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


# Tabs, C0/C1 controls other than newline and carriage return, and the bidi characters.
_FORBIDDEN = re.compile("[\t\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + "".join(sorted(_BIDI)) + "]")


class StrictYamlError(Exception):
    """A problem found while reading; carries the mark where it was found."""

    def __init__(self, message: str, line: int, column: int, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint


class _Resolver(BaseResolver):
    """Only the implicit types we designed: null, true/false, decimal int and float."""


for _tag, _regexp, _first in (
    (_BOOL, _BOOL_RE, list("tTfF")),
    (_INT, _INT_RE, list("-+0123456789")),
    (_FLOAT, _FLOAT_RE, list("-+0123456789.")),
    (_NULL, _NULL_RE, ["~", "n", "N", ""]),
):
    _Resolver.add_implicit_resolver(_tag, _regexp, _first)


class _StrictComposer(Composer):
    """Composes a node tree; rejects anchors and aliases before they can expand."""

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:  # type: ignore[override]
        event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, yaml.AliasEvent) and event.start_mark is not None:
            raise StrictYamlError(
                f"alias `*{event.anchor}` is not allowed",
                event.start_mark.line + 1,
                event.start_mark.column + 1,
                "write the value out in full; anchors and aliases are not supported",
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None and event.start_mark is not None:
            raise StrictYamlError(
                f"anchor `&{anchor}` is not allowed",
                event.start_mark.line + 1,
                event.start_mark.column + 1,
                "write the value out in full; anchors and aliases are not supported",
            )
        return super().compose_node(parent, index)  # type: ignore[no-any-return]


class _Loader(Reader, Scanner, Parser, _StrictComposer, _Resolver):
    """Pure-Python events; used where PyYAML was built without libyaml."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _Resolver.__init__(self)


_LoaderClass: type = _Loader
if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _FastLoader(CParser, _StrictComposer, _Resolver):  # type: ignore[misc]
        """libyaml's C scanner and parser for the events (most of the time spent), our
        composer and resolver on top of them: the same rules at C speed."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            _Resolver.__init__(self)

        def get_single_node(self) -> Node | None:
            return Composer.get_single_node(self)

    _LoaderClass = _FastLoader


@dataclass(frozen=True)
class LoadedDoc:
    """One YAML file: its data and where each part of it stands."""

    path: str  # the file's path as shown to the user
    data: Any  # plain data: dict, list, str, int, Decimal, bool or None
    lines: dict[PathKey, tuple[int, int]]  # path -> (line, column), 1-based

    def loc(self, path: PathKey = ()) -> Location:
        """The location of `path`, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p and p not in self.lines:
            p = p[:-1]
        line, col = self.lines.get(p, (0, 0))
        return Location(self.path, line, col)


def _precheck(raw: bytes, shown: str) -> tuple[str | None, list[Issue]]:
    """Size, encoding and character checks that PyYAML would report badly or not at all."""
    if len(raw) > MAX_FILE_BYTES:
        return None, [
            error(
                f"file is {len(raw):,} bytes, over the limit of {MAX_FILE_BYTES:,}",
                Location(shown),
                hint="split it, or check that it is the file you meant",
                code="yaml-size",
            )
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, [
            error(
                f"byte 0x{raw[exc.start]:02x} is not UTF-8",
                Location(shown, line, col),
                hint="save the file as UTF-8 (it may be Latin-1 or Windows-1252)",
                code="yaml-encoding",
            )
        ]
    if text.startswith("\ufeff"):
        text = text[1:]
    issues: list[Issue] = []
    if not _FORBIDDEN.search(text):  # the common case, in one pass of the regex engine
        return text, issues
    for lineno, line_text in enumerate(text.split("\n"), start=1):
        for col, ch in enumerate(line_text, start=1):
            if ch == "\t":
                issues.append(
                    error("tab character", Location(shown, lineno, col),
                          hint="use spaces; YAML indentation must not contain tabs",
                          code="yaml-tab")
                )
            elif ch in _BIDI:
                issues.append(
                    error(f"bidirectional control character U+{ord(ch):04X}",
                          Location(shown, lineno, col),
                          hint="remove it; it can make text display differently from what it is",
                          code="yaml-bidi")
                )
            elif ch != "\r" and unicodedata.category(ch) == "Cc":
                issues.append(
                    error(f"control character U+{ord(ch):04X}", Location(shown, lineno, col),
                          hint="remove it; it is invisible and usually pasted by accident",
                          code="yaml-control")
                )
        if len(issues) >= 20:  # enough to show the pattern; a binary file would give thousands
            break
    return (None if issues else text), issues


def _scalar(node: ScalarNode) -> Any:
    value = node.value
    tag = node.tag
    if tag == _STR:
        if not node.style:  # plain (None from PyYAML, "" from libyaml): check for surprises
            for pattern, why in _AMBIGUOUS:
                if pattern.match(value):
                    raise StrictYamlError(
                        f"ambiguous value `{value}`: {why}",
                        node.start_mark.line + 1,
                        node.start_mark.column + 1,
                        f'quote it ("{value}") if you mean text'
                        + ("; write true or false for a yes/no value" if "boolean" in why else ""),
                    )
        return value
    if tag == _INT:
        return int(value.replace("_", ""))
    if tag == _FLOAT:
        try:
            number = Decimal(value.replace("_", ""))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise StrictYamlError(
                f"`{value}` is not a finite number", node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        return number
    if tag == _BOOL:
        return value.lower() == "true"
    if tag == _NULL:
        return None
    raise StrictYamlError(
        f"tag `{tag}` is not allowed",
        node.start_mark.line + 1,
        node.start_mark.column + 1,
        "remove the tag; only plain values, lists and mappings are supported",
    )


def _build(node: Node, path: PathKey, lines: dict[PathKey, tuple[int, int]], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise StrictYamlError(
            f"nesting deeper than {MAX_DEPTH} levels", node.start_mark.line + 1,
            node.start_mark.column + 1,
        )
    lines.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, ScalarNode):
        return _scalar(node)
    if isinstance(node, SequenceNode):
        if node.tag != _SEQ:
            raise StrictYamlError(f"tag `{node.tag}` is not allowed", node.start_mark.line + 1,
                                  node.start_mark.column + 1)
        return [_build(item, (*path, i), lines, depth + 1) for i, item in enumerate(node.value)]
    if isinstance(node, MappingNode):
        if node.tag != _MAP:
            raise StrictYamlError(f"tag `{node.tag}` is not allowed", node.start_mark.line + 1,
                                  node.start_mark.column + 1)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            mark = key_node.start_mark
            if not isinstance(key_node, ScalarNode):
                raise StrictYamlError("a key must be plain text", mark.line + 1, mark.column + 1)
            key = _scalar(key_node)
            if not isinstance(key, str):
                key = str(key_node.value)  # `2023:` as a key means the text "2023"
            if key in result:
                first = lines.get((*path, key), (0, 0))[0]
                raise StrictYamlError(
                    f"duplicate key `{key}` (first at line {first})",
                    mark.line + 1,
                    mark.column + 1,
                    "remove one of the two; YAML would silently keep only the last",
                )
            lines[(*path, key)] = (mark.line + 1, mark.column + 1)
            result[key] = _build(value_node, (*path, key), lines, depth + 1)
        return result
    raise StrictYamlError("unsupported YAML node", node.start_mark.line + 1,
                          node.start_mark.column + 1)


# Successful parses by text: revisions of a year repeat most IKU files word for word, and a
# run reads them all. Only clean results are kept, so every error names its own file.
_PARSED: dict[str, tuple[Any, dict[PathKey, tuple[int, int]]]] = {}


def parse_text(text: str, shown: str) -> tuple[LoadedDoc | None, list[Issue]]:
    """Parse already-decoded text; returns the document or the issues found.

    The data of identical texts is shared: callers must not change it (none does; the
    model is built from it, frozen)."""
    if text in _PARSED:
        data, table = _PARSED[text]
        return LoadedDoc(shown, data, table), []
    lines: dict[PathKey, tuple[int, int]] = {}
    try:
        loader = _LoaderClass(text)
        try:
            node = loader.get_single_node()
        finally:
            if hasattr(loader, "dispose"):
                loader.dispose()
        data = None if node is None else _build(node, (), lines, 0)
    except StrictYamlError as exc:
        return None, [error(exc.message, Location(shown, exc.line, exc.column), hint=exc.hint,
                            code="yaml-strict")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(p for p in (exc.context, exc.problem) if p) or "YAML syntax error"
        loc = Location(shown, mark.line + 1, mark.column + 1) if mark else Location(shown)
        return None, [error(f"YAML syntax: {message}", loc,
                            hint="check indentation and quoting on this line and the one before",
                            code="yaml-syntax")]
    except yaml.YAMLError as exc:  # unmarked errors are rare; keep the message
        return None, [error(f"YAML: {exc}", Location(shown), code="yaml-syntax")]
    except RecursionError:
        return None, [error("YAML nesting is too deep", Location(shown), code="yaml-strict")]
    _PARSED[text] = (data, lines)
    return LoadedDoc(shown, data, lines), []


def load_file(path: Path, shown: str | None = None) -> tuple[LoadedDoc | None, list[Issue]]:
    """Read and parse one file strictly. Never raises for bad content; returns issues."""
    shown = shown or display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [error(f"cannot read file: {exc.strerror}", Location(shown), code="io")]
    text, issues = _precheck(raw, shown)
    if text is None:
        return None, issues
    return parse_text(text, shown)


def display_path(path: Path) -> str:
    """The path relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)

