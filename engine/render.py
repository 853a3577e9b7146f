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
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from engine.errors import Issue, Severity
from engine.evaluate import Evaluation
from engine.formula import fmt_exact
from engine.functions import Items, round_half_up
from engine.model import Iku, Manual, Range, TargetValue
from engine.periods import Period
from engine.rollup import Score, score_text
from engine.rules import EMPTY, SINGLE
from engine.scoring import CapaianWork, Figure, limits_of
from engine.validate import summary
from engine.values import Computation, Value

if TYPE_CHECKING:  # annotations only, see engine.export
    from engine.compare import Comparison
    from engine.dataset import ReportedFigure
    from engine.diff import Change, Impact, ManualDiff
    from engine.needed import Needs
    from engine.reconcile import Reconciliation
    from engine.tree import OrgTree
    from engine.validate import Validation

GROUP_LABEL = {"above": "di atas target", "on": "sesuai target", "below": "di bawah target"}
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


def num(x: Decimal | None, places: int = 2) -> str:
    if x is None:
        return "—"
    return f"{x:,.{places}f}"


# -- issues ---------------------------------------------------------------------------------
NARROW = 110  # below this many columns a table of issues squeezes messages to a word a line


def render_issues(console: Console, issues: Sequence[Issue], title: str = "Problems") -> None:
    if not issues:
        return
    if console.width < NARROW:
        console.print(Text(title, style="bold"))
        for i in issues:
            style = {"error": "bold red", "warning": "yellow", "info": "cyan"}[i.severity.value]
            context = " ".join(p for p in (i.iku, i.unit, i.period) if p)
            head = Text(f"{i.severity.value} ", style=style)
            head.append(f"{i.where()}  {context}".rstrip())
            console.print(head)
            console.print(Text(f"  {i.message}"))
            if i.hint:
                console.print(Text(f"  hint: {i.hint}", style="dim"))
        return
    table = Table(title=title, box=box.SIMPLE_HEAVY, show_lines=False, title_justify="left")
    table.add_column("severity", no_wrap=True)
    table.add_column("where", no_wrap=True)  # a file:line must stay one piece to be clickable
    table.add_column("IKU", no_wrap=True)
    table.add_column("message", overflow="fold", ratio=3)
    table.add_column("hint", overflow="fold", ratio=2)
    for i in issues:
        style = {"error": "bold red", "warning": "yellow", "info": "cyan"}[i.severity.value]
        context = " ".join(p for p in (i.unit, i.period) if p)
        message = f"{i.message} [{context}]" if context else i.message
        table.add_row(Text(i.severity.value, style=style), escape(i.where()), i.iku,
                      escape(message), escape(i.hint))
    console.print(table)


def render_validation(console: Console, result: Validation, show_assumptions: bool) -> None:
    render_issues(console, result.all_issues())
    manuals = [r.manual for r in result.results if r.manual is not None]
    if show_assumptions:
        table = Table(title="Assumptions written into the manuals", box=box.SIMPLE,
                      title_justify="left")
        table.add_column("revision", no_wrap=True)
        table.add_column("where", overflow="fold")
        table.add_column("id", no_wrap=True)
        table.add_column("assumption", overflow="fold", ratio=3)
        for m in manuals:
            for a in m.all_assumptions():
                table.add_row(f"{m.owner} {m.label}", str(a.location), a.id,
                              escape(" ".join(a.text.split())))
        console.print(table)
    text = summary(result)
    console.print(Text(text, style="bold red" if result.count(Severity.ERROR) else "bold green"))


# -- evaluation -----------------------------------------------------------------------------
def _status(fig: Figure) -> Text:
    if fig.capaian is not None:
        label = f"{fig.band or '—'}, {GROUP_LABEL.get(fig.group or '', '')}"
        return Text(label, style=BAND_STYLE.get(fig.band or "", ""))
    style = {"error": "bold red", "no data": "red"}.get(fig.outcome, "dim")
    prefix = "error: " if fig.outcome == "error" and not fig.note.startswith("data error") \
        else ""
    return Text(prefix + fig.note, style=style)


def _with_printed(shown: str, printed: object) -> Text:
    text = Text(shown)
    if printed is not None:
        text.append(f"\n≠ {printed}", style="magenta")
    return text


