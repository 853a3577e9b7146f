"""Terminal rendering with rich. The only module that imports `rich`.

Every function takes a result object and a Console and prints; none computes.
Tests render at a fixed width without colour (see tests/golden).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import IO, TYPE_CHECKING

from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from engine.errors import Issue, Severity
from engine.formula import fmt_exact
from engine.functions import Items, round_half_up
from engine.i18n import EN, Catalogue
from engine.model import Iku, Manual, Range
from engine.periods import Period
from engine.rules import EMPTY, SINGLE
from engine.scoring import CapaianWork, Figure, limits_of

# rich.tree, rich.panel and engine.validate are imported by the functions that draw with
# them: `iku evaluate`, the command run most, prints tables only (tests/test_cli.py).
if TYPE_CHECKING:  # annotations only, see engine.export
    from rich.tree import Tree

    from engine.compare import Comparison
    from engine.dataset import ReportedFigure
    from engine.diff import Change, Impact, ManualDiff
    from engine.evaluate import Evaluation  # (show and validate never evaluate)
    from engine.needed import Needs
    from engine.reconcile import Reconciliation
    from engine.rollup import Score
    from engine.tree import OrgTree
    from engine.validate import Validation
    from engine.values import Computation, Value

GROUP_LABEL = {g: EN.group(g) for g in ("above", "on", "below")}
BAND_STYLE = {"hijau": "green", "kuning": "yellow", "merah": "red"}


MIN_WIDTH = 20  # narrower, no table has room for its columns
MAX_WIDTH = 1000  # rich pads every line to the width: 10**9 would take gigabytes
DEFAULT_WIDTH = 120  # when writing to a file or pipe and COLUMNS is not set


class _Console(Console):
    """rich's Console, except that a closed pipe (`iku ... | head`) reaches the CLI as a
    BrokenPipeError, which ends the run quietly, instead of rich's exit with status 1."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def width_problem(text: str, shown: str) -> str:
    """Why `text` is not a width, or an empty string; `shown` is how the user wrote it.

    >>> width_problem("abc", "COLUMNS=abc"), width_problem("80", "COLUMNS=80")
    ('COLUMNS=abc is not a whole number of columns from 20 to 1000', '')
    """
    if text.isascii() and text.isdigit() and MIN_WIDTH <= int(text) <= MAX_WIDTH:
        return ""
    return f"{shown[:60]} is not a whole number of columns from {MIN_WIDTH} to {MAX_WIDTH}"


def env_width() -> int | None:
    """COLUMNS as a width, None when unset; a usage error when it is not a width, rather
    than a guess (rich would silently ignore it; a width of 0 would print nothing)."""
    text = os.environ.get("COLUMNS", "")
    if not text:
        return None
    problem = width_problem(text, f"COLUMNS={text}")
    if problem:
        from engine.errors import EXIT_USAGE, InputError, error  # only when COLUMNS is wrong

        raise InputError((error(problem, hint="set COLUMNS to your terminal's width, unset "
                                "it, or pass --width", code="usage"),), EXIT_USAGE)
    return int(text)


def make_console(file: IO[str] | None = None, width: int | None = None,
                 color: bool | None = None) -> Console:
    """A console that honours NO_COLOR and plain output when not writing to a terminal.

    The width is `width`, else COLUMNS, else the terminal's, else DEFAULT_WIDTH."""
    out = file or sys.stdout
    is_tty = hasattr(out, "isatty") and out.isatty()
    no_color = bool(os.environ.get("NO_COLOR")) or color is False or (color is None and not is_tty)
    if width is None:
        width = env_width()
    if width is None and not is_tty:
        width = DEFAULT_WIDTH
    if width is not None:
        width = min(max(width, MIN_WIDTH), MAX_WIDTH)  # the CLI refuses others; a library call
    return _Console(file=out, width=width, no_color=no_color,
                    color_system=None if no_color else "auto", highlight=False,
                    soft_wrap=False, emoji=False)


# -- issues ---------------------------------------------------------------------------------
NARROW = 110  # below this many columns a table of issues squeezes messages to a word a line


def render_issues(console: Console, issues: Sequence[Issue], title: str = "",
                  cat: Catalogue = EN) -> None:
    if not issues:
        return
    title = title or cat("issues.title")
    if console.width < NARROW:
        console.print(Text(title, style="bold"))
        for i in issues:
            style = {"error": "bold red", "warning": "yellow", "info": "cyan"}[i.severity.value]
            context = " ".join(p for p in (i.iku, i.unit, i.period) if p)
            head = Text(f"{cat('severity.' + i.severity.value)} ", style=style)
            head.append(f"{i.where()}  {context}".rstrip())
            console.print(head)
            console.print(Text(f"  {i.message}"))
            if i.hint:
                console.print(Text(f"  {cat('issues.hint')}: {i.hint}", style="dim"))
        return
    table = Table(title=title, box=box.SIMPLE_HEAVY, show_lines=False, title_justify="left")
    table.add_column(cat("issues.severity"), no_wrap=True)
    # a file:line must stay one piece to be clickable
    table.add_column(cat("issues.where"), no_wrap=True)
    table.add_column(cat("col.iku"), no_wrap=True)
    table.add_column(cat("issues.message"), overflow="fold", ratio=3)
    table.add_column(cat("issues.hint"), overflow="fold", ratio=2)
    for i in issues:
        style = {"error": "bold red", "warning": "yellow", "info": "cyan"}[i.severity.value]
        context = " ".join(p for p in (i.unit, i.period) if p)
        message = f"{i.message} [{context}]" if context else i.message
        table.add_row(Text(cat("severity." + i.severity.value), style=style),
                      escape(i.where()), i.iku,
                      escape(message), escape(i.hint))
    console.print(table)


def render_validation(console: Console, result: Validation, show_assumptions: bool,
                      cat: Catalogue = EN) -> None:
    from engine.validate import summary

    render_issues(console, result.all_issues(), cat=cat)
    manuals = [r.manual for r in result.results if r.manual is not None]
    if show_assumptions:
        table = Table(title=cat("validate.assumptions"), box=box.SIMPLE, title_justify="left")
        table.add_column(cat("validate.revision"), no_wrap=True)
        table.add_column(cat("issues.where"), overflow="fold")
        table.add_column(cat("show.id"), no_wrap=True)
        table.add_column(cat("validate.assumption"), overflow="fold", ratio=3)
        for m in manuals:
            for a in m.all_assumptions():
                table.add_row(f"{m.owner} {m.label}", str(a.location), a.id,
                              escape(" ".join(a.text.split())))
        console.print(table)
    text = summary(result, cat)
    console.print(Text(text, style="bold red" if result.count(Severity.ERROR) else "bold green"))


