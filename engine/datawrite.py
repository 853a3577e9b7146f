"""Writing values into dataset files in place (`iku import`).

A dataset file is the users' text: comments, order, flow or block style and notes stay as
they are. The writer edits the text at the spans the strict loader reports
(`engine.yamlload.spans`): it appends an entry to `values`, inserts an input into an
entry's `inputs`, adds an evidence or note beside a value, or, when asked to, replaces a
number where it stands. A new file gets the schema modeline, `iku`, `year` and `values`.

Each file's new text is written to a temporary file beside it, loaded again with the
strict loader and checked against its owner's manual like any dataset file (a form across
owners writes into several owners' data at once); only when every file is clean are they
moved into place, each with `os.replace`, and a failure on the way puts back the files
already replaced: all files change, or none.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine import schemacheck
from engine.codes import code_of_stem, file_stem
from engine.dataset import InputData, check_file, read_input
from engine.errors import EXIT_INPUT, InputError, Issue, Location, error, has_errors
from engine.forms import fmt
from engine.functions import Items
from engine.manual import ManualSet
from engine.periods import Period, PeriodError
from engine.yamlload import LoadedDoc, Span, display_path, load_file, spans

MODELINE = "# yaml-language-server: $schema=../../../schemas/dataset.schema.json"

ADDED, SAME, ANNOTATED, REPLACED, CONFLICT = "added", "same", "annotated", "replaced", "conflict"


@dataclass(frozen=True)
class Typed:
    """One input as a form gives it, checked against the manual."""

    iku: str  # IKU code
    unit: str  # unit code
    variable: str  # variable name
    value: InputData  # a number, a list or named items
    evidence: str  # from the form's evidence cell(s); may be empty
    note: str  # from the form's note cell(s); may be empty
    cell: str  # where the value stands in the form (`form.xlsx:Form!K7`)
    owner: str = ""  # the owner whose data it goes to


@dataclass(frozen=True)
class Change:
    kind: str  # ADDED, SAME, ANNOTATED (evidence or note added), REPLACED or CONFLICT
    typed: Typed  # what the form says
    detail: str  # what the file holds (SAME), or what changes: `99.89 -> 99.9`, `note added`
    where: str  # file:line of the value the file holds, or the file written


@dataclass
class FilePlan:
    path: Path  # the dataset file
    shown: str  # as shown to the user
    old: str | None  # its text now; None for a new file
    new: str  # its text after the import
    changes: list[Change] = field(default_factory=list)
    owner: str = ""  # the owner whose data the file is: its manual checks the new text

    def diff(self) -> str:
        a = (self.old or "").splitlines(keepends=True)
        b = self.new.splitlines(keepends=True)
        return "".join(difflib.unified_diff(a, b, "/dev/null" if self.old is None
                                            else f"a/{self.shown}", f"b/{self.shown}"))


# -- rendering ---------------------------------------------------------------------------------
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_AMBIGUOUS = re.compile(r"^(?:y|n|yes|no|on|off|true|false|null|~)$", re.I)
_ESCAPE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u061c\u202a-\u202e"
                     "\u2066-\u2069\ufeff]")


def quoted(text: str) -> str:
    """A YAML double-quoted string; invisible and bidirectional characters escaped, so the
    strict loader (which refuses them raw) reads back exactly `text`.

    >>> quoted('Tabel 16: "83 + 46"'), quoted("a\\u202eb")
    ('"Tabel 16: \\\\"83 + 46\\\\""', '"a\\\\u202eb"')
    """
    body = json.dumps(text, ensure_ascii=False)
    return _ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", body)


def word(text: str) -> str:
    """A name (key, unit code) plain where that reads back as the same text, else quoted.

    >>> word("kanreg_i"), word("no"), word("konferensi video")
    ('kanreg_i', '"no"', '"konferensi video"')
    """
    return text if _PLAIN.match(text) and not _AMBIGUOUS.match(text) else quoted(text)


def _number(value: InputData) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    assert isinstance(value, Decimal)
    return fmt(value)


def _items_flow(items: Items) -> str:
    return "{" + ", ".join(f"{word(k)}: {fmt(v)}" for k, v in items.pairs) + "}"


def flow_input(value: InputData, evidence: str, note: str) -> str:
    """An input's value on one line: `490`, `[1, 2]`, `{value: 490, note: "..."}` or
    `{items: {a: 1}, evidence: "..."}`."""
    parts = [f"items: {_items_flow(value)}"] if isinstance(value, Items) else \
        ([f"value: {_number(value)}"] if evidence or note else [])
    if not parts:
        return _number(value)
    parts += [f"evidence: {quoted(evidence)}"] if evidence else []
    parts += [f"note: {quoted(note)}"] if note else []
    return "{" + ", ".join(parts) + "}"


def block_input(name: str, value: InputData, evidence: str, note: str, indent: int
                ) -> list[str]:
    """An input as block lines at `indent`."""
    pad = " " * indent
    if not isinstance(value, Items) and not evidence and not note:
        return [f"{pad}{word(name)}: {_number(value)}"]
    lines = [f"{pad}{word(name)}:"]
    if isinstance(value, Items):
        lines.append(f"{pad}  items:")
        lines += [f"{pad}    {word(k)}: {fmt(v)}" for k, v in value.pairs]
    else:
        lines.append(f"{pad}  value: {_number(value)}")
    lines += [f"{pad}  evidence: {quoted(evidence)}"] if evidence else []
    lines += [f"{pad}  note: {quoted(note)}"] if note else []
    return lines


def entry_lines(unit: str, period: Period, typed: list[Typed], dash: int) -> list[str]:
    pad = " " * dash
    lines = [f"{pad}- unit: {word(unit)}", f"{pad}  period: {period}", f"{pad}  inputs:"]
    for t in typed:
        lines += block_input(t.variable, t.value, t.evidence, t.note, dash + 4)
    return lines


def entry_flow(unit: str, period: Period, typed: list[Typed]) -> str:
    inputs = ", ".join(f"{word(t.variable)}: {flow_input(t.value, t.evidence, t.note)}"
                       for t in typed)
    return f"{{unit: {word(unit)}, period: {period}, inputs: {{{inputs}}}}}"


def shown_value(value: InputData) -> str:
    if isinstance(value, Items):
        return "{" + ", ".join(f"{k}: {fmt(v)}" for k, v in value.pairs) + "}"
    return _number(value)


# -- editing text at spans ---------------------------------------------------------------------
class _Text:
    """A file's text with its line starts, for turning (line, column) into offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, pos: tuple[int, int]) -> int:
        return self.starts[pos[0]] + pos[1] if pos[0] < len(self.starts) else len(self.text)

    def end(self, span: Span) -> int:
        """Where the value's content ends: a block scalar's span runs on over blank lines."""
        i = self.at(span.end)
        while i > 0 and self.text[i - 1] in " \t\r\n":
            i -= 1
        return i

    def after_line(self, offset: int) -> int:
        """The start of the line after the one holding `offset`."""
        nl = self.text.find("\n", offset)
        return len(self.text) if nl < 0 else nl + 1

    def line_start(self, offset: int) -> int:
        return self.text.rfind("\n", 0, offset) + 1

    def line_break(self, offset: int) -> int:
        """The end of the line holding `offset`, before its line break."""
        nl = self.text.find("\n", offset)
        end = len(self.text) if nl < 0 else nl
        return end - 1 if end > 0 and self.text[end - 1] == "\r" else end


