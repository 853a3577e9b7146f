"""The benchmark of issue 13: what users run, as ratios measured within one run.

    python bench/bench.py                  # everything (`make bench`), about ten minutes
    python bench/bench.py --quick          # a smoke test: fewer rounds, no 626 (two minutes)
    python bench/bench.py --only commands  # one section: commands, scale or plain (repeatable)
    python bench/bench.py --keep bench/.orgs   # keep the generated organisations there

The machine is shared and noisy, so every comparison is an interleaved pair: the two runs
being compared follow each other (A B, then B A, ...), each pair gives a ratio, and the
figure is the median of those ratios with their spread (min-max). Never best-of against
best-of.

a. commands: every command of `iku --help` that runs on the shipped data (`manual_iku/`,
   `datasets/`, cwd the repository) against its own import floor: a `python -c` importing
   exactly the third-party modules that command imports on its warm path (found by running
   it once warm). Warm: `IKU_CACHE_DIR` a folder filled by one earlier run of the command;
   cold: `IKU_NO_CACHE=1`. `new-revision` and `import` are left out: they write into the
   data.
b. scale: the real path in one fresh process per run (bench/job.py: Project,
   organisation_tree as `iku evaluate --tree` runs it, each owner checked and then scored,
   render_tree) on organisations made by bench/orggen.py: 1, 10, 100 and 626 agencies of one
   year, and 100 agencies of 1, 5 and 10 years (checking every year, evaluating the latest),
   with one worker process and with two (the same bytes). Wall time, the phases, peak
   memory, and the growth exponent (the slope of log time against log size). Cold and warm
   as above, and two more: first (an empty cache, filled by the run) and edited (the warm
   cache, one agency's data file replaced just before the run).
c. plain: the engine's runs at 626 agencies each paired with bench/plain.py, the script a
   user could write instead, on the same files; each agency's NPSS must agree.

Goals are issue 13's. The exit status is 0 whether goals are met or not (this is a
measurement), 1 when outputs disagree (plain against the engine, one job against two, an
unexpected exit status or a traceback).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
sys.path.insert(0, str(BENCH))

import orggen  # noqa: E402

FIRST_YEAR = orggen.FIRST_YEAR
CACHE_FOLDER = "parsed-v1"  # engine.parsecache.FOLDER; the bench imports no engine
FINDINGS = {0, 1}  # the epilog of `iku --help`: 1 is findings for validate, check, diff, reconcile


class BenchError(Exception):
    """An output that is wrong, not slow: the bench stops or ends with status 1."""


# -- running and measuring -----------------------------------------------------------------
@dataclass
class Run:
    wall: float  # seconds, from outside the process
    code: int  # exit status
    peak_mib: float  # the process's peak resident memory (wait4's ru_maxrss)
    stderr: str  # all of it (a traceback is looked for anywhere in it)


def run(cmd: Sequence[str], env: dict[str, str], cwd: Path, out: Path) -> Run:
    """One process, standard output to `out`; its wall time and its own peak memory."""
    with open(out, "wb") as so, tempfile.TemporaryFile() as se:
        start = time.perf_counter()
        p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=so, stderr=se)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - start
        p.returncode = os.waitstatus_to_exitcode(status)  # waited for: Popen must not wait
        se.seek(0)
        err = se.read().decode("utf-8", "replace")
    return Run(wall, p.returncode, usage.ru_maxrss / 1024, err)


def base_env() -> dict[str, str]:
    """The environment without what would change a command's output or cache."""
    # PYTHONDONTWRITEBYTECODE (set on some machines, this one among them) would make every
    # run compile the engine's sources while the floor's packages have their bytecode from
    # pip: main() compiles the engine once, as a user's first run would.
    return {k: v for k, v in os.environ.items()
            if not k.startswith("IKU_") and k not in ("COLUMNS", "LINES", "NO_COLOR",
                                                      "PYTHONDONTWRITEBYTECODE")}


def cache_env(cache: Path | None) -> dict[str, str]:
    """Warm: the parse cache in `cache`; cold (None): no cache at all."""
    return {**base_env(), **({"IKU_CACHE_DIR": str(cache)} if cache else {"IKU_NO_CACHE": "1"})}


