"""The command line through its real entry points: help on every command, exit codes,
usage errors without tracebacks, NO_COLOR, atomic --output, `python -m engine` and the
installed `iku` script."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ACCEPTANCE, ROOT, Run

from engine.cli import COMMANDS, _command_in, build_parser


def test_every_command_has_help(cli: Callable[..., Run]) -> None:
    top = cli("--help")
    assert top.code == 0
    for name in COMMANDS:
        assert name in top.out
        result = cli(name, "--help")
        assert result.code == 0, name
        assert "usage: iku " + name in result.out
        assert len(result.out.splitlines()) > 5, name
    sub = build_parser()._subparsers._group_actions[0]  # type: ignore[union-attr]
    assert set(sub.choices) == set(COMMANDS)  # type: ignore[union-attr]


def test_a_command_gets_the_same_parser_built_alone() -> None:
    """main() builds only the named command's options (engine.cli.build_parser): its help,
    and so its options, are those of the whole parser; the others are listed all the same."""
    def commands(command: str | None) -> dict[str, argparse.ArgumentParser]:
        parser = build_parser(command)
        return parser._subparsers._group_actions[0].choices  # type: ignore[union-attr,return-value]

    whole = commands(None)
    for name in COMMANDS:
        alone = commands(name)
        assert set(alone) == set(COMMANDS)
        assert alone[name].format_help() == whole[name].format_help(), name
        assert alone[name]._defaults == whole[name]._defaults, name
    assert build_parser("evaluate").format_help() == build_parser().format_help()
    assert _command_in(["--lang", "id"]) is None
    assert _command_in(["--", "evaluate", "--tree"]) == "evaluate"
    assert _command_in(["evaluat"]) is None  # argparse names the mistake, listing every command


@pytest.mark.parametrize(("argv", "code", "message"), [
    (("evaluate", "--period", "2023-Q2"), 2, "is not a period"),
    (("evaluate", "--unit", "INTY"), 2, "did you mean `INTI`"),
    (("evaluate", "--year", "2019"), 3, "no dataset of SINKA for 2019"),
    (("explain", "IKU.16"), 2,
     "IKU.16 is not an indicator, objective, NKP or NPSS of SINKA's manual 2023-r2"),
    (("show", "--revision", "2023-r3"), 2, "did you mean `2023-r1`"),
    (("validate", "no/such/folder"), 2, "does not exist"),
    (("evaluate", "--format", "xml"), 2, "invalid choice"),
    (("frobnicate",), 2, "invalid choice"),
])
def test_usage_errors_are_messages_not_tracebacks(argv: tuple[str, ...], code: int,
                                                  message: str, in_root: Path,
                                                  cli: Callable[..., Run]) -> None:
    result = cli(*argv)
    assert result.code == code
    assert message in result.err
    assert "Traceback" not in result.err + result.out


def test_evaluate_with_a_broken_manual_exits_3(project: Path, cli: Callable[..., Run]) -> None:
    path = Path("manual_iku/deputi-sinka/2023-r2/iku/IKU.08.yaml")
    path.write_text(path.read_text().replace("formula: (L1 + L2 + L3) / 3",
                                             "formula: (L1 + L2 + L4) / 3"))
    result = cli("evaluate")
    assert result.code == 3
    assert "manual_iku/deputi-sinka/2023-r2/iku/IKU.08.yaml:51:1: error: formula uses " \
           "`L4`" in result.err


def test_output_is_written_atomically(project: Path, cli: Callable[..., Run]) -> None:
    target = project / "out.csv"
    target.write_text("old\n")
    result = cli("evaluate", "--format", "csv", "--output", str(target))
    assert result.code == 0
    assert target.read_text().startswith("objective,iku,indicator")
    assert sorted(p.name for p in project.iterdir()) == ["datasets", "manual_iku", "out.csv"]


def test_no_color_and_plain_output(in_root: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    result = subprocess.run([sys.executable, "-m", "engine", "evaluate"], cwd=ACCEPTANCE, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "\x1b[" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 100
    assert "IKU.8" in result.stdout


def test_installed_script_runs() -> None:
    script = shutil.which("iku", path=str(Path(sys.executable).parent))
    assert script is not None, "the iku console script is not installed in this environment"
    result = subprocess.run([script, "validate", "--format", "json"], cwd=ACCEPTANCE,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert '"ok": true' in result.stdout


def test_strict_passes_on_the_shipped_year(in_root: Path, cli: Callable[..., Run]) -> None:
    assert cli("evaluate", "--strict").code == 0


def test_period_year_chooses_the_data(in_root: Path, cli: Callable[..., Run]) -> None:
    result = cli("evaluate", "--period", "2022-TW1")
    assert result.code == 3
    assert "no dataset of SINKA for 2022 under datasets/deputi-sinka" in result.err
    assert cli("evaluate", "--period", "2023-TW1", "--format", "csv").code == 0


def test_issues_on_a_narrow_terminal_are_a_list(cli: Callable[..., Run],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(ROOT / "tests" / "fixtures" / "broken" / "several-at-once")
    out = cli("validate", ".", "--format", "table").out
    assert "error 2023/manual.yaml:13:1\n  perspective weights sum to 90, not 100\n" \
           "  hint: adjust the weights" in out


def test_validate_lines_are_never_wrapped(cli: Callable[..., Run],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """One line per problem on standard error, `file:line:col: severity: message [context]
    (hint)`, whatever the terminal's width: editors and CI logs link them."""
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.chdir(ROOT / "tests" / "fixtures" / "broken" / "several-at-once")
    result = cli("validate", ".")
    assert result.code == 1
    assert "2023/manual.yaml:13:1: error: perspective weights sum to 90, not 100 (adjust the " \
           "weights)\n" in result.err
    assert all(line.split(":")[0].endswith(".yaml") for line in result.err.splitlines())
    github = cli("validate", ".", "--format", "github").out
    assert "::error file=2023/manual.yaml,line=13,col=1::perspective weights sum to 90, not " \
           "100 (adjust the weights)" in github


