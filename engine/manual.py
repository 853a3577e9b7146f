"""Loading a Manual IKU: files -> strict YAML -> schema -> semantic checks -> model.

A manual revision is a folder holding `manual.yaml` (the header) and `iku/`
(one file per IKU). Every problem of every file is collected before anything is
reported; a manual with errors is still returned as far as it could be built,
so that `iku validate` can report everything at once.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from engine import schemacheck
from engine.checkrules import read_settings
from engine.codes import DEFAULT_FORMAT, code_of_stem, file_stem, format_problem, matches
from engine.errors import (
    Issue,
    Location,
    did_you_mean,
    error,
    has_errors,
    warning,
)
from engine.formula import Formula, FormulaError, compile_formula, fmt_exact
from engine.functions import LIBRARY
from engine.model import (
    Assumption,
    Cascade,
    CascadeUnit,
    Iku,
    Limits,
    Link,
    Manual,
    Objective,
    Perspective,
    Range,
    Revision,
    Schedule,
    Scoring,
    StatusBand,
    Step,
    Target,
    TargetValue,
    Unit,
    Variable,
)
from engine.periods import SUFFIXES, Period
from engine.rules import CASCADE, NKP, NSS, POLARITIES
from engine.yamlload import LoadedDoc, display_path, load_file

HEADER = "manual.yaml"
IKU_DIR = "iku"
DEFAULT_ROOT = Path("manual_iku")


@dataclass(frozen=True)
class LoadResult:
    """A manual as far as it could be built, and every issue found on the way."""

    manual: Manual | None  # None when the header itself could not be read
    issues: tuple[Issue, ...]  # errors, warnings and notes
    files: int  # YAML files read

    @property
    def ok(self) -> bool:
        return self.manual is not None and not has_errors(self.issues)


def _formula(text: Any, doc: LoadedDoc, path: tuple[Any, ...], issues: list[Issue],
             iku: str = "", what: str = "formula") -> Formula | None:
    """Compile one formula; a failure becomes an issue at the formula's line."""
    try:
        return compile_formula(str(text))
    except FormulaError as exc:
        where = f" at column {exc.column}" if exc.column else ""
        part = f" (`{exc.part[:60]}`)" if exc.part and exc.part != str(text) else ""
        issues.append(error(f"{what}{where}{part}: {exc.message}", doc.loc(path), hint=exc.hint,
                            iku=iku, code="formula"))
        return None


def _checked(text: Any, doc: LoadedDoc, path: tuple[Any, ...], names: Sequence[str],
             kinds: dict[str, str], code: str, issues: list[Issue], what: str) -> Formula | None:
    """Compile a formula and check it reads only `names`, and no list where a number is
    needed (`kinds`: name -> number, list or items); every failure becomes an issue."""
    formula = _formula(text, doc, path, issues, code, what)
    _check_names(formula, names, doc, path, code, issues, what)
    _check_kinds(formula, kinds, doc, path, code, issues)
    return formula


def _dec(x: Any) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(x)


def _target_value(x: Any) -> TargetValue:
    """A number, or a range written `{from: 80, to: 90}` (the schema has checked the shape)."""
    if isinstance(x, dict):
        return Range(_dec(x["from"]), _dec(x["to"]))
    return _dec(x)


def _targets(raw: list[dict[str, Any]] | None, doc: LoadedDoc, path: tuple[Any, ...]
             ) -> tuple[Target, ...]:
    out = []
    for i, t in enumerate(raw or []):
        periods = tuple((k, _target_value(v)) for k, v in (t.get("periods") or {}).items())
        out.append(Target(int(t["year"]), _target_value(t["value"]), periods,
                          t.get("source", ""), t.get("reason", ""), doc.loc((*path, i))))
    return tuple(out)


def _check_target_values(targets: tuple[Target, ...], path: tuple[Any, ...], polarity: str,
                         doc: LoadedDoc, code: str, issues: list[Issue]) -> None:
    """Each range is a range (its `from` below its `to`), and a polarity that needs a range
    (stabilize) has one everywhere: a single number there has no inside to be met in."""
    rule = POLARITIES[polarity]
    for i, t in enumerate(targets):
        values = [(("value",), "", t.value)] + [(("periods", s), f" {s}", v)
                                                  for s, v in t.periods]
        for key, label, v in values:
            where = doc.loc((*path, i, *key))
            if isinstance(v, Range) and v.low >= v.high:
                # from == to is refused too: a range without an inside is a single target
                # written the long way, and more likely a slip than meant
                what = "is empty" if v.low == v.high else "is reversed"
                hint = (f"write a single target as a number: {fmt_exact(v.low)}"
                        if v.low == v.high else
                        f"`from` is the lower bound: {{from: {fmt_exact(v.high)}, "
                        f"to: {fmt_exact(v.low)}}}")
                issues.append(error(f"{t.year}{label} target range from {fmt_exact(v.low)} to "
                                    f"{fmt_exact(v.high)} {what}: `from` must be below `to`",
                                    where, hint=hint, iku=code, code="range"))
            elif not isinstance(v, Range) and rule.single is None:
                issues.append(error(
                    f"polarity {polarity} needs a range target, but the {t.year}{label} target "
                    f"is the single number {fmt_exact(v)}", where,
                    hint=f"write the range it should stay in, such as {{from: {fmt_exact(v)}, "
                         f"to: ...}}, or choose higher_is_better or lower_is_better",
                    iku=code, code="range"))


