"""Indonesian and English output: one catalogue, numbers in the language's own format, the
terminal's default kept, CSV machine-readable unless asked."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import Run

from engine.i18n import LABELS, Catalogue


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("key", sorted(LABELS))
def test_every_label_has_both_texts_with_the_same_placeholders(key: str) -> None:
    ind, eng = LABELS[key]
    assert ind.strip() and eng.strip()
    assert _fields(ind) == _fields(eng), key


def test_numbers_follow_the_language() -> None:
    ind, eng = Catalogue("id"), Catalogue("en")
    assert ind.num(Decimal("99.94")) == "99,94" and eng.num(Decimal("99.94")) == "99.94"
    assert ind.num(Decimal("82.615")) == "82,62"  # half up, as the reports round
    assert ind.rupiah(Decimal("637535251")) == "Rp 637.535.251"
    assert eng.num(Decimal("3215439"), 0) == "3,215,439"
    assert ind.natural(Decimal("99.50")) == "99,5" and ind.natural(Decimal("88")) == "88"


def test_evaluate_in_indonesian(in_root: Path, cli: Callable[..., Run]) -> None:
    """Tabel 5 as the report prints it: decimal commas, Indonesian labels only."""
    r = cli("evaluate", "--lang", "id", "--width", "120")
    assert r.code == 0, r.err
    assert "88,89" in r.out and "≠ 88,94" in r.out and "NPSS 99,37" in r.out
    assert "hijau, di atas target" in r.out and "Rata-rata capaian 98,81" in r.out
    for english in ("Indicator", "Weight", "above target", "Average", "printed", " and "):
        assert english not in r.out, english


def test_notes_in_indonesian(in_root: Path, cli: Callable[..., Run]) -> None:
    r = cli("evaluate", "--lang", "id", "--period", "2023-TW2", "--format", "markdown")
    assert "tidak ada target pada TW II 2023 (tidak diukur)" in r.out
    assert "(tidak ada data: X1, Y1, Z1, layanan_komunikasi, layanan_keamanan untuk INTI " \
           "2023-TW2)" in r.out
    assert "no target" not in r.out and "not measured" not in r.out


def test_language_from_the_environment(in_root: Path, cli: Callable[..., Run],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IKU_LANG", "id")
    assert "NPSS 99,37" in cli("evaluate", "--width", "120").out
    # --lang wins over the environment
    assert "NPSS 99.37" in cli("evaluate", "--lang", "en", "--width", "120").out
    monkeypatch.setenv("IKU_LANG", "fr")
    r = cli("evaluate")
    assert r.code == 2 and "IKU_LANG: unknown language `fr`" in r.err


def test_markdown_in_indonesian(in_root: Path, cli: Callable[..., Run]) -> None:
    out = cli("evaluate", "--format", "markdown", "--lang", "id").out
    assert "| 88,89 (tercetak 88,94) |" in out and "**NPSS 99,37**" in out
    assert "| Perspektif / SS | Bobot | NSS | NKP |" in out


def test_csv_stays_machine_readable(in_root: Path, cli: Callable[..., Run],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """IKU_LANG does not touch CSV; only --lang id on the command asks for decimal commas
    (and then semicolons between fields, as a spreadsheet set to Indonesian reads them)."""
    monkeypatch.setenv("IKU_LANG", "id")
    plain = cli("evaluate", "--format", "csv").out
    assert ",88.89,101.02," in plain and plain.splitlines()[-2].endswith(",npss,99.37,")
    local = cli("evaluate", "--format", "csv", "--lang", "id").out
    assert ";88,89;101,02;" in local
    assert re.search(r"^;;NPSS;2023;.*;npss;99,37;$", local, re.M)


# Every command takes --lang: its labels and figures in Indonesian (the engine's own
# diagnostics, rule summaries and formulas stay as they are written).
LANG_CASES = [
    (("validate",), "diperiksa: 0 galat, 4 peringatan"),
    (("show",), "Sasaran strategis, IKU dan target per tahun (bandingkan Tabel 3)"),
    (("show", "IKU.8"), "Definisi operasional: "),
    (("explain", "IKU.10"), "realisasi: 82,62 (eksak 82.615)"),
    (("explain", "NPSS"), "NPSS: 99,37"),
    (("reconcile",), "54 angka tercetak diperiksa: 39 sesuai dalam pembulatannya, 15 berbeda"),
    (("diff", "2023-r1", "2023-r2"), "1 IKU berubah, 14 tidak berubah"),
    (("evaluate", "--tree"), "Organisasi di bawah SINKA"),
    (("report", "--format", "markdown", "--output", "-"), "Nilai Pencapaian Sasaran Strategis"),
]


@pytest.mark.parametrize(("argv", "expected"), LANG_CASES, ids=[" ".join(a) for a, _ in
                                                                 LANG_CASES])
def test_every_command_speaks_indonesian(argv: tuple[str, ...], expected: str, in_root: Path,
                                         cli: Callable[..., Run]) -> None:
    r = cli(*argv, "--lang", "id")
    assert r.code in (0, 1), r.err
    assert expected in " ".join(r.out.split()), r.out[:2000]
