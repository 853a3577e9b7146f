"""`iku validate`: every problem of the organisation's manuals and data in one run.

Each owner's revisions are checked alone and as a set (supersedes, effective dates, the
owner they declare); each of its data years against its own revisions; the organisation
file; and the links between owners' manuals. Paths narrow the check to what lies at or
below them, each still checked against its own owner's manuals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.dataset import Dataset, load_dataset, year_folders
from engine.errors import Issue, Location, Severity, error, has_errors
from engine.i18n import EN, Catalogue
from engine.links import check_links
from engine.manual import (
    LoadResult,
    ManualSet,
    check_set,
    discover,
    manual_set,
    owner_issues,
)
from engine.org import Organisation, Owner
from engine.project import Project
from engine.yamlload import display_path, load_file


@dataclass
class OwnerCheck:
    """What validating one owner found: its revisions, data years and issues."""

    owner: str  # owner code
    results: list[LoadResult] = field(default_factory=list)  # its revisions
    datasets: list[Dataset] = field(default_factory=list)  # its data years
    issues: list[Issue] = field(default_factory=list)  # across its revisions

    @property
    def manuals(self) -> ManualSet:
        return manual_set(self.owner, self.results)


@dataclass
class Validation:
    """What `iku validate` found across the organisation."""

    org_file: str  # the organisation file checked, "" when there is none
    owners: list[OwnerCheck]  # by owner, in the organisation's order
    issues: list[Issue]  # the organisation's, the links', and paths that hold nothing

    def all_issues(self) -> list[Issue]:
        out = list(self.issues)
        for o in self.owners:
            out += [i for r in o.results for i in r.issues] + o.issues
            out += [i for d in o.datasets for i in d.issues]
        return out

    def count(self, severity: Severity) -> int:
        return sum(1 for i in self.all_issues() if i.severity is severity)

    @property
    def results(self) -> list[LoadResult]:
        return [r for o in self.owners for r in o.results]

    @property
    def datasets(self) -> list[Dataset]:
        return [d for o in self.owners for d in o.datasets]


def _declared(folder: Path) -> str:
    """The owner a revision folder's header declares ("" when it cannot be read)."""
    doc, _ = load_file(folder / "manual.yaml")
    owner = doc.data.get("owner") if doc is not None and isinstance(doc.data, dict) else None
    return owner if isinstance(owner, str) else ""


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def validate(project: Project, paths: Sequence[Path] = (), owner: str | None = None
             ) -> Validation:
    """Check everything of the project (one owner's only, with `owner`), or what lies at or
    below `paths`. Every file is read once: the project keeps what it loaded, so that an
    evaluation after the check reads nothing again."""
    manuals_root, data_root = project.manuals_root, project.data_root
    org, org_issues = project.organisation()
    checks: dict[str, OwnerCheck] = {}

    def check_of(code: str) -> OwnerCheck:
        return checks.setdefault(code, OwnerCheck(code))

    owners: list[Owner] = list(org.owners) if org else []
    if owner is not None and org is not None:
        owners = [org.resolve(owner)]
    usable = org is not None and not has_errors(org_issues)
    manual_folders: dict[str, list[Path]] = {}
    data_years: dict[str, list[int]] = {}
    loose: list[Path] = []  # revision folders of no known owner's folder
    loose_data: list[Path] = []
    if not paths:
        for o in owners:
            manual_folders[o.code] = discover([manuals_root / o.folder])
            data_years[o.code] = _years(data_root / o.folder)
    for p in paths:
        mine = [o for o in owners if _inside(p, manuals_root / o.folder)
                or _inside(manuals_root / o.folder, p)]
        data = [o for o in owners if _inside(p, data_root / o.folder)
                or _inside(data_root / o.folder, p)]
        for o in mine:
            inner = p if _inside(p, manuals_root / o.folder) else manuals_root / o.folder
            manual_folders.setdefault(o.code, []).extend(discover([inner]))
        for o in data:
            inner = p if _inside(p, data_root / o.folder) else data_root / o.folder
            data_years.setdefault(o.code, []).extend(int(f.name) for f in year_folders(inner))
        if not mine and not data:
            loose += discover([p])
            loose_data += year_folders(p)
    # Revisions outside the owners' folders (a folder being drafted): by the owner they declare.
    groups: dict[str, list[Path]] = {}
    for f in dict.fromkeys(loose):
        groups.setdefault(_declared(f), []).append(f)
    for code, folders in groups.items():
        results = [project.revision(f) for f in folders]
        check_of(code).results += results
        check_of(code).issues += check_set(results)
    for o in owners:
        folders = list(dict.fromkeys(manual_folders.get(o.code, [])))
        if not folders and not data_years.get(o.code):
            continue
        c = check_of(o.code)
        results = [project.revision(f) for f in folders]
        c.results += results
        c.issues += check_set(results) + owner_issues(results, o.code, display_path(
            manuals_root / o.folder))
    # Data: each year against its own owner's revisions of that year.
    for o in owners:
        years = list(dict.fromkeys(data_years.get(o.code, [])))
        if years and usable:
            check_of(o.code).datasets += [project.dataset(o.code, y, strict=False)
                                          for y in years]
    issues = list(org_issues)
    for f in dict.fromkeys(loose_data):
        whose = org.owner(org.default) if org is not None and org.default else None
        if whose is None or not usable:
            issues.append(error(f"{display_path(f)} is not in an owner's data folder and there "
                                "is no default owner to check it against",
                                Location(display_path(f)), hint="use --owner", code="owner"))
            continue
        results = project.revisions(whose.code, int(f.name))[0]
        check_of(whose.code).datasets.append(load_dataset(f, manual_set(whose.code, results)))
    if usable and org is not None:
        sets = _linked_sets(project, org, [c for c in checks if org.owner(c) is not None])
        files = _checked_files(checks)
        issues += [i for i in check_links(sets) if i.location is None
                   or str(Path(i.location.file)) in files]
    order = {o.code: n for n, o in enumerate(org.owners if org else ())}
    ordered = sorted(checks.values(), key=lambda c: order.get(c.owner, len(order)))
    return Validation(org.file if org else "", ordered, issues)