def _limits(doc: LoadedDoc) -> Limits | None:
    raw = doc.data.get("scoring")
    if raw is None:
        return None
    return Limits(None if raw.get("cap") is None else _dec(raw["cap"]),
                  None if raw.get("floor") is None else _dec(raw["floor"]),
                  "cap" in raw, "floor" in raw, doc.loc(("scoring",)))


def _line(doc: LoadedDoc, *path: Any) -> int:
    return doc.loc(tuple(path)).line


def _build_header(doc: LoadedDoc, folder: str, issues: list[Issue]) -> dict[str, Any] | None:
    d = doc.data
    scoring_raw = d["scoring"]
    higher, lower = (
        _checked(scoring_raw["capaian"][key], doc, ("scoring", "capaian", key),
                 ["realisasi", "target"], {}, "", issues, "capaian formula")
        for key in ("higher_is_better", "lower_is_better"))
    rev = d["revision"]
    try:
        effective = dt.date.fromisoformat(rev["effective_from"])
    except ValueError:
        issues.append(error(f"`{rev['effective_from']}` is not a calendar date",
                            doc.loc(("revision", "effective_from")), hint="write YYYY-MM-DD",
                            code="date"))
        effective = dt.date(int(d["year"]), 1, 1)
    bands = tuple(
        StatusBand(b["name"], b.get("label", ""),
                   None if b["from"] is None else _dec(b["from"]),
                   None if b["to"] is None else _dec(b["to"]))
        for b in scoring_raw["status_bands"]
    )
    if higher is None or lower is None:
        return None
    return {
        "owner": d["owner"],
        "year": int(d["year"]),
        "revision": Revision(rev["label"], int(rev["number"]), effective, rev.get("supersedes"),
                             rev.get("change_note", ""), rev.get("source", ""),
                             doc.loc(("revision", "supersedes")),
                             doc.loc(("revision", "effective_from"))),
        "units": tuple(Unit(u["code"], u["name"], u.get("short_name", u["code"]), u.get("parent"))
                       for u in d["units"]),
        "perspectives": tuple(Perspective(p["code"], p["name"], _dec(p["weight"]))
                              for p in d["perspectives"]),
        "objectives": tuple(
            Objective(o["code"], o["name"], o["perspective"], tuple(o["ikus"]),
                      tuple((k, _dec(v)) for k, v in (o.get("weights") or {}).items()),
                      None if o.get("weight") is None else _dec(o["weight"]),
                      doc.loc(("objectives", i)))
            for i, o in enumerate(d["objectives"])),
        "scoring": Scoring(int(scoring_raw["precision"]), higher, lower,
                           None if scoring_raw.get("cap") is None else _dec(scoring_raw["cap"]),
                           bands, scoring_raw["rollup"]["nss"], scoring_raw["rollup"]["nkp"],
                           scoring_raw["rollup"]["npss"], scoring_raw["rollup"]["empty"],
                           doc.loc(("scoring", "rollup")),
                           None if scoring_raw.get("floor") is None
                           else _dec(scoring_raw["floor"]),
                           doc.loc(("scoring", "cap")), doc.loc(("scoring", "floor"))),
        "indicator_codes": d.get("indicator_codes", DEFAULT_FORMAT),
        "assumptions": tuple(Assumption(a["id"], a["text"], doc.loc(("assumptions", i)))
                             for i, a in enumerate(d.get("assumptions") or [])),
        "folder": folder,
        "header_file": doc.path,
        "source": d.get("source", ""),
        "checks": read_settings(d.get("checks"), doc, ("checks",)),
    }


def _check_names(formula: Formula | None, known: Sequence[str], doc: LoadedDoc,
                 path: tuple[Any, ...], iku: str, issues: list[Issue], what: str) -> None:
    if formula is None:
        return
    for name in formula.names:
        if name not in known:
            issues.append(error(
                f"{what} uses `{name}`, which is not a declared variable"
                + (" or an earlier step" if what != "capaian formula" else ""),
                doc.loc(path), hint=did_you_mean(name, known) or
                f"declared: {', '.join(known) or 'none'}", iku=iku, code="unknown-name"))


