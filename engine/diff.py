"""Semantic differences between two manual revisions, and what they do to the scores.

IKUs are matched by code; an IKU whose code exists on one side only is matched
by its name on the other (a renumbering). Each difference is one `Change`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
import shutil
import subprocess
import tempfile
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
from engine.values import LinkResolver


@dataclass(frozen=True)
class Change:
    iku: str  # IKU code on the new side ("" for the header)
    aspect: str  # what changed: name, formula, targets, ...
    old: str  # old value, shown as text ("" when added)
    new: str  # new value, shown as text ("" when removed)
    detail: str = ""  # an inline diff or a remark


@dataclass(frozen=True)
class ManualDiff:
    old: Manual  # the older revision
    new: Manual  # the newer revision
    changes: tuple[Change, ...]  # every difference, header first, then by IKU
    unchanged: tuple[str, ...]  # IKU codes with no difference

    @property
    def changed_ikus(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.iku for c in self.changes if c.iku))


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
    if old_m.year != new_m.year:  # between years, the performance agreement's target moves
        pa, pb = old.target(old_m.year), new.target(new_m.year)
        a = f"{_target_text(pa)} ({old_m.year})" if pa else ""
        b = f"{_target_text(pb)} ({new_m.year})" if pb else ""
        if (pa and pa.value) != (pb and pb.value) or (old.unit_of_measure != new.unit_of_measure):
            yield Change(code, "target (PK)", a, b)
    ta, tb = _targets(old.targets, new.targets), _targets(new.targets, old.targets)
    for year in sorted({*ta, *tb}):
        if ta.get(year) != tb.get(year):
            yield Change(code, f"target {year}", ta.get(year, ""), tb.get(year, ""))
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
            if xt != yt:
                yield Change(code, f"cascade {unit} targets",
                             "; ".join(f"{k}: {v}" for k, v in xt.items()),
                             "; ".join(f"{k}: {v}" for k, v in yt.items()))
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
    for a, b in sorted(pairs, key=lambda p: _order(p[1].code)):
        found = list(_iku_changes(a, b, old, new))
        changes += found
        if not found:
            unchanged.append(b.code)
    for c in only_old:
        changes.append(Change(c, "IKU", old_by[c].name, "", "removed"))
    for c in only_new:
        changes.append(Change(c, "IKU", "", new_by[c].name, "added"))
    return ManualDiff(old, new, tuple(changes), tuple(unchanged))


def _order(code: str) -> tuple[int, str]:
    digits = code.rpartition(".")[2]
    return (int(digits) if digits.isdigit() else 0, code)


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
    if (owner_folder / spec / "manual.yaml").is_file():
        return load_manual(owner_folder / spec)
    if ":" in spec:
        rev, _, sub = spec.partition(":")
        if "/" not in sub:  # a revision label at that git revision: HEAD~1:2023-r2
            sub = _label_at(rev, sub, owner_folder)
        target = workdir / re.sub(r"[^\w.-]", "_", spec)
        _git_export(rev, sub, target)
        return load_manual(target / sub)
    labels = sorted(p.parent.name for p in owner_folder.glob("*/manual.yaml"))
    raise InputError((error(f"`{spec}` is not a manual folder, a revision label of "
                            f"{owner_folder.name} or REV:PATH",
                            hint=did_you_mean(spec, labels) or
                            f"revisions: {', '.join(labels) or 'none'}; or from git "
                            "HEAD~1:2023-r2", code="usage"),),
                     EXIT_USAGE)


def _label_at(rev: str, label: str, owner_folder: Path) -> str:
    """The folder of the owner's revision `label` at git revision `rev`."""
    names = _git_names(rev, str(owner_folder))
    folders = sorted({str(Path(n).parent) for n in names
                      if Path(n).name == "manual.yaml" and Path(n).parent.name == label})
    if not folders:
        raise InputError((error(f"no revision `{label}` in {owner_folder} at `{rev}`",
                                code="usage"),), EXIT_USAGE)
    return folders[0]


def _git_names(rev: str, sub: str) -> list[str]:
    try:
        out = subprocess.run(["git", "ls-tree", "-r", "--name-only", rev, "--", sub],
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise InputError((error(f"git cannot read `{rev}:{sub}`: {detail.strip()}",
                                hint="run inside the repository; check the revision and path",
                                code="usage"),), EXIT_USAGE) from None
    return [n for n in out.split("\n") if n]


def _git_export(rev: str, sub: str, target: Path) -> None:
    """Write the files of `sub` at git revision `rev` below `target`, without touching the
    working tree."""
    names = _git_names(rev, sub)
    if not names:
        raise InputError((error(f"nothing at `{rev}:{sub}`", code="usage"),), EXIT_USAGE)
    for name in names:
        blob = subprocess.run(["git", "show", f"{rev}:{name}"], capture_output=True,
                              check=True).stdout
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(blob)


def load_pair(old: str, new: str, owner_folder: Path, owner: str) -> tuple[Manual, Manual]:
    """Load both sides, revisions of `owner`; any error in either stops with all their
    issues."""
    workdir = Path(tempfile.mkdtemp(prefix="iku-diff-"))
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
