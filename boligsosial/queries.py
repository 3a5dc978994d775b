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
from pathlib import Path
from typing import Any, Iterable

import duckdb

from boligsosial import settings

BUILD_COMMANDS = ("make run", "python -m etl build")


class WarehouseUnavailable(RuntimeError):
    """The warehouse file is missing, unreadable, or lacks the tables the app reads."""

    def __init__(self, message: str, path: Path | None = None):
        super().__init__(message)
        self.message = message
        self.path = path


_lock = threading.Lock()
_connection: duckdb.DuckDBPyConnection | None = None
_opened_key: tuple | None = None  # (pid, path, device, inode) the connection was opened for


def _file_key(path: Path) -> tuple:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise WarehouseUnavailable(
            f"The warehouse {path} does not exist. Build it with `{BUILD_COMMANDS[0]}` or `{BUILD_COMMANDS[1]}`.", path
        ) from None
    except OSError as exc:
        raise WarehouseUnavailable(f"The warehouse {path} cannot be read: {exc.strerror}.", path) from None
    return (os.getpid(), str(path), stat.st_dev, stat.st_ino)


def _cursor() -> duckdb.DuckDBPyConnection:
    global _connection, _opened_key
    path = settings.warehouse_path()
    key = _file_key(path)
    with _lock:
        if _connection is None or _opened_key != key:
            # The old connection is dropped, not closed: a query running in another thread
            # keeps it alive through its cursor, and it is freed (releasing the old file) when
            # the last cursor closes.
            _connection, _opened_key = None, None
            try:
                _connection = duckdb.connect(str(path), read_only=True, config={"threads": 1})
            except duckdb.Error as exc:
                raise WarehouseUnavailable(
                    f"The warehouse {path} cannot be opened ({exc}). Rebuild it with `{BUILD_COMMANDS[1]}`.", path
                ) from None
            _opened_key = key
        return _connection.cursor()


def close() -> None:
    """Drop this process's connection (tests, and servers that want to release the file)."""
    global _connection, _opened_key
    with _lock:
        if _connection is not None and _opened_key is not None and _opened_key[0] == os.getpid():
            _connection.close()
        _connection, _opened_key = None, None


# DuckDB cannot be used across fork: a child that inherits an open database crashes when it
# opens the file again. Closing before any fork (gunicorn --preload, multiprocessing) makes the
# parent reopen lazily afterwards and every child open its own.
os.register_at_fork(before=close)


def _rows(sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    cursor = _cursor()
    try:
        cursor.execute(sql, params or {})
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]
    except (duckdb.CatalogException, duckdb.IOException) as exc:
        # A file that opens but lacks our tables is a warehouse from some other build.
        raise WarehouseUnavailable(
            f"The warehouse {settings.warehouse_path()} is incomplete ({exc}). Rebuild it with `{BUILD_COMMANDS[1]}`.",
            settings.warehouse_path(),
        ) from None
    finally:
        cursor.close()


def meta() -> dict[str, str]:
    """The warehouse's meta table: data_version, built_at, schema_version."""
    return {row["key"]: row["value"] for row in _rows("SELECT key, value FROM meta")}


def data_version() -> str:
    """A content hash of the served data, changing exactly when the data does (for caches, ETags)."""
    version = meta().get("data_version")
    if not version:
        raise WarehouseUnavailable("The warehouse has no data_version: it was not published by the ETL.")
    return version


def status() -> dict[str, str]:
    """What /healthz reports for a good warehouse; raises WarehouseUnavailable otherwise."""
    info = meta()
    if not info.get("data_version"):
        raise WarehouseUnavailable("The warehouse has no data_version: it was not published by the ETL.")
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
           o.derived, o.derivation, o.confidence, o.note, o.source_id,
           i.decimals, i.unit, i.unit_label_nb, i.unit_label_en,
           s.publisher AS source_publisher, s.title AS source_title, s.url AS source_url,
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


def strategies(kind: str) -> list[dict[str, Any]]:
    """Strategies of one kind ("national", ...) that have a period, oldest first: for shading
    strategy periods on time axes."""
    return _rows(
        """SELECT id, name_nb, name_en, period_start, period_end FROM strategy
           WHERE kind = $kind AND period_start IS NOT NULL AND period_end IS NOT NULL
           ORDER BY period_start""",
        {"kind": kind},
    )
