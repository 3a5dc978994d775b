"""Publish: build a new warehouse file beside the served one, check it, then swap it in.

The served file is only ever replaced by os.replace of a complete, checked, checkpointed file,
so readers see either the old database or the new one, never a mix. App workers hold read-only
connections on the old inode and reopen when they see a new one. A failed or interrupted build
leaves the served file untouched.

Just before the swap, the new file's size, modification time and SHA-256 go into the publish
record beside it (warehouse.duckdb.published.json, boligsosial/warehouse/integrity.py), which still names
the file being replaced too. The app serves only a file that matches its record, so a file
changed or cut short in place afterwards is noticed within seconds.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from boligsosial.config import settings
from boligsosial.warehouse import integrity
from etl import changelog, checks, runlog
from etl.errors import ValidationFailed

SCHEMA_VERSION = settings.WAREHOUSE_SCHEMA
SCHEMA_SQL = (Path(__file__).with_name("schema.sql")).read_text(encoding="utf-8")
TEMP_MARK = ".new-"


@dataclass
class Published:
    path: Path
    data_version: str
    built_at: str
    bytes: int
    rows: dict[str, int]


def data_version(tables: dict[str, pd.DataFrame]) -> str:
    """A content hash: the same data gives the same version (used for ETags and caches)."""
    digest = hashlib.sha256()
    for name in sorted(tables):
        frame = tables[name]
        digest.update(name.encode())
        digest.update(",".join(map(str, frame.columns)).encode())
        if len(frame):
            digest.update(pd.util.hash_pandas_object(frame.astype(str), index=False).values.tobytes())
    return digest.hexdigest()[:16]


def remove_stale_temp_files(target: Path) -> None:
    """A build killed hard (SIGKILL, power loss) can leave its temp files (the database's and
    the publish record's); the next run clears them."""
    stale_files = [*target.parent.glob(target.name + TEMP_MARK + "*"),
                   *target.parent.glob(integrity.record_path(target).name + TEMP_MARK + "*")]
    for stale in stale_files:
        pid = stale.name.split(TEMP_MARK, 1)[1].split(".", 1)[0]
        if pid.isdigit() and _pid_alive(int(pid)) and int(pid) != os.getpid():
            continue  # another build is running right now
        stale.unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    con.register("incoming", frame)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")  # table names are ours, not input
    finally:
        con.unregister("incoming")


def _run_history(run: runlog.Run, record: dict) -> pd.DataFrame:
    runs = [r for r in runlog.read_runs(run.path) if r["run_id"] != run.run_id] + [record]
    return pd.DataFrame(
        [
            {
                "run_id": r["run_id"],
                "command": r.get("command", ""),
                "started": r.get("started", ""),
                "finished": r.get("finished"),
                "status": r.get("status", ""),
                "message": r.get("message", ""),
                "rows_json": json.dumps(r.get("rows", {}), ensure_ascii=False),
            }
            for r in runs
        ]
    )


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(tables: dict[str, pd.DataFrame], run: runlog.Run, target: Path | None = None) -> Published:
    """Write `tables` into a new database, check it, and atomically replace `target`.

    Raises ValidationFailed (served file untouched) when a check fails."""
    target = target or settings.warehouse_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(target)
    temp = target.with_name(f"{target.name}{TEMP_MARK}{os.getpid()}")
    version = data_version(tables)
    built_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    rows = {name: len(frame) for name, frame in tables.items()}
    con = None
    try:
        con = duckdb.connect(str(temp))
        con.execute(SCHEMA_SQL)
        for name, frame in tables.items():
            _insert(con, name, frame)
        failures = checks.run_checks(con)
        if failures:
            raise ValidationFailed(
                f"The new warehouse failed {len(failures)} check(s); the served database is unchanged.", failures
            )
        record = {"run_id": run.run_id, "command": run.command, "started": run.started,
                  "finished": built_at, "status": "ok", "message": "published", "rows": run.rows}
        _insert(con, "etl_run", _run_history(run, record))
        # What changed since the served version, for /nytt and its feed (not part of the data version).
        changelog.record(con, target, version, built_at, run.command)
        meta = {"data_version": version, "built_at": built_at, "schema_version": SCHEMA_VERSION}
        _insert(con, "meta", pd.DataFrame({"key": list(meta), "value": list(meta.values())}))
        con.execute("CHECKPOINT")
        con.close()
        con = None
        _fsync(temp)
        integrity.add_to_record(target, integrity.describe(temp, version))
        os.replace(temp, target)
        _fsync(target.parent)
    finally:
        if con is not None:
            con.close()
        for leftover in (temp, temp.with_name(temp.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return Published(target, version, built_at, target.stat().st_size, rows)