def _realisasi(f: Figure, prec: int) -> str:
    """The realisasi, or what exists when some units have none (never as the figure)."""
    if f.realisasi is None and f.value.partial is not None:
        return f"— (partial {num(round_half_up(f.value.partial, prec), prec)})"
    return num(f.realisasi, prec)


def render_evaluation(console: Console, ev: Evaluation) -> None:
    m = ev.manual
    prec = m.scoring.precision
    when = f"as of {ev.period.label}" if ev.as_of else ev.period.label
    title = (f"{ev.unit.short_name} · {when} · manual {m.label} "
             f"(in force {m.revision.effective_from})")
    table = Table(title=title, box=box.SIMPLE_HEAVY, title_justify="left", show_lines=True)
    wide = console.width >= 100  # below that the SS column gives its room to the indicator
    if wide:
        table.add_column("SS", no_wrap=True)
    table.add_column("IKU", no_wrap=True)
    table.add_column("Indikator", overflow="fold", ratio=4, min_width=16)
    if ev.as_of:
        table.add_column("Periode", no_wrap=True)
    table.add_column("Target", justify="right")
    table.add_column("Realisasi", justify="right")
    table.add_column("Capaian %", justify="right")
    table.add_column("Status", overflow="fold", ratio=2, min_width=10)
    any_printed = False
    for row in ev.rows:
        f = row.figure
        printed = dict(row.printed)
        any_printed = any_printed or bool(printed)
        unit_of = row.iku.unit_of_measure
        target = "—" if f.target is None else f"{target_text(f.target)} {unit_of}"
        period = [] if not ev.as_of else \
            ["N/A" if f.value.state == "not_due" else _short_period(f.period)]
        table.add_row(
            *([row.objective.code] if wide else []), row.iku.code, escape(row.indicator),
            *period, target,
            _with_printed(_realisasi(f, prec), printed.get("realisasi") and
                          printed["realisasi"].value),
            _with_printed(num(f.capaian, prec), printed.get("capaian") and
                          printed["capaian"].value),
            _status(f),
        )
    console.print(table)
    printed_scores = {(measure, r.objective or r.perspective): r
                      for measure, r in ev.printed_scores}
    if any_printed or printed_scores:
        console.print(Text("≠ n: the report prints n, which the recomputation does not give "
                           "(beyond the printed figure's rounding); `iku reconcile` lists each.",
                           style="magenta"))
    groups = " · ".join(f"{GROUP_LABEL[g]}: {n}" for g, n in ev.groups)
    console.print(f"IKU {groups}")
    scores = Table(box=box.SIMPLE, title="Nilai Sasaran Strategis and perspectives",
                   title_justify="left")
    scores.add_column("Perspektif / SS", overflow="fold", ratio=3)
    scores.add_column("Bobot", justify="right")
    scores.add_column("NSS", justify="right")
    scores.add_column("NKP", justify="right")

    def cell(s: Score, measure: str, about: str) -> Text:
        r = printed_scores.get((measure, about))
        return _with_printed(score_text(s, prec), r.value if r else None)

    for p in ev.perspectives:
        scores.add_row(Text(p.perspective.name, style="bold"), f"{num(p.perspective.weight, 0)} %",
                       num(p.mean_nss, prec), cell(p.score, "nkp", p.perspective.code))
        for o in ev.objectives:
            if o.objective.perspective == p.perspective.code:
                scores.add_row(f"  {o.objective.code} {escape(o.objective.name)}", "",
                               cell(o.score, "nss", o.objective.code), "")
    console.print(scores)
    console.print(npss_line(ev))
    avg = f"Rata-rata capaian {score_text(ev.average, prec)}"
    for r in ev.printed_average:
        avg += f"  (≠ printed {r.value} in {r.where})"
    console.print(avg)
    if ev.errors:
        console.print(Text(f"{len(ev.errors)} IKU(s) could not be computed (error: the data is "
                           "there but a formula or check failed); `iku explain IKU.n` shows "
                           "why.", style="bold red"))
    if ev.missing:
        console.print(Text(f"{len(ev.missing)} IKU(s) without a figure for lack of data; "
                           "`iku explain IKU.n` shows what is missing.", style="red"))
    if ev.data_issues:
        render_issues(console, ev.data_issues, title=f"Problems in {ev.dataset}")