def _check_kinds(formula: Formula | None, kinds: dict[str, str], doc: LoadedDoc,
                 path: tuple[Any, ...], iku: str, issues: list[Issue]) -> None:
    """A list or items variable used where a number is needed is an error before any data."""
    if formula is None:
        return
    listy = {n for n, k in kinds.items() if k in ("list", "items")}
    if not listy:
        return
    bad: list[str] = []

    def visit(node: ast.AST, number_needed: bool) -> None:
        if isinstance(node, ast.Name):
            if number_needed and node.id in listy:
                bad.append(node.id)
            return
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            spec = LIBRARY.get(node.func.id)
            for a in node.args:  # mean(modul) takes a list; abs(modul) does not
                visit(a, not (spec and spec.takes_lists))
            for k in node.keywords:
                visit(k.value, True)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, True)

    visit(formula.node, True)
    for name in dict.fromkeys(bad):
        issues.append(error(
            f"`{name}` is a {kinds[name]} variable used as a single number",
            doc.loc(path), hint=f"combine it first, such as mean({name}) or sum({name})",
            iku=iku, code="kind"))


def _build_iku(doc: LoadedDoc, manual_year: int, issues: list[Issue]) -> Iku | None:
    d = doc.data
    code = d["code"]
    variables = tuple(
        Variable(v["name"], v["meaning"], v.get("unit", ""), v["kind"],
                 None if v.get("min") is None else _dec(v["min"]),
                 None if v.get("max") is None else _dec(v["max"]))
        for v in d["variables"]
    )
    known: list[str] = []
    kinds: dict[str, str] = {}
    for i, v in enumerate(variables):
        if v.name in known:
            issues.append(error(f"variable `{v.name}` is declared twice",
                                doc.loc(("variables", i, "name")), iku=code, code="duplicate"))
        if v.name in LIBRARY:
            issues.append(error(f"variable `{v.name}` has the name of a library function",
                                doc.loc(("variables", i, "name")), hint="rename it", iku=code,
                                code="duplicate"))
        known.append(v.name)
        kinds[v.name] = v.kind
    used: set[str] = set()
    steps: list[Step] = []
    for i, s in enumerate(d.get("steps") or []):
        f = _checked(s["formula"], doc, ("steps", i, "formula"), known, kinds, code, issues,
                     f"step {s['name']}")
        if s["name"] in known:
            issues.append(error(f"step `{s['name']}` has the name of a variable or earlier step",
                                doc.loc(("steps", i, "name")), iku=code, code="duplicate"))
        if f is not None:
            used.update(f.names)
            steps.append(Step(s["name"], f, s.get("meaning", ""), doc.loc(("steps", i, "formula"))))
        known.append(s["name"])
        kinds[s["name"]] = "number"
    formula = _checked(d["formula"], doc, ("formula",), known, kinds, code, issues, "formula")
    if formula is not None:
        used.update(formula.names)

    sched = d["schedule"]
    # The YAML says `year` where the model says "Y" (a bare Y reads like a YAML 1.1 boolean).
    raw_measured = ["Y" if s == "year" else s for s in sched["measured"]]
    raw_targeted = ["Y" if s == "year" else s for s in (sched.get("targeted") or [])]
    measured = tuple(s for s in SUFFIXES if s in raw_measured)
    targeted = tuple(s for s in SUFFIXES if s in raw_targeted)
    for s in targeted:
        if s not in measured and s != "Y":
            issues.append(error(
                f"period {s} carries a target but is not a measured period",
                doc.loc(("schedule", "targeted")),
                hint=f"add {s} to schedule.measured or remove it from schedule.targeted",
                iku=code, code="schedule"))
    agg_formula = _rule_formula(doc, "schedule", "aggregate", ["values"], code, issues)
    schedule = Schedule(measured, targeted, sched["aggregate"], agg_formula, sched.get("note", ""))

    targets = _targets(d["targets"], doc, ("targets",))
    _check_targets(targets, d["targets"], ("targets",), schedule, manual_year, doc, code, issues,
                   required=True)
    _check_target_values(targets, ("targets",), d["polarity"], doc, code, issues)

    casc = d["cascade"]
    rollup_formula = _rule_formula(doc, "cascade", "rollup", ["values", "weights"], code, issues)
    units: list[CascadeUnit] = []
    for i, u in enumerate(casc.get("units") or []):
        uf = None
        if "formula" in u:
            uf = _checked(u["formula"], doc, ("cascade", "units", i, "formula"), known, kinds,
                          code, issues, f"{u['unit']} formula")
            if uf is not None:
                used.update(uf.names)
        if CASCADE[casc["rollup"]].needs_weights and "weight" not in u:
            issues.append(error(f"rollup is {casc['rollup']} but {u['unit']} has no weight",
                                doc.loc(("cascade", "units", i)), iku=code, code="cascade"))
        link = None
        if "link" in u:
            link = Link(u["link"]["owner"], u["link"]["indicator"],
                        doc.loc(("cascade", "units", i, "link")))
            if "formula" in u:
                issues.append(error(
                    f"{u['unit']} has both a link and a formula; its value comes from "
                    f"{link.indicator} of {link.owner}'s manual", doc.loc(("cascade", "units", i,
                                                                           "formula")),
                    hint="remove the formula", iku=code, code="link"))
        utargets = _targets(u.get("targets"), doc, ("cascade", "units", i, "targets"))
        _check_targets(utargets, u.get("targets") or [], ("cascade", "units", i, "targets"),
                       schedule, manual_year, doc, code, issues, required=False)
        _check_target_values(utargets, ("cascade", "units", i, "targets"), d["polarity"], doc,
                             code, issues)
        units.append(CascadeUnit(u["unit"], u.get("indicator", ""), _dec(u.get("weight", 1)), uf,
                                 utargets, link))
    for i, v in enumerate(variables):
        if v.name not in used:
            issues.append(warning(f"variable `{v.name}` is declared but no formula uses it",
                                  doc.loc(("variables", i)), iku=code, code="unused"))
    if formula is None or (d.get("steps") and len(steps) != len(d["steps"])):
        return None
    keys = ("code", "name", "objective", "formula", "steps", "variables", "schedule", "targets",
            "cascade", "unit_of_measure", "polarity")
    return Iku(
        code=code, name=d["name"], objective=d["objective"], unit_of_measure=d["unit_of_measure"],
        polarity=d["polarity"], definition=d["definition"], data_source=d.get("data_source", ""),
        collection=d.get("collection", ""), variables=variables, steps=tuple(steps),
        formula=formula, schedule=schedule, targets=targets,
        cascade=Cascade(casc["rollup"], rollup_formula, tuple(units)),
        source=d.get("source", ""),
        assumptions=tuple(Assumption(a["id"], a["text"], doc.loc(("assumptions", i)))
                          for i, a in enumerate(d.get("assumptions") or [])),
        file=doc.path,
        lines=tuple((k, _line(doc, k)) for k in keys if k in d),
        limits=_limits(doc),
    )