@dataclass
class _Edits:
    text: _Text
    edits: list[tuple[int, int, int, str]] = field(default_factory=list)  # start, end, depth

    def replace(self, start: int, end: int, new: str, depth: int = 0) -> None:
        self.edits.append((start, end, depth, new))

    def insert_lines(self, offset: int, lines: list[str], depth: int) -> None:
        """Insert whole lines at the start of a line (`offset` from `_Text.after_line`), with
        the file's own line ends."""
        nl = "\r\n" if "\r\n" in self.text.text else "\n"
        lead = nl if offset == len(self.text.text) and self.text.text and \
            not self.text.text.endswith("\n") else ""
        self.replace(offset, offset, lead + "".join(line + nl for line in lines), depth)

    def apply(self) -> str:
        out = self.text.text
        # From the end backwards, so earlier offsets stay valid; at one offset the outer
        # insertion first, so that an inner one (an item of the last input) lands before it.
        for start, end, _depth, new in sorted(self.edits, key=lambda e: (-e[0], e[2])):
            out = out[:start] + new + out[end:]
        return out


def _members_end(t: _Text, sp: dict[Any, Span], path: tuple[Any, ...], names: list[str]) -> int:
    """The end of a mapping's last member's value."""
    return t.end(sp[(*path, names[-1])])


