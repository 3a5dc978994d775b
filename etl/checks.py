"""Checks a new warehouse must pass before it is published (dbt-style tests beside the model).

Each check is a query that returns the offending rows; an empty result means it passed.
The first few offending rows are shown in the error so a person can find and fix them.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from etl.tidy import CONFIDENCE, QUALIFIERS, STATUS_SYMBOLS, TEXTS


def _sql_list(values) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values))


STATUSES = _sql_list(set(STATUS_SYMBOLS) | {""})

# Breakdown parts ("dim=code") exploded into one row each, for the label check.
_BREAKDOWN_PARTS = """
    SELECT DISTINCT split_part(part, '=', 1) AS dimension, split_part(part, '=', 2) AS code
    FROM (SELECT unnest(string_split(breakdown, '|')) AS part FROM observation WHERE breakdown <> '')
"""


def _empty(column: str) -> str:
    return f"coalesce(trim({column}), '') = ''"


def _any_empty(columns) -> str:
    return " OR ".join(_empty(c) for c in columns)


def _some_empty(columns) -> str:
    """Some of the columns are empty and some are not: a text missing in some languages."""
    return f"({_any_empty(columns)}) AND NOT ({' AND '.join(_empty(c) for c in columns)})"


def _in_both(where: str) -> str:
    """Offending rows of the published observations and of their harmonised copy, whose sums
    and recomputed rates get their derivations in etl/regions.py."""
    return " UNION ALL ".join(
        f"SELECT '{table}' AS tbl, indicator_id, region_code, period, breakdown FROM {table} {where}"
        for table in ("observation", "observation_current")
    )


@dataclass(frozen=True)
class Check:
    name: str
    sql: str


CHECKS = [
    Check("observation key is unique (indicator, region, period, breakdown)", """
        SELECT indicator_id, region_code, period, breakdown, count(*) AS n FROM observation
        GROUP BY ALL HAVING count(*) > 1"""),
    Check("every observation's indicator is in the catalogue", """
        SELECT DISTINCT o.indicator_id FROM observation o ANTI JOIN indicator i ON i.id = o.indicator_id"""),
    Check("every observation's region is in the region registry", """
        SELECT DISTINCT o.region_code FROM observation o ANTI JOIN region r ON r.code = o.region_code"""),
    Check("every figure has a source row (only an expected period with no figure has none)", """
        SELECT DISTINCT o.source_id FROM observation o ANTI JOIN source s ON s.source_id = o.source_id
        WHERE o.source_id IS NOT NULL OR o.value IS NOT NULL"""),
    Check("every source has a publisher, title and URL", """
        SELECT source_id FROM source WHERE trim(publisher) = '' OR trim(title) = '' OR trim(url) = ''"""),
    Check("every curated source's publisher is listed as primary or secondary", """
        SELECT source_id, publisher FROM source
        WHERE kind = 'curated' AND coalesce(publisher_kind, '') NOT IN ('primary', 'secondary')"""),
    Check("a figure graded H cites a primary publisher", """
        SELECT o.indicator_id, o.region_code, o.period, o.breakdown, s.publisher FROM observation o
        JOIN source s ON s.source_id = o.source_id
        WHERE o.confidence = 'H' AND s.kind = 'curated' AND coalesce(s.publisher_kind, '') <> 'primary'"""),
    Check("partnership municipalities cite a listed publisher", """
        SELECT region_code, programme, publisher FROM partnership ANTI JOIN publisher USING (publisher)"""),
    Check("a value is missing exactly when a status symbol says why", """
        SELECT indicator_id, region_code, period, breakdown, value, status FROM observation
        WHERE (value IS NULL) <> (status <> '')"""),
    Check("status is one of SSB's symbols", f"""
        SELECT DISTINCT status FROM observation WHERE status NOT IN ({STATUSES})"""),
    Check("qualifier is known", f"""
        SELECT DISTINCT qualifier FROM observation WHERE qualifier NOT IN ({_sql_list(QUALIFIERS)})"""),
    Check("confidence is H or M (empty only where there is no figure and no source)", f"""
        SELECT DISTINCT confidence FROM observation
        WHERE confidence NOT IN ({_sql_list(CONFIDENCE)}) AND NOT (confidence = '' AND source_id IS NULL)"""),
    Check("method changes name a known indicator", """
        SELECT indicator_id, period FROM comparability_break WHERE indicator_id NOT IN (SELECT id FROM indicator)"""),
    Check("derived numbers say how they were derived, in bokmål, nynorsk and English", _in_both(f"""
        WHERE derived AND ({_any_empty(TEXTS["derivation"])})""")),
    Check("a note or derivation in one language has one in the others", _in_both(f"""
        WHERE ({_some_empty(TEXTS["note"])}) OR ({_some_empty(TEXTS["derivation"])})""")),
    Check("note and derivation are the English texts (note_en, derivation_en)", _in_both("""
        WHERE coalesce(note, '') <> coalesce(note_en, '') OR coalesce(derivation, '') <> coalesce(derivation_en, '')""")),
    Check("values lie in the indicator's plausible range", """
        SELECT o.indicator_id, o.region_code, o.period, o.breakdown, o.value, i.min_value, i.max_value
        FROM observation o JOIN indicator i ON i.id = o.indicator_id
        WHERE o.value < i.min_value OR o.value > i.max_value"""),
    Check("every breakdown dimension and category has labels", f"""
        SELECT p.dimension, p.code FROM ({_BREAKDOWN_PARTS}) p
        ANTI JOIN category c ON c.dimension = p.dimension AND c.code = p.code"""),
    Check("every category's dimension has labels", """
        SELECT DISTINCT c.dimension FROM category c ANTI JOIN dimension d ON d.dimension = c.dimension"""),
    Check("rates name a numerator and a denominator that are in the catalogue", """
        SELECT id FROM indicator
        WHERE (numerator IS NULL) <> (denominator IS NULL)
           OR (numerator IS NOT NULL AND (numerator NOT IN (SELECT id FROM indicator)
                                          OR denominator NOT IN (SELECT id FROM indicator)))"""),
    Check("region codes are unique per validity start", """
        SELECT code, valid_from FROM region GROUP BY ALL HAVING count(*) > 1"""),
    Check("municipalities and counties have a parent in the registry", """
        SELECT r.code, r.parent_code FROM region r
        WHERE r.level <> 'country' AND (r.parent_code IS NULL
              OR r.parent_code NOT IN (SELECT code FROM region))"""),
    Check("strategy goals and targets point to known indicators", """
        SELECT strategy_id, goal_no AS no, indicator_id FROM goal_indicator
        WHERE indicator_id NOT IN (SELECT id FROM indicator)
        UNION ALL
        SELECT strategy_id, target_no, indicator_id FROM target
        WHERE indicator_id IS NOT NULL AND indicator_id NOT IN (SELECT id FROM indicator)"""),
    Check("goal indicators belong to an existing goal", """
        SELECT gi.strategy_id, gi.goal_no FROM goal_indicator gi
        ANTI JOIN goal g ON g.strategy_id = gi.strategy_id AND g.goal_no = gi.goal_no"""),
]


def run_checks(con: duckdb.DuckDBPyConnection, show: int = 5) -> list[str]:
    """Run every check; return one line per failed check (empty list: all passed)."""
    failures = []
    for check in CHECKS:
        rows = con.execute(check.sql).fetchall()
        if rows:
            sample = "; ".join(str(tuple(r)) for r in rows[:show])
            more = f" (+{len(rows) - show} more)" if len(rows) > show else ""
            failures.append(f"{check.name}: {len(rows)} failing, e.g. {sample}{more}")
    return failures