def median_spread(values: Sequence[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


class Timed(Protocol):
    @property
    def wall(self) -> float: ...


T = TypeVar("T", bound=Timed)


def step(into: list[T], make: Callable[[], T]) -> Callable[[], float]:
    """One side of a pair: `make` runs, its result is kept in `into`, its wall time counts."""
    def go() -> float:
        into.append(make())
        return into[-1].wall
    return go


def paired(a: Callable[[], float], b: Callable[[], float], first_a: bool) -> float:
    """b / a of two runs made back to back, in the order given."""
    if first_a:
        ta = a()
        return b() / ta
    tb = b()
    return tb / a()


# -- goals and tables ------------------------------------------------------------------------
@dataclass(frozen=True)
class Goal:
    op: str  # "<" or "<="
    limit: float
    unit: str  # "x", " MiB", ""

    def met(self, value: float) -> bool:
        return value < self.limit if self.op == "<" else value <= self.limit

    def __str__(self) -> str:
        return f"{'<' if self.op == '<' else '≤'} {self.limit:g}{self.unit}"


@dataclass
class Row:
    figure: str
    measured: str
    spread: str = ""
    goal: Goal | None = None
    value: float | None = None  # what the goal is checked against
    check: bool | None = None  # an agreement: True ok, False wrong

    @property
    def verdict(self) -> str:
        if self.check is not None:
            return "ok" if self.check else "WRONG"
        if self.goal is None or self.value is None:
            return ""
        return "met" if self.goal.met(self.value) else "MISSED"


@dataclass
class Report:
    sections: list[tuple[str, list[Row], list[str]]] = field(default_factory=list)

    def section(self, title: str, rows: list[Row], notes: Sequence[str] = ()) -> None:
        self.sections.append((title, rows, list(notes)))
        print_table(title, rows, notes)

    @property
    def rows(self) -> list[Row]:
        return [r for _, rows, _ in self.sections for r in rows]


def print_table(title: str, rows: list[Row], notes: Sequence[str]) -> None:
    head = ("figure", "measured (median)", "spread", "goal", "")
    cells = [head] + [(r.figure, r.measured, r.spread, str(r.goal or ""), r.verdict)
                      for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    print(f"\n{title}")
    for i, c in enumerate(cells):
        print("  " + "  ".join(x.ljust(w) for x, w in zip(c, widths, strict=True)).rstrip())
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))
    for n in notes:
        print(f"  {n}")
    sys.stdout.flush()


def ratio_row(figure: str, ratios: list[float], a: list[float], b: list[float],
              goal: Goal | None, names: tuple[str, str]) -> Row:
    """A row of paired ratios b / a, with both sides' medians for scale."""
    med, lo, hi = median_spread(ratios)
    return Row(figure, f"{med:.2f}x ({names[1]} {statistics.median(b) * 1000:.0f} ms / "
                       f"{names[0]} {statistics.median(a) * 1000:.0f} ms)"
               if max(b) < 10 else f"{med:.2f}x ({names[1]} {statistics.median(b):.1f} s / "
                                   f"{names[0]} {statistics.median(a):.1f} s)",
               f"{lo:.2f}–{hi:.2f} (n={len(ratios)})", goal, med)


# -- a. commands against their import floor ------------------------------------------------
@dataclass(frozen=True)
class Command:
    name: str  # as shown
    argv: tuple[str, ...]  # after `iku`; {tmp} is the bench's temporary folder
    codes: frozenset[int]  # exit statuses that are not trouble on the shipped data
    warm_goal: Goal | None
    cold_goal: Goal | None = None


WARM_DEFAULT = Goal("<=", 1.5, "x")
COMMANDS = (
    Command("validate", ("validate",), frozenset(FINDINGS), WARM_DEFAULT),
    Command("show", ("show",), frozenset({0}), WARM_DEFAULT),
    Command("evaluate", ("evaluate",), frozenset({0}), Goal("<=", 1.3, "x"),
            Goal("<=", 1.8, "x")),
    Command("evaluate --format json", ("evaluate", "--format", "json"), frozenset({0}),
            WARM_DEFAULT),
    Command("evaluate --tree", ("evaluate", "--tree"), frozenset({0}), WARM_DEFAULT),
    Command("explain IKU.1", ("explain", "IKU.1"), frozenset({0}), WARM_DEFAULT),
    Command("diff 2023-r1 2023-r2", ("diff", "2023-r1", "2023-r2"), frozenset(FINDINGS),
            WARM_DEFAULT),
    Command("reconcile", ("reconcile",), frozenset(FINDINGS), WARM_DEFAULT),
    Command("check", ("check",), frozenset(FINDINGS), WARM_DEFAULT),
    Command("needed --as-of 2023-TW3", ("needed", "--as-of", "2023-TW3"), frozenset({0}),
            WARM_DEFAULT),
    Command("template --period 2024-TW1", ("template", "--period", "2024-TW1", "--output",
                                           "{tmp}/form.xlsx"), frozenset({0}), WARM_DEFAULT),
    Command("report (HTML)", ("report", "--output", "{tmp}/lkj.html"), frozenset({0}),
            WARM_DEFAULT),
    Command("report --format markdown", ("report", "--format", "markdown", "--output",
                                         "{tmp}/lkj.md"), frozenset({0}), WARM_DEFAULT),
)

# Run in a fresh interpreter: the command, then the names of the third-party modules it
# imported (those from site-packages that a bare interpreter does not already hold).
_MODULES = """
import sys
before = set(sys.modules)
import json, sysconfig
out, args = sys.argv[1], json.loads(sys.argv[2])
sys.argv = ["iku", *args]
from engine.__main__ import run
code = run()
site = (sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"])
names = [n for n, m in list(sys.modules.items()) if n not in before
         and (getattr(m, "__file__", None) or "").startswith(site)]
with open(out, "w") as fh:
    json.dump(names, fh)
sys.exit(code)
"""


def iku() -> list[str]:
    """The installed script, as users run it; `python -m engine` without one."""
    script = Path(PYTHON).parent / "iku"
    return [str(script)] if script.exists() else [PYTHON, "-m", "engine"]


def checked(r: Run, what: str, codes: frozenset[int]) -> Run:
    if r.code not in codes or "Traceback" in r.stderr or "internal error" in r.stderr:
        raise BenchError(f"{what}: exit status {r.code} (expected {sorted(codes)})\n"
                         f"{r.stderr[-1500:]}")
    return r


def run_checked(cmd: Sequence[str], env: dict[str, str], out: Path, what: str,
                codes: frozenset[int]) -> Run:
    """A process in the repository, which must end with one of `codes` and no traceback."""
    return checked(run(cmd, env, ROOT, out), what, codes)


def floor_of(c: Command, argv: list[str], env: dict[str, str], tmp: Path) -> list[str]:
    """The command's import floor: its warm path's third-party modules, in import order."""
    names = tmp / "modules.json"
    checked(run([PYTHON, "-c", _MODULES, str(names), json.dumps(argv)], env, ROOT,
                tmp / "out"), f"iku {c.name} (finding its imports)", c.codes)
    modules: list[str] = json.loads(names.read_text())
    return modules


def bench_commands(pairs: int, tmp: Path) -> tuple[list[Row], list[str]]:
    notes = []
    plans: list[tuple[Command, list[str], Path, list[str]]] = []
    for c in COMMANDS:
        argv = [a.replace("{tmp}", str(tmp)) for a in c.argv]
        cache = tmp / "cache" / c.name.split()[0] / str(len(plans))
        checked(run([*iku(), *argv], cache_env(cache), ROOT, tmp / "out"), f"iku {c.name}",
                c.codes)  # fills the cache, if the command writes it
        written = (cache / CACHE_FOLDER).exists()
        modules = floor_of(c, argv, cache_env(cache), tmp)
        # import_module: some names are no identifiers (rich's `unicode17-0-0` tables)
        floor = [PYTHON, "-c", f"import importlib\nfor m in {modules!r}:\n"
                               "    importlib.import_module(m)"]
        checked(run(floor, base_env(), ROOT, tmp / "out"), f"the floor of {c.name}",
                frozenset({0}))
        tops = sorted({m.split(".")[0] for m in modules})
        notes.append(f"floor of {c.name}: {', '.join(tops) or 'nothing'} "
                     f"({len(modules)} modules)"
                     + ("" if written else "; its run never wrote the parse cache, so warm "
                                           "is cold"))
        plans.append((c, argv, cache, floor))
    times: dict[tuple[str, str], tuple[list[float], list[Run], list[Run]]] = {}
    for i in range(pairs):  # round by round through the commands, so that a burst of load
        for j, (c, argv, cache, floor) in enumerate(plans):  # spreads over all of them
            for mode in (("warm", "cold") if (i + j) % 2 else ("cold", "warm")):
                env = cache_env(cache if mode == "warm" else None)
                ratios, floors, cmds = times.setdefault((c.name, mode), ([], [], []))
                ratios.append(paired(
                    step(floors, partial(run_checked, floor, env, tmp / "out", "floor",
                                         frozenset({0}))),
                    step(cmds, partial(run_checked, [*iku(), *argv], env, tmp / "out",
                                       f"iku {c.name}", c.codes)),
                    (i + j + (mode == "warm")) % 2 == 0))
    rows = []
    for c, *_ in plans:
        for mode, goal in (("warm", c.warm_goal), ("cold", c.cold_goal)):
            ratios, floors, cmds = times[(c.name, mode)]
            rows.append(ratio_row(f"iku {c.name}, {mode}", ratios, [r.wall for r in floors],
                                  [r.wall for r in cmds], goal, ("floor", "iku")))
    return rows, notes


# -- b and c. the real path at scale, and the plain script ----------------------------------
@dataclass(frozen=True)
class Size:
    agencies: int
    years: int

    def __str__(self) -> str:
        return f"{self.agencies} agenc{'y' if self.agencies == 1 else 'ies'} x " \
               f"{self.years} year{'s' if self.years > 1 else ''}"

    @property
    def year(self) -> int:
        """The year evaluated: the latest (every year is validated)."""
        return FIRST_YEAR + self.years - 1


def org_key() -> str:
    """What a generated organisation depends on: the generator and the fixture."""
    h = hashlib.sha256()
    for f in [BENCH / "orggen.py", *sorted((BENCH / "fixture").rglob("*"))]:
        if f.is_file():
            h.update(str(f.relative_to(BENCH)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:12]


def organisation(size: Size, store: Path) -> Path:
    """The generated organisation of `size` in `store`, made when it is not there yet."""
    folder = store / f"{size.agencies}x{size.years}-{org_key()}"
    if not folder.is_dir():
        start = time.perf_counter()
        partial = folder.with_name(folder.name + ".partial")  # never reuse a half-made one
        orggen.generate(partial, size.agencies, size.years)
        partial.rename(folder)
        print(f"  generated {size} in {time.perf_counter() - start:.1f} s", flush=True)
    return folder


@dataclass
class JobRun:
    run: Run
    result: dict[str, Any]  # bench/job.py's report

    @property
    def wall(self) -> float:
        return self.run.wall


@dataclass
class PlainRun:
    run: Run
    npss: dict[str, str | None]  # by owner

    @property
    def wall(self) -> float:
        return self.run.wall


@dataclass
class Measured:
    engine: dict[tuple[str, int], list[JobRun]] = field(default_factory=dict)  # (mode, jobs)
    plain: dict[tuple[str, int], list[PlainRun]] = field(default_factory=dict)  # paired with those
    ratios: dict[tuple[str, int], list[float]] = field(default_factory=dict)  # engine / plain
    wrong: list[str] = field(default_factory=list)  # NPSS the engine and plain disagree on

    def outputs(self) -> set[str]:
        """The rendered trees' hashes: one, whatever the run, mode or job count."""
        return {j.result["rendered_sha256"] for js in self.engine.values() for j in js}

    def jobs_ratios(self, mode: str, jobs: int) -> list[float]:
        """`jobs` jobs against one, the two runs of each round (back to back but for the
        plain run paired with the first)."""
        return [b.run.wall / a.run.wall for a, b in zip(self.engine[(mode, 1)],
                                                         self.engine[(mode, jobs)],
                                                         strict=True)]


def jobs_label(jobs: int, configs: Sequence[int]) -> str:
    return "" if len(configs) == 1 else f", {jobs} job{'s' if jobs > 1 else ''}"


def engine_job(org: Path, size: Size, jobs: int, cache: Path | None, tmp: Path) -> JobRun:
    out = tmp / "job.json"
    out.unlink(missing_ok=True)
    r = run([PYTHON, str(BENCH / "job.py"), "manual_iku", "datasets", str(size.year),
             str(jobs), str(out)], cache_env(cache), org, tmp / "out")
    checked(r, f"the engine's job on {size}, {jobs} job(s)", frozenset({0}))
    result: dict[str, Any] = json.loads(out.read_text())
    if result["errors"]:
        raise BenchError(f"the engine finds {result['errors']} error(s) in the generated "
                         f"{size}: the workload is broken")
    return JobRun(r, result)


def plain_job(org: Path, size: Size, tmp: Path) -> PlainRun:
    out = tmp / "plain.json"
    r = checked(run([PYTHON, str(BENCH / "plain.py"), "manual_iku", "datasets",
                     str(size.year), "--json", str(out)], base_env(), org, tmp / "out"),
                f"bench/plain.py on {size}", frozenset({0}))
    return PlainRun(r, json.loads(out.read_text()))


# cold: no cache; first: an empty cache, which the run fills (a bureau's first run); warm: the
# cache of an earlier run, nothing changed since; edited: that cache, one agency's data file
# replaced just before the run (by a copy of itself, so that the figures stay and can be
# compared): what a rerun after an edit costs.
MODES = ("cold", "first", "warm", "edited")


def edit_one(org: Path, size: Size, n: int) -> None:
    """Agency `n`'s (cycling) first data file of the year evaluated replaced by a new file
    with the same text, as an editor saves it: the row cache's fingerprint of that agency
    changes, its figures do not."""
    owners = sorted(p for p in (org / "datasets").iterdir() if p.is_dir())
    folder = owners[n % len(owners)] / str(size.year)
    first = sorted(folder.glob("*.yaml"))[0]
    copy = first.with_name(".bench-edit")
    shutil.copyfile(first, copy)
    os.replace(copy, first)


def measure_size(size: Size, org: Path, rounds: int, configs: Sequence[int], tmp: Path
                 ) -> Measured:
    """`rounds` rounds of cold, warm and edited runs of each job count, each paired with a
    run of the plain script; the orders alternate from round to round."""
    cache = tmp / "cache" / f"{size.agencies}x{size.years}"
    empty = tmp / "cache" / "first"
    shutil.rmtree(cache, ignore_errors=True)
    engine_job(org, size, configs[0], cache, tmp)  # fills the caches: warm from here
    m = Measured()
    edits = itertools.count(7)
    for i in range(rounds):
        for mode in (MODES if i % 2 == 0 else tuple(reversed(MODES))):
            for jobs in (configs if i % 2 == 0 else list(reversed(configs))):
                key = (mode, jobs)
                engines, plains = m.engine.setdefault(key, []), m.plain.setdefault(key, [])
                if mode == "edited":
                    edit_one(org, size, next(edits))
                if mode == "first":
                    shutil.rmtree(empty, ignore_errors=True)
                m.ratios.setdefault(key, []).append(1 / paired(
                    step(engines, partial(engine_job, org, size, jobs, {
                        "cold": None, "first": empty}.get(mode, cache), tmp)),
                    step(plains, partial(plain_job, org, size, tmp)), i % 2 == 1))
                m.wrong += agree(size, key, engines[-1].result["npss"], plains[-1].npss)
    return m


def agree(size: Size, key: tuple[str, int], engine: dict[str, str | None],
          plain: dict[str, str | None]) -> list[str]:
    """Every agency's NPSS the same from the engine and the plain script, and there."""
    wrong = sorted(k for k in engine.keys() | plain.keys()
                   if engine.get(k) is None or engine.get(k) != plain.get(k))
    if wrong or len(engine) != size.agencies:
        shown = ", ".join(f"{k}: engine {engine.get(k)}, plain {plain.get(k)}"
                          for k in wrong[:5])
        return [f"{size} {key[0]} jobs={key[1]}: {len(wrong)} agencies' NPSS differ or are "
                f"missing ({len(engine)} evaluated of {size.agencies}): {shown}"]
    return []


def size_rows(size: Size, m: Measured) -> list[Row]:
    rows = []
    for (mode, jobs), runs in m.engine.items():
        walls = [j.run.wall for j in runs]
        med, lo, hi = median_spread(walls)
        phases = {k: statistics.median(j.result["phases"][k] for j in runs)
                  for k in runs[0].result["phases"]}
        peak = max(j.result["peak_mib"] for j in runs)
        label = f"{size}, {mode}" + jobs_label(jobs, sorted({j for _, j in m.engine}))
        rows.append(Row(label, f"{med:.2f} s, {peak:.0f} MiB ("
                               + ", ".join(f"{k} {v:.2f}" for k, v in phases.items()) + ")",
                        f"{lo:.2f}–{hi:.2f} s (n={len(walls)})"))
    return rows


def work(m: Measured, mode: str, jobs: int) -> float:
    """The median in-process time of the work (no interpreter start, no imports)."""
    return statistics.median(j.result["work"] for j in m.engine[(mode, jobs)])


def growth_rows(what: str, series: list[tuple[int, Measured]], configs: Sequence[int]
                ) -> list[Row]:
    """The slope of log time against log size, fitted over the series, with each step's."""
    rows = []
    goal = Goal("<=", 1.05, "")
    for mode in ("cold", "warm"):
        for jobs in configs:
            pts = [(math.log(n), math.log(work(m, mode, jobs))) for n, m in series]
            mx = statistics.mean(x for x, _ in pts)
            my = statistics.mean(y for _, y in pts)
            slope = sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)
            steps = [(y2 - y1) / (x2 - x1) for (x1, y1), (x2, y2) in itertools.pairwise(pts)]
            sizes = "→".join(str(n) for n, _ in series)
            label = f"growth in {what} {sizes}, {mode}" + jobs_label(jobs, configs)
            rows.append(Row(label, f"{slope:.2f}", "steps " + ", ".join(f"{s:.2f}"
                                                                       for s in steps),
                            goal, slope))
    return rows


def plain_rows(size: Size, m: Measured, configs: Sequence[int]) -> list[Row]:
    rows = []
    for mode, goal in (("cold", Goal("<", 1.0, "x")), ("first", None),
                       ("warm", Goal("<=", 0.33, "x")), ("edited", None)):
        for jobs in configs:
            key = (mode, jobs)
            rows.append(ratio_row(f"engine / plain at {size.agencies}, {mode}"
                                  + jobs_label(jobs, configs), m.ratios[key],
                                  [r.wall for r in m.plain[key]],
                                  [j.run.wall for j in m.engine[key]], goal,
                                  ("plain", "engine")))
    for mode in ("cold", "warm"):  # the parallel path must pay where the work is largest
        for jobs in configs[1:]:
            rows.append(ratio_row(f"{jobs} jobs / 1 job at {size.agencies}, {mode}",
                                  m.jobs_ratios(mode, jobs),
                                  [j.run.wall for j in m.engine[(mode, 1)]],
                                  [j.run.wall for j in m.engine[(mode, jobs)]],
                                  Goal("<", 1.0, "x"), ("1 job", f"{jobs} jobs")))
    for jobs in configs:
        peak = max(j.result["peak_mib"] for mode in MODES for j in m.engine[(mode, jobs)])
        rows.append(Row(f"engine's peak memory at {size.agencies}" + jobs_label(jobs, configs),
                        f"{peak:.0f} MiB", "worst of its runs", Goal("<", 200, " MiB"), peak))
    plain_peak = max(r.run.peak_mib for rs in m.plain.values() for r in rs)
    rows.append(Row(f"plain script's peak memory at {size.agencies}", f"{plain_peak:.0f} MiB"))
    rows.append(Row(f"NPSS of every agency, engine = plain ({size.agencies} agencies)",
                    "all equal" if not m.wrong else "DIFFERENT (below)", check=not m.wrong))
    rows.append(same_bytes_row([size], {size: m}, configs))
    return rows


def same_bytes_row(sizes: Sequence[Size], measured: dict[Size, Measured],
                   configs: Sequence[int]) -> Row:
    differ = [s for s in sizes if len(measured[s].outputs()) != 1]
    what = "every run" + (", 1 job and " + ", ".join(map(str, configs[1:])) + " jobs"
                          if len(configs) > 1 else "")
    return Row(f"the rendered tree: the same bytes in {what}",
               "same" if not differ else "DIFFERENT: " + "; ".join(map(str, differ)),
               check=not differ)


@dataclass(frozen=True)
class Plan:
    pairs: int  # interleaved pairs per command and mode (a)
    agencies: tuple[int, ...]  # of one year (b); the last is the reference for c
    years: tuple[int, ...]  # of `year_agencies` agencies (b)
    year_agencies: int
    rounds: Callable[[Size], int]  # rounds per size (b, c)


# Rounds by cost: a run of 626 agencies takes 30-40 s, of 100 agencies x 10 years 45-60 s.
FULL = Plan(7, (1, 10, 100, 626), (1, 5, 10), 100,
            lambda s: 3 if s.agencies * s.years <= 10 else 2 if s.years == 1 else 1)
QUICK = Plan(3, (1, 10, 30, 100), (1, 3, 5), 10, lambda s: 1)


def bench_scale(plan: Plan, sections: set[str], store: Path, tmp: Path, report: Report,
                failures: list[str]) -> None:
    """Sections b and c: the sizes b needs (only c's reference size for c alone), measured
    once; a disagreement goes to `failures` as well as into the tables."""
    configs = [1, 2]
    reference = Size(plan.agencies[-1], 1)
    if "scale" in sections:
        sizes = [*(Size(n, 1) for n in plan.agencies),
                 *(Size(plan.year_agencies, y) for y in plan.years if y > 1)]
    else:
        sizes = [reference]
    measured: dict[Size, Measured] = {}
    for size in sizes:
        org = organisation(size, store)
        m = measured[size] = measure_size(size, org, plan.rounds(size), configs, tmp)
        failures += m.wrong
        if len(m.outputs()) != 1:
            failures.append(f"{size}: the rendered tree differs between runs or job counts")
        print(f"  measured {size}", flush=True)
    if "scale" in sections:
        rows = [r for s in sizes for r in size_rows(s, measured[s])]
        agencies = [(n, measured[Size(n, 1)]) for n in plan.agencies if n >= 10]
        years = [(y, measured[Size(plan.year_agencies, y)]) for y in plan.years]
        rows += growth_rows("agencies", agencies, configs)
        rows += growth_rows(f"years ({plan.year_agencies} agencies)", years, configs)
        rows.append(same_bytes_row(sizes, measured, configs))
        report.section("b. The real path in one process (bench/job.py: each owner checked and "
                       "evaluated as `iku evaluate --tree` does, then rendered), median wall "
                       "time and the worst peak memory",
                       rows, ["growth: the slope of log(in-process time) against log(size), "
                              "fitted; spread: each step's slope",
                              f"path: {measured[sizes[0]].engine[('cold', 1)][0].result['path']}"])
    if "plain" in sections:
        report.section(f"c. The engine against bench/plain.py at {reference.agencies} "
                       "agencies, paired runs (engine then plain, plain then engine)",
                       plain_rows(reference, measured[reference], configs))


# -- main -------------------------------------------------------------------------------------
SECTIONS = {"a": "commands", "commands": "commands", "b": "scale", "scale": "scale",
            "c": "plain", "plain": "plain"}


def header() -> None:
    rev = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                         capture_output=True, text=True, check=False).stdout.strip()
    print(f"iku bench: {time.strftime('%Y-%m-%d %H:%M')}, commit {rev or '?'}, "
          f"Python {platform.python_version()}, {os.cpu_count()} cores, load "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test: fewer rounds, 100 agencies at most")
    parser.add_argument("--only", action="append", choices=sorted(SECTIONS),
                        help="run one section (repeatable): commands, scale or plain")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the generated organisations in DIR and reuse them "
                             "(e.g. bench/.orgs, which git ignores)")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    sections = {SECTIONS[s] for s in args.only} if args.only else set(SECTIONS.values())
    # The engine's bytecode, as a user's first run leaves it (pip compiled the floor's).
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "engine")], check=True,
                   env=base_env(), stdout=subprocess.DEVNULL)
    header()
    start = time.perf_counter()
    report = Report()
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="iku-bench-") as t:
        tmp = Path(t)
        store = args.keep.resolve() if args.keep else tmp / "orgs"
        store.mkdir(parents=True, exist_ok=True)
        try:
            if "commands" in sections:
                rows, notes = bench_commands(plan.pairs, tmp)
                report.section(f"a. Every command against its import floor, on the shipped "
                               f"data ({plan.pairs} interleaved pairs each)", rows, notes)
            if sections & {"scale", "plain"}:
                bench_scale(plan, sections, store, tmp, report, failures)
        except BenchError as exc:
            failures.append(str(exc))
    goals = [r for r in report.rows if r.goal is not None and r.value is not None]
    met = sum(1 for r in goals if r.verdict == "met")
    print(f"\ngoals: {met} met, {len(goals) - met} missed"
          + (f"; missed: {'; '.join(r.figure for r in goals if r.verdict != 'met')}"
             if met < len(goals) else "")
          + f". {time.perf_counter() - start:.0f} s, load "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for f in failures:
        print(f"WRONG: {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