def _add_members(ed: _Edits, sp: dict[Any, Span], path: tuple[Any, ...], names: list[str],
                 flow: list[str], block: list[list[str]], depth: int) -> None:
    """Add members to the mapping at `path` (whose keys are `names`), as flow text
    (`key: value`) or block lines (each member's lines, at the members' indentation)."""
    if not flow:
        return
    t = ed.text
    span = sp[path]
    if span.style == "flow":
        ed.replace(_members_end(t, sp, path, names), _members_end(t, sp, path, names),
                   "".join(", " + m for m in flow), depth)
    else:
        ed.insert_lines(t.after_line(_members_end(t, sp, path, names)),
                        [line for m in block for line in m], depth)


def _indent(sp: dict[Any, Span], path: tuple[Any, ...], names: list[str]) -> int:
    first = sp[(*path, names[0])]
    assert first.key is not None
    return first.key[1]


def _replace_value(ed: _Edits, sp: dict[Any, Span], path: tuple[Any, ...], flow: str,
                   depth: int) -> None:
    """Replace the value at `path` by `flow` (one line), whatever its style was."""
    t = ed.text
    span = sp[path]
    if span.style == "block":  # a block list or mapping: the new value goes on the key's line
        assert span.key is not None
        colon = t.text.index(":", t.at(span.key))
        ed.replace(colon + 1, t.line_break(t.end(span)), " " + flow, depth)
    else:
        ed.replace(t.at(span.start), t.end(span), flow, depth)


# -- planning one file ----------------------------------------------------------------------
def _same(old: InputData, new: InputData) -> bool:
    if isinstance(old, Items) or isinstance(new, Items):
        return isinstance(old, Items) and isinstance(new, Items) and \
            dict(old.pairs) == dict(new.pairs) and len(old.pairs) == len(new.pairs)
    if isinstance(old, tuple) or isinstance(new, tuple):
        return isinstance(old, tuple) and isinstance(new, tuple) and old == new
    return old == new


def _data_file(folder: Path, code: str, issues: list[Issue]) -> Path:
    """The file that holds `code` in the year folder: the one there, whether its name is
    padded or not, or the padded name for a new one."""
    found = [p for p in sorted(folder.glob("*.yaml")) if not p.name.startswith(".")
             and code_of_stem(p.stem) == code] if folder.is_dir() else []
    if len(found) > 1:
        issues.append(error(f"{code} has two files in {display_path(folder)}: "
                            f"{', '.join(p.name for p in found)}", Location(display_path(folder)),
                            iku=code, code="file-name", hint="keep one file per indicator"))
    return found[0] if found else folder / f"{file_stem(code)}.yaml"


