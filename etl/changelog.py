"""What changed: at publish, the new warehouse is compared with the one it replaces.

    record(con, previous, version, built_at, command)

writes two tables into the new warehouse (`con`, before it is swapped in):

    data_release   one row per published data version: when, by which command, and which
                   version it replaced (NULL: nothing to compare with, or it could not be read)
    change_log     one row per change: a kind (CHANGE_KINDS), the indicator or the source it
                   concerns, the periods concerned and how many figures

Both are carried over from the previous warehouse, so the history travels with the data that
it describes (the /nytt page and the /nytt.atom feed read them from the served file) and is
built by comparing data, never written by hand. A rebuild that gives the same data version
adds nothing. If the previous file cannot be read or compared, the new version is still
published: its row says so (kind `not_compared`) instead of claiming that nothing changed.

Comparisons are on the published observations (original region codes), key (indicator,
region, period, breakdown); a figure is a row with a value. Sources are compared on what a
reader would call a new edition (title, URL, publication date, table, licence, content
checksum), not on when they were fetched.
"""
from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pandas as pd

logger = logging.getLogger(__name__)

PREVIOUS = "previous_warehouse"  # the alias the old file is attached under

# What a change_log row can say, in the order pages list them.
CHANGE_KINDS = (
    "new_indicator",      # an indicator with figures that the previous version did not have
    "new_periods",        # periods with figures for the first time
    "changed_values",     # figures already published whose value, status or qualifier changed
    "added_figures",      # figures for new regions or breakdowns in periods already published
    "removed_figures",    # figures the previous version had and this one does not
    "removed_indicator",  # an indicator the previous version had and this one does not
    "source_added",
    "source_updated",
    "source_removed",
    "not_compared",       # the previous warehouse could not be read or compared
)
INDICATOR_KINDS = CHANGE_KINDS[:6]
SOURCE_KINDS = CHANGE_KINDS[6:9]
# Source columns whose change makes an updated source (fetched_at alone does not).
SOURCE_FIELDS = ("publisher", "title", "url", "table_id", "published", "license", "checksum")

RELEASE_COLUMNS = ["data_version", "built_at", "previous_version", "command"]
CHANGE_COLUMNS = ["data_version", "kind", "indicator_id", "source_id", "label", "url", "periods", "figures"]


def record(con: duckdb.DuckDBPyConnection, previous: Path, version: str, built_at: str, command: str) -> None:
    """Carry the history over from `previous` (the served file, if any) and add this version's
    changes. Never raises for a previous file it cannot use: that is recorded, not fatal."""
    attached = _attach(con, previous)
    try:
        history = _history(con) if attached else (_empty(RELEASE_COLUMNS), _empty(CHANGE_COLUMNS))
        releases, changes = history
        previous_version = _previous_version(con) if attached else None
        if previous_version == version:
            _write(con, releases, changes)  # the same data again: nothing new to say
            return
        try:
            found = compare(con) if attached and previous_version else []
        except duckdb.Error as error:  # an old schema, a damaged file: say it, publish anyway
            logger.warning("Could not compare with the previous warehouse: %s", error)
            found = [{"kind": "not_compared"}]
        if previous.exists() and not previous_version and not found:
            found = [{"kind": "not_compared"}]  # a file was there but told us nothing
        release = pd.DataFrame([{"data_version": version, "built_at": built_at,
                                 "previous_version": previous_version, "command": command}], columns=RELEASE_COLUMNS)
        new = pd.DataFrame([{**{c: None for c in CHANGE_COLUMNS}, **row, "data_version": version} for row in found],
                           columns=CHANGE_COLUMNS)
        releases = release if releases.empty else pd.concat(
            [releases[releases["data_version"] != version], release], ignore_index=True)
        if not changes.empty:
            changes = changes[changes["data_version"] != version]
        changes = new if changes.empty else pd.concat([changes, new], ignore_index=True)
        _write(con, releases, changes)
    finally:
        if attached:
            con.execute(f"DETACH {PREVIOUS}")


