"""The tree's row cache (engine.rowcache): an owner whose files, and the files of the owners
its links lead to, are unchanged gets its row and issues back, the very same values; any
change to them (a value, a new or removed file, a link, the engine) means recomputing; a
folder with a symbolic link or a file changed within the clock's reach is never kept; junk
in the cache is never used."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, edit

from engine import rowcache, tree
from engine.org import Owner
from engine.project import Project
from engine.tree import OrgTree, organisation_tree

AK_BUDGET = Path("datasets/dit-ak/2023/IKU_10.yaml")  # linked into the deputy's IKU.14


@pytest.fixture
def cached(project: Path, tmp_path_factory: pytest.TempPathFactory,
           monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The cache on, in a folder of its own; files count as settled at once (the racy rule
    has its own test); the owners computed afresh, in order, are listed."""
    cache = tmp_path_factory.mktemp("cache")
    cache.chmod(0o700)
    monkeypatch.delenv("IKU_NO_CACHE")
    monkeypatch.setenv("IKU_CACHE_DIR", str(cache))
    monkeypatch.setattr(rowcache, "RACY_NS", -10**18)  # "changed long ago", whatever the time
    computed: list[str] = []
    original = tree.validate

    def counting(project: Project, paths: object = (), owner: str | None = None) -> object:
        assert owner is not None
        computed.append(owner)
        return original(project, owner=owner)

    monkeypatch.setattr(tree, "validate", counting)
    return computed


def run(cache: bool = True) -> OrgTree:
    project = Project()
    return organisation_tree(project, "SINKA", None, None, False, 1, cache)


def replace(path: Path, old: str, new: str) -> None:
    """Edit through a new file (a new inode), as editors and git do: the tests run faster
    than the file system's clock ticks, which the racy rule covers in real runs."""
    tmp = path.with_name(".tmp-edit")
    tmp.write_bytes(path.read_bytes())
    edit(tmp, old, new)
    os.replace(tmp, path)


def test_a_warm_run_is_the_cold_run(cached: list[str]) -> None:
    cold = run()
    assert cached == ["SINKA", "INTI", "PPSIASN", "PDPIK", "AK"]
    cached.clear()
    warm = run()
    assert cached == []  # every row from the cache
    assert warm == cold == run(cache=False)  # rows (scores, parts, rules) and issues
    assert warm.issues  # the four link warnings came back too
    assert cached == ["SINKA", "INTI", "PPSIASN", "PDPIK", "AK"]  # cache=False computes


def test_a_linked_owners_change_recomputes_its_dependants(cached: list[str]) -> None:
    before = run()
    replace(AK_BUDGET, "pagu: 664_500_000", "pagu: 644_500_000")
    cached.clear()
    after = run()
    # the deputy (whose IKU.14 links into Dit. AK) and Dit. AK; the other three from the cache
    assert cached == ["SINKA", "AK"]
    assert after == run(cache=False)
    assert after.rows[0].npss != before.rows[0].npss


@pytest.mark.parametrize("change", ["stray file", "removed file", "new year folder",
                                    "manual edit"])
def test_what_changes_an_owners_folders_recomputes_it(cached: list[str], change: str) -> None:
    run()
    inti = Path("datasets/dit-inti/2023")
    if change == "stray file":
        (inti / "SS.03.01_old.yaml").write_bytes((inti / "SS.03.01.yaml").read_bytes())
    elif change == "removed file":
        (inti / "SS.03.01.yaml").unlink()
    elif change == "new year folder":
        (inti.parent / "2024").mkdir()
    else:
        manual = next(Path("manual_iku/dit-inti").rglob("manual.yaml"))
        replace(manual, "\n", "\n# a comment\n")
    cached.clear()
    after = run()
    assert "INTI" in cached and "PPSIASN" not in cached
    assert after == run(cache=False)


def test_a_folder_with_a_link_is_never_kept(cached: list[str]) -> None:
    folder = Path("datasets/dit-pdpik/2023")
    first = sorted(folder.glob("*.yaml"))[0]
    target = first.with_name("real.txt")
    first.rename(target)
    first.symlink_to(target.name)
    run()
    cached.clear()
    run()
    # its figures could change with no change to the link; the deputy links into it
    assert cached == ["SINKA", "PDPIK"]


def test_files_changed_within_the_clocks_reach_are_not_kept(
        cached: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rowcache, "RACY_NS", 2_000_000_000)
    run()  # the project was copied just now: nothing settled
    cached.clear()
    run()
    assert cached == ["SINKA", "INTI", "PPSIASN", "PDPIK", "AK"]


