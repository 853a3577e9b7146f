"""The engine's real path in one process, as `bench/bench.py` runs it in a fresh subprocess
for each measurement (so that the peak memory is this run's alone):

    python bench/job.py MANUALS DATA YEAR JOBS OUT.json

reads the organisation (`Project`), checks everything (`validate`: every owner, every
year), evaluates for YEAR every owner under the organisation's default owner, the root
(`organisation_tree`), renders the tree as `iku evaluate --tree` does, and writes to
OUT.json the phases' times, the peak memory, the issue counts, each owner's NPSS and a hash
of the rendered bytes.

When the engine has `engine.batch.check_and_evaluate(project, top, year, when, as_of, jobs)`
(the parallel path of issue 13), that one call replaces `validate` and
`organisation_tree`, with JOBS workers; otherwise JOBS must be 1. `job()` is the one
function to change when the engine's entry point changes.
"""

from __future__ import annotations

import time

START = time.perf_counter()  # before the engine's imports: they are part of a run's cost

import hashlib  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from io import StringIO  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from engine.errors import Severity  # noqa: E402
from engine.i18n import EN  # noqa: E402
from engine.project import Project  # noqa: E402
from engine.render import make_console, render_tree  # noqa: E402
from engine.schemacheck import save_verdicts  # noqa: E402
from engine.tree import OrgTree, organisation_tree  # noqa: E402
from engine.validate import Validation, validate  # noqa: E402


def has_batch() -> bool:
    """Whether the engine offers the parallel path (engine.batch.check_and_evaluate)."""
    if importlib.util.find_spec("engine.batch") is None:
        return False
    import engine.batch

    return hasattr(engine.batch, "check_and_evaluate")


def job(manuals: Path, data: Path, year: int, jobs: int) -> dict[str, Any]:
    phases: dict[str, float] = {"import": time.perf_counter() - START}
    t = time.perf_counter()
    project = Project(manuals, data)
    top = project.org.default  # bench/orggen.py's root (NASIONAL), the fixture's SINKA
    if top is None:
        raise SystemExit(f"{manuals}/organisation.yaml names no default owner")
    validation: Validation
    tree: OrgTree
    if has_batch():
        from engine.batch import check_and_evaluate

        validation, tree = check_and_evaluate(project, top, year, None, False, jobs)
        phases["check and evaluate"] = time.perf_counter() - t
    else:  # the two calls `iku validate` and `iku evaluate --tree` make
        if jobs != 1:
            raise SystemExit("jobs > 1 needs engine.batch.check_and_evaluate")
        validation = validate(project)
        phases["check"] = time.perf_counter() - t
        t = time.perf_counter()
        tree = organisation_tree(project, top, year, None, False)
        phases["evaluate"] = time.perf_counter() - t
    t = time.perf_counter()
    buf = StringIO()
    render_tree(make_console(buf, width=120), tree, EN)
    phases["render"] = time.perf_counter() - t
    errors = validation.count(Severity.ERROR)
    t = time.perf_counter()
    if not errors:  # as the CLI does after a clean run: what makes the next run warm
        save_verdicts()
    phases["save verdicts"] = time.perf_counter() - t
    rendered = buf.getvalue().encode("utf-8")
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return {
        "path": "engine.batch" if has_batch() else "validate + organisation_tree",
        "jobs": jobs,
        "phases": phases,
        "work": sum(v for k, v in phases.items() if k != "import"),
        "peak_mib": peak / 1024,  # ru_maxrss is in KiB on Linux
        "errors": errors,
        "warnings": validation.count(Severity.WARNING),
        "npss": {r.owner.code: None if r.evaluation.npss.value is None
                 else str(r.evaluation.npss.value)
                 for r in tree.rows if r.evaluation is not None},
        "rendered_sha256": hashlib.sha256(rendered).hexdigest(),
        "rendered_bytes": len(rendered),
    }


if __name__ == "__main__":
    manuals, data, year, jobs, out = sys.argv[1:6]
    result = job(Path(manuals), Path(data), int(year), int(jobs))
    Path(out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