# -- evaluation -----------------------------------------------------------------------------
def _status(fig: Figure, cat: Catalogue) -> Text:
    if fig.capaian is not None:
        label = f"{fig.band or '—'}, {cat.group(fig.group)}"
        return Text(label, style=BAND_STYLE.get(fig.band or "", ""))
    style = {"error": "bold red", "no data": "red"}.get(fig.outcome, "dim")
    prefix = f"{cat('note.error')}: " if fig.outcome == "error" and \
        not fig.note.startswith("data error") else ""
    return Text(prefix + cat.note(fig.note), style=style)


def _with_printed(shown: str, printed: str | None) -> Text:
    text = Text(shown)
    if printed is not None:
        text.append(f"\n≠ {printed}", style="magenta")
    return text


def _realisasi(f: Figure, prec: int, cat: Catalogue = EN) -> str:
    """The realisasi, or what exists when some units have none (never as the figure)."""
    if f.realisasi is None and f.value.partial is not None:
        partial = cat("state.partial", value=cat.num(round_half_up(f.value.partial, prec), prec))
        return f"— ({partial})"
    return cat.num(f.realisasi, prec)


def render_evaluation(console: Console, ev: Evaluation, cat: Catalogue = EN) -> None:
    m = ev.manual
    prec = m.scoring.precision
    when = cat("eval.as_of", period=ev.period.label) if ev.as_of else ev.period.label
    title = cat("eval.title", unit=ev.unit.short_name, when=when, label=m.label,
                date=m.revision.effective_from)
    table = Table(title=title, box=box.SIMPLE_HEAVY, title_justify="left", show_lines=True)
    wide = console.width >= 100  # below that the SS column gives its room to the indicator
    if wide:
        table.add_column(cat("col.ss"), no_wrap=True)
    table.add_column(cat("col.iku"), no_wrap=True)
    table.add_column(cat("col.indicator"), overflow="fold", ratio=4, min_width=16)
    if ev.as_of:
        table.add_column(cat("col.period"), no_wrap=True)
    table.add_column(cat("col.target"), justify="right")
    table.add_column(cat("col.realisasi"), justify="right")
    table.add_column(cat("col.capaian"), justify="right")
    table.add_column(cat("col.status"), overflow="fold", ratio=2, min_width=10)
    any_printed = False
    for row in ev.rows:
        f = row.figure
        printed = dict(row.printed)
        any_printed = any_printed or bool(printed)
        unit_of = row.iku.unit_of_measure
        target = "—" if f.target is None else f"{cat.natural(f.target)} {unit_of}"
        period = [] if not ev.as_of else \
            ["N/A" if f.value.state == "not_due" else _short_period(f.period)]
        real_p, cap_p = printed.get("realisasi"), printed.get("capaian")
        table.add_row(
            *([row.objective.code] if wide else []), row.iku.code, escape(row.indicator),
            *period, target,
            _with_printed(_realisasi(f, prec, cat), _printed(real_p.value, cat)
                          if real_p else None),
            _with_printed(cat.num(f.capaian, prec), _printed(cap_p.value, cat)
                          if cap_p else None),
            _status(f, cat),
        )
    console.print(table)
    printed_scores = {(measure, r.objective or r.perspective): r
                      for measure, r in ev.printed_scores}
    if any_printed or printed_scores:
        console.print(Text(cat("eval.printed_legend"), style="magenta"))
    groups = " · ".join(f"{cat.group(g)}: {n}" for g, n in ev.groups)
    console.print(cat("groups.line", groups=groups))
    scores = Table(box=box.SIMPLE, title=cat("eval.scores_title"), title_justify="left")
    scores.add_column(cat("col.perspective_ss"), overflow="fold", ratio=3)
    scores.add_column(cat("col.weight"), justify="right")
    scores.add_column(cat("col.nss"), justify="right")
    scores.add_column(cat("col.nkp"), justify="right")

    def cell(s: Score, measure: str, about: str) -> Text:
        r = printed_scores.get((measure, about))
        return _with_printed(cat.score(s, prec), _printed(r.value, cat) if r else None)

    for p in ev.perspectives:
        scores.add_row(Text(p.perspective.name, style="bold"),
                       f"{cat.num(p.perspective.weight, 0)} %",
                       cat.num(p.mean_nss, prec), cell(p.score, "nkp", p.perspective.code))
        for o in ev.objectives:
            if o.objective.perspective == p.perspective.code:
                scores.add_row(f"  {o.objective.code} {escape(o.objective.name)}", "",
                               cell(o.score, "nss", o.objective.code), "")
    console.print(scores)
    console.print(npss_line(ev, cat))
    avg = cat("eval.average", value=cat.score(ev.average, prec))
    for r in ev.printed_average:
        avg += f"  ({cat('eval.printed_in', value=_printed(r.value, cat), where=r.where)})"
    console.print(avg)
    if ev.errors:
        console.print(Text(cat("eval.errors", n=len(ev.errors)), style="bold red"))
    if ev.missing:
        console.print(Text(cat("eval.missing", n=len(ev.missing)), style="red"))
    if ev.data_issues:
        render_issues(console, ev.data_issues, title=cat("eval.problems_in", folder=ev.dataset))


def _printed(value: Decimal, cat: Catalogue) -> str:
    """A printed figure with the decimals it was printed with."""
    exponent = value.as_tuple().exponent
    return cat.num(value, max(0, -exponent) if isinstance(exponent, int) else 2)


def _short_period(p: Period) -> str:
    return p.label.rsplit(" ", 1)[0]


