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
* every number is bounded as the formula context bounds what it computes (at
  most `NUMBER_DIGITS` significant digits, a magnitude below
  10**`NUMBER_MAX_EXP`, at most -`NUMBER_MIN_EXP` decimal places), so that no
  number read can overflow, lose digits or take long to print later;
* tabs, bytes that are not UTF-8, control and bidirectional-override
  characters, and files over `MAX_FILE_BYTES` are errors with line and column;
* files are read through `engine.safeio`: regular files only, with a bounded
  read (see there).

The result is plain data (dict, list, str, int, Decimal, bool, None) and a
line table mapping each path (a tuple of keys and indexes) to its position.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from engine import parsecache
from engine.errors import InputError, Issue, Location, error
from engine.safeio import read_regular

PYYAML_VERSION: str = yaml.__version__  # for the caches' keys: this is yaml's one importer
MAX_FILE_BYTES = 512 * 1024  # a manual's IKU file is a few KiB; a dataset file tens of KiB
MAX_DEPTH = 40  # nesting of mappings and sequences
# The bounds of engine.formula.CONTEXT (prec, Emax + 1, Emin; tests/test_hazards.py keeps them
# equal), applied where a number is read, so that every file kind gets them: a value that the
# formulas could not compute with is refused at its line instead of failing, or printing a
# million digits, later.
NUMBER_DIGITS = 28  # significant digits, as written (trailing zeros count)
NUMBER_MAX_EXP = 21  # magnitudes below 10**21
NUMBER_MIN_EXP = -30  # at most 30 decimal places

PathKey = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

# The parser's patterns, as text: _compile_patterns() compiles them before the first parse
# of a run. A warm run reads every file from the parse cache (engine.parsecache) and never
# parses: it need not pay the compiles (about 1 ms at import, a tenth of this module's).
_INT_RE = r"^[-+]?(?:0|[1-9][0-9_]*)$"
_FLOAT_RE = r"^(?=[-+]?\.?[0-9])[-+]?(?:0|[1-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?$"
_NULL_RE = r"^(?:~|null|Null|NULL|)$"
_BOOL_RE = r"^(?:true|True|TRUE|false|False|FALSE)$"
# Plain scalars that YAML 1.1 readers (PyYAML among them) would turn into something else.
_AMBIGUOUS_RE = (
    (r"^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$", "YAML 1.1 reads it as a boolean"),
    (r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$",
     "YAML 1.1 reads it as a base-60 number"),
    (r"^[-+]?0[0-9_]+$", "YAML 1.1 reads it as an octal number"),
    (r"^[-+]?0[oOxXbB][0-9a-fA-F_]+$", "it looks like an octal, hex or binary number"),
    (r"^[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)$", "infinity and NaN are not numbers here"),
)
# Bidirectional overrides and isolates can make text display differently from what it is.
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


# Tabs, C0/C1 controls other than newline and carriage return, and the bidi characters
# (compiled here: every file read is checked, parsed or not).
_FORBIDDEN = re.compile("[\t\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + "".join(sorted(_BIDI)) + "]")
# The same, written as escapes inside double quotes (a tab there is harmless text).
_ESCAPED_RE = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + "".join(sorted(_BIDI)) + "]"


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


# Set by _compile_patterns(), read by _resolve and _scalar for every scalar parsed.
_AMBIGUOUS: tuple[tuple[re.Pattern[str], str], ...] = ()
_AMBIGUOUS_ANY: re.Pattern[str]
_ESCAPED: re.Pattern[str]
# The implicit resolvers by first character, in the order _Resolver tries them: PyYAML's
# `resolve` does the same lookup, but through a general method per scalar.
_BY_FIRST: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {}


def _compile_patterns() -> None:
    """Compile the parser's patterns, once: parse_text calls it before it parses."""
    global _AMBIGUOUS, _AMBIGUOUS_ANY, _ESCAPED, _BY_FIRST
    if _BY_FIRST:
        return
    _AMBIGUOUS = tuple((re.compile(pattern), why) for pattern, why in _AMBIGUOUS_RE)
    _AMBIGUOUS_ANY = re.compile("|".join(f"(?:{pattern})" for pattern, _ in _AMBIGUOUS_RE))
    _ESCAPED = re.compile(_ESCAPED_RE)
    for tag, regexp, first in (
        (_BOOL, _BOOL_RE, list("tTfF")),
        (_INT, _INT_RE, list("-+0123456789")),
        (_FLOAT, _FLOAT_RE, list("-+0123456789.")),
        (_NULL, _NULL_RE, ["~", "n", "N", ""]),
    ):
        _Resolver.add_implicit_resolver(tag, re.compile(regexp), first)
    _BY_FIRST = {  # last: it says that all are set
        first: tuple(pairs) for first, pairs in _Resolver.yaml_implicit_resolvers.items()
        if first is not None
    }


