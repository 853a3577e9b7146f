"""The organisation: which owners keep a Manual IKU, where their files are, who is above whom.

A planning bureau keeps the manuals of a whole organisation: a deputy and its
directorates, each with its own manual and data. `manual_iku/organisation.yaml` names
every owner, its folder (`manual_iku/<folder>/` for its revisions, `datasets/<folder>/`
for its data years), its parent, and the owner commands use when `--owner` is not given.

Without that file the owners are the folders under `manual_iku/` that hold revisions,
each named by the `owner` its manuals declare; with exactly one such folder it is the
default, so a repository with one owner needs no organisation file. With several owners
and no default, a command that needs an owner is a usage error listing them: nothing
ever picks an owner silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from engine import schemacheck
from engine.checkrules import read_settings
from engine.errors import EXIT_USAGE, InputError, Issue, Location, did_you_mean, error
from engine.model import CheckSetting
from engine.yamlload import display_path, load_file

ORG_FILE = "organisation.yaml"
HEADER = "manual.yaml"


@dataclass(frozen=True)
class Owner:
    code: str  # the owner's code: its manuals' `owner`, and its unit code in other manuals
    name: str  # full official name
    short_name: str  # name for tables
    folder: str  # folder name under manual_iku/ and datasets/
    parent: str | None  # code of the owner above, None at the top
    location: Location  # where it is declared (the organisation file, or its folder)


@dataclass(frozen=True)
class Organisation:
    name: str  # name of the organisation
    owners: tuple[Owner, ...]  # parents before children, as declared
    default: str | None  # code used when --owner is not given; None when it must be given
    file: str  # the organisation file as shown, "" when inferred from the folders
    manuals_root: Path  # the folder holding the owners' manual folders
    checks: tuple[CheckSetting, ...] = ()  # project-wide settings of `iku check`

    @cached_property
    def _by_code(self) -> dict[str, Owner]:
        return {o.code: o for o in reversed(self.owners)}  # the first of a repeated code

    @cached_property
    def _children(self) -> dict[str, tuple[Owner, ...]]:
        out: dict[str, list[Owner]] = {}
        for o in self.owners:
            if o.parent is not None:
                out.setdefault(o.parent, []).append(o)
        return {k: tuple(v) for k, v in out.items()}

    def owner(self, code: str) -> Owner | None:
        # looked up for every file and link: an index, for organisations of hundreds
        return self._by_code.get(code)

    def children(self, code: str) -> tuple[Owner, ...]:
        return self._children.get(code, ())

    def descendants(self, code: str) -> Iterator[tuple[int, Owner]]:
        """(depth, owner) below `code`, depth first, in declared order."""
        for child in self.children(code):
            yield 1, child
            yield from ((d + 1, o) for d, o in self.descendants(child.code))

    def tops(self) -> tuple[Owner, ...]:
        codes = {o.code for o in self.owners}
        return tuple(o for o in self.owners if o.parent is None or o.parent not in codes)

    def manual_folder(self, owner: Owner) -> Path:
        return self.manuals_root / owner.folder

    def resolve(self, text: str | None, what: str = "--owner") -> Owner:
        """The owner named by `text` (its code or folder, any case), or the default one.

        A usage error lists the choices when `text` names none, or when it is None and
        there is no default."""
        if text is None:
            if self.default is not None:
                found = self.owner(self.default)
                if found is not None:
                    return found
            raise InputError((error(
                f"there are {len(self.owners)} owners and no default; say which with {what}",
                hint="owners: " + ", ".join(f"{o.code} ({o.short_name})" for o in self.owners)
                + (f"; or set default_owner in {self.file}" if self.file else ""),
                code="usage"),), EXIT_USAGE)
        wanted = text.strip().lower()
        for o in self.owners:
            if wanted in (o.code.lower(), o.folder.lower()):
                return o
        codes = [o.code for o in self.owners]
        raise InputError((error(f"no owner `{text}`",
                                hint=did_you_mean(text.upper(), codes) or
                                f"owners: {', '.join(codes)}", code="usage"),), EXIT_USAGE)


def _revision_folders(folder: Path) -> list[Path]:
    return sorted(p.parent for p in folder.glob(f"*/{HEADER}"))


def _declared_owner(header: Path) -> str | None:
    """The `owner` a revision's header declares, when it can be read at all (its problems
    are reported when the revision itself is loaded)."""
    doc, _ = load_file(header)
    if doc is None or not isinstance(doc.data, dict):
        return None
    owner = doc.data.get("owner")
    return owner if isinstance(owner, str) and owner else None


def _infer(root: Path) -> tuple[Organisation, list[Issue]]:
    """Owners from the folders: each folder under `root` holding revisions, or `root`
    itself when it is one owner's folder."""
    issues: list[Issue] = []
    if _revision_folders(root):  # --manuals names one owner's folder
        folders = [root]
        manuals_root = root.parent
    else:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and _revision_folders(p)) \
            if root.is_dir() else []
        manuals_root = root
    owners: list[Owner] = []
    for folder in folders:
        declared = [c for c in (_declared_owner(h / HEADER) for h in _revision_folders(folder))
                    if c is not None]
        code = declared[-1] if declared else folder.name.upper()
        if len(set(declared)) > 1:
            issues.append(error(
                f"the revisions in {display_path(folder)} declare different owners: "
                f"{', '.join(sorted(set(declared)))}", Location(display_path(folder)),
                hint="one folder holds the revisions of one owner", code="owner"))
        owners.append(Owner(code, code, code, folder.name, None,
                            Location(display_path(folder))))
    codes = [o.code for o in owners]
    for o in owners:
        if codes.count(o.code) > 1:
            issues.append(error(f"owner {o.code} has two folders", o.location,
                                hint=f"write {ORG_FILE} to name each owner's folder",
                                code="owner"))
    default = owners[0].code if len(owners) == 1 else None
    return Organisation("", tuple(owners), default, "", manuals_root), issues