def npss_line(ev: Evaluation, cat: Catalogue = EN) -> Text:
    """The NPSS headline, saying which perspectives were scored when not all were, and never
    presenting a partial roll-up as the figure."""
    prec = ev.manual.scoring.precision
    s = ev.npss
    r = next((r for measure, r in ev.printed_scores if measure == "npss"), None)
    printed = f"  ({cat('eval.printed_in', value=_printed(r.value, cat), where=r.where)})" \
        if r else ""
    if s.state == "not_scored":
        return Text(cat("npss.na", why=s.why), style="bold")
    scored = [p for p in ev.perspectives if p.score.state != "not_scored"]
    scope = ""
    if len(scored) < len(ev.perspectives):
        names = ", ".join(p.perspective.name for p in scored)
        scope = " " + cat("npss.scope", n=len(scored), total=len(ev.perspectives), names=names,
                          rule=ev.manual.scoring.empty)
    if s.state == "ok":
        return Text(f"NPSS {cat.num(s.value, prec)}{scope}{printed}", style="bold")
    partial = cat("npss.partial", value=cat.num(s.partial, prec)) \
        if s.partial is not None else ""
    state = cat("state.error") if s.state == "error" else cat("state.incomplete")
    return Text(f"NPSS — {state}: {s.why}{partial}{scope}{printed}", style="bold red")


def _places(x: Decimal) -> int:
    exponent = x.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 2


# -- explanation ----------------------------------------------------------------------------
def _value_label(label: str, value: Value, prec: int, cat: Catalogue = EN) -> Text:
    if value.exact is None:
        text = Text(f"{label}: {cat.note(value.message)}", style="red")
        if value.partial is not None:
            text.append(cat("explain.partial", value=cat.num(value.partial, prec)), style="dim")
        return text
    rounded = round_half_up(value.exact, prec)
    text = Text(f"{label}: {cat.num(rounded, prec)}", style="bold")
    if rounded != value.exact:
        # exact values are written as the formula language writes numbers
        text.append(cat("explain.exact", value=fmt_exact(value.exact)), style="dim")
    return text


def _computation(tree: Tree, comp: Computation, prec: int, cat: Catalogue = EN) -> None:
    if comp.kind == "formula":
        node = tree.add(Text(cat("explain.formula", revision=comp.revision, source=comp.source)))
        if comp.note:
            node.add(Text(cat("explain.note", note=comp.note), style="dim"))
        inputs = node.add(cat("explain.inputs"))
        for inp in comp.inputs:
            line = Text(f"{inp.name} = {_show_input(inp.value)}")
            line.append(f"  ({inp.location})", style="dim")
            item = inputs.add(line)
            if inp.evidence:
                item.add(Text(cat("explain.evidence", evidence=inp.evidence), style="dim"))
            if inp.note:
                item.add(Text(cat("explain.note", note=" ".join(inp.note.split())),
                              style="dim"))
        for step in comp.steps:
            head = Text(f"{step.name} = {step.formula}")
            if step.meaning:
                head.append(f"   [{step.meaning}]", style="dim")
            s = node.add(head)
            value = fmt_exact(step.value)
            shown = value if step.substituted == value else f"{step.substituted} = {value}"
            s.add(Text(f"= {shown}", style="bold"))
            if len(step.trace) > 1:
                parts = s.add(Text(cat("explain.subexpressions"), style="dim"))
                for expr, val in step.trace[:-1]:
                    parts.add(Text(f"{expr} = {val}", style="dim"))
        return
    if comp.kind == "link":
        node = tree.add(Text(cat("explain.linked", rule=comp.rule, source=comp.source)))
        node.add(Text(cat("explain.linked_once", summary=comp.summary), style="dim"))
        for part in comp.parts:
            child = node.add(_value_label(part.label, part.value, prec, cat))
            if part.value.computation is not None:
                _computation(child, part.value.computation, prec, cat)
        return
    shown = ", ".join(f"{p.label} {cat.num(p.used, prec) if p.used is not None else '—'}"
                      for p in comp.parts)
    result = fmt_exact(comp.value) if comp.value is not None else cat("explain.not_every_part")
    kind = cat("explain.aggregate") if comp.kind == "aggregate" else cat("explain.rollup")
    node = tree.add(Text(cat("explain.combined", kind=kind, rule=comp.rule, parts=shown,
                             result=result)))
    node.add(Text(cat("explain.rule", revision=comp.revision, source=comp.source,
                      summary=comp.summary, prec=prec), style="dim"))
    for part in comp.parts:
        child = node.add(_value_label(part.label, part.value, prec, cat))
        if part.value.computation is not None:
            _computation(child, part.value.computation, prec, cat)
    for part in comp.passed_over:
        node.add(Text(cat("explain.passed_over", label=part.label, why=part.value.message),
                      style="dim"))


def _show_input(value: object) -> str:
    if isinstance(value, Items):
        return "{" + ", ".join(f"{k}: {fmt_exact(v)}" for k, v in value.pairs) + "}"
    if isinstance(value, tuple):
        return "[" + ", ".join(fmt_exact(v) for v in value) + "]"
    if isinstance(value, Decimal):
        if value == value.to_integral_value() and abs(value) >= 10_000:
            return f"{value:,.0f}"  # rupiah and other large counts, with thousands grouped
        return fmt_exact(value)
    return str(value)


