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
from collections.abc import Sequence
from pathlib import Path

from engine import __version__
from engine.dataset import DEFAULT_ROOT as DATA_ROOT
from engine.dataset import Dataset, find_year_folder, history, load_dataset, year_folders
from engine.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_FINDINGS,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_MISSING_DATA,
    EXIT_OK,
    EXIT_USAGE,
    IkuError,
    InputError,
    Issue,
    Severity,
    did_you_mean,
    error,
)
from engine.evaluate import Evaluator
from engine.manual import DEFAULT_ROOT as MANUAL_ROOT
from engine.manual import ManualSet, discover, load_set, load_set_or_raise
from engine.periods import Period, PeriodError
from engine.safeio import STDOUT, begin_run, check_folders, check_output, end_run
from engine.schemacheck import save_verdicts
from engine.yamlload import display_path

# Commands import the renderer, exporters, diff and reconcile where they need them: start-up
# time is part of every command's cost (bench/bench.py measures it against the bare imports).

EPILOG = """exit codes: 0 ok; 1 findings (validate: errors; diff: differences; reconcile:
discrepancies); 2 usage (including an --output iku will not write); 3 a manual or dataset
cannot be used; 4 missing data with --strict; 130 Ctrl-C; 141 the output's reader went away.
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
                       help="folder of manual revisions (default: manual_iku)")

    def data_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data", type=Path, default=DATA_ROOT, metavar="PATH",
                       help="datasets root or one year's folder (default: datasets, latest "
                            "year with data)")

    def period_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--year", type=int, help="year to evaluate (default: latest with data)")
        p.add_argument("--period", help="2023, 2023-S1, 2023-TW2, or S1/TW2 with --year "
                                        "(default: the whole year)")
        p.add_argument("--unit", help="unit code for a directorate's view, such as INTI "
                                      "(default: the owner, the deputy)")

    p = sub.add_parser("validate", help="check manuals and data: every problem at once",
                       description="Check manual revisions (YAML, schema, formulas, references, "
                       "schedules, weights, status bands, revision dates) and datasets (YAML, "
                       "schema, units, variables, kinds and ranges against the revision in "
                       "force for each value). Reports every problem of every file in one run.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                   help="manual revision folders, dataset year folders, files, or folders "
                        "holding them (default: manual_iku and datasets)")
    manuals_arg(p)
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help="table for people, json for scripts and CI")
    p.add_argument("--assumptions", action="store_true",
                   help="also list the assumption notes written into the manuals")

    p = sub.add_parser("show", help="the manual as people read it, or one IKU in full",
                       description="Show a manual revision (objectives and IKUs with targets by "
                       "year, the year's performance agreement, the responsibility matrix) or "
                       "one IKU's whole definition.")
    p.add_argument("iku", nargs="?", help="IKU code, such as IKU.8 (default: the whole manual)")
    manuals_arg(p)
    p.add_argument("--revision", help="revision label, such as 2023-r1 (default: the one in "
                                      "force at the end of --year)")
    p.add_argument("--year", type=int, help="year (default: latest with data, else latest)")

    p = sub.add_parser("evaluate", help="recompute target, realisasi, capaian and scores",
                       description="Evaluate the manual against the data: target, realisasi, "
                       "capaian and status per IKU, the groups above/on/below target, NSS, NKP "
                       "and NPSS. Where the report printed another figure, both are shown.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    manuals_arg(p)
    data_arg(p)
    period_args(p)
    p.add_argument("--format", choices=("table", "json", "csv", "markdown"), default="table")
    p.add_argument("--output", type=Path, metavar="FILE",
                   help="write to FILE (atomically; - for standard output) instead of the "
                        "terminal; never over an input, a folder or a device")
    p.add_argument("--strict", action="store_true",
                   help="exit 4 when any IKU has no figure for lack of data")
    p.add_argument("--width", type=int, help="table width in characters (default: terminal)")

    p = sub.add_parser("explain", help="how one figure came about, step by step",
                       description="Explain one IKU's figure: the revision and formula in "
                       "force, each input with its file and line, each step's value, the "
                       "cascade and period parts, the target, capaian, rounding and status.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("iku", help="IKU code, such as IKU.8")
    manuals_arg(p)
    data_arg(p)
    period_args(p)
    p.add_argument("--width", type=int, help="width in characters (default: terminal)")

    p = sub.add_parser("diff", help="what changed between two manual revisions",
                       description="Semantic differences between two manual revisions, per IKU: "
                       "added, removed or renumbered IKUs; name, unit, polarity, objective; "
                       "formula (as an expression diff), steps and variables; schedule; "
                       "targets; cascade; and the header's scoring rules. With --impact, the "
                       "same data scored under both.",
                       epilog="OLD and NEW: a revision folder, a revision label (2023-r1), or "
                       "from git REV:PATH (HEAD~1:manual_iku/deputi-sinka/2023-r2) or "
                       "REV:LABEL (HEAD~1:2023-r2).\n"
                       "exit codes, as diff(1): 0 no differences, 1 differences, 2 trouble.",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("old", metavar="OLD")
    p.add_argument("new", metavar="NEW")
    manuals_arg(p)
    p.add_argument("--format", choices=("table", "json", "markdown"), default="table",
                   help="markdown to paste into a review")
    p.add_argument("--impact", action="store_true",
                   help="also score the same data under both manuals")
    p.add_argument("--data", type=Path, default=DATA_ROOT, metavar="PATH",
                   help="dataset for --impact: a year's folder or the datasets root "
                        "(default: latest year with data)")
    p.add_argument("--year", type=int, help="year of the data for --impact")
    p.add_argument("--width", type=int, help="width in characters (default: terminal)")

    p = sub.add_parser("reconcile", help="check printed figures against the recomputation",
                       description="Check every printed figure of the dataset's reported.yaml "
                       "against the recomputation: both values, the difference, the "
                       "tolerance (half a unit of the last printed digit) and a "
                       "classification (carried, averaging, copied, rounding, arithmetic).",
                       epilog="exit codes: 0 every figure agrees; 1 some figure differs beyond "
                       "its tolerance; 3 the manual or dataset cannot be used.",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    manuals_arg(p)
    data_arg(p)
    p.add_argument("--year", type=int, help="year of the report (default: latest with data)")
    p.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    p.add_argument("--all", action="store_true", help="list the figures that agree as well")
    p.add_argument("--width", type=int, help="width in characters (default: terminal)")
    return parser


# -- helpers --------------------------------------------------------------------------------
def _report(issues: Sequence[Issue], heading: str = "") -> None:
    """Issues on stderr, one plain line each (`error: file:line: IKU.8: message (hint)`), so
    that logs and editors can pick them up; `iku validate` shows the same as a table."""
    if heading:
        sys.stderr.write(f"{heading}:\n")
    for issue in issues:
        sys.stderr.write(issue.as_text() + "\n")


def _data_folder(args: argparse.Namespace) -> Path:
    root: Path = args.data
    period = getattr(args, "period", None) or ""
    year = args.year or (int(period[:4]) if period[:4].isdigit() else None)
    if (root / "reported.yaml").is_file() or any(root.glob("IKU.*.yaml")):
        folder: Path | None = root
    else:
        folder = find_year_folder(root, year)
    if folder is None or not folder.name.isdigit():
        what = f"for {year} " if year else ""
        raise InputError((error(f"no dataset {what}under {display_path(root)}",
                                hint="expected datasets/<owner>/<year>/IKU.NN.yaml; use --data",
                                code="io"),))
    return folder


def _manuals_and_data(args: argparse.Namespace) -> tuple[ManualSet, Dataset]:
    """The data's folder first, so that only the manual revisions of its year are read."""
    folder = _data_folder(args)
    manuals = load_set_or_raise([args.manuals], year=int(folder.name))
    return manuals, load_dataset(folder, manuals)