def test_junk_and_a_changed_engine_are_not_used(cached: list[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    cold = run()
    entries = [p for p in (Path(os.environ["IKU_CACHE_DIR"]) / rowcache.STORE).rglob("*")
               if p.is_file()]
    assert len(entries) == 5
    entries[0].write_text("{not json")
    good = json.loads(entries[1].read_text())
    good["row"]["precision"] = "two"  # the wrong type
    entries[1].write_text(json.dumps(good))
    scored = json.loads(entries[2].read_text())
    scored["row"]["weakest"][2] = "NaN"  # iku computes no NaN: an entry with one is not ours
    entries[2].write_text(json.dumps(scored))
    cached.clear()
    assert run() == cold
    assert len(cached) == 3
    monkeypatch.setattr(rowcache, "_engine_id", lambda: "another engine")
    cached.clear()
    assert run() == cold
    assert len(cached) == 5


def test_the_cli_prints_the_same_bytes_warm(cached: list[str],
                                            cli: Callable[..., Run]) -> None:
    cold = cli("evaluate", "--tree", "--jobs", "1")
    warm = cli("evaluate", "--tree", "--jobs", "1")
    assert len(cached) == 5  # the second run computed nothing
    assert (warm.code, warm.out, warm.err) == (cold.code, cold.out, cold.err)
    assert "checked 5 owner(s): 0 error(s), 4 warning(s)" in warm.err


def test_no_cache_means_none(cached: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IKU_NO_CACHE", "1")
    run()
    cached.clear()
    run()
    assert len(cached) == 5
    assert not (Path(os.environ["IKU_CACHE_DIR"]) / rowcache.STORE).exists()


def test_forked_workers_share_the_cache(cached: list[str], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers write entries and read them back; the rows come back in order, the same."""
    monkeypatch.setattr(tree, "MIN_PARALLEL", 2)
    cold = organisation_tree(Project(), "SINKA", None, None, False, 2)
    cached.clear()
    warm = organisation_tree(Project(), "SINKA", None, None, False, 2)
    assert warm == cold == run(cache=False)
    entries = [p for p in (Path(os.environ["IKU_CACHE_DIR"]) / rowcache.STORE).rglob("*")
               if p.is_file()]
    assert len(entries) == 5


def test_the_tree_keeps_rows_not_parses(cached: list[str]) -> None:
    """Parsed files are read from the parse cache but not added to it by a tree run: the
    rows make them redundant, and creating thousands of files doubled a first national run."""
    from engine import parsecache

    run()
    store = Path(os.environ["IKU_CACHE_DIR"])
    parsed = [p for p in (store / parsecache.FOLDER).rglob("*") if p.is_file()]
    assert len(parsed) <= 1  # the organisation file, read before the owners (if not in memory)
    assert len([p for p in (store / rowcache.STORE).rglob("*") if p.is_file()]) == 5


def test_a_file_changed_after_another_owner_read_it_is_not_kept(
        cached: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The deputy's links read Dit. PDPIK's data; the file changes before PDPIK's own turn,
    which evaluates the copy already in memory. That row is right for what was read, but
    must not be served once the run is over: PDPIK's fingerprint is the one taken before
    the deputy read its files. (Found by a reviewer: the deputy's own entry was not kept,
    a file it depends on having just changed, and PDPIK's stale row was.)"""
    counting = tree.validate
    put = rowcache.RowCache.put

    def changing(project: Project, paths: object = (), owner: str | None = None) -> object:
        if owner == "INTI":  # after the deputy's turn, before PDPIK's
            replace(Path("datasets/dit-pdpik/2023/KU_03.yaml"), "progres: 100", "progres: 60")
        return counting(project, owner=owner)

    def not_the_deputy(self: rowcache.RowCache, owner: Owner, *args: Any) -> None:
        if owner.code != "SINKA":  # as when a file it depends on has just changed
            put(self, owner, *args)

    monkeypatch.setattr(tree, "validate", changing)
    monkeypatch.setattr(rowcache.RowCache, "put", not_the_deputy)
    first = run()
    monkeypatch.setattr(tree, "validate", counting)
    fresh = run(cache=False)
    # the run evaluated PDPIK from the copy read before the change: right for what it read
    assert first.rows[3].owner.code == "PDPIK" and first.rows[3].npss != fresh.rows[3].npss
    cached.clear()
    again = run()
    assert again == fresh
    assert "PDPIK" in cached and "INTI" not in cached


def test_a_data_root_behind_a_link_that_moves_is_a_new_question(
        cached: list[str], tmp_path: Path) -> None:
    """Messages show a data root named by an absolute path as resolved: when the link it
    goes through is pointed elsewhere, rows (and their messages) are computed again."""
    os.rename("datasets", "store1")
    os.symlink("store1", "link")
    replace(Path("store1/dit-ak/2023/IKU_10.yaml"), "unit: AK\n", "unit: AKX\n")
    data = Path.cwd() / "link"

    def issues() -> list[str]:
        project = Project(data_root=data)
        tree_ = organisation_tree(project, "SINKA", None, None, False, 1)
        return [i.as_text() for i in tree_.issues if "AKX" in i.message]

    first = issues()
    assert first and "store1" in first[0]
    os.rename("store1", "store2")
    os.unlink("link")
    os.symlink("store2", "link")
    cached.clear()
    second = issues()
    assert "AK" in cached and "store2" in second[0]