def test_nothing_to_check_is_an_error(tmp_path: Path, cli: Callable[..., Run],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("validate")
    assert result.code == 3 and "nothing to check" in result.err
    assert "OK" not in result.out
    missing = cli("validate", "--manuals", "/nonexistent")
    assert missing.code == 3 and missing.err.count(": error: ") == 1


@pytest.mark.parametrize("command", [("evaluate",), ("explain", "IKU.8"), ("show",),
                                     ("reconcile",), ("diff", "2023-r1", "2023-r2")])
def test_output_fits_an_80_column_terminal(command: tuple[str, ...], in_root: Path,
                                           cli: Callable[..., Run],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = cli(*command).out
    assert out and max(len(line) for line in out.splitlines()) <= 80
    if command == ("show",):  # Table 6 readable: unit codes as headers, no 4-character column
        assert len(out.splitlines()) < 200


@pytest.mark.parametrize(("argv", "unused"), [
    # the table of `iku evaluate`: no tree, panel, validation summary or exporter
    (["evaluate"], ["rich.tree", "rich.panel", "engine.validate", "engine.export", "csv"]),
    (["check"], ["engine.needed", "engine.compare"]),  # `iku needed`'s and the comparison's
    (["explain", "IKU.1"], ["subprocess", "tempfile"]),  # `iku diff`'s git revisions
    # writing a file, evaluating one
    (["validate"], ["secrets", "random", "asteval", "engine.evaluate", "engine.rollup"]),
    (["show"], ["asteval", "engine.evaluate", "engine.rollup"]),
])
def test_commands_import_only_what_they_use(argv: list[str], unused: list[str]) -> None:
    """Start-up is part of every command's cost (bench/bench.py): these modules are imported
    by the commands that use them, never by these."""
    code = (f"import sys\nfrom engine.cli import main\nmain({argv!r})\n"
            f"print(sorted(m for m in {unused!r} if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], cwd=ACCEPTANCE, capture_output=True,
                         text=True, env={"PATH": "/usr/bin:/bin", "IKU_NO_CACHE": "1",
                                         "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"