def render_explanation(console: Console, fig: Figure, iku: Iku, manual: Manual,
                       unit_name: str, printed: Sequence[tuple[str, ReportedFigure]],
                       revisions: Sequence[tuple[Manual, tuple[Change, ...]]] = (),
                       earlier: Sequence[ReportedFigure] = (), cat: Catalogue = EN) -> None:
    """`revisions`: the year's revisions with the changes each made to this IKU;
    `earlier`: printed realisasi of earlier years, for the trend. Formulas and the exact
    values they compute are written as the formula language writes numbers (a decimal
    point) in either language; published figures follow the language."""
    from rich.tree import Tree

    prec = manual.scoring.precision
    head = Text(f"{iku.code} {iku.name}", style="bold")
    head.append("\n" + cat("explain.head", unit=unit_name, period=fig.period.label,
                           label=manual.label, date=manual.revision.effective_from))
    if len(revisions) > 1:
        listed = "; ".join(cat("explain.revision_from", label=m.label,
                               date=m.revision.effective_from) for m, _ in revisions)
        head.append("\n" + cat("explain.revisions", year=manual.year, listed=listed),
                    style="dim")
        for m, changes in revisions:
            if changes:
                aspects = ", ".join(dict.fromkeys(c.aspect.split(" ")[0] for c in changes))
                head.append("\n" + cat("explain.changed", label=m.label, aspects=aspects),
                            style="dim")
    tree = Tree(head)
    real = tree.add(_value_label("realisasi", fig.value, prec, cat))
    if fig.value.exact is not None:
        real.add(Text(cat("explain.published", prec=prec, value=f"{cat.num(fig.realisasi, prec)} "
                                                                 f"{iku.unit_of_measure}"),
                      style="dim"))
    if fig.value.computation is not None:
        _computation(real, fig.value.computation, prec, cat)
    if fig.target is None:
        tree.add(Text(cat("explain.target", value=cat.note(fig.note)), style="dim"))
    else:
        kind = cat("explain.a_range") if isinstance(fig.target, Range) else ""
        source = fig.target_source or cat("explain.manual")
        tree.add(cat("explain.target", value=f"{cat.natural(fig.target)} {iku.unit_of_measure} "
                                              f"({kind}{source})"))
        if fig.capaian_exact is not None and fig.work is not None:
            cap = tree.add(Text(cat("explain.capaian", value=cat.num(fig.capaian, prec)),
                                style="bold"))
            assert fig.value.exact is not None
            _capaian_work(cap, fig.work, fig.value.exact, iku)
            cap.add(Text(cat("explain.capaian_rounding", prec=prec), style="dim"))
            band = manual.scoring.band(fig.capaian) if fig.capaian is not None else None
            label = f"{band.name} ({band.label})" if band else "—"
            tree.add(cat("explain.status", band=label, group=cat.group(fig.group)))
        elif fig.note:
            tree.add(Text(cat.note(fig.note), style="red"))
    for measure, r in printed:
        tree.add(Text(cat("explain.printed", measure=measure, value=_printed(r.value, cat),
                          where=r.where), style="magenta"))
    if earlier:
        trend = "; ".join(f"{r.period.year}: {_printed(r.value, cat)} ({r.where})"
                          for r in earlier)
        tree.add(Text(cat("explain.trend", trend=trend, year=fig.period.year,
                          now=cat.num(fig.realisasi, prec)), style="dim"))
    console.print(tree)


def _capaian_work(node: Tree, work: CapaianWork, realisasi: Decimal, iku: Iku) -> None:
    """Which rule, which bound and why; the formula with its numbers; the cap or floor."""
    bound = work.bound
    if bound.case != SINGLE:  # a single target's formula line says it all, as it always has
        node.add(f"polarity {work.polarity} ({iku.loc('polarity')}): {bound.why}")
    if bound.target is not None:
        shown = re.sub(r"\brealisasi\b", fmt_exact(realisasi), work.formula)
        shown = re.sub(r"\btarget\b", fmt_exact(bound.target), shown)
        node.add(f"= {work.formula} = {shown} = {fmt_exact(work.raw)}")
    for lim in work.limits:
        if lim.value is None:
            node.add(Text(f"no {lim.kind}: {iku.code} writes `{lim.kind}: null` ({lim.where}), "
                          f"setting the manual's aside", style="dim"))
        elif lim is work.applied:
            verb = "capped at" if lim.kind == "cap" else "raised to"
            node.add(Text(f"{verb} {fmt_exact(lim.value)} by {lim.whose} {lim.kind} "
                          f"({lim.where}): {fmt_exact(work.raw)} → {fmt_exact(lim.value)}",
                          style="bold"))
        else:
            node.add(Text(f"{lim.whose} {lim.kind} {fmt_exact(lim.value)} ({lim.where}): not "
                          "reached", style="dim"))


# -- show -----------------------------------------------------------------------------------
def render_manual(console: Console, manual: Manual, cat: Catalogue = EN) -> None:
    years = sorted({t.year for i in manual.ikus for t in i.targets})
    owner = manual.unit(manual.owner)
    console.print(Text(cat("show.header", owner=owner.name if owner else manual.owner,
                           label=manual.label, number=manual.revision.number,
                           date=manual.revision.effective_from), style="bold"))
    if manual.revision.change_note:
        console.print(Text(" ".join(manual.revision.change_note.split()), style="dim"))
    t3 = Table(title=cat("show.table3"), box=box.SIMPLE, title_justify="left")
    t3.add_column(cat("show.ss_iku"), overflow="fold", ratio=4, min_width=20)
    t3.add_column(cat("show.satuan"), no_wrap=True)
    for y in years:
        t3.add_column(str(y), justify="right", no_wrap=True)
    for p in manual.perspectives:
        t3.add_row(Text(f"{p.name} ({cat.num(p.weight, 0)} %)", style="bold"), "",
                   *[""] * len(years))
        for o in manual.objectives:
            if o.perspective != p.code:
                continue
            t3.add_row(Text(f"{o.code} {o.name}", style="italic"), "", *[""] * len(years))
            for code in o.ikus:
                iku = manual.iku(code)
                if iku is None:
                    continue
                cells = []
                for y in years:
                    t = iku.target(y)
                    cells.append("" if t is None else cat.natural(t.value))
                t3.add_row(f"  {iku.code} {escape(iku.name)}", iku.unit_of_measure, *cells)
    console.print(t3)
    t4 = Table(title=cat("show.table4", year=manual.year), box=box.SIMPLE, title_justify="left")
    t4.add_column(cat("col.ss"), no_wrap=True)
    t4.add_column(cat("col.indicator_long"), overflow="fold", ratio=4, min_width=20)
    t4.add_column(cat("col.target"), justify="right", no_wrap=True)
    t4.add_column(cat("show.periods"), overflow="fold", ratio=2)
    for o in manual.objectives:
        for code in o.ikus:
            iku = manual.iku(code)
            if iku is None:
                continue
            t = iku.target(manual.year)
            periods = ", ".join(f"{s} {cat.natural(v)}" for s, v in t.periods) if t else ""
            t4.add_row(o.code, f"{iku.code} {escape(iku.name)}",
                       f"{cat.natural(t.value)} {iku.unit_of_measure}" if t else "—",
                       periods or cat("show.year_only"))
    console.print(t4)
    units = [u for u in manual.units if u.code != manual.owner]
    t6 = Table(title=cat("show.table6"), box=box.SIMPLE, title_justify="left")
    t6.add_column(cat("col.iku"), no_wrap=True)
    t6.add_column(cat("col.indicator_long"), overflow="fold", ratio=4, min_width=20)
    narrow = console.width < 110  # unit codes instead of names leave the indicator its room
    for u in units:
        t6.add_column(u.code if narrow else u.short_name, justify="center", no_wrap=True)
    t6.add_column(cat("show.rollup"), no_wrap=True)
    for iku in manual.ikus:
        marks = ["√" if iku.cascade.unit(u.code) else "-" for u in units]
        t6.add_row(iku.code, escape(iku.name), *marks, iku.cascade.rollup)
    console.print(t6)


