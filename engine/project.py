"""A project: the organisation's manuals and data, each owner's loaded on demand and once.

Every lookup names its owner: revision labels, the revision in force, the data folder and
the printed figures resolve within one owner, so adding an owner never changes another
owner's figures. A link from one owner's cascade into another owner's manual (the deputy's
IKU.14 for Dit. AK from Dit. AK's own budget indicator) is followed here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from engine.dataset import Dataset, data_years, load_dataset
from engine.errors import EXIT_INPUT, InputError, Issue, Location, Severity, error, has_errors
from engine.manual import (
    LoadResult,
    ManualSet,
    check_set,
    load_manual,
    manual_set,
    owner_issues,
    revision_folders,
)
from engine.model import Link
from engine.org import Organisation, Owner, load_organisation
from engine.periods import Period
from engine.yamlload import display_path

if TYPE_CHECKING:  # loaded by the first evaluation: `iku validate` and `show` never evaluate
    from engine.evaluate import Evaluator
    from engine.values import Value

MANUAL_ROOT = Path("manual_iku")
DATA_ROOT = Path("datasets")


class Project:
    """The manuals under `manuals_root` and the data under `data_root`, by owner."""

    def __init__(self, manuals_root: Path = MANUAL_ROOT, data_root: Path = DATA_ROOT) -> None:
        self.manuals_root = manuals_root
        self.data_root = data_root
        self._org: Organisation | None = None
        self._org_issues: list[Issue] = []
        self._revisions: dict[Path, LoadResult] = {}  # by folder: each revision read once
        self._sets: dict[tuple[str, int | None], ManualSet] = {}
        self._data: dict[tuple[str, int], Dataset] = {}
        self._evaluators: dict[tuple[str, int, bool], Evaluator] = {}
        self._touched: set[str] | None = None  # see `recording`
        self.before_reading: Callable[[str], object] | None = None  # see `_touch`

    def loaded(self) -> int:
        """How many revisions and data years are held (for `release`'s callers)."""
        return len(self._revisions) + len(self._data)

    def release(self) -> None:
        """Forget every loaded manual, dataset and evaluator (not the organisation): a run
        over hundreds of owners keeps only the owners it is working on. What is asked for
        again is read again."""
        self._revisions.clear()
        self._sets.clear()
        self._data.clear()
        self._evaluators.clear()

    @contextmanager
    def recording(self) -> Iterator[set[str]]:
        """The codes of the owners whose manuals or data what runs inside asks for, in memory
        or from their folders (engine.rowcache: a cached row holds while their folders are
        as they were). Every access by owner goes through the methods below."""
        outer, self._touched = self._touched, set()
        try:
            yield self._touched
        finally:
            if outer is not None:
                outer.update(self._touched)
            self._touched = outer

    def _touch(self, owner: str) -> None:
        """Every method that reads an owner's files, or hands out what was read from them,
        says so here first: `recording` learns the owner, and `before_reading` (the row
        cache's fingerprint) runs before any of its files is read in this process, however
        long what is read stays in memory."""
        if self.before_reading is not None:
            self.before_reading(owner)
        if self._touched is not None:
            self._touched.add(owner)

    def organisation(self) -> tuple[Organisation | None, list[Issue]]:
        """The organisation as far as it could be read, and its problems (for validate)."""
        if self._org is None and self.manuals_root.is_dir():
            self._org, self._org_issues = load_organisation(self.manuals_root)
        return self._org, self._org_issues

    @property
    def org(self) -> Organisation:
        """The organisation, for commands that need a usable one: any problem stops them."""
        shown = display_path(self.manuals_root)
        if not self.manuals_root.is_dir():
            raise InputError((error(f"no manual folder {shown}", Location(shown),
                                    hint="run iku where manual_iku/ is, or use --manuals",
                                    code="io"),), EXIT_INPUT)
        org, issues = self.organisation()
        if has_errors(issues):
            raise InputError(tuple(i for i in issues if i.severity is Severity.ERROR))
        if org is None or not org.owners:
            raise InputError((error(f"no manual revision under {shown}", Location(shown),
                                    hint="manual_iku/<owner>/<revision>/manual.yaml",
                                    code="io"),), EXIT_INPUT)
        return org

    def revision(self, folder: Path) -> LoadResult:
        """One revision folder, loaded once however many commands and checks ask for it."""
        key = folder.resolve()
        if key not in self._revisions:
            self._revisions[key] = load_manual(folder)
        return self._revisions[key]

    def revisions(self, owner: str, year: int | None = None
                  ) -> tuple[list[LoadResult], list[Issue]]:
        """The owner's revisions (of `year`, when given) as far as they could be loaded, and
        the problems across them; nothing raised (validate reports them all)."""
        self._touch(owner)
        found = self.org.owner(owner)
        assert found is not None, owner
        folder = self.org.manual_folder(found)
        results = [self.revision(f) for f in revision_folders(folder, year)]
        return results, check_set(results) + owner_issues(results, owner, display_path(folder))

    def owner(self, text: str | None) -> Owner:
        """The owner `--owner` names, or the default one (a usage error lists the choices)."""
        return self.org.resolve(text)

    def manuals(self, owner: str, year: int | None = None) -> ManualSet:
        """One owner's revisions (of `year` only, when given: evaluating 2023 needs neither
        the 2022 nor the 2024 manual); any error in them stops with every issue."""
        self._touch(owner)
        key = (owner, year)
        if key not in self._sets:
            results, set_issues = self.revisions(owner, year)
            if not results:
                found = self.org.owner(owner)
                shown = display_path(self.org.manual_folder(found)) if found else owner
                raise InputError((error(f"no manual revision of {owner} in {shown}",
                                        Location(shown), code="io", hint="a revision folder "
                                        "holds manual.yaml and iku/"),), EXIT_INPUT)
            issues = [i for r in results for i in r.issues] + set_issues
            if has_errors(issues):
                raise InputError(tuple(i for i in issues if i.severity is Severity.ERROR),
                                 EXIT_INPUT)
            self._sets[key] = manual_set(owner, results)
        return self._sets[key]

    def data_folder(self, owner: str, year: int) -> Path:
        self._touch(owner)
        found = self.org.owner(owner)
        assert found is not None, owner
        return self.data_root / found.folder / str(year)

    def data_years(self, owner: str) -> list[int]:
        """The years the owner has data for, oldest first."""
        self._touch(owner)
        found = self.org.owner(owner)
        assert found is not None, owner
        return data_years(self.data_root / found.folder)

    def evaluable_years(self, owner: str) -> list[int]:
        """The years with data for the owner's figures: its own data, or, where its manual of
        the year links units to their own manuals, theirs (a deputy whose units' figures are
        all linked needs no data folder of its own)."""
        years = set(self.data_years(owner))
        found = self.org.owner(owner)
        assert found is not None, owner
        anyone: set[int] | None = None  # the years any owner has data for, when needed
        for folder in revision_folders(self.org.manual_folder(found)):
            named = folder.name.split("-")[0]
            if named.isdigit():  # the folder names its year (revision_folders relies on it)
                if int(named) in years:
                    continue  # no need to read a revision to learn what is known
                if anyone is None:  # (every owner touched: so the answer depends on them all)
                    anyone = {y for o in self.org.owners for y in self.data_years(o.code)}
                if int(named) not in anyone:
                    continue  # no one has data for that year: no link can give it any
            result = self.revision(folder)
            m = result.manual
            if m is None or m.year in years:
                continue
            linked = {cu.link.owner for i in m.ikus for cu in i.cascade.units if cu.link}
            if any(self.org.owner(o) and m.year in self.data_years(o) for o in linked):
                years.add(m.year)
        return sorted(years)

    def dataset(self, owner: str, year: int, strict: bool = True) -> Dataset:
        """The owner's data of `year`, checked against its revisions of that year. Strict (for
        evaluation): those revisions must be free of errors. Not strict (for validate): the
        data is checked against them as far as they could be loaded."""
        self._touch(owner)
        if strict:
            manuals = self.manuals(owner, year)
        else:
            manuals = manual_set(owner, self.revisions(owner, year)[0])
        key = (owner, year)
        if key not in self._data:
            folder = self.data_folder(owner, year)
            self._data[key] = load_dataset(folder, manuals) if folder.is_dir() else \
                Dataset(display_path(folder), year, (), (), (), (), 0)
        return self._data[key]

    def datasets_read(self) -> list[Dataset]:
        """Every dataset this run has read: the owner's own and those its links led into."""
        return list(self._data.values())

    def evaluator(self, owner: str, year: int, explain: bool = False) -> Evaluator:
        """The owner's evaluator for `year`, following links into other owners' manuals."""
        self._touch(owner)
        key = (owner, year, explain)
        if key not in self._evaluators:
            from engine.evaluate import Evaluator

            self._evaluators[key] = Evaluator(
                self.manuals(owner, year), self.dataset(owner, year),
                lambda link, period: self.follow(link, period, explain), explain,
                lambda link, y: self._linked_evaluator(link, y, explain))
        return self._evaluators[key]

    def _linked_evaluator(self, link: Link, year: int, explain: bool) -> Evaluator | None:
        if self.org.owner(link.owner) is None:
            return None
        try:
            return self.evaluator(link.owner, year, explain)
        except InputError:  # its manual or data cannot be used: the link says so when followed
            return None

    def follow(self, link: Link, period: Period, explain: bool = False
               ) -> tuple[Value, str, str]:
        """The linked indicator's own figure, where it is defined, and its owner's name."""
        from engine.values import ERROR, NO_DATA, Value

        owner = self.org.owner(link.owner)
        if owner is None:
            return Value(ERROR, None, None, f"linked owner {link.owner} is not in the "
                                            "organisation"), str(link.location), link.owner
        try:
            ev = self.evaluator(owner.code, period.year, explain)
        except InputError as exc:
            first = exc.issues[0].as_text() if exc.issues else "it cannot be loaded"
            return Value(ERROR, None, None, f"{owner.code}'s manual or data cannot be used: "
                                            f"{first}"), str(link.location), owner.short_name
        manual = ev.manual_for(period)
        if not ev.manuals.for_year(period.year):
            # the unit's manual of the year is still to come (the deputy's next-year manual is
            # often written first): like missing data, and validate warns of it
            return Value(NO_DATA, None, None, f"{owner.code} has no manual for {period.year} "
                                              "yet: its figure comes in when it has one"), \
                str(link.location), owner.short_name
        iku = manual.iku(link.indicator) if manual is not None else None
        if manual is None or iku is None:
            where = manual.label if manual else f"any revision of {period.year}"
            return Value(ERROR, None, None, f"{link.indicator} is not in {owner.code}'s manual "
                                            f"{where}"), str(link.location), owner.short_name
        value = ev.value(link.indicator, owner.code, period)
        return value, f"{owner.code} manual {manual.label}, {iku.loc('code')}", owner.short_name
