"""Benchmarks, as ratios measured within one run (the machines are shared and noisy).

    python bench/bench.py            # everything
    python bench/bench.py --quick    # fewer repetitions

1. Formula engine: evaluations per second of the shipped manual's formulas through
   engine.formula against (a) bare asteval running the already-parsed node with the same
   inputs, and (b) CPython evaluating the compiled expression (the floor).
2. National scale: 626 agencies x 15 IKUs x 4 units x 7 periods = 262,920 unit
   computations (each IKU's steps and formula) with synthetic inputs; wall time on one
   core and peak memory.
3. `iku evaluate` on the shipped data against the import floor (a Python process that
   imports yaml, jsonschema, asteval and rich and exits).
"""

from __future__ import annotations

import argparse
import ast
import gc
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from asteval import Interpreter  # noqa: E402

from engine.formula import Formula  # noqa: E402
from engine.functions import LIBRARY, Items  # noqa: E402
from engine.model import Iku  # noqa: E402
from engine.periods import Period  # noqa: E402
from engine.project import Project  # noqa: E402


def best_of(fn: Callable[[], None], repeat: int) -> float:
    """Smallest wall time of `repeat` runs: the least disturbed by other load."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def synthetic_inputs(iku: Iku, seed: int) -> dict[str, object]:
    """Plausible inputs for every declared variable of `iku`."""
    values: dict[str, object] = {}
    for i, v in enumerate(iku.variables):
        base = Decimal(80 + (seed * 7 + i * 13) % 20)
        if v.kind == "items":
            values[v.name] = Items(tuple((f"item{j}", base + j) for j in range(15)))
        elif v.kind == "list":
            values[v.name] = tuple(base + j for j in range(15))
        else:
            values[v.name] = base + 1  # never zero: denominators stay valid
    return values


def formulas_with_inputs(ikus: tuple[Iku, ...]) -> list[tuple[Formula, dict[str, object]]]:
    """Every step and formula of the manual with the inputs it sees during evaluation."""
    out = []
    for n, iku in enumerate(ikus):
        env = synthetic_inputs(iku, n)
        for step in iku.steps:
            out.append((step.formula, dict(env)))
            env[step.name] = step.formula.evaluate(env)
        out.append((iku.formula, dict(env)))
    return out


def bench_formulas(ikus: tuple[Iku, ...], rounds: int, repeat: int) -> dict[str, float]:
    cases = formulas_with_inputs(ikus)
    per_round = len(cases)

    def engine() -> None:
        for _ in range(rounds):
            for f, env in cases:
                f.evaluate(env)

    # (a) bare asteval: a plain interpreter with the library and the inputs already in its
    # symbol table, running the same parsed node; no reset, no checks, no cleanup.
    bare = Interpreter(minimal=True, use_numpy=False, config={"ifexp": True})
    prepared = []
    for f, env in cases:
        table = dict(bare.symtable)
        table.update({k: s.func for k, s in LIBRARY.items()})
        table.update({k: _frozen(k, v) for k, v in env.items()})
        prepared.append((f.node, table))

    def asteval_bare() -> None:
        for _ in range(rounds):
            for node, table in prepared:
                bare.symtable = table
                bare.run(node)

    # (b) CPython on the compiled expression: the floor.
    compiled = []
    for f, env in cases:
        tree, constants = _lift_constants(f.node)
        code = compile(ast.Expression(tree), "<formula>", "eval")
        namespace: dict[str, object] = {k: s.func for k, s in LIBRARY.items()}
        namespace.update(constants)
        namespace.update({k: _frozen(k, v) for k, v in env.items()})
        compiled.append((code, namespace))

    def cpython() -> None:
        for _ in range(rounds):
            for code, namespace in compiled:
                eval(code, {"__builtins__": {}}, namespace)

    n = rounds * per_round
    t_engine = best_of(engine, repeat)
    t_bare = best_of(asteval_bare, repeat)
    t_cpython = best_of(cpython, repeat)
    return {
        "formulas": per_round,
        "evaluations": n,
        "engine_per_s": n / t_engine,
        "asteval_per_s": n / t_bare,
        "cpython_per_s": n / t_cpython,
        "engine_vs_asteval": t_engine / t_bare,
        "engine_vs_cpython": t_engine / t_cpython,
    }


def _lift_constants(node: ast.expr) -> tuple[ast.expr, dict[str, object]]:
    """The tree with each Decimal constant replaced by a name (CPython cannot compile a
    Decimal constant), and the names' values."""
    import copy

    constants: dict[str, object] = {}

    class Lift(ast.NodeTransformer):
        def visit_Constant(self, n: ast.Constant) -> ast.AST:
            name = f"_c{len(constants)}"
            constants[name] = n.value
            return ast.copy_location(ast.Name(id=name, ctx=ast.Load()), n)

    tree = ast.fix_missing_locations(Lift().visit(copy.deepcopy(node)))
    return tree, constants


