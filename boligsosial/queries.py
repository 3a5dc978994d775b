"""The only runtime module that talks to DuckDB.

Each process holds one read-only connection to the published warehouse, opened lazily on the
first query (so after gunicorn forks its workers: a connection must not be shared across a
fork) and with one thread (several workers share the machine's cores). The ETL publishes a new
warehouse by os.replace of a complete file, so a changed inode means "new data": the
connection is reopened on the new file and the old one let go. Each query gets its own cursor,
which makes the shared connection safe under threaded servers, and every value is bound as a
parameter: nothing from a request is ever pasted into SQL.
"""
from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Callable, Iterable

import duckdb

from boligsosial import integrity, settings

BUILD_COMMANDS = ("make run", "python -m etl build")


class WarehouseUnavailable(RuntimeError):
    """The warehouse file is missing, unreadable, or lacks the tables the app reads. `kind` says
    which, in the notice's words: integrity.MISSING, CORRUPT or INCOMPLETE."""

    def __init__(self, message: str, path: Path | None = None, kind: str = integrity.CORRUPT):
        super().__init__(message)
        self.message = message
        self.path = path
        self.kind = kind

    @property
    def public_message(self) -> str:
        """The message without the server's directories (for /healthz, which anyone can read)."""
        return self.message.replace(str(self.path), self.path.name) if self.path else self.message


_lock = threading.Lock()
_connection: duckdb.DuckDBPyConnection | None = None
_opened_key: tuple | None = None  # (pid, path, device, inode) the connection was opened for

# One request, one warehouse. A page or a download is built from several queries; if the ETL
# swaps the file between two of them, one response would mix two published versions. Between
# pin() and unpin() (the app calls them around every request, see boligsosial/data_version.py)
# every query in this context uses the connection the first one got, even after a newer file
# has appeared; the next request gets the new one.
_pinned: ContextVar[list | None] = ContextVar("boligsosial_pinned_connection", default=None)


def pin() -> None:
    """Start a scope (one request, in this thread) in which every query reads the same file."""
    _pinned.set([])


def unpin() -> None:
    _pinned.set(None)


def _file_key(path: Path) -> tuple:
    """Which file `path` is now, once it is known to be the one the ETL published, unchanged
    (boligsosial/integrity.py: a stat per call, its checksum every few seconds)."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise WarehouseUnavailable(
            f"The warehouse {path} does not exist. Build it with `{BUILD_COMMANDS[0]}` or `{BUILD_COMMANDS[1]}`.", path,
            integrity.MISSING,
        ) from None
    except OSError as exc:
        raise WarehouseUnavailable(f"The warehouse {path} cannot be read: {exc.strerror}.", path) from None
    problem = integrity.checker.check(path, stat)
    if problem is not None:
        raise WarehouseUnavailable(f"{problem.message} Rebuild it with `{BUILD_COMMANDS[1]}`.", path, problem.kind)
    return (os.getpid(), str(path), stat.st_dev, stat.st_ino)


def _cursor() -> duckdb.DuckDBPyConnection:
    return _on_warehouse(_current_connection().cursor())


def _current_connection() -> duckdb.DuckDBPyConnection:
    """The connection this context reads: the request's pinned one, else the live one."""
    global _connection, _opened_key
    pinned = _pinned.get()
    if pinned:
        return pinned[0]
    path = settings.warehouse_path()
    try:
        key = _file_key(path)
    except WarehouseUnavailable:
        # Let go of the file: what this process read from it may be what changed, and once a
        # good file is back (even on the same inode) it is opened afresh.
        with _lock:
            _connection, _opened_key = None, None
        raise
    with _lock:
        if _connection is None or _opened_key != key:
            # The old connection is dropped, not closed: a query running in another thread
            # keeps it alive through its cursor, and it is freed (releasing the old file) when
            # the last cursor closes.
            _connection, _opened_key = None, None
            try:
                connection = _open(path)
            except duckdb.Error as exc:
                raise WarehouseUnavailable(
                    f"The warehouse {path} cannot be opened ({exc}). Rebuild it with `{BUILD_COMMANDS[1]}`.", path
                ) from None
            _require_published(connection, path)
            _connection, _opened_key = connection, key
        if pinned is not None:
            pinned.append(_connection)
        return _connection


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    """A new read-only connection to the file that is at `path` now.

    Not duckdb.connect(path): DuckDB keeps one database per file path in a process and hands it
    out again while any connection to it lives. Under a threaded server a request still reading
    the replaced file keeps that database alive, so connect(path) would go on returning the old
    data after a publish (two workers served versions 4 and 6 side by side in the publishing
    test). A new in-memory database with the file attached read-only always opens the file."""
    # No replacement scans: by default DuckDB reads a table name it does not know from a Python
    # variable of that name in the calling code (a missing `meta` table would be read from the
    # function meta() below). Only the file's tables.
    connection = duckdb.connect(":memory:", config={"threads": 1, "python_enable_replacements": False})
    try:
        connection.execute("ATTACH ? AS warehouse (READ_ONLY)", [str(path)])
    except duckdb.Error:
        connection.close()
        raise
    return _on_warehouse(connection)


