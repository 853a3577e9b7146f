"""Reporting periods: the SINKA periods keep their order, months sit inside their triwulan,
and the schema lists exactly the periods the engine knows."""

from __future__ import annotations

import pytest

from engine.periods import MONTHS, SUFFIXES, Period, PeriodError
from engine.schemacheck import load_schema


def test_sinka_periods_keep_their_order() -> None:
    assert [s for s in SUFFIXES if s not in MONTHS] == ["TW1", "TW2", "S1", "TW3", "TW4", "S2",
                                                        "Y"]


def test_periods_are_in_order_of_their_end_shorter_first() -> None:
    periods = [Period(2023, s) for s in SUFFIXES]
    assert [p.end for p in periods] == sorted(p.end for p in periods)
    assert SUFFIXES.index("M03") < SUFFIXES.index("TW1")
    assert SUFFIXES.index("M12") < SUFFIXES.index("TW4") < SUFFIXES.index("S2")


@pytest.mark.parametrize(("quarter", "months"), [
    ("TW1", ["M01", "M02", "M03"]), ("TW2", ["M04", "M05", "M06"]),
    ("TW3", ["M07", "M08", "M09"]), ("TW4", ["M10", "M11", "M12"]),
])
def test_a_triwulan_holds_its_three_months(quarter: str, months: list[str]) -> None:
    inside = Period(2023, quarter).inside()
    assert [p.suffix for p in inside] == [*months, quarter]


def test_the_year_holds_every_period() -> None:
    assert [p.suffix for p in Period(2023, "Y").inside()] == list(SUFFIXES)


@pytest.mark.parametrize(("text", "shown"), [
    ("2023-M01", "2023-M01"), ("2023-M12", "2023-M12"), ("2023-TW4", "2023-TW4"), ("2023", "2023"),
])
def test_strict_forms(text: str, shown: str) -> None:
    assert str(Period.parse(text)) == shown


@pytest.mark.parametrize("text", ["2023-M3", "2023-M13", "2023-M00", "2023-M1", "M03"])
def test_a_month_in_a_file_has_two_digits(text: str) -> None:
    with pytest.raises(PeriodError, match="2023-M01"):
        Period.parse(text)


@pytest.mark.parametrize(("text", "shown"), [
    ("M3", "2023-M03"), ("m03", "2023-M03"), ("2023-M3", "2023-M03"), ("M12", "2023-M12"),
    ("2024-m1", "2024-M01"),
])
def test_loose_months(text: str, shown: str) -> None:
    assert str(Period.loose(text, 2023)) == shown


@pytest.mark.parametrize("text", ["M13", "M0", "M", "2023-M00"])
def test_loose_refuses_other_months(text: str) -> None:
    with pytest.raises(PeriodError):
        Period.loose(text, 2023)


def test_schema_lists_the_engines_periods() -> None:
    schema = load_schema("iku")
    assert schema["$defs"]["period"]["enum"] == ["year" if s == "Y" else s for s in SUFFIXES]
    periods = schema["$defs"]["target"]["properties"]["periods"]["properties"]
    assert list(periods) == [s for s in SUFFIXES if s != "Y"]
