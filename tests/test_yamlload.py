"""YAML hazards of shared/security.md: each is refused or read as designed, with file, line
and column."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest

from engine.yamlload import MAX_FILE_BYTES, load_file, parse_text

CASES = [
    ("unsafe tag", "a: !!python/object/apply:os.system ['touch MARKER']\n", 1, "tag"),
    ("duplicate key", "a: 1\nb: 2\na: 3\n", 3, "duplicate key `a` (first at line 1)"),
    ("norway", "country: no\n", 1, "ambiguous value `no`"),
    ("on", "flag: on\n", 1, "boolean"),
    ("sexagesimal", "t: 1:20\n", 1, "base-60"),
    ("octal", "n: 010\n", 1, "octal"),
    ("hex", "n: 0x1F\n", 1, "hex"),
    ("nan", "n: .nan\n", 1, "NaN"),
    ("inf", "n: -.inf\n", 1, "infinity"),
    ("alias", "a: &x [1, 2]\nb: *x\n", 1, "anchor `&x`"),
    ("tab", "a:\n\tb: 1\n", 2, "tab character"),
    ("bidi", "name: \"abc\u202edef\"\n", 1, "U+202E"),
    ("control", "name: \"a\u0007b\"\n", 1, "control character"),
    ("syntax", "a: [1, 2\nb: 3\n", 2, "YAML syntax"),
    ("explicit timestamp", "d: !!timestamp 2023-05-01\n", 1, "tag"),
]


@pytest.mark.parametrize(("name", "text", "line", "message"), CASES,
                         ids=[c[0] for c in CASES])
def test_hazard_is_refused_with_its_line(name: str, text: str, line: int, message: str,
                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    doc, issues = load_file(path, "f.yaml")
    assert doc is None
    assert issues, name
    assert message in issues[0].message
    assert issues[0].location is not None and issues[0].location.line == line
    assert issues[0].location.file == "f.yaml"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.yaml"]


def test_latin1_bytes_point_at_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"name: ok\nkota: Bogor \xe9\n")
    _, issues = load_file(path, "f.yaml")
    assert issues[0].location is not None
    assert (issues[0].location.line, issues[0].location.column) == (2, 13)
    assert "not UTF-8" in issues[0].message


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * MAX_FILE_BYTES + "\n")
    _, issues = load_file(path, "big.yaml")
    assert "over the limit" in issues[0].message


def test_alias_bomb_is_refused_before_it_expands() -> None:
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True))
    start = time.perf_counter()
    doc, issues = parse_text(bomb, "bomb.yaml")
    assert doc is None and "anchor" in issues[0].message
    assert time.perf_counter() - start < 0.5


def test_designed_types() -> None:
    doc, issues = parse_text(
        "d: 2023-05-01\nx: 82.615\nn: 1_000\ne: 1e3\nt: true\nz: null\nq: '010'\n", "f.yaml")
    assert not issues and doc is not None
    assert doc.data == {"d": "2023-05-01", "x": Decimal("82.615"), "n": 1000,
                        "e": Decimal("1E+3"), "t": True, "z": None, "q": "010"}
    assert doc.loc(("x",)).line == 2


@pytest.mark.parametrize(("text", "message"), [
    ("a: 1\n---\nb: 2\n", "more than one YAML document"),
    ("? [a, b]\n: 1\n", "a key must be plain text"),
    ("*x : 1\n", "alias"),
    ("a: !!set {x}\n", "tag"),
    ("", None),
])
def test_stream_shapes(text: str, message: str | None) -> None:
    doc, issues = parse_text(text, "f.yaml")
    if message is None:
        assert doc is not None and doc.data is None and not issues
    else:
        assert doc is None and message in issues[0].message


def test_pure_python_events_give_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libyaml the pure-Python parser feeds the same builder."""
    from engine import yamlload

    text = "a: [1, 2.5]\nb: {c: no}\n"
    fast = parse_text("x: 1\n" + text.replace("no", "'no'"), "f.yaml")[0]
    monkeypatch.setattr(yamlload, "_LoaderClass", yamlload._Loader)
    monkeypatch.setattr(yamlload, "_PARSED", {})
    slow = parse_text("x: 1\n" + text.replace("no", "'no'"), "f.yaml")[0]
    assert fast is not None and slow is not None
    assert (fast.data, fast.lines) == (slow.data, slow.lines)
    _, issues = parse_text(text, "g.yaml")
    assert issues[0].location is not None and issues[0].location.line == 2
    assert "ambiguous value `no`" in issues[0].message
