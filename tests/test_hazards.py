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
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import ACCEPTANCE, DATASETS, MANUALS, Run, edit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import formula, safeio, yamlload
from engine.dataset import load_dataset
from engine.manual import ManualSet, load_manual
from engine.project import Project
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
    before = sorted(p.name for p in Path("datasets").iterdir())
    result = cli("evaluate", "--output", "datasets")
    assert result.code == 2 and "--output datasets is a folder" in result.err
    assert sorted(p.name for p in Path("datasets").iterdir()) == before


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
    # nor can the link be an output: it was an input of the run, refused or not
    safeio.begin_run([project / "datasets"])
    try:
        with pytest.raises(safeio.InputError):
            safeio.read_regular(DATA / "IKU.96.yaml", 1000, "IKU.96.yaml")
        with pytest.raises(safeio.InputError) as info:
            safeio.write_output(DATA / "IKU.96.yaml", "report")
    finally:
        safeio.end_run()
    assert "is an input of this run" in str(info.value)
    assert secret.read_text().startswith("aws_secret_access_key=")
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
    assert "manual_iku/deputi-sinka/2023-r3: error: is a link to a folder" in result.err
    # named on the command line, the same folder is read
    result = cli("validate", str(elsewhere / "2023-r3"), "--manuals", str(elsewhere))
    assert result.code in (0, 1) and "is a link to a folder" not in result.out + result.err


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


