"""The parse cache (engine.parsecache): a warm run reads no YAML it has parsed before and
prints the same bytes; an edited file is parsed afresh; junk, a folder others can write and
a folder inside the project are never used; entries read back as the very same values."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import edit

from engine import parsecache

PROBE = """
import sys
import engine.yamlload as y
parsed = []
original = y._document
def counting(loader, lines):
    parsed.append(1)
    return original(loader, lines)
y._document = counting
from engine.cli import main
code = main(sys.argv[1:])
print("parsed:", len(parsed), file=sys.stderr)
raise SystemExit(code)
"""


def run(project: Path, cache: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "IKU_NO_CACHE"}
    env.update({"IKU_CACHE_DIR": str(cache), "NO_COLOR": "1", "COLUMNS": "120"})
    return subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=project, env=env,
                          capture_output=True, text=True, timeout=60)


def parsed(result: subprocess.CompletedProcess[str]) -> int:
    line = next(x for x in result.stderr.splitlines() if x.startswith("parsed: "))
    return int(line.split()[1])


def entries(cache: Path) -> list[Path]:
    return [p for p in (cache / parsecache.FOLDER).rglob("*") if p.is_file()]


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def test_a_warm_run_parses_nothing_and_prints_the_same(project: Path, cache: Path) -> None:
    first = run(project, cache, "evaluate", "--format", "json")
    assert first.returncode == 0, first.stderr
    assert parsed(first) > 100
    assert len(entries(cache)) == parsed(first)
    assert oct(cache.stat().st_mode & 0o777) == "0o700"  # made for this user alone
    second = run(project, cache, "evaluate", "--format", "json")
    assert second.returncode == 0
    assert parsed(second) == 0
    assert second.stdout == first.stdout


def test_an_edited_file_is_parsed_again(project: Path, cache: Path) -> None:
    assert run(project, cache, "validate").returncode == 0
    line = edit(Path("manual_iku/deputi-sinka/2023-r2/iku/IKU.08.yaml"),
                "polarity: higher_is_better", "polarity: higher")
    result = run(project, cache, "validate", "--format", "json")
    assert result.returncode == 1
    assert parsed(result) == 1  # that file alone
    assert f'"line": {line}' in result.stdout and "did you mean" in result.stdout


def test_junk_in_the_cache_is_ignored(project: Path, cache: Path) -> None:
    clean = run(project, cache, "evaluate", "--format", "json")
    for n, entry in enumerate(entries(cache)):
        entry.write_text(["not json", "{}", '{"key": "x"}', "[1, 2]", "{" * 5000][n % 5])
    again = run(project, cache, "evaluate", "--format", "json")
    assert again.returncode == 0 and again.stdout == clean.stdout
    assert parsed(again) == parsed(clean)  # every entry refused, every file parsed


def test_a_cache_others_can_write_is_not_used(project: Path, cache: Path) -> None:
    cache.mkdir(mode=0o700)
    cache.chmod(0o777)
    first = run(project, cache, "validate")
    assert first.returncode == 0
    assert not (cache / parsecache.FOLDER).exists()
    assert parsed(run(project, cache, "validate")) == parsed(first)


def test_a_cache_inside_the_project_is_not_used(project: Path) -> None:
    inside = project / "manual_iku" / ".cache"
    assert run(project, inside, "validate").returncode == 0
    assert not inside.exists()


def test_no_cache_switch(project: Path, cache: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "engine", "validate"], cwd=project,
        env={**os.environ, "IKU_CACHE_DIR": str(cache), "IKU_NO_CACHE": "1"},
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert not cache.exists()


VALUES = {"int": 5, "decimal": Decimal("5"), "point": Decimal("5.0"), "exp": Decimal("1E+2"),
          "negzero": Decimal("-0"), "small": Decimal("0.000"), "bool": True, "none": None,
          "text": "99,5 % \u00e9\n\"quoted\"", "2023": [1, Decimal("2.50"), [], {}],
          "nested": {"a": [{"b": False}]}}


def test_entries_read_back_as_the_same_values(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IKU_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.delenv("IKU_NO_CACHE")
    lines = {(): (1, 1), ("2023", 1): (3, 5), ("nested", "a", 0, "b"): (9, 7)}
    parsecache.put("d" * 64, VALUES, lines)
    data, back = parsecache.get("d" * 64)  # type: ignore[misc]
    assert back == lines
    assert data == VALUES
    for k, v in VALUES.items():  # the same types and exponents, not only equal values
        assert type(data[k]) is type(v) and repr(data[k]) == repr(v), k
    assert parsecache.get("e" * 64) is None


def test_another_loader_does_not_read_an_entry(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IKU_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.delenv("IKU_NO_CACHE")
    parsecache.put("d" * 64, {"a": 1}, {(): (1, 1)})
    monkeypatch.setattr(parsecache, "_loader_id", lambda: "a changed loader")
    assert parsecache.get("d" * 64) is None


def test_the_cache_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IKU_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.delenv("IKU_NO_CACHE")
    for n in range(60):
        parsecache.put(f"{n:064x}", {"n": n}, {(): (1, 1)})
    parsecache.trim(limit=50)
    assert len(entries(tmp_path / "c")) == 40  # trimmed to 80 % of the limit
