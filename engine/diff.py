"""Semantic differences between two manual revisions, and what they do to the scores.

IKUs are matched by code; an IKU whose code exists on one side only is matched
by its name on the other (a renumbering). Each difference is one `Change`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import os
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from engine.dataset import Dataset, load_dataset
from engine.errors import EXIT_USAGE, InputError, Issue, Location, did_you_mean, error
from engine.evaluate import Evaluation, Evaluator
from engine.manual import LoadResult, ManualSet, load_manual
from engine.model import Iku, Manual, Range, Target, TargetValue
from engine.periods import Period
from engine.safeio import allow_root
from engine.values import LinkResolver
from engine.yamlload import MAX_FILE_BYTES, display_path


@dataclass(frozen=True)
class Change:
    iku: str  # IKU code on the new side ("" for the header)
    aspect: str  # what changed: name, formula, targets, ...
    old: str  # old value, shown as text ("" when added)
    new: str  # new value, shown as text ("" when removed)
    detail: str = ""  # an inline diff or a remark
    kind: str = "rule"  # rule (how a figure is made), target (an existing year's target) or
    # new-year (the target of the year the new revision governs, the old one beside it)


@dataclass(frozen=True)
class ManualDiff:
    old: Manual  # the older revision
    new: Manual  # the newer revision
    changes: tuple[Change, ...]  # every difference, header first, then by IKU
    unchanged: tuple[str, ...]  # IKU codes with no difference

    @property
    def changed_ikus(self) -> tuple[str, ...]:
        """IKUs whose rules or existing targets changed (a new year's target alone is not a
        change of the IKU: every IKU gets one)."""
        return tuple(dict.fromkeys(c.iku for c in self.changes
                                   if c.iku and c.kind != "new-year"))

    def of_kind(self, kind: str) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.kind == kind)

    @property
    def new_year(self) -> int | None:
        """The year the new revision governs, when it is another year than the old one's."""
        return self.new.year if self.new.year != self.old.year else None


def _n(x: Decimal | None) -> str:
    return "—" if x is None else format(x.normalize(), "f") if x == x.to_integral_value() \
        else str(x)


def expression_diff(old: str, new: str) -> str:
    """Token-level diff: `(L1 + L2 + [-L3-]{+L4+}) / 3`.

    >>> expression_diff("(A + B) / 2", "(A + C) / 2")
    '(A + [-B-]{+C+}) / 2'
    """
    token = re.compile(r"\d+(?:\.\d+)?|\w+|\*\*|[^\s\w]")
    a, b = token.findall(old), token.findall(new)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
        if op == "equal":
            out.append(" ".join(a[i1:i2]))
        else:  # a replacement reads as one piece: [-old-]{+new+}
            removed = "[-" + " ".join(a[i1:i2]) + "-]" if i2 > i1 else ""
            added = "{+" + " ".join(b[j1:j2]) + "+}" if j2 > j1 else ""
            out.append(removed + added)
    text = " ".join(out)
    text = re.sub(r" ,", ",", re.sub(r" \)", ")", re.sub(r"\( ", "(", text)))
    return re.sub(r"(\w) \(", r"\1(", text)  # a name before `(` is a function call


def _tv(v: TargetValue) -> str:
    """A target value as text: `99`, or a range `80–90`."""
    return f"{_n(v.low)}–{_n(v.high)}" if isinstance(v, Range) else _n(v)


def _target_text(t: Target, periods: bool = True) -> str:
    shown = ", ".join(f"{s} {_tv(v)}" for s, v in t.periods) if periods else ""
    return _tv(t.value) + (f" ({shown})" if shown else "")


def _limits_text(iku: Iku, kind: str) -> str:
    """The IKU's own cap or floor as text: "" when it leaves the manual's in force."""
    own = iku.limits
    if own is None or not (own.sets_cap if kind == "cap" else own.sets_floor):
        return ""
    value = own.cap if kind == "cap" else own.floor
    return "none (null)" if value is None else _n(value)