def render_iku(console: Console, manual: Manual, iku: Iku, cat: Catalogue = EN) -> None:
    from rich.panel import Panel
    from rich.tree import Tree

    obj = manual.objective(iku.objective)
    lines = [
        Text(f"{iku.code} {iku.name}", style="bold"),
        Text(cat("show.iku_line", objective=f"{iku.objective} {obj.name if obj else ''}",
                 unit=iku.unit_of_measure, polarity=iku.polarity.replace("_", " "),
                 label=manual.label, file=iku.file)),
        Text(""),
        Text(cat("show.definition"), style="bold") + Text(" ".join(iku.definition.split())),
    ]
    if iku.data_source:
        lines.append(Text(cat("show.data_source"), style="bold") + Text(iku.data_source))
    if iku.collection:
        lines.append(Text(cat("show.collection"), style="bold") + Text(iku.collection))
    console.print(Panel(Group(*lines), box=box.ROUNDED))
    var = Table(title=cat("show.variables"), box=box.SIMPLE, title_justify="left")
    for col in ("name", "kind", "unit", "meaning"):
        var.add_column(cat(f"show.{col}"), overflow="fold")
    for v in iku.variables:
        var.add_row(v.name, v.kind, v.unit, escape(v.meaning))
    console.print(var)
    formula = Tree(Text(cat("show.formula"), style="bold"))
    for s in iku.steps:
        formula.add(f"{s.name} = {s.formula.text}" + (f"   [{s.meaning}]" if s.meaning else ""))
    formula.add(Text(f"realisasi = {iku.formula.text}", style="bold"))
    console.print(formula)
    sched = iku.schedule
    console.print(Text(cat("show.schedule"), style="bold") + Text(
        cat("show.schedule_text", measured=", ".join(sched.measured),
            targeted=", ".join(sched.targeted) or cat("show.year_targets_only"),
            aggregate=sched.aggregate)
        + (f" ({sched.aggregate_formula.text})" if sched.aggregate_formula else "")
        + (f". {sched.note}" if sched.note else "")))
    if iku.limits is not None:  # its own cap or floor: say which bounds are in force
        shown = "; ".join(f"{lim.whose} {lim.kind} "
                          f"{'none' if lim.value is None else fmt_exact(lim.value)}"
                          for lim in limits_of(manual, iku))
        console.print(Text(cat("show.bounds"), style="bold") + Text(shown))
    tg = Table(title=cat("show.targets"), box=box.SIMPLE, title_justify="left")
    tg.add_column(cat("show.year"))
    tg.add_column(cat("show.target"), justify="right")
    tg.add_column(cat("show.target_periods"), overflow="fold")
    tg.add_column(cat("show.source"), overflow="fold")
    for t in iku.targets:
        tg.add_row(str(t.year), cat.natural(t.value),
                   ", ".join(f"{s} {cat.natural(v)}" for s, v in t.periods), t.source)
    console.print(tg)
    cas = Table(title=cat("show.cascade", rollup=iku.cascade.rollup), box=box.SIMPLE,
                title_justify="left")
    cas.add_column(cat("show.unit"), no_wrap=True)
    cas.add_column(cat("show.own_indicator"), overflow="fold", ratio=3)
    cas.add_column(cat("show.own_targets"), overflow="fold")
    cas.add_column(cat("show.own_formula"), overflow="fold")
    for cu in iku.cascade.units:
        unit = manual.unit(cu.unit)
        cas.add_row(unit.short_name if unit else cu.unit, escape(cu.indicator),
                    ", ".join(f"{t.year}: {cat.natural(t.value)}" for t in cu.targets),
                    cu.formula.text if cu.formula else "")
    console.print(cas)
    if iku.assumptions:
        at = Table(title=cat("show.assumptions"), box=box.SIMPLE, title_justify="left")
        at.add_column(cat("show.id"), no_wrap=True)
        at.add_column(cat("validate.assumption"), overflow="fold")
        for a in iku.assumptions:
            at.add_row(a.id, escape(" ".join(a.text.split())))
        console.print(at)
    if iku.source:
        console.print(Text(cat("show.source_line", source=iku.source), style="dim"))



# -- diff, impact, reconcile ----------------------------------------------------------------
def render_diff(console: Console, d: ManualDiff, cat: Catalogue = EN) -> None:
    from rich.tree import Tree

    tree = Tree(Text(f"Manual {d.old.owner} {d.old.label} → {d.new.label}", style="bold"))
    header = [c for c in d.changes if not c.iku]
    if header:
        node = tree.add(Text(cat("diff.header"), style="bold"))
        for c in header:
            node.add(_change_text(c))
    for code in d.changed_ikus:
        changes = [c for c in d.changes if c.iku == code and c.kind != "new-year"]
        iku = d.new.iku(code) or d.old.iku(code)
        node = tree.add(Text(f"{code} {iku.name if iku else ''}", style="bold"))
        for c in changes:
            node.add(_change_text(c))
    fresh = d.of_kind("new-year")
    if fresh:
        node = tree.add(Text(f"Targets for {d.new_year} (the previous year's beside them)",
                             style="bold"))
        for c in fresh:
            text = Text(f"{c.iku} {c.aspect.removeprefix('target ')}: ", style="bold")
            text.append(c.new or "— (none: to fill)", style="green" if c.new else "red")
            if c.old:
                text.append(f"   was {c.old}", style="dim")
            node.add(text)
    console.print(tree)
    console.print(cat("diff.summary", changed=len(d.changed_ikus), unchanged=len(d.unchanged))
                  + (cat("diff.apart", year=d.new_year) if fresh else "")
                  + (cat("diff.header_changes", n=len(header)) if header else ""))


def _change_text(c: Change) -> Text:
    text = Text(f"{c.aspect}: ", style="bold")
    if c.detail in ("added", "removed", "unit added", "unit removed"):
        text.append(f"{c.detail} ", style="green" if "added" in c.detail else "red")
        text.append(escape(c.new or c.old))
        return text
    text.append(escape(c.old or "—"), style="red")
    text.append(" → ")
    text.append(escape(c.new or "—"), style="green")
    if c.detail:
        text.append(f"\n   {c.detail}", style="dim")
    return text