def _short_period(p: Period) -> str:
    return p.label.rsplit(" ", 1)[0]


def npss_line(ev: Evaluation) -> Text:
    """The NPSS headline, saying which perspectives were scored when not all were, and never
    presenting a partial roll-up as the figure."""
    prec = ev.manual.scoring.precision
    s = ev.npss
    r = next((r for measure, r in ev.printed_scores if measure == "npss"), None)
    printed = f"  (≠ printed {r.value} in {r.where})" if r else ""
    if s.state == "not_scored":
        return Text(f"NPSS n/a: {s.why}", style="bold")
    scored = [p for p in ev.perspectives if p.score.state != "not_scored"]
    scope = ""
    if len(scored) < len(ev.perspectives):
        names = ", ".join(p.perspective.name for p in scored)
        scope = (f" (over {len(scored)} of {len(ev.perspectives)} perspectives: {names}; "
                 f"the others have no IKU due; rule `{ev.manual.scoring.empty}`)")
    if s.state == "ok":
        return Text(f"NPSS {num(s.value, prec)}{scope}{printed}", style="bold")
    partial = f"; over what is there: {num(s.partial, prec)}" if s.partial is not None else ""
    return Text(f"NPSS — {s.state}: {s.why}{partial}{scope}{printed}", style="bold red")


def target_text(t: TargetValue) -> str:
    """A target as written: `99`, `82.5`, or a range `80–90`."""
    if isinstance(t, Range):
        return f"{num(t.low, _places(t.low))}–{num(t.high, _places(t.high))}"
    return num(t, _places(t))


def _places(x: Decimal) -> int:
    exponent = x.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 2


# -- explanation ----------------------------------------------------------------------------
def _value_label(label: str, value: Value, prec: int) -> Text:
    if value.exact is None:
        text = Text(f"{label}: {value.message}", style="red")
        if value.partial is not None:
            text.append(f"  (the units that reported give {num(value.partial, prec)}; not the "
                        "figure)", style="dim")
        return text
    rounded = round_half_up(value.exact, prec)
    text = Text(f"{label}: {num(rounded, prec)}", style="bold")
    if rounded != value.exact:
        text.append(f"  (exact {fmt_exact(value.exact)})", style="dim")
    return text


