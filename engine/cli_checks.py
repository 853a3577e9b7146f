"""The command line of the checks: `iku check`, `iku needed`, the still-needed part of
`iku explain --as-of` and `iku evaluate --compare-previous-year`. Thin, as engine.cli: each
calls the library (engine.checks, engine.needed, engine.compare) and a renderer."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from engine.checkrules import RULES
from engine.cli import (
    EPILOG,
    _data_ok,
    _data_problems,
    _evaluation,
    _exit_code,
    _manual_in_force,
    _period,
    _report,
    _target,
    _unit,
    _usage,
)
from engine.codes import from_user
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
                data_arg: ArgAdder, owner_arg: ArgAdder, wanted: Callable[[str], bool]) -> None:
    """The `check` and `needed` commands, with the same --manuals, --data and --owner as the
    others; the options of those `wanted` only (engine.cli.build_parser)."""
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
    if wanted("check"):
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

    p = sub.add_parser(
        "needed", help="what the periods to come must bring to reach each target and band",
        description="As of a period: for each IKU with a target in the year, each targeted "
        "period not yet over (and the year), the realisasi needed in every period to come to "
        "reach the target (capaian 100) and each status band, by the manual's own aggregate "
        "(last, mean, sum) over the figures so far, or `already reached` / `out of reach` "
        "with why. For the owner, the value each unit needs (one equal value) and the owner's "
        "own figure; with --input, the value of that input, the unit's other inputs held at "
        "their latest values. Marks those at risk: the target out of reach, or more needed "
        "than the best period so far. Every value is checked by the engine: it reaches the "
        "goal, one step short of it does not.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    if wanted("needed"):
        p.add_argument("iku", nargs="?", metavar="IKU", help="one IKU (default: every one)")
        manuals_arg(p)
        data_arg(p)
        owner_arg(p)
        p.add_argument("--as-of", dest="as_of", metavar="PERIOD", required=True,
                       help="the data up to PERIOD (2023-TW3, or tw3 with --year); what comes "
                            "after it is to come")
        p.add_argument("--year", type=int, help="year (default: from --as-of)")
        p.add_argument("--unit", help="a unit's view, such as INTI (default: the owner)")
        p.add_argument("--input", metavar="NAME",
                       help="also the needed value of this input (Z1, realisasi_anggaran), the "
                            "unit's other inputs at their latest values")
        p.add_argument("--at-risk", action="store_true",
                       help="only those at risk: target out of reach, or more needed than the "
                            "best period so far")
        p.add_argument("--format", choices=("table", "json", "markdown"), default="table")
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


# -- iku needed ----------------------------------------------------------------------------------
def cmd_needed(args: argparse.Namespace) -> int:
    from engine.export_checks import needs_json, needs_markdown
    from engine.needed import Needs, needs
    from engine.render import make_console, render_needs

    t = _target(args, need_data=False)  # early in a year, everything is still to come
    ev = t.project.evaluator(t.owner.code, t.year)
    as_of = _period(args, t.year)
    manual = _manual_in_force(ev, as_of)
    unit = _unit(args, manual)
    codes = [i.code for i in manual.ikus]
    chosen: list[str] = []
    if args.iku:
        code = from_user(args.iku, codes, manual.indicator_codes)
        if manual.iku(code) is None:
            raise _usage(f"{args.iku} is not an indicator of {t.owner.code}'s manual "
                         f"{manual.label}", did_you_mean(code, codes) or
                         f"indicators: {', '.join(codes)}")
        chosen = [code]
    if args.input:
        having = [i.code for i in manual.ikus if i.variable(args.input) is not None
                  and (not chosen or i.code in chosen)]
        if not having:
            names = sorted({v.name for i in manual.ikus if not chosen or i.code in chosen
                            for v in i.variables})
            raise _usage(f"no indicator{' ' + chosen[0] if chosen else ''} has an input "
                         f"`{args.input}`", did_you_mean(args.input, names))
        chosen = having
    result = needs(ev, as_of, unit, chosen, args.input or "")
    if args.at_risk:
        result = Needs(result.owner, result.unit, result.as_of, result.input_name,
                       result.at_risk, result.precision)
    if args.format == "json":
        sys.stdout.write(needs_json(result))
    elif args.format == "markdown":
        sys.stdout.write(needs_markdown(result, result.precision))
    else:
        render_needs(make_console(width=args.width), result)
    if not _data_ok(t.project):
        _data_problems(t.project)
        return EXIT_INPUT
    return EXIT_OK


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
    return _exit_code(ev, data, t.project, args.strict)
