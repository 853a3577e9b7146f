"""Rendered tables and explanations against golden files (fixed width, no colour).

Regenerate with `pytest --update-golden` and review the diff before committing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run

CASES = [
    ("evaluate-2023.txt", ("evaluate", "--width", "120")),
    ("evaluate-2023.json", ("evaluate", "--format", "json")),
    ("evaluate-2023.csv", ("evaluate", "--format", "csv")),
    ("evaluate-2023.md", ("evaluate", "--format", "markdown")),
    ("evaluate-2023-TW2.txt", ("evaluate", "--period", "2023-TW2", "--width", "120")),
    ("evaluate-2023-INTI.txt", ("evaluate", "--unit", "INTI", "--width", "120")),
    ("explain-IKU.8.txt", ("explain", "IKU.8", "--width", "120")),
    ("explain-IKU.5-PPSIASN.txt", ("explain", "IKU.5", "--unit", "PPSIASN", "--width", "120")),
    ("explain-IKU.12-TW1.txt", ("explain", "IKU.12", "--period", "2023-TW1", "--width", "120")),
    ("explain-IKU.12-TW4.txt", ("explain", "IKU.12", "--period", "2023-TW4", "--width", "120")),
    ("explain-IKU.14.txt", ("explain", "IKU.14", "--width", "120")),
    ("validate.txt", ("validate",)),
    ("show.txt", ("show",)),
    ("show-IKU.8.txt", ("show", "IKU.8")),
    ("check-2024.txt", ("check", "--year", "2024")),
    ("needed-2023-TW3.txt", ("needed", "--as-of", "2023-TW3", "--width", "120")),
    ("explain-IKU.8-as-of-TW3.txt", ("explain", "IKU.8", "--as-of", "2023-TW3", "--width",
                                     "120")),
    ("evaluate-compare-2023.md", ("evaluate", "--compare-previous-year", "--format",
                                  "markdown")),
]


@pytest.mark.parametrize(("name", "argv"), CASES, ids=[c[0] for c in CASES])
def test_output_matches_golden(name: str, argv: tuple[str, ...], in_root: Path,
                               cli: Callable[..., Run],
                               golden: Callable[[str, str], None]) -> None:
    result = cli(*argv)
    assert result.code == 0, result.err
    golden(name, result.out)