def render_impact(console: Console, imp: Impact, cat: Catalogue = EN) -> None:
    prec = imp.old.manual.scoring.precision
    table = Table(title=cat("impact.title", year=imp.year, old=imp.old.manual.label,
                            new=imp.new.manual.label), box=box.SIMPLE_HEAVY, title_justify="left")
    for col in ("col.unit", "col.iku"):
        table.add_column(cat(col), no_wrap=True)
    for col in ("col.target", "col.realisasi", "col.capaian"):
        table.add_column(cat(col), justify="right", no_wrap=True)
    table.add_column(cat("col.status"), overflow="fold", ratio=2)
    rows = 0
    for old_ev, new_ev in ((imp.old, imp.new), *imp.units):
        old_rows = {r.iku.code: r.figure for r in old_ev.rows}
        new_rows = {r.iku.code: r.figure for r in new_ev.rows}
        for code in dict.fromkeys([*old_rows, *new_rows]):
            a, b = old_rows.get(code), new_rows.get(code)
            if _key(a) == _key(b):
                continue
            rows += 1
            table.add_row(new_ev.unit.short_name, code,
                          *(_pair(_field(a, name), _field(b, name), prec, cat)
                            for name in ("target", "realisasi", "capaian")),
                          f"{_state(a)} → {_state(b)}")
    if rows:
        console.print(table)
    else:
        console.print(cat("impact.none", year=imp.year))
    scores = Table(title=cat("impact.scores"), box=box.SIMPLE, title_justify="left")
    scores.add_column(cat("col.unit"), no_wrap=True)
    scores.add_column(cat("impact.score"), overflow="fold")
    scores.add_column(imp.old.manual.label, justify="right")
    scores.add_column(imp.new.manual.label, justify="right")
    for old_ev, new_ev in ((imp.old, imp.new), *imp.units):
        name = new_ev.unit.short_name
        old_nss = {o.objective.code: o.score for o in old_ev.objectives}
        for o in new_ev.objectives:
            before = old_nss.get(o.objective.code)
            if before is None or (before.value, before.state) != (o.nss, o.score.state):
                scores.add_row(name, f"NSS {o.objective.code}",
                               cat.score(before, prec) if before else "—",
                               cat.score(o.score, prec))
        if old_ev.npss.value != new_ev.npss.value:
            scores.add_row(name, Text("NPSS", style="bold"), cat.score(old_ev.npss, prec),
                           cat.score(new_ev.npss, prec))
    console.print(scores)
    for label, issues in ((imp.old.manual.label, imp.old_data_issues),
                          (imp.new.manual.label, imp.new_data_issues)):
        if issues:
            render_issues(console, group_issues(issues), title=cat("impact.unusable", label=label),
                          cat=cat)


def group_issues(issues: Sequence[Issue]) -> list[Issue]:
    """One issue per IKU and message, with how many values it covers: the same refusal for
    every unit and period of an IKU is one finding, not twenty-four."""
    groups: dict[tuple[str, str], list[Issue]] = {}
    for i in issues:
        groups.setdefault((i.iku, i.message), []).append(i)
    out = []
    for (_, message), members in groups.items():
        first = members[0]
        if len(members) > 1:
            first = Issue(first.severity, f"{message} ({len(members)} values; the first here)",
                          first.location, first.hint, first.iku, code=first.code)
        out.append(first)
    return out


def _key(f: Figure | None) -> tuple[object, ...] | None:
    return None if f is None else (f.target, f.realisasi, f.capaian, f.band, f.value.state)


def _field(f: Figure | None, name: str) -> Decimal | None:
    value = getattr(f, name) if f is not None else None
    return value if isinstance(value, Decimal) else None


def _pair(a: Decimal | None, b: Decimal | None, prec: int, cat: Catalogue = EN) -> str:
    return cat.num(a, prec) if a == b else f"{cat.num(a, prec)} → {cat.num(b, prec)}"


def _state(f: Figure | None) -> str:
    if f is None:
        return "not in manual"
    if f.capaian is not None:
        return f"{f.band}"
    return f.value.state.replace("_", " ")


def render_reconciliation(console: Console, rec: Reconciliation, show_all: bool,
                          cat: Catalogue = EN) -> None:
    shown = rec.findings if show_all else rec.discrepancies
    table = Table(title=cat("reconcile.title", year=rec.year, dataset=rec.dataset),
                  box=box.SIMPLE_HEAVY, title_justify="left", show_lines=True)
    table.add_column(cat("reconcile.where"), overflow="fold", ratio=2)
    table.add_column(cat("reconcile.figure"), overflow="fold", ratio=2)
    table.add_column(cat("reconcile.printed"), justify="right", no_wrap=True)
    table.add_column(cat("reconcile.recomputed"), justify="right", no_wrap=True)
    table.add_column(cat("reconcile.diff"), justify="right", no_wrap=True)
    table.add_column(cat("reconcile.class"), no_wrap=True)
    table.add_column(cat("reconcile.why"), overflow="fold", ratio=5)
    for f in shown:
        p = f.printed
        figure = " ".join(x for x in (p.iku, p.unit, str(p.period), p.measure) if x)
        style = "green" if f.agrees else "magenta"
        table.add_row(escape(p.where), figure, _printed(p.value, cat),
                      "—" if f.shown is None else _printed(f.shown, cat),
                      "—" if f.difference is None else _signed(f.difference, p.value, cat),
                      Text(f.classification, style=style), escape(f.explanation))
    if shown:
        console.print(table)
    n = len(rec.discrepancies)
    summary = cat("reconcile.summary", n=len(rec.findings), agree=len(rec.findings) - n,
                  differ=n)
    console.print(Text(summary, style="bold magenta" if n else "bold green"))
    if n:
        counts: dict[str, int] = {}
        for f in rec.discrepancies:
            counts[f.classification] = counts.get(f.classification, 0) + 1
        console.print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


def _signed(diff: Decimal, like: Decimal, cat: Catalogue = EN) -> str:
    exponent = like.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    text = f"{diff:+.{places}f}"
    return text.replace(".", ",") if cat.lang == "id" else text