def _computation(tree: Tree, comp: Computation, prec: int) -> None:
    if comp.kind == "formula":
        node = tree.add(Text(f"formula of revision {comp.revision}, data at {comp.source}"))
        if comp.note:
            node.add(Text(f"note: {comp.note}", style="dim"))
        inputs = node.add("inputs")
        for inp in comp.inputs:
            line = Text(f"{inp.name} = {_show_input(inp.value)}")
            line.append(f"  ({inp.location})", style="dim")
            item = inputs.add(line)
            if inp.evidence:
                item.add(Text(f"evidence: {inp.evidence}", style="dim"))
            if inp.note:
                item.add(Text(f"note: {' '.join(inp.note.split())}", style="dim"))
        for step in comp.steps:
            head = Text(f"{step.name} = {step.formula}")
            if step.meaning:
                head.append(f"   [{step.meaning}]", style="dim")
            s = node.add(head)
            value = fmt_exact(step.value)
            shown = value if step.substituted == value else f"{step.substituted} = {value}"
            s.add(Text(f"= {shown}", style="bold"))
            if len(step.trace) > 1:
                parts = s.add(Text("sub-expressions", style="dim"))
                for expr, val in step.trace[:-1]:
                    parts.add(Text(f"{expr} = {val}", style="dim"))
        return
    if comp.kind == "link":
        node = tree.add(Text(f"linked: the value of {comp.rule}, from {comp.source}"))
        node.add(Text(f"{comp.summary}; entered once, in that owner's own data", style="dim"))
        for part in comp.parts:
            child = node.add(_value_label(part.label, part.value, prec))
            if part.value.computation is not None:
                _computation(child, part.value.computation, prec)
        return
    shown = ", ".join(f"{p.label} {num(p.used, prec) if p.used is not None else '—'}"
                      for p in comp.parts)
    result = fmt_exact(comp.value) if comp.value is not None else "— (not every part is there)"
    kind = "period aggregate" if comp.kind == "aggregate" else "roll-up"
    node = tree.add(Text(f"{kind}: {comp.rule} of {shown} = {result}"))
    node.add(Text(f"rule of revision {comp.revision} ({comp.source}): {comp.summary}; each "
                  f"part enters rounded half up to {prec} decimals", style="dim"))
    for part in comp.parts:
        child = node.add(_value_label(part.label, part.value, prec))
        if part.value.computation is not None:
            _computation(child, part.value.computation, prec)
    for part in comp.passed_over:
        node.add(Text(f"{part.label}: passed over, a later period without data "
                      f"({part.value.message})", style="dim"))


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
                       earlier: Sequence[ReportedFigure] = ()) -> None:
    """`revisions`: the year's revisions with the changes each made to this IKU;
    `earlier`: printed realisasi of earlier years, for the trend."""
    prec = manual.scoring.precision
    head = Text(f"{iku.code} {iku.name}", style="bold")
    head.append(f"\n{unit_name} · {fig.period.label} · revision in force: {manual.label} "
                f"(effective {manual.revision.effective_from})")
    if len(revisions) > 1:
        listed = "; ".join(f"{m.label} from {m.revision.effective_from}" for m, _ in revisions)
        head.append(f"\nrevisions of {manual.year}: {listed}", style="dim")
        for m, changes in revisions:
            if changes:
                aspects = ", ".join(dict.fromkeys(c.aspect.split(" ")[0] for c in changes))
                head.append(f"\n{m.label} changed this IKU: {aspects}", style="dim")
    tree = Tree(head)
    real = tree.add(_value_label("realisasi", fig.value, prec))
    if fig.value.exact is not None:
        real.add(Text(f"published figure rounded half up to {prec} decimals: "
                      f"{num(fig.realisasi, prec)} {iku.unit_of_measure}", style="dim"))
    if fig.value.computation is not None:
        _computation(real, fig.value.computation, prec)
    if fig.target is None:
        tree.add(Text(f"target: {fig.note}", style="dim"))
    else:
        kind = "a range; " if isinstance(fig.target, Range) else ""
        tree.add(f"target: {target_text(fig.target)} {iku.unit_of_measure} "
                 f"({kind}{fig.target_source or 'manual'})")
        if fig.capaian_exact is not None and fig.work is not None:
            cap = tree.add(Text(f"capaian: {num(fig.capaian, prec)} %", style="bold"))
            assert fig.value.exact is not None
            _capaian_work(cap, fig.work, fig.value.exact, iku)
            cap.add(Text(f"computed from the exact realisasi, then rounded half up to {prec} "
                         "decimals", style="dim"))
            band = manual.scoring.band(fig.capaian) if fig.capaian is not None else None
            label = f"{band.name} ({band.label})" if band else "—"
            tree.add(f"status: {label}; {GROUP_LABEL.get(fig.group or '', '')}")
        elif fig.note:
            tree.add(Text(fig.note, style="red"))
    for measure, r in printed:
        tree.add(Text(f"the report prints {measure} {r.value} ({r.where}); the recomputation "
                      "differs beyond rounding", style="magenta"))
    if earlier:
        trend = "; ".join(f"{r.period.year}: {r.value} ({r.where})" for r in earlier)
        now = num(fig.realisasi, prec)
        tree.add(Text(f"trend (printed realisasi of earlier years): {trend}; "
                      f"{fig.period.year}: {now}", style="dim"))
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
def render_manual(console: Console, manual: Manual) -> None:
    years = sorted({t.year for i in manual.ikus for t in i.targets})
    owner = manual.unit(manual.owner)
    console.print(Text(f"Manual IKU {owner.name if owner else manual.owner} "
                       f"{manual.label} (revision {manual.revision.number}, in force from "
                       f"{manual.revision.effective_from})", style="bold"))
    if manual.revision.change_note:
        console.print(Text(" ".join(manual.revision.change_note.split()), style="dim"))
    t3 = Table(title="Sasaran strategis, IKU and targets by year (cf. Tabel 3)", box=box.SIMPLE,
               title_justify="left")
    t3.add_column("SS / IKU", overflow="fold", ratio=4, min_width=20)
    t3.add_column("Satuan", no_wrap=True)
    for y in years:
        t3.add_column(str(y), justify="right", no_wrap=True)
    for p in manual.perspectives:
        t3.add_row(Text(f"{p.name} ({num(p.weight, 0)} %)", style="bold"), "", *[""] * len(years))
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
                    cells.append("" if t is None else target_text(t.value))
                t3.add_row(f"  {iku.code} {escape(iku.name)}", iku.unit_of_measure, *cells)
    console.print(t3)
    t4 = Table(title=f"Perjanjian Kinerja {manual.year} (cf. Tabel 4)", box=box.SIMPLE,
               title_justify="left")
    t4.add_column("SS", no_wrap=True)
    t4.add_column("Indikator kinerja", overflow="fold", ratio=4, min_width=20)
    t4.add_column("Target", justify="right", no_wrap=True)
    t4.add_column("Periods with a target", overflow="fold", ratio=2)
    for o in manual.objectives:
        for code in o.ikus:
            iku = manual.iku(code)
            if iku is None:
                continue
            t = iku.target(manual.year)
            periods = ", ".join(f"{s} {target_text(v)}" for s, v in t.periods) if t else ""
            t4.add_row(o.code, f"{iku.code} {escape(iku.name)}",
                       f"{target_text(t.value)} {iku.unit_of_measure}" if t else "—",
                       periods or "year only")
    console.print(t4)
    units = [u for u in manual.units if u.code != manual.owner]
    t6 = Table(title="Penanggung jawab IKU (cf. Tabel 6)", box=box.SIMPLE, title_justify="left")
    t6.add_column("IKU", no_wrap=True)
    t6.add_column("Indikator kinerja", overflow="fold", ratio=4, min_width=20)
    narrow = console.width < 110  # unit codes instead of names leave the indicator its room
    for u in units:
        t6.add_column(u.code if narrow else u.short_name, justify="center", no_wrap=True)
    t6.add_column("Roll-up", no_wrap=True)
    for iku in manual.ikus:
        marks = ["√" if iku.cascade.unit(u.code) else "-" for u in units]
        t6.add_row(iku.code, escape(iku.name), *marks, iku.cascade.rollup)
    console.print(t6)