def _resolve(value: str, implicit: tuple[bool, bool]) -> str:
    """The tag of an untagged scalar: _Resolver's answer."""
    if implicit[0]:
        for tag, regexp in _BY_FIRST.get(value[:1], ()):
            if regexp.match(value):
                return tag
    return _STR


class _Loader(Reader, Scanner, Parser, _Resolver):
    """Pure-Python events; used where PyYAML was built without libyaml."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        _Resolver.__init__(self)


_LoaderClass: type = _Loader
if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _FastLoader(CParser, _Resolver):  # type: ignore[misc]
        """libyaml's C scanner and parser for the events (most of the time spent); our
        resolver and builder on top of them: the same rules at C speed."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _Resolver.__init__(self)

    _LoaderClass = _FastLoader


@dataclass(frozen=True)
class LoadedDoc:
    """One YAML file: its data and where each part of it stands."""

    path: str  # the file's path as shown to the user
    data: Any  # plain data: dict, list, str, int, Decimal, bool or None
    lines: dict[PathKey, tuple[int, int]]  # path -> (line, column), 1-based
    digest: str = ""  # sha256 of the text

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


def _fail(message: str, mark: Any, hint: str = "") -> StrictYamlError:
    return StrictYamlError(message, mark.line + 1, mark.column + 1, hint)


def _scalar(event: yaml.ScalarEvent, tag: str) -> Any:
    value = event.value
    # `"\u202e"` or `"\x07"` in double quotes makes a character that _precheck refuses in text
    bad = _ESCAPED.search(value) if event.style == '"' else None
    if bad:
        ch = bad.group()
        raise _fail(f"escaped {'bidirectional' if ch in _BIDI else 'control'} character "
                    f"U+{ord(ch):04X} in a quoted value", event.start_mark,
                    "remove it; it is invisible or changes how the text displays")
    if tag == _STR:
        if not event.style and _AMBIGUOUS_ANY.match(value):  # plain: a surprise, but which?
            for pattern, why in _AMBIGUOUS:
                if pattern.match(value):
                    raise _fail(f"ambiguous value `{value}`: {why}", event.start_mark,
                                f'quote it ("{value}") if you mean text'
                                + ("; write true or false for a yes/no value"
                                   if "boolean" in why else ""))
        return value
    if tag == _INT:
        digits = value.replace("_", "").lstrip("+-")
        if len(digits) > NUMBER_DIGITS:  # before int(): Python refuses over 4,300 digits
            raise _too_many_digits(value, len(digits), event)
        whole = int(value.replace("_", ""))
        if abs(whole) >= 10**NUMBER_MAX_EXP:
            raise _too_large(value, event)
        return whole
    if tag == _FLOAT:
        try:
            number = Decimal(value.replace("_", ""))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise _fail(f"`{_short(value)}` is not a finite number", event.start_mark)
        return _bounded(number, value, event)
    if tag == _BOOL:
        return value.lower() == "true"
    if tag == _NULL:
        return None
    raise _fail(f"tag `{tag}` is not allowed", event.start_mark,
                "remove the tag; only plain values, lists and mappings are supported")


def _short(text: str) -> str:
    """A value as a message shows it: long ones cut, with their length."""
    return text if len(text) <= 40 else f"{text[:20]}…{text[-8:]} ({len(text):,} characters)"


def _too_many_digits(value: str, n: int, event: yaml.ScalarEvent) -> StrictYamlError:
    return _fail(f"`{_short(value)}` has {n:,} significant digits, more than the "
                 f"{NUMBER_DIGITS} iku computes with", event.start_mark,
                 f"round it to at most {NUMBER_DIGITS} digits")


def _too_large(value: str, event: yaml.ScalarEvent) -> StrictYamlError:
    return _fail(f"`{_short(value)}` is too large: numbers must be below "
                 f"10^{NUMBER_MAX_EXP} in magnitude", event.start_mark,
                 "check the value and its unit")


def _bounded(number: Decimal, value: str, event: yaml.ScalarEvent) -> Decimal:
    """`number` if it lies within the formula context's bounds; an error at its mark if not."""
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite
    if len(digits) > NUMBER_DIGITS:
        raise _too_many_digits(value, len(digits), event)
    if exponent + len(digits) > NUMBER_MAX_EXP:  # 10**21 or more (0e30 as well: write 0)
        raise _too_large(value, event)
    if exponent < NUMBER_MIN_EXP:
        raise _fail(f"`{_short(value)}` has more than {-NUMBER_MIN_EXP} decimal places",
                    event.start_mark, f"round it to at most {-NUMBER_MIN_EXP} decimals")
    return number


