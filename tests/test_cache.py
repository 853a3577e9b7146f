"""The schema verdict cache (engine.schemacheck): warm runs skip the schema checks, any edit
is validated afresh, failing runs write nothing, junk in the cache file is ignored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import edit

PROBE = """
import sys
from engine.cli import main
code = main(sys.argv[1:])
import engine.schemacheck as s
print("schemas compiled:", s._fast.cache_info().currsize, file=sys.stderr)
print("jsonschema imported:", "jsonschema" in sys.modules, file=sys.stderr)
raise SystemExit(code)
"""


def run(project: Path, cache: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "IKU_NO_CACHE"}
    env.update({"IKU_CACHE_DIR": str(cache), "NO_COLOR": "1", "COLUMNS": "120"})
    return subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=project, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def test_warm_run_skips_schema_validation(project: Path, cache: Path) -> None:
    first = run(project, cache, "evaluate", "--format", "json")
    assert first.returncode == 0, first.stderr
    assert "schemas compiled: 0" not in first.stderr
    # valid files need only the compiled check (engine.fastschema), never jsonschema
    assert "jsonschema imported: False" in first.stderr
    verdicts = (cache / "schema-verdicts-v1").read_text().split()
    assert len(verdicts) >= 20 and all(len(v) == 64 for v in verdicts)
    second = run(project, cache, "evaluate", "--format", "json")
    assert second.returncode == 0
    assert "schemas compiled: 0" in second.stderr
    assert second.stdout == first.stdout


def test_an_edited_file_is_validated_again(project: Path, cache: Path) -> None:
    assert run(project, cache, "validate").returncode == 0
    line = edit(Path("manual_iku/deputi-sinka/2023-r2/iku/IKU.08.yaml"),
                "polarity: higher_is_better", "polarity: higher")
    result = run(project, cache, "validate", "--format", "json")
    assert result.returncode == 1
    assert f'"line": {line}' in result.stdout and "did you mean" in result.stdout
    assert "jsonschema imported: True" in result.stderr  # for the error's details


def test_a_failing_run_writes_nothing(project: Path, cache: Path) -> None:
    edit(Path("manual_iku/deputi-sinka/2023-r2/iku/IKU.08.yaml"),
         "polarity: higher_is_better", "polarity: higher")
    assert run(project, cache, "validate").returncode == 1
    assert not cache.exists()


def test_junk_in_the_cache_is_ignored(project: Path, cache: Path) -> None:
    cache.mkdir()
    (cache / "schema-verdicts-v1").write_text("not a hash\n" + "z" * 64 + "\n")
    result = run(project, cache, "validate")
    assert result.returncode == 0
    assert "schemas compiled: 0" not in result.stderr


def test_no_cache_switch(project: Path, cache: Path) -> None:
    env_run = subprocess.run(
        [sys.executable, "-m", "engine", "validate"], cwd=project,
        env={**os.environ, "IKU_CACHE_DIR": str(cache), "IKU_NO_CACHE": "1"},
        capture_output=True, text=True, timeout=60)
    assert env_run.returncode == 0
    assert not cache.exists()
