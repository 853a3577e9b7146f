"""The red-team pass, hazard by hazard: each one tried as it was found, through the real
entry point, must end in a clear message and a non-zero exit (or the safe result), with
nothing changed on disk; and a property test that no loader ever raises or hangs.

Nothing here may hang: FIFOs are refused before `open` could block, and `_within` turns
a hang into a failure."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, edit

from engine import formula, safeio, yamlload
from engine.yamlload import parse_text

DATA = Path("datasets/deputi-sinka/2023")
R2 = Path("manual_iku/deputi-sinka/2023-r2")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


class _TooSlow(Exception):
    pass


@contextlib.contextmanager
def _within(seconds: float) -> Iterator[None]:
    """Fail instead of hanging: an alarm interrupts whatever blocks."""
    def alarm(signum: int, frame: object) -> None:
        raise _TooSlow(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _no_traceback(result: Run) -> None:
    assert "Traceback" not in result.out + result.err
    assert "internal error" not in result.err


# -- --output can destroy data --------------------------------------------------------------
def test_output_onto_an_input_is_refused(project: Path, cli: Callable[..., Run]) -> None:
    target = DATA / "IKU.01.yaml"
    before = target.read_bytes()
    result = cli("evaluate", "--format", "json", "--output", str(target))
    assert result.code == 2
    assert f"--output {target} is an input of this run" in result.err
    assert target.read_bytes() == before
    # under another name: a link, or a hard link, to the same file
    os.symlink(target.resolve(), project / "link.yaml")
    os.link(target, project / "hard.yaml")
    for other in ("link.yaml", "hard.yaml"):
        result = cli("evaluate", "--format", "json", "--output", other)
        assert result.code == 2 and "is an input of this run" in result.err, other
    assert target.read_bytes() == before
    assert not list(project.glob(".*.tmp")) and not list(DATA.glob(".*"))


@pytest.mark.skipif(not IS_ROOT, reason="making a device node needs root")
def test_output_onto_a_device_node_keeps_the_device(project: Path,
                                                   cli: Callable[..., Run]) -> None:
    node = project / "zero"
    os.mknod(node, 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero's numbers
    result = cli("evaluate", "--output", str(node))
    assert result.code == 2
    assert "is a character device; iku does not write there" in result.err
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def test_output_onto_a_socket_or_a_folder_is_refused(project: Path,
                                                     cli: Callable[..., Run]) -> None:
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind("s.sock")
        result = cli("evaluate", "--output", "s.sock")
        assert result.code == 2 and "is a socket" in result.err
        assert stat.S_ISSOCK(os.lstat("s.sock").st_mode)
    finally:
        sock.close()
    result = cli("evaluate", "--output", "datasets")
    assert result.code == 2 and "--output datasets is a folder" in result.err
    assert sorted(p.name for p in Path("datasets").iterdir()) == ["deputi-sinka"]


def test_output_into_a_missing_folder_is_a_usage_error(project: Path,
                                                       cli: Callable[..., Run]) -> None:
    result = cli("evaluate", "--output", "no/such/folder/out.json")
    assert result.code == 2
    assert "folder" in result.err and "does not exist" in result.err
    _no_traceback(result)
    assert not Path("no").exists()


def test_output_streams_to_dev_null_dash_and_a_read_fifo(project: Path,
                                                         cli: Callable[..., Run]) -> None:
    assert cli("evaluate", "--output", os.devnull).code == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    result = cli("evaluate", "--format", "csv", "--output", "-")
    assert result.code == 0 and result.out.startswith("objective,iku,")
    fifo = project / "pipe"
    os.mkfifo(fifo)
    with _within(10):  # nobody reads: refused at once, not blocked on open
        result = cli("evaluate", "--format", "csv", "--output", str(fifo))
    assert result.code == 2 and "nobody is reading this pipe" in result.err
    with _within(10):
        reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
        time.sleep(0.2)  # let cat open its end
        result = cli("evaluate", "--format", "csv", "--output", str(fifo))
        out, _ = reader.communicate(timeout=10)
    assert result.code == 0 and out.startswith(b"objective,iku,")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_output_keeps_the_files_permissions_and_leaves_no_temporary(
        project: Path, cli: Callable[..., Run]) -> None:
    target = project / "out.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    assert cli("evaluate", "--format", "csv", "--output", str(target)).code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_text().startswith("objective,iku,")
    assert sorted(p.name for p in project.iterdir()) == ["datasets", "manual_iku", "out.csv"]


def test_an_interrupted_output_changes_nothing(project: Path, cli: Callable[..., Run],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    target = project / "out.csv"
    target.write_text("old\n")

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(safeio.os, "replace", interrupted)
    result = cli("evaluate", "--format", "csv", "--output", str(target))
    assert result.code == 130
    _no_traceback(result)
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in project.iterdir()) == ["datasets", "manual_iku", "out.csv"]


# -- files that are not what they seem ------------------------------------------------------
def _data_error(result: Run, name: str) -> str:
    """The one-line issue about data file `name` on stderr."""
    lines = [line for line in result.err.splitlines() if f"{DATA}/{name}" in line]
    assert lines, result.err
    return lines[0]


def test_a_fifo_named_like_a_data_file_is_refused_without_hanging(
        project: Path, cli: Callable[..., Run]) -> None:
    os.mkfifo(DATA / "IKU.99.yaml")
    with _within(10):
        result = cli("evaluate", "--format", "csv")
    assert result.code == 3
    assert "is a named pipe (FIFO), not a regular file" in _data_error(result, "IKU.99.yaml")


def test_a_link_to_dev_zero_is_refused(project: Path, cli: Callable[..., Run]) -> None:
    os.symlink("/dev/zero", DATA / "IKU.98.yaml")
    with _within(10):
        result = cli("evaluate", "--format", "csv")
    assert result.code == 3
    assert "not a regular file" in _data_error(result, "IKU.98.yaml")


def test_a_sparse_file_is_refused_by_its_size_before_it_is_read(
        project: Path, cli: Callable[..., Run]) -> None:
    with open(DATA / "IKU.97.yaml", "wb") as fh:
        fh.truncate(2 * 1024**3)  # 2 GB of nothing on disk
    start = time.perf_counter()
    result = cli("evaluate", "--format", "csv")
    assert time.perf_counter() - start < 5
    assert result.code == 3
    assert "file is 2,147,483,648 bytes, over the limit of 524,288" in \
        _data_error(result, "IKU.97.yaml")


def test_a_file_that_lies_about_its_size_is_read_only_to_the_limit(tmp_path: Path) -> None:
    # /proc files say 0 bytes; the read stops at the limit + 1 byte all the same
    with pytest.raises(safeio.InputError) as info:
        safeio.read_regular(Path("/proc/self/status"), 10, "status")
    assert "over the limit of 10" in str(info.value)


def test_a_link_out_of_the_project_is_refused_and_its_content_never_shown(
        project: Path, tmp_path_factory: pytest.TempPathFactory,
        cli: Callable[..., Run]) -> None:
    secret = tmp_path_factory.mktemp("home") / "credentials"
    secret.write_text("aws_secret_access_key=SECRET-0123456789\n")
    os.symlink(secret, DATA / "IKU.96.yaml")
    for argv in (("evaluate",), ("validate",), ("validate", "--format", "json"),
                 ("explain", "IKU.8")):
        result = cli(*argv)
        assert "SECRET" not in result.out + result.err, argv
        assert result.code in (1, 3), argv
    result = cli("evaluate", "--format", "csv")
    line = _data_error(result, "IKU.96.yaml")
    assert "leads outside the folders named on the command line" in line
    # a link that stays inside is followed, and a file named on the command line is read
    (DATA / "IKU.96.yaml").unlink()
    (project / "datasets" / "shared").mkdir()
    os.rename(DATA / "IKU.08.yaml", project / "datasets" / "shared" / "iku8.txt")
    os.symlink("../../shared/iku8.txt", DATA / "IKU.08.yaml")
    assert cli("evaluate", "--format", "csv").code == 0


def test_a_link_to_a_folder_inside_the_manuals_is_refused(project: Path,
                                                          cli: Callable[..., Run]) -> None:
    elsewhere = project / "elsewhere"
    shutil.copytree(R2, elsewhere / "2023-r3")
    os.symlink(elsewhere / "2023-r3", "manual_iku/deputi-sinka/2023-r3")
    result = cli("evaluate")
    assert result.code == 3
    assert "error: manual_iku/deputi-sinka/2023-r3: is a link to a folder" in result.err
    # named on the command line, the same folder is read
    result = cli("validate", str(elsewhere / "2023-r3"), "--manuals", str(elsewhere))
    assert result.code in (0, 1) and "link" not in result.out + result.err


def test_an_unreadable_revision_folder_is_an_error_not_a_skip(
        project: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if str(path).endswith("2023-r2"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)  # what chmod 000 does for anyone but root
    result = cli("evaluate")
    assert result.code == 3
    assert "cannot read folder manual_iku/deputi-sinka/2023-r2: Permission denied" in result.err
    assert "2023-r1" not in result.out  # no quiet fall-back to the older revision


@pytest.mark.skipif(IS_ROOT, reason="root reads folders whatever their permissions")
def test_an_unreadable_folder_really_chmodded(project: Path, cli: Callable[..., Run]) -> None:
    folder = project / DATA
    folder.chmod(0)
    try:
        result = cli("evaluate")
    finally:
        folder.chmod(0o755)
    assert result.code == 3
    assert f"cannot read folder {DATA}" in result.err


# -- numbers --------------------------------------------------------------------------------
def test_the_number_bounds_are_the_formula_context_s() -> None:
    assert formula.CONTEXT.prec == yamlload.NUMBER_DIGITS
    assert formula.CONTEXT.Emax + 1 == yamlload.NUMBER_MAX_EXP
    assert formula.CONTEXT.Emin == yamlload.NUMBER_MIN_EXP


BIG = "7" * 5001
NUMBERS = [
    ("dataset, 5,001 digits", DATA / "IKU.08.yaml", "X1: {value: 490,", f"X1: {{value: {BIG},",
     "has 5,001 significant digits"),
    ("printed figure 1e999999999999", DATA / "reported.yaml", "value: 88.94",
     "value: 1e999999999999", "is too large"),
    ("printed figure of 400 digits", DATA / "reported.yaml", "value: 88.94",
     "value: " + "9" * 400, "has 400 significant digits"),
    ("header weight", R2 / "manual.yaml", "weight: 30", "weight: 1e-31",
     "more than 30 decimal places"),
    ("IKU target", R2 / "iku" / "IKU.01.yaml", "value: 88\n", "value: 1" + "0" * 21 + "\n",
     "is too large"),
]


@pytest.mark.parametrize(("name", "path", "old", "new", "message"), NUMBERS,
                         ids=[n[0] for n in NUMBERS])
def test_every_number_is_bounded_at_its_line(name: str, path: Path, old: str, new: str,
                                             message: str, project: Path,
                                             cli: Callable[..., Run]) -> None:
    line = edit(path, old, new)
    result = cli("evaluate", "--format", "json")
    assert result.code == 3, result.err
    _no_traceback(result)
    assert f"{path}:{line}:" in result.err and message in result.err
    assert "Infinity" not in result.out and "NaN" not in result.out


def test_json_numbers_are_strict_and_exact(project: Path, cli: Callable[..., Run]) -> None:
    edit(DATA / "reported.yaml", "value: 88.94", "value: 12345678901234567.89")
    result = cli("evaluate", "--format", "json")
    assert result.code == 0, result.err

    def refuse(constant: str) -> None:
        raise ValueError(constant)

    out = json.loads(result.out, parse_constant=refuse, parse_float=Decimal)
    assert out["rows"][0]["printed"]["realisasi"] == Decimal("12345678901234567.89")
    assert '"realisasi": 12345678901234567.89' in result.out
    assert out["npss"] == Decimal("99.37")


def test_an_escaped_bidi_character_is_refused_like_a_written_one() -> None:
    _, issues = parse_text('name: "abc\\u202edef"\n', "f.yaml")
    assert issues and "U+202E" in issues[0].message and issues[0].location is not None
