"""The data catalogue and selections for the data API, the Data page and downloads: which
indicators, sources, breakdowns and tables there are, and the rows a checked selection asks for."""
from __future__ import annotations

from typing import Any, Iterable

from boligsosial.warehouse import db
from boligsosial.warehouse.series_rows import OBSERVATION_TEXTS

# ==============================================================================================
# Data catalogue, selections and downloads (the data API, the Data page, exports).
# Every value from a request arrives already checked by boligsosial.domain.selection and is bound as a
# parameter; the only names put into SQL text are table names from the fixed lists below or
# from the warehouse's own catalogue.
# ==============================================================================================

# codes=original reads the published rows; codes=current the same series on today's codes.
_SELECTION_TABLES = {
    "original": ("observation", ""),
    "current": ("observation_current", ", o.harmonised, o.original_codes"),
}

# The region's name as it was at the period (year start), or today for current codes; a code
# with no row valid then gets its latest name.
_REGION_NAME_SQL = """
    (SELECT r.name FROM region r WHERE r.code = o.region_code
     ORDER BY (coalesce(r.valid_from, DATE '0001-01-01') <= {at}
               AND coalesce(r.valid_to, DATE '9999-12-31') > {at}) DESC,
              r.valid_from DESC NULLS LAST
     LIMIT 1)
"""

_SELECTION_SQL = """
    SELECT o.indicator_id, o.region_code, {region_name} AS region_name, o.period, o.breakdown,
           o.value, o.status, o.qualifier, o.derived, o.derivation, o.confidence, """ + OBSERVATION_TEXTS + """, o.source_id{extra},
           s.publisher AS source_publisher, s.publisher_en AS source_publisher_en, s.title AS source_title, s.url AS source_url,
           s.published AS source_published, s.fetched_at AS source_fetched_at, s.license AS source_license
    FROM {table} o
    LEFT JOIN source s ON s.source_id = o.source_id
    WHERE o.indicator_id = $indicator
      AND ($regions IS NULL OR list_contains($regions, o.region_code))
      -- Bounds compare at their own precision: to=2011 includes 2011-02.
      AND ($from IS NULL OR left(o.period, length($from)) >= $from)
      AND ($to IS NULL OR left(o.period, length($to)) <= $to)
      AND CASE
            WHEN $by IS NULL THEN $keys IS NULL OR list_contains($keys, o.breakdown)
            ELSE list_contains(coalesce($keys, []::VARCHAR[]), o.breakdown)
                 OR (len(list_filter(string_split(o.breakdown, '|'), lambda p: starts_with(p, $by || '='))) = 1
                     AND ($keys IS NULL OR list_contains($keys, array_to_string(
                         list_filter(string_split(o.breakdown, '|'), lambda p: NOT starts_with(p, $by || '=')), '|'))))
          END
    ORDER BY length(o.region_code), o.region_code, o.breakdown, o.period  -- country, counties, municipalities
    LIMIT $limit
"""


def selection_rows(indicator_id: str, selection, limit: int) -> list[dict[str, Any]]:
    """One indicator's rows for a boligsosial.domain.selection.Selection, each with its region's name
    and its source, ordered by region, breakdown and period; at most `limit` rows (callers ask
    for one more than they serve to tell "exactly the limit" from "too many")."""
    from datetime import date

    table, extra = _SELECTION_TABLES[selection.codes]
    at = "$today" if selection.codes == "current" else "make_date(CAST(left(o.period, 4) AS INTEGER), 1, 1)"
    sql = _SELECTION_SQL.format(region_name=_REGION_NAME_SQL.format(at=at), table=table, extra=extra)
    params = {
        "indicator": indicator_id,
        "regions": None if selection.regions is None else list(selection.regions),
        "from": selection.period_from,
        "to": selection.period_to,
        "keys": None if selection.breakdowns is None else list(selection.breakdowns),
        "by": selection.by,
        "limit": limit,
    }
    if selection.codes == "current":
        params["today"] = date.today()
    return db.rows(sql, params)