_NOT_ALLOWED = "write the value out in full; anchors and aliases are not supported"


def _value(loader: Any, path: PathKey, lines: dict[PathKey, tuple[int, int]],
           depth: int, located: bool = False) -> Any:
    """One value, built straight from the event stream (no node tree in between).

    An alias or anchor is refused at its own mark, before anything could expand. `located`:
    the caller has recorded where the value stands already (a mapping value, at its key)."""
    event = loader.get_event()
    cls = event.__class__
    mark = event.start_mark
    if cls is yaml.AliasEvent:
        raise _fail(f"alias `*{event.anchor}` is not allowed", mark, _NOT_ALLOWED)
    if getattr(event, "anchor", None) is not None:
        raise _fail(f"anchor `&{event.anchor}` is not allowed", mark, _NOT_ALLOWED)
    if depth > MAX_DEPTH:
        raise _fail(f"nesting deeper than {MAX_DEPTH} levels", mark)
    if not located:
        lines.setdefault(path, (mark.line + 1, mark.column + 1))
    if cls is yaml.ScalarEvent:
        tag = event.tag
        if tag is None or tag == "!":
            tag = _resolve(event.value, event.implicit)
        return _scalar(event, tag)
    if cls is yaml.SequenceStartEvent:
        tag = event.tag if event.tag not in (None, "!") else _SEQ
        if tag != _SEQ:
            raise _fail(f"tag `{tag}` is not allowed", mark)
        items: list[Any] = []
        while not loader.check_event(yaml.SequenceEndEvent):
            items.append(_value(loader, (*path, len(items)), lines, depth + 1))
        loader.get_event()
        return items
    if cls is yaml.MappingStartEvent:
        tag = event.tag if event.tag not in (None, "!") else _MAP
        if tag != _MAP:
            raise _fail(f"tag `{tag}` is not allowed", mark)
        result: dict[str, Any] = {}
        while not loader.check_event(yaml.MappingEndEvent):
            key_event = loader.peek_event()
            key_mark = key_event.start_mark
            if key_event.__class__ is not yaml.ScalarEvent or key_event.anchor is not None:
                # a mapping or list as a key, or an alias or anchor there: refuse in place
                if isinstance(key_event, yaml.AliasEvent | yaml.ScalarEvent):
                    _value(loader, path, {}, depth + 1)
                raise _fail("a key must be plain text", key_mark)
            loader.get_event()
            key_tag = key_event.tag if key_event.tag not in (None, "!") else \
                _resolve(key_event.value, key_event.implicit)
            if key_tag in (_INT, _FLOAT):  # `2023:` as a key means the text "2023"
                key = key_event.value
            else:
                key = _scalar(key_event, key_tag)
                if not isinstance(key, str):
                    key = str(key_event.value)  # `true:` and `null:` keys are text as well
            if key in result:
                first = lines.get((*path, key), (0, 0))[0]
                raise _fail(f"duplicate key `{key}` (first at line {first})", key_mark,
                            "remove one of the two; YAML would silently keep only the last")
            where = (*path, key)
            lines[where] = (key_mark.line + 1, key_mark.column + 1)
            result[key] = _value(loader, where, lines, depth + 1, True)
        loader.get_event()
        return result
    raise _fail(f"unexpected YAML event {cls.__name__}", mark)


def _document(loader: Any, lines: dict[PathKey, tuple[int, int]]) -> Any:
    """The one document of the stream; None for an empty file."""
    loader.get_event()  # stream start
    if loader.check_event(yaml.StreamEndEvent):
        return None
    loader.get_event()  # document start
    data = _value(loader, (), lines, 0)
    loader.get_event()  # document end
    if not loader.check_event(yaml.StreamEndEvent):
        raise _fail("more than one YAML document in the file", loader.peek_event().start_mark,
                    "remove the `---` line and what follows, or split the file")
    return data


# Successful parses by text: revisions of a year repeat most IKU files word for word, and a
# run reads them all. Only clean results are kept, so every error names its own file. The
# most recent texts only: a run over hundreds of owners must not hold every file it read.
_PARSED: OrderedDict[str, tuple[Any, dict[PathKey, tuple[int, int]], str]] = OrderedDict()
_PARSED_MAX = 256


