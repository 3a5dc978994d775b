"""Rates computed in the ETL (etl/derived.py): only where no rate row exists, only from usable
parts, with both parts and both sources named in bokmål and English."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from etl import derived
from etl.tidy import OBSERVATION_COLUMNS

INDICATORS = pd.DataFrame([
    {"id": "dwellings", "title_nb": "Boliger", "title_nn": "Bustader", "title_en": "Dwellings", "numerator": None, "denominator": None, "per": None},
    {"id": "people", "title_nb": "Folketall", "title_nn": "Folketal", "title_en": "Population", "numerator": None, "denominator": None, "per": None},
    {"id": "rate", "title_nb": "Boliger per 1 000", "title_nn": "Bustader per 1 000", "title_en": "Dwellings per 1,000",
     "numerator": "dwellings", "denominator": "people", "per": 1000.0},
])
SOURCES = pd.DataFrame([
    {"source_id": "a", "publisher": "TEST utgiver", "title": "TEST boligtabell"},
    {"source_id": "b", "publisher": "TEST utgiver", "title": "TEST folketabell"},
])


def _row(indicator: str, region: str, period: str, value, status: str = "", qualifier: str = "",
         source: str = "a", confidence: str = "H") -> dict:
    row = dict.fromkeys(OBSERVATION_COLUMNS)
    row.update(indicator_id=indicator, region_code=region, period=period, breakdown="", value=value, status=status,
               qualifier=qualifier, source_id=source, derived=False, confidence=confidence)
    return row


def _computed(rows: list[dict]) -> dict[tuple[str, str], dict]:
    frame = pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)
    out = derived.add_rates(frame, INDICATORS, SOURCES)
    assert out.iloc[:len(frame)].equals(frame)  # nothing that was there is changed or dropped
    added = out.iloc[len(frame):]
    assert (added["indicator_id"] == "rate").all() and added["derived"].all()
    return {(r["region_code"], r["period"]): r for r in added.to_dict("records")}


def test_a_rate_is_computed_from_its_parts_and_says_how_in_every_language():
    found = _computed([_row("dwellings", "3101", "2024", 790.0), _row("people", "3101", "2024", 31222.0, source="b")])
    row = found[("3101", "2024")]
    assert row["value"] == pytest.approx(790 / 31222 * 1000)
    assert row["status"] == "" and row["qualifier"] == "" and row["confidence"] == "H" and row["source_id"] == "a"
    assert row["derivation_nb"] == ("beregnet som Boliger (TEST utgiver, TEST boligtabell) delt på "
                                    "Folketall (TEST utgiver, TEST folketabell) × 1\u00a0000")
    assert row["derivation_nn"] == ("rekna ut som Bustader (TEST utgiver, TEST boligtabell) delt på "
                                    "Folketal (TEST utgiver, TEST folketabell) × 1\u00a0000")
    assert row["derivation_en"] == ("computed as Dwellings (TEST utgiver, TEST boligtabell) divided by "
                                    "Population (TEST utgiver, TEST folketabell) × 1,000")
    assert row["derivation"] == row["derivation_en"]


def test_a_published_or_suppressed_rate_stands():
    rows = [_row("dwellings", r, "2024", 10.0) for r in ("1", "2")] + [_row("people", r, "2024", 100.0) for r in ("1", "2")]
    rows += [_row("rate", "1", "2024", 99.0), _row("rate", "2", "2024", math.nan, status=":")]
    assert _computed(rows) == {}


@pytest.mark.parametrize("top, bottom", [
    (_row("dwellings", "1", "2024", math.nan, status=".."), _row("people", "1", "2024", 100.0)),  # a missing part
    (_row("dwellings", "1", "2024", 10.0, qualifier="lt"), _row("people", "1", "2024", 100.0)),  # a bound
    (_row("dwellings", "1", "2024", 10.0), _row("people", "1", "2024", 0.0)),  # nothing to divide by
    (_row("dwellings", "1", "2024", 10.0), _row("people", "1", "2023", 100.0)),  # parts from different years
])
def test_no_rate_from_parts_that_cannot_give_one(top, bottom):
    assert _computed([top, bottom]) == {}


def test_an_approximate_or_uncertain_part_makes_the_rate_so():
    found = _computed([_row("dwellings", "1", "2024", 10.0, qualifier="approx"), _row("people", "1", "2024", 100.0),
                       _row("dwellings", "2", "2024", 10.0), _row("people", "2", "2024", 100.0, confidence="M")])
    assert found[("1", "2024")]["qualifier"] == "approx" and found[("1", "2024")]["confidence"] == "H"
    assert found[("2", "2024")]["qualifier"] == "" and found[("2", "2024")]["confidence"] == "M"
