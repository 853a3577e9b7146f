"""The plain reference script: what a competent user would write instead of iku to get every
agency's NPSS for a year from the same YAML, with no checks beyond what the arithmetic needs.

It is the peer `bench/bench.py` compares the engine with (issue 13): the C YAML loader,
Python's `eval` on the formulas over Decimal values, the revision in force per period, the
period aggregates and the cascade roll-up on values rounded half up to the manual's
precision, capaian by polarity, NSS, NKP and NPSS. It covers what the benchmark fixture
(`bench/fixture/`) uses and stops loudly at anything else. No engine imports.

    python bench/plain.py MANUALS DATA [YEAR] [--json FILE]

prints one line per agency (`A0000 99.37`); `--json` writes {owner: "99.37" or null} too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml


class Loader(yaml.CSafeLoader):
    """The C loader, with floats read as Decimal from their own digits (99.89 stays 99.89)."""


def _decimal(loader: yaml.CSafeLoader, node: yaml.ScalarNode) -> Decimal:
    return Decimal(loader.construct_scalar(node))


Loader.add_constructor("tag:yaml.org,2002:float", _decimal)

# Period suffixes in order of their end dates, the shorter first on a tie; (start, end) month.
SUFFIXES = ("M01", "M02", "M03", "TW1", "M04", "M05", "M06", "TW2", "S1", "M07", "M08", "M09",
            "TW3", "M10", "M11", "M12", "TW4", "S2", "Y")
MONTHS = {"TW1": (1, 3), "TW2": (4, 6), "TW3": (7, 9), "TW4": (10, 12), "S1": (1, 6),
          "S2": (7, 12), "Y": (1, 12), **{f"M{m:02d}": (m, m) for m in range(1, 13)}}
Period = tuple[int, str]  # (year, suffix)
Value = Decimal | None  # None: no figure (no data, not measured, not in the manual)


def load(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=Loader)


def end(p: Period) -> dt.date:
    month = MONTHS[p[1]][1]
    return dt.date(p[0] + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)


def inside(p: Period) -> list[Period]:
    """The shorter periods of the year within `p`, in SUFFIXES order."""
    lo, hi = MONTHS[p[1]]
    return [(p[0], s) for s in SUFFIXES if s != p[1] and lo <= MONTHS[s][0]
            and MONTHS[s][1] <= hi]


def half_up(x: Decimal, places: int) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def numbers(args: tuple[Any, ...]) -> list[Decimal]:
    out: list[Decimal] = []
    for a in args:
        out.extend(a if isinstance(a, list) else [a])
    return out


def f_mean(*args: Any) -> Decimal:
    xs = numbers(args)
    return sum(xs, Decimal(0)) / len(xs)


def f_percent(part: Decimal, whole: Decimal, when_zero: Any = None) -> Decimal:
    if whole == 0:
        if when_zero is None:
            raise ZeroDivisionError("percent() of a zero whole")
        return Decimal(when_zero)
    return part / whole * 100


FUNCTIONS: dict[str, Callable[..., Decimal]] = {
    "mean": f_mean, "sum": lambda *a: sum(numbers(a), Decimal(0)), "percent": f_percent,
    "min": lambda *a: min(numbers(a)), "max": lambda *a: max(numbers(a))}
COMBINE: dict[str, Callable[[list[Decimal]], Decimal]] = {
    "mean": lambda xs: sum(xs, Decimal(0)) / len(xs), "sum": lambda xs: sum(xs, Decimal(0)),
    "last": lambda xs: xs[-1], "min": min, "max": max}
_LITERAL = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.])")


def compile_formula(text: str) -> Any:
    """Number literals as Decimal (`0.5` must not become a float), then Python's compile."""
    return compile(_LITERAL.sub(r'D("\1")', text), text, "eval")


def run(code: Any, names: dict[str, Any]) -> Decimal:
    return eval(code, {"__builtins__": {}, "D": Decimal, **FUNCTIONS}, names)


def suffix(s: str) -> str:
    return "Y" if s == "year" else s


def read_revision(folder: Path) -> dict[str, Any]:
    manual = load(folder / "manual.yaml")
    manual["ikus"] = {}
    for f in sorted((folder / "iku").glob("*.yaml")):
        iku = load(f)
        iku["steps_code"] = [(s["name"], compile_formula(s["formula"]))
                             for s in iku.get("steps") or []]
        iku["code_formula"] = compile_formula(iku["formula"])
        iku["measured"] = {suffix(s) for s in iku["schedule"]["measured"]}
        manual["ikus"][iku["code"]] = iku
    manual["capaian_code"] = {k: compile_formula(v)
                              for k, v in manual["scoring"]["capaian"].items()}
    return manual


def read_data(folder: Path) -> dict[tuple[str, str, Period], dict[str, Any]]:
    """(IKU, unit, period) -> inputs by name, each a Decimal or a list of them."""
    data = {}
    for f in sorted(folder.glob("*.yaml")):
        if f.name == "reported.yaml":
            continue
        doc = load(f)
        for entry in doc.get("values") or []:
            text = str(entry["period"])
            year, _, suf = text.partition("-")
            inputs = {}
            for name, raw in entry["inputs"].items():
                if isinstance(raw, dict):
                    raw = list(raw["items"].values()) if "items" in raw else raw["value"]
                inputs[name] = [Decimal(x) for x in raw] if isinstance(raw, list) \
                    else Decimal(raw)
            data[(doc["iku"], entry["unit"], (int(year), suf or "Y"))] = inputs
    return data


