"""Shared fixtures: the project root, copies of the shipped manuals and data, and a runner
for the real command-line entry point."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
# The project's acceptance data: a copy of the shipped SINKA manuals and data that the tests
# own. `manual_iku/` and `datasets/` at the top are the users' working folders; a yearly
# commit there (a new revision, year or owner) must never turn `make test` red.
ACCEPTANCE = Path(__file__).resolve().parent / "acceptance"
MANUALS = ACCEPTANCE / "manual_iku"
DATASETS = ACCEPTANCE / "datasets"
GOLDEN = Path(__file__).resolve().parent / "golden"


# The same examples in every run: CI must not pass or fail by the draw. A case a property
# test has found is kept as an @example beside it. HYPOTHESIS_PROFILE=explore draws new
# examples, ten times as many, to look for such cases.
settings.register_profile("iku", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "iku"))


def pytest_configure(config: pytest.Config) -> None:
    # Tests parse every file afresh unless a test turns the parse cache on itself.
    os.environ["IKU_NO_CACHE"] = "1"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/* from the current output (review the diff)")


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch copy of manual_iku/ and datasets/, with the working directory in it."""
    shutil.copytree(MANUALS, tmp_path / "manual_iku")
    shutil.copytree(DATASETS, tmp_path / "datasets")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The acceptance project as the working directory (read only: tests that change files
    use `project`, a scratch copy)."""
    monkeypatch.chdir(ACCEPTANCE)
    return ACCEPTANCE


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """Call `iku` as the console script does (engine.cli.main), capturing its output."""
    from engine.cli import main

    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")

    def run(*argv: str) -> Run:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:  # argparse's --help and usage errors
                code = int(exc.code or 0)
        return Run(code, out.getvalue(), err.getvalue())

    return run


def edit(path: Path, old: str, new: str) -> int:
    """Replace `old` by `new` once in `path`; return the 1-based line where `new` starts."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    before = text[: text.index(old)]
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return before.count("\n") + 1


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Iterator[Callable[[str, str], None]]:
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"missing golden file {path}; run pytest --update-golden"
        expected = path.read_text(encoding="utf-8")
        assert text == expected, f"{name} differs from the golden file; if the change is " \
                                 "intended, run pytest --update-golden and review the diff"

    yield check
