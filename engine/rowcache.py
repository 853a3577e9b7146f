"""Each owner's row of `iku evaluate --tree`, and what checking its manuals and data found,
kept by what they were computed from: a national run recomputes only the owners whose
files changed, and the owners whose links lead into them.

What a row depends on, and so what an entry records:
- the engine: the sources of every engine module, the JSON Schemas, and the versions of
  Python, PyYAML, asteval and jsonschema (`_engine_id`);
- the question: the working folder (paths are shown relative to it), the manual and data
  roots as named and as resolved (a message may show either), the organisation as read
  (its owners, folders, links' targets) and its problems, the owner, the year, the period
  and as-of;
- the folders of every owner whose manuals or data the computation asked for
  (`Project.recording`: the owner itself and those its links lead to, however far): for
  each, a fingerprint of its manual folder and its data folder, every name in them at any
  depth with its kind, size, inode, change and modification times (as git's index does;
  nothing is opened, so a FIFO cannot hang it).
A lookup recomputes the fingerprints and uses the entry only when every one is unchanged;
anything else (an entry that does not parse, a field of the wrong form) means recomputing.

Three rules keep a stale row out, since a changed file that looked unchanged would be a
quiet wrong figure:
- A folder holding a symbolic link or anything but folders and regular files is never
  fingerprinted (what a link leads to can change without the link changing): its
  dependants are computed afresh every run.
- An entry is written only when no fingerprinted file or folder changed in the two seconds
  before its fingerprint was taken ("racy git": a file changed twice within one tick of the
  file system's clock keeps its times, so a change just after the fingerprint could go
  unseen), nor since, for the owner's own folders.
- Every owner's folders are fingerprinted before any of their files is read in the process
  (`Project.before_reading`; the project's loaded files are released when the cache starts),
  and an entry keeps those fingerprints: a file that changed after them, even while the
  run held an older copy in memory, makes the entry miss the next time.
The clocks compared are the machine's own (a network file system whose server's clock is
behind by more than two seconds defeats the second rule; IKU_NO_CACHE=1 turns the cache
off).

Entries live in the parse cache's folder (`rows-v1/`, engine.parsecache: the same trust
rules, the same bound), one file each, JSON only.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import parsecache
from engine.errors import Issue, Location, Severity
from engine.periods import Period
from engine.rollup import Score, ScorePart
from engine.rules import NKP, NPSS, NSS, Rule

if TYPE_CHECKING:
    from engine.org import Owner
    from engine.project import Project
    from engine.tree import TreeRow

STORE = "rows-v1"
RACY_NS = 2_000_000_000  # two seconds: far more than any file system's clock tick
_RULES: dict[str, dict[str, Rule]] = {"nss": NSS, "nkp": NKP, "npss": NPSS, "average": NSS}


@cache
def _engine_id() -> str:
    """The engine's own sources and schemas, and the libraries whose behaviour shows in a row
    or an issue; a change to any of them makes every entry unreachable."""
    from importlib.metadata import version

    from engine.formula import asteval_version
    from engine.schemacheck import schema_dir
    from engine.yamlload import PYYAML_VERSION

    h = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for root, pattern in ((package, "*.py"), (schema_dir(), "*.json")):
        for p in sorted(root.rglob(pattern)):
            h.update(f"{p.relative_to(root)}\0".encode())
            h.update(p.read_bytes())
    h.update("\0".join((sys.version, PYYAML_VERSION, asteval_version(),
                        version("jsonschema"))).encode())
    return h.hexdigest()


class RowCache:
    """The rows of one tree run (one project, year, period and as-of)."""

    def __init__(self, project: Project, year: int | None, when: str | None,
                 as_of: bool) -> None:
        self.project = project
        # Anything already in memory was read before a fingerprint could be taken: read anew.
        project.release()
        project.before_reading = self._print
        org, issues = project.organisation()
        self._question = json.dumps([
            # the roots as typed and as resolved: messages may show either (a reviewer saw a
            # data folder behind a renamed link keep its old name in a cached message)
            _engine_id(), os.getcwd(), str(project.manuals_root), str(project.data_root),
            os.path.realpath(project.manuals_root), os.path.realpath(project.data_root),
            repr(org), [i.as_text() for i in issues], year, when, as_of])
        # owner -> (fingerprint, newest change, when it was taken), all in ns
        self._prints: dict[str, tuple[str, int, int] | None] = {}

    @staticmethod
    def usable() -> bool:
        """Whether the cache is on and its folder safe to use (parsecache's rules)."""
        return parsecache.store_folder(STORE, create=True) is not None

    def _key(self, owner: str) -> str:
        return hashlib.sha256(f"{self._question}\0{owner}".encode()).hexdigest()

    def _print(self, owner: str) -> tuple[str, int, int] | None:
        """The owner's folders' fingerprint, their newest change and when the fingerprint
        was taken, once per run and before any of their files is read; None when they
        cannot be fingerprinted."""
        if owner not in self._prints:
            found = self.project.org.owner(owner)
            self._prints[owner] = None if found is None else _fingerprint_of(self.project,
                                                                               found)
        return self._prints[owner]

    def get(self, owner: Owner, depth: int) -> tuple[TreeRow, list[Issue]] | None:
        """The owner's row and issues as an earlier run computed them from the same files;
        None when there is no such entry."""
        if self._print(owner.code) is None:
            return None
        key = self._key(owner.code)
        raw = parsecache.read_entry(STORE, key)
        if raw is None:
            return None
        try:
            entry = json.loads(raw)
            if not isinstance(entry, dict) or entry.get("key") != key:
                return None
            deps = entry["deps"]
            if not isinstance(deps, dict) or owner.code not in deps:
                return None
            for code, printed in deps.items():
                now = self._print(code)
                if now is None or now[0] != printed:
                    return None
            return _row(owner, depth, entry["row"]), [_issue(i) for i in entry["issues"]]
        except (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError):
            return None  # not an entry of this form: compute the row instead

    def start(self, owner: Owner) -> None:
        """Before the owner's computation: its folders fingerprinted before they are read
        (validation lists them before it asks the project for anything)."""
        self._print(owner.code)

    def put(self, owner: Owner, touched: set[str], row: TreeRow, issues: list[Issue]) -> None:
        """Remember a computed row, unless any folder it depends on cannot be fingerprinted
        or changed too recently to be sure what was read (see the module's rules)."""
        deps: dict[str, str] = {}
        for code in sorted(touched | {owner.code}):
            printed = self._print(code)
            if printed is None or printed[1] >= printed[2] - RACY_NS:
                return
            deps[code] = printed[0]
        after = _fingerprint_of(self.project, owner)
        if after is None or after[0] != deps[owner.code]:
            return  # its own folders changed while it was computed: no use keeping it
        key = self._key(owner.code)
        parsecache.write_entry(STORE, key, json.dumps(
            {"key": key, "deps": deps, "row": _row_json(row),
             "issues": [_issue_json(i) for i in issues]}, ensure_ascii=False))


def _fingerprint_of(project: Project, owner: Owner) -> tuple[str, int, int] | None:
    return _fingerprint((project.org.manual_folder(owner), project.data_root / owner.folder))


def _fingerprint(folders: tuple[Path, ...]) -> tuple[str, int, int] | None:
    """A digest of every name under `folders` with its kind, size, inode and times, the
    newest time among them and the time it was taken; None when there is a symbolic link
    or a special file."""
    taken = time.time_ns()
    h = hashlib.sha256()
    newest = 0
    todo = list(reversed(folders))
    while todo:
        folder = todo.pop()
        try:
            st = os.lstat(folder)
        except FileNotFoundError:
            h.update(f"{folder}\0absent\n".encode())
            continue
        except OSError:
            return None
        if not stat.S_ISDIR(st.st_mode):
            return None  # a link, a file where a folder belongs: computed afresh
        newest = max(newest, st.st_ctime_ns, st.st_mtime_ns)
        h.update(f"{folder}\0dir\n".encode())
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return None
        subfolders = []
        for e in entries:
            try:
                est = e.stat(follow_symlinks=False)
            except OSError:
                return None
            if stat.S_ISDIR(est.st_mode):
                subfolders.append(Path(e.path))
            elif stat.S_ISREG(est.st_mode):
                newest = max(newest, est.st_ctime_ns, est.st_mtime_ns)
                h.update(f"{e.path}\0{est.st_size}\0{est.st_ino}\0{est.st_dev}\0"
                         f"{est.st_mtime_ns}\0{est.st_ctime_ns}\n".encode())
            else:
                return None
        todo += reversed(subfolders)
    return h.hexdigest(), newest, taken


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)  # str -> Decimal gives the same digits back