def load_organisation(root: Path) -> tuple[Organisation, list[Issue]]:
    """The organisation of the manuals under `root`, and every problem with it."""
    path = root / ORG_FILE
    if not path.is_file():
        return _infer(root)
    doc, issues = load_file(path)
    if doc is None:
        return Organisation("", (), None, display_path(path), root), issues
    issues += schemacheck.validate(doc, "organisation")
    if issues:
        return Organisation("", (), None, doc.path, root), issues
    d = doc.data
    owners = tuple(
        Owner(o["code"], o["name"], o.get("short_name", o["code"]), o["folder"],
              o.get("parent"), doc.loc(("owners", i)))
        for i, o in enumerate(d["owners"]))
    codes = [o.code for o in owners]
    folders = [o.folder for o in owners]
    for i, o in enumerate(owners):
        if codes.index(o.code) != i:
            issues.append(error(f"owner {o.code} is listed twice",
                                doc.loc(("owners", i, "code")), code="duplicate"))
        if folders.index(o.folder) != i:
            first = owners[folders.index(o.folder)].code
            issues.append(error(f"folder {o.folder} belongs to {first} and {o.code}",
                                doc.loc(("owners", i, "folder")),
                                hint="each owner has a folder of its own", code="duplicate"))
        if o.parent is not None and o.parent not in codes:
            issues.append(error(f"{o.code}: parent `{o.parent}` is not an owner",
                                doc.loc(("owners", i, "parent")),
                                hint=did_you_mean(o.parent, codes), code="reference"))
        if not (root / o.folder).is_dir():
            issues.append(error(f"{o.code}: folder {display_path(root / o.folder)} does not exist",
                                doc.loc(("owners", i, "folder")),
                                hint="create it, or correct `folder`", code="io"))
    for i, o in enumerate(owners):  # a parent chain that comes back is a cycle
        seen = {o.code}
        parent = o.parent
        while parent is not None and parent in codes:
            if parent in seen:
                issues.append(error(f"{o.code}'s parents form a cycle",
                                    doc.loc(("owners", i, "parent")), code="reference"))
                break
            seen.add(parent)
            parent = owners[codes.index(parent)].parent
    default = d.get("default_owner")
    if default is not None and default not in codes:
        issues.append(error(f"default_owner `{default}` is not an owner",
                            doc.loc(("default_owner",)), hint=did_you_mean(default, codes),
                            code="reference"))
        default = None
    if default is None and len(owners) == 1:
        default = owners[0].code
    listed = set(folders)
    for p in sorted(root.iterdir()):
        if p.is_dir() and p.name not in listed and _revision_folders(p):
            issues.append(error(f"{display_path(p)} holds manual revisions but is not an owner's "
                                f"folder in {doc.path}", Location(display_path(p)),
                                hint="add the owner to the organisation file", code="owner"))
    return Organisation(d["name"], owners, default, doc.path, root,
                        read_settings(d.get("checks"), doc, ("checks",))), issues
