"""The `iku` command line. Thin: each command calls the library and hands the result to
the renderer; user mistakes become messages and exit codes, never tracebacks."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine import __version__
from engine.codes import from_user
from engine.dataset import Dataset, history
from engine.errors import (
    EXIT_FIGURE_ERROR,
    EXIT_FINDINGS,
    EXIT_INPUT,
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
from engine.evaluate import Evaluation, Evaluator
from engine.i18n import ENV as I18N_ENV
from engine.i18n import LANGS, Catalogue, resolve
from engine.model import Manual
from engine.org import Owner
from engine.periods import Period, PeriodError
from engine.project import DATA_ROOT, MANUAL_ROOT, Project
from engine.schemacheck import save_verdicts
from engine.yamlload import display_path

# Commands import the renderer, exporters, diff and reconcile where they need them: start-up
# time is part of every command's cost (bench/bench.py measures it against the bare imports).

REPORT_FORMATS = ("html", "xlsx", "pdf", "markdown")
REPORT_SUFFIX = {"html": "html", "xlsx": "xlsx", "pdf": "pdf", "markdown": "md"}

EPILOG = """exit codes: 0 ok; 1 findings (validate: errors; diff: differences; reconcile:
discrepancies); 2 usage; 3 a manual or dataset cannot be used; 4 missing data with --strict;
5 a figure could not be computed (a formula or check failed on data that is there).
Documentation: README.md and docs/ in the project."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n"
                              f"Run `{self.prog} --help` for the options.\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="iku", description="Rules-as-data engine for Manual IKU: validate, "
                     "show, evaluate and explain SAKIP key performance indicators.",
                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"iku {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

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
        when.add_argument("--period", help="2023, 2023-S1, 2023-TW2, or TW2, S1, year with "
                                           "--year (any case; default: the whole year)")
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
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                   help="manual revision folders, dataset year folders, files, or folders "
                        "holding them (default: everything under --manuals and --data)")
    manuals_arg(p)
    data_arg(p)
    owner_arg(p)
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help="table for people, json for scripts and CI")
    p.add_argument("--assumptions", action="store_true",
                   help="also list the assumption notes written into the manuals")
    lang_arg(p)

    p = sub.add_parser("show", help="the manual as people read it, or one IKU in full",
                       description="Show a manual revision (objectives and IKUs with targets by "
                       "year, the year's performance agreement, the responsibility matrix) or "
                       "one IKU's whole definition.")
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
    manuals_arg(p)
    data_arg(p)
    owner_arg(p)
    period_args(p)
    p.add_argument("--format", choices=("table", "json", "csv", "markdown"), default="table")
    p.add_argument("--output", type=Path, metavar="FILE",
                   help="write to FILE (atomically) instead of the terminal")
    p.add_argument("--strict", action="store_true",
                   help="exit 4 when any IKU has no figure for lack of data")
    p.add_argument("--tree", action="store_true",
                   help="the organisation at a glance: every owner under --owner (default: the "
                        "top), with NPSS, IKUs above/on/below target and the weakest IKU")
    p.add_argument("--width", type=int, help="table width in characters (default: terminal)")
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
                       "cascade, links into other manuals and period parts, the target, "
                       "capaian, rounding and status), an objective's NSS (SS.3), a "
                       "perspective's NKP (NKP.INTERNAL) or the NPSS.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
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

    p = sub.add_parser("reconcile", help="check printed figures against the recomputation",
                       description="Check every printed figure of an owner's reported.yaml "
                       "(realisasi, capaian, NSS, NKP, NPSS, average capaian) against the "
                       "recomputation: both values, the difference, the tolerance (half a "
                       "unit of the last printed digit) and a classification (carried, "
                       "averaging, copied, rounding, arithmetic).",
                       epilog="exit codes: 0 every figure agrees; 1 some figure differs beyond "
                       "its tolerance; 2 usage; 3 the manual or dataset cannot be used.",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    manuals_arg(p)
    data_arg(p)
    owner_arg(p)
    p.add_argument("--year", type=int, help="year of the report (default: the owner's latest "
                                            "year with data)")
    p.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    p.add_argument("--all", action="store_true", help="list the figures that agree as well")
    p.add_argument("--width", type=int, help="width in characters (default: terminal)")
    lang_arg(p)
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
        years = project.data_years(owner.code)
        if not years and need_data:
            shown = display_path(project.data_root / owner.folder)
            raise InputError((error(f"no data of {owner.code} under {shown}", Location(shown),
                                    hint=f"expected {shown}/<year>/<code>.yaml; use --data",
                                    code="io"),))
        year = years[-1] if years else None
    if year is None:
        manual_years = project.manuals(owner.code).years()
        year = manual_years[-1]
    if need_data and year not in project.data_years(owner.code):
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


def _data_problems(data: Dataset) -> None:
    if not data.ok:
        _report(data.issues, f"problems in {data.folder}")


# -- commands -------------------------------------------------------------------------------
def cmd_validate(args: argparse.Namespace) -> int:
    from engine.validate import nothing_to_check, validate

    for p in args.paths:
        if not p.exists():
            raise InputError((error(f"{p} does not exist", code="io"),), EXIT_USAGE)
    cat = _lang(args)
    result = validate(args.manuals, args.data, args.paths, args.owner)
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
    else:
        from engine.render import make_console, render_validation

        render_validation(make_console(), result, args.assumptions, cat)
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
            raise _usage(f"{args.iku} is not in {t.owner.code}'s manual {manual.label}",
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


def _exit_code(ev: Evaluation, data: Dataset, strict: bool) -> int:
    """Load errors first (3), then figures that failed (5), then --strict's missing data (4)."""
    if not data.ok:
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


def cmd_evaluate(args: argparse.Namespace) -> int:
    if args.tree:
        return _evaluate_tree(args)
    from engine.export import evaluation_csv, evaluation_json, evaluation_markdown, write_atomic

    cat = _lang(args)
    t = _target(args)
    ev, data = _evaluation(args, t)
    # CSV is for machines: a decimal point unless --lang id is given on this command
    csv_cat = cat if args.lang == "id" else None
    text = {"json": evaluation_json, "csv": lambda e: evaluation_csv(e, csv_cat),
            "markdown": lambda e: evaluation_markdown(e, cat)}.get(args.format)
    if args.output is not None:
        if not data.ok:
            _data_problems(data)
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
        sys.stderr.write(f"wrote {args.output}\n")
    elif text is not None:
        sys.stdout.write(text(ev))
        _data_problems(data)
    else:
        from engine.render import make_console, render_evaluation

        render_evaluation(make_console(width=args.width), ev, cat)
    return _exit_code(ev, data, args.strict)


def _evaluate_tree(args: argparse.Namespace) -> int:
    from engine.render import make_console, render_tree
    from engine.tree import organisation_tree

    project, data_owner, _ = _project(args)
    top = project.owner(args.owner or data_owner) if (args.owner or data_owner or len(
        project.org.tops()) != 1) else project.org.tops()[0]
    year = args.year or _period_year(args)
    tree = organisation_tree(project, top.code, year, args.period or args.as_of,
                             bool(args.as_of))
    render_tree(make_console(width=args.width), tree, _lang(args))
    if any(r.error for r in tree.rows):
        return EXIT_INPUT
    if any(r.evaluation is not None and r.evaluation.errors for r in tree.rows):
        return EXIT_FIGURE_ERROR
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from engine.render import make_console, render_explanation, render_score_explanation

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
            raise _usage(f"{wanted} is not an indicator, objective, NKP or NPSS of "
                         f"{t.owner.code}'s manual {manual.label}",
                         did_you_mean(code, [*codes, *(o.code for o in manual.objectives),
                                             "NPSS"]) or f"indicators: {', '.join(codes)}")
        evaluation = ev.evaluate(period, unit, as_of=bool(args.as_of))
        render_score_explanation(console, evaluation, *score, cat=cat)
        _data_problems(ev.data)
        return EXIT_INPUT if not ev.data.ok else EXIT_OK
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
    _data_problems(ev.data)
    if not ev.data.ok:
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
    from engine.export import diff_dict, diff_markdown, impact_dict
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
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
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
    if not ev.data.ok:
        _data_problems(ev.data)
        return EXIT_INPUT
    return EXIT_FINDINGS if rec.discrepancies else EXIT_OK


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
    if not ev.data.ok:
        _data_problems(ev.data)
        sys.stderr.write("the dataset has errors: the report shows them and the figures "
                         "they touch\n")
        return EXIT_INPUT
    return EXIT_OK


COMMANDS = {"validate": cmd_validate, "show": cmd_show, "evaluate": cmd_evaluate,
            "report": cmd_report, "explain": cmd_explain, "diff": cmd_diff,
            "reconcile": cmd_reconcile}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        code = COMMANDS[args.command](args)
        if code == EXIT_OK:  # only a clean run leaves anything behind, even in a cache
            save_verdicts()
        return code
    except IkuError as exc:
        _report(exc.issues)
        n = sum(1 for i in exc.issues if i.severity is Severity.ERROR)
        sys.stderr.write(f"iku {args.command}: stopped, {n} error(s)\n")
        # diff follows diff(1): any trouble is 2, whatever kind
        return EXIT_USAGE if args.command == "diff" else exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug of ours, not the user's mistake
        if os.environ.get("IKU_DEBUG"):
            raise
        sys.stderr.write(f"iku: internal error: {type(exc).__name__}: {exc}\n"
                         "This is a bug in iku; rerun with IKU_DEBUG=1 for the details.\n")
        return 70


if __name__ == "__main__":
    raise SystemExit(main())
