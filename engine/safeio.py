"""Files in and out, safely: what a run reads and where it may write.

Manuals and datasets are untrusted files in folders that other people fill, and
`--output` is a path typed by hand. This module holds the three rules that keep
a run from hanging or leaking anything (README, "What iku reads and
writes"):

* **Reading** (`read_regular`): only regular files, checked with `stat` before
  the file is opened (so a FIFO is refused before `open` could block) and with
  `fstat` on the opened descriptor (so what is read is what was checked); the
  size is checked on the descriptor before a byte is read (a 2 GB sparse file
  costs nothing) and the read itself stops at the limit + 1 byte (a file that
  lies about its size, such as one in /proc, cannot grow memory). In a CLI run,
  a file found inside a folder the user named must lie inside that folder once
  symbolic links are followed; a link that leads out is refused at the file,
  without reading it, so that no byte of a file outside the project can appear
  in a message. A folder that cannot be listed is an error naming it
  (`check_folders`), never a silent skip.
* **The run's registry**: every file read is remembered by resolved path and by
  (device, inode), so that an output can never be written over an input of the
  same run, whatever link or second name leads to it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import EXIT_INPUT, InputError, Issue, Location, error

# Files whose kind we name in messages; anything else is "a special file".
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def kind_of(mode: int) -> str:
    """What a file of this mode is, for messages.

    >>> kind_of(stat.S_IFIFO), kind_of(stat.S_IFREG)
    ('a named pipe (FIFO)', 'a regular file')
    """
    if stat.S_ISREG(mode):
        return "a regular file"
    return next((name for test, name in _KINDS if test(mode)), "a special file")


@dataclass
class _Run:
    """What this run may read from and has read."""

    confined: bool = False  # True once the CLI has named the roots; library callers read freely
    roots: list[Path] = field(default_factory=list)  # resolved folders (or files) the user named
    read_ids: set[tuple[int, int]] = field(default_factory=set)  # (st_dev, st_ino) of files read
    read_paths: set[Path] = field(default_factory=set)  # resolved paths of files read


_RUN = _Run()


def begin_run(named: Iterable[Path]) -> None:
    """Start a CLI run: forget earlier runs (tests run many in one process) and confine
    reading to what lies below the paths the user named (or our defaults for them)."""
    global _RUN
    _RUN = _Run(confined=True)
    for path in named:
        allow_root(path)


def end_run() -> None:
    """End a CLI run: reading is unconfined again (for library callers in the same process)."""
    global _RUN
    _RUN = _Run()


def allow_root(path: Path) -> None:
    """Let the run read below `path` as well (the folder a command made itself, say)."""
    root = Path(os.path.realpath(path))
    if root not in _RUN.roots:
        _RUN.roots.append(root)


def was_read(path: Path) -> bool:
    """Whether this run read `path` (under any name: links and hard links count)."""
    try:
        st = os.stat(path)
    except OSError:
        return Path(os.path.realpath(path)) in _RUN.read_paths
    return (st.st_dev, st.st_ino) in _RUN.read_ids or \
        Path(os.path.realpath(path)) in _RUN.read_paths


def _inside_roots(resolved: Path) -> bool:
    return any(resolved == root or root in resolved.parents for root in _RUN.roots)


def _refused(message: str, shown: str, hint: str = "", code: str = "io") -> InputError:
    return InputError((error(message, Location(shown), hint=hint, code=code),), EXIT_INPUT)


def read_regular(path: Path, limit: int, shown: str, confine: bool = True) -> bytes:
    """The bytes of `path`, a regular file of at most `limit` bytes; otherwise an
    `InputError` with one issue at `shown`. `confine=False` is for our own files (the
    verdict cache), which lie outside the project by design."""
    try:
        before = os.stat(path)  # follows links: what matters is what the path leads to
    except OSError as exc:
        raise _refused(f"cannot read file: {exc.strerror}", shown) from None
    if not stat.S_ISREG(before.st_mode):
        raise _refused(f"is {kind_of(before.st_mode)}, not a regular file", shown,
                       "iku reads only regular files; remove it or put the file itself "
                       "in its place")
    resolved = Path(os.path.realpath(path))
    if confine and _RUN.confined and not _inside_roots(resolved):
        raise _refused(f"leads outside the folders named on the command line (to {resolved})",
                       shown, "iku follows a link only when it stays inside the folder you "
                       "named; copy the file in, or name it on the command line", "link")
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        # The resolved path, without following a link at its end: what was checked above is
        # what is opened, unless someone swaps it in between, which fstat then catches.
        fd = os.open(resolved, flags)
    except OSError as exc:
        raise _refused(f"cannot read file: {exc.strerror}", shown) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _refused(f"is {kind_of(st.st_mode)}, not a regular file", shown)
        if st.st_size > limit:
            raise _size_error(st.st_size, limit, shown)
        chunks: list[bytes] = []
        left = limit + 1  # one byte more than allowed tells a file that lied about its size
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise _refused(f"cannot read file: {exc.strerror}", shown) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise _size_error(None, limit, shown)
    _RUN.read_ids.add((st.st_dev, st.st_ino))
    _RUN.read_paths.add(resolved)
    return data


def _size_error(size: int | None, limit: int, shown: str) -> InputError:
    what = f"file is {size:,} bytes" if size is not None else "file is larger than it says"
    return _refused(f"{what}, over the limit of {limit:,}", shown,
                    "split it, or check that it is the file you meant", "yaml-size")


def check_folders(roots: Iterable[Path]) -> None:
    """Every folder at or below `roots` can be listed and entered, and none is a link to a
    folder; otherwise an `InputError` naming each such folder. Discovery (pathlib's glob)
    skips both without a word, which would quietly choose an older revision or year.

    A named root may itself be a link (the user named it); a link to a folder found below
    one is refused, wherever it leads: following it could leave the project or loop."""
    from engine.yamlload import display_path  # the loader imports this module

    issues: list[Issue] = []
    stack = [r for r in roots if _is_dir(r)]
    seen: set[str] = set()
    while stack:
        folder = stack.pop()
        key = os.path.realpath(folder)
        if key in seen:
            continue
        seen.add(key)
        try:
            with os.scandir(folder) as it:
                entries = list(it)
            for entry in entries:
                # lstat needs the folder's search (x) permission, which listing does not
                entry.stat(follow_symlinks=False)
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_symlink() and _is_dir(Path(entry.path)):
                    # the link's own name, not where it leads (display_path resolves links)
                    shown = f"{display_path(folder)}/{entry.name}"
                    issues.append(error(
                        f"is a link to a folder ({os.path.realpath(entry.path)})",
                        Location(shown), hint="iku does not follow links to folders inside "
                        "the folders you name; move the folder here, or name it on the command "
                        "line (--manuals, --data or a path)", code="link"))
        except OSError as exc:
            shown = display_path(folder)
            issues.append(error(f"cannot read folder {shown}: {exc.strerror}", Location(shown),
                                hint="give yourself read and search permission on it "
                                     "(chmod u+rx), or move it out of the way",
                                code="io"))
    if issues:
        raise InputError(tuple(issues), EXIT_INPUT)


def _is_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False
