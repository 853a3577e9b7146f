"""Starting a revision: a new year's manual from the previous year's, or a mid-year revision
(`iku new-revision`).

The new revision is the source revision's files with a few lines edited in place (the
header's year and revision block; each IKU's target block for the new year), so that the
comments, order and wording of the manual stay as its authors wrote them. Nothing is
written over an existing folder: the new folder is written beside the others, through a
temporary folder renamed into place, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import EXIT_INPUT, EXIT_USAGE, InputError, Location, error
from engine.manual import HEADER, IKU_DIR, ManualSet
from engine.model import Iku, Manual, Range, Target, TargetValue
from engine.safeio import read_regular
from engine.yamlload import MAX_FILE_BYTES, LoadedDoc, display_path, load_file


@dataclass
class NewRevision:
    source: Manual  # the revision it was started from
    folder: Path  # where it was written
    label: str  # its label
    year: int  # the year it governs
    filled: list[str] = field(default_factory=list)  # what was carried over, per IKU
    to_fill: list[str] = field(default_factory=list)  # what the user must still fill


def _n(x: TargetValue) -> str:
    """A target as YAML writes it: a number, or a range `{from: 80, to: 90}`."""
    if isinstance(x, Range):
        return f"{{from: {_n(x.low)}, to: {_n(x.high)}}}"
    return format(x.normalize(), "f") if x == x.to_integral_value() else str(x)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _block_end(lines: list[str], start: int) -> int:
    """The index after the block that starts at line `start` (0-based): the next line with
    content indented no deeper than that line (a list item's `- ` included)."""
    indent = len(lines[start]) - len(lines[start].lstrip(" "))
    i = start + 1
    while i < len(lines):
        text = lines[i]
        stripped = text.lstrip(" ")
        if stripped and not stripped.startswith("#") and len(text) - len(stripped) <= indent:
            break
        i += 1
    return i


def _header_text(doc: LoadedDoc, text: str, year: int, label: str, number: int,
                 effective: dt.date, supersedes: str, note: str) -> str:
    lines = text.split("\n")
    rev_line = doc.lines[("revision",)][0] - 1
    end = _block_end(lines, rev_line)
    block = ["revision:", f"  label: {_quote(label)}", f"  number: {number}",
             f"  effective_from: {effective.isoformat()}", f"  supersedes: {_quote(supersedes)}",
             f"  change_note: {_quote(note)}",
             "  source: started by `iku new-revision`; replace with the signed manual's "
             "reference"]
    lines[rev_line:end] = block
    year_line = doc.lines[("year",)][0] - 1
    lines[year_line] = f"year: {year}"
    return "\n".join(lines)


def _period_pattern(iku: Iku, year: int) -> bool:
    """Whether the year's period targets all equal the year's target (IKU.1: 88, S1 88, S2
    88), so that the new year's can follow the same pattern."""
    t = next((t for t in iku.targets if t.year == year), None)
    return t is not None and all(v == t.value for _, v in t.periods)


def _iku_text(doc: LoadedDoc, text: str, iku: Iku, source_year: int, year: int,
              out: NewRevision) -> str:
    """The IKU file with a target block for `year`: the Renstra target where the manual has
    one, period targets following last year's pattern, or a marked place to fill."""
    lines = text.split("\n")
    targets: list[Target] = list(iku.targets)
    existing = next((i for i, t in enumerate(targets) if t.year == year), None)
    renstra = targets[existing] if existing is not None else None
    needed = [s for s in iku.schedule.targeted if s != "Y"]
    if renstra is not None and renstra.periods:
        return text  # the new year's target is already written in full
    if renstra is None:
        anchor = doc.lines[("targets",)][0] - 1
        last = doc.lines.get(("targets", len(targets) - 1))
        at = _block_end(lines, last[0] - 1) if last else anchor + 1
        lines[at:at] = [f"  # iku new-revision: add the {year} target here (the manual gives "
                        f"none for {year}); periods: {', '.join(needed) or 'year only'}"]
        out.to_fill.append(f"{iku.code}: the {year} target (the manual has none for {year})"
                           + (f" and its {', '.join(needed)} targets" if needed else ""))
        return "\n".join(lines)
    assert existing is not None
    item = doc.lines[("targets", existing)]
    start = item[0] - 1
    end = _block_end(lines, start)
    block = [f"  - year: {year}", f"    value: {_n(renstra.value)}"]
    if needed and _period_pattern(iku, source_year):
        block.append("    periods: {" + ", ".join(f"{s}: {_n(renstra.value)}" for s in needed)
                     + "}")
        out.filled.append(f"{iku.code}: {year} target {_n(renstra.value)} from the Renstra, "
                          f"{', '.join(needed)} equal to it as in {source_year}")
    elif needed:
        out.to_fill.append(f"{iku.code}: the {year} targets of {', '.join(needed)} (the "
                           f"{source_year} ones differ from the year's; the Renstra gives only "
                           f"the year's {_n(renstra.value)})")
    else:
        out.filled.append(f"{iku.code}: {year} target {_n(renstra.value)} from the Renstra")
    block.append(f"    source: {_quote(f'{renstra.source} (Renstra); PK {year} to confirm')}")
    lines[start:end] = block
    return "\n".join(lines)


def _text(path: Path) -> str:
    """A file's text, read as the loader reads it: a regular file, bounded (engine.safeio)."""
    raw = read_regular(path, MAX_FILE_BYTES, display_path(path))
    return raw.decode("utf-8").removeprefix("\ufeff")


def new_revision(manuals: ManualSet, owner_folder: Path, source_label: str | None = None,
                 mid_year: bool = False, effective: dt.date | None = None,
                 note: str = "", dry_run: bool = False) -> NewRevision:
    """Write the next revision of `manuals`' owner beside its others and say what is left to
    fill. The next year's manual by default; with `mid_year`, a revision of the source's own
    year, which needs its effective date and a change note."""
    source = manuals.by_label(source_label) if source_label else \
        (manuals.manuals[-1] if manuals.manuals else None)
    if source is None:
        labels = ", ".join(m.label for m in manuals.manuals) or "none"
        raise InputError((error(f"{manuals.owner} has no revision `{source_label}`",
                                hint=f"revisions: {labels}", code="usage"),), EXIT_USAGE)
    if mid_year:
        if effective is None or not note.strip():
            raise InputError((error("a mid-year revision needs --effective YYYY-MM-DD and "
                                    "--note saying what changed", code="usage"),), EXIT_USAGE)
        year = source.year
        number = max(m.revision.number for m in manuals.for_year(year)) + 1
        label = f"{year}-r{number}"
        later = [m for m in manuals.for_year(year) if m.revision.effective_from >= effective]
        if effective.year != year or later:
            raise InputError((error(f"--effective {effective} must lie in {year}, after "
                                    f"{manuals.for_year(year)[-1].label} took effect "
                                    f"({manuals.for_year(year)[-1].revision.effective_from})",
                                    code="usage"),), EXIT_USAGE)
    else:
        year = source.year + 1
        number, label = 1, str(source.year + 1)
        effective = effective or dt.date(year, 1, 1)
        if manuals.for_year(year):
            raise InputError((error(f"{manuals.owner} already has a {year} revision: "
                                    f"{manuals.for_year(year)[0].label}", code="usage",
                                    hint="start a mid-year revision with --mid-year"),),
                             EXIT_USAGE)
        note = note or f"Manual IKU {year}, started from {source.label}: the {year} targets " \
                        "are the Renstra's where the manual has them."
    folder = owner_folder / label
    out = NewRevision(source, folder, label, year)
    if folder.exists():
        raise InputError((error(f"{display_path(folder)} exists already; iku never writes "
                                "over a folder", Location(display_path(folder)),
                                code="io"),), EXIT_INPUT)
    texts: dict[str, str] = {}
    src = Path(source.folder)
    header_doc, issues = load_file(src / HEADER)
    if header_doc is None:
        raise InputError(tuple(issues), EXIT_INPUT)
    texts[HEADER] = _header_text(header_doc, _text(src / HEADER), year, label, number,
                                 effective, source.label, note)
    for iku in source.ikus:
        path = Path(iku.file)
        doc, issues = load_file(path)
        if doc is None:
            raise InputError(tuple(issues), EXIT_INPUT)
        text = _text(path)
        if not mid_year:
            text = _iku_text(doc, text, iku, source.year, year, out)
        texts[f"{IKU_DIR}/{path.name}"] = text
    if dry_run:
        return out
    tmp = Path(tempfile.mkdtemp(prefix=f".{label}.", dir=owner_folder))
    try:
        for name, text in texts.items():
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        os.rename(tmp, folder)  # fails rather than replace, should the folder appear meanwhile
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