def render_iku(console: Console, manual: Manual, iku: Iku) -> None:
    obj = manual.objective(iku.objective)
    lines = [
        Text(f"{iku.code} {iku.name}", style="bold"),
        Text(f"{iku.objective} {obj.name if obj else ''} · satuan {iku.unit_of_measure} · "
             f"{iku.polarity.replace('_', ' ')} · manual {manual.label} ({iku.file})"),
        Text(""),
        Text("Definisi operasional: ", style="bold") + Text(" ".join(iku.definition.split())),
    ]
    if iku.data_source:
        lines.append(Text("Sumber data: ", style="bold") + Text(iku.data_source))
    if iku.collection:
        lines.append(Text("Pengumpulan data: ", style="bold") + Text(iku.collection))
    console.print(Panel(Group(*lines), box=box.ROUNDED))
    var = Table(title="Variables", box=box.SIMPLE, title_justify="left")
    for col in ("name", "kind", "unit", "meaning"):
        var.add_column(col, overflow="fold")
    for v in iku.variables:
        var.add_row(v.name, v.kind, v.unit, escape(v.meaning))
    console.print(var)
    formula = Tree(Text("Formula", style="bold"))
    for s in iku.steps:
        formula.add(f"{s.name} = {s.formula.text}" + (f"   [{s.meaning}]" if s.meaning else ""))
    formula.add(Text(f"realisasi = {iku.formula.text}", style="bold"))
    console.print(formula)
    sched = iku.schedule
    console.print(Text("Schedule: ", style="bold") + Text(
        f"measured {', '.join(sched.measured)}; "
        f"targets in {', '.join(sched.targeted) or 'the year only'}; "
        f"a longer period's value: {sched.aggregate}"
        + (f" ({sched.aggregate_formula.text})" if sched.aggregate_formula else "")
        + (f". {sched.note}" if sched.note else "")))
    if iku.limits is not None:  # its own cap or floor: say which bounds are in force
        shown = "; ".join(f"{lim.whose} {lim.kind} "
                          f"{'none' if lim.value is None else fmt_exact(lim.value)}"
                          for lim in limits_of(manual, iku))
        console.print(Text("Capaian bounds: ", style="bold") + Text(shown))
    tg = Table(title="Targets", box=box.SIMPLE, title_justify="left")
    tg.add_column("year")
    tg.add_column("target", justify="right")
    tg.add_column("periods", overflow="fold")
    tg.add_column("source", overflow="fold")
    for t in iku.targets:
        tg.add_row(str(t.year), target_text(t.value),
                   ", ".join(f"{s} {target_text(v)}" for s, v in t.periods), t.source)
    console.print(tg)
    cas = Table(title=f"Cascade (roll-up: {iku.cascade.rollup})", box=box.SIMPLE,
                title_justify="left")
    cas.add_column("unit", no_wrap=True)
    cas.add_column("own indicator", overflow="fold", ratio=3)
    cas.add_column("own targets", overflow="fold")
    cas.add_column("own formula", overflow="fold")
    for cu in iku.cascade.units:
        unit = manual.unit(cu.unit)
        cas.add_row(unit.short_name if unit else cu.unit, escape(cu.indicator),
                    ", ".join(f"{t.year}: {target_text(t.value)}" for t in cu.targets),
                    cu.formula.text if cu.formula else "")
    console.print(cas)
    if iku.assumptions:
        at = Table(title="Assumptions", box=box.SIMPLE, title_justify="left")
        at.add_column("id", no_wrap=True)
        at.add_column("assumption", overflow="fold")
        for a in iku.assumptions:
            at.add_row(a.id, escape(" ".join(a.text.split())))
        console.print(at)
    if iku.source:
        console.print(Text(f"Source: {iku.source}", style="dim"))



