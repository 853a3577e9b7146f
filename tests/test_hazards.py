"""The red-team pass, hazard by hazard: each one tried as it was found, through the real
entry point, must end in a clear message and a non-zero exit (or the safe result), with
nothing changed on disk; and a property test that no loader ever raises or hangs.

Nothing here may hang: FIFOs are refused before `open` could block, and `_within` turns
a hang into a failure."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Run

from engine import safeio

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


