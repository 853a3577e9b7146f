"""The command line of the checks: `iku check` and `iku evaluate --compare-previous-year`.
Thin, as engine.cli: each calls the library (engine.checks, engine.compare) and a renderer."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from engine.checkrules import RULES
from engine.cli import _evaluation, _exit_code, _report, _target, _usage
from engine.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, Severity, did_you_mean
from engine.periods import Period, PeriodError

ArgAdder = Callable[[argparse.ArgumentParser], None]


def _rules_epilog() -> str:
    lines = ["rules (iku check --list shows their settings):"]
    for r in RULES.values():
        state = "" if r.available else " (not run yet: waits for the report's narrative fields)"
        lines.append(f"  {r.id:<27} LHE 2023 #{', #'.join(map(str, r.recommendations))}, "
                     f"{r.severity.value}{state}")
    return "\n".join(lines)


def add_parsers(sub: argparse._SubParsersAction[Any], manuals_arg: ArgAdder,
                data_arg: ArgAdder, owner_arg: ArgAdder) -> None:
    """The `check` command, with the same --manuals, --data and --owner as the
    others."""
    p = sub.add_parser(
        "check", help="the inspectorate's recommendations as checks on manuals and data",
        description="Check an owner's manuals and data of one year against the recommendations "
        "of the inspectorate's evaluation (LHE 2023) that a tool can check: each year's target "
        "against the previous year's realisasi (#2), evidence behind every figure (#5), period "
        "targets that follow the schedule (#16). One line per finding, `file:line:col: "
        "severity: message [IKU unit period] (hint)`, then a summary. Rules are turned on or "
        "off, their severity and thresholds set, in a `checks:` block of "
        "manual_iku/organisation.yaml (every manual) or of a manual's header (that manual); "
        "a target's `reason:` answers #2 (shown as info). See docs/checks.md.",
        epilog=_rules_epilog() + "\n\nexit codes, as validate: 0 no errors (warnings and info "
        "may be listed); 1 some finding is an error; 2 usage; 3 a manual or dataset cannot be "
        "used.", formatter_class=argparse.RawDescriptionHelpFormatter)
    manuals_arg(p)
    data_arg(p)
    owner_arg(p)
    p.add_argument("--year", type=int, help="the year whose targets and data are checked, "
                                            "against the year before (default: the owner's "
                                            "latest year with data)")
    p.add_argument("--as-of", dest="as_of", metavar="PERIOD",
                   help="check the data up to PERIOD only (2023-TW3)")
    p.add_argument("--rule", action="append", metavar="ID", default=[],
                   help="run only this rule (repeatable), even where settings turn it off")
    p.add_argument("--list", action="store_true",
                   help="list the rules: recommendation, severity, what each checks, its "
                        "settings and where a reason answers it")
    p.add_argument("--format", choices=("text", "table", "json", "github"), default="text",
                   help="text: one line per finding and a summary; table; json for scripts; "
                        "github: GitHub Actions annotations")
    p.add_argument("--width", type=int, help="table width in characters (default: terminal)")
    p.set_defaults(period=None)



# -- iku check ----------------------------------------------------------------------------------
def cmd_check(args: argparse.Namespace) -> int:
    from engine.checks import check
    from engine.export_checks import check_json, check_summary
    from engine.render import make_console, render_issues, render_rules

    if args.list:
        render_rules(make_console(width=args.width))
        return EXIT_OK
    for rid in args.rule:
        if rid not in RULES:
            raise _usage(f"no rule `{rid}`", did_you_mean(rid, RULES) or
                         f"rules: {', '.join(RULES)}")
        if not RULES[rid].available:
            raise _usage(f"rule {rid} cannot run yet: it waits for {RULES[rid].needs}")
    t = _target(args, need_data=False)
    as_of = None
    if args.as_of:
        try:
            as_of = Period.loose(args.as_of, t.year)
        except PeriodError as exc:
            raise _usage(str(exc)) from None
    result = check(t.project, t.owner.code, t.year, as_of, tuple(args.rule))
    if args.format == "json":
        sys.stdout.write(check_json(result))
    elif args.format == "github":
        for f in result.findings:
            sys.stdout.write(f.as_github() + "\n")
        sys.stdout.write(check_summary(result) + "\n")
    elif args.format == "table":
        console = make_console(width=args.width)
        render_issues(console, result.findings, title=f"Checks of {t.owner.code} {t.year}")
        console.print(check_summary(result))
    else:
        for f in result.findings:
            sys.stdout.write(f.as_text() + "\n")
        sys.stdout.write(check_summary(result) + "\n")
    if result.problems:
        _report(result.problems, "problems in the data (iku validate lists them)")
        return EXIT_INPUT
    return EXIT_FINDINGS if result.count(Severity.ERROR) else EXIT_OK


# -- iku evaluate --compare-previous-year --------------------------------------------------------
def evaluate_compared(args: argparse.Namespace) -> int:
    from engine.compare import compare
    from engine.export import write_atomic
    from engine.export_checks import comparison_csv, comparison_json, comparison_markdown
    from engine.render import make_console, render_comparison

    t = _target(args)
    ev, data = _evaluation(args, t)
    comp = compare(t.project, ev)
    text = {"json": comparison_json, "csv": comparison_csv,
            "markdown": comparison_markdown}.get(args.format)
    if text is None:
        if args.output is not None:
            from io import StringIO

            buf = StringIO()
            render_comparison(make_console(buf, width=args.width or 120, color=False), comp)
            write_atomic(args.output, buf.getvalue())
        else:
            render_comparison(make_console(width=args.width), comp)
    elif args.output is not None:
        write_atomic(args.output, text(comp))
    else:
        sys.stdout.write(text(comp))
    if args.output is not None:
        sys.stderr.write(f"wrote {args.output}\n")
    return _exit_code(ev, data, args.strict)