def _rule_formula(doc: LoadedDoc, section: str, rule: str, names: list[str], code: str,
                  issues: list[Issue]) -> Formula | None:
    """The `<rule>_formula` of a section whose `<rule>` is `formula` (schedule.aggregate,
    cascade.rollup), compiled and checked to read only `names`; None for the other rules."""
    raw = doc.data[section]
    if raw[rule] != "formula":
        return None
    key = f"{rule}_formula"
    if key not in raw:
        issues.append(error(f"{rule} is `formula` but {key} is missing",
                            doc.loc((section, rule)), iku=code, code=section))
        return None
    return _checked(raw[key], doc, (section, key), names, {}, code, issues, f"{rule} formula")


def _check_formulas_anyway(doc: LoadedDoc, code: str, issues: list[Issue]) -> None:
    """For an IKU file that failed the schema: check its formulas as far as their shape
    allows, so that one run still reports them too."""
    d: dict[str, Any] = doc.data if isinstance(doc.data, dict) else {}
    raw_vars: list[Any] = d["variables"] if isinstance(d.get("variables"), list) else []
    known = [v["name"] for v in raw_vars if isinstance(v, dict) and isinstance(v.get("name"), str)]
    raw_steps: list[Any] = d["steps"] if isinstance(d.get("steps"), list) else []
    for i, s in enumerate(raw_steps):
        if isinstance(s, dict) and isinstance(s.get("formula"), str):
            _checked(s["formula"], doc, ("steps", i, "formula"), known, {}, code, issues,
                     "step formula")
        if isinstance(s, dict) and isinstance(s.get("name"), str):
            known.append(s["name"])
    if isinstance(d.get("formula"), str):
        _checked(d["formula"], doc, ("formula",), known, {}, code, issues, "formula")


def _check_targets(targets: tuple[Target, ...], raw: list[Any], path: tuple[Any, ...],
                   schedule: Schedule, year: int, doc: LoadedDoc, code: str,
                   issues: list[Issue], required: bool) -> None:
    years = [t.year for t in targets]
    for i, t in enumerate(targets):
        if years.count(t.year) > 1 and years.index(t.year) != i:
            issues.append(error(f"two targets for {t.year}", doc.loc((*path, i, "year")),
                                iku=code, code="duplicate"))
        for suffix, _ in t.periods:
            if suffix not in schedule.targeted:
                issues.append(error(
                    f"target for {suffix} {t.year}, but {suffix} is not a targeted period",
                    doc.loc((*path, i, "periods", suffix)),
                    hint=f"add {suffix} to schedule.targeted (it must also be measured)",
                    iku=code, code="schedule"))
    own = next((t for t in targets if t.year == year), None)
    if own is None:
        if required:
            issues.append(error(f"no target for {year}, the manual's year",
                                doc.loc(path), iku=code, code="target",
                                hint=f"add `- year: {year}` with its value"))
        return
    missing = [s for s in schedule.targeted if s != "Y" and own.for_suffix(s) is None]
    if missing and (required or own.periods):
        i = targets.index(own)
        issues.append(error(
            f"{year} target has no value for targeted period(s) {', '.join(missing)}",
            doc.loc((*path, i)), iku=code, code="target",
            hint="give each targeted period a value under periods:"))