def _targets(targets: tuple[Target, ...], other: tuple[Target, ...] = ()) -> dict[int, str]:
    """Targets by year as text. Period targets count only where `other` gives them for the
    same year too: a revision that no longer repeats last year's per-period targets has not
    changed them."""
    with_periods = {t.year for t in other if t.periods}
    return {t.year: _target_text(t, periods=t.year in with_periods or not other)
            for t in targets}


def _iku_changes(old: Iku, new: Iku, old_m: Manual, new_m: Manual) -> Iterator[Change]:
    code = new.code
    if old.code != new.code:
        yield Change(code, "code", old.code, new.code, "renumbered; matched by name")
    for aspect in ("name", "unit_of_measure", "polarity"):
        a, b = getattr(old, aspect), getattr(new, aspect)
        if a != b:
            yield Change(code, aspect, a, b)
    if old.objective != new.objective:
        yield Change(code, "objective", old.objective, new.objective)
    old_obj, new_obj = old_m.objective(old.objective), new_m.objective(new.objective)
    if old_obj and new_obj and old_obj.perspective != new_obj.perspective:
        yield Change(code, "perspective", old_obj.perspective, new_obj.perspective)
    if " ".join(old.definition.split()) != " ".join(new.definition.split()):
        yield Change(code, "definition", " ".join(old.definition.split()),
                     " ".join(new.definition.split()))
    if old.formula.text != new.formula.text:
        yield Change(code, "formula", old.formula.text, new.formula.text,
                     expression_diff(old.formula.text, new.formula.text))
    old_steps = {s.name: s.formula.text for s in old.steps}
    new_steps = {s.name: s.formula.text for s in new.steps}
    for name in dict.fromkeys([*old_steps, *new_steps]):
        a, b = old_steps.get(name, ""), new_steps.get(name, "")
        if a != b:
            yield Change(code, f"step {name}", a, b,
                         expression_diff(a, b) if a and b else ("added" if b else "removed"))
    old_vars = {v.name: v for v in old.variables}
    new_vars = {v.name: v for v in new.variables}
    for name in dict.fromkeys([*old_vars, *new_vars]):
        va, vb = old_vars.get(name), new_vars.get(name)
        if va is None and vb is not None:
            yield Change(code, f"variable {name}", "", f"{vb.kind}, {vb.unit}: {vb.meaning}",
                         "added")
        elif vb is None and va is not None:
            yield Change(code, f"variable {name}", f"{va.kind}, {va.unit}: {va.meaning}", "",
                         "removed")
        elif va is not None and vb is not None and \
                (va.kind, va.unit, va.min, va.max) != (vb.kind, vb.unit, vb.min, vb.max):
            yield Change(code, f"variable {name}", f"{va.kind}, {va.unit}",
                         f"{vb.kind}, {vb.unit}")
    sa, sb = old.schedule, new.schedule
    for label, a, b in (("measured", ", ".join(sa.measured), ", ".join(sb.measured)),
                        ("targeted", ", ".join(sa.targeted), ", ".join(sb.targeted)),
                        ("aggregate", sa.aggregate, sb.aggregate)):
        if a != b:
            yield Change(code, f"schedule {label}", a or "year only", b or "year only")
    new_year = new_m.year if old_m.year != new_m.year else None
    if new_year is not None:  # between years: the new performance agreement, last year's beside
        pa, pb = old.target(old_m.year), new.target(new_year)
        yield Change(code, f"target {new_year}",
                     f"{_target_text(pa)} ({old_m.year})" if pa else "",
                     _target_text(pb) if pb else "", kind="new-year")
    ta, tb = _targets(old.targets, new.targets), _targets(new.targets, old.targets)
    for year in sorted({*ta, *tb}):
        if year != new_year and ta.get(year) != tb.get(year):
            yield Change(code, f"target {year}", ta.get(year, ""), tb.get(year, ""),
                         kind="target")
    for kind in ("cap", "floor"):
        a, b = _limits_text(old, kind), _limits_text(new, kind)
        if a != b:
            yield Change(code, f"capaian {kind}", a or "the manual's", b or "the manual's")
    ca, cb = old.cascade, new.cascade
    if ca.rollup != cb.rollup:
        yield Change(code, "roll-up", ca.rollup, cb.rollup)
    ua = {u.unit: u for u in ca.units}
    ub = {u.unit: u for u in cb.units}
    for unit in dict.fromkeys([*ua, *ub]):
        if unit not in ub:
            yield Change(code, f"cascade {unit}", "carries it", "", "unit removed")
        elif unit not in ua:
            yield Change(code, f"cascade {unit}", "", "carries it", "unit added")
        else:
            x, y = ua[unit], ub[unit]
            xt, yt = _targets(x.targets, y.targets), _targets(y.targets, x.targets)
            for year in sorted({*xt, *yt}):
                if xt.get(year) != yt.get(year):
                    yield Change(code, f"cascade {unit} target {year}", xt.get(year, ""),
                                 yt.get(year, ""),
                                 kind="new-year" if year == new_year else "target")
            fa = x.formula.text if x.formula else ""
            fb = y.formula.text if y.formula else ""
            if fa != fb:
                yield Change(code, f"cascade {unit} formula", fa, fb)