def _frozen(name: str, value: object) -> object:
    from engine.formula import _freeze

    return _freeze(name, value)


def bench_national(ikus: tuple[Iku, ...], agencies: int) -> dict[str, float]:
    """agencies x IKUs x 4 units x 7 periods unit computations, steps and formula each."""
    periods = [Period.of(2023, s) for s in ("TW1", "TW2", "S1", "TW3", "TW4", "S2", "Y")]
    envs = [synthetic_inputs(iku, n) for n, iku in enumerate(ikus)]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    count = 0
    results = []
    for agency in range(agencies):
        for n, iku in enumerate(ikus):
            for unit in range(4):
                for _period in periods:
                    env = dict(envs[n])
                    env[iku.variables[0].name] = _bump(env[iku.variables[0].name], agency + unit)
                    for step in iku.steps:
                        env[step.name] = step.formula.evaluate(env)
                    results.append(iku.formula.evaluate(env))
                    count += 1
    elapsed = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"computations": count, "seconds": elapsed, "per_s": count / elapsed,
            "results": len(results), "rss_before_mib": rss_before, "maxrss_mib": rss_after}


def _bump(value: object, k: int) -> object:
    if isinstance(value, Decimal):
        return value + Decimal(k % 5)
    return value


def bench_cli(repeat: int) -> dict[str, float]:
    """Cold: the schema verdict cache off, every file validated. Warm: the cache filled by
    an earlier run, as on a user's second run (engine.schemacheck). Interleaved, so that
    load on the machine falls on all three alike."""
    floor_cmd = [sys.executable, "-c", "import yaml, jsonschema, asteval, rich"]
    iku_cmd = [sys.executable, "-m", "engine", "evaluate", "--format", "json"]
    with tempfile.TemporaryDirectory() as cache:
        cold_env = {**os.environ, "IKU_NO_CACHE": "1"}
        warm_env = {k: v for k, v in os.environ.items() if k != "IKU_NO_CACHE"}
        warm_env["IKU_CACHE_DIR"] = cache

        def run(cmd: list[str], env: dict[str, str]) -> float:
            start = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=env)
            return time.perf_counter() - start

        run(iku_cmd, warm_env)  # fills the cache
        floor, cold, warm = [], [], []
        for _ in range(repeat):
            floor.append(run(floor_cmd, cold_env))
            cold.append(run(iku_cmd, cold_env))
            warm.append(run(iku_cmd, warm_env))
    return {"floor_s": min(floor), "cold_s": min(cold), "warm_s": min(warm),
            "cold_ratio": min(cold) / min(floor), "warm_ratio": min(warm) / min(floor),
            "floor_median_s": statistics.median(floor),
            "cold_median_s": statistics.median(cold), "warm_median_s": statistics.median(warm)}