def _check_header(h: dict[str, Any], doc: LoadedDoc, ikus: dict[str, tuple[Iku | None, LoadedDoc]],
                  broken: set[str], folder: Path, issues: list[Issue]) -> None:
    unit_codes = [u.code for u in h["units"]]
    for i, u in enumerate(h["units"]):
        if unit_codes.count(u.code) > 1 and unit_codes.index(u.code) != i:
            issues.append(error(f"unit `{u.code}` is listed twice", doc.loc(("units", i, "code")),
                                code="duplicate"))
        if u.parent is not None and u.parent not in unit_codes:
            issues.append(error(f"unit {u.code}: parent `{u.parent}` is not a unit",
                                doc.loc(("units", i, "parent")),
                                hint=did_you_mean(u.parent, unit_codes), code="reference"))
    if h["owner"] not in unit_codes:
        issues.append(error(f"owner `{h['owner']}` is not one of the units", doc.loc(("owner",)),
                            hint=did_you_mean(h["owner"], unit_codes), code="reference"))
    p_codes = [p.code for p in h["perspectives"]]
    for i, p in enumerate(h["perspectives"]):
        if p_codes.count(p.code) > 1 and p_codes.index(p.code) != i:
            issues.append(error(f"perspective `{p.code}` is listed twice",
                                doc.loc(("perspectives", i, "code")), code="duplicate"))
    total = sum((p.weight for p in h["perspectives"]), Decimal(0))
    if total != 100:
        issues.append(error(f"perspective weights sum to {total}, not 100",
                            doc.loc(("perspectives",)), hint="adjust the weights",
                            code="weights"))
    ss_codes = [o.code for o in h["objectives"]]
    all_listed = {c for o in h["objectives"] for c in o.ikus}
    listed: dict[str, str] = {}
    for i, o in enumerate(h["objectives"]):
        if ss_codes.count(o.code) > 1 and ss_codes.index(o.code) != i:
            issues.append(error(f"objective `{o.code}` is listed twice",
                                doc.loc(("objectives", i, "code")), code="duplicate"))
        if o.perspective not in p_codes:
            issues.append(error(f"{o.code}: perspective `{o.perspective}` does not exist",
                                doc.loc(("objectives", i, "perspective")),
                                hint=did_you_mean(o.perspective, p_codes), code="reference"))
        for j, code in enumerate(o.ikus):
            if code in listed:
                issues.append(error(f"{code} is listed under both {listed[code]} and {o.code}",
                                    doc.loc(("objectives", i, "ikus", j)), iku=code,
                                    code="duplicate"))
            listed.setdefault(code, o.code)
            if code not in ikus and code not in broken:
                # a typo matches a file no objective lists; otherwise the file is missing
                unlisted = [c for c in ikus if c not in all_listed]
                issues.append(error(f"{o.code} lists {code}, which has no file in "
                                    f"{display_path(folder / IKU_DIR)}",
                                    doc.loc(("objectives", i, "ikus", j)),
                                    hint=did_you_mean(code, unlisted) or
                                    f"add {IKU_DIR}/{file_stem(code)}.yaml, or remove {code} "
                                    f"from {o.code}'s ikus", iku=code, code="reference"))
    for code, (iku, idoc) in ikus.items():
        if code not in listed:
            issues.append(error(f"{code} is not listed under any objective",
                                idoc.loc(("code",)), iku=code, code="reference",
                                hint="add it to an objective's ikus in manual.yaml"))
        if iku is None:
            continue
        if iku.objective not in ss_codes:
            issues.append(error(f"objective `{iku.objective}` does not exist",
                                idoc.loc(("objective",)), iku=code, code="reference",
                                hint=did_you_mean(iku.objective, ss_codes)))
        elif code in listed and listed[code] != iku.objective:
            issues.append(error(f"says objective {iku.objective} but manual.yaml lists it under "
                                f"{listed[code]}", idoc.loc(("objective",)), iku=code,
                                code="reference"))
        for i, cu in enumerate(iku.cascade.units):
            if cu.unit not in unit_codes:
                issues.append(error(f"cascade unit `{cu.unit}` is not a unit of the manual",
                                    idoc.loc(("cascade", "units", i, "unit")), iku=code,
                                    hint=did_you_mean(cu.unit, unit_codes), code="reference"))
        seen = [cu.unit for cu in iku.cascade.units]
        for i, cu in enumerate(iku.cascade.units):
            if seen.count(cu.unit) > 1 and seen.index(cu.unit) != i:
                issues.append(error(f"cascade lists {cu.unit} twice",
                                    idoc.loc(("cascade", "units", i, "unit")), iku=code,
                                    code="duplicate"))
        if iku.cascade.rollup != "owner_only" and not iku.cascade.units:
            issues.append(error("cascade has no units; list them or use rollup: owner_only",
                                idoc.loc(("cascade",)), iku=code, code="cascade"))
    _check_bands(h["scoring"].bands, doc, issues)
    _check_limits(h["scoring"], doc, ikus, issues)
    _check_weights(h, doc, issues)
    template = h["indicator_codes"]
    problem = format_problem(template)
    if problem:
        issues.append(error(f"indicator_codes `{template}`: {problem}",
                            doc.loc(("indicator_codes",)), hint="such as IKU.{n}, KU {n} or "
                            "SS.{n}.{n}", code="codes"))
    else:
        for code, (_, idoc) in ikus.items():
            if not matches(code, template):
                issues.append(error(f"code `{code}` does not have this manual's form "
                                    f"`{template}`", idoc.loc(("code",)), iku=code,
                                    hint="write it as indicator_codes in manual.yaml says, or "
                                         "change indicator_codes", code="codes"))
    rev: Revision = h["revision"]
    if rev.effective_from.year != h["year"]:
        issues.append(error(f"effective_from {rev.effective_from} is not in {h['year']}",
                            doc.loc(("revision", "effective_from")), code="date"))
    if not rev.label.startswith(str(h["year"])):
        issues.append(error(f"revision label {rev.label} does not start with the year {h['year']}",
                            doc.loc(("revision", "label")), code="revision"))
    if folder.name != rev.label:
        issues.append(warning(f"folder is named `{folder.name}` but the revision label is "
                              f"`{rev.label}`", doc.loc(("revision", "label")),
                              hint="name the folder after the label", code="revision"))