def _undec(text: object) -> Decimal | None:
    return None if text is None else _dec_of(text)


def _dec_of(text: object) -> Decimal:
    if not isinstance(text, str):
        raise TypeError(text)  # a capaian is never missing: the entry is not ours
    value = Decimal(text)
    if not value.is_finite():
        raise ValueError(text)  # iku computes no NaN or infinity: not an entry of ours
    return value


def _score_json(s: Score) -> dict[str, Any]:
    return {"level": s.level, "about": s.about, "rule": s.rule.name, "state": s.state,
            "value": _dec(s.value), "exact": _dec(s.exact), "partial": _dec(s.partial),
            "parts": [[p.label, _dec(p.value), _dec(p.weight), p.state, p.why]
                      for p in s.parts], "why": s.why, "weight": _dec(s.weight)}


def _score(d: dict[str, Any]) -> Score:
    return Score(_str(d["level"]), _str(d["about"]), _RULES[d["level"]][d["rule"]],
                 _str(d["state"]), _undec(d["value"]), _undec(d["exact"]),
                 _undec(d["partial"]),
                 tuple(ScorePart(_str(label), _undec(v), _undec(w), _str(state), _str(why))
                       for label, v, w, state, why in d["parts"]),
                 _str(d["why"]), _undec(d["weight"]))


