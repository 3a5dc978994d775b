"""The one place that opens DuckDB: the warehouse's connection, its life and its faults.
The modules beside it (series_rows, catalogue_rows, place_rows, strategy_rows, release_rows) ask
their questions, by subject, through `rows()` and `cursor()` here.

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
from typing import Any, Callable

import duckdb

from boligsosial.config import settings
from boligsosial.warehouse import integrity

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
# pin() and unpin() (the app calls them around every request, see boligsosial/web/data_version.py)
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
    (boligsosial/warehouse/integrity.py: a stat per call, its checksum every few seconds)."""
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


def cursor() -> duckdb.DuckDBPyConnection:
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
    tables would show figures no version, footer or cache can account for. A file of another
    layout (settings.WAREHOUSE_SCHEMA) would fail the app's queries: refused the same way."""
    try:
        found = dict(connection.execute(
            "SELECT key, value FROM meta WHERE key IN ('data_version', 'schema_version')").fetchall())
    except duckdb.Error:
        found = {}
    if not found.get("data_version"):
        problem = "it has no data version, so the ETL did not publish it"
    elif found.get("schema_version") != settings.WAREHOUSE_SCHEMA:
        problem = (f"it was built by another version of the ETL (layout {found.get('schema_version') or 'unknown'}; "
                   f"this app reads layout {settings.WAREHOUSE_SCHEMA})")
    else:
        return
    connection.close()
    raise WarehouseUnavailable(f"The warehouse {path} is incomplete: {problem}. Rebuild it with `{BUILD_COMMANDS[1]}`.",
                               path, integrity.INCOMPLETE)


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


def _with_nynorsk(found: list[dict[str, Any]], columns: list[str]) -> list[dict[str, Any]]:
    """Give every `x_nb` column an `x_nn` beside it: the nynorsk text where the data has one,
    else the bokmål (category labels and publishers' descriptions are kept in bokmål), so code
    can read `row[f"x_{lang}"]` in every interface language."""
    pairs = [(c, c[:-3] + "_nn") for c in columns if c.endswith("_nb")]
    for row in found if pairs else ():
        for nb, nn in pairs:
            if not row.get(nn):
                row[nn] = row[nb]
    return found


def rows(sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    reader = cursor()
    try:
        reader.execute(sql, params or {})
        columns = [column[0] for column in reader.description]
        return _with_nynorsk([dict(zip(columns, row)) for row in reader.fetchall()], columns)
    except duckdb.Error as exc:
        if not _file_fault(exc):
            raise  # a mistake in the query, not in the file: a bug to see, not a data outage
        raise WarehouseUnavailable(
            f"The warehouse {settings.warehouse_path()} is incomplete or damaged ({exc}). Rebuild it with `{BUILD_COMMANDS[1]}`.",
            settings.warehouse_path(),
            integrity.INCOMPLETE if isinstance(exc, duckdb.CatalogException) else integrity.CORRUPT,
        ) from None
    finally:
        reader.close()


def _file_fault(exc: duckdb.Error) -> bool:
    """Whether a query failed because of the file rather than the query: tables missing (a file
    from another build), blocks that cannot be read (a truncated file), or blocks failing their
    checksum (DuckDB raises that corruption as its base Error class)."""
    return isinstance(exc, (duckdb.CatalogException, duckdb.OperationalError)) or type(exc) is duckdb.Error


def meta() -> dict[str, str]:
    """The warehouse's meta table: data_version, built_at, schema_version. Read once per
    published file: a page asks for the data version dozens of times (caches, links, footer)."""
    return dict(per_version(("meta",), lambda: {row["key"]: row["value"] for row in rows("SELECT key, value FROM meta")}))


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
