"""The `iku` command line. Thin: each command calls the library and hands the result to
the renderer; user mistakes become messages and exit codes, never tracebacks."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine import __version__, parsecache
from engine.codes import from_user
from engine.dataset import Dataset, history
from engine.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_FIGURE_ERROR,
    EXIT_FINDINGS,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_MISSING_DATA,
    EXIT_OK,
    EXIT_USAGE,
    IkuError,
    InputError,
    Issue,
    Location,
    Severity,
    did_you_mean,
    error,
)
from engine.i18n import ENV as I18N_ENV
from engine.i18n import LANGS, Catalogue, resolve
from engine.manual import discover
from engine.model import Manual
from engine.org import Owner
from engine.periods import Period, PeriodError
from engine.project import DATA_ROOT, MANUAL_ROOT, Project
from engine.safeio import STDOUT, begin_run, check_folders, check_output, end_run
from engine.yamlload import display_path

if TYPE_CHECKING:  # loaded by the commands that evaluate (validate, show, diff never do)
    from engine.evaluate import Evaluation, Evaluator

# Commands import the renderer, exporters, diff and reconcile where they need them: start-up
# time is part of every command's cost (bench/bench.py measures it against the bare imports).

REPORT_FORMATS = ("html", "xlsx", "pdf", "markdown")
REPORT_SUFFIX = {"html": "html", "xlsx": "xlsx", "pdf": "pdf", "markdown": "md"}

EPILOG = """exit codes: 0 ok; 1 findings (validate: errors; diff: differences; reconcile:
discrepancies); 2 usage (including an --output iku will not write); 3 a manual or dataset
cannot be used; 4 missing data with --strict; 5 a figure could not be computed (a formula
or check failed on data that is there); 130 Ctrl-C; 141 the output's reader went away.
Documentation: README.md and docs/ in the project."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n"
                              f"Run `{self.prog} --help` for the options.\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; with `command`, only that command's options are added.
    `iku --help` and an unknown command's message list every command all the same (their
    names and help are always there); adding the options of the eleven others cost every
    run about 1.1 ms of the parser's 8."""
    parser = _Parser(prog="iku", description="Rules-as-data engine for Manual IKU: validate, "
                     "show, evaluate and explain SAKIP key performance indicators.",
                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"iku {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def wanted(name: str) -> bool:
        return command is None or command == name

    def manuals_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--manuals", type=Path, default=MANUAL_ROOT, metavar="PATH",
                       help="folder of the owners' manuals, with organisation.yaml "
                            "(default: manual_iku)")

    def owner_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--owner", metavar="OWNER",
                       help="whose manual: an owner's code or folder, such as SINKA or INTI "
                            "(default: the organisation's default_owner)")

    def data_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data", type=Path, default=DATA_ROOT, metavar="PATH",
                       help="datasets root (default: datasets), or one owner's or one year's "
                            "folder in it")

    def lang_arg(p: argparse.ArgumentParser, default: str = "en") -> None:
        p.add_argument("--lang", choices=LANGS, metavar="id|en",
                       help=f"language of labels and numbers: id (Indonesian, 99,94) or en "
                            f"(English, 99.94); default: ${I18N_ENV}, else {default}")

    def period_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--year", type=int, help="year to evaluate (default: the owner's latest "
                                                "year with data)")
        when = p.add_mutually_exclusive_group()
        when.add_argument("--period", help="2023, 2023-S1, 2023-TW2, 2023-M03, or TW2, S1, M3, "
                                           "year with --year (any case; default: the whole "
                                           "year)")
        when.add_argument("--as-of", dest="as_of", metavar="PERIOD",
                          help="each IKU at its latest scheduled period ending within PERIOD, "
                               "N/A where none is due, as the directorates' TW IV tables do")
        p.add_argument("--unit", help="unit code for a directorate's view in the owner's "
                                      "manual, such as INTI (default: the owner)")

    p = sub.add_parser("validate", help="check manuals and data: every problem at once",
                       description="Check the organisation file, every owner's manual "
                       "revisions (YAML, schema, formulas, references, schedules, weights, "
                       "status bands, revision dates), every owner's data (YAML, schema, "
                       "units, variables, kinds and ranges against that owner's revision in "
                       "force for each value) and the links between owners' manuals. Reports "
                       "every problem of every file in one run.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    if wanted("validate"):
        p.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                       help="manual revision folders, dataset year folders, files, or folders "
                            "holding them (default: everything under --manuals and --data)")
        manuals_arg(p)
        data_arg(p)
        owner_arg(p)
        p.add_argument("--format", choices=("text", "table", "json", "github"), default="text",
                       help="text: one line per problem on standard error, `file:line:col: "
                            "severity: message [IKU unit period] (hint)`, as editors and CI logs "
                            "link them, and a summary line; table: the same as a table; json: "
                            "for scripts; github: GitHub Actions annotations")
        p.add_argument("--assumptions", action="store_true",
                       help="also list the assumption notes written into the manuals")
        lang_arg(p)

    p = sub.add_parser("show", help="the manual as people read it, or one IKU in full",
                       description="Show a manual revision (objectives and IKUs with targets by "
                       "year, the year's performance agreement, the responsibility matrix) or "
                       "one IKU's whole definition.")
    if wanted("show"):
        p.add_argument("iku", nargs="?", help="IKU code, such as IKU.8 (default: the whole manual)")
        manuals_arg(p)
        owner_arg(p)
        p.add_argument("--data", type=Path, default=DATA_ROOT, metavar="PATH",
                       help="datasets root, for the default year (default: datasets)")
        p.add_argument("--revision", help="revision label of the owner, such as 2023-r1 "
                                          "(default: the one in force at the end of --year)")
        p.add_argument("--year", type=int, help="year (default: latest with data, else latest)")
        lang_arg(p)

    p = sub.add_parser("evaluate", help="recompute target, realisasi, capaian and scores",
                       description="Evaluate an owner's manual against its data: target, "
                       "realisasi, capaian and status per IKU, the groups above/on/below "
                       "target, NSS, NKP and NPSS by the manual's roll-up rules. Where the "
                       "report printed another figure, both are shown. With --tree, one row "
                       "per owner of the organisation under the chosen one.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    if wanted("evaluate"):
        manuals_arg(p)
        data_arg(p)
        owner_arg(p)
        period_args(p)
        p.add_argument("--format", choices=("table", "json", "csv", "markdown"), default="table")
        p.add_argument("--output", type=Path, metavar="FILE",
                       help="write to FILE (atomically; - for standard output) instead of the "
                            "terminal; never over an input, a folder or a device")
        p.add_argument("--strict", action="store_true",
                       help="exit 4 when any IKU has no figure for lack of data")
        p.add_argument("--tree", action="store_true",
                       help="the organisation at a glance: every owner under --owner (default: the "
                            "top), its manuals and data checked, with NPSS, IKUs above/on/below "
                            "target and the weakest IKU (--format table, json or csv); an "
                            "owner whose files, and those its links lead to, are unchanged "
                            "since the last run is not computed again (IKU_NO_CACHE=1: every "
                            "owner)")
        p.add_argument("--jobs", type=int, metavar="N",
                       help="with --tree, owners evaluated by N processes at once (default: every "
                            "core this process may use, for 16 owners or more); the output is the "
                            "same with any N")
        p.add_argument("--width", type=int, help="table width in characters (default: terminal)")
        p.add_argument("--compare-previous-year", action="store_true",
                       help="each figure beside the same period a year earlier, from that year's "
                            "data or its printed figures (LHE 2023 recommendation 21)")
        lang_arg(p)

    p = sub.add_parser("report", help="the LKj's tables, charts and appendices: HTML, XLSX, "
                                      "PDF or Markdown",
                       description="Write the performance report (LKj) of an owner: the "
                       "summary table (Tabel 5) with the groups above/on/below target; NSS per "
                       "objective, NKP per perspective and the NPSS; per IKU, in manual order, "
                       "the year's comparison, the history over the Renstra years (the "
                       "manual's targets, the realisasi earlier reports printed, the "
                       "recomputed year) with its chart, the year against the Renstra's final "
                       "target, each responsible unit's figure and chart, and the narratives; "
                       "and the appendices (Lampiran) of the owner and each unit. Printed "
                       "figures that differ from the recomputation and problems in the data "
                       "are shown. In Indonesian unless --lang en or IKU_LANG=en.",
                       epilog=EPILOG + "\n6 a tool the format needs is missing (--format pdf "
                       "without Chromium).",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    if wanted("report"):
        manuals_arg(p)
        data_arg(p)
        owner_arg(p)
        period_args(p)
        p.add_argument("--format", choices=REPORT_FORMATS, default="html",
                       help="html: one self-contained page (print it for a PDF); xlsx: the "
                            "appendix layout, one sheet per unit, the IKU history with charts; "
                            "pdf: the page printed on A4 by a headless Chromium; markdown: the "
                            "same tables as text (default: html)")
        p.add_argument("--output", type=Path, metavar="FILE",
                       help="where to write (default: lkj-<owner>-<period>.<ext> in the current "
                            "folder; `-` writes html or markdown to standard output)")
        lang_arg(p, "id")

    p = sub.add_parser("explain", help="how one figure came about, step by step",
                       description="Explain one figure: an IKU's (the revision and formula in "
                       "force, each input with its file and line, each step's value, the "
                       "cascade, links into other manuals and period parts (and those "
                       "take_last_known passed over), the target, capaian (for a range target, "
                       "which bound and why; the cap or floor in force), rounding and status), "
                       "an objective's NSS (SS.3), a perspective's NKP (NKP.INTERNAL) or the "
                       "NPSS. With --as-of, an IKU's explanation ends with what the periods to "
                       "come still need (as `iku needed`).",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    if wanted("explain"):
        p.add_argument("iku", metavar="FIGURE",
                       help="an IKU code (IKU.8, or 8), an objective (SS.3), NKP.<perspective> "
                            "or NPSS")
        manuals_arg(p)
        data_arg(p)
        owner_arg(p)
        period_args(p)
        p.add_argument("--width", type=int, help="width in characters (default: terminal)")
        lang_arg(p)

    p = sub.add_parser("diff", help="what changed between two manual revisions",
                       description="Semantic differences between two manual revisions of one "
                       "owner, per IKU: added, removed or renumbered IKUs; name, unit, "
                       "polarity, objective; formula (as an expression diff), steps and "
                       "variables; schedule; targets; cascade; and the header's scoring "
                       "rules. With --impact, the owner's data scored under both.",
                       epilog="OLD and NEW: a revision folder, a revision label of the owner "
                       "(2023-r1), or from git REV:PATH (HEAD~1:manual_iku/deputi-sinka/"
                       "2023-r2) or REV:LABEL (HEAD~1:2023-r2).\n"
                       "exit codes, as diff(1): 0 no differences, 1 differences, 2 trouble.",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    if wanted("diff"):
        p.add_argument("old", metavar="OLD")
        p.add_argument("new", metavar="NEW")
        manuals_arg(p)
        owner_arg(p)
        p.add_argument("--format", choices=("table", "json", "markdown"), default="table",
                       help="markdown to paste into a review")
        p.add_argument("--impact", action="store_true",
                       help="also score the owner's data under both manuals")
        p.add_argument("--data", type=Path, default=DATA_ROOT, metavar="PATH",
                       help="datasets root for --impact (default: datasets)")
        p.add_argument("--year", type=int, help="year of the data for --impact (default: the "
                                                "owner's latest year with data)")
        p.add_argument("--width", type=int, help="width in characters (default: terminal)")
        lang_arg(p)

    p = sub.add_parser("new-revision", help="start the next year's manual, or a mid-year "
                                            "revision, from the latest one",
                       description="Write a new revision of an owner's manual beside its "
                       "others: by default the next year's, from the latest revision (the "
                       "header's year, label, effective date and supersedes; a target block "
                       "per IKU for the new year from the manual's Renstra targets, period "
                       "targets following the previous year's pattern, or a marked place to "
                       "fill); with --mid-year, the next revision of the same year. Only the "
                       "edited lines change: comments and layout stay. Then validates it and "
                       "lists, at file and line, what is left to fill.",
                       epilog="exit codes: 0 written and valid; 1 written, with things left to "
                       "fill (listed); 2 usage; 3 the source manual cannot be used or the "
                       "folder exists.", formatter_class=argparse.RawDescriptionHelpFormatter)
    if wanted("new-revision"):
        manuals_arg(p)
        owner_arg(p)
        p.add_argument("--from", dest="source", metavar="LABEL",
                       help="the revision to start from (default: the owner's latest)")
        p.add_argument("--mid-year", action="store_true",
                       help="a revision of the same year (needs --effective and --note)")
        p.add_argument("--effective", metavar="YYYY-MM-DD",
                       help="first day in force (default for a new year: 1 January)")
        p.add_argument("--note", default="", help="what changes, for the change note")
        p.add_argument("--dry-run", action="store_true",
                       help="say what would be written and filled, write nothing")

    p = sub.add_parser("reconcile", help="check printed figures against the recomputation",
                       description="Check every printed figure of an owner's reported.yaml "
                       "(realisasi, capaian, NSS, NKP, NPSS, average capaian) against the "
                       "recomputation: both values, the difference, the tolerance (half a "
                       "unit of the last printed digit) and a classification (carried, "
                       "averaging, copied, rounding, arithmetic).",
                       epilog="exit codes: 0 every figure agrees; 1 some figure differs beyond "
                       "its tolerance; 2 usage; 3 the manual or dataset cannot be used.",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    if wanted("reconcile"):
        manuals_arg(p)
        data_arg(p)
        owner_arg(p)
        p.add_argument("--year", type=int, help="year of the report (default: the owner's latest "
                                                "year with data)")
        p.add_argument("--format", choices=("table", "json", "markdown"), default="table")
        p.add_argument("--all", action="store_true", help="list the figures that agree as well")
        p.add_argument("--width", type=int, help="width in characters (default: terminal)")
        lang_arg(p)

    from engine.cli_checks import add_parsers  # check, needed

    add_parsers(sub, manuals_arg, data_arg, owner_arg, wanted)

    p = sub.add_parser("template", help="a spreadsheet form of the inputs due in a period",
                       description="Write a data-entry form (XLSX, or CSV by the output's "
                       "extension) for one period: one row per input due (each IKU of the "
                       "revision in force at the period's end that measures the period, each "
                       "unit that carries it, each variable its formula reads; items one per "
                       "row), with meaning, unit of measure, allowed range and the previous "
                       "period's value; the value, evidence and note cells to fill. A unit "
                       "linked to its own manual is asked the linked indicator's inputs, from "
                       "its own revision in force, for its own data (rows keyed by owner and "
                       "indicator, the IKU beside them); where that owner has no manual for "
                       "the year, the form says what it cannot ask. A hidden key ties the form "
                       "to the owner, period and each owner's revision; iku import reads it "
                       "back. docs/forms.md describes the form.",
                       epilog="exit codes: 0 written (with a warning for each linked owner "
                       "whose inputs it cannot ask); 2 usage (unknown period, unit, nothing "
                       "due); 3 the manual cannot be used.",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    if wanted("template"):
        manuals_arg(p)
        data_arg(p)
        owner_arg(p)
        p.add_argument("--period", required=True,
                       help="the period the values are for: 2024-TW1, 2024-S1, 2024 (any case)")
        p.add_argument("--unit", help="only this unit's rows, such as INTI (default: every unit "
                                      "that owes inputs)")
        p.add_argument("--numbers", choices=("id", "en"), default="id",
                       help="how text cells are read: id, Indonesian (1.234,5: thousands dots, "
                            "decimal comma; the default) or en (1234.5)")
        p.add_argument("--output", type=Path, metavar="FILE",
                       help="the form: .xlsx or .csv (default: form-<owner>-<period>[-<unit>]"
                            ".xlsx)")

    p = sub.add_parser("import", help="read a filled form into the datasets' YAML",
                       description="Read a form made by iku template and filled in (XLSX or "
                       "CSV) and write each value into its owner's dataset file of that year "
                       "(a linked unit's into its own data). Every cell is checked first and "
                       "every problem named by sheet and cell; nothing is written unless all "
                       "are clean. A form from "
                       "another revision, owner or period, or with an edited key, is refused. "
                       "A value the data already holds is left alone; a different one needs "
                       "--replace. Comments, order and notes of the files stay; each new text "
                       "is checked against its owner's manual, and the files of all owners "
                       "change together or not at all.",
                       epilog="exit codes: 0 written (or nothing to write); 1 problems in the "
                       "form's cells, or values that differ from the data without --replace: "
                       "nothing written; 2 usage; 3 the form is refused (key, revision, owner, "
                       "period) or the manual or data cannot be used.",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    if wanted("import"):
        p.add_argument("file", type=Path, metavar="FILE", help="the filled form, .xlsx or .csv")
        manuals_arg(p)
        data_arg(p)
        p.add_argument("--owner", metavar="OWNER",
                       help="refuse the form unless it is this owner's (default: the form's)")
        p.add_argument("--period", help="refuse the form unless it is for this period (default: "
                                        "the form's)")
        p.add_argument("--replace", action="store_true",
                       help="write the form's value where the data holds a different one (each "
                            "is listed)")
        p.add_argument("--dry-run", action="store_true",
                       help="check everything and show the changes as a unified diff; write "
                            "nothing")
    return parser


# -- helpers --------------------------------------------------------------------------------
def _report(issues: Sequence[Issue], heading: str = "") -> None:
    """Issues on stderr, one plain line each (`error: file:line: IKU.8: message (hint)`), so
    that logs and editors can pick them up; `iku validate` shows the same as a table."""
    if heading:
        sys.stderr.write(f"{heading}:\n")
    for issue in issues:
        sys.stderr.write(issue.as_text() + "\n")


def _usage(message: str, hint: str = "") -> InputError:
    return InputError((error(message, hint=hint, code="usage"),), EXIT_USAGE)


@dataclass
class _Target:
    """What a command works on: the project, the owner, and the owner's year."""

    project: Project
    owner: Owner
    year: int


def _project(args: argparse.Namespace) -> tuple[Project, str | None, int | None]:
    """The project, and the owner and year a `--data` folder below the root names."""
    data: Path = getattr(args, "data", DATA_ROOT)
    year = None
    if data.name.isdigit() and data.is_dir():  # one year's folder: <root>/<owner>/<year>
        year, data = int(data.name), data.parent
    project = Project(args.manuals, data)
    by_folder = {o.folder: o.code for o in project.org.owners}
    is_root = data.is_dir() and any((data / f).is_dir() for f in by_folder)
    if is_root or data.name not in by_folder:
        return project, None, year
    project.data_root = data.parent  # one owner's folder
    return project, by_folder[data.name], year


def _target(args: argparse.Namespace, need_data: bool = True) -> _Target:
    project, data_owner, data_year = _project(args)
    owner = project.owner(args.owner or data_owner)
    if data_owner is not None and owner.code != data_owner:
        raise _usage(f"--data names the data of {data_owner}, --owner says {owner.code}")
    year = getattr(args, "year", None) or data_year or _period_year(args)
    if year is None:
        years = project.evaluable_years(owner.code)
        if not years and need_data:
            shown = display_path(project.data_root / owner.folder)
            raise InputError((error(f"no data of {owner.code} under {shown}", Location(shown),
                                    hint=f"expected {shown}/<year>/<code>.yaml; use --data",
                                    code="io"),))
        year = years[-1] if years else None
    if year is None:
        manual_years = project.manuals(owner.code).years()
        year = manual_years[-1]
    if need_data and year not in project.evaluable_years(owner.code):
        shown = display_path(project.data_root / owner.folder)
        raise InputError((error(f"no dataset of {owner.code} for {year} under {shown}",
                                Location(shown), code="io",
                                hint=f"years with data: {_years(project, owner)}"),))
    return _Target(project, owner, year)


def _years(project: Project, owner: Owner) -> str:
    return ", ".join(map(str, project.data_years(owner.code))) or "none"


def _period_year(args: argparse.Namespace) -> int | None:
    text = getattr(args, "period", None) or getattr(args, "as_of", None) or ""
    head = text.strip()[:4]
    return int(head) if head.isdigit() else None


def _period(args: argparse.Namespace, year: int) -> Period:
    text = args.period or args.as_of
    if text is None:
        return Period.of(year, "Y")
    try:
        return Period.loose(text, year)
    except PeriodError as exc:
        raise InputError((error(str(exc), code="usage"),), EXIT_USAGE) from None


def _unit(args: argparse.Namespace, manual: Manual) -> str:
    if not args.unit:
        return manual.owner
    codes = [u.code for u in manual.units]
    match = next((c for c in codes if c.lower() == args.unit.lower()), None)
    if match is None:
        raise _usage(f"unknown unit `{args.unit}` in {manual.owner}'s manual {manual.label}",
                     did_you_mean(args.unit.upper(), codes) or f"units: {', '.join(codes)}")
    return match


def _manual_in_force(ev: Evaluator, period: Period) -> Manual:
    manual = ev.manual_for(period)
    if manual is None:
        raise InputError((error(f"no manual revision of {ev.owner} in force for {period}",
                                hint="check --year/--period and the manuals", code="usage"),),
                         EXIT_USAGE)
    return manual


def _lang(args: argparse.Namespace, default: str = "en") -> Catalogue:
    return resolve(getattr(args, "lang", None), default)


def _data_problems(project: Project, shown: Dataset | None = None) -> None:
    """Problems of every dataset the run read: the owner's own, and the other owners' its
    links led into (a linked figure is only as good as the data it came from); `shown` is
    one whose problems the output already shows."""
    for d in project.datasets_read():
        if d is not shown and not d.ok:
            _report(d.issues, f"problems in {d.folder}")


def _data_ok(project: Project) -> bool:
    return all(d.ok for d in project.datasets_read())


# -- commands -------------------------------------------------------------------------------
def cmd_validate(args: argparse.Namespace) -> int:
    from engine.validate import nothing_to_check, summary, validate

    for p in args.paths:
        if not p.exists():
            raise InputError((error(f"{p} does not exist", code="io"),), EXIT_USAGE)
    cat = _lang(args)
    result = validate(Project(args.manuals, args.data), args.paths, args.owner)
    none = nothing_to_check(result, args.paths, args.manuals)
    if none is not None:
        raise InputError((none,), EXIT_INPUT)
    issues = result.all_issues()
    errors = result.count(Severity.ERROR)
    if args.format == "json":
        manuals = [r.manual for r in result.results if r.manual is not None]
        out = {
            "ok": errors == 0,
            "organisation": result.org_file or None,
            "owners": [o.owner for o in result.owners if o.owner],
            "revisions": [f"{m.owner}:{m.label}" for m in manuals],
            "ikus": sum(len(m.ikus) for m in manuals),
            "files": sum(r.files for r in result.results),
            "datasets": [d.folder for d in result.datasets],
            "data_files": sum(d.files for d in result.datasets),
            "errors": errors,
            "warnings": result.count(Severity.WARNING),
            "issues": [i.to_json() for i in issues],
            "assumptions": [{"owner": m.owner, "revision": m.label, "id": a.id,
                             "where": str(a.location), "text": " ".join(a.text.split())}
                            for m in manuals for a in m.all_assumptions()],
        }
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    elif args.format == "github":
        for issue in issues:
            sys.stdout.write(issue.as_github() + "\n")
        sys.stdout.write(summary(result) + "\n")
    elif args.format == "table":
        from engine.render import make_console, render_validation

        render_validation(make_console(), result, args.assumptions, cat)
    else:
        _report(issues)
        if args.assumptions:
            for m in (r.manual for r in result.results if r.manual is not None):
                for a in m.all_assumptions():
                    sys.stdout.write(f"{a.location}: {m.owner} {m.label} {a.id}: "
                                     f"{' '.join(a.text.split())}\n")
        sys.stdout.write(summary(result, cat) + "\n")
    return EXIT_FINDINGS if errors else EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from engine.render import make_console, render_iku, render_manual

    cat = _lang(args)
    t = _target(args, need_data=False)
    manuals = t.project.manuals(t.owner.code)
    if args.revision:
        manual = manuals.by_label(args.revision)
        if manual is None:
            labels = [m.label for m in manuals.manuals]
            raise _usage(f"{t.owner.code} has no revision `{args.revision}`",
                         did_you_mean(args.revision, labels) or
                         f"revisions: {', '.join(labels)}")
    else:
        found = manuals.in_force(Period.of(t.year, "Y"))
        if found is None:
            raise _usage(f"{t.owner.code} has no manual for {t.year}",
                         f"years: {', '.join(map(str, manuals.years()))}")
        manual = found
    console = make_console()
    if args.iku:
        codes = [i.code for i in manual.ikus]
        code = from_user(args.iku, codes, manual.indicator_codes)
        iku = manual.iku(code)
        if iku is None:
            raise _usage(f"{args.iku[:40]} is not in {t.owner.code}'s manual {manual.label}",
                         did_you_mean(code, codes) or f"indicators: {', '.join(codes)}")
        render_iku(console, manual, iku, cat)
    else:
        render_manual(console, manual, cat)
    return EXIT_OK


def _evaluation(args: argparse.Namespace, t: _Target) -> tuple[Evaluation, Dataset]:
    ev = t.project.evaluator(t.owner.code, t.year)
    period = _period(args, t.year)
    manual = _manual_in_force(ev, period)
    try:
        return ev.evaluate(period, _unit(args, manual), as_of=bool(args.as_of)), ev.data
    except LookupError as exc:
        raise _usage(str(exc), "check --year/--period and the manuals") from None


def _exit_code(ev: Evaluation, data: Dataset, project: Project, strict: bool) -> int:
    """Load errors first (3), then figures that failed (5), then --strict's missing data (4)."""
    if not _data_ok(project):
        return EXIT_INPUT
    if ev.errors:
        sys.stderr.write(f"{len(ev.errors)} figure(s) could not be computed: "
                         f"{', '.join(r.iku.code for r in ev.errors)} "
                         "(`iku explain` shows why)\n")
        return EXIT_FIGURE_ERROR
    if strict and ev.missing:
        sys.stderr.write(f"--strict: {len(ev.missing)} IKU(s) without data: "
                         f"{', '.join(r.iku.code for r in ev.missing)}\n")
        return EXIT_MISSING_DATA
    return EXIT_OK


def _evaluation_text(args: argparse.Namespace,
                     cat: Catalogue) -> Callable[[Evaluation], str] | None:
    """The exporter of --format, None for the table. engine.export (and csv) is imported
    only then: the table, the default, does without it."""
    if args.format not in ("json", "csv", "markdown"):
        return None
    from engine.export import evaluation_csv, evaluation_json, evaluation_markdown

    # CSV is for machines: a decimal point unless --lang id is given on this command
    csv_cat = cat if args.lang == "id" else None
    return {"json": evaluation_json, "csv": lambda e: evaluation_csv(e, csv_cat),
            "markdown": lambda e: evaluation_markdown(e, cat)}[args.format]


def cmd_evaluate(args: argparse.Namespace) -> int:
    if args.tree:
        return _evaluate_tree(args)
    if args.compare_previous_year:
        from engine.cli_checks import evaluate_compared

        return evaluate_compared(args)
    cat = _lang(args)
    t = _target(args)
    ev, data = _evaluation(args, t)
    text = _evaluation_text(args, cat)
    if args.output is not None:
        from engine.export import write_atomic

        if not _data_ok(t.project):
            _data_problems(t.project)
            sys.stderr.write(f"{args.output} not written: the dataset has errors\n")
            return EXIT_INPUT
        if text is None:
            from io import StringIO

            from engine.render import make_console, render_evaluation

            buf = StringIO()
            render_evaluation(make_console(buf, width=args.width or 120, color=False), ev, cat)
            write_atomic(args.output, buf.getvalue())
        else:
            write_atomic(args.output, text(ev))
        if str(args.output) != STDOUT:
            sys.stderr.write(f"wrote {args.output}\n")
    elif text is not None:
        sys.stdout.write(text(ev))
        _data_problems(t.project)
    else:
        from engine.render import make_console, render_evaluation

        render_evaluation(make_console(width=args.width), ev, cat)  # its own data's problems
        _data_problems(t.project, shown=data)  # and the linked data's
    return _exit_code(ev, data, t.project, args.strict)


def _evaluate_tree(args: argparse.Namespace) -> int:
    from engine.export import tree_csv, tree_json, write_atomic
    from engine.tree import default_jobs, organisation_tree

    if args.format not in ("table", "json", "csv"):
        raise _usage(f"--tree writes a table, json or csv, not {args.format}")
    project, data_owner, _ = _project(args)
    top = project.owner(args.owner or data_owner) if (args.owner or data_owner or len(
        project.org.tops()) != 1) else project.org.tops()[0]
    year = args.year or _period_year(args)
    tree = organisation_tree(project, top.code, year, args.period or args.as_of,
                             bool(args.as_of), args.jobs or default_jobs())
    errors = [i for i in tree.issues if i.severity is Severity.ERROR]
    warnings = len(tree.issues) - len(errors)
    cat = _lang(args)
    if args.format == "table":
        from io import StringIO

        from engine.render import make_console, render_tree

        if args.output is None:
            render_tree(make_console(width=args.width), tree, cat)
        else:
            buf = StringIO()
            render_tree(make_console(buf, width=args.width or 120, color=False), tree, cat)
            text = buf.getvalue()
    else:
        text = tree_json(tree) if args.format == "json" else tree_csv(tree)
        if args.output is None:
            sys.stdout.write(text)
    failed = bool(errors) or any(r.error for r in tree.rows)
    if args.output is not None:
        if failed:  # bad input writes nothing; the problems are below
            sys.stderr.write(f"{args.output} not written: an owner's manual or data has "
                             "errors\n")
        else:
            write_atomic(args.output, text)
            if str(args.output) != STDOUT:
                sys.stderr.write(f"wrote {args.output}\n")
    _report(errors)
    if errors or warnings:
        sys.stderr.write(f"checked {len(tree.rows)} owner(s): {len(errors)} error(s), "
                         f"{warnings} warning(s)"
                         + (" (`iku validate` lists the warnings)\n" if warnings else "\n"))
    if failed:
        return EXIT_INPUT
    if any(r.figure_errors for r in tree.rows):
        return EXIT_FIGURE_ERROR
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from engine.render import (
        make_console,
        render_explanation,
        render_score_explanation,
        render_still_needed,
    )

    cat = _lang(args)
    t = _target(args)
    ev = t.project.evaluator(t.owner.code, t.year, explain=True)
    period = _period(args, t.year)
    manual = _manual_in_force(ev, period)
    unit = _unit(args, manual)
    console = make_console(width=args.width)
    wanted = args.iku.strip()
    codes = [i.code for i in manual.ikus]
    code = from_user(wanted, codes, manual.indicator_codes)
    if manual.iku(code) is None:
        score = _score_named(wanted, manual)
        if score is None:
            raise _usage(f"{wanted[:40]} is not an indicator, objective, NKP or NPSS of "
                         f"{t.owner.code}'s manual {manual.label}",
                         did_you_mean(code, [*codes, *(o.code for o in manual.objectives),
                                             "NPSS"]) or f"indicators: {', '.join(codes)}")
        evaluation = ev.evaluate(period, unit, as_of=bool(args.as_of))
        render_score_explanation(console, evaluation, *score, cat=cat)
        _data_problems(t.project)
        return EXIT_INPUT if not _data_ok(t.project) else EXIT_OK
    from engine.diff import revision_changes

    iku = manual.iku(code)
    assert iku is not None
    at = period
    if args.as_of:
        from engine.evaluate import due_period

        at = due_period(iku, period) or period
    fig = ev.figure(code, unit, at)
    revisions = revision_changes(ev.manuals, at.year, code)
    u = manual.unit(unit)
    earlier = history(Path(ev.data.folder), code, unit) if at.is_year else []
    render_explanation(console, fig, iku, manual, u.short_name if u else unit,
                       ev.printed_differences(fig), revisions, earlier, cat)
    if args.as_of:  # what the periods to come still need (engine.needed)
        from engine.needed import needs

        render_still_needed(console, needs(ev, period, unit, [code]))
    _data_problems(t.project)
    if not _data_ok(t.project):
        return EXIT_INPUT
    return EXIT_FIGURE_ERROR if fig.outcome == "error" else EXIT_OK


def _score_named(text: str, manual: Manual) -> tuple[str, str] | None:
    """(level, code) for SS.3, NKP.INTERNAL (or a perspective's code) and NPSS."""
    upper = text.upper()
    if upper == "NPSS":
        return "npss", ""
    for o in manual.objectives:
        if o.code.upper() == upper or f"NSS.{o.code.upper()}" == upper:
            return "nss", o.code
    for p in manual.perspectives:
        if upper in (p.code.upper(), f"NKP.{p.code.upper()}"):
            return "nkp", p.code
    return None


def cmd_diff(args: argparse.Namespace) -> int:
    from engine.diff import diff_manuals, impact, load_pair
    from engine.export import diff_dict, diff_markdown, impact_dict, to_json
    from engine.render import make_console, render_diff, render_impact

    cat = _lang(args)
    project, data_owner, _ = _project(args)
    owner = project.owner(args.owner or data_owner)
    owner_folder = project.org.manual_folder(owner)
    old, new = load_pair(args.old, args.new, owner_folder, owner.code)
    d = diff_manuals(old, new)
    imp = None
    if args.impact:
        years = project.data_years(owner.code)
        year = args.year or (years[-1] if years else None)
        if year is None:
            raise InputError((error(f"--impact: {owner.code} has no data to score",
                                    code="io"),))
        imp = impact(old, new, project.data_folder(owner.code, year), project.follow)
    if args.format == "json":
        out = diff_dict(d)
        if imp is not None:
            out["impact"] = impact_dict(imp)
        sys.stdout.write(to_json(out) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(diff_markdown(d, cat))
    else:
        console = make_console(width=args.width)
        render_diff(console, d, cat)
        if imp is not None:
            render_impact(console, imp, cat)
    return EXIT_FINDINGS if d.changes else EXIT_OK


def cmd_reconcile(args: argparse.Namespace) -> int:
    from engine.export import reconciliation_dict, reconciliation_markdown
    from engine.reconcile import reconcile
    from engine.render import make_console, render_reconciliation

    cat = _lang(args)
    t = _target(args)
    ev = t.project.evaluator(t.owner.code, t.year)
    if not ev.data.reported:
        raise InputError((error(f"{ev.data.folder} has no reported.yaml with printed figures",
                                code="io", hint="nothing to reconcile; `iku evaluate` shows "
                                                "the recomputation"),))
    rec = reconcile(ev)
    if args.format == "json":
        sys.stdout.write(json.dumps(reconciliation_dict(rec), indent=2, ensure_ascii=False)
                         + "\n")
    elif args.format == "markdown":
        sys.stdout.write(reconciliation_markdown(rec, args.all, cat))
    else:
        render_reconciliation(make_console(width=args.width), rec, args.all, cat)
    if not _data_ok(t.project):
        _data_problems(t.project)
        return EXIT_INPUT
    return EXIT_FINDINGS if rec.discrepancies else EXIT_OK


def cmd_new_revision(args: argparse.Namespace) -> int:
    import datetime as dt

    from engine.revision import new_revision
    from engine.validate import validate

    project = Project(args.manuals, DATA_ROOT)
    owner = project.owner(args.owner)
    effective = None
    if args.effective:
        try:
            effective = dt.date.fromisoformat(args.effective)
        except ValueError:
            raise _usage(f"--effective `{args.effective}` is not a date", "write YYYY-MM-DD") \
                from None
    folder = project.org.manual_folder(owner)
    made = new_revision(project.manuals(owner.code), folder, args.source, args.mid_year,
                        effective, args.note, args.dry_run)
    verb = "would write" if args.dry_run else "wrote"
    sys.stdout.write(f"{verb} {display_path(made.folder)}: {owner.code} {made.label}, from "
                     f"{made.source.label}\n")
    for line in made.filled:
        sys.stdout.write(f"  filled: {line}\n")
    if args.dry_run:
        for line in made.to_fill:
            sys.stdout.write(f"  to fill: {line}\n")
        return EXIT_OK
    result = validate(Project(args.manuals, DATA_ROOT), [made.folder])
    left = [i for i in result.all_issues() if i.severity is Severity.ERROR]
    _report(left)
    if left:
        sys.stdout.write(f"{len(left)} thing(s) left to fill or fix in {display_path(made.folder)}"
                         " (listed on standard error); then `iku validate`\n")
        return EXIT_FINDINGS
    sys.stdout.write(f"{display_path(made.folder)} is valid\n")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from engine.export import write_atomic
    from engine.report.model import build_report

    cat = _lang(args, "id")
    t = _target(args)
    ev = t.project.evaluator(t.owner.code, t.year)
    period = _period(args, t.year)
    manual = _manual_in_force(ev, period)
    unit = _unit(args, manual)
    try:
        report = build_report(t.project, t.owner.code, t.year, period, unit,
                              bool(args.as_of))
    except LookupError as exc:
        raise _usage(str(exc), "check --year/--period and the manuals") from None
    output: Path | None = args.output
    if output is None:
        when = str(period).lower() + ("-as-of" if args.as_of else "")
        name = t.owner.folder + ("" if unit == manual.owner else f"-{unit.lower()}")
        output = Path(f"lkj-{name}-{when}.{REPORT_SUFFIX[args.format]}")
    if args.output is None:  # the default name goes through the same checks as --output
        check_output(output)
    if str(output) == "-" and args.format in ("xlsx", "pdf"):
        raise _usage(f"--format {args.format} writes a file, not standard output",
                     "give --output FILE")
    if args.format == "markdown":
        from engine.report.markdown import report_markdown

        text = report_markdown(report, cat)
    elif args.format in ("html", "pdf"):
        from engine.report.html import report_html

        text = report_html(report, cat)
    if args.format == "xlsx":
        from engine.report.xlsx import write_xlsx

        write_xlsx(report, cat, output)
    elif args.format == "pdf":
        from engine.report.pdf import print_pdf

        print_pdf(text, output)
    elif str(output) == "-":
        sys.stdout.write(text)
    else:
        write_atomic(output, text)
    if str(output) != "-":
        sys.stderr.write(f"wrote {output}\n")
    if not _data_ok(t.project):
        _data_problems(t.project)
        sys.stderr.write("the dataset has errors: the report shows them and the figures "
                         "they touch\n")
        return EXIT_INPUT
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    from engine.forms import csv_text, make_form, sources_text

    project, data_owner, _ = _project(args)
    owner = project.owner(args.owner or data_owner)
    try:
        period = Period.loose(args.period, None)
    except PeriodError as exc:
        raise _usage(str(exc)) from None
    unit = ""
    if args.unit:
        manual = project.manuals(owner.code, period.year).in_force(period)
        unit = _unit(args, manual) if manual is not None else args.unit
    form = make_form(project, owner.code, period, unit, args.numbers)
    # what the form cannot ask (a linked owner without that year's manual): never silently,
    # whether the form is written or not
    _report([g.issue for g in form.gaps])
    if not form.rows:
        who = unit or owner.code
        raise _usage(f"no input is due from {who} for {period} ({period.label}) under "
                     f"{sources_text(form.sources)}" + (" that this form can ask (above)"
                                                        if form.gaps else ""),
                     "check --period and --unit; `iku show` lists each IKU's schedule")
    name = f"form-{owner.code}-{period}{'-' + unit if unit else ''}.xlsx"
    output: Path = args.output or Path(name)
    if output.suffix.lower() == ".csv":
        from engine.export import write_atomic

        write_atomic(output, "\ufeff" + csv_text(form))  # the BOM tells spreadsheets UTF-8
    elif output.suffix.lower() == ".xlsx":
        from engine.xlsxform import write_xlsx

        write_xlsx(form, output)
    else:
        raise _usage(f"--output {output}: a form is an .xlsx or a .csv file")
    sys.stdout.write(f"wrote {output}: {len(form.rows)} rows, {form.owner} {form.period} "
                     f"({form.period.label}){', unit ' + unit if unit else ''}, "
                     f"{sources_text(form.sources)}\n")
    for note in form.notes:
        sys.stdout.write(f"  note: {note}\n")
    for gap in form.gaps:
        sys.stdout.write(f"  not in the form: the inputs linked to {gap.owner}'s manual: "
                         f"{gap.why} ({gap.hint})\n")
    sys.stdout.write(f"fill it, then: iku import {output}\n")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from engine.dataimport import import_form
    from engine.forms import sources_text

    project, _, _ = _project(args)
    result, issues = import_form(project, args.file, args.owner, args.period, args.replace,
                                 args.dry_run)
    shown = display_path(args.file)
    if issues:
        _report(issues)
        sys.stderr.write(f"iku import: nothing written; {len(issues)} problem(s) in {shown}\n")
        return EXIT_FINDINGS
    sys.stdout.write(f"{shown}: {result.owner} {result.period} ({result.period.label}), "
                     f"{sources_text(result.sources)}: {result.cells} value(s)\n")
    if not result.cells:
        sys.stdout.write("nothing to import: no value is filled in\n")
        return EXIT_OK
    for c in result.changes:
        t = c.typed
        # as the form's columns: owner (whose data), indicator, unit, variable
        what = f"{t.owner} {t.iku} {t.unit} {t.variable}"
        if c.kind == "added":
            sys.stdout.write(f"  added     {what} = {_shown(t.value)}\n")
        elif c.kind == "replaced":
            sys.stdout.write(f"  replaced  {what}: {c.detail} ({c.where})\n")
        elif c.kind == "annotated":
            sys.stdout.write(f"  annotated {what}: {c.detail} ({c.where})\n")
    same = sum(1 for c in result.changes if c.kind == "same")
    if same:
        sys.stdout.write(f"  unchanged: {same} value(s) the data already holds\n")
    if args.dry_run:
        for plan in result.plans:
            sys.stdout.write(plan.diff())
        verb = "would write"
    else:
        verb = "wrote"
    files = [p.shown + (" (new)" if p.old is None else "") for p in result.plans]
    sys.stdout.write(f"{verb} {', '.join(files)}\n" if files else "no file changes\n")
    return EXIT_OK


def _shown(value: object) -> str:
    from engine.datawrite import shown_value

    return shown_value(value)  # type: ignore[arg-type]


def cmd_check(args: argparse.Namespace) -> int:
    from engine.cli_checks import cmd_check as run

    return run(args)


def cmd_needed(args: argparse.Namespace) -> int:
    from engine.cli_checks import cmd_needed as run

    return run(args)


COMMANDS = {"validate": cmd_validate, "show": cmd_show, "evaluate": cmd_evaluate,
            "report": cmd_report, "explain": cmd_explain, "diff": cmd_diff,
            "reconcile": cmd_reconcile, "new-revision": cmd_new_revision, "check": cmd_check,
            "needed": cmd_needed, "template": cmd_template, "import": cmd_import}


# -- checks before a command runs ----------------------------------------------------------
_PERIOD_TEXT = re.compile(r"[0-9]{4}(?:-[A-Za-z0-9]{1,7})?|[A-Za-z0-9]{1,7}")


def _check_options(args: argparse.Namespace) -> None:
    """Option values argparse lets through that would otherwise fail later, or worse, do
    something else than asked: each is a usage error saying what is expected."""
    width = getattr(args, "width", None)
    if width is not None:
        from engine.render import width_problem

        problem = width_problem(str(width), f"--width {width}")
        if problem:
            raise _usage(problem, "omit it to use the terminal's width")
    jobs = getattr(args, "jobs", None)
    if jobs is not None and not 1 <= jobs <= 64:
        raise _usage(f"--jobs {jobs} is not a number of processes",
                     "give 1 to 64, or omit it to use every core")
    year = getattr(args, "year", None)
    if year is not None and not 1000 <= year <= 9999:
        raise _usage(f"--year {year} is not a year", "write it with four digits, such as 2023")
    for period in (getattr(args, "period", None), getattr(args, "as_of", None)):
        if period is not None and not _PERIOD_TEXT.fullmatch(period):
            raise _usage(f"`{period[:40]}` is not a period",
                         "write 2023, 2023-S1 or 2023-TW2, or S1, TW2 or year with --year")


def _named_paths(args: argparse.Namespace) -> list[Path]:
    """The paths the user named (or their defaults): iku reads only below these (a link
    found inside one that leads out is refused) and checks that every folder in them can
    be read."""
    named: list[Path] = [args.manuals]
    data: Path | None = getattr(args, "data", None)
    if data is not None and getattr(args, "impact", True):
        named.append(data)
        if data.name.isdigit():  # a year's folder: explain reads the earlier years beside it,
            named += [data.parent, data.parent.parent]  # and links lead to other owners' data
        elif data.is_dir() and any(p.name.isdigit() for p in data.iterdir() if p.is_dir()):
            named.append(data.parent)  # one owner's folder: links lead to the others' beside it
    if args.command == "validate":
        for p in args.paths:
            named.append(p)
            if p.is_file():  # a named IKU file stands for its revision folder
                named += discover([p])
        if not args.paths:
            named.append(DATA_ROOT)
    elif args.command == "show":
        named.append(DATA_ROOT)  # the default year is the latest with data
    elif args.command == "diff":
        named += [Path(spec) for spec in (args.old, args.new) if Path(spec).exists()]
    return named


def _tolerant_streams() -> None:
    """Output that the terminal's encoding cannot show (PYTHONIOENCODING=ascii, a C locale)
    comes out as `?` instead of an exception; a closed stdout or stderr (`>&-`) discards."""
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (for the run)
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    for stream, errors in ((sys.stdout, "replace"), (sys.stderr, "backslashreplace")):
        if isinstance(stream, io.TextIOWrapper):
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors=errors)


def _drop_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush of what
    could not be written (a closed pipe, a full disk) fails no more."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (tests capture it): nothing is flushed at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _command_in(argv: Sequence[str]) -> str | None:
    """The command `argv` names, for build_parser; None (every command's options) when its
    first word is none: argparse then reports it, listing them all. `iku` itself has only
    options without values, so the first word that is not an option is the command."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_streams()
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(_command_in(argv))
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        _check_options(args)
        named = _named_paths(args)
        begin_run(named)
        check_folders(named)
        if getattr(args, "output", None) is not None:
            check_output(args.output)
        code = COMMANDS[args.command](args)
        parsecache.trim()  # a run that added to the parse cache keeps it bounded
        sys.stdout.flush()  # here, where a failure is reported, not at the interpreter's exit
        return code
    except IkuError as exc:
        _report(exc.issues)
        n = sum(1 for i in exc.issues if i.severity is Severity.ERROR)
        sys.stderr.write(f"iku {args.command}: stopped, {n} error(s)\n")
        # diff follows diff(1): any trouble is 2, whatever kind
        return EXIT_USAGE if args.command == "diff" else exc.exit_code
    except KeyboardInterrupt:  # Ctrl-C; `finally` blocks have removed any temporary file
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `iku ... | head`: the reader has all it wanted
        _drop_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # the system refused (a full disk, a name too long, ...)
        if exc.filename:
            what = f"{str(exc.filename)[:80]}: "
        else:  # files are named (safeio names --output's); what is left is standard output
            what = "cannot write standard output: "
            _drop_stdout()
        _report((error(f"{what}{exc.strerror or exc}", code="io"),))
        sys.stderr.write(f"iku {args.command}: stopped, 1 error(s)\n")
        return EXIT_USAGE if args.command == "diff" else EXIT_INPUT
    except Exception as exc:  # a bug of ours, not the user's mistake
        if os.environ.get("IKU_DEBUG"):
            raise
        sys.stderr.write(f"iku: internal error: {type(exc).__name__}: {exc}\n"
                         "This is a bug in iku; rerun with IKU_DEBUG=1 for the details.\n")
        return 70
    finally:
        end_run()


if __name__ == "__main__":
    raise SystemExit(main())