def _check_weights(h: dict[str, Any], doc: LoadedDoc, issues: list[Issue]) -> None:
    """Weights the declared roll-up rules need, and weights of IKUs that are not there."""
    scoring: Scoring = h["scoring"]
    for i, o in enumerate(h["objectives"]):
        for code, _ in o.weights:
            if code not in o.ikus:
                issues.append(error(f"{o.code} weighs {code}, which is not one of its IKUs",
                                    doc.loc(("objectives", i, "weights", code)), iku=code,
                                    hint=did_you_mean(code, o.ikus), code="weights"))
        if NSS[scoring.nss].needs_weights:
            for code in o.ikus:
                if o.iku_weight(code) is None:
                    issues.append(error(f"{o.code} gives no weight for {code}, which the NSS "
                                        f"rule {scoring.nss} needs", doc.loc(("objectives", i)),
                                        hint=f"add `weights: {{{code}: ...}}` to {o.code}",
                                        iku=code, code="weights"))
        if NKP[scoring.nkp].needs_weights and o.weight is None:
            issues.append(error(f"{o.code} has no weight, which the NKP rule {scoring.nkp} "
                                "needs", doc.loc(("objectives", i)), hint="add `weight: ...`",
                                code="weights"))


def _check_limits(scoring: Scoring, doc: LoadedDoc,
                  ikus: dict[str, tuple[Iku | None, LoadedDoc]], issues: list[Issue]) -> None:
    """A floor at or above the cap would give every figure the same capaian: the manual's
    own, and each IKU's with the manual's where the IKU leaves one of them to it."""
    def clash(cap: Decimal | None, floor: Decimal | None) -> bool:
        return cap is not None and floor is not None and floor >= cap

    if clash(scoring.cap, scoring.floor):
        issues.append(error(f"capaian floor {scoring.floor} is not below the cap {scoring.cap}",
                            scoring.floor_at or doc.loc(("scoring",)),
                            hint="the floor is the lowest capaian, the cap the highest",
                            code="limits"))
    for code, (iku, _) in ikus.items():
        if iku is None or iku.limits is None:
            continue
        own = iku.limits
        cap = own.cap if own.sets_cap else scoring.cap
        floor = own.floor if own.sets_floor else scoring.floor
        if clash(cap, floor) and not clash(scoring.cap, scoring.floor):
            whose = {(True, True): "its own", (True, False): "its own floor and the manual's cap",
                     (False, True): "the manual's floor and its own cap"}[
                         (own.sets_floor, own.sets_cap)]
            issues.append(error(f"capaian floor {floor} is not below the cap {cap} ({whose})",
                                own.location, iku=code, code="limits",
                                hint="the floor is the lowest capaian, the cap the highest"))


def _check_bands(bands: tuple[StatusBand, ...], doc: LoadedDoc, issues: list[Issue]) -> None:
    path = ("scoring", "status_bands")
    if bands[0].low is not None:
        issues.append(warning(f"lowest band `{bands[0].name}` starts at {bands[0].low}; "
                              "capaian below it gets no status", doc.loc((*path, 0, "from")),
                              hint="use from: null for the lowest band", code="bands"))
    if bands[-1].high is not None:
        last = len(bands) - 1
        issues.append(warning(f"highest band `{bands[-1].name}` ends at {bands[-1].high}; "
                              "capaian above it gets no status", doc.loc((*path, last, "to")),
                              hint="use to: null for the highest band", code="bands"))
    for i, b in enumerate(bands):
        if b.low is not None and b.high is not None and b.low >= b.high:
            issues.append(error(f"band `{b.name}` is empty or reversed: from {b.low} to {b.high}",
                                doc.loc((*path, i)), code="bands"))
        if i and bands[i - 1].high != b.low:
            prev = bands[i - 1]
            overlap = prev.high is None or (b.low is not None and b.low < prev.high)
            issues.append(error(
                f"bands `{prev.name}` and `{b.name}` {'overlap' if overlap else 'leave a gap'}: "
                f"{prev.name} ends at {prev.high}, {b.name} starts at {b.low}",
                doc.loc((*path, i, "from")), hint="each band must start where the previous ends",
                code="bands"))


