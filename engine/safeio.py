"""Files in and out, safely: what a run reads and where it may write.

Manuals and datasets are untrusted files in folders that other people fill, and
`--output` is a path typed by hand. This module holds the three rules that keep
a run from hanging, leaking or destroying anything (README, "What iku reads and
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
  in a message. A folder that cannot be listed or entered, and a link to a
  folder below a named one, is an error naming it (`check_folders`), never a
  silent skip.
* **The run's registry**: every file taken as an input (read, or refused) is
  remembered by resolved path and by (device, inode), so that an output can
  never be written over an input of the same run, whatever link or second name
  leads to it.
* **Writing** (`check_output`, `write_output`): a regular file is written
  atomically (a temporary file in the same folder, then a rename); `-` is
  standard output; a FIFO, the null device and the user's own terminal are
  written as streams, never replaced. A folder, any other device, a socket, a
  missing parent folder and a FIFO nobody reads are refused before anything is
  computed; an input of the run, when it comes to writing (the registry is
  complete then). Nothing is written in either case.
"""

from __future__ import annotations

import errno
import itertools
import os
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import EXIT_INPUT, EXIT_USAGE, InputError, Issue, Location, error

# Files whose kind we name in messages; anything else is "a special file".
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)

STDOUT = "-"  # --output - writes to standard output


def kind_of(mode: int) -> str:
    """What a file of this mode is, for messages.

    >>> kind_of(stat.S_IFIFO), kind_of(stat.S_IFREG)
    ('a named pipe (FIFO)', 'a regular file')
    """
    if stat.S_ISREG(mode):
        return "a regular file"
    return next((name for test, name in _KINDS if test(mode)), "a special file")


_SERIAL = itertools.count()


@dataclass
class _Run:
    """What this run may read from and has read."""

    confined: bool = False  # True once the CLI has named the roots; library callers read freely
    roots: list[Path] = field(default_factory=list)  # resolved folders (or files) the user named
    # Every file taken as an input (read, or refused as one), for the output checks:
    read_ids: set[tuple[int, int]] = field(default_factory=set)  # their (st_dev, st_ino)
    read_paths: set[Path] = field(default_factory=set)  # their resolved paths
    # a folder as named -> (resolved, the (device, inode) it resolved from): see _realpath
    folders: dict[str, tuple[str, tuple[int, int]]] = field(default_factory=dict)
    serial: int = field(default_factory=lambda: next(_SERIAL))  # tells runs apart



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
    """Whether this run took `path` as an input, read or refused (under any name: links and
    hard links count)."""
    try:
        st = os.stat(path)
    except OSError:
        return Path(os.path.realpath(path)) in _RUN.read_paths
    return (st.st_dev, st.st_ino) in _RUN.read_ids or \
        Path(os.path.realpath(path)) in _RUN.read_paths


def run_id() -> int:
    """Which CLI run this is (tests run many in one process): what was decided for one run
    (say, whether a cache folder may be used) is decided again for the next."""
    return _RUN.serial


def inside_read_roots(path: Path) -> bool:
    """Whether `path` lies in what this run reads: iku writes nothing of its own there."""
    return _RUN.confined and _inside_roots(Path(os.path.realpath(path)))


def _inside_roots(resolved: Path) -> bool:
    # as text: every file read asks, and Path's `parents` builds a Path per level
    text = str(resolved)
    return any(text == r or text.startswith(r.rstrip(os.sep) + os.sep)
               for r in map(str, _RUN.roots))


def _realpath(path: Path) -> str:
    """`os.path.realpath(path)`, each folder resolved once in a CLI run while it stays the
    same folder: a run reads hundreds of files from a few dozen folders, and resolving costs
    an lstat per component of the path (about a tenth of reading a file). The file's own
    name is looked at every time: a link there is resolved in full. Library callers, whose
    runs never end, resolve everything every time."""
    if not _RUN.confined:
        return os.path.realpath(path)
    folder, name = os.path.split(path)
    if name in ("", os.curdir, os.pardir):
        return os.path.realpath(path)
    # The folder is resolved again when it is no longer the one resolved: a folder swapped
    # for a link to another during the run must not keep its old, inside, answer (one stat,
    # which follows every link on the way, against an lstat per component).
    try:
        st = os.stat(folder or os.curdir)
    except OSError:
        return os.path.realpath(path)
    known = _RUN.folders.get(folder)
    if known is None or known[1] != (st.st_dev, st.st_ino):
        known = _RUN.folders[folder] = (os.path.realpath(folder or os.curdir),
                                        (st.st_dev, st.st_ino))
    joined = os.path.join(known[0], name)
    try:
        if not stat.S_ISLNK(os.lstat(joined).st_mode):
            return joined  # what realpath gives for a name that is not a link
    except OSError:
        pass
    return os.path.realpath(path)


def _refused(message: str, shown: str, hint: str = "", code: str = "io") -> InputError:
    return InputError((error(message, Location(shown), hint=hint, code=code),), EXIT_INPUT)