def _header_changes(old: Manual, new: Manual) -> Iterator[Change]:
    so, sn = old.scoring, new.scoring
    for label, a, b in (
        ("scoring precision", str(so.precision), str(sn.precision)),
        ("capaian (higher is better)", so.capaian_higher.text, sn.capaian_higher.text),
        ("capaian (lower is better)", so.capaian_lower.text, sn.capaian_lower.text),
        ("capaian cap", _n(so.cap), _n(sn.cap)),
        ("capaian floor", _n(so.floor), _n(sn.floor)),
        ("status bands", "; ".join(f"{b.name} {_n(b.low)}-{_n(b.high)}" for b in so.bands),
         "; ".join(f"{b.name} {_n(b.low)}-{_n(b.high)}" for b in sn.bands)),
        ("roll-up rules", f"{so.nss}, {so.nkp}, {so.npss}", f"{sn.nss}, {sn.nkp}, {sn.npss}"),
    ):
        if a != b:
            yield Change("", label, a, b)
    yield from _keyed("perspective",
                      {p.code: f"{p.name} {_n(p.weight)} %" for p in old.perspectives},
                      {p.code: f"{p.name} {_n(p.weight)} %" for p in new.perspectives})
    yield from _keyed("objective", {o.code: f"{o.name} ({o.perspective})" for o in old.objectives},
                      {o.code: f"{o.name} ({o.perspective})" for o in new.objectives})
    yield from _keyed("unit", {u.code: u.name for u in old.units},
                      {u.code: u.name for u in new.units})


def _keyed(kind: str, old: dict[str, str], new: dict[str, str]) -> Iterator[Change]:
    """Header entries matched by code, each shown as text; added ones have no old text."""
    for code in dict.fromkeys([*old, *new]):
        if old.get(code) != new.get(code):
            yield Change("", f"{kind} {code}", old.get(code, ""), new.get(code, ""))


def diff_manuals(old: Manual, new: Manual) -> ManualDiff:
    changes = list(_header_changes(old, new))
    old_by = {i.code: i for i in old.ikus}
    new_by = {i.code: i for i in new.ikus}
    only_old = [c for c in old_by if c not in new_by]
    only_new = [c for c in new_by if c not in old_by]
    pairs: list[tuple[Iku, Iku]] = [(old_by[c], new_by[c]) for c in new_by if c in old_by]
    for c in list(only_new):  # a renumbered IKU keeps its name
        match = difflib.get_close_matches(new_by[c].name, [old_by[o].name for o in only_old],
                                          n=1, cutoff=0.9)
        if match:
            o = next(o for o in only_old if old_by[o].name == match[0])
            pairs.append((old_by[o], new_by[c]))
            only_old.remove(o)
            only_new.remove(c)
    unchanged: list[str] = []
    order = {i.code: n for n, i in enumerate(new.ikus)}
    for a, b in sorted(pairs, key=lambda p: order.get(p[1].code, 0)):
        found = list(_iku_changes(a, b, old, new))
        changes += found
        if not any(c.kind != "new-year" for c in found):
            unchanged.append(b.code)
    for c in only_old:
        changes.append(Change(c, "IKU", old_by[c].name, "", "removed"))
    for c in only_new:
        changes += _added(new_by[c], new)
    return ManualDiff(old, new, tuple(changes), tuple(unchanged))