def _period(args: argparse.Namespace, data: Dataset) -> Period:
    year = args.year or data.year
    text = args.period
    try:
        if text is None:
            return Period.of(year, "Y")
        if text[:1].isdigit():
            return Period.parse(text)
        return Period.of(year, text.upper())
    except PeriodError as exc:
        raise InputError((error(str(exc), code="usage"),), EXIT_USAGE) from None


def _unit(args: argparse.Namespace, manuals: ManualSet, period: Period) -> str | None:
    if not args.unit:
        return None
    manual = manuals.in_force(period)
    codes = [u.code for u in manual.units] if manual else []
    match = next((c for c in codes if c.lower() == args.unit.lower()), None)
    if match is None:
        raise InputError((error(f"unknown unit `{args.unit}`",
                                hint=did_you_mean(args.unit.upper(), codes) or
                                f"units: {', '.join(codes)}", code="usage"),), EXIT_USAGE)
    return match


# -- commands -------------------------------------------------------------------------------
def cmd_validate(args: argparse.Namespace) -> int:
    from engine.render import make_console, render_validation

    for p in args.paths:
        if not p.exists():
            raise InputError((error(f"{p} does not exist", code="io"),), EXIT_USAGE)
    if args.paths:
        manual_paths = [p for p in args.paths if discover([p])]
        data_paths = [f for p in args.paths for f in year_folders(p)]
    else:
        manual_paths = [args.manuals]
        data_paths = year_folders(DATA_ROOT)
    if not manual_paths and not data_paths:
        raise InputError((error(f"no manual revision (manual.yaml) or dataset found in "
                                f"{', '.join(str(p) for p in args.paths)}", code="io"),))
    manual_set, results, set_issues = load_set(manual_paths) if manual_paths else \
        (None, [], [])
    if data_paths and manual_set is None:  # data alone: checked against --manuals
        manual_set = load_set([args.manuals])[0]
    datasets = [load_dataset(f, manual_set) for f in data_paths] if manual_set else []
    issues = [i for r in results for i in r.issues] + set_issues + \
        [i for d in datasets for i in d.issues]
    errors = sum(1 for i in issues if i.severity is Severity.ERROR)
    if args.format == "json":
        manuals = [r.manual for r in results if r.manual is not None]
        out = {
            "ok": errors == 0,
            "revisions": [m.label for m in manuals],
            "ikus": sum(len(m.ikus) for m in manuals),
            "files": sum(r.files for r in results),
            "datasets": [d.folder for d in datasets],
            "data_files": sum(d.files for d in datasets),
            "errors": errors,
            "warnings": sum(1 for i in issues if i.severity is Severity.WARNING),
            "issues": [i.to_json() for i in issues],
            "assumptions": [{"revision": m.label, "id": a.id, "where": str(a.location),
                             "text": " ".join(a.text.split())}
                            for m in manuals for a in m.all_assumptions()],
        }
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    else:
        render_validation(make_console(), results, set_issues, datasets, args.assumptions)
    return EXIT_FINDINGS if errors else EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from engine.render import make_console, render_iku, render_manual

    manuals = load_set_or_raise([args.manuals])
    if args.revision:
        manual = manuals.by_label(args.revision)
        if manual is None:
            labels = [m.label for m in manuals.manuals]
            raise InputError((error(f"no revision `{args.revision}`",
                                    hint=did_you_mean(args.revision, labels) or
                                    f"revisions: {', '.join(labels)}", code="usage"),),
                             EXIT_USAGE)
    else:
        year = args.year
        if year is None:
            folder = find_year_folder(DATA_ROOT, None)
            year = int(folder.name) if folder else manuals.years()[-1]
        manual = manuals.in_force(Period.of(year, "Y"))
        if manual is None:
            raise InputError((error(f"no manual for {year}",
                                    hint=f"years: {', '.join(map(str, manuals.years()))}",
                                    code="usage"),), EXIT_USAGE)
    console = make_console()
    if args.iku:
        iku = manual.iku(_iku_code(args.iku))
        if iku is None:
            codes = [i.code for i in manual.ikus]
            raise InputError((error(f"{args.iku} is not in manual {manual.label}",
                                    hint=did_you_mean(_iku_code(args.iku), codes), code="usage"),),
                             EXIT_USAGE)
        render_iku(console, manual, iku)
    else:
        render_manual(console, manual)
    return EXIT_OK


