"""Places: regions and their names over time, the region explorer's series on today's codes,
the maps' regional figures, and what a municipality took part in (strategies, partnerships)."""
from __future__ import annotations

from typing import Any, Iterable

from boligsosial.warehouse import db
from boligsosial.warehouse.series_rows import OBSERVATION_TEXTS, WITH_UNIT_AND_SOURCE


def regions(level: str | None = None, at=None) -> list[dict[str, Any]]:
    """Regions with their validity; `level` keeps one level, `at` (a date) keeps the regions
    valid on that day (valid_from <= at < valid_to)."""
    return db.rows(
        """SELECT code, name, level, parent_code, valid_from, valid_to FROM region
           WHERE ($level IS NULL OR level = $level)
             AND ($at IS NULL OR (coalesce(valid_from, DATE '0001-01-01') <= $at
                                  AND coalesce(valid_to, DATE '9999-12-31') > $at))
           ORDER BY CASE level WHEN 'country' THEN 0 WHEN 'county' THEN 1 ELSE 2 END, code, valid_from""",
        {"level": level, "at": at},
    )


def region_names(codes: Iterable[str]) -> dict[str, str]:
    """The latest name of each region code (today's where it is still valid)."""
    rows = db.rows("""SELECT code, name FROM region WHERE list_contains($codes, code)
                    ORDER BY code, valid_from NULLS FIRST""", {"codes": [str(c) for c in codes]})
    return {row["code"]: row["name"] for row in rows}


def regions_at(level: str, year: int) -> list[dict[str, Any]]:
    """Regions of one level (county, municipality) as they were in `year`, with the name they
    had then: a 2011 figure for county 16 is Sør-Trøndelag, not today's Trøndelag."""
    return db.rows(
        """SELECT code, name FROM region
           WHERE level = $level
             AND (valid_from IS NULL OR valid_from <= make_date($year, 12, 31))
             AND (valid_to IS NULL OR valid_to > make_date($year, 1, 1))
           ORDER BY code, valid_from DESC""",
        {"level": level, "year": int(year)},
    )


# --- Region explorer ---
# The Kommuner og fylker page (pages/kommuner.py, boligsosial/domain/explorer.py). It reads the series
# on today's region codes (observation_current), so a place's history includes the years it had
# an older number, and only totals (breakdown ''): the explorer compares places, not groups.

_EXPLORER_ROWS_SQL = """
    SELECT o.indicator_id, o.region_code, o.period, o.breakdown, o.value, o.status, o.qualifier,
           o.derived, o.derivation, o.confidence, """ + OBSERVATION_TEXTS + """,
           o.source_id, o.harmonised, o.original_codes,""" + WITH_UNIT_AND_SOURCE.format(table="observation_current") + """
    WHERE o.breakdown = '' {filters}
    ORDER BY o.indicator_id, o.region_code, o.period
"""
# Only the filters asked for are written: "$x IS NULL OR ..." would keep DuckDB from pushing
# the region filter into the scan (every row read, then filtered: 35 ms instead of 21 ms for
# one place's profile at national size).
_EXPLORER_FILTERS = {
    "indicators": "AND o.indicator_id = ANY($indicators)",
    "regions": "AND o.region_code = ANY($regions)",
    "level": "AND o.region_code IN (SELECT code FROM region WHERE level = $level)",
}


def explorer_rows(
    indicator_ids: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    level: str | None = None,
) -> list[dict[str, Any]]:
    """Totals on today's codes, each with its unit and source: of the given indicators (None:
    every one), for the given regions (None: every one) or every region of `level` (a code of
    that level no longer valid today can still hold rows that could not be carried over)."""
    given = {
        "indicators": None if indicator_ids is None else [str(i) for i in indicator_ids],
        "regions": None if regions is None else [str(r) for r in regions],
        "level": level,
    }
    params = {name: value for name, value in given.items() if value is not None}
    return db.rows(_EXPLORER_ROWS_SQL.replace("{filters}", " ".join(_EXPLORER_FILTERS[name] for name in params)), params)


# --- Maps ---
# A period's regional figures on the boundaries of their time (2020 on: the codes as published)
# or, for earlier periods, on today's codes (observation_current). See boligsosial/charts/maps.py.
MAP_STRUCTURE_START = 2020  # the oldest structure with boundaries in data/geo

_LEVEL_PERIODS_SQL = """
    WITH levels AS (SELECT code, any_value(level) AS level FROM region GROUP BY code)
    SELECT DISTINCT o.indicator_id, l.level, o.period FROM observation o JOIN levels l ON l.code = o.region_code
    WHERE o.breakdown = '' AND o.value IS NOT NULL AND CAST(left(o.period, 4) AS INTEGER) >= $start
    UNION
    SELECT DISTINCT o.indicator_id, l.level, o.period FROM observation_current o JOIN levels l ON l.code = o.region_code
    WHERE o.breakdown = '' AND o.value IS NOT NULL AND CAST(left(o.period, 4) AS INTEGER) < $start
    ORDER BY indicator_id, level, period
"""