def _added(iku: Iku, manual: Manual) -> list[Change]:
    """An added IKU in full: a reviewer must see what is being agreed to, not only a name."""
    code = iku.code
    s = iku.schedule
    rows = [("IKU", iku.name), ("unit_of_measure", iku.unit_of_measure),
            ("polarity", iku.polarity), ("objective", iku.objective),
            ("definition", " ".join(iku.definition.split())),
            *((f"step {st.name}", st.formula.text) for st in iku.steps),
            ("formula", iku.formula.text),
            ("schedule", f"measured {', '.join(s.measured)}; targeted "
                         f"{', '.join(s.targeted) or 'year only'}; {s.aggregate}"),
            *((f"target {t.year}", _target_text(t)) for t in iku.targets),
            ("cascade", f"{iku.cascade.rollup}: "
                        + (", ".join(u.unit for u in iku.cascade.units) or manual.owner))]
    return [Change(code, aspect, "", text, "added") for aspect, text in rows]


def revision_changes(manuals: ManualSet, year: int,
                     code: str) -> list[tuple[Manual, tuple[Change, ...]]]:
    """The owner's revisions of `year` in order, each with the changes it made to IKU `code`
    (none for the first revision of the year)."""
    revisions = manuals.for_year(year)
    out: list[tuple[Manual, tuple[Change, ...]]] = []
    for before, after in zip((None, *revisions), revisions, strict=False):
        changes: tuple[Change, ...] = ()
        if before is not None and before.iku(code) is not None and after.iku(code) is not None:
            changes = tuple(c for c in diff_manuals(before, after).changes if c.iku == code)
        out.append((after, changes))
    return out


# -- resolving OLD and NEW ------------------------------------------------------------------
def resolve(spec: str, owner_folder: Path, workdir: Path) -> LoadResult:
    """OLD/NEW as a folder, a revision label of the owner (a folder in `owner_folder`), or
    `REV:PATH` / `REV:LABEL` from git."""
    path = Path(spec)
    if path.is_dir():
        return load_manual(path)
    if _safe_name(spec) and (owner_folder / spec / "manual.yaml").is_file():
        return load_manual(owner_folder / spec)
    if ":" in spec:  # REV:PATH or REV:LABEL, the label a revision of this owner
        return _from_git(spec, owner_folder, workdir)
    labels = sorted(p.parent.name for p in owner_folder.glob("*/manual.yaml"))
    raise InputError((error(f"`{spec}` is not a manual folder, a revision label of "
                            f"{owner_folder.name} or REV:PATH",
                            hint=did_you_mean(spec, labels) or
                            f"revisions: {', '.join(labels) or 'none'}; or from git "
                            "HEAD~1:2023-r2", code="usage"),),
                     EXIT_USAGE)


# A file or folder name taken from git and written to disk: letters, digits, `_ . + -`, not
# starting with a dot or a dash. Strict on purpose: a tree is data from whoever made the
# commit, and `..`, `/`, control characters or a leading dash are never a revision's name.
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")
_OID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


def _safe_name(name: str) -> bool:
    """
    >>> [_safe_name(n) for n in ("2023-r2", "IKU.01.yaml", "..", ".x", "-x", "a/b", "a b")]
    [True, True, False, False, False, False, False]
    """
    return len(name) <= 255 and _NAME.fullmatch(name) is not None