def compare(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The changes from the attached previous warehouse to the tables in `con`, as change_log
    rows without their data version."""
    rows: list[dict] = []
    old_indicators = {r[0] for r in con.execute(f"SELECT id FROM {PREVIOUS}.indicator").fetchall()}
    new_indicators = {r[0] for r in con.execute("SELECT id FROM indicator").fetchall()}
    old_periods = _periods_with_figures(con, f"{PREVIOUS}.observation")
    new_periods = _periods_with_figures(con, "observation")

    for indicator in sorted(new_indicators - old_indicators):
        periods = new_periods.get(indicator, set())
        if periods:  # an indicator in the catalogue without figures is not news
            rows.append(_indicator_row("new_indicator", indicator, periods,
                                       _count(con, "observation", indicator)))
    for indicator in sorted(old_indicators - new_indicators):
        rows.append(_indicator_row("removed_indicator", indicator, old_periods.get(indicator, set()),
                                   _count(con, f"{PREVIOUS}.observation", indicator)))

    kept = new_indicators & old_indicators
    first_time = {i: new_periods.get(i, set()) - old_periods.get(i, set()) for i in kept}
    counted: dict[tuple[str, str], dict[str, int]] = {}
    for kind, sql in _FIGURE_CHANGES.items():
        for indicator, period, figures in con.execute(sql.format(previous=PREVIOUS)).fetchall():
            if indicator not in kept:
                continue
            # A period with figures for the first time is news as a new period, however its
            # rows arrived (new rows, or an expected period's empty row now filled).
            said = "new_periods" if period in first_time[indicator] and kind != "removed_figures" else kind
            per_period = counted.setdefault((said, indicator), {})
            per_period[period] = per_period.get(period, 0) + figures
    for indicator in sorted(kept):
        for kind in ("new_periods", "changed_values", "added_figures", "removed_figures"):
            per_period = counted.get((kind, indicator))
            if per_period:
                rows.append(_indicator_row(kind, indicator, per_period, sum(per_period.values())))

    rows += _source_changes(con)
    order = {kind: number for number, kind in enumerate(CHANGE_KINDS)}
    return sorted(rows, key=lambda r: (order[r["kind"]], r.get("indicator_id") or "", r.get("source_id") or ""))


# Per (indicator, period): how many figures changed, were added, or went away.
_KEY = "indicator_id, region_code, period, breakdown"
_FIGURE_CHANGES = {
    "changed_values": f"""
        SELECT n.indicator_id, n.period, count(*) FROM observation n
        JOIN {{previous}}.observation o USING ({_KEY})
        WHERE (n.value IS NOT NULL OR o.value IS NOT NULL)
          AND (n.value IS DISTINCT FROM o.value OR n.status IS DISTINCT FROM o.status
               OR n.qualifier IS DISTINCT FROM o.qualifier)
        GROUP BY ALL""",
    "added_figures": f"""
        SELECT n.indicator_id, n.period, count(*) FROM observation n
        ANTI JOIN {{previous}}.observation o USING ({_KEY})
        WHERE n.value IS NOT NULL GROUP BY ALL""",
    "removed_figures": f"""
        SELECT o.indicator_id, o.period, count(*) FROM {{previous}}.observation o
        ANTI JOIN observation n USING ({_KEY})
        WHERE o.value IS NOT NULL GROUP BY ALL""",
}


def _periods_with_figures(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for indicator, period in con.execute(
            f"SELECT DISTINCT indicator_id, period FROM {table} WHERE value IS NOT NULL").fetchall():
        found.setdefault(indicator, set()).add(period)
    return found


def _count(con: duckdb.DuckDBPyConnection, table: str, indicator: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table} WHERE indicator_id = ? AND value IS NOT NULL",
                       [indicator]).fetchall()[0][0]


def _indicator_row(kind: str, indicator: str, periods, figures: int) -> dict:
    return {"kind": kind, "indicator_id": indicator, "periods": ",".join(sorted(periods)), "figures": int(figures)}


def _source_changes(con: duckdb.DuckDBPyConnection) -> list[dict]:
    columns = [c for c in SOURCE_FIELDS if c in _columns(con, f"{PREVIOUS}.source")]
    differs = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in columns) or "false"
    queries = {
        "source_added": f"SELECT n.source_id, n.publisher, n.title, n.url FROM source n "
                        f"ANTI JOIN {PREVIOUS}.source o USING (source_id)",
        "source_updated": f"SELECT n.source_id, n.publisher, n.title, n.url FROM source n "
                          f"JOIN {PREVIOUS}.source o USING (source_id) WHERE {differs}",
        "source_removed": f"SELECT o.source_id, o.publisher, o.title, o.url FROM {PREVIOUS}.source o "
                          f"ANTI JOIN source n USING (source_id)",
    }
    rows = []
    for kind, sql in queries.items():
        for source_id, publisher, title, url in con.execute(sql + " ORDER BY 1").fetchall():
            rows.append({"kind": kind, "source_id": source_id, "label": f"{publisher}: {title}", "url": url})
    return rows


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}


# ------------------------------------------------------------------------------ the previous file


def _attach(con: duckdb.DuckDBPyConnection, previous: Path) -> bool:
    if not previous.exists():
        return False
    try:
        literal = "'" + str(previous).replace("'", "''") + "'"
        con.execute(f"ATTACH {literal} AS {PREVIOUS} (READ_ONLY)")
    except duckdb.Error as error:
        logger.warning("Could not open the previous warehouse %s to compare with: %s", previous, error)
        return False
    return True


def _previous_version(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        rows = con.execute(f"SELECT value FROM {PREVIOUS}.meta WHERE key = 'data_version'").fetchall()
    except duckdb.Error:
        return None
    return rows[0][0] if rows and rows[0][0] else None


def _history(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The previous warehouse's releases and changes; empty for a file from before this log."""
    frames = []
    for table, columns in (("data_release", RELEASE_COLUMNS), ("change_log", CHANGE_COLUMNS)):
        try:
            frame = con.execute(f"SELECT * FROM {PREVIOUS}.{table} ORDER BY rowid").df()  # history order
        except duckdb.Error:
            frame = _empty(columns)
        frames.append(frame.reindex(columns=columns))
    return frames[0], frames[1]


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=columns)


def _write(con: duckdb.DuckDBPyConnection, releases: pd.DataFrame, changes: pd.DataFrame) -> None:
    for table, frame in (("data_release", releases), ("change_log", changes)):
        if frame.empty:
            continue
        con.register("incoming_history", frame.astype(object).where(frame.notna(), None))
        try:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_history")
        finally:
            con.unregister("incoming_history")