def load_manual(folder: Path) -> LoadResult:
    """Load one revision folder, collecting every issue."""
    issues: list[Issue] = []
    header_path = folder / HEADER
    shown_folder = display_path(folder)
    if not header_path.is_file():
        return LoadResult(None, (error(f"no {HEADER} in {shown_folder}", Location(shown_folder),
                                       hint="a manual revision folder holds manual.yaml and iku/",
                                       code="io"),), 0)
    files = 1
    hdoc, found = load_file(header_path)
    issues += found
    header: dict[str, Any] | None = None
    if hdoc is not None:
        schema_issues = schemacheck.validate(hdoc, "manual")
        issues += schema_issues
        if not schema_issues:
            header = _build_header(hdoc, shown_folder, issues)
    year = header["year"] if header else _guess_year(folder)
    ikus: dict[str, tuple[Iku | None, LoadedDoc]] = {}
    broken: set[str] = set()
    iku_dir = folder / IKU_DIR
    paths = indicator_files(iku_dir, issues)
    if not paths:
        issues.append(error(f"no IKU files in {display_path(iku_dir)}", Location(shown_folder),
                            hint="put one IKU.NN.yaml per IKU in iku/", code="io"))
    for p in paths:
        files += 1
        doc, found = load_file(p)
        named = code_of_stem(p.stem)
        issues += [dataclasses.replace(i, iku=named) for i in found]
        if doc is None:
            broken.add(named)  # its problems are reported; no "missing" too
            continue
        raw_code = doc.data.get("code") if isinstance(doc.data, dict) else None
        code = raw_code if isinstance(raw_code, str) else named
        schema_issues = schemacheck.validate(doc, "iku", iku=code)
        issues += schema_issues
        if code in ikus:
            issues.append(error(f"{code} is defined twice: in {ikus[code][1].path} and here",
                                doc.loc(("code",)), iku=code, code="duplicate",
                                hint="one file per indicator; remove or rename one of them"))
            continue
        name_issue = file_name_issue(p, code, doc, "code")
        if name_issue is not None:
            issues.append(name_issue)
        if schema_issues:
            ikus[code] = (None, doc)
            _check_formulas_anyway(doc, code, issues)
            continue
        iku = _build_iku(doc, year, issues)
        ikus[code] = (iku, doc)
    if header is None or hdoc is None:
        return LoadResult(None, tuple(issues), files)
    _check_header(header, hdoc, ikus, broken, folder, issues)
    order = [c for o in header["objectives"] for c in o.ikus]
    built = [ikus[c][0] for c in order if c in ikus and ikus[c][0] is not None]
    manual = Manual(ikus=tuple(i for i in built if i is not None), **header)
    return LoadResult(manual, tuple(issues), files)


def indicator_files(folder: Path, issues: list[Issue], skip: tuple[str, ...] = ()) -> list[Path]:
    """The `*.yaml` files of a folder that holds one file per indicator (a revision's `iku/`,
    a dataset year), in name order; `skip` names other files the folder may hold.

    Every such file is read: a stray copy (`IKU.10_old.yaml`) is an error at its name, never
    a silent second source. Hidden files (`.IKU.10.yaml`, editors' and macOS's `._` files)
    and files of other extensions (`IKU.10.yaml.bak`) are not read; hidden YAML files and
    subfolders get a warning so that nothing is ignored unseen."""
    if not folder.is_dir():
        return []
    out: list[Path] = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith("."):
            if p.suffix == ".yaml":
                issues.append(warning(f"{p.name} is not read: hidden files are ignored",
                                      Location(display_path(p)), code="file-name",
                                      hint="remove it, or rename it without the leading `.`"))
        elif p.is_dir():
            issues.append(warning(f"folder {p.name}/ is not read", Location(display_path(p)),
                                  hint="indicator files lie directly in the folder",
                                  code="file-name"))
        elif p.suffix == ".yaml" and p.name not in skip:
            out.append(p)
    return out


def file_name_issue(path: Path, code: str, doc: LoadedDoc, key: str) -> Issue | None:
    """An error when the file's name does not stand for the `code` written at `key`."""
    if code_of_stem(path.stem) == code:
        return None
    return error(f"file {path.name} holds {code}: the name and the code must agree",
                 doc.loc((key,)), iku=code, hint=f"name it {file_stem(code)}.yaml, or move it "
                 "out of the folder (a file kept for reference can end in .bak)",
                 code="file-name")


def _guess_year(folder: Path) -> int:
    head = folder.name[:4]
    return int(head) if head.isdigit() else 0