def _git_error(spec: str, detail: str, hint: str = "") -> InputError:
    return InputError((error(f"git cannot read `{spec}`: {detail}", hint=hint or
                             "run inside the repository; check the revision and path",
                             code="usage"),), EXIT_USAGE)


def _git(args: list[str], spec: str, stdin: bytes | None = None, missing: str = "") -> bytes:
    """Run git; its failure is the user's (a wrong revision or path), shown in one line:
    `missing` when git found no such object, git's own first line otherwise."""
    import subprocess  # only `iku diff` with a git revision runs git

    try:
        done = subprocess.run(["git", *args], input=stdin, capture_output=True, check=False)
    except OSError as exc:
        raise _git_error(spec, f"cannot run git: {exc.strerror}", "install git") from None
    if done.returncode != 0:
        text = done.stderr.decode("utf-8", "replace").strip()
        if missing and (not text or "Not a valid object name" in text):
            raise _git_error(spec, missing)
        lines = text.splitlines()
        raise _git_error(spec, lines[0][:200] if lines else f"git {args[0]} failed")
    return done.stdout


def _from_git(spec: str, owner_folder: Path, workdir: Path) -> LoadResult:
    """`REV:PATH` or `REV:LABEL`: the revision folder's files read from git into memory,
    checked, and written below `workdir` under names we chose, then loaded from there."""
    import tempfile

    rev, _, sub = spec.partition(":")
    if not rev or rev.startswith("-") or not rev.isprintable() or len(rev) > 200:
        raise _git_error(spec, f"`{rev}` is not a revision",
                         "for example HEAD~1, a branch, a tag or a commit id")
    # --end-of-options: whatever the user typed is a revision, never an option of git's
    out = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
               spec, missing=f"`{rev}` is not a commit of this repository")
    commit = out.decode("ascii", "replace").strip()
    if not _OID.fullmatch(commit):
        raise _git_error(spec, f"`{rev}` is not a commit")
    if "/" in sub or sub in (".", ".."):
        folder = _repo_path(sub, spec)
    else:  # a revision label at that git revision: HEAD~1:2023-r2
        folder = _label_at(commit, sub, owner_folder, spec)
    files = _git_files(commit, folder, spec, rev)
    target = Path(tempfile.mkdtemp(prefix="side-", dir=workdir)) / folder.rpartition("/")[2]
    target.mkdir()
    (target / "iku").mkdir()
    for name, data in files.items():
        dest = target / name
        assert dest.parent in (target, target / "iku")  # names were checked: no way out
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
    result = load_manual(target)
    # Messages name the file as it is in git, not the temporary copy.
    shown = f"{rev}:{folder}"
    temp = {str(target), display_path(target)}

    def named(text: str) -> str:
        for t in temp:
            text = text.replace(t, shown)
        return text

    issues = tuple(dataclasses.replace(
        i, message=named(i.message),
        location=None if i.location is None else
        dataclasses.replace(i.location, file=named(i.location.file))) for i in result.issues)
    return dataclasses.replace(result, issues=issues)


def _prefix(spec: str) -> str:
    """The working directory's path inside the repository, as git writes it (`sub/dir/`)."""
    return _git(["rev-parse", "--show-prefix"], spec).decode("utf-8", "replace").strip()


def _checked_path(path: str, spec: str) -> str:
    """`path` (relative to the repository's top) if it stays inside and every part is a
    plain name; a usage error otherwise."""
    if path == "." or path == ".." or path.startswith(("../", "/")):
        raise _git_error(spec, f"`{path}` leads outside the repository")
    for part in path.split("/"):
        if not _safe_name(part):
            raise _git_error(spec, f"`{part}` is not a plain file or folder name",
                             "names from git are letters, digits and `_ . + -`")
    return path


def _repo_path(sub: str, spec: str) -> str:
    """PATH of `REV:PATH` relative to the repository's top, as git reads it: relative to the
    top, or to the working directory when it starts with ./ or ../."""
    if sub in (".", "..") or sub.startswith(("./", "../")):
        sub = _prefix(spec) + sub
    return _checked_path(posixpath.normpath(sub.rstrip("/") or "."), spec)