def plan_file(folder: Path, code: str, period: Period, typed: list[Typed], replace: bool,
              issues: list[Issue]) -> FilePlan | None:
    """The new text of the file of `code` with the form's values of `period`; None when
    nothing changes. Conflicts (a different value without `replace`) become issues."""
    path = _data_file(folder, code, issues)
    shown = display_path(path)
    by_unit: dict[str, list[Typed]] = {}
    for one in typed:
        by_unit.setdefault(one.unit, []).append(one)
    if not path.exists():
        lines = [MODELINE, f"iku: {code}", f"year: {period.year}", "values:"]
        for unit, group in by_unit.items():
            lines += entry_lines(unit, period, group, 2)
        plan = FilePlan(path, shown, None, "\n".join(lines) + "\n")
        plan.changes += [Change(ADDED, t, "", shown) for t in typed]
        return plan
    raw = path.read_bytes()
    doc, found = load_file(path)
    if doc is None or found:
        issues += found
        issues.append(error(f"{shown} cannot be read, so nothing can be added to it",
                            Location(shown), iku=code, code="data-file",
                            hint="fix it first (iku validate names each problem)"))
        return None
    schema = schemacheck.validate(doc, "dataset", iku=code)
    if schema:
        issues += schema
        issues.append(error(f"{shown} does not follow the dataset schema, so nothing can be "
                            "added to it", Location(shown), iku=code, code="data-file",
                            hint="fix it first (iku validate names each problem)"))
        return None
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    t = _Text(text)
    sp = spans(text)
    ed = _Edits(t)
    plan = FilePlan(path, shown, text, text)
    new_entries: list[tuple[str, list[Typed]]] = []
    for unit, group in by_unit.items():
        idx = _entry_index(doc, unit, period)
        if idx is None:
            new_entries.append((unit, group))
            plan.changes += [Change(ADDED, x, "", shown) for x in group]
            continue
        _plan_entry(doc, idx, group, period, replace, sp, ed, plan, issues)
    if new_entries:
        _append_entries(doc, sp, ed, period, new_entries)
    if not ed.edits:
        return plan if plan.changes else None
    new = ed.apply()
    plan.new = ("\ufeff" if bom else "") + new
    plan.old = ("\ufeff" if bom else "") + text
    return plan


def _entry_index(doc: LoadedDoc, unit: str, period: Period) -> int | None:
    for idx, raw in enumerate(doc.data["values"]):
        try:
            p = Period.parse(raw["period"])
        except PeriodError:
            continue
        if raw["unit"] == unit and p == period:
            return idx
    return None


def _append_entries(doc: LoadedDoc, sp: dict[Any, Span], ed: _Edits, period: Period,
                    new: list[tuple[str, list[Typed]]]) -> None:
    t = ed.text
    span = sp[("values",)]
    count = len(doc.data["values"])
    if span.style == "block":
        lines = [line for unit, group in new for line in entry_lines(unit, period, group,
                                                                      span.start[1])]
        ed.insert_lines(t.after_line(t.end(span)), lines, 0)
    elif count == 0:  # `values: []`: the entries as a block list in its place
        lines = [line for unit, group in new for line in entry_lines(unit, period, group, 2)]
        assert span.key is not None
        colon = t.text.index(":", t.at(span.key))
        nl = "\r\n" if "\r\n" in t.text else "\n"
        ed.replace(colon + 1, t.end(span), nl + nl.join(lines), 0)
    else:
        last = t.end(sp[("values", count - 1)])
        ed.replace(last, last, "".join(", " + entry_flow(u, period, g) for u, g in new), 0)


def _plan_entry(doc: LoadedDoc, idx: int, group: list[Typed], period: Period, replace: bool,
                sp: dict[Any, Span], ed: _Edits, plan: FilePlan, issues: list[Issue]) -> None:
    entry = doc.data["values"][idx]
    inputs = entry["inputs"]
    ipath: tuple[Any, ...] = ("values", idx, "inputs")
    names = list(inputs)
    add_flow: list[str] = []
    add_block: list[list[str]] = []
    indent = _indent(sp, ipath, names)
    for typed in group:
        if typed.variable not in inputs:
            add_flow.append(f"{word(typed.variable)}: "
                            f"{flow_input(typed.value, typed.evidence, typed.note)}")
            add_block.append(block_input(typed.variable, typed.value, typed.evidence,
                                         typed.note, indent))
            plan.changes.append(Change(ADDED, typed, "", plan.shown))
            continue
        _plan_input(doc, ipath, typed, entry, period, replace, sp, ed, plan, issues)
    _add_members(ed, sp, ipath, names, add_flow, add_block, 2)


