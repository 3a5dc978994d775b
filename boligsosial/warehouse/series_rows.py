"""The series behind charts and cards: an indicator's catalogue row, its observations with
unit and source, comparability breaks, and the categories of its breakdowns."""
from __future__ import annotations

from typing import Any, Iterable

from boligsosial.warehouse import db


def indicator(indicator_id: str) -> dict[str, Any] | None:
    """One indicator's catalogue row (titles, unit labels, decimals, definition), or None."""
    rows = db.rows("SELECT * FROM indicator WHERE id = $id", {"id": indicator_id})
    return rows[0] if rows else None


# An observation's note and derivation in every language (`note` is the English one, as stored).
OBSERVATION_TEXTS = "o.note, o.note_nb, o.note_nn, o.note_en, o.derivation_nb, o.derivation_nn, o.derivation_en"

# Source columns are prefixed so they cannot be confused with the observation's own columns.
_OBSERVATIONS_SQL = """
    SELECT o.indicator_id, o.region_code, o.period, o.breakdown, o.value, o.status, o.qualifier,
           o.derived, o.derivation, o.confidence, """ + OBSERVATION_TEXTS + """, o.source_id,
           i.decimals, i.unit, i.unit_label_nb, i.unit_label_en, i.unit_label_nn,
           s.publisher AS source_publisher, s.publisher_en AS source_publisher_en, s.title AS source_title, s.url AS source_url,
           s.published AS source_published
    FROM observation o
    JOIN indicator i ON i.id = o.indicator_id
    LEFT JOIN source s ON s.source_id = o.source_id
    WHERE o.indicator_id = $indicator AND o.region_code = $region AND o.breakdown = $breakdown
      AND ($periods IS NULL OR list_contains($periods, o.period))
    ORDER BY o.period
"""


def observations(
    indicator_id: str,
    region_code: str = "0",
    breakdown: str = "",
    periods: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """The observations of one series, oldest first, each with its unit and source joined.

    Only rows that exist are returned; callers that list the periods they expect (headline
    tiles) show the ones not returned as missing."""
    return db.rows(
        _OBSERVATIONS_SQL,
        {
            "indicator": indicator_id,
            "region": region_code,
            "breakdown": breakdown,
            "periods": None if periods is None else [str(p) for p in periods],
        },
    )


def comparability_breaks(indicator_id: str) -> list[dict[str, Any]]:
    """An indicator's method changes, oldest first: no line and no change across them."""
    return db.rows(
        "SELECT period, reason_nb, reason_en, reason_nn FROM comparability_break WHERE indicator_id = $id ORDER BY period",
        {"id": indicator_id},
    )



# Like _OBSERVATIONS_SQL, for several indicators, regions and breakdowns at once, and with the
# source's retrieval date and licence for the card's About panel.
# What a chart card shows with each observation `o`: its unit and its source in full.
WITH_UNIT_AND_SOURCE = """
           i.decimals, i.unit, i.unit_label_nb, i.unit_label_en, i.unit_label_nn,
           s.publisher AS source_publisher, s.publisher_en AS source_publisher_en, s.title AS source_title, s.url AS source_url,
           s.published AS source_published, s.fetched_at AS source_fetched_at,
           s.license AS source_license, s.publisher_kind AS source_publisher_kind
    FROM {table} o
    JOIN indicator i ON i.id = o.indicator_id
    LEFT JOIN source s ON s.source_id = o.source_id
"""

_CARD_ROWS_SQL = """
    SELECT o.indicator_id, o.region_code, o.period, o.breakdown, o.value, o.status, o.qualifier,
           o.derived, o.derivation, o.confidence, """ + OBSERVATION_TEXTS + """,
           o.source_id,""" + WITH_UNIT_AND_SOURCE.format(table="observation") + """
    WHERE list_contains($indicators, o.indicator_id)
      AND list_contains($regions, o.region_code)
      AND list_contains($breakdowns, o.breakdown)
      AND ($periods IS NULL OR list_contains($periods, o.period))
    ORDER BY o.indicator_id, o.period, o.region_code, o.breakdown
"""


def card_rows(
    indicator_ids: Iterable[str],
    regions: Iterable[str],
    breakdowns: Iterable[str],
    periods: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """Observations of several series at once (every combination of the given indicators,
    regions and breakdown keys), each with its unit and source joined. Only rows that exist are
    returned; the card shows listed periods without a row as missing."""
    return db.rows(
        _CARD_ROWS_SQL,
        {
            "indicators": [str(i) for i in indicator_ids],
            "regions": [str(r) for r in regions],
            "breakdowns": [str(b) for b in breakdowns],
            "periods": None if periods is None else [str(p) for p in periods],
        },
    )


def indicators(indicator_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Catalogue rows of the given indicators, by id (unknown ids are simply absent). Read once
    per published warehouse: pages ask for it many times."""
    catalogue = db.per_version(("indicator",), lambda: {row["id"]: row for row in db.rows("SELECT * FROM indicator")})
    return {i: dict(catalogue[i]) for i in dict.fromkeys(str(i) for i in indicator_ids) if i in catalogue}


def categories(dimensions: Iterable[str]) -> list[dict[str, Any]]:
    """The categories of the given dimensions with their labels, in each dimension's own order
    (sort_order, then code); the dimensions in the order given."""
    wanted = [str(d) for d in dimensions]
    rows = db.rows(
        """SELECT c.dimension, c.code, c.label_nb, c.label_nn, c.label_en, c.sort_order,
                  d.label_nb AS dimension_label_nb, d.label_nn AS dimension_label_nn, d.label_en AS dimension_label_en
           FROM category c LEFT JOIN dimension d ON d.dimension = c.dimension
           WHERE list_contains($dims, c.dimension)
           ORDER BY c.sort_order NULLS LAST, c.code""",
        {"dims": wanted},
    )
    return sorted(rows, key=lambda row: wanted.index(row["dimension"]))