def _label_at(commit: str, label: str, owner_folder: Path, spec: str) -> str:
    """The folder of the owner's revision `label` at git revision `commit`."""
    if not _safe_name(label):
        raise _git_error(spec, f"`{label}` is not a revision label", "for example 2023-r2")
    if owner_folder.is_absolute():
        top = _git(["rev-parse", "--show-toplevel"], spec).decode("utf-8", "replace").strip()
        root = os.path.relpath(os.path.realpath(owner_folder), os.path.realpath(top))
    else:
        root = _prefix(spec) + owner_folder.as_posix()
    root = _checked_path(posixpath.normpath(root), spec)
    out = _git(["ls-tree", "-r", "-z", "--full-tree", "--name-only", f"{commit}:{root}"], spec,
               missing=f"there is no {root} at `{spec.partition(':')[0]}`")
    folders = sorted({f"{root}/{name.rpartition('/')[0]}"
                      for name in out.decode("utf-8", "replace").split("\0")
                      if name.endswith(f"/{label}/manual.yaml") or name == f"{label}/manual.yaml"})
    if not folders:
        raise InputError((error(f"no revision `{label}` under {owner_folder} at "
                                f"`{spec.partition(':')[0]}`", code="usage"),), EXIT_USAGE)
    return _checked_path(folders[0], spec)


def _git_files(commit: str, folder: str, spec: str, rev: str) -> dict[str, bytes]:
    """`manual.yaml` and `iku/*.yaml` of `folder` at `commit`, by name, read into memory.

    Every entry of the tree is looked at: a `.` or `..` or an empty or control-character
    name anywhere, an oversized file, and a file we need that is a link, a submodule or
    oddly named are errors. Nothing is written here."""
    out = _git(["ls-tree", "-r", "-z", "--full-tree", f"{commit}:{folder}"], spec,
               missing=f"there is no {folder} at `{rev}`")
    wanted: dict[str, str] = {}
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, raw = record.partition(b"\t")
        name = raw.decode("utf-8", "replace")
        parts = name.split("/")
        if any(p in ("", ".", "..") or not p.isprintable() for p in parts):
            raise _git_error(spec, f"the tree holds an entry named {name!r}",
                             "a tree with such names was made on purpose; do not use it")
        if not (name == "manual.yaml" or (len(parts) == 2 and parts[0] == "iku"
                                          and parts[1].endswith(".yaml"))):
            continue  # the loader reads nothing else
        mode, kind, oid = [*meta.decode("ascii", "replace").split(" "), "", "", ""][:3]
        if kind != "blob" or mode not in ("100644", "100755") or not _OID.fullmatch(oid):
            what = "a symbolic link" if mode == "120000" else \
                "a submodule" if kind == "commit" else f"a git {kind or 'entry'}"
            raise _git_error(spec, f"{folder}/{name} is {what}, not a file",
                             "iku reads only plain files from git")
        if not _safe_name(parts[-1]):
            raise _git_error(spec, f"file name {parts[-1]!r} in {folder} is not a plain name",
                             "names from git are letters, digits and `_ . + -`")
        wanted[name] = oid
    if not wanted:
        raise InputError((error(f"nothing at `{spec}`", hint="is it a manual revision folder?",
                                code="usage"),), EXIT_USAGE)
    batch = "".join(f"{oid}\n" for oid in wanted.values()).encode("ascii")
    checked = _git(["cat-file", "--batch-check"], spec, batch).decode("ascii", "replace")
    for name, line in zip(wanted, checked.splitlines(), strict=False):
        size = line.rpartition(" ")[2]  # "<oid> blob <size>", or "<oid> missing"
        if not size.isdigit():
            raise _git_error(spec, f"{folder}/{name} cannot be read ({line})")
        if int(size) > MAX_FILE_BYTES:
            raise _git_error(spec, f"{folder}/{name} is {int(size):,} bytes, over the limit "
                             f"of {MAX_FILE_BYTES:,}")
    blobs = _git(["cat-file", "--batch"], spec, batch)
    files: dict[str, bytes] = {}
    pos = 0
    for name, oid in wanted.items():  # each: "<oid> blob <size>\n<content>\n"
        header_end = blobs.index(b"\n", pos)
        got, _, size = blobs[pos:header_end].decode("ascii").split(" ")
        assert got == oid
        start = header_end + 1
        files[name] = blobs[start:start + int(size)]
        pos = start + int(size) + 1
    return files