# -- scores ---------------------------------------------------------------------------------
def render_score_explanation(console: Console, ev: Evaluation, level: str, about: str,
                             cat: Catalogue = EN) -> None:
    """How an NSS, NKP or the NPSS came about: the rule the manual declares, where, each part
    with its value (or why it has none), and the rounding."""
    from rich.tree import Tree

    m = ev.manual
    prec = m.scoring.precision
    if level == "nss":
        o = next((o for o in ev.objectives if o.objective.code == about), None)
        if o is None:
            console.print(Text(cat("score.none", about=about, unit=ev.unit.short_name),
                               style="red"))
            return
        score, title = o.score, f"NSS {about} {o.objective.name}"
    elif level == "nkp":
        p = next(p for p in ev.perspectives if p.perspective.code == about)
        weight = cat("score.weight", weight=cat.num(p.perspective.weight, 0))
        score, title = p.score, f"NKP {about} {p.perspective.name} ({weight})"
    else:
        score, title = ev.npss, "NPSS"
    when = cat("eval.as_of", period=ev.period.label) if ev.as_of else ev.period.label
    head = Text(title, style="bold")
    head.append(f"\n{ev.unit.short_name} · {when} · manual {m.label}")
    tree = Tree(head)
    tree.add(Text(f"{level.upper()}: {cat.score(score, prec)}", style="bold"))
    where = f" ({m.scoring.rollup_at})" if m.scoring.rollup_at else ""
    rule = tree.add(Text(cat("score.rule", name=score.rule.name, where=where,
                             summary=score.rule.summary)))
    if level == "npss":
        empty = EMPTY[m.scoring.empty]
        rule.add(Text(cat("score.empty", name=empty.name, summary=empty.summary), style="dim"))
    parts = tree.add(cat("score.parts"))
    for part in score.parts:
        weight = cat("score.times_weight", weight=cat.natural(part.weight)) \
            if part.weight is not None and level != "npss" else ""
        if part.value is not None and part.state in ("figure", "ok"):
            parts.add(f"{part.label}: {cat.num(part.value, prec)}{weight}")
        else:
            label = Text(f"{part.label}: {part.state}: {cat.note(part.why)}", style="red")
            if part.value is not None:
                label.append(f" ({cat('state.partial', value=cat.num(part.value, prec))})",
                             style="dim")
            parts.add(label)
    for text in _left_out(ev, level, about, score, cat):
        parts.add(Text(cat("score.left_out", part=text), style="dim"))
    if score.state == "ok" and score.exact is not None:
        tree.add(Text(cat("score.rounded", exact=fmt_exact(score.exact), prec=prec,
                          value=cat.num(score.value, prec)), style="dim"))
    elif score.partial is not None:
        tree.add(Text(cat("score.partial_only", value=cat.num(score.partial, prec),
                          level=level.upper(), state=score.state), style="dim"))
    for measure, r in ev.printed_scores:
        if measure == level and (r.objective or r.perspective) == about:
            tree.add(Text(cat("score.printed", value=_printed(r.value, cat), where=r.where),
                          style="magenta"))
    console.print(tree)


def _left_out(ev: Evaluation, level: str, about: str, score: Score, cat: Catalogue = EN
              ) -> list[str]:
    named = {p.label for p in score.parts}
    if level == "nss":
        return [f"{r.iku.code} ({cat.note(r.figure.note)})" for r in ev.rows
                if r.objective.code == about and r.iku.code not in named]
    if level == "nkp":
        return [o.objective.code for o in ev.objectives if o.objective.perspective == about
                and o.objective.code not in named]
    return [p.perspective.code for p in ev.perspectives if p.perspective.code not in named]


# -- the organisation -----------------------------------------------------------------------
def render_tree(console: Console, tree: OrgTree, cat: Catalogue = EN) -> None:
    when = tree.when or (str(tree.year) if tree.year else cat("tree.latest"))
    if tree.as_of:
        when = cat("eval.as_of", period=when)
    table = Table(title=cat("tree.title", top=tree.top, when=when),
                  box=box.SIMPLE_HEAVY, title_justify="left")
    # at 80 columns the names and the weakest IKU keep room to be read; an NPSS with its
    # state (`— (incomplete, partial 69.65)`) wraps instead of squeezing them
    table.add_column(cat("tree.owner"), overflow="fold", ratio=3, min_width=10)
    table.add_column(cat("col.period"), no_wrap=True)
    table.add_column(cat("col.npss"), justify="right", min_width=8, max_width=14)
    table.add_column(cat("tree.groups"), justify="center", min_width=6)
    table.add_column(cat("tree.weakest"), overflow="fold", ratio=3, min_width=14)
    for row in tree.rows:
        name = "  " * row.depth + row.owner.short_name
        if row.period is None or row.npss is None:
            why = Text(row.error, style="red") if row.error else Text(row.note, style="dim")
            table.add_row(escape(name), "—", "—", "—", why)
            continue
        prec = row.precision
        counts = "/".join(str(n) for _, n in row.groups)
        weakest = row.weakest
        weak = Text(f"{weakest.code} {weakest.indicator[:60]}: "
                    f"{cat.num(weakest.capaian, prec)} %") if weakest else Text("—")
        if row.error:
            weak.append(f"  ({row.error})", style="red")
        period = cat("eval.as_of", period=row.period.label) if row.as_of else row.period.label
        table.add_row(escape(name), period, cat.score(row.npss, prec), counts, weak)
    console.print(table)