# -- diff, impact, reconcile ----------------------------------------------------------------
def render_diff(console: Console, d: ManualDiff) -> None:
    tree = Tree(Text(f"Manual {d.old.owner} {d.old.label} → {d.new.label}", style="bold"))
    header = [c for c in d.changes if not c.iku]
    if header:
        node = tree.add(Text("header (scoring, perspectives, objectives, units)", style="bold"))
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
    console.print(f"{len(d.changed_ikus)} IKU(s) changed, {len(d.unchanged)} unchanged"
                  + (f" apart from their {d.new_year} targets" if fresh else "")
                  + (f", {len(header)} header change(s)" if header else ""))


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


def render_impact(console: Console, imp: Impact) -> None:
    prec = imp.old.manual.scoring.precision
    table = Table(title=f"Impact on the {imp.year} data: {imp.old.manual.label} → "
                        f"{imp.new.manual.label}", box=box.SIMPLE_HEAVY, title_justify="left")
    for col in ("Unit", "IKU"):
        table.add_column(col, no_wrap=True)
    for col in ("Target", "Realisasi", "Capaian %"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("Status", overflow="fold", ratio=2)
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
                          *(_pair(_field(a, name), _field(b, name), prec)
                            for name in ("target", "realisasi", "capaian")),
                          f"{_state(a)} → {_state(b)}")
    if rows:
        console.print(table)
    else:
        console.print(f"No figure of the {imp.year} data changes.")
    scores = Table(title="Scores", box=box.SIMPLE, title_justify="left")
    scores.add_column("Unit", no_wrap=True)
    scores.add_column("Score", overflow="fold")
    scores.add_column(imp.old.manual.label, justify="right")
    scores.add_column(imp.new.manual.label, justify="right")
    for old_ev, new_ev in ((imp.old, imp.new), *imp.units):
        name = new_ev.unit.short_name
        old_nss = {o.objective.code: o.score for o in old_ev.objectives}
        for o in new_ev.objectives:
            before = old_nss.get(o.objective.code)
            if before is None or (before.value, before.state) != (o.nss, o.score.state):
                scores.add_row(name, f"NSS {o.objective.code}",
                               score_text(before, prec) if before else "—",
                               score_text(o.score, prec))
        if old_ev.npss.value != new_ev.npss.value:
            scores.add_row(name, Text("NPSS", style="bold"), score_text(old_ev.npss, prec),
                           score_text(new_ev.npss, prec))
    console.print(scores)
    for label, issues in ((imp.old.manual.label, imp.old_data_issues),
                          (imp.new.manual.label, imp.new_data_issues)):
        if issues:
            render_issues(console, group_issues(issues), title=f"Data that {label} cannot use")


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


def _pair(a: Decimal | None, b: Decimal | None, prec: int) -> str:
    return num(a, prec) if a == b else f"{num(a, prec)} → {num(b, prec)}"


