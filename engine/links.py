"""Checks of linked cascades across owners' manuals (engine.model.Link).

A deputy IKU's cascade unit can take its value from that unit's own manual. For each link
`iku validate` checks, at the line the link is written: the linked owner exists and is the
unit itself; each of its revisions of the year has the indicator; the units of measure
agree; the linked indicator can give a value for every period the IKU needs one for (its
targeted periods and the year); and no chain of links comes back to where it started.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.errors import Issue, did_you_mean, error, warning
from engine.manual import ManualSet
from engine.model import Iku, Link, Schedule
from engine.periods import Period

Node = tuple[str, int, str]  # (owner, year, indicator)


def can_give(schedule: Schedule, year: int, suffix: str) -> bool:
    """Whether an indicator measured on `schedule` has a value for `suffix` of `year`: it is
    measured then, or periods inside it are (and the aggregate forms it)."""
    if suffix in schedule.measured:
        return True
    return any(p.suffix in schedule.measured for p in Period.of(year, suffix).inside())


def check_links(sets: Mapping[str, ManualSet]) -> list[Issue]:
    """Every problem with the links of the manuals in `sets` (owner code -> its revisions)."""
    issues: list[Issue] = []
    edges: dict[Node, list[tuple[Node, Link]]] = {}
    # (linking owner, linked owner, year) -> the IKUs linked to an owner without that year's
    # manual, so that one warning says it for all of them
    waiting: dict[tuple[str, str, int], list[tuple[str, Link]]] = {}
    for owner, mset in sets.items():
        for manual in mset.manuals:
            for iku in manual.ikus:
                for cu in iku.cascade.units:
                    if cu.link is None:
                        continue
                    link = cu.link
                    ctx = {"iku": iku.code, "unit": cu.unit}
                    if link.owner != cu.unit:
                        issues.append(error(
                            f"{cu.unit}'s value is linked to the manual of {link.owner}; a link "
                            "goes to the unit's own manual", link.location, code="link",
                            hint=f"write owner: {cu.unit}", **ctx))
                        continue
                    other = sets.get(link.owner)
                    if other is None:
                        issues.append(error(
                            f"linked to {link.owner}, which has no manual in this organisation",
                            link.location, code="link", hint=did_you_mean(link.owner, sets) or
                            "add the owner and its manual, or remove the link", **ctx))
                        continue
                    revisions = other.for_year(manual.year)
                    if not revisions:
                        waiting.setdefault((owner, link.owner, manual.year), []).append(
                            (iku.code, link))
                        continue
                    for rev in revisions:
                        target = rev.iku(link.indicator)
                        if target is None:
                            issues.append(error(
                                f"{link.indicator} is not in {link.owner}'s manual {rev.label}",
                                link.location, code="link", hint=did_you_mean(
                                    link.indicator, [i.code for i in rev.ikus]), **ctx))
                            continue
                        issues += _compatible(iku, target, link, manual.year, rev.label, ctx)
                    edges.setdefault((owner, manual.year, iku.code), []).append(
                        ((link.owner, manual.year, link.indicator), link))
    issues += [_no_manual_yet(o, y, links) for (_, o, y), links in waiting.items()]
    issues += _cycles(edges)
    return list(dict.fromkeys(issues))


def _no_manual_yet(linked: str, year: int, links: list[tuple[str, Link]]) -> Issue:
    """The deputy's next-year manual is often written before the units' own: one warning per
    owner and year, at the first link (its figures are errors until that manual exists)."""
    codes = list(dict.fromkeys(code for code, _ in links))
    return warning(
        f"{linked} has no manual for {year} yet: the {year} figures of {len(codes)} linked "
        f"IKU(s) ({', '.join(codes)}) cannot be computed until it has one",
        links[0][1].location, code="link", unit=linked,
        hint=f"start it with `iku new-revision --owner {linked}`")


def _compatible(iku: Iku, target: Iku, link: Link, year: int, label: str,
                ctx: dict[str, str]) -> list[Issue]:
    issues: list[Issue] = []
    if iku.unit_of_measure != target.unit_of_measure:
        issues.append(error(
            f"{iku.code} is in {iku.unit_of_measure} but {link.indicator} of {link.owner} "
            f"({label}) is in {target.unit_of_measure}", link.location, code="link",
            hint="a link joins figures of the same unit of measure", **ctx))
    needed = [s for s in (*iku.schedule.targeted, "Y") if not can_give(target.schedule, year, s)]
    if needed:
        issues.append(error(
            f"{link.indicator} of {link.owner} ({label}) is measured in "
            f"{', '.join(target.schedule.measured)} and cannot give {', '.join(needed)}, "
            f"which {iku.code} needs", link.location, code="link",
            hint="align the two schedules", **ctx))
    return issues


def _cycles(edges: dict[Node, list[tuple[Node, Link]]]) -> list[Issue]:
    """A chain of links that leads back to an indicator on it."""
    issues: list[Issue] = []
    state: dict[Node, int] = {}  # 1 on the current path, 2 done

    def visit(node: Node, path: list[Node]) -> None:
        state[node] = 1
        for nxt, link in edges.get(node, []):
            if state.get(nxt) == 1:
                chain = " -> ".join(f"{o} {c}" for o, _, c in [*path[path.index(nxt):], nxt])
                issues.append(error(f"links form a cycle: {chain}", link.location,
                                    code="link", hint="a figure cannot depend on itself"))
            elif state.get(nxt) is None:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in list(edges):
        if state.get(node) is None:
            visit(node, [node])
    return issues