# -- checks, what is still needed, the previous year ----------------------------------------
def render_rules(console: Console) -> None:
    """The rules of `iku check` (engine.checkrules.RULES), as --list shows them."""
    from engine.checkrules import RULES, threshold_text

    table = Table(title="Rules of iku check (the LHE 2023 recommendations a tool can check)",
                  box=box.SIMPLE_HEAVY, title_justify="left", show_lines=True)
    table.add_column("rule", no_wrap=True)
    table.add_column("LHE", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("what it checks", overflow="fold", ratio=3)
    table.add_column("settings and reasons", overflow="fold", ratio=2)
    for r in RULES.values():
        settings = threshold_text(r) or "—"
        if r.reason:
            settings += f"; a stated reason: {r.reason}"
        what = Text(r.summary)
        what.append(f"\n“{r.citation}”", style="dim")
        if r.needs:
            what.append(f"\nnot run yet: waits for {r.needs}", style="yellow")
        table.add_row(r.id, ", ".join(f"#{n}" for n in r.recommendations), r.severity.value,
                      what, escape(settings))
    console.print(table)


def render_needs(console: Console, needs: Needs) -> None:
    """What the periods to come must bring, per IKU and target period, at-risk ones marked."""
    from engine.export_checks import NEEDS_COLUMNS, needs_cells

    prec = needs.precision
    who = needs.unit
    table = Table(title=f"Still needed · {who} · as of {needs.as_of.label}",
                  box=box.SIMPLE_HEAVY, title_justify="left", show_lines=True)
    for i, col in enumerate(NEEDS_COLUMNS):
        table.add_column(col, justify="right" if col == "Target" else "left",
                         overflow="fold", no_wrap=i in (0, 1, 2),
                         ratio={3: 1, 4: 2}.get(i))
    for n, cells in zip(needs.rows, needs_cells(needs, prec), strict=True):
        style = "bold red" if n.at_risk else ""
        table.add_row(Text(cells[0], style=style), *(escape(c) for c in cells[1:4]),
                      Text(cells[4]))
    if needs.rows:
        console.print(table)
    else:
        console.print(f"Nothing to show as of {needs.as_of.label}.")
    at_risk = needs.at_risk
    console.print(Text(f"{len(at_risk)} of {len(needs.rows)} at risk"
                       + (": " + ", ".join(f"{n.iku.code} {_label(n.period)}" for n in at_risk)
                          if at_risk else ""), style="bold red" if at_risk else "bold"))
    owner = "" if not any(n.owner_level for n in needs.rows) else (
        " For the owner: the value each of its units needs (one equal value), and in "
        "brackets the owner's own figure where that differs.")
    console.print(Text("Each value is the least realisasi (the most, for lower-is-better) "
                       "in every period to come, on the grid of the manual's precision, that "
                       "the engine scores at the goal; one step short of it does not "
                       f"(docs/checks.md).{owner}", style="dim"))
    if needs.input_name:
        render_inputs(console, needs)


def _label(p: Period) -> str:
    return _short_period(p)


def render_inputs(console: Console, needs: Needs) -> None:
    table = Table(title=f"The input {needs.input_name} needed, the other inputs held",
                  box=box.SIMPLE, title_justify="left", show_lines=True)
    for col in ("IKU", "Unit", "For", "Goal", "Figure", needs.input_name, "Held", "Note"):
        table.add_column(col, overflow="fold")
    for n in needs.rows:
        for i in n.inputs:
            table.add_row(n.iku.code, i.unit, _label(n.period), i.goal.label, str(i.figure),
                          "—" if i.value is None else f"{i.value:,}", escape(i.held),
                          escape(i.why))
    console.print(table)


def render_still_needed(console: Console, needs: Needs) -> None:
    """`iku explain IKU --as-of P`: what each target period still to come needs."""
    from rich.tree import Tree

    from engine.export_checks import needed_text

    tree = Tree(Text(f"still needed as of {needs.as_of.label}", style="bold"))
    if not needs.rows:
        tree.add(Text("no target period is still to come", style="dim"))
    prec = needs.precision
    for n in needs.rows:
        node = tree.add(Text(f"{n.period.label}: target {EN.natural(n.target)} "
                             f"{n.iku.unit_of_measure} "
                             f"(revision {n.revision})", style="bold"))
        node.add(Text(n.how, style="dim"))
        known = [p for p in n.parts if p.known]
        if known:
            node.add(Text("in: " + ", ".join(
                f"{p.unit + ' ' if n.owner_level else ''}{_label(p.period)} "
                f"{EN.num(p.value, prec)}" for p in known), style="dim"))
        if n.to_come:
            node.add(Text("to come: " + ", ".join(_label(p) for p in n.to_come), style="dim"))
        for line, a in zip(needed_text(n, prec), n.answers, strict=False):
            detail = ""
            if a.outcome == "needed" and a.short is not None:
                step = Decimal(1).scaleb(-prec)
                before = (a.value - step if n.iku.polarity == "higher_is_better"
                          else a.value + step) if a.value is not None else None
                detail = (f"  (capaian {EN.num(a.capaian, prec)}; {EN.num(before, prec)} gives "
                          f"{EN.num(a.short, prec)})")
            node.add(Text(line) + Text(detail, style="dim"))
        if n.lacking:
            node.add(Text(f"no figure yet this year: {', '.join(n.lacking)}", style="yellow"))
        if n.best is not None:
            node.add(Text(f"best so far: {EN.num(n.best[0], prec)} ({_label(n.best[1])})",
                          style="dim"))
        if n.at_risk:
            node.add(Text(f"at risk: {n.at_risk}", style="bold red"))
        for i in n.inputs:
            value = "—" if i.value is None else f"{i.value:,}"
            node.add(Text(f"{i.name} for {i.unit}, {i.goal.label}: {value}; {i.why}; held "
                          f"{i.held}", style="dim"))
    console.print(tree)


def render_comparison(console: Console, comp: Comparison) -> None:
    """Each figure beside the same period a year earlier (LHE 2023 recommendation 21)."""
    from engine.export_checks import COMPARISON_COLUMNS, comparison_cells

    ev = comp.evaluation
    when = f"as of {ev.period.label}" if ev.as_of else ev.period.label
    table = Table(title=f"{ev.unit.short_name} · {when} beside the same period of "
                        f"{comp.previous_year}", box=box.SIMPLE_HEAVY, title_justify="left",
                  show_lines=True)
    wide = console.width >= 140  # the indicator's name, where there is room for it
    shown = [i for i in range(len(COMPARISON_COLUMNS)) if wide or i != 1]
    for i in shown:
        numeric = i in (3, 4, 6, 7, 8)
        table.add_column(COMPARISON_COLUMNS[i], justify="right" if numeric else "left",
                         overflow="fold", no_wrap=numeric or i == 0,
                         ratio={1: 3, 9: 3}.get(i))
    for cells in comparison_cells(comp):
        table.add_row(*(escape(cells[i]) for i in shown))
    console.print(table)
    console.print(Text("Sumber: the earlier figure recomputed from that year's data under that "
                       "year's manual, or as printed in its reported.yaml when there is no "
                       "data.", style="dim"))