def _state(f: Figure | None) -> str:
    if f is None:
        return "not in manual"
    if f.capaian is not None:
        return f"{f.band}"
    return f.value.state.replace("_", " ")


def render_reconciliation(console: Console, rec: Reconciliation, show_all: bool) -> None:
    shown = rec.findings if show_all else rec.discrepancies
    table = Table(title=f"Printed figures of {rec.year} against the recomputation "
                        f"({rec.dataset}/reported.yaml)", box=box.SIMPLE_HEAVY,
                  title_justify="left", show_lines=True)
    table.add_column("Where", overflow="fold", ratio=2)
    table.add_column("Figure", overflow="fold", ratio=2)
    table.add_column("Printed", justify="right", no_wrap=True)
    table.add_column("Recomputed", justify="right", no_wrap=True)
    table.add_column("Diff", justify="right", no_wrap=True)
    table.add_column("Class", no_wrap=True)
    table.add_column("Why", overflow="fold", ratio=5)
    for f in shown:
        p = f.printed
        figure = " ".join(x for x in (p.iku, p.unit, str(p.period), p.measure) if x)
        style = "green" if f.agrees else "magenta"
        table.add_row(escape(p.where), figure, str(p.value),
                      "—" if f.shown is None else str(f.shown),
                      "—" if f.difference is None else _signed(f.difference, p.value),
                      Text(f.classification, style=style), escape(f.explanation))
    if shown:
        console.print(table)
    n = len(rec.discrepancies)
    summary = (f"{len(rec.findings)} printed figures checked: {len(rec.findings) - n} agree "
               f"within their rounding, {n} differ")
    console.print(Text(summary, style="bold magenta" if n else "bold green"))
    if n:
        counts: dict[str, int] = {}
        for f in rec.discrepancies:
            counts[f.classification] = counts.get(f.classification, 0) + 1
        console.print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


def _signed(diff: Decimal, like: Decimal) -> str:
    exponent = like.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{diff:+.{places}f}"


# -- scores ---------------------------------------------------------------------------------
def render_score_explanation(console: Console, ev: Evaluation, level: str, about: str) -> None:
    """How an NSS, NKP or the NPSS came about: the rule the manual declares, where, each part
    with its value (or why it has none), and the rounding."""
    m = ev.manual
    prec = m.scoring.precision
    if level == "nss":
        o = next((o for o in ev.objectives if o.objective.code == about), None)
        if o is None:
            console.print(Text(f"{about}: {ev.unit.short_name} carries none of its IKUs",
                               style="red"))
            return
        score, title = o.score, f"NSS {about} {o.objective.name}"
    elif level == "nkp":
        p = next(p for p in ev.perspectives if p.perspective.code == about)
        weight = num(p.perspective.weight, 0)
        score, title = p.score, f"NKP {about} {p.perspective.name} (weight {weight} %)"
    else:
        score, title = ev.npss, "NPSS"
    when = f"as of {ev.period.label}" if ev.as_of else ev.period.label
    head = Text(title, style="bold")
    head.append(f"\n{ev.unit.short_name} · {when} · manual {m.label}")
    tree = Tree(head)
    tree.add(Text(f"{level.upper()}: {score_text(score, prec)}", style="bold"))
    where = f" ({m.scoring.rollup_at})" if m.scoring.rollup_at else ""
    rule = tree.add(Text(f"rule `{score.rule.name}`{where}: {score.rule.summary}"))
    if level == "npss":
        empty = EMPTY[m.scoring.empty]
        rule.add(Text(f"perspectives without a scored IKU: `{empty.name}`: {empty.summary}",
                      style="dim"))
    parts = tree.add("parts")
    for part in score.parts:
        weight = f" × weight {num(part.weight, _places(part.weight))}" \
            if part.weight is not None and level != "npss" else ""
        if part.value is not None and part.state in ("figure", "ok"):
            parts.add(f"{part.label}: {num(part.value, prec)}{weight}")
        else:
            label = Text(f"{part.label}: {part.state}: {part.why}", style="red")
            if part.value is not None:
                label.append(f" (partial {num(part.value, prec)})", style="dim")
            parts.add(label)
    left_out = _left_out(ev, level, about, score)
    for text in left_out:
        parts.add(Text(f"{text}: not scored in this period, left out", style="dim"))
    if score.state == "ok" and score.exact is not None:
        tree.add(Text(f"= {fmt_exact(score.exact)}, rounded half up to {prec} decimals: "
                      f"{num(score.value, prec)}", style="dim"))
    elif score.partial is not None:
        tree.add(Text(f"over the parts that are there: {num(score.partial, prec)} (not the "
                      f"{level.upper()}: {score.state})", style="dim"))
    for measure, r in ev.printed_scores:
        if measure == level and (r.objective or r.perspective) == about:
            tree.add(Text(f"the report prints {r.value} ({r.where}); the recomputation differs "
                          "beyond rounding", style="magenta"))
    console.print(tree)