def bench_startup(baseline: Path, repeat: int) -> dict[str, float]:
    """`iku evaluate` of this tree against another checkout of iku (`baseline`, each on its
    own shipped data), and both against the import floor; all five commands interleaved,
    cold (every file validated) and warm (schema verdicts cached)."""
    floor_cmd = [sys.executable, "-c", "import yaml, jsonschema, asteval, rich"]
    iku_cmd = [sys.executable, "-m", "engine", "evaluate", "--format", "json"]
    times: dict[str, list[float]] = {k: [] for k in ("floor", "before_cold", "after_cold",
                                                     "before_warm", "after_warm")}
    with tempfile.TemporaryDirectory() as before_cache, \
            tempfile.TemporaryDirectory() as after_cache:
        cold_env = {**os.environ, "IKU_NO_CACHE": "1"}

        def warm(cache: str) -> dict[str, str]:
            env = {k: v for k, v in os.environ.items() if k != "IKU_NO_CACHE"}
            env["IKU_CACHE_DIR"] = cache
            return env

        def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
            start = time.perf_counter()
            subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, env=env)
            return time.perf_counter() - start

        run(iku_cmd, baseline, warm(before_cache))  # fill the caches
        run(iku_cmd, ROOT, warm(after_cache))
        for _ in range(repeat):
            times["floor"].append(run(floor_cmd, ROOT, cold_env))
            times["before_cold"].append(run(iku_cmd, baseline, cold_env))
            times["after_cold"].append(run(iku_cmd, ROOT, cold_env))
            times["before_warm"].append(run(iku_cmd, baseline, warm(before_cache)))
            times["after_warm"].append(run(iku_cmd, ROOT, warm(after_cache)))
    best = {k: min(v) for k, v in times.items()}
    return {**{f"{k}_s": v for k, v in best.items()},
            **{f"{k}_median_s": statistics.median(v) for k, v in times.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--agencies", type=int, default=626)
    parser.add_argument("--startup-against", type=Path, metavar="CHECKOUT",
                        help="only the start-up of `iku evaluate`: this tree against another "
                             "checkout of iku (e.g. `git worktree add /tmp/base main`)")
    args = parser.parse_args()
    repeat = 3 if args.quick else 7
    if args.startup_against is not None:
        r = bench_startup(args.startup_against.resolve(), repeat * 3)
        ms = {k: v * 1000 for k, v in r.items()}
        print(f"`iku evaluate` start-up, best of {repeat * 3} interleaved runs (medians in "
              f"brackets); import floor {ms['floor_s']:.0f} ms [{ms['floor_median_s']:.0f}]")
        for mode in ("cold", "warm"):
            b, a = ms[f"before_{mode}_s"], ms[f"after_{mode}_s"]
            print(f"   {mode}: before {b:.0f} ms = {b / ms['floor_s']:.2f}x "
                  f"[{ms[f'before_{mode}_median_s']:.0f}], after {a:.0f} ms = "
                  f"{a / ms['floor_s']:.2f}x [{ms[f'after_{mode}_median_s']:.0f}]; "
                  f"after / before = {a / b:.3f}")
        return 0
    manuals = Project(ROOT / "tests" / "acceptance" / "manual_iku").manuals("SINKA")
    manual = manuals.in_force(Period.of(2023, "Y"))
    assert manual is not None

    f = bench_formulas(manual.ikus, rounds=200 if args.quick else 1000, repeat=repeat)
    print(f"1. formulas of manual {manual.label}: {f['formulas']} steps and formulas, "
          f"{f['evaluations']:,} evaluations per run, best of {repeat}")
    print(f"   engine  {f['engine_per_s']:>10,.0f} /s")
    print(f"   asteval {f['asteval_per_s']:>10,.0f} /s   engine / bare asteval = "
          f"{f['engine_vs_asteval']:.2f}x (goal <= 1.5x)")
    print(f"   CPython {f['cpython_per_s']:>10,.0f} /s   engine / CPython floor = "
          f"{f['engine_vs_cpython']:.2f}x")
    n = bench_national(manual.ikus, args.agencies)
    print(f"2. national scale: {n['computations']:,} unit computations in {n['seconds']:.2f} s "
          f"({n['per_s']:,.0f} /s, one core; goal <= 10 s); max RSS {n['maxrss_mib']:.0f} MiB "
          f"(before {n['rss_before_mib']:.0f} MiB, all {n['results']:,} results kept)")
    c = bench_cli(repeat)
    ms = {k: v * 1000 for k, v in c.items() if k.endswith("_s")}
    print(f"3. `iku evaluate` on the shipped data against the import floor "
          f"{ms['floor_s']:.0f} ms (best of {repeat}; goal <= 1.5x):")
    print(f"   warm (schema verdicts cached) {ms['warm_s']:.0f} ms = {c['warm_ratio']:.2f}x; "
          f"cold (every file validated) {ms['cold_s']:.0f} ms = {c['cold_ratio']:.2f}x; "
          f"medians {ms['warm_median_s']:.0f} / {ms['cold_median_s']:.0f} / "
          f"{ms['floor_median_s']:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
