"""Numbers, periods and dates as each language writes them; missing numbers never become 0."""
from __future__ import annotations

import math

import pytest

from boligsosial.text import numbers
from boligsosial.text.numbers import (
    NBSP,
    format_date,
    format_number,
    format_period,
    format_value,
    missing_text,
    value_parts,
)


@pytest.mark.parametrize(
    ("value", "decimals", "nb", "en"),
    [
        (179000, 0, f"179{NBSP}000", "179,000"),
        (6259.0, 0, f"6{NBSP}259", "6,259"),
        (3325, 0, f"3{NBSP}325", "3,325"),
        (0.62, 2, "0,62", "0.62"),
        (1.5, 2, "1,50", "1.50"),
        (1234567.891, 1, f"1{NBSP}234{NBSP}567,9", "1,234,567.9"),
        (999, 0, "999", "999"),
        (-4200, 0, f"-4{NBSP}200", "-4,200"),
    ],
)
def test_format_number_in_both_languages(value, decimals, nb, en):
    assert format_number(value, decimals, "nb") == nb
    assert format_number(value, decimals, "en") == en


def test_bokmal_groups_with_a_no_break_space_so_numbers_never_wrap():
    text = format_number(179000, 0, "nb")
    assert " " not in text and NBSP in text


def test_rounds_half_away_from_zero_like_published_tables():
    assert format_number(0.625, 2, "nb") == "0,63"
    assert format_number(2.5, 0, "en") == "3"
    assert format_number(1.005, 2, "en") == "1.01"


def test_a_tiny_negative_number_is_not_written_minus_zero():
    assert format_number(-0.001, 2, "nb") == "0,00"


@pytest.mark.parametrize("missing", [None, float("nan"), math.nan])
def test_missing_is_never_zero(missing):
    assert format_number(missing, 0, "nb") == "Tall mangler"
    assert format_number(missing, 2, "en") == "Figure missing"
    assert "0" not in format_number(missing, 2, "nb")


@pytest.mark.parametrize(
    ("status", "nb", "en"),
    [
        ("..", "Tall mangler", "Figure missing"),
        (":", "Skjermet", "Confidential"),
        (".", "Ikke aktuelt", "Not applicable"),
        ("...", "Ikke tilgjengelig ennå", "Not yet available"),
        ("", "Tall mangler", "Figure missing"),
        (None, "Tall mangler", "Figure missing"),
        ("?", "Tall mangler", "Figure missing"),
    ],
)
def test_status_symbols_are_written_as_their_meaning(status, nb, en):
    assert missing_text(status, "nb") == nb
    assert missing_text(status, "en") == en
    row = {"value": None, "status": status, "decimals": 0, "unit_label_nb": "personer", "unit_label_en": "persons"}
    assert format_value(row, "nb") == nb  # no unit after a missing number
    assert format_value(row, "en") == en


def _row(value, qualifier="", decimals=0):
    return {"value": value, "status": "", "qualifier": qualifier, "decimals": decimals,
            "unit_label_nb": "personer", "unit_label_en": "persons"}


@pytest.mark.parametrize(
    ("qualifier", "nb", "en"),
    [
        ("approx", f"ca. 179{NBSP}000 personer", "about 179,000 persons"),
        ("gt", f"over 179{NBSP}000 personer", "more than 179,000 persons"),
        ("lt", f"under 179{NBSP}000 personer", "under 179,000 persons"),
        ("", f"179{NBSP}000 personer", "179,000 persons"),
    ],
)
def test_format_value_says_the_qualifier_in_words(qualifier, nb, en):
    assert format_value(_row(179000.0, qualifier), "nb") == nb
    assert format_value(_row(179000.0, qualifier), "en") == en


def test_value_parts_split_number_and_unit_for_tiles():
    parts = value_parts({**_row(0.62, decimals=2), "unit_label_nb": "per 1 000 innbyggere"}, "nb")
    assert (parts.qualifier, parts.number, parts.unit, parts.missing) == ("", "0,62", "per 1 000 innbyggere", False)
    assert value_parts(_row(None), "nb").missing


def test_zero_is_a_number_not_a_missing_value():
    assert format_value(_row(0.0), "nb") == "0 personer"


@pytest.mark.parametrize(
    ("period", "nb", "en"),
    [
        ("2020", "2020", "2020"),
        ("2022-01", "januar 2022", "January 2022"),
        ("2022-Q3", "3. kvartal 2022", "Q3 2022"),
        ("2020-W48", "uke 48 2020", "week 48 2020"),
        ("ukjent", "ukjent", "ukjent"),
    ],
)
def test_format_period(period, nb, en):
    assert format_period(period, "nb") == nb
    assert format_period(period, "en") == en


@pytest.mark.parametrize(
    ("text", "nb", "en"),
    [
        ("2017-06-06", "6. juni 2017", "6 June 2017"),
        ("2021-03", "mars 2021", "March 2021"),
        ("2021", "2021", "2021"),
        ("2026-11-21T06:00:00+00:00", "21. november 2026", "21 November 2026"),
        ("", "", ""),
        (None, "", ""),
        ("våren 2020", "våren 2020", "våren 2020"),
        ("2020-13", "2020-13", "2020-13"),
    ],
)
def test_format_date_as_precise_as_the_source(text, nb, en):
    assert format_date(text, "nb") == nb
    assert format_date(text, "en") == en


@pytest.mark.parametrize(
    ("value", "nb", "en"),
    [
        (13_500_000_000, "13,5\u00a0mrd.", "13.5\u00a0billion"),
        (2_000_000_000, "2\u00a0mrd.", "2\u00a0billion"),
        (1_250_000_000, "1,25\u00a0mrd.", "1.25\u00a0billion"),
    ],
)
def test_billions_are_written_short_when_that_is_exact(value, nb, en):
    assert numbers.format_billions(value, "nb") == nb
    assert numbers.format_billions(value, "en") == en


@pytest.mark.parametrize("value", [999_999_999, 13_512_345_678, None, float("nan")])
def test_billions_stay_whole_when_short_would_round_or_not_apply(value):
    assert numbers.format_billions(value, "nb") == ""


def test_a_money_row_uses_the_short_form():
    row = {"value": 13_500_000_000, "status": "", "qualifier": "", "decimals": 0, "unit_label_nb": "kr"}
    assert numbers.format_value(row, "nb") == "13,5\u00a0mrd. kr"