# -- iku diff from git ----------------------------------------------------------------------
def _git(repo: Path, *args: str, stdin: bytes | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    return subprocess.run(["git", *args], cwd=repo, input=stdin, check=True, env=env,
                          capture_output=True).stdout.decode().strip()


def _tree(repo: Path, entries: list[tuple[str, str, str, str]]) -> str:
    """A tree made with `git mktree -z` from (mode, type, oid, name): any name at all."""
    text = b"".join(f"{m} {t} {o}\t".encode() + n.encode() + b"\0" for m, t, o, n in entries)
    return _git(repo, "mktree", "-z", stdin=text)


def _commit_with_revision(repo: Path, label: str, extra: list[tuple[str, str, str, str]],
                          iku: list[tuple[str, str, str, str]] | None = None) -> str:
    """A commit holding manual_iku/deputi-sinka/<label> = 2023-r2's files plus `extra`."""
    header = _git(repo, "rev-parse", f"HEAD:{R2}/manual.yaml")
    iku_tree = _tree(repo, iku if iku is not None else [
        ("100644", "blob", _git(repo, "rev-parse", f"HEAD:{R2}/iku/{n}"), n)
        for n in sorted(p.name for p in (repo / R2 / "iku").iterdir())])
    revision = _tree(repo, [("100644", "blob", header, "manual.yaml"),
                            ("040000", "tree", iku_tree, "iku"), *extra])
    owner = _tree(repo, [("040000", "tree", revision, label)])
    manuals = _tree(repo, [("040000", "tree", owner, "deputi-sinka")])
    root = _tree(repo, [("040000", "tree", manuals, "manual_iku")])
    return _git(repo, "commit-tree", root, "-m", "crafted")


@pytest.fixture
def repo(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project as a git repository, with the system's temporary folder in it."""
    _git(project, "init", "-q")
    _git(project, "add", "manual_iku")
    _git(project, "commit", "-qm", "base")
    temp = project / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return project


def test_a_tree_of_dot_dot_entries_writes_nothing_outside(repo: Path,
                                                          cli: Callable[..., Run]) -> None:
    evil = _git(repo, "hash-object", "-w", "--stdin", stdin=b"pwned: true\n")
    tree = _tree(repo, [("100644", "blob", evil, "EVIL.yaml")])
    for _ in range(8):  # deep enough to climb out of the temporary folder and the project
        tree = _tree(repo, [("040000", "tree", tree, "..")])
    commit = _commit_with_revision(repo, "2023-r9", [("040000", "tree", tree, "..")])
    result = cli("diff", f"{commit}:2023-r9", "2023-r2")
    assert result.code == 2
    assert "the tree holds an entry named '../../../../../../../../../EVIL.yaml'" in result.err
    _no_traceback(result)
    assert not [p for p in repo.parent.rglob("EVIL*")]
    assert list((repo / "tmp").iterdir()) == []


def test_a_relative_path_from_a_subfolder_stays_in_the_tool_s_folder(
        repo: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    sub = repo / "sub" / "deeper"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    result = cli("diff", "--manuals", "../../manual_iku",
                 "HEAD:../../manual_iku/deputi-sinka/2023-r1", "HEAD:2023-r2")
    assert result.code == 1 and "IKU.12" in result.out  # git's rule: ./ and ../ from here
    result = cli("diff", "--manuals", "../../manual_iku", "HEAD:../../../x", "2023-r2")
    assert result.code == 2 and "leads outside the repository" in result.err
    assert list((repo / "tmp").iterdir()) == []


@pytest.mark.parametrize("rev", ["--output=/tmp/iku-pwned", "-p", "--all"])
def test_a_revision_that_looks_like_an_option_never_reaches_git_as_one(
        rev: str, repo: Path, cli: Callable[..., Run]) -> None:
    result = cli("diff", "--", f"{rev}:2023-r1", "2023-r2")
    assert result.code == 2
    assert f"`{rev}` is not a revision" in result.err
    assert not Path("/tmp/iku-pwned").exists()


@pytest.mark.parametrize("name", ["IKU é.yaml", "IKU\t01.yaml", "IKU\n01.yaml", "-x.yaml",
                                  ".yaml"])
def test_a_name_git_would_quote_is_a_clean_error(name: str, repo: Path,
                                                 cli: Callable[..., Run]) -> None:
    blob = _git(repo, "rev-parse", f"HEAD:{R2}/iku/IKU.01.yaml")
    commit = _commit_with_revision(repo, "2023-r9", [], [("100644", "blob", blob, name)])
    result = cli("diff", f"{commit}:2023-r9", "2023-r2")
    assert result.code == 2
    assert "is not a plain name" in result.err or "entry named" in result.err
    _no_traceback(result)


def test_a_link_or_a_submodule_in_the_tree_is_a_clean_error(repo: Path,
                                                            cli: Callable[..., Run]) -> None:
    target = _git(repo, "hash-object", "-w", "--stdin", stdin=b"/etc/passwd")
    commit = _commit_with_revision(repo, "2023-r9", [],
                                   [("120000", "blob", target, "IKU.01.yaml")])
    result = cli("diff", f"{commit}:2023-r9", "2023-r2")
    assert result.code == 2 and "is a symbolic link, not a file" in result.err
    head = _git(repo, "rev-parse", "HEAD")
    commit = _commit_with_revision(repo, "2023-r9", [], [("160000", "commit", head, "IKU.01.yaml")])
    result = cli("diff", f"{commit}:2023-r9", "2023-r2")
    assert result.code == 2 and "is a submodule, not a file" in result.err


def test_messages_about_a_git_revision_name_it_as_git_does(repo: Path,
                                                           cli: Callable[..., Run]) -> None:
    broken = _git(repo, "hash-object", "-w", "--stdin", stdin=b"code: [\n")
    commit = _commit_with_revision(repo, "2023-r9", [], [("100644", "blob", broken,
                                                           "IKU.01.yaml")])
    result = cli("diff", f"{commit}:2023-r9", "2023-r2")
    assert result.code == 2
    assert f"{commit}:manual_iku/deputi-sinka/2023-r9/iku/IKU.01.yaml:2" in result.err
    assert "/tmp" not in result.err and "side-" not in result.err


# -- numbers --------------------------------------------------------------------------------
def test_the_number_bounds_are_the_formula_context_s() -> None:
    assert formula.CONTEXT.prec == yamlload.NUMBER_DIGITS
    assert formula.CONTEXT.Emax + 1 == yamlload.NUMBER_MAX_EXP
    assert formula.CONTEXT.Emin == yamlload.NUMBER_MIN_EXP


BIG = "7" * 5001
NUMBERS = [
    ("dataset, 5,001 digits", Path("datasets/dit-inti/2023/SS.03.01.yaml"), "X1: {value: 490,",
     f"X1: {{value: {BIG},",
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


# -- ordinary mistakes ----------------------------------------------------------------------
@pytest.mark.parametrize(("argv", "env", "message"), [
    (("evaluate",), {"COLUMNS": "abc"}, "COLUMNS=abc is not a whole number of columns"),
    (("show",), {"COLUMNS": "0"}, "COLUMNS=0 is not a whole number of columns"),
    (("evaluate", "--width", "0"), {}, "--width 0 is not a whole number of columns"),
    (("evaluate", "--width", "-5"), {}, "--width -5 is not"),
    (("explain", "IKU.8", "--width", "1000000000"), {}, "--width 1000000000 is not"),
    (("evaluate", "--year", "0"), {}, "--year 0 is not a year"),
    (("evaluate", "--period", "²"), {}, "`²` is not a period"),
    (("explain", "²"), {}, "² is not an indicator, objective, NKP or NPSS of SINKA's manual"),
    (("explain", "IKU." + "9" * 5000), {}, "is not an indicator, objective, NKP or NPSS"),
])
def test_a_bad_option_or_environment_value_is_a_usage_error(
        argv: tuple[str, ...], env: dict[str, str], message: str, in_root: Path,
        cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = cli(*argv)
    assert result.code == 2, result.err
    assert message in result.err
    _no_traceback(result)


def test_a_path_too_long_is_an_error_not_a_bug(in_root: Path, cli: Callable[..., Run]) -> None:
    result = cli("evaluate", "--manuals", "m" * 5000)
    assert result.code == 3 and "File name too long" in result.err
    _no_traceback(result)


def _run(argv: list[str], env: dict[str, str] | None = None,
         **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "engine", *argv], cwd=ACCEPTANCE,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=60, **kw)


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"},
                                 {"LC_ALL": "C", "PYTHONUTF8": "0",
                                  "PYTHONCOERCECLOCALE": "0", "PYTHONIOENCODING": ""}],
                         ids=["PYTHONIOENCODING=ascii", "C locale"])
def test_an_ascii_terminal_gets_question_marks_not_a_crash(env: dict[str, str]) -> None:
    result = _run(["evaluate"], env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert "88.89" in result.stdout and "? 88.94" in result.stdout  # ≠ cannot be shown


def test_a_closed_pipe_ends_quietly() -> None:
    for argv in (["show"], ["evaluate", "--format", "json"]):
        proc = subprocess.Popen([sys.executable, "-m", "engine", *argv], cwd=ACCEPTANCE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # `| head` that has already gone
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 141, err
        assert err == ""


def test_a_full_disk_or_a_closed_stdout_is_a_message() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "engine", "evaluate"], cwd=ACCEPTANCE,
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == 3
    assert result.stderr.startswith("error: cannot write standard output: No space left")
    closed = subprocess.run(f"'{sys.executable}' -m engine evaluate >&-", shell=True,
                            cwd=ACCEPTANCE, capture_output=True, text=True, timeout=60)
    assert closed.returncode == 0 and closed.stderr == ""


def _loaded(pid: int, library: str) -> bool:
    with contextlib.suppress(OSError):
        return library in Path(f"/proc/{pid}/maps").read_text()
    return False


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc")
@pytest.mark.parametrize("delay", [0.0, 0.03, 0.08, 0.15])
def test_ctrl_c_at_any_moment_ends_quietly(delay: float) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "engine", "validate"], cwd=ACCEPTANCE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    # yaml's C extension loads while engine.cli is imported: from then on we are in our code
    while not _loaded(proc.pid, "_yaml") and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err.decode(), err.decode()
    assert proc.returncode in (-signal.SIGINT, 130, 0, 1), proc.returncode


def test_ctrl_c_inside_a_command_is_130(in_root: Path, cli: Callable[..., Run],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from engine import cli as cli_module

    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setitem(cli_module.COMMANDS, "evaluate", interrupted)
    result = cli("evaluate")
    assert result.code == 130 and result.err == ""


# -- every loader: a result or issues with a place, never an exception, never a hang ---------
@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ManualSet]:
    root = tmp_path_factory.mktemp("property")
    shutil.copytree(MANUALS / "deputi-sinka" / "2023-r2", root / "2023-r2")
    shutil.copytree(DATASETS / "deputi-sinka" / "2023", root / "2023")
    manuals = Project(MANUALS, DATASETS).manuals("SINKA", 2023)
    return root, manuals


KINDS = {  # file kind -> (file in the scratch copy, the shipped file it starts from)
    "manual header": ("2023-r2/manual.yaml", MANUALS / "deputi-sinka/2023-r2/manual.yaml"),
    "IKU file": ("2023-r2/iku/IKU.08.yaml", MANUALS / "deputi-sinka/2023-r2/iku/IKU.08.yaml"),
    "dataset file": ("2023/IKU.08.yaml", DATASETS / "deputi-sinka/2023/IKU.08.yaml"),
    "reported file": ("2023/reported.yaml", DATASETS / "deputi-sinka/2023/reported.yaml"),
}

_YAMLISH = st.lists(st.sampled_from(  # YAML's punctuation and words that mean something to us
    [*"abIKU.08:-[]{},'\"&*!#|>%@`?~ \n\t\\", "1e9999", "0x1F", "\u202e", "é", "\x00", "yes",
     ": ", "- ", "  ", "\n  ", "2023-TW2", "iku", "year", "values", "period", "unit", "inputs",
     "value", "figures", "code", "formula", "targets"]), max_size=80).map("".join)
_SCALARS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40), st.booleans(), st.none(),
    st.decimals(allow_nan=False, allow_infinity=False, places=None),
    st.text(max_size=20), st.sampled_from(["IKU.99", "2023-TW9", "2023-13-45", "TW2", "Y",
                                           "mean", "sum", "owner_only", "1e999999999", ""]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6)


def _flow(value: Any) -> str:
    """`value` as YAML flow text (JSON is a subset), numbers written as numbers."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value)


def _mutated(shipped: Path, data: st.DataObject) -> str:
    doc, _ = parse_text(shipped.read_text(encoding="utf-8"), "f")
    assert doc is not None
    paths = sorted(doc.lines, key=str)
    where = data.draw(st.sampled_from(paths))
    new = data.draw(_VALUES)
    copy = json.loads(json.dumps(doc.data, default=str))  # Decimals become text; fine here

    def put(node: Any, path: tuple[Any, ...]) -> Any:
        if not path:
            return new
        key = path[0]
        present = key in node if isinstance(node, dict) else \
            isinstance(node, list) and isinstance(key, int) and key < len(node)
        if present:
            node[key] = put(node[key], path[1:])
        return node

    return _flow(put(copy, where))


def _check_loader(kind: str, content: bytes, scratch: tuple[Path, ManualSet]) -> None:
    root, manuals = scratch
    name, shipped = KINDS[kind]
    path = root / name
    path.write_bytes(content)
    try:
        with _within(10):
            if kind in ("manual header", "IKU file"):
                issues = list(load_manual(root / "2023-r2").issues)
            else:
                issues = list(load_dataset(root / "2023", manuals).issues)
    finally:
        path.write_bytes(shipped.read_bytes())
    for issue in issues:
        assert issue.location is not None and issue.location.file, issue
        assert issue.message


_PROPERTY = settings(max_examples=15, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])


@pytest.mark.parametrize("kind", list(KINDS))
@_PROPERTY
@given(content=st.binary(max_size=600))
def test_random_bytes_never_break_a_loader(kind: str, content: bytes,
                                           scratch: tuple[Path, ManualSet]) -> None:
    _check_loader(kind, content, scratch)


@pytest.mark.parametrize("kind", list(KINDS))
@_PROPERTY
@given(text=_YAMLISH)
def test_random_yamlish_text_never_breaks_a_loader(kind: str, text: str,
                                                   scratch: tuple[Path, ManualSet]) -> None:
    _check_loader(kind, text.encode("utf-8", "surrogatepass"), scratch)


@pytest.mark.parametrize("kind", list(KINDS))
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_a_shipped_file_with_one_value_changed_never_breaks_a_loader(
        kind: str, data: st.DataObject, scratch: tuple[Path, ManualSet]) -> None:
    _check_loader(kind, _mutated(KINDS[kind][1], data).encode("utf-8", "surrogatepass"),
                  scratch)


def test_a_run_resolves_paths_as_realpath_does(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A run resolves each folder once (safeio._realpath): the answer is realpath's for a
    plain file, a link to a file inside or outside, a named folder that is a link, `..`, a
    missing file, and a file that turned into a link after the run began."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "real" / "sub" / "a.yaml").write_text("a: 1\n")
    (tmp_path / "outside.yaml").write_text("b: 2\n")
    os.symlink("a.yaml", tmp_path / "real" / "sub" / "in.yaml")
    os.symlink(tmp_path / "outside.yaml", tmp_path / "real" / "sub" / "out.yaml")
    os.symlink("real", tmp_path / "named")
    paths = [Path(p) for p in ("real/sub/a.yaml", "real/sub/in.yaml", "real/sub/out.yaml",
                               "named/sub/a.yaml", "named/sub/../sub/in.yaml",
                               "real/sub/missing.yaml", str(tmp_path / "real/sub/a.yaml"))]
    safeio.begin_run([Path("named"), Path("real")])
    try:
        safeio.check_folders([Path("named"), Path("real")])
        for _ in range(2):  # the second time from what the run remembers
            for p in paths:
                assert safeio._realpath(p) == os.path.realpath(p), p
        os.rename("real/sub/a.yaml", "real/sub/b.yaml")
        os.symlink("b.yaml", "real/sub/a.yaml")  # the file is a link now
        assert safeio._realpath(Path("real/sub/a.yaml")) == os.path.realpath("real/sub/a.yaml")
    finally:
        safeio.end_run()


def test_a_folder_swapped_for_a_link_during_a_run_is_resolved_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run remembers each folder's resolution (safeio._realpath), but only while the folder
    is the one it resolved: swapped for a link to a folder outside after the run read from
    it, its files lead outside and are refused, never read through the remembered path."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "real" / "sub" / "a.yaml").write_text("a: 1\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "a.yaml").write_text("secret: 2\n")
    safeio.begin_run([Path("real")])
    try:
        safeio.check_folders([Path("real")])
        assert safeio.read_regular(Path("real/sub/a.yaml"), 100, "a") == b"a: 1\n"
        os.rename("real/sub", "real/old")
        os.symlink(tmp_path / "outside", "real/sub")
        assert safeio._realpath(Path("real/sub/a.yaml")) == str(tmp_path / "outside/a.yaml")
        with pytest.raises(safeio.InputError, match="leads outside"):
            safeio.read_regular(Path("real/sub/a.yaml"), 100, "a")
    finally:
        safeio.end_run()