def _iku_code(text: str) -> str:
    """`8`, `iku8`, `IKU.08` -> `IKU.8`."""
    digits = "".join(ch for ch in text if ch in "0123456789")  # not `²`, which int() refuses
    return f"IKU.{int(digits)}" if 0 < len(digits) <= 6 else text


def cmd_evaluate(args: argparse.Namespace) -> int:
    from engine.export import evaluation_csv, evaluation_json, evaluation_markdown, write_atomic

    manuals, data = _manuals_and_data(args)
    period = _period(args, data)
    unit = _unit(args, manuals, period)
    evaluator = Evaluator(manuals, data)
    try:
        ev = evaluator.evaluate(period, unit)
    except LookupError as exc:
        raise InputError((error(str(exc), hint="check --year/--period and the manuals",
                                code="usage"),)) from None
    text = {"json": evaluation_json, "csv": evaluation_csv,
            "markdown": evaluation_markdown}.get(args.format)
    if args.output is not None:
        if not data.ok:
            _report(data.issues, f"problems in {data.folder}")
            sys.stderr.write(f"{args.output} not written: the dataset has errors\n")
            return EXIT_INPUT
        if text is None:
            from io import StringIO

            from engine.render import make_console, render_evaluation

            buf = StringIO()
            render_evaluation(make_console(buf, width=args.width or 120, color=False), ev)
            write_atomic(args.output, buf.getvalue())
        else:
            write_atomic(args.output, text(ev))
        if str(args.output) != STDOUT:
            sys.stderr.write(f"wrote {args.output}\n")
    elif text is not None:
        sys.stdout.write(text(ev))
        if not data.ok:
            _report(data.issues, f"problems in {data.folder}")
    else:
        from engine.render import make_console, render_evaluation

        render_evaluation(make_console(width=args.width), ev)
    if not data.ok:
        return EXIT_INPUT
    if args.strict and ev.missing:
        sys.stderr.write(f"--strict: {len(ev.missing)} IKU(s) without data: "
                         f"{', '.join(r.iku.code for r in ev.missing)}\n")
        return EXIT_MISSING_DATA
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from engine.diff import revision_changes
    from engine.render import make_console, render_explanation

    manuals, data = _manuals_and_data(args)
    period = _period(args, data)
    manual = manuals.in_force(period)
    if manual is None:
        raise InputError((error(f"no manual revision in force for {period}", code="usage"),))
    code = _iku_code(args.iku)
    iku = manual.iku(code)
    if iku is None:
        raise InputError((error(f"{args.iku} is not in manual {manual.label}",
                                hint=did_you_mean(code, [i.code for i in manual.ikus]),
                                code="usage"),), EXIT_USAGE)
    unit = _unit(args, manuals, period) or manual.owner
    evaluator = Evaluator(manuals, data, explain=True)
    fig = evaluator.figure(code, unit, period)
    revisions = revision_changes(manuals, period.year, manual.owner, code)
    u = manual.unit(unit)
    earlier = history(Path(data.folder), code, unit) if period.is_year else []
    render_explanation(make_console(width=args.width), fig, iku, manual,
                       u.short_name if u else unit, evaluator.printed_differences(fig), revisions,
                       earlier)
    if not data.ok:
        _report(data.issues, f"problems in {data.folder}")
        return EXIT_INPUT
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from engine.diff import diff_manuals, impact, load_pair
    from engine.export import diff_dict, diff_markdown, impact_dict, to_json
    from engine.render import make_console, render_diff, render_impact

    old, new = load_pair(args.old, args.new, args.manuals)
    d = diff_manuals(old, new)
    imp = None
    if args.impact:
        imp = impact(old, new, _data_folder(args))
    if args.format == "json":
        out = diff_dict(d)
        if imp is not None:
            out["impact"] = impact_dict(imp)
        sys.stdout.write(to_json(out) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(diff_markdown(d))
    else:
        console = make_console(width=args.width)
        render_diff(console, d)
        if imp is not None:
            render_impact(console, imp)
    return EXIT_FINDINGS if d.changes else EXIT_OK


def cmd_reconcile(args: argparse.Namespace) -> int:
    from engine.export import reconciliation_dict, reconciliation_markdown
    from engine.reconcile import reconcile
    from engine.render import make_console, render_reconciliation

    manuals, data = _manuals_and_data(args)
    if not data.reported:
        raise InputError((error(f"{data.folder} has no reported.yaml with printed figures",
                                code="io"),))
    rec = reconcile(manuals, data)
    if args.format == "json":
        sys.stdout.write(json.dumps(reconciliation_dict(rec), indent=2, ensure_ascii=False)
                         + "\n")
    elif args.format == "markdown":
        sys.stdout.write(reconciliation_markdown(rec, args.all))
    else:
        render_reconciliation(make_console(width=args.width), rec, args.all)
    if not data.ok:
        _report(data.issues, f"problems in {data.folder}")
        return EXIT_INPUT
    return EXIT_FINDINGS if rec.discrepancies else EXIT_OK


COMMANDS = {"validate": cmd_validate, "show": cmd_show, "evaluate": cmd_evaluate,
            "explain": cmd_explain, "diff": cmd_diff, "reconcile": cmd_reconcile}


# -- checks before a command runs ----------------------------------------------------------
def _usage(message: str, hint: str = "") -> InputError:
    return InputError((error(message, hint=hint, code="usage"),), EXIT_USAGE)


_PERIOD_TEXT = re.compile(r"[0-9]{4}(?:-[A-Za-z0-9]{1,4})?|[A-Za-z0-9]{1,4}")


def _check_options(args: argparse.Namespace) -> None:
    """Option values argparse lets through that would otherwise fail later, or worse, do
    something else than asked: each is a usage error saying what is expected."""
    width = getattr(args, "width", None)
    if width is not None:
        from engine.render import width_problem

        problem = width_problem(str(width), f"--width {width}")
        if problem:
            raise _usage(problem, "omit it to use the terminal's width")
    year = getattr(args, "year", None)
    if year is not None and not 1000 <= year <= 9999:
        raise _usage(f"--year {year} is not a year", "write it with four digits, such as 2023")
    period = getattr(args, "period", None)
    if period is not None and not _PERIOD_TEXT.fullmatch(period):
        raise _usage(f"`{period[:40]}` is not a period",
                     "write 2023, 2023-S1 or 2023-TW2, or S1 or TW2 with --year")


def _named_paths(args: argparse.Namespace) -> list[Path]:
    """The paths the user named (or their defaults): iku reads only below these (a link
    found inside one that leads out is refused) and checks that every folder in them can
    be read."""
    named: list[Path] = [args.manuals]
    data: Path | None = getattr(args, "data", None)
    if data is not None and getattr(args, "impact", True):
        named.append(data)
        if data.name.isdigit():  # a year's folder: explain reads the earlier years beside it
            named.append(data.parent)
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


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_streams()
    parser = build_parser()
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
        if code == EXIT_OK:  # only a clean run leaves anything behind, even in a cache
            save_verdicts()
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