_CATALOGUE_SQL = """
    WITH levels AS (SELECT code, any_value(level) AS level FROM region GROUP BY code),
    per_indicator AS (
        SELECT o.indicator_id,
               count(*) AS row_count,
               min(o.period) AS first_period,
               max(o.period) AS last_period,
               count(*) FILTER (WHERE o.confidence = 'H') AS confidence_h,
               count(*) FILTER (WHERE o.confidence = 'M') AS confidence_m,
               count(*) FILTER (WHERE o.value IS NULL) AS missing_values,
               -- What the shown figures rest on: derived ones apart, the rest by publisher kind.
               count(*) FILTER (WHERE o.value IS NOT NULL AND NOT o.derived AND s.publisher_kind = 'primary') AS figures_primary,
               count(*) FILTER (WHERE o.value IS NOT NULL AND NOT o.derived AND s.publisher_kind = 'secondary') AS figures_secondary,
               count(*) FILTER (WHERE o.value IS NOT NULL AND o.derived) AS figures_derived,
               list(DISTINCT l.level ORDER BY l.level) FILTER (WHERE l.level IS NOT NULL) AS levels_present,
               max(nullif(s.published, '')) AS last_published,
               max(nullif(s.fetched_at, '')) AS last_fetched,
               lower(string_agg(DISTINCT s.publisher || ' ' || s.title, ' ')) AS source_text
        FROM observation o
        LEFT JOIN source s ON s.source_id = o.source_id
        LEFT JOIN levels l ON l.code = o.region_code
        GROUP BY o.indicator_id
    )
    SELECT i.*, p.row_count, p.first_period, p.last_period, p.confidence_h, p.confidence_m,
           p.missing_values, p.figures_primary, p.figures_secondary, p.figures_derived,
           p.levels_present, p.last_published, p.last_fetched
    FROM indicator i
    LEFT JOIN per_indicator p ON p.indicator_id = i.id
    WHERE ($id IS NULL OR i.id = $id)
      AND ($words IS NULL OR list_bool_and(list_transform($words, lambda w: contains(lower(concat_ws(' ',
            i.id, i.topic, i.title_nb, i.title_en, i.title_nn, i.definition_nb, i.definition_en, i.definition_nn, p.source_text)), w))))
    ORDER BY i.topic, i.id
"""


def catalogue(words: Iterable[str] = (), indicator_id: str | None = None) -> list[dict[str, Any]]:
    """Every indicator (or one) with what the data holds: row count, first and last period,
    levels present, confidence mix, missing values, how many shown figures rest on a primary or a
    secondary source or are derived, and the latest publication and retrieval
    dates of its sources. `words` (lower case) must all occur in its id, titles, definitions or
    source names."""
    words = list(words)
    return db.rows(_CATALOGUE_SQL, {"id": indicator_id, "words": words or None})


def indicator_sources(indicator_id: str | None = None) -> list[dict[str, Any]]:
    """The sources behind an indicator's rows (or every indicator's), newest publication first,
    each with indicator_id and how many rows it gives."""
    return db.rows(
        """SELECT o.indicator_id, s.source_id, s.publisher, s.title, s.url, s.table_id, s.published,
                  s.license, s.fetched_at, s.kind, count(*) AS row_count
           FROM observation o JOIN source s ON s.source_id = o.source_id
           WHERE $id IS NULL OR o.indicator_id = $id
           GROUP BY ALL
           ORDER BY o.indicator_id, s.published DESC NULLS LAST, s.publisher, s.title""",
        {"id": indicator_id},
    )


def indicator_breakdowns(indicator_id: str) -> list[dict[str, Any]]:
    """The breakdown keys an indicator has rows for, with how many rows and which periods."""
    return db.rows(
        """SELECT breakdown, count(*) AS row_count, min(period) AS first_period, max(period) AS last_period
           FROM observation WHERE indicator_id = $id
           GROUP BY breakdown ORDER BY breakdown""",
        {"id": indicator_id},
    )


def dimensions() -> list[dict[str, Any]]:
    """Breakdown dimensions with their labels (their categories: categories(dimensions))."""
    return db.rows("SELECT dimension, label_nb, label_nn, label_en FROM dimension ORDER BY dimension")


def table_names() -> list[str]:
    """The warehouse's tables, by name."""
    return [
        row["table_name"]
        for row in db.rows(
            """SELECT table_name FROM information_schema.tables
               WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"""
        )
    ]


def table_arrow(name: str, names: Iterable[str] | None = None):
    """One whole table as a pyarrow Table (for the database download). Only names that
    table_names() lists are accepted (a caller reading every table passes that list in, so it
    is read once), and the name is quoted as an identifier."""
    if name not in (table_names() if names is None else names):
        raise KeyError(name)
    cursor = db.cursor()
    try:
        return cursor.sql('SELECT * FROM "{}"'.format(name.replace('"', '""'))).to_arrow_table()
    finally:
        cursor.close()
