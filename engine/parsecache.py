"""Parsed YAML by content, so that a run on unchanged files skips the parser.

Parsing is about a quarter of a cold run at national scale; reading a parsed file back as
JSON costs about half as much (0.09 to 0.14 ms against 0.21 ms a file, measured on the
4,801 files of 100 generated agencies). An entry holds one file's data and
its line table, under the hash of (the loader's own source, PyYAML's version, the file's
text): any change to the file or to the loader that made the entry changes the key, so a
stale entry cannot apply. Only clean parses are kept; errors are parsed (and reported)
afresh every time. The strict checks before parsing (size, encoding, control characters),
the schema checks and every semantic check run on every load regardless.

Where: `$IKU_CACHE_DIR` (default `$XDG_CACHE_HOME/iku` or `~/.cache/iku`), in
`parsed-v1/<2 hex>/<hash>`, one file per entry: a lookup opens one file, whatever the size
of the cache. Entries are written as files are parsed (each whole or not at all), so that a
run over hundreds of owners holds none of them in memory; when a run has written some and
the cache holds more than MAX_ENTRIES, the least recently written are removed.
`IKU_NO_CACHE=1` turns the cache off. engine.rowcache keeps its entries beside these, in
`rows-v1/`, through `read_entry` and `write_entry`: the same folder, rules and bound.
`iku evaluate --tree` writes no parsed entries (`kept_parses`).

Trust: an entry is read as data only (JSON, never pickle), bounded in size and checked for
form; anything else in the cache is ignored. What it cannot check is that an entry tells the
truth about its file: whoever can write the cache can change what iku reads. So iku uses a
cache folder only when it belongs to the user running iku and no one else can write to it
(as ssh treats its keys), and never one inside the folders it reads.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from engine.safeio import inside_read_roots, run_id

FOLDER = "parsed-v1"
MAX_ENTRIES = 200_000  # about 1 GB at the size of a dataset file; a national run holds ~30,000
MAX_ENTRY_BYTES = 4 * 1024 * 1024  # an entry of a 512 KiB file (the loader's limit) is smaller

Lines = dict[tuple[str | int, ...], tuple[int, int]]


def cache_dir() -> Path | None:
    """The cache folder named by the environment; None when the cache is off."""
    if os.environ.get("IKU_NO_CACHE"):
        return None
    if os.environ.get("IKU_CACHE_DIR"):
        return Path(os.environ["IKU_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "iku"


@cache
def _loader_id() -> str:
    """What an entry depends on besides its text: the loader's rules and PyYAML."""
    from engine import yamlload

    source = Path(yamlload.__file__).read_bytes()
    return hashlib.sha256(source + b"\0" + yamlload.PYYAML_VERSION.encode()).hexdigest()[:16]


def _usable(folder: Path) -> bool:
    """The folder is ours alone: owned by this user, writable by no one else, not a link."""
    try:
        st = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and \
        not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


_checked: dict[tuple[str, str, int, bool], Path | None] = {}  # -> usable, once per run


def _root(create: bool, store: str = FOLDER) -> Path | None:
    """A store's folder (`parsed-v1`, or another cache's: engine.rowcache), when the cache is
    on and safe to use; checked once per run."""
    base = cache_dir()
    if base is None:
        return None
    run = (str(base), store, run_id(), create)
    if run not in _checked:
        if len(_checked) > 64:  # tests run many runs in one process
            _checked.clear()
        _checked[run] = _find(base, create, store)
    return _checked[run]


def store_folder(store: str, create: bool) -> Path | None:
    """A store's folder when the cache is on and its folder safe to use (created if asked)."""
    return _root(create, store)


def _find(base: Path, create: bool, store: str) -> Path | None:
    if inside_read_roots(base):  # never write into the user's project
        return None
    if create and not os.path.lexists(base):
        try:
            base.mkdir(parents=True, mode=0o700)
        except OSError:
            return None
    if not _usable(base):
        return None
    folder = base / store
    if create and not os.path.lexists(folder):
        try:
            folder.mkdir(mode=0o700)
        except OSError:
            return None
    return folder if _usable(folder) else None


def _key(digest: str) -> str:
    return hashlib.sha256(f"{_loader_id()}:{digest}".encode()).hexdigest()


def get(digest: str) -> tuple[Any, Lines] | None:
    """The data and line table of the text whose sha256 is `digest`, when an earlier run
    parsed it cleanly; None otherwise (and for anything in the cache that is not an entry)."""
    key = _key(digest)
    try:
        raw = read_entry(FOLDER, key)
        if raw is None:
            return None
        entry = json.loads(raw, parse_float=Decimal)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        # each [line, column, *path]; a malformed one raises below (the folder is the user's
        # own, see above: form is checked, not every type, which would cost a third more)
        lines: Lines = {tuple(item[2:]): (item[0], item[1]) for item in entry["lines"]}
        return entry["data"], lines
    except (ValueError, KeyError, TypeError, IndexError, RecursionError):
        return None  # malformed: parse the file instead


