"""The ETL run log: one JSON line when a run starts and one when it ends.

It lives beside the warehouse, not inside it, because a failed run never reaches a published
database but must still be recorded. A start line with no end line is an interrupted run.
"""
from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

from boligsosial.config import settings
from boligsosial.warehouse import runs


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Run:
    def __init__(self, command: str, path: Path | None = None):
        self.path = path or settings.run_log_path()
        self.run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
        self.command = command
        self.started = _now()
        self.rows: dict[str, int] = {}
        self._append({"run_id": self.run_id, "command": command, "started": self.started, "status": "running"})

    def finish(self, status: str, message: str = "") -> dict:
        record = {
            "run_id": self.run_id,
            "command": self.command,
            "started": self.started,
            "finished": _now(),
            "status": status,
            "message": message,
            "rows": self.rows,
        }
        self._append(record)
        return record

    def _append(self, record: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


def read_runs(path: Path | None = None) -> list[dict]:
    """All runs, oldest first; runs that never finished are reported as interrupted. The parsing
    is the app's (boligsosial/warehouse/runs.py), so the status page and the warehouse's run table agree."""
    return runs.read_runs(path or settings.run_log_path(), whole=True, unfinished="interrupted")