def read_regular(path: Path, limit: int, shown: str, confine: bool = True) -> bytes:
    """The bytes of `path`, a regular file of at most `limit` bytes; otherwise an
    `InputError` with one issue at `shown`. `confine=False` is for a file outside the
    folders named on the command line that iku reads by design (none at present: the parse
    cache reads its entries itself, engine.parsecache)."""
    # Registered first: a file the run took as an input stays one for the output checks even
    # when it is refused below (a link out of the project must not become an output target).
    resolved = Path(_realpath(path))
    _RUN.read_paths.add(resolved)
    try:
        before = os.stat(path)  # follows links: what matters is what the path leads to
    except OSError as exc:
        raise _refused(f"cannot read file: {exc.strerror}", shown) from None
    _RUN.read_ids.add((before.st_dev, before.st_ino))
    if not stat.S_ISREG(before.st_mode):
        raise _refused(f"is {kind_of(before.st_mode)}, not a regular file", shown,
                       "iku reads only regular files; remove it or put the file itself "
                       "in its place")
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
        _RUN.read_ids.add((st.st_dev, st.st_ino))
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


# -- output ---------------------------------------------------------------------------------
def _usage(message: str, hint: str = "") -> InputError:
    return InputError((error(message, hint=hint, code="output"),), EXIT_USAGE)


def _stream_devices() -> set[int]:
    """Character devices iku writes to: the null device, the controlling terminal and
    whatever terminal the standard streams are on. Any other device (a disk's raw node,
    /dev/mem, a watchdog) is refused: writing a report there does harm, and even opening
    some of them does."""
    rdevs: set[int] = set()
    for name in (os.devnull, "/dev/tty"):
        try:
            st = os.stat(name)
        except OSError:
            continue
        if stat.S_ISCHR(st.st_mode):
            rdevs.add(st.st_rdev)
    for fd in (0, 1, 2):
        try:
            st = os.fstat(fd)
        except OSError:
            continue
        if stat.S_ISCHR(st.st_mode):
            rdevs.add(st.st_rdev)
    return rdevs


def check_output(path: Path) -> str:
    """Whether `path` may be written, before any work is done: "stdout", "stream" (a FIFO
    or an allowed device), "replace" (an existing regular file) or "new". Raises an
    `InputError` (usage) saying why not. Checked again by `write_output`, which also
    refuses the inputs the run has read by then."""
    if str(path) == STDOUT:
        return "stdout"
    shown = str(path)
    if was_read(path):  # whatever it is now: a file, a FIFO, a link that led nowhere
        raise _usage(f"--output {shown} is an input of this run; writing it would "
                     "destroy it", "choose another file name")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        parent = Path(os.path.realpath(path)).parent
        if not _is_dir(parent):
            raise _usage(f"--output {shown}: folder {parent} does not exist",
                         "create it first, or choose another path") from None
        return "new"
    except OSError as exc:
        raise _usage(f"--output {shown}: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise _usage(f"--output {shown} is a folder",
                     f"name a file, such as {Path(shown) / 'evaluation.json'}")
    if stat.S_ISREG(st.st_mode):
        return "replace"
    if stat.S_ISFIFO(st.st_mode) or (stat.S_ISCHR(st.st_mode)
                                     and st.st_rdev in _stream_devices()):
        return "stream"
    raise _usage(f"--output {shown} is {kind_of(st.st_mode)}; iku does not write there",
                 "write to a regular file, a pipe, /dev/null or - (standard output)")


def write_output(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` as `check_output` allows: a regular file atomically
    (readers see the old file or the whole new one; its permissions are kept), a stream
    as a stream, `-` to standard output. Nothing is left behind when it fails."""
    how = check_output(path)
    if how == "stdout":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        if how == "stream":
            _write_stream(path, text.encode("utf-8"))
        else:
            replace_file(Path(os.path.realpath(path)), text.encode("utf-8"))
    except OSError as exc:
        raise InputError((error(f"cannot write --output {path}: {exc.strerror}",
                                hint="nothing was written", code="output"),),
                         EXIT_INPUT) from None


def _write_stream(path: Path, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    try:
        # Non-blocking so that a FIFO nobody reads is an error (ENXIO), not a hang.
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise _usage(f"--output {path}: nobody is reading this pipe",
                         "start the reader first") from None
        raise
    try:
        st = os.fstat(fd)
        if not (stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode)):
            raise _usage(f"--output {path} changed while iku ran; nothing written")
        os.set_blocking(fd, True)  # from here on the reader sets the pace
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def replace_file(target: Path, data: bytes) -> None:
    """Replace the regular file `target` (or create it) atomically with `data`. A target
    that exists and is not a regular file is never replaced (OSError). The new file keeps
    the old one's permissions; a new one gets the umask's."""
    import secrets  # here: it imports random, and most runs write nothing

    try:
        st: os.stat_result | None = os.lstat(target)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OSError(errno.EPERM, f"it is {kind_of(st.st_mode)}, which iku never replaces")
    tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags, 0o666)  # the umask applies, as for any file the user creates
    try:
        try:
            if st is not None:
                os.fchmod(fd, stat.S_IMODE(st.st_mode))
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:  # an interrupt as well: leave no temporary file behind
        tmp.unlink(missing_ok=True)
        raise