_LEVEL_ROWS_SQL = """
    WITH levels AS (SELECT code, any_value(level) AS level FROM region GROUP BY code)
    SELECT o.indicator_id, o.region_code, o.period, o.breakdown, o.value, o.status, o.qualifier,
           o.derived, o.derivation, o.confidence, """ + OBSERVATION_TEXTS + """, o.source_id,
           s.publisher AS source_publisher, s.publisher_en AS source_publisher_en, s.title AS source_title,
           s.url AS source_url, s.published AS source_published
    FROM {table} o JOIN levels l ON l.code = o.region_code
    LEFT JOIN source s ON s.source_id = o.source_id
    WHERE o.indicator_id = $id AND o.breakdown = '' AND o.period = $period AND l.level = $level
    ORDER BY o.region_code
"""
# As published, or on today's codes: the two tables have the same columns.
_LEVEL_ROWS = {False: _LEVEL_ROWS_SQL.format(table="observation"), True: _LEVEL_ROWS_SQL.format(table="observation_current")}


def level_periods(indicator_id: str, level: str) -> list[str]:
    """The periods with a figure for at least one region of `level`, oldest first. Every
    indicator's are read in one query, once per published file (~100 ms at national size):
    one small cached value rather than one per indicator and level beside the costly series."""
    return list(db.per_version(("level_periods",), _all_level_periods).get((indicator_id, level), ()))


def _all_level_periods() -> dict[tuple[str, str], tuple[str, ...]]:
    found: dict[tuple[str, str], list[str]] = {}
    for row in db.rows(_LEVEL_PERIODS_SQL, {"start": MAP_STRUCTURE_START}):
        found.setdefault((row["indicator_id"], row["level"]), []).append(row["period"])
    return {key: tuple(periods) for key, periods in found.items()}


def level_rows(indicator_id: str, level: str, period: str, current: bool) -> list[dict[str, Any]]:
    """One period's totals for every region of `level` (as published, or on today's codes),
    each with its source."""
    return db.rows(_LEVEL_ROWS[current], {"id": indicator_id, "level": level, "period": period})


def explorer_regions() -> list[dict[str, Any]]:
    """Every region with its validity, and every recorded change of code or name (merges,
    splits, renumbering), for the explorer's place lookup."""
    return db.rows(
        """SELECT code, name, level, parent_code, valid_from, valid_to FROM region
           ORDER BY code, valid_from NULLS FIRST"""
    )


def region_levels() -> dict[str, str]:
    """Every region code with its level (country, county, municipality)."""
    return db.per_version(("region_levels",), lambda: {row["code"]: row["level"] for row in db.rows(
        "SELECT code, any_value(level) AS level FROM region GROUP BY code")})


def region_changes() -> list[dict[str, Any]]:
    """Every change of region code, oldest first."""
    return db.rows(
        """SELECT old_code, old_name, new_code, new_name, changed_on, level FROM region_change
           ORDER BY changed_on, old_code, new_code"""
    )


def explorer_levels() -> dict[str, int]:
    """How many totals from Statistics Norway's tables (sources of kind 'ssb', which only
    `etl refresh` loads) the warehouse holds per region level: whether municipal statistics
    have been loaded at all. The curated figures for a few big cities do not count."""
    return dict(db.per_version(("explorer_levels",), _explorer_levels))


def _explorer_levels() -> dict[str, int]:
    rows = db.rows(
        """WITH levels AS (SELECT code, any_value(level) AS level FROM region GROUP BY code)
           SELECT l.level, count(*) AS n
           FROM observation_current o
           JOIN levels l ON l.code = o.region_code
           JOIN source s ON s.source_id = o.source_id
           WHERE o.breakdown = '' AND o.value IS NOT NULL AND s.kind = 'ssb'
           GROUP BY l.level"""
    )
    return {row["level"]: row["n"] for row in rows}


def explorer_places_with_data() -> dict[str, int]:
    """Region codes with at least one total, and how many indicators each has."""
    return dict(db.per_version(("explorer_places_with_data",), lambda: {row["region_code"]: row["n"] for row in db.rows(
        """SELECT region_code, count(DISTINCT indicator_id) AS n FROM observation_current
           WHERE breakdown = '' AND value IS NOT NULL GROUP BY region_code""")}))


def municipal_strategies(region_code: str) -> list[dict[str, Any]]:
    """The strategies a municipality or county has adopted for itself (kind 'municipal'), with
    source, adoption date and case number."""
    return db.rows(
        """SELECT id, kind, name_nb, name_en, name_nn, region_code, period_start, period_end, publication_code,
                  published, owners_nb, source_publisher, source_title, source_url
           FROM strategy WHERE kind = 'municipal' AND region_code = $code
           ORDER BY published DESC NULLS LAST, id""",
        {"code": str(region_code)},
    )


def partnerships(region_code: str) -> list[dict[str, Any]]:
    """The Husbanken programme periods a municipality (by today's code) is listed in, with
    their source."""
    return db.rows(
        """SELECT region_code, name, programme, period_start, period_end, status, publisher, title, url, published,
                  note_nb, note_nn, note_en
           FROM partnership WHERE region_code_today = $code ORDER BY period_start, programme""",
        {"code": str(region_code)},
    )