def _row_json(r: TreeRow) -> dict[str, Any]:
    return {"period": None if r.period is None else str(r.period), "as_of": r.as_of,
            "npss": None if r.npss is None else _score_json(r.npss),
            "groups": [[g, n] for g, n in r.groups],
            "weakest": None if r.weakest is None else
            [r.weakest.code, r.weakest.indicator, _dec(r.weakest.capaian)],
            "precision": r.precision, "figure_errors": list(r.figure_errors),
            "error": r.error, "note": r.note}


def _row(owner: Owner, depth: int, d: dict[str, Any]) -> TreeRow:
    from engine.tree import TreeRow, Weakest

    weak = d["weakest"]
    return TreeRow(
        owner, depth, None if d["period"] is None else Period.parse(_str(d["period"])),
        _bool(d["as_of"]), None if d["npss"] is None else _score(d["npss"]),
        tuple((_str(g), _int(n)) for g, n in d["groups"]),
        None if weak is None else Weakest(_str(weak[0]), _str(weak[1]), _dec_of(weak[2])),
        _int(d["precision"]), tuple(_str(c) for c in d["figure_errors"]), _str(d["error"]),
        _str(d["note"]))


def _issue_json(i: Issue) -> dict[str, Any]:
    loc = i.location
    return {"severity": i.severity.value, "message": i.message,
            "location": None if loc is None else [loc.file, loc.line, loc.column],
            "hint": i.hint, "iku": i.iku, "unit": i.unit, "period": i.period,
            "code": i.code}


def _issue(d: dict[str, Any]) -> Issue:
    loc = d["location"]
    return Issue(Severity(d["severity"]), _str(d["message"]),
                 None if loc is None else Location(_str(loc[0]), _int(loc[1]), _int(loc[2])),
                 _str(d["hint"]), _str(d["iku"]), _str(d["unit"]), _str(d["period"]),
                 _str(d["code"]))


def _str(v: object) -> str:
    if not isinstance(v, str):
        raise TypeError(v)
    return v


def _int(v: object) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise TypeError(v)
    return v


def _bool(v: object) -> bool:
    if not isinstance(v, bool):
        raise TypeError(v)
    return v
