"""The engine's real path in one process, as `bench/bench.py` runs it in a fresh subprocess
for each measurement (so that the peak memory is this run's alone):

    python bench/job.py MANUALS DATA YEAR JOBS OUT.json

reads the organisation (`Project`), checks and evaluates for YEAR every owner under the
organisation's default owner, the root (`organisation_tree`, as `iku evaluate --tree` does:
each owner's manuals and data checked as `iku validate --owner` would, every year of them,
then scored), with JOBS worker processes, renders the tree, and writes to OUT.json the
phases' times, the peak memory, the issue counts, each owner's NPSS and a hash of the
rendered bytes.
"""

from __future__ import annotations

import time

START = time.perf_counter()  # before the engine's imports: they are part of a run's cost

import hashlib  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from io import StringIO  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from engine import parsecache  # noqa: E402
from engine.errors import Severity  # noqa: E402
from engine.i18n import EN  # noqa: E402
from engine.project import Project  # noqa: E402
from engine.render import make_console, render_tree  # noqa: E402
from engine.tree import organisation_tree  # noqa: E402


def job(manuals: Path, data: Path, year: int, jobs: int) -> dict[str, Any]:
    phases: dict[str, float] = {"import": time.perf_counter() - START}
    t = time.perf_counter()
    project = Project(manuals, data)
    top = project.org.default  # bench/orggen.py's root (NASIONAL), the fixture's SINKA
    if top is None:
        raise SystemExit(f"{manuals}/organisation.yaml names no default owner")
    tree = organisation_tree(project, top, year, None, False, jobs)
    phases["check and evaluate"] = time.perf_counter() - t
    t = time.perf_counter()
    buf = StringIO()
    render_tree(make_console(buf, width=120), tree, EN)
    phases["render"] = time.perf_counter() - t
    parsecache.trim()  # as the CLI does at the end of a run
    rendered = buf.getvalue().encode("utf-8")
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return {
        "path": "organisation_tree",
        "jobs": jobs,
        "phases": phases,
        "work": sum(v for k, v in phases.items() if k != "import"),
        "peak_mib": peak / 1024,  # ru_maxrss is in KiB on Linux
        "errors": sum(1 for i in tree.issues if i.severity is Severity.ERROR),
        "warnings": sum(1 for i in tree.issues if i.severity is Severity.WARNING),
        "npss": {r.owner.code: None if r.npss is None or r.npss.value is None
                 else str(r.npss.value) for r in tree.rows if r.npss is not None},
        "rendered_sha256": hashlib.sha256(rendered).hexdigest(),
        "rendered_bytes": len(rendered),
    }


if __name__ == "__main__":
    manuals, data, year, jobs, out = sys.argv[1:6]
    result = job(Path(manuals), Path(data), int(year), int(jobs))
    Path(out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