def _on_warehouse(cursor: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    # Each cursor is a connection of its own, which starts in the in-memory database.
    cursor.execute("USE warehouse")
    return cursor


def _require_published(connection: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Serve only a file the ETL published: it names its data version in meta, written last.
    Another program's database, or a build that died before its end, has none, and serving its
    tables would show figures no version, footer or cache can account for."""
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
    except duckdb.Error:
        row = None
    if not row or not row[0]:
        connection.close()
        raise WarehouseUnavailable(
            f"The warehouse {path} is incomplete: it has no data version, so the ETL did not publish it. "
            f"Rebuild it with `{BUILD_COMMANDS[1]}`.",
            path,
            integrity.INCOMPLETE,
        )


def close() -> None:
    """Drop this process's connection (tests, and servers that want to release the file)."""
    global _connection, _opened_key
    with _lock:
        if _connection is not None and _opened_key is not None and _opened_key[0] == os.getpid():
            _connection.close()
        _connection, _opened_key = None, None
    integrity.checker.forget()
    with _shared_lock:
        _shared["connection"], _shared["values"] = None, OrderedDict()


# Values computed from the warehouse once per published file and process: the explorer's
# series of a whole level (every municipality's figures, shared by every place's ranking), the
# catalogue. Tied to the connection that read them, so a new file starts afresh and a request
# pinned to the old file never sees the new file's values (or the reverse). The connection is
# held weakly: a strong reference would keep the old database open, and DuckDB hands a new
# connect() to the same path the instance that is still open.
SHARED_ENTRIES = 48
_shared_lock = threading.Lock()
_shared: dict[str, Any] = {"connection": None, "values": OrderedDict()}


def per_version(key: tuple, build: Callable[[], Any]) -> Any:
    """build() once per published warehouse (in this process), then its value; the least
    recently used values go first. Callers must not change what they get back."""
    connection = _current_connection()
    with _shared_lock:
        held = _shared["connection"]() if _shared["connection"] is not None else None
        if held is not connection:
            _shared["connection"], _shared["values"] = weakref.ref(connection), OrderedDict()
        values = _shared["values"]
        if key in values:
            values.move_to_end(key)
            return values[key]
    value = build()
    with _shared_lock:
        if _shared["connection"] is not None and _shared["connection"]() is connection:
            values[key] = value
            while len(values) > SHARED_ENTRIES:
                values.popitem(last=False)
    return value


# DuckDB cannot be used across fork: a child that inherits an open database crashes when it
# opens the file again. Closing before any fork (gunicorn --preload, multiprocessing) makes the
# parent reopen lazily afterwards and every child open its own.
os.register_at_fork(before=close)


def _rows(sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    cursor = _cursor()
    try:
        cursor.execute(sql, params or {})
        columns = [column[0] for column in cursor.description]
        return _with_nynorsk([dict(zip(columns, row)) for row in cursor.fetchall()], columns)
    except duckdb.Error as exc:
        if not _file_fault(exc):
            raise  # a mistake in the query, not in the file: a bug to see, not a data outage
        raise WarehouseUnavailable(
            f"The warehouse {settings.warehouse_path()} is incomplete or damaged ({exc}). Rebuild it with `{BUILD_COMMANDS[1]}`.",
            settings.warehouse_path(),
            integrity.INCOMPLETE if isinstance(exc, duckdb.CatalogException) else integrity.CORRUPT,
        ) from None
    finally:
        cursor.close()


def _with_nynorsk(rows: list[dict[str, Any]], columns: list[str]) -> list[dict[str, Any]]:
    """Give every `x_nb` column an `x_nn` beside it: the nynorsk text where the data has one,
    else the bokmål (category labels, notes and source texts are kept as published, in bokmål),
    so code can read `row[f"x_{lang}"]` in every interface language."""
    pairs = [(c, c[:-3] + "_nn") for c in columns if c.endswith("_nb")]
    for row in rows if pairs else ():
        for nb, nn in pairs:
            if not row.get(nn):
                row[nn] = row[nb]
    return rows


def _file_fault(exc: duckdb.Error) -> bool:
    """Whether a query failed because of the file rather than the query: tables missing (a file
    from another build), blocks that cannot be read (a truncated file), or blocks failing their
    checksum (DuckDB raises that corruption as its base Error class)."""
    return isinstance(exc, (duckdb.CatalogException, duckdb.OperationalError)) or type(exc) is duckdb.Error


def meta() -> dict[str, str]:
    """The warehouse's meta table: data_version, built_at, schema_version."""
    return {row["key"]: row["value"] for row in _rows("SELECT key, value FROM meta")}


def data_version() -> str:
    """A content hash of the served data, changing exactly when the data does (for caches, ETags)."""
    version = meta().get("data_version")
    if not version:
        raise WarehouseUnavailable("The warehouse has no data_version: it was not published by the ETL.",
                                   kind=integrity.INCOMPLETE)
    return version


def status() -> dict[str, str]:
    """What /healthz reports for a good warehouse; raises WarehouseUnavailable otherwise."""
    info = meta()
    if not info.get("data_version"):
        raise WarehouseUnavailable("The warehouse has no data_version: it was not published by the ETL.",
                                   kind=integrity.INCOMPLETE)
    return {
        "status": "ok",
        "data_version": info["data_version"],
        "built_at": info.get("built_at", ""),
        "schema_version": info.get("schema_version", ""),
    }


def indicator(indicator_id: str) -> dict[str, Any] | None:
    """One indicator's catalogue row (titles, unit labels, decimals, definition), or None."""
    rows = _rows("SELECT * FROM indicator WHERE id = $id", {"id": indicator_id})
    return rows[0] if rows else None


# Source columns are prefixed so they cannot be confused with the observation's own columns.
_OBSERVATIONS_SQL = """
    SELECT o.indicator_id, o.region_code, o.period, o.breakdown, o.value, o.status, o.qualifier,
           o.derived, o.derivation, o.confidence, o.note, o.note_nb, o.note_en, o.derivation_nb, o.derivation_en, o.source_id,
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
    return _rows(
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
    return _rows(
        "SELECT period, reason_nb, reason_en, reason_nn FROM comparability_break WHERE indicator_id = $id ORDER BY period",
        {"id": indicator_id},
    )


def strategies(kind: str) -> list[dict[str, Any]]:
    """Strategies of one kind ("national", ...) that have a period, oldest first: for shading
    strategy periods on time axes."""
    return _rows(
        """SELECT id, name_nb, name_en, name_nn, period_start, period_end FROM strategy
           WHERE kind = $kind AND period_start IS NOT NULL AND period_end IS NOT NULL
           ORDER BY period_start""",
        {"kind": kind},
    )


# ==============================================================================================
# Data catalogue, selections and downloads (the data API, the Data page, exports).
# Every value from a request arrives already checked by boligsosial.selection and is bound as a
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
           o.value, o.status, o.qualifier, o.derived, o.derivation, o.confidence, o.note, o.note_nb, o.note_en, o.derivation_nb, o.derivation_en, o.source_id{extra},
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
    """One indicator's rows for a boligsosial.selection.Selection, each with its region's name
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
    return _rows(sql, params)


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
    return _rows(_CATALOGUE_SQL, {"id": indicator_id, "words": words or None})


def indicator_sources(indicator_id: str | None = None) -> list[dict[str, Any]]:
    """The sources behind an indicator's rows (or every indicator's), newest publication first,
    each with indicator_id and how many rows it gives."""
    return _rows(
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
    return _rows(
        """SELECT breakdown, count(*) AS row_count, min(period) AS first_period, max(period) AS last_period
           FROM observation WHERE indicator_id = $id
           GROUP BY breakdown ORDER BY breakdown""",
        {"id": indicator_id},
    )


def dimensions() -> list[dict[str, Any]]:
    """Breakdown dimensions with their labels (their categories: categories(dimensions))."""
    return _rows("SELECT dimension, label_nb, label_en FROM dimension ORDER BY dimension")


def regions(level: str | None = None, at=None) -> list[dict[str, Any]]:
    """Regions with their validity; `level` keeps one level, `at` (a date) keeps the regions
    valid on that day (valid_from <= at < valid_to)."""
    return _rows(
        """SELECT code, name, level, parent_code, valid_from, valid_to FROM region
           WHERE ($level IS NULL OR level = $level)
             AND ($at IS NULL OR (coalesce(valid_from, DATE '0001-01-01') <= $at
                                  AND coalesce(valid_to, DATE '9999-12-31') > $at))
           ORDER BY CASE level WHEN 'country' THEN 0 WHEN 'county' THEN 1 ELSE 2 END, code, valid_from""",
        {"level": level, "at": at},
    )


def region_names(codes: Iterable[str]) -> dict[str, str]:
    """The latest name of each region code (today's where it is still valid)."""
    rows = _rows("""SELECT code, name FROM region WHERE list_contains($codes, code)
                    ORDER BY code, valid_from NULLS FIRST""", {"codes": [str(c) for c in codes]})
    return {row["code"]: row["name"] for row in rows}


def table_names() -> list[str]:
    """The warehouse's tables, by name."""
    return [
        row["table_name"]
        for row in _rows(
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
    cursor = _cursor()
    try:
        return cursor.sql('SELECT * FROM "{}"'.format(name.replace('"', '""'))).to_arrow_table()
    finally:
        cursor.close()


# ==============================================================================================
# Pages: chart cards and strategies (issue 3). Everything below serves boligsosial/card.py and
# the Oversikt, Bostedsløse, Vanskeligstilte and Strategier pages. Lists are bound as DuckDB
# lists ($x); nothing from a URL is ever written into the SQL text.
# ==============================================================================================

# Like _OBSERVATIONS_SQL, for several indicators, regions and breakdowns at once, and with the
# source's retrieval date and licence for the card's About panel.
# What a chart card shows with each observation `o`: its unit and its source in full.
_WITH_UNIT_AND_SOURCE = """
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
           o.derived, o.derivation, o.confidence, o.note, o.note_nb, o.note_en, o.derivation_nb, o.derivation_en, o.source_id,""" + _WITH_UNIT_AND_SOURCE.format(table="observation") + """    WHERE list_contains($indicators, o.indicator_id)
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
    return _rows(
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
    catalogue = per_version(("indicator",), lambda: {row["id"]: row for row in _rows("SELECT * FROM indicator")})
    return {i: dict(catalogue[i]) for i in dict.fromkeys(str(i) for i in indicator_ids) if i in catalogue}


def categories(dimensions: Iterable[str]) -> list[dict[str, Any]]:
    """The categories of the given dimensions with their labels, in each dimension's own order
    (sort_order, then code); the dimensions in the order given."""
    wanted = [str(d) for d in dimensions]
    rows = _rows(
        """SELECT c.dimension, c.code, c.label_nb, c.label_en, c.sort_order,
                  d.label_nb AS dimension_label_nb, d.label_en AS dimension_label_en
           FROM category c LEFT JOIN dimension d ON d.dimension = c.dimension
           WHERE list_contains($dims, c.dimension)
           ORDER BY c.sort_order NULLS LAST, c.code""",
        {"dims": wanted},
    )
    return sorted(rows, key=lambda row: wanted.index(row["dimension"]))


def regions_at(level: str, year: int) -> list[dict[str, Any]]:
    """Regions of one level (county, municipality) as they were in `year`, with the name they
    had then: a 2011 figure for county 16 is Sør-Trøndelag, not today's Trøndelag."""
    return _rows(
        """SELECT code, name FROM region
           WHERE level = $level
             AND (valid_from IS NULL OR valid_from <= make_date($year, 12, 31))
             AND (valid_to IS NULL OR valid_to > make_date($year, 1, 1))
           ORDER BY code, valid_from DESC""",
        {"level": level, "year": int(year)},
    )


def strategy_timeline(kinds: Iterable[str]) -> list[dict[str, Any]]:
    """Strategies of the given kinds (national, forerunner, ...) with period, publication and
    source, oldest first: the timeline on the Strategier page."""
    return _rows(
        """SELECT id, kind, name_nb, name_en, name_nn, region_code, period_start, period_end, publication_code,
                  published, owners_nb, source_publisher, source_title, source_url
           FROM strategy WHERE list_contains($kinds, kind)
           ORDER BY period_start NULLS LAST, id""",
        {"kinds": [str(k) for k in kinds]},
    )


def strategy_plan(strategy_id: str) -> dict[str, list[dict[str, Any]]]:
    """One strategy's goals, priority areas, result targets and the indicators that bear on
    each goal, each list in the strategy's own numbering."""
    params = {"id": strategy_id}
    return {
        "goals": _rows("SELECT goal_no, text_nb, text_en, text_nn FROM goal WHERE strategy_id = $id ORDER BY goal_no", params),
        "priority_areas": _rows(
            """SELECT area_no, goal_no, kind, text_nb, text_en, text_nn FROM priority_area
               WHERE strategy_id = $id ORDER BY area_no""",
            params,
        ),
        "targets": _rows(
            """SELECT target_no, text_nb, text_en, text_nn, indicator_id, target_value, direction, due FROM target
               WHERE strategy_id = $id ORDER BY target_no""",
            params,
        ),
        # rowid keeps the order the strategy file lists a goal's indicators in.
        "goal_indicators": _rows(
            """SELECT goal_no, indicator_id, why FROM goal_indicator
               WHERE strategy_id = $id ORDER BY goal_no, rowid""",
            params,
        ),
    }


def strategy_target(strategy_id: str, target_no: int) -> dict[str, Any] | None:
    """One result target with its strategy's name and period (the zero-vision line)."""
    rows = _rows(
        """SELECT t.target_no, t.text_nb, t.text_en, t.text_nn, t.indicator_id, t.target_value, t.direction, t.due,
                  s.name_nb, s.name_en, s.name_nn, s.period_start, s.period_end
           FROM target t JOIN strategy s ON s.id = t.strategy_id
           WHERE t.strategy_id = $id AND t.target_no = $no""",
        {"id": strategy_id, "no": int(target_no)},
    )
    return rows[0] if rows else None


# --- Region explorer ---
# The Kommuner og fylker page (pages/kommuner.py, boligsosial/explorer.py). It reads the series
# on today's region codes (observation_current), so a place's history includes the years it had
# an older number, and only totals (breakdown ''): the explorer compares places, not groups.

_EXPLORER_ROWS_SQL = """
    SELECT o.indicator_id, o.region_code, o.period, o.breakdown, o.value, o.status, o.qualifier,
           o.derived, o.derivation, o.confidence, o.note, o.note_nb, o.note_en, o.derivation_nb, o.derivation_en, o.source_id, o.harmonised, o.original_codes,""" + _WITH_UNIT_AND_SOURCE.format(table="observation_current") + """    WHERE o.breakdown = ''
      AND ($indicators IS NULL OR list_contains($indicators, o.indicator_id))
      AND ($regions IS NULL OR list_contains($regions, o.region_code))
      AND ($level IS NULL OR o.region_code IN (SELECT code FROM region WHERE level = $level))
    ORDER BY o.indicator_id, o.region_code, o.period
"""


def explorer_rows(
    indicator_ids: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    level: str | None = None,
) -> list[dict[str, Any]]:
    """Totals on today's codes, each with its unit and source: of the given indicators (None:
    every one), for the given regions (None: every one) or every region of `level` (a code of
    that level no longer valid today can still hold rows that could not be carried over)."""
    return _rows(
        _EXPLORER_ROWS_SQL,
        {
            "indicators": None if indicator_ids is None else [str(i) for i in indicator_ids],
            "regions": None if regions is None else [str(r) for r in regions],
            "level": level,
        },
    )


# --- Maps ---
# A period's regional figures on the boundaries of their time (2020 on: the codes as published)
# or, for earlier periods, on today's codes (observation_current). See boligsosial/charts/maps.py.
MAP_STRUCTURE_START = 2020  # the oldest structure with boundaries in data/geo

_LEVEL_PERIODS_SQL = """
    WITH levels AS (SELECT code, any_value(level) AS level FROM region GROUP BY code)
    SELECT DISTINCT o.period FROM observation o JOIN levels l ON l.code = o.region_code
    WHERE o.indicator_id = $id AND o.breakdown = '' AND o.value IS NOT NULL AND l.level = $level
      AND CAST(left(o.period, 4) AS INTEGER) >= $start
    UNION
    SELECT DISTINCT o.period FROM observation_current o JOIN levels l ON l.code = o.region_code
    WHERE o.indicator_id = $id AND o.breakdown = '' AND o.value IS NOT NULL AND l.level = $level
      AND CAST(left(o.period, 4) AS INTEGER) < $start
    ORDER BY period
"""

_LEVEL_ROWS_SQL = """
    WITH levels AS (SELECT code, any_value(level) AS level FROM region GROUP BY code)
    SELECT o.indicator_id, o.region_code, o.period, o.breakdown, o.value, o.status, o.qualifier,
           o.derived, o.derivation, o.derivation_nb, o.derivation_en, o.confidence, o.note, o.note_nb,
           o.note_en, o.source_id,
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
    """The periods with a figure for at least one region of `level`, oldest first."""
    rows = _rows(_LEVEL_PERIODS_SQL, {"id": indicator_id, "level": level, "start": MAP_STRUCTURE_START})
    return [row["period"] for row in rows]


def level_rows(indicator_id: str, level: str, period: str, current: bool) -> list[dict[str, Any]]:
    """One period's totals for every region of `level` (as published, or on today's codes),
    each with its source."""
    return _rows(_LEVEL_ROWS[current], {"id": indicator_id, "level": level, "period": period})


def explorer_regions() -> list[dict[str, Any]]:
    """Every region with its validity, and every recorded change of code or name (merges,
    splits, renumbering), for the explorer's place lookup."""
    return _rows(
        """SELECT code, name, level, parent_code, valid_from, valid_to FROM region
           ORDER BY code, valid_from NULLS FIRST"""
    )


def region_levels() -> dict[str, str]:
    """Every region code with its level (country, county, municipality)."""
    return per_version(("region_levels",), lambda: {row["code"]: row["level"] for row in _rows(
        "SELECT code, any_value(level) AS level FROM region GROUP BY code")})


def region_changes() -> list[dict[str, Any]]:
    """Every change of region code, oldest first."""
    return _rows(
        """SELECT old_code, old_name, new_code, new_name, changed_on, level FROM region_change
           ORDER BY changed_on, old_code, new_code"""
    )


def explorer_levels() -> dict[str, int]:
    """How many totals from Statistics Norway's tables (sources of kind 'ssb', which only
    `etl refresh` loads) the warehouse holds per region level: whether municipal statistics
    have been loaded at all. The curated figures for a few big cities do not count."""
    return dict(per_version(("explorer_levels",), _explorer_levels))


def _explorer_levels() -> dict[str, int]:
    rows = _rows(
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
    return dict(per_version(("explorer_places_with_data",), lambda: {row["region_code"]: row["n"] for row in _rows(
        """SELECT region_code, count(DISTINCT indicator_id) AS n FROM observation_current
           WHERE breakdown = '' AND value IS NOT NULL GROUP BY region_code""")}))


def municipal_strategies(region_code: str) -> list[dict[str, Any]]:
    """The strategies a municipality or county has adopted for itself (kind 'municipal'), with
    source, adoption date and case number."""
    return _rows(
        """SELECT id, kind, name_nb, name_en, name_nn, region_code, period_start, period_end, publication_code,
                  published, owners_nb, source_publisher, source_title, source_url
           FROM strategy WHERE kind = 'municipal' AND region_code = $code
           ORDER BY published DESC NULLS LAST, id""",
        {"code": str(region_code)},
    )


def partnerships(region_code: str) -> list[dict[str, Any]]:
    """The Husbanken programme periods a municipality (by today's code) is listed in, with
    their source."""
    return _rows(
        """SELECT region_code, name, programme, period_start, period_end, status, publisher, title, url, published,
                  note_nb, note_en
           FROM partnership WHERE region_code_today = $code ORDER BY period_start, programme""",
        {"code": str(region_code)},
    )


# ==============================================================================================
# What changed between published data versions (etl/changelog.py), for /nytt and /nytt.atom.
# A warehouse published before the change log existed has neither table: nothing to list.
# ==============================================================================================


def data_releases() -> list[dict[str, Any]]:
    """Every data version the served warehouse records, newest first."""
    if "data_release" not in table_names():
        return []
    return _rows("SELECT * FROM data_release ORDER BY rowid DESC")  # written oldest first at publish


def change_log() -> list[dict[str, Any]]:
    """Every recorded change, in the order the ETL wrote them per version."""
    if "change_log" not in table_names():
        return []
    return _rows("SELECT * FROM change_log ORDER BY data_version, rowid")
