"""The folder of small broken manuals: `tests/fixtures/broken/<case>/` holds a complete small
manual with one defect. The line that the error must name carries a `# expect: <text>`
comment; each case must produce exactly the errors its markers announce, at those lines,
in one run."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run

BROKEN = Path(__file__).resolve().parent / "fixtures" / "broken"
MARK = re.compile(r"#\s*expect:\s*(.+?)\s*$")


def markers(case: Path) -> list[tuple[Path, int, str]]:
    found = []
    for path in sorted(case.rglob("*.yaml")):
        text = path.read_bytes().decode("utf-8", errors="replace")
        for lineno, line in enumerate(text.split("\n"), start=1):
            m = MARK.search(line)
            if m:
                found.append((path, lineno, m.group(1)))
    return found


CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


def test_there_is_a_case_per_error_kind() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES)
def test_broken_manual_reports_its_marked_errors(case: str, cli: Callable[..., Run],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    folder = BROKEN / case
    monkeypatch.chdir(folder)
    expected = markers(folder)
    assert expected, f"{case} has no `# expect:` marker"
    result = cli("validate", ".", "--format", "json")
    assert result.code == 1, result.out
    errors = [i for i in json.loads(result.out)["issues"] if i["severity"] == "error"]
    for path, line, text in expected:
        shown = str(path.relative_to(folder))
        hits = [i for i in errors if i["file"] == shown and i["line"] == line
                and text in f"{i['message']} {i['hint'] or ''}"]
        assert hits, f"{case}: no error at {shown}:{line} with {text!r}; got " + \
            "; ".join(f"{i['file']}:{i['line']} {i['message']}" for i in errors)
    assert len(errors) == len(expected), f"{case}: unexpected errors: " + \
        "; ".join(f"{i['file']}:{i['line']} {i['message']}" for i in errors)