def _years(owner_folder: Path) -> list[int]:
    """Every year folder of an owner's data (with inputs or only printed figures)."""
    if not owner_folder.is_dir():
        return []
    return sorted(int(p.name) for p in owner_folder.iterdir() if p.is_dir() and p.name.isdigit())


def summary(v: Validation, cat: Catalogue = EN) -> str:
    """What was checked and what was found, in one line."""
    errors, warnings = v.count(Severity.ERROR), v.count(Severity.WARNING)
    manuals = [r.manual for r in v.results if r.manual is not None]
    owners = [o.owner for o in v.owners if o.owner]
    parts = []
    if len(owners) > 1:
        parts.append(cat("validate.owners", n=len(owners), codes=", ".join(owners)))
    if v.results:
        labels = f" ({', '.join(m.label for m in manuals)})" if len(owners) <= 1 else ""
        parts.append(cat("validate.revisions", n=len(v.results)) + labels
                     + cat("validate.files_ikus", files=sum(r.files for r in v.results),
                           ikus=sum(len(m.ikus) for m in manuals)))
    if v.datasets:
        years = f" ({', '.join(d.folder for d in v.datasets)})" if len(owners) <= 1 else ""
        parts.append(cat("validate.datasets", n=len(v.datasets), years=years,
                         files=sum(d.files for d in v.datasets)))
    text = cat("validate.summary", what="; ".join(parts), errors=errors, warnings=warnings)
    return text if errors else cat("validate.ok", summary=text)


def _linked_sets(project: Project, org: Organisation, owners: list[str]
                 ) -> dict[str, ManualSet]:
    """The revisions of `owners` and of every owner their links lead to, however far: a link
    check needs the linked manuals (read once, as ever), and only those, so that checking
    one owner of 626 does not read the other 625."""
    sets: dict[str, ManualSet] = {}
    todo = list(owners)
    while todo:
        code = todo.pop()
        if code in sets:
            continue
        sets[code] = manual_set(code, project.revisions(code)[0])
        todo += [cu.link.owner for m in sets[code].manuals for i in m.ikus
                 for cu in i.cascade.units if cu.link is not None
                 and cu.link.owner not in sets and org.owner(cu.link.owner) is not None]
    return sets


def _checked_files(checks: dict[str, OwnerCheck]) -> set[str]:
    """The IKU files of the revisions this run checks: a link check needs the linked owners'
    manuals loaded too, but their own links are not this run's business."""
    return {str(Path(i.file)) for c in checks.values() for r in c.results
            if r.manual is not None for i in r.manual.ikus}


def nothing_to_check(v: Validation, paths: Iterable[Path], manuals_root: Path) -> Issue | None:
    """One error when there was nothing to check at all: an empty folder is not "OK"."""
    if v.results or v.datasets or v.issues:
        return None
    where = ", ".join(display_path(p) for p in paths) or display_path(manuals_root)
    return error(f"nothing to check in {where}: no manual revision (manual.yaml) and no "
                 "dataset year", Location(where), hint="run iku where manual_iku/ and "
                 "datasets/ are, or name them with --manuals and --data", code="io")