def load_pair(old: str, new: str, owner_folder: Path, owner: str) -> tuple[Manual, Manual]:
    """Load both sides, revisions of `owner`; any error in either stops with all their
    issues. tempfile and shutil are imported here: `iku explain` imports this module for
    revision_changes and never loads a pair."""
    import shutil
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix="iku-diff-"))
    allow_root(workdir)  # the copies from git are read from there
    try:
        results = [resolve(old, owner_folder, workdir), resolve(new, owner_folder, workdir)]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    issues: list[Issue] = [i for r in results for i in r.issues if i.severity.value == "error"]
    if issues or any(r.manual is None for r in results):
        raise InputError(tuple(issues))
    a, b = results[0].manual, results[1].manual
    assert a is not None and b is not None
    for spec, m in ((old, a), (new, b)):
        if m.owner != owner:  # two owners' manuals are different rulebooks, not revisions
            raise InputError((error(f"{spec} is a manual of {m.owner}, not of {owner}",
                                    Location(m.header_file), code="usage",
                                    hint="compare revisions of one owner; use --owner"),),
                             EXIT_USAGE)
    return a, b


# -- impact ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Impact:
    year: int  # the data's year
    old: Evaluation  # owner view under the old manual
    new: Evaluation  # owner view under the new manual
    units: tuple[tuple[Evaluation, Evaluation], ...]  # each directorate's view, old and new
    old_data_issues: tuple[Issue, ...]  # data the old manual cannot use
    new_data_issues: tuple[Issue, ...]  # data the new manual cannot use


def as_year(manual: Manual, year: int) -> Manual:
    """The manual's rules applied to another year: its own year's targets become that year's,
    in force from the year's first day. For "what would this manual have done to that data"."""
    if manual.year == year:
        return dataclasses.replace(manual, revision=dataclasses.replace(
            manual.revision, effective_from=dt.date(year, 1, 1)))

    def shift(targets: tuple[Target, ...]) -> tuple[Target, ...]:
        own = [dataclasses.replace(t, year=year) for t in targets if t.year == manual.year]
        return tuple(own + [t for t in targets if t.year not in (year, manual.year)])

    ikus = tuple(dataclasses.replace(
        i, targets=shift(i.targets),
        cascade=dataclasses.replace(i.cascade, units=tuple(
            dataclasses.replace(u, targets=shift(u.targets)) for u in i.cascade.units)))
        for i in manual.ikus)
    revision = dataclasses.replace(manual.revision, effective_from=dt.date(year, 1, 1))
    return dataclasses.replace(manual, year=year, revision=revision, ikus=ikus)


def impact(old: Manual, new: Manual, data_folder: Path,
           links: LinkResolver | None = None) -> Impact:
    year = int(data_folder.name)
    period = Period.of(year, "Y")
    sides: list[tuple[list[Evaluation], Dataset]] = []
    for manual in (old, new):
        mset = ManualSet(manual.owner, (as_year(manual, year),))
        data = load_dataset(data_folder, mset)
        ev = Evaluator(mset, data, links)
        views = [ev.evaluate(period)]
        views += [ev.evaluate(period, u.code) for u in manual.units if u.code != manual.owner]
        sides.append((views, data))
    (old_views, old_data), (new_views, new_data) = sides
    return Impact(year, old_views[0], new_views[0],
                  tuple(zip(old_views[1:], new_views[1:], strict=True)),
                  old_data.issues, new_data.issues)