def _left_out(ev: Evaluation, level: str, about: str, score: Score) -> list[str]:
    named = {p.label for p in score.parts}
    if level == "nss":
        return [f"{r.iku.code} ({r.figure.note})" for r in ev.rows
                if r.objective.code == about and r.iku.code not in named]
    if level == "nkp":
        return [o.objective.code for o in ev.objectives if o.objective.perspective == about
                and o.objective.code not in named]
    return [p.perspective.code for p in ev.perspectives if p.perspective.code not in named]


# -- the organisation -----------------------------------------------------------------------
def render_tree(console: Console, tree: OrgTree) -> None:
    when = tree.when or "latest year with data"
    table = Table(title=f"The organisation under {tree.top} · "
                        f"{'as of ' if tree.as_of else ''}{when}",
                  box=box.SIMPLE_HEAVY, title_justify="left")
    table.add_column("Owner", overflow="fold", ratio=3)
    table.add_column("Period", no_wrap=True)
    table.add_column("NPSS", justify="right", no_wrap=True)
    table.add_column("above/on/below", justify="center", no_wrap=True)
    table.add_column("Weakest IKU", overflow="fold", ratio=3)
    for row in tree.rows:
        name = "  " * row.depth + row.owner.short_name
        ev = row.evaluation
        if ev is None:
            table.add_row(escape(name), "—", "—", "—", Text(row.error, style="red"))
            continue
        prec = ev.manual.scoring.precision
        counts = "/".join(str(n) for _, n in ev.groups)
        weakest = row.weakest
        weak = Text(f"{weakest.iku.code} {weakest.indicator[:60]}: "
                    f"{num(weakest.figure.capaian, prec)} %") if weakest else Text("—")
        if row.error:
            weak.append(f"  ({row.error})", style="red")
        table.add_row(escape(name), ("as of " if ev.as_of else "") + ev.period.label,
                      score_text(ev.npss, prec), counts, weak)
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
    from engine.export_checks import needed_text

    tree = Tree(Text(f"still needed as of {needs.as_of.label}", style="bold"))
    if not needs.rows:
        tree.add(Text("no target period is still to come", style="dim"))
    prec = needs.precision
    for n in needs.rows:
        node = tree.add(Text(f"{n.period.label}: target {target_text(n.target)} "
                             f"{n.iku.unit_of_measure} "
                             f"(revision {n.revision})", style="bold"))
        node.add(Text(n.how, style="dim"))
        known = [p for p in n.parts if p.known]
        if known:
            node.add(Text("in: " + ", ".join(
                f"{p.unit + ' ' if n.owner_level else ''}{_label(p.period)} "
                f"{num(p.value, prec)}" for p in known), style="dim"))
        if n.to_come:
            node.add(Text("to come: " + ", ".join(_label(p) for p in n.to_come), style="dim"))
        for line, a in zip(needed_text(n, prec), n.answers, strict=False):
            detail = ""
            if a.outcome == "needed" and a.short is not None:
                step = Decimal(1).scaleb(-prec)
                before = (a.value - step if n.iku.polarity == "higher_is_better"
                          else a.value + step) if a.value is not None else None
                detail = (f"  (capaian {num(a.capaian, prec)}; {num(before, prec)} gives "
                          f"{num(a.short, prec)})")
            node.add(Text(line) + Text(detail, style="dim"))
        if n.lacking:
            node.add(Text(f"no figure yet this year: {', '.join(n.lacking)}", style="yellow"))
        if n.best is not None:
            node.add(Text(f"best so far: {num(n.best[0], prec)} ({_label(n.best[1])})",
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