def parse_text(text: str, shown: str) -> tuple[LoadedDoc | None, list[Issue]]:
    """Parse already-decoded text; returns the document or the issues found.

    The data of identical texts is shared: callers must not change it (none does; the
    model is built from it, frozen)."""
    if text in _PARSED:
        _PARSED.move_to_end(text)
        data, table, digest = _PARSED[text]
        return LoadedDoc(shown, data, table, digest), []
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    cached = parsecache.get(digest)
    if cached is not None:
        _remember(text, (*cached, digest))
        return LoadedDoc(shown, cached[0], cached[1], digest), []
    lines: dict[PathKey, tuple[int, int]] = {}
    _compile_patterns()
    try:
        loader = _LoaderClass(text)
        try:
            data = _document(loader, lines)
        finally:
            if hasattr(loader, "dispose"):
                loader.dispose()
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
    parsecache.put(digest, data, lines)
    _remember(text, (data, lines, digest))
    return LoadedDoc(shown, data, lines, digest), []


def _remember(text: str, parsed: tuple[Any, dict[PathKey, tuple[int, int]], str]) -> None:
    _PARSED[text] = parsed
    if len(_PARSED) > _PARSED_MAX:
        _PARSED.popitem(last=False)


def load_file(path: Path, shown: str | None = None) -> tuple[LoadedDoc | None, list[Issue]]:
    """Read and parse one file strictly. Never raises for bad content; returns issues."""
    shown = shown or display_path(path)
    try:
        raw = read_regular(path, MAX_FILE_BYTES, shown)
    except InputError as exc:
        return None, list(exc.issues)
    text, issues = _precheck(raw, shown)
    if text is None:
        return None, issues
    return parse_text(text, shown)


def display_path(path: Path) -> str:
    """The path relative to the working directory when it lies below it."""
    if not path.is_absolute() and ".." not in path.parts:
        return str(path)  # already as the user named it: no need to resolve every file
    try:
        return str(path.resolve().relative_to(_resolved(os.getcwd())))
    except ValueError:
        return str(path)


@cache
def _resolved(cwd: str) -> Path:
    """The working directory resolved once per directory (every file shown needs it)."""
    return Path(cwd).resolve()



@dataclass(frozen=True)
class Span:
    """Where one value stands in a text, for editing it in place (engine.datawrite)."""

    start: tuple[int, int]  # (line, column), 0-based, of its first character
    end: tuple[int, int]  # just past its last character; a block collection's ends where its
    # last value does (a parser's own end mark lies past trailing blank and comment lines)
    style: str  # "plain", "quoted", "literal" (| or >), "flow" ({} or []) or "block"
    key: tuple[int, int] | None = None  # the start of its key, for a mapping's value


def spans(text: str) -> dict[PathKey, Span]:
    """Each value's span in `text`, by path; for a text that `parse_text` has accepted (the
    checks are not repeated here). Only the dataset writer needs this, so the loader's hot
    path does not pay for it."""
    out: dict[PathKey, Span] = {}
    loader = _LoaderClass(text)
    try:
        loader.get_event()  # stream start
        if not loader.check_event(yaml.StreamEndEvent):
            loader.get_event()  # document start
            _span(loader, (), None, out)
    finally:
        if hasattr(loader, "dispose"):
            loader.dispose()
    return out


def _span(loader: Any, path: PathKey, key: tuple[int, int] | None,
          out: dict[PathKey, Span]) -> tuple[int, int]:
    """Record the span of the value starting at the next event; return where it ends."""
    event = loader.get_event()
    start = (event.start_mark.line, event.start_mark.column)
    if isinstance(event, yaml.ScalarEvent):
        assert event.end_mark is not None
        style = {None: "plain", "": "plain", "'": "quoted", '"': "quoted"}.get(event.style,
                                                                               "literal")
        end = (event.end_mark.line, event.end_mark.column)
        out[path] = Span(start, end, style, key)
        return end
    flow = bool(event.flow_style)
    end = start
    if isinstance(event, yaml.SequenceStartEvent):
        index = 0
        while not loader.check_event(yaml.SequenceEndEvent):
            end = _span(loader, (*path, index), None, out)
            index += 1
    else:
        while not loader.check_event(yaml.MappingEndEvent):
            key_event = loader.get_event()
            name = key_event.value
            end = _span(loader, (*path, name),
                        (key_event.start_mark.line, key_event.start_mark.column), out)
    closing = loader.get_event()
    if flow:
        end = (closing.end_mark.line, closing.end_mark.column)
    out[path] = Span(start, end, "flow" if flow else "block", key)
    return end