def _plan_input(doc: LoadedDoc, ipath: tuple[Any, ...], typed: Typed, entry: dict[str, Any],
                period: Period, replace: bool, sp: dict[Any, Span], ed: _Edits,
                plan: FilePlan, issues: list[Issue]) -> None:
    name = typed.variable
    vpath = (*ipath, name)
    raw = entry["inputs"][name]
    old = read_input(name, raw, doc, vpath)
    where = str(old.location)
    same_value = _same(old.value, typed.value)
    # An evidence or note is the same when the input or its entry already says it; added
    # where the input has none; a different one is an overwrite, like a different value.
    texts: dict[str, str] = {}
    differs: list[str] = []
    for what, new, have, entry_level in (("evidence", typed.evidence, old.evidence,
                                          entry.get("evidence", "")),
                                         ("note", typed.note, old.note, entry.get("note", ""))):
        if not new or new in (have, entry_level):
            texts[what] = have
        elif not have:
            texts[what] = new
        else:
            texts[what] = new
            differs.append(what)
    annotate = any(texts[w] != h for w, h in (("evidence", old.evidence), ("note", old.note)))
    if same_value and not annotate:
        plan.changes.append(Change(SAME, typed, shown_value(old.value), where))
        return
    if not same_value or differs:
        parts = [_value_change(old.value, typed.value)] if not same_value else []
        parts += [f'{w} "{getattr(old, w)}" -> "{texts[w]}"' for w in differs]
        detail = "; ".join(parts)
        if not replace:
            issues.append(error(
                f"`{name}`: the form differs from the data at {where}: {detail}",
                Location(typed.cell), iku=typed.iku, unit=typed.unit, period=str(period),
                code="import-conflict",
                hint="iku import --replace writes the form's; or correct the form"))
            plan.changes.append(Change(CONFLICT, typed, detail, where))
            return
        kind = REPLACED
    else:
        kind = ANNOTATED
        detail = " and ".join(w for w, h in (("evidence", old.evidence), ("note", old.note))
                              if texts[w] != h) + " added"
    value = typed.value if not same_value else old.value
    _edit_input(ed, sp, vpath, raw, value, old.value, texts["evidence"], texts["note"],
                not same_value)
    plan.changes.append(Change(kind, typed, detail, where))


def _value_change(old: InputData, new: InputData) -> str:
    """What differs between two values: `99.89 -> 99.9`; for items, only the items that
    differ (`email 100 -> 90; audit 100 -> left out; baru new: 80`).

    >>> _value_change(Items((("a", Decimal(1)), ("b", Decimal(2)))),
    ...               Items((("a", Decimal(1)), ("b", Decimal(3)), ("c", Decimal(4)))))
    'b 2 -> 3; c new: 4'
    """
    if not (isinstance(old, Items) and isinstance(new, Items)):
        return f"{shown_value(old)} -> {shown_value(new)}"
    was, now = dict(old.pairs), dict(new.pairs)
    parts = [f"{k} {fmt(v)} -> {fmt(now[k])}" if k in now else f"{k} {fmt(v)} -> left out"
             for k, v in was.items() if now.get(k) != v]
    parts += [f"{k} new: {fmt(v)}" for k, v in now.items() if k not in was]
    return "; ".join(parts) or "the order of the items"