class Agency:
    """One owner's revisions of the year and its data."""

    def __init__(self, revisions: list[dict[str, Any]], data: dict[Any, dict[str, Any]]) -> None:
        self.revisions = sorted(revisions, key=lambda m: m["revision"]["effective_from"])
        self.data = data
        self.owner = self.revisions[0]["owner"]
        self.memo: dict[tuple[str, str, Period], Value] = {}

    def in_force(self, p: Period) -> dict[str, Any] | None:
        """The revision with the latest effective date on or before the period's end."""
        found = None
        for m in self.revisions:
            if m["revision"]["effective_from"] <= end(p):
                found = m
        return found

    def value(self, code: str, unit: str, p: Period) -> Value:
        key = (code, unit, p)
        if key not in self.memo:
            self.memo[key] = self.compute(code, unit, p)
        return self.memo[key]

    def compute(self, code: str, unit: str, p: Period) -> Value:
        manual = self.in_force(p)
        iku = manual["ikus"].get(code) if manual else None
        if manual is None or iku is None:
            return None
        prec = manual["scoring"]["precision"]
        cascade = iku["cascade"]
        if unit == self.owner and cascade["rollup"] != "owner_only":
            return self.combine(cascade["rollup"], [self.value(code, u["unit"], p)
                                                    for u in cascade["units"]], prec)
        inputs = self.data.get((code, unit, p))
        if inputs is not None:
            names = dict(inputs)
            for name, step in iku["steps_code"]:
                names[name] = run(step, names)
            own: dict[str, Any] = next((u for u in cascade["units"] if u["unit"] == unit), {})
            final = compile_formula(own["formula"]) if own.get("formula") else \
                iku["code_formula"]
            return run(final, names)
        if p[1] in iku["measured"]:
            return None  # no data
        parts = [q for q in inside(p) if q[1] in iku["measured"]]
        rule = iku["schedule"]["aggregate"]
        if rule == "last":
            parts = parts[-1:]
        return self.combine(rule, [self.value(code, unit, q) for q in parts], prec)

    @staticmethod
    def combine(rule: str, values: list[Value], prec: int) -> Value:
        """A rule over the parts' published (rounded) values; none when a part has none."""
        if not values or any(v is None for v in values):
            return None
        return COMBINE[rule]([half_up(v, prec) for v in values if v is not None])

    def npss(self, year: int) -> Decimal | None:
        """The year's NPSS: capaian per IKU, NSS per objective, NKP per perspective."""
        p = (year, "Y")
        manual = self.in_force(p)
        assert manual is not None
        scoring = manual["scoring"]
        prec = scoring["precision"]
        if scoring["rollup"] != {"nss": "mean", "nkp": "weight_x_mean_nss", "npss": "sum_nkp",
                                 "empty": "leave_out"} or scoring.get("cap") is not None:
            raise SystemExit(f"{self.owner}: scoring rules beyond this script")
        nss: dict[str, Value] = {}
        for obj in manual["objectives"]:
            capaian: list[Value] = []
            for code in obj["ikus"]:
                iku = manual["ikus"][code]
                target = next((t["value"] for t in iku["targets"] if t["year"] == year), None)
                if target is None:
                    continue  # not scored this year
                real = self.value(code, self.owner, p)
                formula = manual["capaian_code"][iku["polarity"]]
                capaian.append(None if real is None else half_up(
                    run(formula, {"realisasi": real, "target": Decimal(target)}), prec))
            if capaian:
                nss[obj["code"]] = score("mean", capaian, prec)
        nkp: list[Value] = []
        for persp in manual["perspectives"]:
            scored = [nss[o["code"]] for o in manual["objectives"]
                      if o["perspective"] == persp["code"] and o["code"] in nss]
            if scored:
                nkp.append(score("mean", scored, prec, Decimal(persp["weight"]) / 100))
        return score("sum", nkp, prec)


def score(rule: str, parts: list[Value], prec: int, scale: Decimal = Decimal(1)) -> Value:
    """An NSS, NKP or NPSS: the rule over its rounded parts, scaled, rounded; none when a part
    has none (no data)."""
    if not parts or any(v is None for v in parts):
        return None
    return half_up(COMBINE[rule]([v for v in parts if v is not None]) * scale, prec)


def agencies(manuals: Path, data: Path, year: int) -> dict[str, Decimal | None]:
    """Every owner of the organisation with a manual for `year`: its NPSS."""
    org = load(manuals / "organisation.yaml")
    out = {}
    for owner in org["owners"]:
        folders = sorted((manuals / owner["folder"]).glob(f"{year}*/manual.yaml"))
        revisions = [read_revision(f.parent) for f in folders]
        revisions = [m for m in revisions if m["year"] == year]
        if revisions:
            agency = Agency(revisions, read_data(data / owner["folder"] / str(year)))
            out[owner["code"]] = agency.npss(year)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("manuals", type=Path)
    parser.add_argument("data", type=Path)
    parser.add_argument("year", type=int, nargs="?", default=2023)
    parser.add_argument("--json", type=Path, help="also write {owner: NPSS} here")
    args = parser.parse_args()
    result = agencies(args.manuals, args.data, args.year)
    for code, value in result.items():
        print(code, "-" if value is None else value)
    if args.json:
        args.json.write_text(json.dumps({k: None if v is None else str(v)
                                         for k, v in result.items()}) + "\n")


if __name__ == "__main__":
    main()