def read_entry(store: str, key: str) -> bytes | None:
    """The bytes of a store's entry `key` (a sha256 in hex), None when there is none or the
    cache is off or unsafe."""
    folder = _root(False, store)
    return None if folder is None else _read(folder / key[:2] / key[2:])


def _read(path: Path) -> bytes | None:
    """An entry's bytes: a regular file (not a link, FIFO or device) of bounded size. Lighter
    than safeio.read_regular, which also registers inputs: an entry is not the user's."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None  # missing (the common case on a cold run), a link, unreadable
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY_BYTES:
            return None
        data = os.read(fd, MAX_ENTRY_BYTES + 1)
        while len(data) < st.st_size and len(data) <= MAX_ENTRY_BYTES:
            more = os.read(fd, MAX_ENTRY_BYTES + 1 - len(data))
            if not more:
                break
            data += more
        return data if len(data) <= MAX_ENTRY_BYTES else None
    except OSError:
        return None
    finally:
        os.close(fd)


_PUT = [True]  # whether `put` writes: see `kept_parses`


@contextmanager
def kept_parses(keep: bool) -> Iterator[None]:
    """Whether clean parses are written inside (they are read either way). `iku evaluate
    --tree` keeps rows instead (engine.rowcache): a warm run parses nothing, and a first
    national run spent as long creating parse entries as computing (100 agencies: 2.5 s of
    cold work, 2.4 s more to create 2,700 entries on a disk where creating a file costs 0.1
    to 0.5 ms)."""
    before = _PUT[0]
    _PUT[0] = keep
    try:
        yield
    finally:
        _PUT[0] = before


def put(digest: str, data: Any, lines: Lines) -> None:
    """Remember a clean parse. A cache that cannot be written only costs time."""
    if not _PUT[0] or _root(True, FOLDER) is None:
        return  # before encoding, which cost a tenth of a run with the cache off
    key = _key(digest)
    out: list[str] = [f'{{"key":"{key}","data":']
    _encode(data, out)
    out.append(',"lines":')
    out.append(json.dumps([[line, col, *where] for where, (line, col) in lines.items()]))
    out.append("}")
    write_entry(FOLDER, key, "".join(out))


def write_entry(store: str, key: str, text: str) -> None:
    """Write a store's entry whole or not at all; a cache that cannot be written only costs
    time."""
    folder = _root(True, store)
    if folder is None:
        return
    shard = folder / key[:2]
    try:
        if not os.path.lexists(shard):
            shard.mkdir(mode=0o700)
        if not _usable(shard):
            return
        import tempfile  # only runs that write pay its import

        fd, tmp = tempfile.mkstemp(dir=shard, prefix=".tmp-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, shard / key[2:])
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        return
    _written.add(store)


_written: set[str] = set()  # the stores this process wrote entries in, for `trim`


def wrote() -> frozenset[str]:
    """The stores this process has written entries in (a forked worker tells its parent)."""
    return frozenset(_written)


def note_written(stores: frozenset[str]) -> None:
    """Entries were written by a worker: the run trims those stores at its end."""
    _written.update(stores)


def trim(limit: int = MAX_ENTRIES) -> None:
    """After a run that wrote entries: keep each store it wrote in under `limit` entries,
    the most recently written kept. Costs a listing of the store, so only runs that wrote
    pay it."""
    stores = sorted(_written)
    _written.clear()
    for store in stores:
        folder = _root(False, store)
        if folder is not None:
            _trim(folder, limit)


def _trim(folder: Path, limit: int) -> None:
    try:
        entries = [e for shard in os.scandir(folder) if shard.is_dir(follow_symlinks=False)
                   for e in os.scandir(shard.path) if e.is_file(follow_symlinks=False)]
        if len(entries) <= limit:
            return
        entries.sort(key=lambda e: e.stat(follow_symlinks=False).st_mtime)
        for e in entries[:len(entries) - int(limit * 0.8)]:
            os.unlink(e.path)
    except OSError:
        pass


_string = json.encoder.encode_basestring_ascii  # what json.dumps does for a str, in C


def _encode(value: Any, out: list[str]) -> None:
    """JSON that reads back as the same values: a Decimal as a number with a point or an
    exponent (read with parse_float=Decimal: 5 stays int, Decimal 5 comes back as 5E+0,
    the same Decimal)."""
    if isinstance(value, dict):
        out.append("{")
        for n, (k, v) in enumerate(value.items()):
            if n:
                out.append(",")
            out.append(_string(k) if isinstance(k, str) else json.dumps(k))
            out.append(":")
            _encode(v, out)
        out.append("}")
    elif isinstance(value, list):
        out.append("[")
        for n, v in enumerate(value):
            if n:
                out.append(",")
            _encode(v, out)
        out.append("]")
    elif isinstance(value, str):
        out.append(_string(value))  # json.dumps per scalar was a tenth of a filling run
    elif isinstance(value, Decimal):
        text = str(value)
        out.append(text if any(c in text for c in ".eE") else text + "E+0")
    else:
        out.append(json.dumps(value))  # int, bool, None