def _edit_input(ed: _Edits, sp: dict[Any, Span], vpath: tuple[Any, ...], raw: Any,
                value: InputData, old: InputData, evidence: str, note: str,
                new_value: bool) -> None:
    """Write `value`, `evidence` and `note` where the input stands, changing only what
    differs: a number where it is written, an evidence or note beside it."""
    t = ed.text
    if not isinstance(raw, dict):  # `X1: 490` or `v: [1, 2]`: becomes `{value: ..., ...}`
        _replace_value(ed, sp, vpath, flow_input(value, evidence, note), 1)
        return
    names = list(raw)
    if new_value:
        if isinstance(value, Items) and isinstance(old, Items) and \
                [k for k, _ in old.pairs] == [k for k, _ in value.pairs]:
            for (k, v), (_, was) in zip(value.pairs, old.pairs, strict=True):
                if v != was:  # each changed item where it stands
                    span = sp[(*vpath, "items", k)]
                    ed.replace(t.at(span.start), t.end(span), fmt(v), 3)
        elif isinstance(value, Items):
            span = sp[(*vpath, "items")]
            if span.style == "flow":
                ed.replace(t.at(span.start), t.end(span), _items_flow(value), 3)
            else:
                first = sp[(*vpath, "items", next(iter(raw["items"])))]
                assert first.key is not None
                pad = " " * first.key[1]
                start = t.line_start(t.at(first.key))
                ed.replace(start, t.line_break(t.end(span)),
                           "\n".join(f"{pad}{word(k)}: {fmt(v)}" for k, v in value.pairs), 3)
        else:
            _replace_value(ed, sp, (*vpath, "value"), _number(value), 3)
    add_flow: list[str] = []
    add_block: list[list[str]] = []
    indent = _indent(sp, vpath, names)
    for what, text in (("evidence", evidence), ("note", note)):
        have = raw.get(what, "")
        if text == have:
            continue
        if what in raw:
            _replace_value(ed, sp, (*vpath, what), quoted(text), 3)
        else:
            add_flow.append(f"{what}: {quoted(text)}")
            add_block.append([f"{' ' * indent}{what}: {quoted(text)}"])
    _add_members(ed, sp, vpath, names, add_flow, add_block, 3)


# -- writing -------------------------------------------------------------------------------
def write_all(plans: list[FilePlan], manuals: Mapping[str, ManualSet]) -> None:
    """Write every planned file, or none, whichever owners' data they are. Each new text is
    written beside its file, loaded again and checked against its own owner's manual
    (`manuals` by owner) before anything is replaced; a failure while replacing puts back the
    files already replaced."""
    changed = [p for p in plans if p.old != p.new]
    temps: dict[Path, Path] = {}
    backups: dict[Path, Path] = {}
    made: list[Path] = []
    done: list[Path] = []
    try:
        issues: list[Issue] = []
        for plan in changed:
            folder = plan.path.parent
            for d in reversed([folder, *folder.parents]):
                if not d.exists():
                    d.mkdir()
                    made.append(d)
            temps[plan.path] = _temp(folder, plan.path.name, plan.new.encode("utf-8"))
            doc, found = load_file(temps[plan.path], plan.shown)
            issues += found
            if doc is not None:
                issues += check_file(doc, plan.path, manuals[plan.owner])
        if has_errors(issues):
            raise InputError((*issues, error(
                "nothing was written: the data as it would be written does not check "
                "(line numbers are those of the new text; `--dry-run` shows it)",
                code="import-check")), EXIT_INPUT)
        for plan in changed:
            if plan.path.exists():
                backups[plan.path] = _temp(plan.path.parent, plan.path.name,
                                           plan.path.read_bytes())
        try:
            for plan in changed:
                os.replace(temps[plan.path], plan.path)
                del temps[plan.path]
                done.append(plan.path)
        except OSError as exc:
            for path in reversed(done):
                if path in backups:
                    os.replace(backups.pop(path), path)
                else:
                    path.unlink(missing_ok=True)
            done.clear()
            raise InputError((error(f"could not write {display_path(Path(exc.filename or ''))}"
                                    f": {exc.strerror or exc}; every file is as it was",
                                    code="io"),), EXIT_INPUT) from None
        _sync_folders({p.path.parent for p in changed})
    finally:
        for tmp in [*temps.values(), *backups.values()]:
            tmp.unlink(missing_ok=True)
        if not done:
            for d in reversed(made):
                with contextlib.suppress(OSError):  # not empty: not ours to remove
                    d.rmdir()


def _temp(folder: Path, name: str, data: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _sync_folders(folders: set[Path]) -> None:
    """Make the renames durable (a folder's entries are data too)."""
    for folder in folders:
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)
