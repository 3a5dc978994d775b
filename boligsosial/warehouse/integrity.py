"""Is the served warehouse exactly the file the ETL published? Checked on every request, cheaply.

A file can change under a running app without a new inode: bytes written into it in place, or
a truncation. DuckDB would go on answering from the blocks it already holds in memory, while
another worker, or the same one on its next read, sees the damage; one worker would say "no
database" and the other would serve (issue 14). So the ETL writes a publish record beside the
warehouse (`warehouse.duckdb.published.json`, etl/publish.py) naming each file it published:
size, modification time and SHA-256. The app serves a file only while it matches an entry:

- Every request: a stat of the file and of the record (two system calls, no reading). A size no
  published file had means the file is cut short (incomplete) or grown (corrupt): found at once.
- The checksum, when the file's inode, size or mtime or the record has changed since the last
  check (the request waits for it), and otherwise at least every RECHECK_SECONDS (2 s), taken
  in a background thread while requests keep the last verdict, so bytes written in place are
  found within seconds even when the mtime is put back. Hashing the 7 MB warehouse takes about
  10 ms; for a big file the interval grows so that hashing takes at most HASH_SHARE of the time.
- One thread hashes at a time; while it does, other requests keep the last verdict unless the
  file's stat changed, in which case they wait for the new one.

The record keeps the last RECORD_KEEP files: a rollout renames the record into place first and
the file second (docs/deploy.md), so the file still being served matches in between, and a
rollback to the previous file needs no new record. A file without a record was not published by
the ETL (or was copied without its record) and is not served.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

RECORD_SUFFIX = ".published.json"
RECORD_FORMAT = 1
RECORD_KEEP = 5
RECHECK_SECONDS = float(os.environ.get("BOLIG_INTEGRITY_SECONDS", "2"))
HASH_SHARE = 0.02
HEAD_BYTES = 64 * 1024  # a file cut short still begins as the published one did

# What is wrong with a file, in the words the notice uses (data/i18n/reliability.yaml).
MISSING, CORRUPT, INCOMPLETE = "missing", "corrupt", "incomplete"


def record_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + RECORD_SUFFIX)


def sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def head_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read(HEAD_BYTES)).hexdigest()


def describe(path: Path, data_version: str = "") -> dict:
    """A record entry for the complete file at `path`."""
    stat = os.stat(path)
    return {"data_version": data_version, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
            "sha256": sha256(path), "head_sha256": head_sha256(path),
            "published_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def read_record(warehouse: Path) -> list[dict]:
    """The entries of the record beside `warehouse`, newest first. FileNotFoundError when there
    is none; ValueError when it is not a record."""
    with open(record_path(warehouse), encoding="utf-8") as handle:
        record = json.load(handle)
    files = record.get("files") if isinstance(record, dict) else None
    if (not isinstance(files, list) or not files
            or not all(isinstance(f, dict) and isinstance(f.get("size"), int) and isinstance(f.get("sha256"), str)
                       for f in files)):
        raise ValueError("it lists no published files")
    return files


def add_to_record(warehouse: Path, entry: dict) -> Path:
    """Put `entry` first in the record beside `warehouse` (keeping the last RECORD_KEEP files)
    and write it atomically. Call it before the file described is renamed into place."""
    try:
        earlier = [f for f in read_record(warehouse) if f["sha256"] != entry["sha256"]]
    except (OSError, ValueError):
        earlier = []
    target = record_path(warehouse)
    temp = target.with_name(f"{target.name}.new-{os.getpid()}")
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump({"format": RECORD_FORMAT, "files": [entry, *earlier][:RECORD_KEEP]}, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, target)
    return target


@dataclass(frozen=True)
class Problem:
    kind: str  # MISSING, CORRUPT or INCOMPLETE
    message: str  # for the log and /healthz (names the file; queries strips the directories)


@dataclass(frozen=True)
class _Verdict:
    file: tuple  # (device, inode, size, mtime) the verdict is about
    record: tuple | None  # the record's stat then
    problem: Problem | None
    next_hash: float  # monotonic time after which the checksum is due again


def _stat_key(stat: os.stat_result) -> tuple:
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _record_key(warehouse: Path) -> tuple | None:
    try:
        return _stat_key(os.stat(record_path(warehouse)))
    except OSError:
        return None


class Checker:
    """One per process (warehouse/db.py asks it before handing out a connection)."""

    def __init__(self) -> None:
        self._verdict: _Verdict | None = None
        self._hashing = threading.Lock()

    def check(self, path: Path, stat: os.stat_result) -> Problem | None:
        """None when the file at `path` (whose stat the caller just took) matches its record."""
        file_key, record_key = _stat_key(stat), _record_key(path)
        verdict = self._verdict
        if verdict is not None and verdict.file == file_key and verdict.record == record_key:
            if time.monotonic() >= verdict.next_hash and self._hashing.acquire(blocking=False):
                # Due, and nothing changed: taken beside the request, which keeps this verdict
                # (hashing a 26 MB file inline made every 2 s's request 20 ms slower).
                try:
                    threading.Thread(target=self._verify_and_release, args=(path, file_key, record_key),
                                     name="warehouse-checksum", daemon=True).start()
                except BaseException:  # no thread (interpreter shutting down): the lock must not stay held
                    self._hashing.release()
                    raise
            return verdict.problem
        with self._hashing:
            verdict = self._verdict
            if verdict is not None and verdict.file == file_key and verdict.record == record_key:
                return verdict.problem  # another thread checked this very state while we waited
            return self._verify(path, file_key, record_key).problem

    def forget(self) -> None:
        self._verdict = None

    def after_fork(self) -> None:
        """A child starts with no verdict and a free lock: a checksum thread of the parent does
        not exist in the child, and a lock it held would stay held there for ever."""
        self._verdict, self._hashing = None, threading.Lock()

    def _verify_and_release(self, path: Path, file_key: tuple, record_key: tuple | None) -> None:
        try:
            self._verify(path, file_key, record_key)
        finally:
            self._hashing.release()

    def _verify(self, path: Path, file_key: tuple, record_key: tuple | None) -> _Verdict:
        started = time.monotonic()
        problem = _problem(path, file_key[2])
        took = time.monotonic() - started
        verdict = _Verdict(file_key, record_key, problem, started + max(RECHECK_SECONDS, took / HASH_SHARE))
        self._verdict = verdict
        return verdict


def _problem(path: Path, size: int) -> Problem | None:
    record = record_path(path)
    try:
        entries = read_record(path)
    except FileNotFoundError:
        return Problem(INCOMPLETE, f"The warehouse {path} has no publish record ({record.name}): the ETL did not publish "
                                   "it, or it was copied without its record.")
    except (OSError, ValueError) as exc:
        return Problem(CORRUPT, f"The publish record {record} cannot be read ({exc}).")
    try:
        if size not in {entry["size"] for entry in entries}:
            head = head_sha256(path)
            cut = [entry for entry in entries
                   if entry["size"] > size and (size == 0 or entry.get("head_sha256") == head)]
            if cut:
                return Problem(INCOMPLETE, f"The warehouse {path} is {size:,} bytes where the published file has "
                                           f"{cut[0]['size']:,}: it has been cut short.")
            return Problem(CORRUPT, f"The warehouse {path} is {size:,} bytes, a size no published file had.")
        digest = sha256(path)
    except FileNotFoundError:
        return Problem(MISSING, f"The warehouse {path} does not exist.")
    except OSError as exc:
        return Problem(CORRUPT, f"The warehouse {path} cannot be read: {exc.strerror}.")
    if digest not in {entry["sha256"] for entry in entries if entry["size"] == size}:
        return Problem(CORRUPT, f"The warehouse {path} has changed since it was published: its SHA-256 matches no "
                                f"file in {record.name}.")
    return None


checker = Checker()
os.register_at_fork(after_in_child=checker.after_fork)