def discover(paths: Iterable[Path]) -> list[Path]:
    """Revision folders (those holding manual.yaml) at or below each path."""
    found: list[Path] = []
    for p in paths:
        if (p / HEADER).is_file():
            found.append(p)
        elif p.is_file() and p.name == HEADER:
            found.append(p.parent)
        elif p.is_file() and p.parent.name == IKU_DIR:
            found.append(p.parent.parent)
        elif p.is_dir():
            found.extend(sorted(h.parent for h in p.rglob(HEADER)))
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class ManualSet:
    """Every revision of one owner, for choosing the one in force. Identity is explicit:
    a set holds one owner's revisions, so no lookup can mix two owners."""

    owner: str  # the owner's code
    manuals: tuple[Manual, ...]  # sorted by year, revision number

    @cached_property
    def _by_year(self) -> dict[int, tuple[Manual, ...]]:
        out: dict[int, list[Manual]] = {}
        for m in self.manuals:
            out.setdefault(m.year, []).append(m)
        return {y: tuple(sorted(ms, key=lambda m: m.revision.effective_from))
                for y, ms in out.items()}

    def for_year(self, year: int) -> tuple[Manual, ...]:
        """The revisions of `year` by effective date."""
        return self._by_year.get(year, ())

    def in_force(self, period: Period) -> Manual | None:
        """The revision of the period's year whose effective date is the latest on or before
        the period's end."""
        found = None
        end = period.end
        for m in self.for_year(period.year):  # a year has a handful of revisions at most
            if m.revision.effective_from > end:
                break
            found = m
        return found

    def by_label(self, label: str) -> Manual | None:
        return next((m for m in self.manuals if m.label == label), None)

    def years(self) -> list[int]:
        return sorted(self._by_year)


def check_set(results: Sequence[LoadResult]) -> list[Issue]:
    """Checks across revisions: supersedes resolves, effective dates increase."""
    issues: list[Issue] = []
    manuals = [r.manual for r in results if r.manual is not None]
    labels: dict[tuple[str, str], Manual] = {}
    for m in manuals:
        key = (m.owner, m.label)
        if key in labels:
            issues.append(error(f"revision {m.label} of {m.owner} exists twice: "
                                f"{labels[key].folder} and {m.folder}",
                                Location(m.header_file), code="revision"))
        labels[key] = m
    for m in manuals:
        sup = m.revision.supersedes
        # A revision folder validated alone may name a sibling folder it supersedes.
        siblings = {p.parent.name for p in Path(m.folder).parent.glob(f"*/{HEADER}")}
        if sup and (m.owner, sup) not in labels and sup not in siblings:
            known = [lbl for (o, lbl) in labels if o == m.owner]
            issues.append(error(f"supersedes `{sup}`, which is not a revision of {m.owner}",
                                m.revision.supersedes_at, hint=did_you_mean(sup, known),
                                code="reference"))
    by_year: dict[tuple[str, int], list[Manual]] = {}
    for m in manuals:
        by_year.setdefault((m.owner, m.year), []).append(m)
    for group in by_year.values():
        group.sort(key=lambda m: m.revision.number)
        for a, b in itertools.pairwise(group):
            if b.revision.number == a.revision.number:
                issues.append(error(f"{a.label} and {b.label} both have revision number "
                                    f"{a.revision.number}", Location(b.header_file),
                                    code="revision"))
            elif b.revision.effective_from <= a.revision.effective_from:
                issues.append(error(
                    f"{b.label} (revision {b.revision.number}) takes effect on "
                    f"{b.revision.effective_from}, not after {a.label} "
                    f"({a.revision.effective_from})", b.revision.effective_at,
                    hint="effective dates must increase with the revision number",
                    code="revision"))
    return issues


def owner_issues(results: Sequence[LoadResult], owner: str, folder: str) -> list[Issue]:
    """A revision in an owner's folder that declares another owner: its figures would be
    applied to the wrong unit's data."""
    return [error(f"declares owner {r.manual.owner}, but lies in {folder}, the folder of "
                  f"{owner}", Location(r.manual.header_file, 2), code="owner",
                  hint=f"write `owner: {owner}`, or move the revision to its owner's folder")
            for r in results if r.manual is not None and r.manual.owner != owner]


def revision_folders(owner_folder: Path, year: int | None = None) -> list[Path]:
    """An owner's revision folders, those of `year` only when it is given and has any
    (evaluating 2023 needs neither the 2022 nor the 2024 manual)."""
    folders = sorted(h.parent for h in owner_folder.glob(f"*/{HEADER}"))
    if year is not None:
        of_year = [f for f in folders if f.name.split("-")[0] == str(year)]
        folders = of_year or folders
    return folders


def manual_set(owner: str, results: Sequence[LoadResult]) -> ManualSet:
    """The owner's revisions that could be built, in order, for choosing the one in force."""
    manuals = sorted((r.manual for r in results if r.manual is not None),
                     key=lambda m: (m.year, m.revision.number))
    return ManualSet(owner, tuple(manuals))
